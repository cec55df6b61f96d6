"""Total reward with terminal states (stochastic shortest path): model keyword, validity
checks, PI / VI, evaluation, occupancy; published Sutton & Barto values recomputed here."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.models.tabular import TabularMDP
from mdpkit.solvers import evaluate, occupancy, q_from_v, solve
from mdpkit.solvers.total import check_ssp, maximal_end_components, proper_policy


def gridworld():
    """Sutton & Barto (2018) Example 4.1: 4x4 grid, corners 0 and 15 terminal, reward -1
    per move, moves off the grid leave the state unchanged."""
    S, A = 16, 4
    P = np.zeros((S, A, S))
    R = -np.ones((S, A))
    for s in range(S):
        r, c = divmod(s, 4)
        for a, (dr, dc) in enumerate([(-1, 0), (1, 0), (0, -1), (0, 1)]):
            rr, cc = r + dr, c + dc
            P[s, a, rr * 4 + cc if (0 <= rr < 4 and 0 <= cc < 4) else s] = 1.0
    for t in (0, 15):
        P[t] = 0.0
        P[t, :, t] = 1.0
        R[t] = 0.0
    return P, R


def test_sutton_barto_example_4_1():
    P, R = gridworld()
    m = TabularMDP(P, R, criterion="total", terminal=[0, 15])
    # equiprobable random policy: independent linear solve on the 14 non-terminal states
    N = np.arange(1, 15)
    P_pi = P.mean(axis=1)
    V_ref = np.zeros(16)
    V_ref[N] = np.linalg.solve(np.eye(14) - P_pi[np.ix_(N, N)], R.mean(axis=1)[N])
    # the book's converged table: 0 -14 -20 -22 / -14 -18 -20 -20 / -20 -20 -18 -14 / ...
    published = np.array(
        [0, -14, -20, -22, -14, -18, -20, -20, -20, -20, -18, -14, -22, -20, -14, 0], dtype=float
    )
    np.testing.assert_allclose(V_ref, published, atol=1e-9)
    V = evaluate(m, np.full((16, 4), 0.25))
    np.testing.assert_allclose(V, V_ref, atol=1e-10)
    # optimal values: minus the number of moves to the nearest corner
    r, c = np.divmod(np.arange(16), 4)
    V_opt = -np.minimum(r + c, (3 - r) + (3 - c)).astype(float)
    for method in ("pi", "vi"):
        res = solve(m, method=method)
        assert res.converged and res.bound == 0.0
        np.testing.assert_allclose(res.V, V_opt, atol=1e-10, err_msg=method)
        np.testing.assert_allclose(evaluate(m, res.policy), V_opt, atol=1e-10)
    ms = TabularMDP(
        sp.csr_matrix(P.reshape(64, 16)),
        R,
        criterion="total",
        terminal=np.isin(np.arange(16), [0, 15]),
    )
    np.testing.assert_allclose(solve(ms).V, V_opt, atol=1e-10)
    np.testing.assert_allclose(q_from_v(m, V_opt), R + P @ V_opt)


def random_ssp(rng, S, A, sparse=False):
    """State 0 terminal; non-terminal rewards negative (every end component has negative
    gain); positive termination probability on action 0 of every state."""
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < 0.5)
    P[:, 0, 0] += 0.2
    P[:, :, 1 % S] += 1e-3
    P /= P.sum(axis=2, keepdims=True)
    P[0] = 0.0
    P[0, :, 0] = 1.0
    R = -rng.uniform(0.1, 1.0, size=(S, A))
    R[0] = 0.0
    Pm = sp.csr_matrix(P.reshape(S * A, S)) if sparse else P
    return TabularMDP(Pm, R, criterion="total", terminal=[0]), P, R


@settings(max_examples=15, deadline=None)
@given(
    S=st.integers(2, 6), A=st.integers(1, 3), seed=st.integers(0, 2**32 - 1), sparse=st.booleans()
)
def test_total_matches_long_finite_horizon(S, A, seed, sparse):
    """V*_H (backward induction, H steps) converges to V*_total as H grows; on these
    models the termination probability per step under the best policy is bounded below,
    so H = 4000 is within 1e-8."""
    m, P, R = random_ssp(np.random.default_rng(seed), S, A, sparse)
    res_pi, res_vi = solve(m, method="pi"), solve(m, method="vi", tol=1e-10)
    np.testing.assert_allclose(res_vi.V, res_pi.V, atol=1e-9)
    fh = solve(TabularMDP(P, R, horizon=4000))
    np.testing.assert_allclose(fh.V[0], res_pi.V, atol=1e-8)
    # Bellman equation of the total reward, and V on the terminal state
    np.testing.assert_allclose((R + P @ res_pi.V).max(axis=1), res_pi.V, atol=1e-10)
    assert res_pi.V[0] == 0.0
    # occupancy: expected visits before termination; <d, R> = mu . V
    d = occupancy(m, res_pi.policy)
    assert abs((d * R).sum() - m.mu @ res_pi.V) <= 1e-9
    assert (d[0] == 0).all()


def test_positive_rewards_fine_when_every_policy_terminates():
    # reward +1 per step, termination w.p. 1/2 every step: V = 2 (expected 2 steps)
    P = np.zeros((2, 1, 2))
    P[0, 0] = [0.5, 0.5]
    P[1, 0, 1] = 1.0
    m = TabularMDP(P, np.array([[1.0], [0.0]]), criterion="total", terminal=[1])
    np.testing.assert_allclose(solve(m).V, [2.0, 0.0], atol=1e-12)
    assert maximal_end_components(m) == []


def test_non_terminating_ssp_refused():
    # state 1 loops forever with reward +1 (action 1), or moves to the terminal (action 0)
    P = np.zeros((3, 2, 3))
    P[0, :, 1] = 1.0
    P[1, 0, 2] = 1.0
    P[1, 1, 1] = 1.0
    P[2, :, 2] = 1.0
    R = np.array([[-1.0, -1.0], [0.0, 1.0], [0.0, 0.0]])
    m = TabularMDP(P, R, criterion="total", terminal=[2])
    comps = maximal_end_components(m)
    assert (
        len(comps) == 1 and comps[0][0].tolist() == [1] and comps[0][1].tolist() == [[False, True]]
    )
    for method in ("pi", "vi"):
        with pytest.raises(
            ValueError, match=r"stay forever.*\[1\].*positive average reward.*\+inf"
        ):
            solve(m, method=method)
    # the same loop with reward 0: total reward of never terminating is not defined
    m0 = TabularMDP(P, np.where(R > 0, 0.0, R), criterion="total", terminal=[2])
    with pytest.raises(ValueError, match=r"not certified negative"):
        check_ssp(m0)
    # with reward -1 on the loop it is a proper SSP: stay 0 steps, leave at once
    m1 = TabularMDP(P, np.where(R > 0, -1.0, R), criterion="total", terminal=[2])
    np.testing.assert_allclose(solve(m1).V, [-1.0, 0.0, 0.0])
    # a state that cannot reach a terminal state at all
    P2 = P.copy()
    P2[1] = 0.0
    P2[1, :, 1] = 1.0
    m2 = TabularMDP(P2, np.where(R > 0, -1.0, R), criterion="total", terminal=[2])
    with pytest.raises(ValueError, match=r"states \[0, 1\] cannot reach a terminal state"):
        proper_policy(m2)
    with pytest.raises(ValueError, match="cannot reach a terminal state"):
        solve(m2)
    # an improper policy is refused by evaluate and occupancy
    with pytest.raises(ValueError, match=r"improper.*\[0, 1\]"):
        evaluate(m1, np.array([0, 1, 0]))
    with pytest.raises(ValueError, match="improper"):
        occupancy(m1, np.array([0, 1, 0]))


def test_terminal_keyword_validation():
    P, R = gridworld()
    m = TabularMDP(P, R, criterion="total", terminal=np.array([15, 0, 0]))
    assert m.terminal.tolist() == [0, 15] and not m.terminal.flags.writeable
    assert pickle.loads(pickle.dumps(m)) == m and "total" in repr(m)
    assert m.replace(R=R * 2).terminal.tolist() == [0, 15]
    P3 = P.copy()
    P3[3] = 0.0
    P3[3, :, 3] = 1.0
    R3 = R.copy()
    R3[3] = 0.0
    assert TabularMDP(P3, R3, criterion="total", terminal=[0, 15]) != TabularMDP(
        P3, R3, criterion="total", terminal=[0, 3, 15]
    )
    with pytest.raises(ValueError, match=r"needs terminal="):
        TabularMDP(P, R, criterion="total")
    with pytest.raises(ValueError, match='only for criterion="total"'):
        TabularMDP(P, R, gamma=0.9, terminal=[0])
    with pytest.raises(ValueError, match="takes neither gamma nor horizon"):
        TabularMDP(P, R, gamma=0.9, criterion="total", terminal=[0])
    with pytest.raises(ValueError, match=r"terminal state 3 must be absorbing: P\[3, 1, 3\] = 0.0"):
        TabularMDP(P, R, criterion="total", terminal=[0, 3])
    R2 = R.copy()
    R2[0, 2] = 1.0
    with pytest.raises(ValueError, match=r"terminal state 0 must pay no reward: R\[0, 2\]"):
        TabularMDP(P, R2, criterion="total", terminal=[0, 15])
    with pytest.raises(ValueError, match="terminal state 16 is not a state"):
        TabularMDP(P, R, criterion="total", terminal=[0, 16])
    with pytest.raises(ValueError, match="at least one terminal state"):
        TabularMDP(P, R, criterion="total", terminal=np.zeros(16, dtype=bool))
    with pytest.raises(TypeError, match="terminal must be int state indices"):
        TabularMDP(P, R, criterion="total", terminal=[0.0])
    with pytest.raises(ValueError, match=r"bool mask must have shape \(S,\)"):
        TabularMDP(P, R, criterion="total", terminal=np.ones(3, dtype=bool))

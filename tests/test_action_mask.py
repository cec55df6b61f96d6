"""Per-state action sets (action_mask): every solver, evaluate, occupancy and the LP
ignore unavailable pairs. References are computed here by brute force over the policies
that use available actions only, or by numpy recursions with -inf on unavailable pairs.
Unavailable pairs are given large rewards, so a solver ignoring the mask fails."""

import itertools
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.models.tabular import TabularMDP
from mdpkit.solvers import evaluate, occupancy, q_from_v, solve
from mdpkit.solvers.average import is_communicating, is_unichain


def puterman_two_state(mask=True, gamma=0.95):
    """Puterman (1994) Sec. 3.1 two-state example, QuantEcon's version at beta = 0.95:
    s0: a0 pays 5 and moves to s0/s1 w.p. 1/2 each, a1 pays 10 and moves to s1;
    s1: a0 pays -1 and stays; s1's second action does not exist (a self-loop paying 0
    here, unavailable through the mask)."""
    P = np.zeros((2, 2, 2))
    P[0, 0] = [0.5, 0.5]
    P[0, 1] = [0.0, 1.0]
    P[1, :, 1] = 1.0
    R = np.array([[5.0, 10.0], [-1.0, 0.0]])
    M = np.array([[True, True], [True, False]]) if mask else None
    return TabularMDP(P, R, gamma=gamma, action_mask=M)


def test_puterman_two_state_with_infeasible_pair():
    g = 0.95
    v1 = -1 / (1 - g)  # s1 pays -1 forever: -20
    v0 = max((5 + g * 0.5 * v1) / (1 - g * 0.5), 10 + g * v1)  # -8.5714...
    assert abs(v1 + 20) < 1e-12 and abs(v0 + 60 / 7) < 1e-12
    m = puterman_two_state()
    for method in ("vi", "pi", "mpi", "lp"):
        res = solve(m, method=method, tol=1e-10)
        np.testing.assert_allclose(res.V, [v0, v1], atol=1e-8, err_msg=method)
        np.testing.assert_array_equal(res.policy, [0, 0])
        assert res.Q[1, 1] == -np.inf
    # without the mask the 0-reward self-loop is taken: V = (10, 0)
    np.testing.assert_allclose(
        solve(puterman_two_state(mask=False), tol=1e-10).V, [10, 0], atol=1e-8
    )
    np.testing.assert_allclose(evaluate(m, np.array([0, 0])), [v0, v1], atol=1e-12)
    assert q_from_v(m, [v0, v1])[1, 1] == -np.inf
    with pytest.raises(
        ValueError, match=r"policy\[1\] = 1 is an unavailable action: action_mask\[1, 1\]"
    ):
        evaluate(m, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"unavailable action: action_mask\[1, 1\]"):
        occupancy(m, np.array([[0.5, 0.5], [0.9, 0.1]]))


def test_mask_validation_and_model_identity():
    P = np.full((3, 2, 3), 1 / 3)
    R = np.zeros((3, 2))
    M = np.array([[True, False], [True, True], [False, True]])
    m = TabularMDP(P, R, gamma=0.9, action_mask=M)
    assert m.action_mask.tolist() == M.tolist() and not m.action_mask.flags.writeable
    assert pickle.loads(pickle.dumps(m)) == m
    assert m.replace(gamma=0.5).action_mask is not None
    assert m != TabularMDP(P, R, gamma=0.9)
    assert TabularMDP(P, R, gamma=0.9, action_mask=np.ones((3, 2), bool)).action_mask is None
    with pytest.raises(ValueError, match=r"leaves state 1 with no available action"):
        TabularMDP(
            P, R, gamma=0.9, action_mask=np.array([[True, False], [False, False], [True, True]])
        )
    with pytest.raises(ValueError, match=r"action_mask must have shape \(S, A\) = \(3, 2\)"):
        TabularMDP(P, R, gamma=0.9, action_mask=np.ones((2, 3), bool))
    with pytest.raises(TypeError, match="action_mask must be a bool array"):
        TabularMDP(P, R, gamma=0.9, action_mask=np.ones((3, 2)))


def random_masked(rng, S, A):
    P = rng.random((S, A, S)) + 0.05
    P /= P.sum(axis=2, keepdims=True)
    R = rng.normal(size=(S, A))
    M = rng.random((S, A)) < 0.6
    M[np.arange(S), rng.integers(0, A, size=S)] = True
    R[~M] = 50.0  # unavailable pairs look very attractive
    return P, R, M


def available_policies(M):
    S = M.shape[0]
    return [np.array(p) for p in itertools.product(*[np.flatnonzero(M[s]) for s in range(S)])]


@settings(max_examples=12, deadline=None)
@given(
    S=st.integers(1, 4), A=st.integers(2, 3), seed=st.integers(0, 2**32 - 1), sparse=st.booleans()
)
def test_masked_solvers_match_brute_force(S, A, seed, sparse):
    rng = np.random.default_rng(seed)
    P, R, M = random_masked(rng, S, A)
    Pm = sp.csr_matrix(P.reshape(S * A, S)) if sparse else P
    idx = np.arange(S)
    pols = available_policies(M)
    # discounted: the optimal value dominates every available policy's value
    gamma = 0.9
    vals = [np.linalg.solve(np.eye(S) - gamma * P[idx, p], R[idx, p]) for p in pols]
    V_ref = np.max(vals, axis=0)
    md = TabularMDP(Pm, R, gamma=gamma, action_mask=M)
    for method in ("vi", "pi", "mpi", "lp"):
        res = solve(md, method=method, tol=1e-10)
        np.testing.assert_allclose(res.V, V_ref, atol=1e-7, err_msg=method)
        assert M[idx, res.policy].all(), method
        if res.occupancy is not None:
            assert (res.occupancy[~M] == 0).all()
        np.testing.assert_allclose(evaluate(md, res.policy), V_ref, atol=1e-7)
        assert (occupancy(md, res.policy)[~M] == 0).all()
    # finite horizon, step-dependent P: numpy backward induction with -inf on masked pairs
    H = 4
    Ph = np.stack([P, P[:, :, ::-1]])[rng.integers(0, 2, size=H)]
    Ph = np.ascontiguousarray(Ph)
    V = np.zeros(S)
    Vs = []
    for h in reversed(range(H)):
        Q = R + Ph[h] @ V
        Q[~M] = -np.inf
        V = Q.max(axis=1)
        Vs.append(V)
    mf = TabularMDP(Ph, R, horizon=H, action_mask=M)
    for method in ("backward", "lp"):
        res = solve(mf, method=method)
        np.testing.assert_allclose(res.V[0], Vs[-1], atol=1e-8, err_msg=method)
        assert M[idx[None, :], res.policy].all()
        assert (res.Q[:, ~M] == -np.inf).all()

    # average reward: brute-force optimal gain over available policies
    def gain(p):
        Pp = P[idx, p]
        A_ = np.vstack([Pp.T - np.eye(S), np.ones((1, S))])
        pi = np.linalg.lstsq(A_, np.r_[np.zeros(S), 1.0], rcond=None)[0]
        return pi @ R[idx, p]

    g_ref = max(gain(p) for p in pols)
    ma = TabularMDP(Pm, R, criterion="average", action_mask=M)
    for method in ("rvi", "pi", "lp"):
        res = solve(ma, method=method, tol=1e-10)
        assert abs(res.gain - g_ref) <= 1e-8, method
        assert M[idx, res.policy].all()
    assert is_unichain(ma) and is_communicating(ma)


def test_masked_total_reward():
    """A +1 self-loop that is unavailable does not make the SSP ill-posed; the reference is
    numpy value iteration with -inf on unavailable pairs."""
    rng = np.random.default_rng(7)
    S, A = 5, 3
    P = rng.random((S, A, S)) + 0.1
    P /= P.sum(axis=2, keepdims=True)
    R = -rng.uniform(0.5, 1.0, size=(S, A))
    P[0] = 0.0
    P[0, :, 0] = 1.0
    R[0] = 0.0
    M = np.ones((S, A), dtype=bool)
    P[2, 1] = 0.0
    P[2, 1, 2] = 1.0
    R[2, 1] = 1.0
    M[2, 1] = False
    with pytest.raises(ValueError, match="positive average reward"):
        solve(TabularMDP(P, R, criterion="total", terminal=[0]))
    m = TabularMDP(P, R, criterion="total", terminal=[0], action_mask=M)
    V = np.zeros(S)
    for _ in range(5000):
        Q = R + P @ V
        Q[~M] = -np.inf
        V = Q.max(axis=1)
    for method in ("pi", "vi"):
        res = solve(m, method=method)
        np.testing.assert_allclose(res.V, V, atol=1e-9, err_msg=method)
        assert res.policy[2] != 1


def test_puterman_through_quantecon_layouts():
    """QuantEcon's form of the example: R = [[5, 10], [-1, -inf]] (product form) and the
    pair form with the infeasible pair left out both give the masked model, V = (-60/7, -20)."""
    from types import SimpleNamespace

    from mdpkit.models.convert import from_quantecon, quantecon_arrays

    Q = np.zeros((2, 2, 2))
    Q[0, 0] = [0.5, 0.5]
    Q[0, 1] = [0.0, 1.0]
    Q[1, 0] = [0.0, 1.0]
    prod = SimpleNamespace(R=np.array([[5.0, 10.0], [-1.0, -np.inf]]), Q=Q, beta=0.95)
    pairs = SimpleNamespace(
        R=np.array([5.0, 10.0, -1.0]),
        Q=Q.reshape(4, 2)[:3],
        beta=0.95,
        s_indices=np.array([0, 0, 1]),
        a_indices=np.array([0, 1, 0]),
    )
    for ddp in (prod, pairs):
        m = from_quantecon(ddp)
        assert m == puterman_two_state()
        np.testing.assert_allclose(solve(m, tol=1e-10).V, [-60 / 7, -20], atol=1e-8)
    np.testing.assert_array_equal(quantecon_arrays(from_quantecon(prod))["R"], prod.R)


def test_gym_env_respects_mask_and_terminal_states():
    from mdpkit.envs.gym_env import TabularMDPEnv

    env = TabularMDPEnv(puterman_two_state())
    s, info = env.reset(seed=0, options={"state": 1})
    assert s == 1 and info["action_mask"].tolist() == [1, 0]
    with pytest.raises(ValueError, match=r"action 1 is unavailable in state 1"):
        env.step(1)
    s2, r, term, trunc, info = env.step(0)
    assert (s2, r, term, trunc) == (1, -1.0, False, False) and info["action_mask"].tolist() == [
        1,
        0,
    ]
    # total reward: reaching the terminal state terminates the episode
    P = np.zeros((2, 1, 2))
    P[0, 0, 1] = 1.0
    P[1, 0, 1] = 1.0
    env = TabularMDPEnv(TabularMDP(P, np.array([[-1.0], [0.0]]), criterion="total", terminal=[1]))
    env.reset(seed=0, options={"state": 0})
    s2, r, term, trunc, info = env.step(0)
    assert (s2, r, term, trunc) == (1, -1.0, True, False) and "action_mask" not in info
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(0)


def test_policy0_on_unavailable_action_refused():
    m = puterman_two_state()
    with pytest.raises(ValueError, match=r"policy0\[1\] = 1 is an unavailable action"):
        solve(m, method="pi", policy0=np.array([0, 1]))
    np.testing.assert_allclose(solve(m, method="pi", policy0=np.array([1, 0])).V, [-60 / 7, -20])
    ma = TabularMDP(m.P, m.R, criterion="average", action_mask=m.action_mask)
    with pytest.raises(ValueError, match=r"policy0\[1\] = 1 is an unavailable action"):
        solve(ma, method="pi", policy0=np.array([0, 1]))
    assert solve(ma, method="pi", policy0=np.array([1, 0])).gain == pytest.approx(-1.0, abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    S=st.integers(1, 5),
    A=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(["random", "sparse", "riverswim", "gridworld"]),
)
def test_generators_take_a_mask_and_match_pairs_removed_by_hand(S, A, seed, kind):
    """A generated masked model solves like the same model with the unavailable pairs
    removed by hand (value iteration over each state's available actions only)."""
    from mdpkit.models import generators as G

    rng = np.random.default_rng(seed)
    make = {
        "random": lambda **kw: G.random_mdp(S, A, gamma=0.9, rng=seed, **kw),
        "sparse": lambda **kw: G.random_sparse_mdp(S, A, min(S, 2), gamma=0.9, rng=seed, **kw),
        "riverswim": lambda **kw: G.riverswim(S + 1, gamma=0.9, **kw),
        "gridworld": lambda **kw: G.gridworld((1, S + 1), slip=0.2, gamma=0.9, **kw),
    }[kind]
    base = make()
    M = rng.random((base.S, base.A)) < 0.6
    M[np.arange(base.S), rng.integers(0, base.A, base.S)] = True
    m = make(action_mask=M)
    assert np.array_equal(m.action_mask if m.action_mask is not None else np.ones_like(M), M)
    assert np.array_equal(m.dense_P(), base.dense_P()) and np.array_equal(m.R, base.R)
    P, R = base.dense_P(), np.asarray(base.R)
    V = np.zeros(base.S)
    for _ in range(400):  # by hand: only the available pairs exist
        V = np.array(
            [max(R[s, a] + 0.9 * P[s, a] @ V for a in np.flatnonzero(M[s])) for s in range(base.S)]
        )
    res = solve(m, method="pi")
    assert np.allclose(res.V, V, rtol=0, atol=1e-9)
    assert M[np.arange(base.S), res.policy].all()
    bad = np.flatnonzero(~M.all(axis=1))
    if bad.size:
        s = int(bad[0])
        pol = res.policy.copy()
        pol[s] = int(np.flatnonzero(~M[s])[0])
        with pytest.raises(ValueError, match="unavailable action"):
            evaluate(m, pol)
    M2 = M.copy()
    M2[0] = False
    with pytest.raises(ValueError, match="no available action"):
        make(action_mask=M2)


@settings(max_examples=15, deadline=None)
@given(
    S=st.integers(1, 5),
    A=st.integers(1, 3),
    H=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    step_P=st.booleans(),
    gamma=st.sampled_from([None, 0.8]),
)
def test_step_dependent_mask_matches_pairs_removed_by_hand(S, A, H, seed, step_P, gamma):
    """A (H, S, A) mask: backward induction, evaluation and occupancy equal a by-hand
    recursion over the available actions of each step only."""
    rng = np.random.default_rng(seed)
    P = rng.random((H, S, A, S) if step_P else (S, A, S)) + 1e-3
    P /= P.sum(-1, keepdims=True)
    R = rng.normal(size=(H, S, A))
    M = rng.random((H, S, A)) < 0.6
    M[np.arange(H)[:, None], np.arange(S)[None, :], rng.integers(0, A, (H, S))] = True
    m = TabularMDP(P, R, horizon=H, gamma=gamma, action_mask=M)
    g = 1.0 if gamma is None else gamma
    Ph = (lambda h: P[h]) if step_P else (lambda h: P)
    V = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        V[h] = [
            max(R[h, s, a] + g * Ph(h)[s, a] @ V[h + 1] for a in np.flatnonzero(M[h, s]))
            for s in range(S)
        ]
    res = solve(m)
    assert np.allclose(res.V, V[:H], rtol=0, atol=1e-10)
    assert M[np.arange(H)[:, None], np.arange(S)[None, :], res.policy].all()
    assert np.isneginf(res.Q[~M]).all() and np.isneginf(q_from_v(m, res.V)[~M]).all()
    assert np.allclose(evaluate(m, res.policy), res.V, rtol=0, atol=1e-10)
    D = occupancy(m, res.policy)
    assert (D[~M] == 0).all() and abs(m.mu @ res.V[0] - float((D * R).sum())) <= 1e-9
    hs = np.argwhere(~M)
    if hs.size:
        h, s, a = (int(k) for k in hs[0])
        pol = res.policy.copy()
        pol[h, s] = a
        with pytest.raises(ValueError, match=rf"unavailable action at step {h}"):
            evaluate(m, pol)


def test_step_dependent_mask_errors_and_gym_env():
    from mdpkit.envs.gym_env import TabularMDPEnv

    P = np.zeros((2, 2, 2))
    P[0, :, 0] = P[1, :, 1] = 1.0  # every action stays
    R = np.array([[1.0, 0.0], [0.0, 1.0]])
    M = np.ones((3, 2, 2), dtype=bool)
    M[1, 0, 0] = False
    with pytest.raises(ValueError, match="needs a finite-horizon model"):
        TabularMDP(P, R, gamma=0.9, action_mask=M)
    with pytest.raises(ValueError, match=r"or \(H, S, A\) = \(4, 2, 2\)"):
        TabularMDP(P, R, horizon=4, action_mask=M)
    with pytest.raises(ValueError, match="needs a dense P"):
        TabularMDP(sp.csr_matrix(P.reshape(4, 2)), R, horizon=3, action_mask=M)
    assert TabularMDP(P, R, horizon=3, action_mask=np.ones((3, 2, 2), bool)).action_mask is None
    M2 = M.copy()
    M2[2, 1] = False
    with pytest.raises(ValueError, match="state 1 at step 2 with no available action"):
        TabularMDP(P, R, horizon=3, action_mask=M2)
    m = TabularMDP(P, R, horizon=3, action_mask=M)
    env = TabularMDPEnv(m)
    s, info = env.reset(seed=0, options={"state": 0})
    assert info["action_mask"].tolist() == [1, 1]
    s2, _, _, _, info = env.step(0)
    assert s2 == 0 and info["action_mask"].tolist() == [0, 1]  # step 1: action 0 masked
    with pytest.raises(ValueError, match=r"action_mask\[1, 0, 0\] is False"):
        env.step(0)
    env.step(1)

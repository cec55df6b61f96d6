"""Average-reward criterion: model keyword, RVI / PI / LP cross-checks, chain structure.

Reference values are computed here independently (stationary distributions by a numpy
linear solve, brute force over all deterministic policies), never copied from a solver.
"""

import itertools
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.models.tabular import TabularMDP
from mdpkit.solvers import evaluate, occupancy, q_from_v, solve
from mdpkit.solvers.average import (
    evaluate_average,
    is_communicating,
    is_unichain,
    recurrent_classes,
)
from mdpkit.utils import ConvergenceWarning


# --------------------------------------------------------------- independent numpy side
def stationary(P_pi):
    """Stationary distribution of an irreducible-or-unichain chain by a numpy lstsq."""
    S = P_pi.shape[0]
    M = np.vstack([P_pi.T - np.eye(S), np.ones((1, S))])
    b = np.zeros(S + 1)
    b[-1] = 1.0
    return np.linalg.lstsq(M, b, rcond=None)[0]


def gain_of(P, R, pol):
    S = R.shape[0]
    P_pi = P[np.arange(S), pol]
    return float(stationary(P_pi) @ R[np.arange(S), pol])


def brute_force_gain(P, R):
    S, A = R.shape
    return max(gain_of(P, R, np.array(p)) for p in itertools.product(range(A), repeat=S))


def random_unichain(rng, S, A, sparse=False):
    """Random kernel with a uniform floor: every policy's chain is irreducible and aperiodic."""
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < 0.5)
    P += 0.05
    P /= P.sum(axis=2, keepdims=True)
    R = rng.normal(size=(S, A))
    Pm = sp.csr_matrix(P.reshape(S * A, S)) if sparse else P
    return TabularMDP(Pm, R, criterion="average"), P, R


def periodic_model():
    """3-cycle under action 0, action 1 jumps back to state 0: every chain is periodic or
    irreducible through state 0, so the model is unichain and communicating."""
    P = np.zeros((3, 2, 3))
    for s in range(3):
        P[s, 0, (s + 1) % 3] = 1.0
        P[s, 1, 0] = 1.0
    R = np.array([[0.0, 0.2], [1.0, 0.0], [2.0, 0.1]])
    return TabularMDP(P, R, criterion="average"), P, R


def two_absorbing():
    """States 0 and 1 absorbing under every action (two recurrent classes), state 2 chooses."""
    P = np.zeros((3, 2, 3))
    P[0, :, 0] = 1.0
    P[1, :, 1] = 1.0
    P[2, 0, 0] = 1.0
    P[2, 1, 1] = 1.0
    R = np.array([[1.0, 1.0], [2.0, 2.0], [0.0, 0.0]])
    return TabularMDP(P, R, criterion="average")


# ------------------------------------------------------------------------- the keyword
def test_criterion_keyword():
    P = np.full((2, 2, 2), 0.5)
    R = np.zeros((2, 2))
    assert TabularMDP(P, R, gamma=0.9).criterion == "discounted"
    assert TabularMDP(P, R, horizon=3).criterion == "finite"
    assert TabularMDP(P, R, gamma=0.9, criterion="discounted").is_discounted
    m = TabularMDP(P, R, criterion="average")
    assert m.is_average and not m.is_discounted and not m.is_finite_horizon
    assert m.gamma is None and m.H is None and "average" in repr(m)
    assert pickle.loads(pickle.dumps(m)) == m
    assert m != TabularMDP(P, R, gamma=0.5)
    assert m.replace(R=np.ones((2, 2))).criterion == "average"
    assert m.replace(criterion=None, gamma=0.5).criterion == "discounted"
    with pytest.raises(TypeError, match="criterion must be a str"):
        TabularMDP(P, R, criterion=1)
    with pytest.raises(ValueError, match="criterion must be one of"):
        TabularMDP(P, R, criterion="avg")
    with pytest.raises(ValueError, match="takes neither gamma nor horizon"):
        TabularMDP(P, R, gamma=0.9, criterion="average")
    with pytest.raises(ValueError, match="takes neither gamma nor horizon"):
        TabularMDP(P, R, horizon=2, criterion="average")
    with pytest.raises(ValueError, match=r'criterion="discounted" needs gamma'):
        TabularMDP(P, R, criterion="discounted")
    with pytest.raises(ValueError, match=r'criterion="finite" needs horizon'):
        TabularMDP(P, R, criterion="finite")
    with pytest.raises(ValueError, match="R with shape \\(H, S, A\\) needs horizon"):
        TabularMDP(P, np.zeros((2, 2, 2)), criterion="average")


def test_average_model_refused_where_undefined():
    m, _, _ = random_unichain(np.random.default_rng(0), 3, 2)
    with pytest.raises(ValueError, match="evaluate_average"):
        evaluate(m, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="occupancy"):
        occupancy(m, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="q_from_v"):
        q_from_v(m, np.zeros(3))
    with pytest.raises(ValueError, match="not valid for a average model|valid methods"):
        solve(m, method="vi")


# ------------------------------------------------------------------- cross-checks
@settings(max_examples=25, deadline=None)
@given(
    S=st.integers(1, 5), A=st.integers(1, 3), seed=st.integers(0, 2**32 - 1), sparse=st.booleans()
)
def test_rvi_pi_lp_agree_with_brute_force(S, A, seed, sparse):
    m, P, R = random_unichain(np.random.default_rng(seed), S, A, sparse)
    g_star = brute_force_gain(P, R)
    res = {meth: solve(m, method=meth, tol=1e-11) for meth in ("rvi", "pi", "lp")}
    for meth, r in res.items():
        assert r.converged, meth
        assert abs(r.gain - g_star) <= 1e-8, (meth, r.gain, g_star)
        # the returned policy is optimal (independent gain of the policy)
        assert gain_of(P, R, r.policy) >= g_star - 1e-8, meth
        # average-reward optimality equation with the returned bias
        Th = (R + P @ r.V).max(axis=1)
        np.testing.assert_allclose(Th - r.V, g_star, atol=1e-7, err_msg=meth)
        np.testing.assert_allclose(r.Q.max(axis=1), r.V, atol=1e-7, err_msg=meth)
    # bias up to a constant (all three normalise h[0] = 0)
    np.testing.assert_allclose(res["rvi"].V, res["pi"].V, atol=1e-7)
    np.testing.assert_allclose(res["lp"].V, res["pi"].V, atol=1e-9)
    lo, hi = res["rvi"].extras["gain_lower"], res["rvi"].extras["gain_upper"]
    assert lo - 1e-12 <= g_star <= hi + 1e-12
    # LP dual = stationary occupancy of an optimal policy
    x = res["lp"].occupancy
    assert x.shape == (S, A) and (x >= 0).all()
    assert abs(x.sum() - 1) <= 1e-8
    np.testing.assert_allclose(x.sum(axis=1), np.einsum("sa,sat->t", x, P), atol=1e-8)
    assert abs((x * R).sum() - g_star) <= 1e-8


def test_rvi_aperiodicity_transform():
    m, P, R = periodic_model()
    g_star = brute_force_gain(P, R)
    r = solve(m, tol=1e-12)
    assert r.extras["tau"] == 0.5 and r.converged
    assert abs(r.gain - g_star) <= 1e-10
    # bias of the original model, not of the transformed one
    np.testing.assert_allclose((R + P @ r.V).max(axis=1) - r.V, g_star, atol=1e-9)
    np.testing.assert_allclose(r.V, solve(m, method="pi").V, atol=1e-9)
    # without the transform the span of the 3-cycle never shrinks
    with pytest.warns(ConvergenceWarning, match="rvi"):
        r1 = solve(m, tau=1.0, max_iter=300, tol=1e-12)
    assert not r1.converged
    assert r1.extras["gain_lower"] - 1e-12 <= g_star <= r1.extras["gain_upper"] + 1e-12


def test_pymdptoolbox_forest_rvi_example():
    """pymdptoolbox's forest example (S=3, r1=4, r2=2, p=0.1) through its (A, S, S) layout;
    its RelativeValueIteration documents average_reward 3.24 and policy (0, 0, 0). Checked
    here against the stationary distribution of the 'wait' chain (pi = (p, p(1-p),
    (1-p)^2), so g = 4 (1-p)^2 = 3.24) and against brute force over the 8 policies."""
    from mdpkit.models.convert import from_pymdptoolbox

    p, r1, r2 = 0.1, 4.0, 2.0
    T = np.array([[[p, 1 - p, 0], [p, 0, 1 - p], [p, 0, 1 - p]], [[1, 0, 0], [1, 0, 0], [1, 0, 0]]])
    Rw = np.array([[0.0, 0.0], [0.0, 1.0], [r1, r2]])
    m = from_pymdptoolbox(T, Rw, criterion="average")
    P = m.dense_P()
    g_wait = 4 * (1 - p) ** 2
    assert abs(gain_of(P, Rw, np.zeros(3, dtype=int)) - g_wait) <= 1e-12
    assert abs(brute_force_gain(P, Rw) - g_wait) <= 1e-12
    for meth in ("rvi", "pi", "lp"):
        r = solve(m, method=meth, tol=1e-10)
        assert abs(r.gain - g_wait) <= 1e-9, meth
        np.testing.assert_array_equal(r.policy, [0, 0, 0])


def test_evaluate_average_matches_stationary_distribution():
    rng = np.random.default_rng(5)
    m, P, R = random_unichain(rng, 5, 3)
    pol = rng.integers(0, 3, size=5)
    g, h = evaluate_average(m, pol)
    assert abs(g - gain_of(P, R, pol)) <= 1e-12
    P_pi = P[np.arange(5), pol]
    np.testing.assert_allclose(g + h, R[np.arange(5), pol] + P_pi @ h, atol=1e-12)
    assert h[0] == 0.0
    # stochastic policy: same as the mixed chain
    pi = rng.dirichlet(np.ones(3), size=5)
    g2, _ = evaluate_average(m, pi)
    P_mix = np.einsum("sa,sat->st", pi, P)
    assert abs(g2 - stationary(P_mix) @ (pi * R).sum(1)) <= 1e-12


# -------------------------------------------------------------- chain structure
def test_chain_structure_functions():
    m, _, _ = random_unichain(np.random.default_rng(1), 4, 2)
    assert is_communicating(m) and is_unichain(m)
    mp, _, _ = periodic_model()
    assert is_communicating(mp) and is_unichain(mp)
    mm = two_absorbing()
    assert not is_communicating(mm) and not is_unichain(mm)
    assert is_unichain(mm, policy=np.array([0, 0, 0])) is False
    classes = recurrent_classes(mm.dense_P()[np.arange(3), [0, 0, 1]])
    assert [c.tolist() for c in classes] == [[0], [1]]
    # unichain but not communicating: state 1 transient under every policy
    P = np.zeros((2, 1, 2))
    P[:, 0, 0] = 1.0
    mt = TabularMDP(P, np.zeros((2, 1)), criterion="average")
    assert is_unichain(mt) and not is_communicating(mt)
    big, _, _ = random_unichain(np.random.default_rng(2), 13, 2)
    with pytest.raises(ValueError, match="NP-hard"):
        is_unichain(big)


def test_multichain_refused_by_unichain_methods():
    mm = two_absorbing()
    for meth in ("pi", "lp"):
        with pytest.raises(
            ValueError, match=r"multichain.*2 recurrent classes.*unichain models only"
        ):
            solve(mm, method=meth)
    with pytest.raises(ValueError, match="multichain"):
        evaluate_average(mm, np.array([0, 0, 0]))
    # RVI's certificate stays valid: gains 1 and 2 lie inside [lower, upper]
    with pytest.warns(ConvergenceWarning):
        r = solve(mm, max_iter=200)
    assert r.extras["gain_lower"] <= 1.0 and r.extras["gain_upper"] >= 2.0


def test_average_bad_options():
    m, _, _ = random_unichain(np.random.default_rng(3), 3, 2)
    with pytest.raises(TypeError, match="unknown option"):
        solve(m, method="rvi", gamma=0.5)
    with pytest.raises(ValueError, match="tau must lie in"):
        solve(m, tau=0.0)
    with pytest.raises(ValueError, match="ref_state"):
        solve(m, method="pi", ref_state=3)

"""Discounted and finite-horizon LP solver (HiGHS): V* against brute force over all
deterministic policies (own linear solves, independent of mdpkit), optimality of the
read-off policy, occupancy measures (sum, flow constraints, complementary slackness),
initial distributions without full support, sparse vs dense, options and bad input.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit import TabularMDP
from mdpkit.solvers.lp import discounted_lp_matrices, solve_lp
from mdpkit.utils import ConvergenceWarning

SETTINGS = settings(max_examples=25, deadline=None)


# --------------------------------------------------------------------------- helpers
def random_disc(seed, S, A, gamma, *, sparse=False, mu_zeros=False, alpha=0.5):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(S, alpha), size=(S, A))
    if sparse:
        P[P < 0.15] = 0.0
        P[..., 0] += P.sum(-1) == 0
        P /= P.sum(-1, keepdims=True)
    R = rng.normal(size=(S, A))
    mu = rng.dirichlet(np.ones(S))
    if mu_zeros and S > 1:
        mu[rng.random(S) < 0.6] = 0.0
        if mu.sum() == 0:
            mu[-1] = 1.0
        mu /= mu.sum()
    if sparse:
        P = sp.csr_matrix(P.reshape(S * A, S))
    return TabularMDP(P, R, gamma=gamma, mu=mu)


def eval_det(P, R, g, pol):
    S = len(pol)
    return np.linalg.solve(np.eye(S) - g * P[np.arange(S), pol], R[np.arange(S), pol])


def brute_force(mdp):
    """V* = pointwise max of V^pi over all A^S deterministic stationary policies."""
    P, R, g = mdp.dense_P(), mdp.R, mdp.gamma
    best = np.full(mdp.S, -np.inf)
    for pol in itertools.product(range(mdp.A), repeat=mdp.S):
        best = np.maximum(best, eval_det(P, R, g, np.array(pol)))
    return best


def policy_iteration_ref(P, R, g):
    """Textbook Howard PI with dense solves (reference for mid-size models)."""
    S, A = R.shape
    pol = np.zeros(S, dtype=int)
    for _ in range(1000):
        V = eval_det(P, R, g, pol)
        Q = R + g * P @ V
        new = np.where(Q.max(1) > Q[np.arange(S), pol] + 1e-13, Q.argmax(1), pol)
        if np.array_equal(new, pol):
            return V
        pol = new
    raise AssertionError("reference PI did not converge")


@st.composite
def disc_models(draw, max_S=4, max_A=3, max_policies=256):
    S = draw(st.integers(1, max_S))
    A = draw(st.integers(1, max_A))
    while A**S > max_policies:
        S -= 1
    g = draw(st.sampled_from([0.0, 0.5, 0.9, 0.99]))
    return random_disc(
        draw(st.integers(0, 2**32 - 1)),
        S,
        A,
        g,
        sparse=draw(st.booleans()),
        mu_zeros=draw(st.booleans()),
    )


def check_occupancy(mdp, d, V):
    """d >= 0, sums to 1/(1-gamma), flow constraints under mu, value identity."""
    P, g = mdp.dense_P(), mdp.gamma
    assert d.shape == (mdp.S, mdp.A)
    assert (d >= 0).all()
    np.testing.assert_allclose(d.sum(), 1.0 / (1.0 - g), rtol=1e-9)
    flow = d.sum(axis=1) - g * np.einsum("sa,sat->t", d, P)
    np.testing.assert_allclose(flow, mdp.mu, atol=1e-9)
    np.testing.assert_allclose((d * mdp.R).sum(), mdp.mu @ V, atol=1e-8 / (1 - g))


# ------------------------------------------------------------------------------ tests
@SETTINGS
@given(disc_models())
def test_lp_matches_brute_force(mdp):
    Vb = brute_force(mdp)
    res = solve_lp(mdp)
    scale = 1.0 / (1.0 - mdp.gamma)
    np.testing.assert_allclose(res.V, Vb, atol=1e-8 * scale, rtol=0)
    np.testing.assert_allclose(res.extras["V_lp"], Vb, atol=1e-8 * scale, rtol=0)
    # the read-off policy is optimal: its exact value (own solve) is V*
    np.testing.assert_allclose(
        eval_det(mdp.dense_P(), mdp.R, mdp.gamma, res.policy), Vb, atol=1e-8 * scale
    )
    assert res.converged and res.method == "lp" and 0.0 <= res.bound <= 1e-8
    np.testing.assert_allclose(res.Q, mdp.R + mdp.gamma * mdp.dense_P() @ res.V, atol=1e-12)
    check_occupancy(mdp, res.occupancy, Vb)
    # complementary slackness: occupancy only on optimal actions
    gap = res.Q.max(axis=1, keepdims=True) - res.Q
    assert np.all(res.occupancy * gap <= 1e-8)


def test_mu_without_full_support_pins_every_state():
    """State 2 is unreachable from mu: the w = mu primal would leave V(2) free; ours is exact.

    A wrong implementation (primal weights = mu) returns V(2) anywhere above V*(2) and
    cannot read an action off a zero occupancy row.
    """
    S, A, g = 3, 2, 0.9
    P = np.zeros((S, A, S))
    P[0, :, 0] = 1.0  # state 0 absorbing
    P[1, 0, 0] = 1.0  # 1 -> 0
    P[1, 1, 1] = 1.0
    P[2, 0, 2] = 1.0  # state 2 only reaches itself or 1
    P[2, 1, 1] = 1.0
    R = np.array([[1.0, 0.5], [0.0, 2.0], [5.0, 0.0]])
    mu = np.array([0.5, 0.5, 0.0])
    mdp = TabularMDP(P, R, gamma=g, mu=mu)
    res = solve_lp(mdp)
    Vb = brute_force(mdp)
    np.testing.assert_allclose(res.V, Vb, atol=1e-10)
    np.testing.assert_allclose(res.extras["V_lp"], Vb, atol=1e-8)
    assert res.policy[2] == 0 and res.policy[1] == 1
    assert res.extras["occupancy_source"] == "policy_flow_solve"
    assert np.all(res.occupancy[2] == 0)
    check_occupancy(mdp, res.occupancy, Vb)
    # the naive formulation really is ambiguous here: the LP with weights mu has an optimal
    # solution with V(2) far above V*(2) (so the test above can fail)
    from scipy.optimize import linprog

    M, r = discounted_lp_matrices(mdp)
    alt = linprog(
        mu,
        A_ub=-M,
        b_ub=-r,
        A_eq=np.array([[0.0, 0.0, 1.0]]),
        b_eq=[Vb[2] + 10.0],
        bounds=(None, None),
        method="highs",
    )
    assert alt.status == 0 and abs(alt.fun - mu @ Vb) < 1e-9


def test_greedy_fallback_on_zero_occupancy_states(monkeypatch):
    """With the textbook weights w = mu (forced here), unreached states have zero occupancy
    and get the greedy action w.r.t. Q from the LP's V (documented fallback)."""
    import mdpkit.solvers.lp as lpmod

    monkeypatch.setattr(lpmod, "MU_MIN_WEIGHT", 0.0)
    S, A, g = 3, 2, 0.9
    P = np.zeros((S, A, S))
    P[0, :, 0] = P[1, 0, 0] = P[1, 1, 1] = P[2, 0, 2] = P[2, 1, 1] = 1.0
    R = np.array([[1.0, 0.5], [0.0, 2.0], [5.0, 0.0]])
    mdp = TabularMDP(P, R, gamma=g, mu=[0.5, 0.5, 0.0])
    res = solve_lp(mdp)
    assert res.extras["n_greedy_states"] == 1
    assert res.extras["occupancy_source"] == "lp_marginals"
    np.testing.assert_allclose(res.V, brute_force(mdp), atol=1e-10)
    assert res.policy[2] == 0 and res.converged


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(2, 5), st.integers(1, 3))
def test_mu_zero_entries_random(seed, S, A):
    mdp = random_disc(seed, S, A, 0.9, mu_zeros=True)
    res = solve_lp(mdp)
    Vb = brute_force(mdp)
    np.testing.assert_allclose(res.V, Vb, atol=1e-8)
    check_occupancy(mdp, res.occupancy, Vb)
    # an explicit strictly positive weight gives the same V*
    w = np.random.default_rng(seed).random(S) + 0.1
    np.testing.assert_allclose(solve_lp(mdp, weight=w).V, Vb, atol=1e-8)


@pytest.mark.parametrize("lp_method", ["highs-ipm", "highs-ds"])
def test_tiny_mu_entry_is_treated_as_zero(lp_method):
    """Regression (found by hypothesis): mu = (5e-15, .5, .5) is 'full support' in exact
    arithmetic but below the solver tolerances; using it as the LP weight left V(0) unpinned
    and the read-off policy suboptimal by 1.33."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 0] = P[0, 1, 1] = P[1, 0, 2] = P[1, 1, 0] = P[2, 0, 1] = P[2, 1, 2] = 1.0
    R = np.zeros((3, 2))
    R[1, 0] = 1.0
    mdp = TabularMDP(P, R, gamma=0.5, mu=[5e-15, 0.5, 0.5 - 5e-15])
    res = solve_lp(mdp, lp_method=lp_method)
    Vb = brute_force(mdp)
    np.testing.assert_allclose(res.V, Vb, atol=1e-12)
    assert res.converged and res.bound < 1e-12
    assert res.extras["occupancy_source"] == "policy_flow_solve"
    check_occupancy(mdp, res.occupancy, Vb)


@pytest.mark.parametrize("gamma", [0.9, 0.99])
def test_lp_mid_size_against_policy_iteration(gamma):
    mdp = random_disc(7, 40, 4, gamma)
    res = solve_lp(mdp)
    Vref = policy_iteration_ref(mdp.dense_P(), mdp.R, gamma)
    np.testing.assert_allclose(res.V, Vref, atol=1e-8)
    check_occupancy(mdp, res.occupancy, Vref)


def test_dense_and_sparse_paths_agree():
    d = random_disc(11, 30, 3, 0.95)
    s = TabularMDP(sp.csr_matrix(d.P.reshape(90, 30)), d.R, gamma=0.95, mu=d.mu)
    rd, rs = solve_lp(d), solve_lp(s)
    np.testing.assert_allclose(rd.V, rs.V, atol=1e-10)
    np.testing.assert_allclose(rd.occupancy, rs.occupancy, atol=1e-8)


def test_cross_check_with_value_iteration_if_available():
    api = pytest.importorskip("mdpkit.solvers.api")
    mdp = random_disc(3, 25, 4, 0.95)
    vi = api.solve(mdp, "vi", tol=1e-10)
    lp = api.solve(mdp, "lp")
    np.testing.assert_allclose(lp.V, vi.V, atol=1e-8)
    assert lp.occupancy is not None
    np.testing.assert_allclose(api.occupancy(mdp, lp.policy), lp.occupancy, atol=1e-8)


def test_finite_horizon_lp_stepdependent_sparse():
    rng = np.random.default_rng(2)
    H, S, A = 4, 6, 3
    P = rng.dirichlet(np.full(S, 0.3), size=(H, S, A))
    R = rng.normal(size=(H, S, A))
    mu = np.zeros(S)
    mu[0] = 1.0
    from mdpkit.solvers.backward import backward_induction

    for PP in (P, P[0], sp.csr_matrix(P[0].reshape(S * A, S))):
        mdp = TabularMDP(PP, R, horizon=H, mu=mu)
        lp, bi = solve_lp(mdp), backward_induction(mdp)
        np.testing.assert_allclose(lp.V, bi.V, atol=1e-10)
        np.testing.assert_allclose(lp.extras["V_lp"], bi.V, atol=1e-8)
        assert lp.extras["n_greedy_states"] == 0
        np.testing.assert_allclose(lp.occupancy.sum(axis=(1, 2)), 1.0, atol=1e-12)
        assert abs((lp.occupancy * R).sum() - bi.V[0, 0]) < 1e-10


def test_hand_computed_two_state():
    """Two states, one action each except state 0: stay (r=1) or jump to 1 (r=0, then 2 forever)."""
    g = 0.5
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    R = np.array([[1.0, 0.0], [2.0, 2.0]])
    mdp = TabularMDP(P, R, gamma=g, mu=[1.0, 0.0])
    res = solve_lp(mdp)
    # V(1) = 2/(1-g) = 4; stay: 1/(1-g) = 2; jump: 0 + g*4 = 2 -> tie; V(0) = 2
    np.testing.assert_allclose(res.V, [2.0, 4.0], atol=1e-12)
    np.testing.assert_allclose(res.occupancy.sum(), 2.0, atol=1e-12)


def test_bad_input_and_options():
    mdp = random_disc(0, 3, 2, 0.9)
    with pytest.raises(ValueError, match="weight"):
        solve_lp(mdp, weight=np.ones(2))
    with pytest.raises(ValueError, match="weight"):
        solve_lp(mdp, weight=np.array([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="weight entries must be"):
        solve_lp(mdp, weight=np.array([1.0, 1e-12, 1.0]))
    with pytest.raises(TypeError, match="unknown options"):
        solve_lp(mdp, foo=1)
    with pytest.raises(ValueError, match="tol"):
        solve_lp(mdp, tol=-1.0)
    with pytest.raises(ValueError, match="max_iter"):
        solve_lp(mdp, max_iter=0)
    fh = TabularMDP(mdp.P, mdp.R, horizon=3)
    with pytest.raises(ValueError, match="weight"):
        solve_lp(fh, weight=np.ones(3))
    with pytest.raises(TypeError, match="TabularMDP"):
        solve_lp("not an mdp")
    with pytest.raises(ValueError, match="lp_method"):
        solve_lp(mdp, lp_method="simplex")


@pytest.mark.parametrize("lp_method", ["highs", "highs-ds", "highs-ipm"])
def test_all_highs_methods_agree(lp_method):
    mdp = random_disc(21, 12, 3, 0.9, mu_zeros=True)
    res = solve_lp(mdp, lp_method=lp_method)
    assert res.extras["lp_method"] == lp_method
    Vref = policy_iteration_ref(mdp.dense_P(), mdp.R, 0.9)
    np.testing.assert_allclose(res.V, Vref, atol=1e-10)
    np.testing.assert_allclose(res.extras["V_lp"], Vref, atol=1e-8)
    check_occupancy(mdp, res.occupancy, Vref)
    fh = TabularMDP(mdp.P, mdp.R, horizon=3, mu=mdp.mu)
    from mdpkit.solvers.backward import backward_induction

    np.testing.assert_allclose(
        solve_lp(fh, lp_method=lp_method).V, backward_induction(fh).V, atol=1e-10
    )


def test_tiny_tol_does_not_flag_an_optimal_policy():
    mdp = random_disc(9, 20, 3, 0.99)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        res = solve_lp(mdp, tol=1e-300)
    assert res.converged and res.bound <= res.extras["certificate_target"] < 1e-8
    # and a suboptimal vertex is flagged: emulate one by forcing an unpinned weight
    P = np.zeros((3, 2, 3))
    P[0, 0, 0] = P[0, 1, 1] = P[1, 0, 2] = P[1, 1, 0] = P[2, 0, 1] = P[2, 1, 2] = 1.0
    R = np.zeros((3, 2))
    R[1, 0] = 1.0
    bad = TabularMDP(P, R, gamma=0.5, mu=[5e-15, 0.5, 0.5 - 5e-15])
    import mdpkit.solvers.lp as lpmod

    old = lpmod.MU_MIN_WEIGHT
    lpmod.MU_MIN_WEIGHT = 0.0  # the pre-fix behaviour: w = mu
    try:
        with pytest.warns(ConvergenceWarning, match="certificate"):
            res = solve_lp(bad)
    finally:
        lpmod.MU_MIN_WEIGHT = old
    assert not res.converged and res.bound > 1.0


def test_tiny_reward_that_broke_the_ipm_is_solved_after_scaling():
    """Found by hypothesis: HiGHS IPM returned status 4 on this model (reward 2.8e-218)
    before the LP was rescaled; it is now solved by the IPM itself (the fallback by status
    is tested in test_reliability_lp.py)."""
    P = np.zeros((2, 2, 2))
    P[:, 0, 0] = P[:, 1, 1] = 1.0
    R = np.zeros((2, 2))
    R[0, 0] = 2.79945853e-218
    mdp = TabularMDP(P, R, gamma=0.5, mu=[1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = solve_lp(mdp)
    assert res.extras["lp_method"] == "highs-ipm" and res.extras["lp_fallback"] is None
    np.testing.assert_allclose(res.V, brute_force(mdp), atol=1e-12)
    assert res.converged


def test_iteration_cap_is_never_silent():
    mdp = random_disc(4, 30, 4, 0.99)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            res = solve_lp(mdp, max_iter=1, highs_options={"presolve": False})
        except RuntimeError as exc:
            assert "iteration limit" in str(exc)
            return
    assert not res.converged
    assert any(issubclass(w.category, ConvergenceWarning) for w in rec)

"""The LP never reports a feasible MDP LP as infeasible: LP vs exact policy iteration on the
fuzz families (gamma up to 0.9999, dense and CSR), the reproducer of a former "infeasible"
verdict, huge rewards, and the fallback chosen by HiGHS status."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit import TabularMDP, solve
from mdpkit.solvers import lp as lp_mod
from mdpkit.testing.strategies import tabular_mdps

GAMMAS = (0.99, 0.999, 0.9999)


def _check_against_pi(mdp):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning, no ConvergenceWarning
        res = solve(mdp, "lp")
    ref = solve(mdp, "pi", solver="direct")
    scale = max(1.0, float(np.abs(ref.V).max()))
    assert res.converged and res.extras["lp_fallback"] is None
    np.testing.assert_allclose(res.V, ref.V, rtol=0, atol=1e-9 * scale)
    # the returned policy is optimal: its exact value equals V*
    np.testing.assert_allclose(
        solve(mdp, "pi", solver="direct", policy0=res.policy).V, ref.V, rtol=0, atol=1e-9 * scale
    )
    assert res.bound <= res.extras["certificate_target"]


@pytest.mark.parametrize("gamma", GAMMAS)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_lp_matches_pi_on_drawn_models(gamma, data):
    mdp = data.draw(tabular_mdps(1, 6, 1, 3, finite_horizon=False, sparse=None))
    _check_against_pi(mdp.replace(gamma=gamma))


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("sparse", [False, True])
def test_lp_matches_pi_on_the_random_family(gamma, sparse):
    """The family on which the former formulation failed (3% at 0.99, ~20% at >= 0.999)."""
    rng = np.random.default_rng(20261206)
    for _ in range(25):
        S, A = int(rng.integers(2, 9)), int(rng.integers(1, 4))
        P = rng.dirichlet(np.full(S, 0.5), size=(S, A))
        R = rng.random((S, A))
        P = sp.csr_matrix(P.reshape(S * A, S)) if sparse else P
        _check_against_pi(TabularMDP(P, R, gamma=gamma))


def test_reproducer_of_the_infeasible_verdict():
    P = np.array([[[0.49, 0.51], [0.13, 0.87]], [[0.98, 0.02], [0.99, 0.01]]])
    R = np.array([[0.76, 0.51], [0.93, 0.07]])
    mdp = TabularMDP(P, R, gamma=0.99)
    for method in ("highs-ipm", "highs", "highs-ds"):
        res = solve(mdp, "lp", lp_method=method)
        np.testing.assert_allclose(res.V, [81.7796108, 81.89408121], atol=1e-6)
        assert res.converged


@pytest.mark.parametrize("scale", [1e300, 1e-200])
def test_huge_and_tiny_rewards_are_scaled_not_refused(scale):
    rng = np.random.default_rng(3)
    P = rng.dirichlet(np.ones(4), size=(4, 2))
    R = rng.random((4, 2))
    base = solve(TabularMDP(P, R, gamma=0.99), "pi", solver="direct")
    res = solve(TabularMDP(P, R * scale, gamma=0.99), "lp")
    np.testing.assert_array_equal(res.policy, base.policy)
    np.testing.assert_allclose(res.V / scale, base.V, rtol=1e-12)
    fh = solve(TabularMDP(P, R * scale, horizon=3), "lp")
    np.testing.assert_allclose(fh.V / scale, solve(TabularMDP(P, R, horizon=3)).V, rtol=1e-12)


def test_values_beyond_float64_are_a_clear_error():
    P = np.array([[[1.0]]])
    with pytest.raises(ValueError, match=r"R is out of range.*1e-07"):
        solve(TabularMDP(P, np.array([[1e300]]), gamma=1 - 1e-7), "lp")


@pytest.mark.parametrize("status, retried", [(2, True), (3, True), (4, True), (1, False)])
def test_fallback_is_chosen_by_the_highs_status(monkeypatch, status, retried):
    """A wrong "infeasible"/"unbounded"/"error" verdict of the first method triggers one
    announced dual-simplex solve; an iteration limit does not."""
    import scipy.optimize

    real = scipy.optimize.linprog
    calls = []

    def fake(*args, method, **kw):
        calls.append(method)
        res = real(*args, method=method, **kw)
        if method == "highs-ipm":
            res.status, res.message = status, f"fake status {status}"
        return res

    monkeypatch.setattr(scipy.optimize, "linprog", fake)
    rng = np.random.default_rng(0)
    mdp = TabularMDP(rng.dirichlet(np.ones(3), size=(3, 2)), rng.random((3, 2)), gamma=0.9)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = solve(mdp, "lp")
    if retried:
        assert calls == ["highs-ipm", "highs-ds"]
        assert res.extras["lp_method"] == "highs-ds" and "status" in res.extras["lp_fallback"]
        assert any("re-solved with highs-ds" in str(w.message) for w in rec)
        np.testing.assert_allclose(res.V, solve(mdp, "pi").V, atol=1e-9)
    else:
        assert calls == ["highs-ipm"] and res.extras["lp_fallback"] is None
        assert not res.converged


def test_both_methods_failing_is_a_runtime_error(monkeypatch):
    import scipy.optimize

    real = scipy.optimize.linprog

    def fake(*args, method, **kw):
        res = real(*args, method=method, **kw)
        res.status, res.message = 2, "fake infeasible"
        return res

    monkeypatch.setattr(scipy.optimize, "linprog", fake)
    mdp = TabularMDP(np.array([[[1.0]]]), np.array([[1.0]]), gamma=0.5)
    with pytest.warns(RuntimeWarning, match="re-solved"):
        with pytest.raises(RuntimeError, match="feasible and bounded by construction"):
            solve(mdp, "lp")


def test_centre_is_within_the_macqueen_bound():
    rng = np.random.default_rng(1)
    mdp = TabularMDP(rng.dirichlet(np.ones(5), size=(5, 2)), rng.random((5, 2)), gamma=0.999)
    M, r = lp_mod.discounted_lp_matrices(mdp)
    V_c, rho = lp_mod._centre(mdp, M, r)
    V_star = solve(mdp, "pi").V
    assert np.abs(V_c - V_star).max() < 1e-3 * np.abs(V_star).max()
    assert rho >= np.abs(r - M @ V_c).max() and np.log2(rho) == int(np.log2(rho))

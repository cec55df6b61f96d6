"""Certificates that are true in floating point, and budgets that are honest about time.

* warm starts V0 of magnitude 1e10 .. 1e18 (VI and MPI, dense and CSR, both engines): the
  returned ``bound`` is >= the true gap V* - V^policy and |V - V*| <= value_error_bound,
  against an exact LAPACK policy evaluation;
* a 2-state periodic chain at gamma = 0.999999 finishes in a few sweeps with the exact
  answer (closed form in rationals), and at gamma = 1 - 1e-9 stops fast and honestly;
* default caps: derived from gamma and tol, announced up front when huge; reaching a cap
  gives a ConvergenceWarning that states the achieved bound.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit import TabularMDP, solve
from mdpkit.solvers.vi import SWEEP_WARN, default_max_iter, initial_value
from mdpkit.testing.strategies import tabular_mdps
from mdpkit.utils import ConvergenceWarning


def _exact(mdp):
    """V* and a function policy -> V^policy by LAPACK (S small, gamma <= 0.99)."""
    S, g = mdp.S, mdp.gamma
    P = mdp.dense_P()

    def value(pol):
        idx = np.arange(S)
        return np.linalg.solve(np.eye(S) - g * P[idx, pol], mdp.R[idx, pol])

    return solve(mdp, "pi", solver="direct").V, value


def _check_certificate(mdp, res):
    V_star, value = _exact(mdp)
    scale = max(1.0, float(np.abs(V_star).max()))
    slack = 1e-12 * scale  # error of the LAPACK reference itself
    gap = float((V_star - value(res.policy)).max())
    assert gap <= res.bound + slack, (gap, res.bound)
    assert float(np.abs(res.V - V_star).max()) <= res.extras["value_error_bound"] + slack


@pytest.mark.parametrize("method", ["vi", "mpi"])
@settings(max_examples=30, deadline=None)
@given(
    data=st.data(),
    log_mag=st.integers(10, 18),
    constant=st.booleans(),
    gamma=st.sampled_from([0.9, 0.99]),
)
def test_warm_starts_far_away_give_true_certificates(method, data, log_mag, constant, gamma):
    mdp = data.draw(tabular_mdps(1, 6, 1, 3, finite_horizon=False, sparse=None))
    mdp = mdp.replace(gamma=gamma)
    rng = np.random.default_rng(log_mag)
    mag = 10.0**log_mag
    V0 = np.full(mdp.S, mag) if constant else mag * rng.uniform(-1, 1, mdp.S)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = solve(mdp, method, V0=V0)
    _check_certificate(mdp, res)
    assert res.converged  # centred iterates: the far start costs sweeps, not accuracy
    assert res.bound <= 1e-6


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("mag", [1e10, 1e14, 1e17, 1e18])
def test_warm_starts_on_each_engine(engine, sparse, mag):
    rng = np.random.default_rng(int(np.log10(mag)))
    S, A = 8, 3
    P = rng.dirichlet(np.full(S, 0.5), size=(S, A))
    R = rng.random((S, A))
    mdp = TabularMDP(sp.csr_matrix(P.reshape(S * A, S)) if sparse else P, R, gamma=0.99)
    for method in ("vi", "mpi"):
        for V0 in (np.full(S, mag), mag * rng.random(S)):
            res = solve(mdp, method, V0=V0, engine=engine, tol=1e-8)
            assert res.converged
            _check_certificate(mdp, res)


def test_tiny_tol_stops_at_the_floor_with_a_true_bound():
    rng = np.random.default_rng(4)
    mdp = TabularMDP(rng.dirichlet(np.ones(5), size=(5, 2)), rng.random((5, 2)) * 1e3, gamma=0.99)
    with pytest.warns(ConvergenceWarning, match="rounding floor"):
        res = solve(mdp, "vi", tol=1e-16)
    assert not res.converged and res.extras["floor_hit"] and res.n_iter < 2000
    _check_certificate(mdp, res)


# ------------------------------------------------------------------ periodic chains
def _periodic(gamma):
    P = np.zeros((2, 2, 2))
    P[0, :, 1] = P[1, :, 0] = 1.0  # every action swaps the two states
    R = np.array([[1.0, 0.5], [0.0, 0.2]])
    return TabularMDP(P, R, gamma=gamma)


def _periodic_exact(gamma):
    g = Fraction(gamma)
    d = 1 - g * g
    one, fifth = Fraction(1), Fraction(0.2)
    return np.array([float((one + g * fifth) / d), float((fifth + g * one) / d)])


@pytest.mark.parametrize("method", ["vi", "mpi"])
@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_periodic_chain_near_one_finishes_fast_and_right(method, engine):
    gamma = 0.999999
    mdp = _periodic(gamma)
    with pytest.warns(ConvergenceWarning, match="allow up to"):  # the cap, announced
        res = solve(mdp, method, engine=engine)
    assert res.converged and res.n_iter < 100
    np.testing.assert_array_equal(res.policy, [0, 1])
    err = np.abs(res.V - _periodic_exact(gamma)).max()
    assert err <= res.extras["value_error_bound"] and res.bound <= 1e-6
    # without damping the same solve needs ~1e7 sweeps: it is the damping that finishes it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        slow = solve(mdp, method, engine=engine, damping="off", max_iter=2000)
    assert not slow.converged


def test_periodic_chain_at_one_minus_1e9_stops_fast_and_honestly():
    gamma = 1 - 1e-9
    mdp = _periodic(gamma)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = solve(mdp, "vi")
    msgs = [str(w.message) for w in rec if issubclass(w.category, ConvergenceWarning)]
    assert any("allow up to" in m for m in msgs)  # cap of ~1e11 sweeps announced
    assert res.n_iter < 1000
    np.testing.assert_array_equal(res.policy, [0, 1])
    err = np.abs(res.V - _periodic_exact(gamma)).max()
    assert err <= res.extras["value_error_bound"]
    if not res.converged:  # float64 cannot certify 1e-6 here: said so, with the bound
        assert any(f"{res.bound:.3g}" in m for m in msgs)


# ------------------------------------------------------------------ budgets
def test_default_cap_is_derived_from_gamma_and_tol_and_announced_when_huge():
    mdp = _periodic(0.99)
    V0 = initial_value(mdp)
    caps = [
        default_max_iter(mdp.replace(gamma=g), 1e-6, V0, 0) for g in (0.9, 0.99, 0.999, 1 - 1e-9)
    ]
    assert caps == sorted(caps) and caps[0] < 1000 and caps[-1] > 1e10
    assert default_max_iter(mdp, 1e-3, V0, 0) < default_max_iter(mdp, 1e-9, V0, 0)
    assert caps[2] <= SWEEP_WARN < caps[3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        solve(mdp, "vi")  # small cap: no announcement


@pytest.mark.parametrize("method", ["vi", "mpi"])
def test_cap_reached_warns_with_the_achieved_bound(method):
    rng = np.random.default_rng(2)
    sticky = 0.99 * np.eye(6)[:, None, :] + 0.01 * rng.dirichlet(np.ones(6), size=(6, 2))
    mdp = TabularMDP(sticky, rng.random((6, 2)), gamma=0.999)  # slowly mixing
    with pytest.warns(ConvergenceWarning, match="max_iter=3") as rec:
        res = solve(mdp, method, max_iter=3, damping="off")
    assert not res.converged and res.n_iter == 3
    assert f"{res.bound:.3g}" in str(rec[-1].message)
    _check_certificate(mdp, res)


@pytest.mark.parametrize("rule", ["span", "supnorm"])
def test_bound_carries_the_rounding_term(rule):
    """bound = (span or sup-norm certificate) + 4 delta / (1 - gamma), with delta at least
    (n_row + 4) eps times the magnitudes involved (module docstring of vi, "Rounding")."""
    rng = np.random.default_rng(8)
    S, g = 7, 0.99
    mdp = TabularMDP(rng.dirichlet(np.ones(S), size=(S, 2)), 50 + rng.random((S, 2)), gamma=g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = solve(mdp, "vi", stopping=rule, tol=1e-9)
    ex = res.extras
    c = g / (1 - g)
    delta = ex["rounding_delta"]
    R_c = mdp.R - ex["reward_offset"]
    assert delta >= (S + 4) * 2.2e-16 * float(np.abs(R_c).max())
    cert = (
        c * (ex["d_max"] - ex["d_min"])
        if rule == "span"
        else 2 * c * max(abs(ex["d_min"]), abs(ex["d_max"]))
    )
    assert res.bound == pytest.approx(cert + 4 * delta / (1 - g), rel=1e-12)
    assert res.bound > cert


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_three_cycle_keeps_damping_after_the_trial(engine):
    """A 3-cycle's modes e^{+-2 pi i/3} shrink by 1/2 per damped sweep: the trial alone
    does not finish the solve, so keeping the damping is what makes it converge."""
    gamma = 0.999999
    P = np.zeros((3, 2, 3))
    for s in range(3):
        P[s, :, (s + 1) % 3] = 1.0
    R = np.array([[1.0, 0.3], [0.0, 0.6], [0.2, 0.1]])
    mdp = TabularMDP(P, R, gamma=gamma)
    res = solve(mdp, "vi", engine=engine, max_iter=5000)
    assert res.converged and 30 < res.n_iter < 200
    np.testing.assert_array_equal(res.policy, [0, 1, 0])


@pytest.mark.parametrize("method", ["vi", "mpi"])
def test_default_cap_is_not_fooled_by_a_huge_constant_warm_start(method):
    """Found by hypothesis: with V0 = 1e16 (constant) the first-span estimate used to
    cancel to 0, giving a 117-sweep cap on a model that needs thousands of sweeps."""
    P = np.zeros((2, 1, 2))
    P[0, 0, 0] = P[1, 0, 1] = 1.0  # two absorbing states
    mdp = TabularMDP(P, np.array([[0.0], [1.0]]), gamma=0.99)
    res = solve(mdp, method, V0=np.full(2, 1e16))
    assert res.converged and res.extras["max_iter"] > 1000
    _check_certificate(mdp, res)

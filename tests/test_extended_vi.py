"""Extended value iteration (mdpkit.solvers.extended_vi) and the MDP diameter.

Checks: the inner maximum over the L1 ball equals an LP (HiGHS) on hypothesis-drawn vectors;
with radius 0, EVI is average-reward value iteration (same gain as mdpkit's RVI, a gain-
optimal policy); optimism (the optimistic gain bounds g* when the true model is in the set);
the action mask; the warning at the iteration cap; bad input; the diameter against a brute
force over deterministic policies.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

from mdpkit import TabularMDP, solve
from mdpkit.solvers.average import evaluate_average
from mdpkit.solvers.extended_vi import diameter, extended_value_iteration, l1_ball_max
from mdpkit.utils import ConvergenceWarning

_unit = st.floats(0.0, 1.0, allow_nan=False, width=64)


def _lp_ball_max(p_hat, d, u):
    """max u @ p over the simplex with ||p - p_hat||_1 <= d, as an LP in (p, t)."""
    S = p_hat.size
    c = np.concatenate([-u, np.zeros(S)])
    I = np.eye(S)
    A_ub = np.block([[I, -I], [-I, -I], [np.zeros((1, S)), np.ones((1, S))]])
    b_ub = np.concatenate([p_hat, -p_hat, [d]])
    A_eq = np.concatenate([np.ones(S), np.zeros(S)])[None]
    res = linprog(
        c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[1.0], bounds=[(0, None)] * (2 * S), method="highs"
    )
    assert res.status == 0
    return -res.fun


@st.composite
def _ball_problems(draw):
    S = draw(st.integers(1, 7))
    w = draw(arrays(np.float64, S, elements=_unit))
    zero = draw(arrays(np.bool_, S))
    w = np.where(zero, 0.0, w)
    if w.sum() <= 0:
        w[draw(st.integers(0, S - 1))] = 1.0
    p_hat = w / w.sum()
    u = draw(arrays(np.float64, S, elements=st.floats(-5, 5, allow_nan=False, width=64)))
    if draw(st.booleans()):  # ties in u
        u = np.round(u)
    d = draw(st.floats(0.0, 2.5, allow_nan=False))
    return p_hat, d, u


@settings(max_examples=150, deadline=None)
@given(_ball_problems())
def test_l1_ball_max_equals_lp(problem):
    p_hat, d, u = problem
    order = np.argsort(-u, kind="mergesort")
    p = np.empty_like(p_hat)
    val = l1_ball_max(p_hat, d, u, order, p)
    assert val == pytest.approx(_lp_ball_max(p_hat, d, u), abs=1e-8)
    # the maximiser is feasible and attains the value
    assert (p >= -1e-15).all() and p.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.abs(p - p_hat).sum() <= d + 1e-12
    assert p @ u == pytest.approx(val, abs=1e-12)


@st.composite
def _positive_models(draw, max_S=5, max_A=3):
    """Dense models with every P entry >= 0.02 (irreducible and aperiodic under every
    policy: unichain), rewards in [0, 1]."""
    S = draw(st.integers(1, max_S))
    A = draw(st.integers(1, max_A))
    w = draw(arrays(np.float64, (S, A, S), elements=st.floats(0.02, 1.0, width=64)))
    R = draw(arrays(np.float64, (S, A), elements=_unit))
    return w / w.sum(axis=2, keepdims=True), R


@settings(max_examples=40, deadline=None)
@given(_positive_models())
def test_radius_zero_is_average_reward_value_iteration(model):
    P, R = model
    tol = 1e-9
    res = extended_value_iteration(P, R, 0.0, tol=tol)
    assert res.converged and res.gain_upper - res.gain_lower < tol
    mdp = TabularMDP(P, R, criterion="average")
    rvi = solve(mdp, method="rvi", tol=tol)
    assert res.gain == pytest.approx(rvi.gain, abs=2 * tol)
    g_pol, _ = evaluate_average(mdp, res.policy)
    assert g_pol >= rvi.gain - 2 * tol  # the greedy policy is gain-optimal to the certificate
    assert res.gain_lower - 1e-12 <= g_pol <= res.gain_upper + 1e-12


@settings(max_examples=40, deadline=None)
@given(_positive_models(), st.floats(0.0, 1.0), st.floats(0.0, 0.3), st.integers(0, 2**32 - 1))
def test_optimistic_gain_bounds_true_gain(model, lam, r_rad, seed):
    """The true (P, R) lies in the set (radius = the exact L1 distance plus a margin; rewards
    within r_rad of r_hat), so g~* >= g*: gain_upper >= g* (and so does the policy's
    optimistic gain lower bound up to the tolerance)."""
    P, R = model
    rng = np.random.default_rng(seed)
    Q = rng.dirichlet(np.ones(P.shape[2]), size=P.shape[:2])
    p_hat = (1 - lam) * P + lam * Q
    p_rad = np.abs(P - p_hat).sum(axis=2) + rng.uniform(0, 0.2, size=R.shape)
    r_hat = R + rng.uniform(-r_rad, r_rad, size=R.shape)
    res = extended_value_iteration(p_hat, r_hat, p_rad, r_rad, tol=1e-8)
    g_star = solve(TabularMDP(P, R, criterion="average"), tol=1e-10).gain
    assert res.gain_upper >= g_star - 1e-9
    assert res.gain_lower >= g_star - 1e-8 - 1e-9


def test_radius_large_is_best_reachable_reward():
    """With radius 2 every row can jump anywhere: the optimistic gain is max r_tilde."""
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(4), size=(4, 2))
    R = rng.uniform(size=(4, 2))
    res = extended_value_iteration(P, R, 2.0, 0.1, tol=1e-10)
    assert res.gain == pytest.approx(R.max() + 0.1, abs=1e-9)


def test_action_mask_respected():
    rng = np.random.default_rng(3)
    P = rng.dirichlet(np.ones(3), size=(3, 2))
    R = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    mask = np.array([[True, False], [True, True], [True, False]])
    res = extended_value_iteration(P, R, 0.3, action_mask=mask, tol=1e-9)
    assert res.policy[0] == 0 and res.policy[2] == 0 and res.policy[1] == 1
    # same as the model in which the masked pairs are made useless by hand
    R2 = np.where(mask, R, -1e3)
    ref = extended_value_iteration(P, R2, 0.3, tol=1e-9)
    assert res.gain == pytest.approx(ref.gain, abs=1e-8)
    np.testing.assert_array_equal(res.policy, ref.policy)


def test_iteration_cap_warns_with_certificate():
    rng = np.random.default_rng(1)
    P = rng.dirichlet(np.ones(5), size=(5, 2))
    R = rng.uniform(size=(5, 2))
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        res = extended_value_iteration(P, R, 0.1, tol=1e-12, max_iter=2)
    assert not res.converged and res.n_iter == 2
    full = extended_value_iteration(P, R, 0.1, tol=1e-11)
    assert res.gain_lower - 1e-12 <= full.gain <= res.gain_upper + 1e-12


def test_periodic_point_model_needs_tau():
    """A 2-cycle with radius 0 never converges with tau = 1 (warns); tau = 0.5 does."""
    P = np.array([[[0.0, 1.0]], [[1.0, 0.0]]])
    R = np.array([[1.0], [0.0]])
    with pytest.warns(ConvergenceWarning):
        extended_value_iteration(P, R, 0.0, max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = extended_value_iteration(P, R, 0.0, tau=0.5, tol=1e-9)
    assert res.gain == pytest.approx(0.5, abs=1e-9)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(p_rad=-0.1), "p_rad"),
        (dict(r_rad=-1.0), "r_rad"),
        (dict(tol=0.0), "tol"),
        (dict(tau=0.0), "tau"),
        (dict(tau=1.5), "tau"),
        (dict(action_mask=np.zeros((2, 1), dtype=bool)), "action_mask"),
        (dict(action_mask=np.ones((2, 1))), "action_mask"),
        (dict(p_hat=np.full((2, 1, 2), 0.3)), "p_hat"),
        (dict(r_hat=np.zeros(2)), "r_hat"),
    ],
)
def test_bad_input(kwargs, match):
    args = dict(p_hat=np.full((2, 1, 2), 0.5), r_hat=np.zeros((2, 1)), p_rad=0.1)
    args.update(kwargs)
    p_hat, r_hat, p_rad = args.pop("p_hat"), args.pop("r_hat"), args.pop("p_rad")
    with pytest.raises(ValueError, match=match):
        extended_value_iteration(p_hat, r_hat, p_rad, **args)


# ------------------------------------------------------------------------------ diameter
def _policy_hitting_times(Pp, target):
    """Expected hitting times of ``target`` under the chain ``Pp`` (S, S): inf on the states
    that miss it with positive probability (fixpoint of "can reach a state that cannot
    reach the target"), a linear solve on the others."""
    S = Pp.shape[0]
    edge = Pp > 0
    reach = np.zeros(S, dtype=bool)
    reach[target] = True
    while True:
        new = reach | (edge[:, reach].any(axis=1))
        new[target] = True
        if (new == reach).all():
            break
        reach = new
    bad = ~reach
    while True:
        new = bad | (edge[:, bad].any(axis=1) & (np.arange(S) != target))
        if (new == bad).all():
            break
        bad = new
    h = np.full(S, np.inf)
    h[target] = 0.0
    good = np.flatnonzero(~bad & (np.arange(S) != target))
    if good.size:
        M = np.eye(good.size) - Pp[np.ix_(good, good)]
        h[good] = np.linalg.solve(M, np.ones(good.size))
    return h


def _brute_diameter(P):
    """max over (s, s') of the min over deterministic policies of E[hitting time]."""
    S, A, _ = P.shape
    D = 0.0
    for target in range(S):
        best = np.full(S, np.inf)
        for pol in itertools.product(range(A), repeat=S):
            Pp = P[np.arange(S), list(pol)]
            best = np.minimum(best, _policy_hitting_times(Pp, target))
        D = max(D, best.max())
    return D


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 2), st.data())
def test_diameter_matches_brute_force(S, A, data):
    # entries 0 or >= 1e-3 (hitting times of a few 1e9 at most: well-conditioned solves)
    w = data.draw(arrays(np.float64, (S, A, S), elements=st.floats(1e-3, 1.0)))
    zero = data.draw(arrays(np.bool_, (S, A, S)))
    w = np.where(zero, 0.0, w)
    for s, a in zip(*np.nonzero(w.sum(axis=2) == 0)):
        w[s, a, s] = 1.0
    P = w / w.sum(axis=2, keepdims=True)
    m = TabularMDP(P, np.zeros((S, A)), criterion="average")
    from mdpkit.solvers.extended_vi import _hitting_times

    for target in range(S):  # per-state minimal hitting times (inf included)
        best = np.full(S, np.inf)
        for pol in itertools.product(range(A), repeat=S):
            best = np.minimum(best, _policy_hitting_times(P[np.arange(S), list(pol)], target))
        got_h = _hitting_times(P, np.ones((S, A), dtype=bool), target)
        assert np.array_equal(np.isinf(got_h), np.isinf(best))
        fin = np.isfinite(best)
        assert np.allclose(got_h[fin], best[fin], rtol=1e-9, atol=1e-9)
    got, want = diameter(m), _brute_diameter(P)
    if np.isinf(want):
        assert np.isinf(got)
    else:
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_hitting_times_where_the_first_found_action_can_leave():
    """Per-state minimal hitting times, not only the diameter: from state 1 the first action
    reaching the target (0) also falls into a trap (3) with probability 1/2, so only the
    detour through state 2 is proper (2 steps). The trap makes the diameter infinite, which
    is why the per-state values are checked against the brute force directly."""
    from mdpkit.solvers.extended_vi import _hitting_times

    P = np.zeros((4, 2, 4))
    P[0, :, 0] = 1.0
    P[1, 0, [0, 3]] = 0.5  # reaches the target, or the trap
    P[1, 1, 2] = 1.0  # detour
    P[2, :, 0] = 1.0
    P[3, :, 3] = 1.0  # trap: never reaches 0
    mask = np.ones((4, 2), dtype=bool)
    h = _hitting_times(P, mask, 0)
    assert h[:3].tolist() == [0.0, 2.0, 1.0] and np.isinf(h[3])
    for target in range(4):
        best = np.full(4, np.inf)
        for pol in itertools.product(range(2), repeat=4):
            best = np.minimum(best, _policy_hitting_times(P[np.arange(4), list(pol)], target))
        assert np.allclose(_hitting_times(P, mask, target), best, rtol=1e-12, atol=0)


def test_diameter_known_values():
    q = 0.2
    P = np.array([[[1 - q, q]], [[q, 1 - q]]])
    assert diameter(TabularMDP(P, np.zeros((2, 1)), criterion="average")) == pytest.approx(1 / q)
    from mdpkit.models.generators import riverswim

    m = riverswim(6, gamma=0.9)
    # 0 -> 5 going right: closed form of the birth-death chain solved by hand is hard; check
    # against the brute force instead, and that it exceeds the deterministic distance 5
    assert diameter(m) == pytest.approx(_brute_diameter(m.P), rel=1e-10)
    assert diameter(m) > 5
    Pn = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    assert np.isinf(diameter(TabularMDP(Pn, np.zeros((2, 1)), criterion="average")))

r"""Exact checks of the average-reward optimality theory on random unichain MDPs.

Each ``test_*`` states a fact in its docstring (Puterman 1994, Ch. 8), computes its sides
with plain numpy written here and asserts it to 1e-8 (inequalities with a 1e-9 slack).
mdpkit's average-reward solvers (``solve(mdp, method=...)`` on a
``TabularMDP(..., criterion="average")``) supply ``gain``, bias ``V`` and the LP's dual
``occupancy``; the checks test those outputs.

Instances: every entry of P has a positive floor, so every stationary policy induces an
irreducible aperiodic chain (the model is unichain and communicating).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.models.tabular import TabularMDP
from mdpkit.solvers.api import solve

SETTINGS = settings(max_examples=25, deadline=None)
TOL = 1e-8


def instance(seed, S, A):
    rng = np.random.default_rng(seed)
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < 0.4) + 0.02
    P /= P.sum(axis=2, keepdims=True)
    R = rng.uniform(-1, 1, size=(S, A))
    return TabularMDP(P, R, criterion="average"), P, R, rng


def stationary(P_pi):
    S = P_pi.shape[0]
    M = np.vstack([P_pi.T - np.eye(S), np.ones((1, S))])
    b = np.r_[np.zeros(S), 1.0]
    return np.linalg.lstsq(M, b, rcond=None)[0]


DIMS = dict(seed=st.integers(0, 2**32 - 1), S=st.integers(1, 7), A=st.integers(1, 4))


@SETTINGS
@given(**DIMS)
def test_average_reward_bellman_equation(seed, S, A):
    """Optimality equation: g* + h(s) = max_a [R(s, a) + sum_s' P(s'|s, a) h(s')] for all s,
    and a policy greedy for h attains g* (its stationary distribution pi_d gives
    g^d = pi_d . r_d = g*). Checked for every method's (gain, bias, policy)."""
    mdp, P, R, _ = instance(seed, S, A)
    for method in ("rvi", "pi", "lp"):
        res = solve(mdp, method=method, tol=1e-11)
        g, h = res.gain, res.V
        lhs = g + h
        rhs = (R + P @ h).max(axis=1)
        assert np.abs(lhs - rhs).max() <= TOL, method
        d = res.policy
        P_d = P[np.arange(S), d]
        assert abs(stationary(P_d) @ R[np.arange(S), d] - g) <= TOL, method


@SETTINGS
@given(**DIMS)
def test_gain_bias_lp_duality(seed, S, A):
    """Primal: min g s.t. g + h(s) >= R(s, a) + P(.|s, a) h. Dual: max <x, R> over
    x >= 0, sum x = 1, sum_a x(s', a) = sum_{s,a} P(s'|s, a) x(s, a) (stationary
    occupancies). Checked: mdpkit's (gain, bias) is primal feasible, its ``occupancy`` is
    dual feasible, the objectives are equal (strong duality), complementary slackness
    holds, and the stationary occupancy of random stationary policies is dual feasible
    with <x_d, R> = g^d <= g* (weak duality)."""
    mdp, P, R, rng = instance(seed, S, A)
    res = solve(mdp, method="lp", tol=1e-11)
    g, h, x = res.gain, res.V, res.occupancy
    slack = g + h[:, None] - (R + P @ h)  # (S, A) primal slacks
    assert slack.min() >= -TOL
    assert x.min() >= 0 and abs(x.sum() - 1) <= TOL
    inflow = np.einsum("sa,sat->t", x, P)
    assert np.abs(x.sum(axis=1) - inflow).max() <= TOL
    assert abs((x * R).sum() - g) <= TOL  # strong duality
    assert abs((x * slack).sum()) <= TOL  # complementary slackness
    for _ in range(5):
        pi = rng.dirichlet(np.ones(A), size=S)
        P_pi = np.einsum("sa,sat->st", pi, P)
        x_d = stationary(P_pi)[:, None] * pi
        assert x_d.min() >= -1e-12
        assert np.abs(x_d.sum(axis=1) - np.einsum("sa,sat->t", x_d, P)).max() <= TOL
        assert (x_d * R).sum() <= g + 1e-9  # weak duality


@SETTINGS
@given(**DIMS)
def test_span_certificate_brackets_the_gain(seed, S, A):
    """For any V: min_s (TV - V)(s) <= g* <= max_s (TV - V)(s) (Puterman 1994, Thm 8.5.5),
    with g* from mdpkit's PI; V drawn at random and V = RVI's bias after a few sweeps."""
    mdp, P, R, rng = instance(seed, S, A)
    g_star = solve(mdp, method="pi").gain
    for V in (rng.normal(size=S) * 3, solve(mdp, method="rvi", tol=1e-3).V):
        d = (R + P @ V).max(axis=1) - V
        assert d.min() - 1e-9 <= g_star <= d.max() + 1e-9

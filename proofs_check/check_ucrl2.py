r"""Exact checks of the facts UCRL2's analysis uses (``docs/papers/ucrl2.md``).

Each ``test_*`` states a fact in its docstring, computes its sides with plain numpy written
here and asserts it (1e-9 slack). mdpkit supplies the EVI result
(:func:`mdpkit.solvers.extended_vi.extended_value_iteration`), the diameter and g*.

Instances: every entry of P has a positive floor (irreducible, aperiodic under every
policy), rewards in [0, 1].
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.models.tabular import TabularMDP
from mdpkit.solvers.api import solve
from mdpkit.solvers.extended_vi import diameter, extended_value_iteration

SETTINGS = settings(max_examples=25, deadline=None)
DIMS = dict(seed=st.integers(0, 2**32 - 1), S=st.integers(1, 6), A=st.integers(1, 3))


def instance(seed, S, A):
    rng = np.random.default_rng(seed)
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < 0.5) + 0.01
    P /= P.sum(axis=2, keepdims=True)
    R = rng.uniform(0, 1, size=(S, A))
    return P, R, rng


def stationary(P_pi):
    S = P_pi.shape[0]
    M = np.vstack([P_pi.T - np.eye(S), np.ones((1, S))])
    return np.linalg.lstsq(M, np.r_[np.zeros(S), 1.0], rcond=None)[0]


def greedy_row(p_hat, d, u):
    """The maximiser of p @ u over the L1 ball, written again here: sort by u decreasing,
    top gets min(1, p_hat + d/2), then remove the excess from the worst states."""
    order = np.argsort(-u, kind="mergesort")
    p = p_hat.copy()
    p[order[0]] = min(1.0, p_hat[order[0]] + d / 2)
    for y in order[::-1][:-1]:
        excess = p.sum() - 1.0
        if excess <= 0:
            break
        p[y] = max(0.0, p[y] - excess)
    return p


@SETTINGS
@given(**DIMS, d=st.floats(0.0, 1.0))
def test_every_plausible_model_has_gain_below_the_optimistic_bound(seed, S, A, d):
    """Optimism (Jaksch et al. 2010, Sec. 4.3): for every model (P', R') in the plausible
    set, g*(P', R') <= g~* <= EVI's gain_upper. Checked on 5 random plausible models (rows
    drawn at L1 distance <= d from p_hat, rewards within the interval)."""
    P, R, rng = instance(seed, S, A)
    r_rad = 0.1
    res = extended_value_iteration(P, R, d, r_rad, tol=1e-9)
    for _ in range(5):
        Q = rng.dirichlet(np.ones(S), size=(S, A))
        dist = np.abs(Q - P).sum(axis=2)
        lam = np.minimum(1.0, d / np.maximum(dist, 1e-300))[:, :, None] * rng.uniform(
            size=(S, A, 1)
        )
        P2 = (1 - lam) * P + lam * Q  # ||P2 - P||_1 = lam * dist <= d
        R2 = R + rng.uniform(-r_rad, r_rad, size=(S, A))
        g2 = solve(TabularMDP(P2, R2, criterion="average"), method="pi").gain
        assert g2 <= res.gain_upper + 1e-9


@SETTINGS
@given(**DIMS, d=st.floats(0.0, 1.5))
def test_certificate_brackets_the_policy_optimistic_gain(seed, S, A, d):
    """EVI's stopping certificate: the greedy policy with its maximising rows at the final
    iterate (a stationary policy of the extended MDP) has gain in [gain_lower, gain_upper]
    (Puterman Thm 8.5.5 on the extended MDP). The rows and the stationary distribution are
    computed here in numpy."""
    P, R, _ = instance(seed, S, A)
    res = extended_value_iteration(P, R, d, tol=1e-10)
    # the last sweep was greedy for the previous iterate u_i: recompute it (n_iter - 1
    # sweeps; u_0 = 0), shifted by a constant, which changes neither the rows nor the gain
    if res.n_iter == 1:
        u = np.zeros(S)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            u = extended_value_iteration(P, R, d, tol=1e-10, max_iter=res.n_iter - 1).u
    P_d = np.array([greedy_row(P[s, res.policy[s]], d, u) for s in range(S)])
    r_d = R[np.arange(S), res.policy]
    g = stationary(P_d) @ r_d
    assert res.gain_lower - 1e-8 <= g <= res.gain_upper + 1e-8


@SETTINGS
@given(**DIMS)
def test_bias_span_at_most_diameter(seed, S, A):
    """For a communicating MDP with rewards in [0, 1], sp(h*) <= D (Bartlett & Tewari 2009;
    the bound on the span of the EVI iterates in Jaksch et al. 2010, Sec. 4.3.1)."""
    P, R, _ = instance(seed, S, A)
    mdp = TabularMDP(P, R, criterion="average")
    h = solve(mdp, method="pi").V
    assert np.ptp(h) <= diameter(mdp) + 1e-9

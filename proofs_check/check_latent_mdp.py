"""Exact identities of latent MDPs on hypothesis-drawn LMDPs (docs/papers/latent-mdp.md).

* Total-variance identity: for every context m and policy pi,
  ``Var_m^pi = V(nu_m, alpha_1) + E^pi_m[sum_t V(P_m(.|s_t, a_t), alpha_{t+1})]``; checked
  between mdpkit's two recursions and against an independent enumeration of trajectories.
* Alpha-vector decomposition: ``V^pi = sum_m w_m nu_m . alpha^pi_{1,m}``, with alpha computed
  by mdpkit, equals the value obtained by summing ``rho_m(h) R_m(s(h), pi(h))`` over every
  history (trajectory enumeration, no alpha vectors), and the planner's V* equals the
  maximum over all deterministic history-dependent policies.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.models.latent import random_lmdp
from mdpkit.solvers.latent import (
    LatentPolicy,
    enumerate_policy_values,
    plan,
    policy_value,
    return_variance,
    total_variance,
)


@st.composite
def cases(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    lm = random_lmdp(
        np.random.default_rng(seed),
        draw(st.integers(1, 3)),
        draw(st.integers(2, 3)),
        draw(st.integers(2, 3)),
        draw(st.integers(2, 4)),
    )
    pl = plan(lm)
    acts = np.random.default_rng(seed + 1).integers(0, lm.A, size=pl.policy.n_nodes)
    p = pl.policy
    return lm, LatentPolicy(
        p.root, p.node_s, acts.astype(np.int64), p.child, p.level_start, p.reward_values
    )


def _enumerate(lm, pol):
    """Per-context (E[G], E[G^2]) by walking every trajectory with its probability."""
    out = np.zeros((lm.M, 2))
    for m in range(lm.M):
        stack = [
            (s, int(pol.root[m, s]), lm.nu[m, s], 0.0, 0) for s in range(lm.S) if lm.nu[m, s] > 0
        ]
        while stack:
            s, node, prob, g, t = stack.pop()
            a = int(pol.act[node])
            r = lm.R[m, s, a]
            if t + 1 == lm.H:
                out[m] += prob * np.array([g + r, (g + r) ** 2])
                continue
            for s2 in np.flatnonzero(lm.P[m, s, a] > 0):
                c = int(pol.child[node, a, lm.ridx[m, s, a], s2])
                stack.append((s2, c, prob * lm.P[m, s, a, s2], g + r, t + 1))
    return out


@settings(max_examples=40, deadline=None)
@given(cases())
def test_total_variance_identity(case):
    lm, pol = case
    e = _enumerate(lm, pol)
    var_enum = e[:, 1] - e[:, 0] ** 2
    np.testing.assert_allclose(return_variance(lm, pol), var_enum, atol=1e-10)
    np.testing.assert_allclose(total_variance(lm, pol), var_enum, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(cases())
def test_alpha_vector_decomposition(case):
    lm, pol = case
    e = _enumerate(lm, pol)
    assert abs(policy_value(lm, pol) - float(lm.w @ e[:, 0])) <= 1e-12


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_planner_equals_exhaustive_maximum(seed):
    lm = random_lmdp(np.random.default_rng(seed), 2, 2, 2, 2)
    vals = enumerate_policy_values(lm)
    assert abs(plan(lm).v_star - vals[:, 0].sum(axis=1).max()) <= 1e-12

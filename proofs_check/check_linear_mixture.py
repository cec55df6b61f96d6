"""Finite, exact forms of the key lemmas of the horizon-free reward-free analysis
(docs/papers/linear-mixture.md, "Checks"), on hypothesis-drawn linear mixture instances,
against mdpkit's own outputs (features, occupancy, evaluation, the compiled VTR updates).

* Value-targeted feature identity: ``<phi_V(s,a), theta*> = [P V](s, a)`` for every V, and
  linearity of ``V -> phi_V``.
* Total variance across orders: ``Var[V^(2^m)(s') | s, a] = <phi_{V^(2^(m+1))}, theta*> -
  <phi_{V^(2^m)}, theta*>^2`` at every order m (the relation HOME is built on), and the law of
  total variance ``Var[sum_h r_h] = E[sum_h Var_{s'}[V^pi_{h+1}(s')]]`` (deterministic
  rewards and policy) with the expectation taken with mdpkit's exact occupancy measure.
* Elliptical potential with uncertainty weights (Zhou & Gu 2022, Lemma B.1): for weights
  ``sigma_bar_k = max{sigma_k, alpha, gamma ||x_k||^{1/2}_{Z_k^-1}}`` and ``Z`` updated by
  mdpkit's ``vtr_add``, ``sum_k min{1, beta ||x_k||_{Z_k^-1}} <= 2 d iota + 2 beta gamma^2 d iota
  + 2 sqrt(d iota) sqrt(sum_k beta^2 (sigma_k^2 + alpha^2))``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.algorithms.linear_mixture import _kernels as kn
from mdpkit.models.linear_mixture import hard_lm, rand_lm
from mdpkit.solvers import evaluate, occupancy

_inst = st.tuples(
    st.integers(3, 6),
    st.integers(2, 4),
    st.integers(2, 5),
    st.integers(2, 7),
    st.integers(0, 2**31),
)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(_inst, st.integers(0, 2**31))
def test_value_targeted_feature_identity(args, seed):
    S, A, d, H, ms = args
    m = rand_lm(S, A, d, H, rng=ms)
    rng = np.random.default_rng(seed)
    V, W = rng.random(S), rng.random(S)
    a, b = rng.normal(size=2)
    np.testing.assert_allclose(m.phi_V(V) @ m.theta, m.P @ V, atol=1e-12)
    np.testing.assert_allclose(m.phi_V(a * V + b * W), a * m.phi_V(V) + b * m.phi_V(W), atol=1e-12)
    # the compiled feature used by the learners agrees with the model's
    out = np.empty(d)
    for s in range(S):
        for act in range(A):
            np.testing.assert_allclose(
                kn.phi_v(m.phi, s, act, V, out), m.phi_V(V)[s, act], atol=1e-13
            )


@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.integers(2, 6), st.integers(0, 2**31))
def test_feature_identity_hard_instance(d, seed):
    m, info = hard_lm(d, 5, 0.4 / (d - 1), rng=seed)
    V = np.random.default_rng(seed).random(3)
    np.testing.assert_allclose(m.phi_V(V) @ m.theta, m.P @ V, atol=1e-12)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(_inst, st.integers(0, 2**31), st.integers(1, 8))
def test_total_variance_across_orders(args, seed, M):
    S, A, d, H, ms = args
    m = rand_lm(S, A, d, H, rng=ms)
    V = np.random.default_rng(seed).random(S)
    for j in range(M):
        w = V ** (2**j)
        direct = (m.P * (w - (m.P @ w)[..., None]) ** 2).sum(-1)  # two-pass variance
        via_next = m.phi_V(w**2) @ m.theta - (m.phi_V(w) @ m.theta) ** 2
        np.testing.assert_allclose(via_next, direct, atol=1e-12)
        # the compiled power ladder gives the same features
        phis = np.empty((M, d))
        kn.power_features(m.phi, 0, 0, V, phis)
        np.testing.assert_allclose(phis[j], m.phi_V(w)[0, 0], atol=1e-13)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(_inst, st.integers(0, 2**31))
def test_law_of_total_variance(args, seed):
    S, A, d, H, ms = args
    m = rand_lm(S, A, d, H, rng=ms)
    rng = np.random.default_rng(seed)
    R = rng.random((H, S, A)) / H
    t = m.to_tabular(R)
    pi = rng.integers(0, A, size=(H, S))
    V = np.vstack([evaluate(t, pi), np.zeros((1, S))])  # (H+1, S)
    # exact second moment of the return by backward recursion
    W = np.zeros(S)
    idx = np.arange(S)
    for h in range(H - 1, -1, -1):
        a = pi[h]
        r = R[h, idx, a]
        Pa = m.P[idx, a]
        W = r**2 + 2 * r * (Pa @ V[h + 1]) + Pa @ W
    var_return = W[m.s1] - V[0, m.s1] ** 2
    occ = occupancy(t, pi)  # (H, S, A)
    total = 0.0
    for h in range(H):
        cond_var = (m.P * (V[h + 1][None, None] - (m.P @ V[h + 1])[..., None]) ** 2).sum(-1)
        total += (occ[h] * cond_var).sum()
    assert abs(var_return - total) <= 1e-10
    assert -1e-12 <= var_return <= 1.0  # returns lie in [0, 1]


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    st.integers(1, 5),
    st.integers(5, 80),
    st.integers(0, 2**31),
    st.floats(0.05, 1.0),
    st.floats(0.1, 2.0),
    st.floats(0.1, 1.5),
    st.floats(0.1, 5.0),
)
def test_elliptical_potential_with_weights(d, K, seed, alpha, gamma, lam, beta):
    rng = np.random.default_rng(seed)
    L = 1.0
    X = rng.normal(size=(K, d))
    X /= np.maximum(1.0, np.linalg.norm(X, axis=1))[:, None]  # ||x|| <= L = 1
    sig = rng.uniform(0, 1.5, size=K)
    lad = kn.new_ladder(1, d, lam)
    lhs = 0.0
    s2sum = 0.0
    for k in range(K):
        x = X[k]
        nrm = kn.mahal(x, lad.Sinv[0])  # ||x_k||_{Z_k^-1} from mdpkit's inverse
        lhs += min(1.0, beta * nrm)
        sbar = max(sig[k], alpha, gamma * np.sqrt(nrm))
        s2sum += beta**2 * (sig[k] ** 2 + alpha**2)
        kn.vtr_add(lad, 0, x, 0.0, sbar**2)
    iota = np.log(1 + K * L**2 / (d * lam * alpha**2))
    rhs = 2 * d * iota + 2 * beta * gamma**2 * d * iota + 2 * np.sqrt(d * iota) * np.sqrt(s2sum)
    assert lhs <= rhs + 1e-9

"""Tests of DynLin-UCB (docs/papers/dynlin-ucb.md#radius-and-epochs, #theory)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.algorithms import _dlb_kernels as K
from mdpkit.algorithms.dynlin_ucb import (
    DynLinUCB,
    dlb_constants,
    epoch_schedule,
    make_dynlin_ucb,
    n_epochs_to_cover,
)
from mdpkit.envs.dlb import DynamicalLinearBandit, budget_actions, realdata_dlb, synthetic_dlb


def _learner(env, T, seed=7, config="logT", **kw):
    info = {**env.env_info(), "n_steps": T}
    return make_dynlin_ucb(info, seed, config=config, **kw)


def _generic_loop(env, learner, T, reward_hook=None):
    acts, rews = [], []
    for t in range(T):
        a = learner.act()
        r = env.pull(a)
        rews.append(r)
        if reward_hook is not None:
            r = reward_hook(t, learner, r)
        learner.update(a, r)
        acts.append(a)
    return np.array(acts), np.array(rews)


# ----------------------------------------------------------------------------- independent reference
def numpy_dynlin(X, Z, A, B, C, D, sigma, T, acts, lam, beta_fn, rho_bar, eps, first_epoch_len):
    """Plain-numpy DynLin-UCB written from dynlin-ucb.md#radius-and-epochs (list of update rounds, np.linalg.inv),
    with its own numpy simulation of the system from the same normals Z, replayed along the
    learner's actions ``acts``.

    Returns (gaps, switches): per decision round, max index - index of the chosen arm (0 up
    to rounding when the learner maximises the same index; exact ties occur by symmetry of
    the action set, so arms are not compared directly), and the rounds where ``acts``
    changes outside the reference's epoch starts (must be empty)."""
    n, m = A.shape[0], C.shape[0]
    if rho_bar < eps:
        ends = list(range(T))
    else:
        ends, tot, mm = [], 0, 0
        while tot < T:
            mm += 1
            L = (
                first_epoch_len
                if mm == 1
                else 1 + math.floor(math.log(mm) / math.log(1 / rho_bar) + 1e-12)
            )
            tot += L
            ends.append(tot - 1)
    ends = set(ends)
    d = X.shape[1]
    V, b, hhat = lam * np.eye(d), np.zeros(d), np.zeros(d)
    x = np.zeros(n)
    gaps, bad = [], []
    new_epoch = True
    for t in range(T):
        a = acts[t]
        if new_epoch and t > 0:
            beta = beta_fn(t)
            Vi = np.linalg.inv(V)
            idx = X @ hhat + beta * np.sqrt(np.einsum("kd,de,ke->k", X, Vi, X))
            gaps.append(idx.max() - idx[a])
        elif t > 0 and a != acts[t - 1]:
            bad.append(t)
        u = X[a]
        y = np.ones(m) @ (C @ x + D @ u + sigma * Z[t, n:])
        x = A @ x + B @ u + sigma * Z[t, :n]
        new_epoch = t in ends
        if new_epoch:
            V = V + np.outer(u, u)
            b = b + u * y
            hhat = np.linalg.solve(V, b)
    return np.array(gaps), bad


def _ref_beta(env, T, lam):
    c = dlb_constants(
        env.rho, env.phi, env.omega_norm, env.theta_norm, env.B_norm, env.U_bar, env.sigma
    )
    d = env.d

    def beta(t):
        return (
            c["c_h"] * math.sqrt(lam)
            + c["c_b"] / math.sqrt(lam) * math.log(math.e * (t + 1))
            + math.sqrt(
                2
                * c["sigma2_tilde"]
                * (math.log(T) + d / 2 * math.log(1 + t * env.U_bar**2 / (d * lam)))
            )
        )

    return beta


@pytest.mark.parametrize(
    "make,config,fel",
    [
        (synthetic_dlb, "logT", 1),
        (synthetic_dlb, "1", 2),
        (realdata_dlb, "logT", 2),
        (realdata_dlb, "1", 1),
    ],
)
def test_matches_independent_numpy_implementation(make, config, fel):
    """Action sequence of the numba DynLin-UCB == a plain-numpy rendering of dynlin-ucb.md#radius-and-epochs driven
    by the same noise (and its own numpy system simulation)."""
    T = 3000
    env = make(0.05, 3)
    L = _learner(env, T, config=config, first_epoch_len=fel)
    out = L.fast_run(env, T, np.random.default_rng(99))
    Z = np.random.default_rng(99).standard_normal((T, 6))
    lam = math.log(T) if config == "logT" else 1.0
    eps = 1e-4 if config == "logT" else 1e-6
    acts = out["action"].astype(int)
    assert acts[0] == L.first_action
    gaps, bad = numpy_dynlin(
        env.features,
        Z,
        env.A,
        env.B,
        env.C,
        env.D,
        0.05,
        T,
        acts,
        lam,
        _ref_beta(env, T, lam),
        env.rho,
        eps,
        fel,
    )
    assert bad == [] and len(gaps) == L.stats["n_epochs"] - 1
    assert np.all(gaps <= 1e-9)


def test_spec_beta_values():
    """dynlin-ucb.md#theory, #instances: c_h, c_b, sigma~^2 and beta_t at the paper's constants."""
    T = 10**6
    env = synthetic_dlb(0.01, 0)
    L1, Llog = _learner(env, T, config="1"), _learner(env, T, config="logT")
    c = L1.constants
    assert c["c_h"] == pytest.approx(1.0752, abs=1e-4)
    assert c["c_b"] == pytest.approx(2.2769, abs=1e-4)
    assert c["sigma2_tilde"] == pytest.approx(2.052e-4, rel=1e-3)
    assert L1.beta(10**4) == pytest.approx(24.4, abs=0.05)
    assert L1.beta(10**6) == pytest.approx(34.9, abs=0.05)
    assert Llog.beta(10**4) == pytest.approx(10.3, abs=0.05)
    assert Llog.beta(10**6) == pytest.approx(13.2, abs=0.05)
    real = realdata_dlb(0.01, 0)
    R1, Rlog = _learner(real, T, config="1"), _learner(real, T, config="logT")
    assert R1.constants["c_h"] == pytest.approx(2.4427, abs=1e-3)
    assert R1.constants["c_b"] == pytest.approx(9.0378, abs=1e-3)
    assert R1.constants["sigma2_tilde"] == pytest.approx(6.44e-4, rel=2e-3)
    assert R1.beta(10**6) == pytest.approx(136.6, abs=0.1)
    assert Rlog.beta(10**6) == pytest.approx(45.3, abs=0.1)


def test_number_of_epochs_matches_spec():
    """dynlin-ucb.md#instances: 137 206 epochs (rho = 0.2) and 41 212 (rho = 0.6669) over 1e6 rounds,
    final epoch lengths 8 and 27."""
    assert n_epochs_to_cover(10**6, 0.2) == 137206
    s = epoch_schedule(10**6, 0.2)
    assert len(s) == 137206 and s.sum() == 10**6 and s.max() == 8
    real = realdata_dlb(0.01, 0)
    s = epoch_schedule(10**6, real.rho)
    assert len(s) == 41212 and s.max() == 27


# ----------------------------------------------------------------------------- fast == generic
@pytest.mark.parametrize("make", [synthetic_dlb, realdata_dlb])
@pytest.mark.parametrize("config,fel", [("logT", 1), ("1", 2)])
def test_fast_run_equals_generic_loop(make, config, fel):
    T = 2500
    e1, e2 = make(0.01, 21), make(0.01, 21)
    L1, L2 = (
        _learner(e1, T, 5, config, first_epoch_len=fel),
        _learner(e2, T, 5, config, first_epoch_len=fel),
    )
    acts, rews = _generic_loop(e1, L1, T)
    out = L2.fast_run(e2, T, e2.rng)
    np.testing.assert_array_equal(out["action"], acts)
    np.testing.assert_array_equal(out["reward"], rews)
    np.testing.assert_array_equal(out["regret"], e1.gaps[acts])
    # same epochs (start, length, arm) and the same beta at every decision, bit for bit
    assert L1.epochs == L2.epochs
    # the generic learner's final estimate is the ridge regression on the epoch-end labels
    # (recomputed here with numpy from the epoch log and the realised rewards)
    X = e1.features
    V, b = L1.lam * np.eye(X.shape[1]), np.zeros(X.shape[1])
    for s, l, a, _ in L1.epochs:
        if s + l <= T:
            V += np.outer(X[a], X[a])
            b += X[a] * rews[s + l - 1]
    np.testing.assert_allclose(L1.hhat, np.linalg.solve(V, b), rtol=1e-9, atol=1e-12)


def test_runner_uses_fast_run_and_is_reproducible():
    """Through mdpkit.experiments.run: same numbers as a direct fast_run with the runner's
    seed streams, for n_jobs = 1."""
    from mdpkit.experiments import Experiment, run

    exp = Experiment(
        "dlb-synthetic",
        "dynlin-ucb",
        3000,
        2,
        root_seed=4,
        env_params={"sigma": 0.01},
        learner_params={"config": "logT"},
    )
    df = run(exp, n_jobs=1)
    assert list(df.columns[:6]) == ["algorithm", "seed", "k", "regret", "cum_regret", "reward"]
    for s in range(2):
        env_seq, l_seq = exp.seed_sequence(s).spawn(2)
        env = synthetic_dlb(0.01, np.random.default_rng(env_seq))
        L = _learner(env, 3000, np.random.default_rng(l_seq))
        out = L.fast_run(env, 3000, env.rng)
        np.testing.assert_array_equal(df[df.seed == s]["reward"].to_numpy(), out["reward"])


# ----------------------------------------------------------------------------- 5.3 reduction
@pytest.mark.parametrize("rho_bar", [0.0, 1e-7])
def test_reduction_to_linucb_when_rho_bar_below_eps(rho_bar):
    """rho_bar < eps: every epoch has length 1 and the action sequence equals OFUL (numpy,
    updated every round) with the same beta_t, lambda and tie-breaking (dynlin-ucb.md#theory)."""
    T = 1500
    env = synthetic_dlb(0.05, 8)
    L = _learner(env, T, config="1", rho_bar=rho_bar)
    out = L.fast_run(env, T, np.random.default_rng(1))
    assert L.stats["n_epochs"] == T and L.stats["max_epoch_len"] == 1
    Z = np.random.default_rng(1).standard_normal((T, 6))
    c = dlb_constants(
        rho_bar, env.phi, env.omega_norm, env.theta_norm, env.B_norm, env.U_bar, env.sigma
    )

    def beta(t):
        return (
            c["c_h"]
            + c["c_b"] * math.log(math.e * (t + 1))
            + math.sqrt(
                2 * c["sigma2_tilde"] * (math.log(T) + 1.5 * math.log(1 + t * env.U_bar**2 / 3))
            )
        )

    # OFUL: every round is an epoch end -> pass rho_bar = 0 < eps
    acts = out["action"].astype(int)
    gaps, bad = numpy_dynlin(
        env.features, Z, env.A, env.B, env.C, env.D, 0.05, T, acts, 1.0, beta, 0.0, 1e-6, 1
    )
    assert bad == [] and len(gaps) == T - 1
    assert np.all(gaps <= 1e-9)
    # and identical, step for step, to the library's Lin-UCB kernel run with the same beta
    from mdpkit.algorithms.dynlin_ucb import LinearFamilyLearner

    env2 = synthetic_dlb(0.05, 8)
    lin = LinearFamilyLearner(
        env.features,
        T,
        7,
        lam=1.0,
        beta_mode=K.BETA_DYNLIN,
        rho_bar=0.3,
        eps=0.5,
        c_h=c["c_h"],
        c_b=c["c_b"],
        sigma2_tilde=c["sigma2_tilde"],
        U_bar=env.U_bar,
    )
    assert lin.first_action == L.first_action
    out2 = lin.fast_run(env2, T, np.random.default_rng(1))
    np.testing.assert_array_equal(out2["action"], out["action"])


def test_plain_linear_bandit_regret_over_sqrt_T_bounded():
    """A = 0, B = 0 (a plain linear bandit): R_ss(T)/sqrt(T) at T = 4e4 is at most
    1.5 log(4e4)/log(4e3) = 1.92 times its value at 4e3 (OFUL's O(d sqrt(T) log T) rate; a
    linear-regret learner gives sqrt(10) = 3.2).

    False-positive rate: the statistic is the ratio of two 3-seed means. Measured over 6
    seeds, R/sqrt(T) has mean 4.04 (sd 0.18) at 4e3 and 4.43 (sd 0.14) at 4e4, so the ratio
    is 1.10 with sd ~0.04 for 3-seed means; the threshold 1.92 is ~20 sd above it, and
    Chebyshev's inequality (no distributional assumption) bounds the chance that other seeds
    of a correct implementation fail by 1/20^2 = 0.25%. Fixed seeds: deterministic."""
    A0, B0 = np.zeros((3, 3)), np.zeros((3, 3))
    C = np.eye(3)
    D = np.diag([0.3, 0.5, 0.1])
    vals = []
    for T in (4000, 40000):
        rs = []
        for seed in range(3):
            env = DynamicalLinearBandit(A0, B0, C, D, budget_actions(), 0.1, seed)
            L = make_dynlin_ucb({**env.env_info(), "n_steps": T}, seed, config="logT", rho_bar=0.0)
            rs.append(L.fast_run(env, T, env.rng)["regret"].sum())
        vals.append(np.mean(rs) / math.sqrt(T))
    assert vals[1] <= vals[0] * 1.5 * math.log(40000) / math.log(4000)


# ----------------------------------------------------------------------------- 5.4 schedule
def _exact_epoch_length(m, rho):
    """Smallest H >= 1 with rho^H < 1/m, in exact rational arithmetic (``rho`` a Fraction):
    m p^H < q^H for rho = p/q. Independent of the library (integers only)."""
    p, q = rho.numerator, rho.denominator

    def below(H):  # rho^H < 1/m
        return m * p**H < q**H

    # start from a float estimate, then decide exactly (the estimate only saves work)
    H = max(1, int(math.log(m) / (math.log(q) - math.log(p))) if m > 1 else 1)
    while not below(H):
        H += 1
    while H > 1 and below(H - 1):
        H -= 1
    return H


@settings(max_examples=60, deadline=None)
@given(st.floats(1e-3, 0.999), st.integers(1, 10**6))
def test_epoch_length_invariants(rho_bar, m):
    """H_m >= 1, non-decreasing, and rho^{H_m} < 1/m <= rho^{H_m - 1} checked EXACTLY: the
    float rho_bar is a dyadic rational, so the inequalities are decided on Python integers
    (no slack; a slack in log space would accept the off-by-one at exact powers)."""
    from fractions import Fraction

    H = K.epoch_length(m, rho_bar, 1e-6)
    assert H >= 1
    assert K.epoch_length(m + 1, rho_bar, 1e-6) >= H
    assert H == _exact_epoch_length(m, Fraction(rho_bar))


@pytest.mark.parametrize("rho", ["1/10", "1/2", "9/10", "1/5", "1/4"])
def test_epoch_length_exact_powers(rho):
    """Epoch-length lemma rho^{H_m} < 1/m <= rho^{H_m - 1} at the exact powers m = rho^{-k}
    (where log m / log(1/rho) is an integer that float division may land just below: at
    rho = 0.1, m = 10^3 it gives 2.9999999999999996) and their neighbours m -+ 1, and on every
    m <= 3000, for rho in {0.1, 0.5, 0.9} and the instances' 0.2 and 0.25. The reference H is
    exact integer arithmetic (:func:`_exact_epoch_length`).

    Range: m <= 1e9 + 1. The kernel's 1e-12 guard in log space is exact as long as no m lies
    within 1e-12 (in log m / log(1/rho)) BELOW a power; at rho = 0.1 the first such m is
    10^12 - 1 (the kernel gives 13, the lemma 12), far beyond any run (m <= T = 1e6)."""
    from fractions import Fraction

    r = Fraction(rho)
    p, q = r.numerator, r.denominator
    ms = set(range(1, 3001))
    for k in range(1, 40):
        if q**k % p**k == 0 and q**k // p**k <= 10**9:
            pw = q**k // p**k
            ms |= {pw - 1, pw, pw + 1}
    ms.discard(0)
    bad = [
        (m, K.epoch_length(m, float(r), 1e-6), _exact_epoch_length(m, r))
        for m in sorted(ms)
        if K.epoch_length(m, float(r), 1e-6) != _exact_epoch_length(m, r)
    ]
    assert bad == []
    if p == 1:  # exact powers exist: H at m = q^k is k + 1
        for k in (1, 3, 6):
            assert K.epoch_length(q**k, float(r), 1e-6) == k + 1


@settings(max_examples=15, deadline=None)
@given(st.floats(0.05, 0.9), st.integers(50, 3000), st.sampled_from([1, 2]), st.integers(0, 1000))
def test_epoch_bookkeeping_invariants(rho_bar, T, fel, seed):
    """Epochs partition [1, T]; #updates == #completed epochs; V == lam I + sum u_m u_m^T over
    the epochs exactly; the in-epoch rewards are never used."""
    env = synthetic_dlb(0.01, seed)
    L = _learner(env, T, seed, "logT", first_epoch_len=fel, rho_bar=rho_bar)
    acts, _ = _generic_loop(env, L, T)
    starts = [e[0] for e in L.epochs]
    lens = [e[1] for e in L.epochs]
    assert starts[0] == 0 and all(s + l == s2 for s, l, s2 in zip(starts, lens, starts[1:]))
    assert starts[-1] + lens[-1] == T
    assert L.n_updates == len(L.epochs)
    assert list(lens) == list(epoch_schedule(T, rho_bar, 1e-4, fel))
    V = L.lam * np.eye(3)
    for _, _, a, _ in L.epochs:
        V += np.outer(env.features[a], env.features[a])
    np.testing.assert_array_equal(L.V, V)
    for s, l, a, _ in L.epochs:
        assert np.all(acts[s : s + l] == a)
    # replace every in-epoch (non-last) reward by garbage: identical final estimate
    ends = {s + l - 1 for s, l in zip(starts, lens)}
    env2 = synthetic_dlb(0.01, seed)
    L2 = _learner(env2, T, seed, "logT", first_epoch_len=fel, rho_bar=rho_bar)
    acts2, _ = _generic_loop(env2, L2, T, reward_hook=lambda t, l, r: r if t in ends else 1e6)
    np.testing.assert_array_equal(acts2, acts)
    np.testing.assert_array_equal(L2.hhat, L.hhat)


# ----------------------------------------------------------------------------- 5.5 label bias
@pytest.mark.parametrize("make", [synthetic_dlb, realdata_dlb])
def test_label_bias_bound_noise_free(make):
    """Noise-free: |y_last - h^T u_m| <= ||omega|| ||A^{H_m - 1}||_2 ||x_start - x_inf(u_m)||
    for every epoch (dynlin-ucb.md#theory)."""
    base = make(0.0, 0)
    env = DynamicalLinearBandit(base.A, base.B, base.C, base.D, base.features, 0.0, 0)
    T = 4000
    L = _learner(make(0.01, 0), T, 3)  # constants of the sigma = 0.01 instance
    powers = {}
    for m in range(10**4):
        a = L.act()
        if L.remaining == L.epochs[-1][1]:
            x_start = env.x.copy()
            Hm = L.epochs[-1][1]
        r = env.pull(a)
        L.update(a, r)
        if L.remaining == 0:
            if Hm not in powers:
                powers[Hm] = np.linalg.norm(np.linalg.matrix_power(env.A, Hm - 1), 2)
            bound = (
                env.omega_norm
                * powers[Hm]
                * np.linalg.norm(x_start - env.steady_state(env.features[a]))
            )
            assert abs(r - env.means[a]) <= bound + 1e-12
        if L.t >= T:
            break


# ----------------------------------------------------------------------------- 5.6 linear algebra
@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 60), st.floats(0.1, 20.0))
def test_sherman_morrison_and_spd(seed, n_upd, lam):
    rng = np.random.default_rng(seed)
    d = 3
    Vinv, V, b, hhat = np.eye(d) / lam, np.eye(d) * lam, np.zeros(d), np.zeros(d)
    for _ in range(n_upd):
        u = rng.standard_normal(d) * rng.uniform(0.1, 3)
        K.sherman_morrison_update(Vinv, V, b, hhat, u, float(rng.standard_normal()))
    np.testing.assert_allclose(Vinv, np.linalg.inv(V), atol=1e-9, rtol=1e-9)
    np.testing.assert_array_equal(V, V.T)
    np.testing.assert_array_equal(Vinv, Vinv.T)
    assert np.all(np.linalg.eigvalsh(V) > 0)
    np.testing.assert_allclose(hhat, np.linalg.solve(V, b), atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["logT", "1"]), st.integers(0, 10**7))
def test_beta_nondecreasing_and_index_optimistic(config, t):
    env = realdata_dlb(0.01, 0)
    L = _learner(env, 10**7, config=config)
    assert L.beta(t + 1) >= L.beta(t) > 0
    rng = np.random.default_rng(t)
    for _ in range(5):
        K.sherman_morrison_update(
            L.Vinv, L.V, L.b, L.hhat, env.features[rng.integers(6)], rng.standard_normal()
        )
    L.t = t
    assert np.all(L.index() >= env.features @ L.hhat)
    idx = L.index()
    k = K.ucb_argmax(L.X, L.hhat, L.Vinv, L.beta(t))
    # the kernel's arm attains the (numpy) maximum; exact ties occur by symmetry of U
    assert idx[k] >= idx.max() - 1e-9 * (1 + abs(idx.max()))
    # and no earlier arm is strictly better by more than rounding (first-index tie-breaking)
    assert np.all(idx[:k] <= idx[k] + 1e-9 * (1 + abs(idx.max())))


# ----------------------------------------------------------------------------- 5.7 coverage
def test_confidence_set_coverage_over_seeds():
    """||hhat_m - h||_{V_m} <= beta_{t_m} at every epoch in every one of 50 runs (dynlin-ucb.md#theory).

    If the confidence set holds with probability >= 1 - delta per run (delta = 1/T = 5e-5),
    the chance that any of 50 runs fails is <= 50 delta = 2.5e-3: the false-positive rate of
    asserting zero failures. Fixed seeds."""
    T = 20000
    fails = 0
    for seed in range(50):
        env = synthetic_dlb(0.01, seed)
        L = _learner(env, T, seed, "logT")
        L.fast_run(env, T, env.rng)
        fails += L.stats["coverage_margin"] < 0
    assert fails == 0


def test_coverage_margin_is_what_it_claims():
    """The kernel's coverage margin equals min_m beta_{t_m} - ||hhat_m - h||_{V_m} recomputed
    from the generic loop's state."""
    T = 1500
    env, env2 = synthetic_dlb(0.1, 2), synthetic_dlb(0.1, 2)
    L, L2 = _learner(env, T, 2), _learner(env2, T, 2)
    L2.fast_run(env2, T, env2.rng)
    margins = []
    for _ in range(T):
        a = L.act()
        L.update(a, env.pull(a))
        if L.remaining == 0:
            e = L.hhat - env.h
            margins.append(L.beta(L.t) - math.sqrt(e @ L.V @ e))
    assert L2.stats["coverage_margin"] == pytest.approx(min(margins), rel=1e-9)


def _numpy_width_sum(env, epochs, lam, beta_fn):
    """sum_m min(2 max gap, 2 beta_{t_m} ||u_m||_{V_{m-1}^{-1}}) over the logged epochs
    (start, length, arm, _), recomputed with numpy (own V, own inverse, own beta)."""
    X = env.features
    V = lam * np.eye(X.shape[1])
    two_gap = 2.0 * env.gaps.max()
    tot = 0.0
    for start, _, a, _ in epochs:
        u = X[a]
        tot += min(two_gap, 2.0 * beta_fn(start) * math.sqrt(u @ np.linalg.solve(V, u)))
        V += np.outer(u, u)
    return tot


@pytest.mark.parametrize("make", [synthetic_dlb, realdata_dlb])
def test_width_sum_is_what_it_claims(make):
    """The kernel's ``width_sum`` statistic equals the sum of dynlin-ucb.md#theory recomputed with
    numpy from the epoch log (own V_{m-1}, own beta_t from the page's formula); and its
    epoch log (start, length) equals the schedule of the lemma."""
    T = 3000
    env = make(0.01, 4)
    L = _learner(env, T, 4)
    L.fast_run(env, T, env.rng)
    lam = math.log(T)
    ref = _numpy_width_sum(env, L.epochs, lam, _ref_beta(env, T, lam))
    assert L.stats["width_sum"] == pytest.approx(ref, rel=1e-9)
    assert [e[1] for e in L.epochs] == list(epoch_schedule(T, env.rho, 1e-4, 1))
    assert L.stats["max_epoch_len"] == max(e[1] for e in L.epochs)


def test_explicit_epoch_bound_per_run():
    """dynlin-ucb.md#theory: R_ss(T) <= H_M sum_m min(2 max gap, 2 beta ||u_m||_{V^{-1}_{m-1}}) per run,
    with BOTH factors of the right-hand side recomputed independently (numpy, from the epoch
    log and the page's beta formula), not read from the kernel's own statistics. It holds on
    the event that the confidence sets hold (probability >= 1 - delta = 1 - 1/T per run), so
    the false-positive rate over these 10 runs is <= 10/T = 5e-4."""
    T = 20000
    lam = math.log(T)
    for seed in range(5):
        for make in (synthetic_dlb, realdata_dlb):
            env = make(0.01, seed)
            L = _learner(env, T, seed)
            r = L.fast_run(env, T, env.rng)["regret"].sum()
            H_M = max(e[1] for e in L.epochs)
            assert r <= H_M * _numpy_width_sum(env, L.epochs, lam, _ref_beta(env, T, lam))


# ----------------------------------------------------------------------------- 5.8 regret shape
def test_regret_shape_short_horizon():
    """R_ss(T)/T at 1e5 is at most half its value at 1e4 (a sqrt(T)-rate learner gives
    10^{-1/2} times log factors, measured 0.34; a linear-regret one gives 1), and DynLin-UCB
    (log T) beats EXP3 at 1e5 (3 seeds; deterministic given the seeds).

    False-positive rate (other seeds, correct implementation): over 6 seeds DynLin's R/T is
    0.0704 (sd 2e-4) at 1e4 and 0.0242 (sd 1e-4) at 1e5, EXP3's 0.205 (sd 0.014) at 1e5.
    For 3-seed means the ratio 0.344 sits ~39 sd below the threshold 0.5, and EXP3 - DynLin
    = 0.18 is ~22 sd above 0; Chebyshev bounds the two failure chances by 1/39^2 + 1/22^2
    < 0.3%."""
    from mdpkit.algorithms.dlb import make_exp3

    per = {}
    for T in (10**4, 10**5):
        r, e = [], []
        for seed in range(3):
            env = synthetic_dlb(0.01, seed)
            r.append(_learner(env, T, seed).fast_run(env, T, env.rng)["regret"].sum())
            env = synthetic_dlb(0.01, seed)
            e.append(
                make_exp3({**env.env_info(), "n_steps": T}, seed)
                .fast_run(env, T, env.rng)["regret"]
                .sum()
            )
        per[T] = (np.mean(r), np.mean(e))
    assert per[10**5][0] / 10**5 <= 0.5 * per[10**4][0] / 10**4
    assert per[10**5][0] < per[10**5][1]


@pytest.mark.slow
def test_regret_shape_and_reference_at_1e6():
    """dynlin-ucb.md#theory at T = 1e6 (10 runs): R_ss/T strictly decreasing over {1e4, 1e5, 1e6}; log-log
    slope 1e5 -> 1e6 < 0.8; Lin-UCB (lam = 1) and EXP3 do not beat DynLin-UCB; DynLin-UCB
    (log T) within 15% of the dynlin-ucb.md#instances reference (9 801) at 1e6."""
    from mdpkit.algorithms.dlb import make_exp3, make_linucb

    T = 10**6
    cum = {"dyn": [], "lin1": [], "exp3": []}
    for seed in range(10):
        env = synthetic_dlb(0.01, seed)
        cum["dyn"].append(np.cumsum(_learner(env, T, seed).fast_run(env, T, env.rng)["regret"]))
        env = synthetic_dlb(0.01, seed)
        info = {**env.env_info(), "n_steps": T}
        cum["lin1"].append(
            make_linucb(info, seed, config="1").fast_run(env, T, env.rng)["regret"].sum()
        )
        env = synthetic_dlb(0.01, seed)
        cum["exp3"].append(make_exp3(info, seed).fast_run(env, T, env.rng)["regret"].sum())
    dyn = np.mean(cum["dyn"], axis=0)
    r = [dyn[10**k - 1] / 10**k for k in (4, 5, 6)]
    assert r[0] > r[1] > r[2]
    slope = math.log(dyn[-1] / dyn[10**5 - 1]) / math.log(10)
    assert slope < 0.8
    assert np.mean(cum["lin1"]) > dyn[-1] and np.mean(cum["exp3"]) > dyn[-1]
    assert abs(dyn[-1] - 9801) / 9801 < 0.15


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kw,match",
    [
        ({"lam": 0.0}, "lam"),
        ({"lam": -1.0}, "lam"),
        ({"rho_bar": 1.0}, "rho_bar"),
        ({"rho_bar": 1.5}, "rho_bar"),
        ({"rho_bar": float("nan")}, "rho_bar"),
        ({"phi_bar": -1.0}, "phi_bar"),
        ({"sigma": float("nan")}, "sigma"),
        ({"first_epoch_len": 3}, "first_epoch_len"),
        ({"beta_scale": 0.0}, "beta_scale"),
        ({"features": np.array([[np.nan, 0, 0]])}, "features"),
        ({"features": np.ones(3)}, "features"),
    ],
)
def test_bad_inputs(kw, match):
    env = synthetic_dlb(0.01, 0)
    args = dict(
        features=env.features,
        horizon=100,
        rng=0,
        lam=1.0,
        rho_bar=0.2,
        phi_bar=1.0,
        omega_norm=1.0,
        theta_norm=0.5,
        B_norm=0.45,
        sigma=0.01,
    )
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        DynLinUCB(args.pop("features"), args.pop("horizon"), args.pop("rng"), **args)


def test_bad_protocol_use():
    env = synthetic_dlb(0.01, 0)
    L = _learner(env, 10, 0)
    a = L.act()
    with pytest.raises(ValueError, match="a = "):
        L.update((a + 1) % 6, 0.1)
    with pytest.raises(ValueError, match="r must be finite"):
        L.update(a, float("nan"))
    with pytest.raises(ValueError, match="config"):
        make_dynlin_ucb({**env.env_info(), "n_steps": 10}, 0, config="2")
    with pytest.raises(ValueError, match="n_steps"):
        _learner(env, 10, 0).fast_run(env, 11, env.rng)
    env.pull(0)
    with pytest.raises(ValueError, match="fresh"):
        _learner(env, 10, 0).fast_run(env, 10, env.rng)

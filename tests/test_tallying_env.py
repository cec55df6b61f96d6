"""Weighted tallying bandits: tally mechanics, REO checker, exact DP oracle vs brute force,
REO sandwich, noise, bad inputs (paper page docs/papers/weighted-tallying.md)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.envs.tallying import (
    TallyingBandit,
    cpr_columns,
    make_practice_makes_perfect,
    make_random_reo_tallying,
    make_tallying_bandit,
    opt_value,
    opt_values,
    reo_sandwich,
)
from mdpkit.models.tallying import (
    TallyingInstance,
    attainable_tallies,
    check_reo,
    clipped_affine,
    is_reo,
    make_weights,
    practice_makes_perfect,
    random_reo_instance,
    reo_violation,
)

SET = settings(max_examples=40, deadline=None)


def _tally_ref(seq, t, a, w, window="current"):
    """Independent tally: sum_i w_i 1{a_{t-i+1} = a} (current) / 1{a_{t-i} = a} (previous),
    t 0-based index into seq, rounds before 0 carry no action."""
    off = 0 if window == "current" else 1
    y = 0.0
    for i in range(len(w)):
        j = t - i - off
        if j >= 0 and seq[j] == a:
            y += w[i]
    return y


weights = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8).map(
    lambda v: v[:-1] + [max(v[-1], 0.05)]
)


# ----------------------------------------------------------------------------- tallies
@SET
@given(weights, st.integers(1, 5), st.data(), st.sampled_from(["current", "previous"]))
def test_tally_mechanics(w, K, data, window):
    """0 <= y <= W; sum_a y_t(a) over the window; the env's tally equals the definition;
    after m consecutive plays y = W; for w = 1 the tally is a count."""
    seq = data.draw(st.lists(st.integers(0, K - 1), min_size=1, max_size=25))
    knots = [(np.array([0.0, 1.0]), np.array([0.5, 0.5]))] * K
    inst = TallyingInstance(w, knots, window)
    env = TallyingBandit(inst, 0, require_reo=False)
    m, W = len(w), inst.W
    for t, a in enumerate(seq):
        ys = [env.tally(b) for b in range(K)]
        for b in range(K):
            assert ys[b] == pytest.approx(_tally_ref(seq[:t] + [b], t, b, w, window), abs=1e-12)
            assert -1e-12 <= ys[b] <= W + 1e-12
        # sum over arms of the tallies of the *history* part equals sum of the filled weights
        hist_part = sum(_tally_ref(seq, t, b, w, window) for b in range(K))
        filled = min(m, t + 1) if window == "current" else min(m, t)
        assert hist_part == pytest.approx(
            sum(w[:filled]) if window == "current" else sum(w[:filled]), abs=1e-12
        )
        env.pull(a)
    # m consecutive plays (m + 1 for the previous-round window) saturate
    for _ in range(m + 1):
        env.pull(0)
    assert env.tally(0) == pytest.approx(W, abs=1e-12)


def test_tally_counts_for_unit_weights_and_none_prehistory():
    """w = 1, m = 4: y is the count in the last 4 rounds including this one; before round 1
    there is no action (arm 0 gets no head start)."""
    inst = practice_makes_perfect(3, 4)
    env = TallyingBandit(inst, 0)
    assert [env.tally(a) for a in range(3)] == [1.0, 1.0, 1.0]
    for a, expect in zip([0, 0, 1, 0, 2, 0], [1, 2, 1, 3, 1, 2]):
        assert env.tally(a) == expect
        env.pull(a)


# ----------------------------------------------------------------------------- REO
@SET
@given(weights, st.sampled_from(["current", "previous"]))
def test_attainable_tallies_enumerate_subsets(w, window):
    """script-Y = {w_1 + sum_S w_i} (current) / {sum_S w_i} (previous): brute force."""
    m = len(w)
    got = attainable_tallies(w, window)
    ref = set()
    idx = range(1, m) if window == "current" else range(m)
    for r in range(len(idx) + 1):
        for S in itertools.combinations(idx, r):
            ref.add(round((w[0] if window == "current" else 0.0) + sum(w[i] for i in S), 9))
    assert set(np.round(got, 9)) == ref
    assert np.all(np.diff(got) > 0)  # sorted, each value once


def test_attainable_tallies_long_memory():
    """Exact duplicates are merged while enumerating: w = 1 with m = 80 has the 80 tallies
    1..80 (the E5 instance of the figure is checked REO); generic weights beyond
    2^21 distinct sums raise ValueError naming m."""
    np.testing.assert_array_equal(attainable_tallies(np.ones(80)), np.arange(1.0, 81.0))
    np.testing.assert_array_equal(attainable_tallies(np.ones(80), "previous"), np.arange(81.0))
    assert is_reo(practice_makes_perfect(5, 80))
    w = np.random.default_rng(0).uniform(0.5, 1.0, 23)
    with pytest.raises(ValueError, match="m = 23"):
        attainable_tallies(w, "previous")


@SET
@given(
    st.integers(1, 6), st.integers(1, 7), st.integers(0, 2**32 - 1), st.sampled_from([None, 0.8])
)
def test_random_reo_generator_outputs_reo_and_checker_rejects_perturbation(K, m, seed, gamma):
    """The generator's instances are REO (independent check on script-Y); lowering some
    attainable loss below mu* makes the checker reject."""
    inst = random_reo_instance(K, m, seed, gamma=gamma)
    ys = attainable_tallies(inst.w)
    assert all(np.min(inst.loss(a, ys)) >= inst.mu_star - 1e-15 for a in range(K))
    assert is_reo(inst) and reo_violation(inst) == 0.0
    assert min(inst.gaps[inst.gaps > 0], default=1.0) >= 0.05 - 1e-12
    u0 = float(ys[0]) / inst.W  # smallest attainable normalised tally
    if K >= 2 and 0.0 < u0 < 1.0:
        b = (inst.best_arm + 1) % K
        knots = [
            (inst.xs[a, : inst.n_knots[a]], inst.vs[a, : inst.n_knots[a]].copy()) for a in range(K)
        ]
        # arm b: below mu* at its smallest attainable tally, 1 when saturated (a* unchanged)
        knots[b] = (np.array([0.0, u0, 1.0]), np.array([inst.mu_star / 2] * 2 + [1.0]))
        bad = TallyingInstance(inst.w, knots)
        assert bad.best_arm == inst.best_arm
        assert not is_reo(bad)
        assert reo_violation(bad) == pytest.approx(inst.mu_star / 2)
        with pytest.raises(ValueError, match="not REO"):
            check_reo(bad)


def test_a_star_at_random_index():
    """a* is not always 0: over 60 draws with K = 5 every index occurs (P(miss) < 5*0.8^60)."""
    seen = {random_reo_instance(5, 3, s).best_arm for s in range(60)}
    assert seen == set(range(5))


def test_clipped_affine_exact():
    x, v = clipped_affine(0.5, -1.0, 0.2, 0.9)
    u = np.linspace(0, 1, 101)
    assert np.allclose(np.interp(u, x, v), np.clip(0.5 - u, 0.2, 0.9), atol=1e-15)


# ----------------------------------------------------------------------------- DP oracle
def _brute_opt(inst, T):
    best = np.inf
    for seq in itertools.product(range(inst.K), repeat=T):
        tot = sum(
            inst.loss(seq[t], _tally_ref(list(seq), t, seq[t], inst.w, inst.window))
            for t in range(T)
        )
        best = min(best, tot)
    return best


@settings(max_examples=20, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
    st.integers(1, 7),
    st.sampled_from(["current", "previous"]),
)
def test_dp_equals_brute_force(K, m, seed, T, window):
    """OPT_t by DP over the last m-1 actions == enumeration of [K]^t (generic instances,
    not necessarily REO, random weights)."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(0, 1, m)
    w[-1] = max(w[-1], 0.1)
    knots = [(np.array([0.0, 0.37, 1.0]), rng.uniform(0, 1, 3)) for _ in range(K)]
    inst = TallyingInstance(w, knots, window)
    opts = opt_values(inst, T)
    for t in range(1, T + 1):
        assert opts[t - 1] == pytest.approx(_brute_opt(inst, t), abs=1e-12)


@pytest.mark.parametrize("K,m", [(3, 3), (3, 4), (2, 4), (2, 2), (3, 1)])
def test_reo_sandwich(K, m):
    """On REO instances, T mu* <= OPT_T <= cost(constant a*) <= T mu* + (m - 1)."""
    for seed in range(5):
        inst = random_reo_instance(K, m, seed)
        for T in (1, 5, 50, 200):
            opt = opt_value(inst, T)
            lo, hi = reo_sandwich(inst, T)
            assert lo - 1e-9 <= opt <= hi + 1e-9
            assert hi <= T * inst.mu_star + (m - 1) + 1e-9
    inst = practice_makes_perfect(K if K > 1 else 2, m)
    assert opt_value(inst, 200) <= inst.constant_cost(0, 200) + 1e-9


def test_dp_refuses_too_large():
    with pytest.raises(ValueError, match="T = "):
        opt_values(practice_makes_perfect(5, 10), 10**6)


# ----------------------------------------------------------------------------- env
def test_bernoulli_and_gaussian_noise_means():
    """Empirical mean loss of 20000 saturated pulls of a* is mu* = 0.1 within 5 s.e.
    (two-sided false-positive rate < 1e-6 per check)."""
    for noise, sig in (("bernoulli", None), ("clipped-gaussian", 0.05)):
        env = make_practice_makes_perfect(
            np.random.default_rng(1), K=3, m=3, noise=noise, sigma=sig or 0.1
        )
        for _ in range(3):
            env.pull(0)
        losses = np.array([1.0 - env.pull(0) for _ in range(20000)])
        se = max(losses.std(), 1e-3) / np.sqrt(losses.size)
        assert abs(losses.mean() - 0.1) < 5 * se
        assert losses.min() >= 0 and losses.max() <= 1


def test_noise_free_and_pseudo_regret():
    env = make_practice_makes_perfect(0, K=3, m=2, noise="clipped-gaussian", sigma=0.0)
    assert env.pseudo_regret(0) == pytest.approx(0.9 - 0.8 * 0.5 - 0.1)
    assert 1 - env.pull(0) == pytest.approx(0.5)
    assert env.pseudo_regret(0) == pytest.approx(0.0)
    assert env.pseudo_regret(1) == pytest.approx(0.3 + 0.05 - 0.1)


def test_env_info_hides_m_and_w():
    info = make_practice_makes_perfect(0, K=4, m=6, M=9).env_info()
    assert info["M"] == 9 and info["n_actions"] == 4
    assert not {"m", "w", "W", "weights", "knots"} & set(info)


def test_runner_records_cpr_columns():
    """The runner calls TallyingBandit.extra_columns: cpr_lower, cpr (exact, DP) and
    loss_cpr_upper, checked against independent computations (constant_cost's plain loop,
    opt_values, the realised rewards); cpr_columns on the bare frame gives the same."""
    from mdpkit.experiments import Experiment, run
    from mdpkit.experiments.runner import _streams

    exp = Experiment(
        "random-reo-tallying", "se-wtb", 300, 2, root_seed=3, env_params={"K": 3, "m": 3}
    )
    frame = run(exp)
    assert list(frame.columns[-3:]) == ["cpr_lower", "cpr", "loss_cpr_upper"]
    for s in range(2):
        env_rng, _ = _streams(exp, s)
        env = make_random_reo_tallying(env_rng, K=3, m=3)
        inst, f = env.instance, frame[frame.seed == s]
        opt = opt_values(inst, 300)
        for k in (1, 2, 3, 300):
            row = f.iloc[k - 1]
            ref = inst.constant_cost(inst.best_arm, k) - k * inst.mu_star
            assert row["cpr_lower"] == pytest.approx(row["cum_regret"] - ref, abs=1e-12)
            assert row["cpr"] == pytest.approx(row["cum_regret"] + k * inst.mu_star - opt[k - 1])
            loss = (1.0 - f["reward"].to_numpy()[:k]).sum()
            assert row["loss_cpr_upper"] == pytest.approx(loss - k * inst.mu_star)
            assert row["cpr_lower"] - 1e-9 <= row["cpr"] <= row["cum_regret"] + 1e-9
        again = cpr_columns(f[["seed", "k", "regret", "cum_regret", "reward"]], env)
        for col in ("cpr_lower", "cpr", "loss_cpr_upper"):
            np.testing.assert_allclose(again[col], f[col], rtol=0, atol=1e-12)
    # exact DP out of the runner's budget: cpr is NaN, the bracket is still recorded
    big = run(Experiment("practice-makes-perfect", "se-wtb", 50, 1, env_params={"K": 5, "m": 10}))
    assert big["cpr"].isna().all() and np.isfinite(big["cpr_lower"]).all()
    assert (big["cpr_lower"] <= big["cum_regret"]).all()


# ----------------------------------------------------------------------------- bad input
def test_bad_inputs():
    with pytest.raises(ValueError, match="M = 5 must be >= the memory m = 6"):
        make_practice_makes_perfect(0, K=3, m=6, M=5)
    with pytest.raises(ValueError, match="w must be >= 0"):
        make_weights(3, w=[1.0, -0.5, 1.0])
    with pytest.raises(ValueError, match="w must not be all zero"):
        make_weights(None, w=[0.0, 0.0])
    with pytest.raises(ValueError, match="w_m"):
        make_weights(None, w=[1.0, 0.0])
    with pytest.raises(ValueError, match="outside \\[0, 1\\]"):
        TallyingInstance([1.0], [([0.0, 1.0], [0.2, 1.3])])
    bad = TallyingInstance([1.0, 1.0], [([0.0, 1.0], [0.9, 0.5]), ([0.0, 1.0], [0.2, 0.6])])
    with pytest.raises(ValueError, match="instance is not REO"):
        TallyingBandit(bad, 0)
    with pytest.raises(ValueError, match="inst is not REO"):
        reo_sandwich(bad, 10)
    with pytest.raises(ValueError, match="T must be >= 1"):
        reo_sandwich(practice_makes_perfect(2, 2), 0)
    with pytest.raises(ValueError, match="T must be >= 1"):
        opt_values(practice_makes_perfect(2, 2), 0)
    with pytest.raises(ValueError, match="window"):
        practice_makes_perfect(2, 2, window="next")
    with pytest.raises(ValueError, match="noise"):
        make_practice_makes_perfect(0, K=2, m=2, noise="poisson")
    with pytest.raises(ValueError, match="increase strictly"):
        TallyingInstance([1.0], [([0.0, 0.5], [0.2, 0.3])])
    with pytest.raises(ValueError, match="gamma"):
        make_weights(3, gamma=1.5)
    with pytest.raises(ValueError, match="arm must be in"):
        make_practice_makes_perfect(0, K=2, m=2).pull(2)
    # explicit non-REO instance through the registered factory
    with pytest.raises(ValueError, match="not REO"):
        make_tallying_bandit(
            0, w=[1.0, 1.0], knots=[[[0.0, 1.0], [0.9, 0.5]], [[0.0, 1.0], [0.2, 0.6]]]
        )

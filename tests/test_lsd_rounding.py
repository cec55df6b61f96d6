"""The LP rounding with virtual states (paper page ``docs/papers/lsd-bandits.md``, section
"Rounding with virtual states"): properties 3 (activity shares), 4 (mirroring invariant),
5 (approximation regression floor and the exact ALG <= OPT), and the filler rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.algorithms.lsd import _kernels as K
from mdpkit.algorithms.lsd.lp_plan import LPRounding
from mdpkit.algorithms.lsd.rounding import simulate, virtual_activity
from mdpkit.envs.lsd import LSDBandit
from mdpkit.models.lsd import LSDInstance, greedy_trap, random_lsd, random_monotone
from mdpkit.solvers.lsd_dp import opt_value, optimal_gain
from mdpkit.solvers.lsd_lp import solve_lsd_lp

SET = settings(max_examples=30, deadline=None)


@SET
@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 2**31 - 1),
    st.integers(1, 60),
    st.sampled_from(["independent", "correlated"]),
    st.booleans(),
)
def test_mirroring_invariant_zero_exceptions_on_monotone(k, M, seed, B, phase, exactly_one):
    """Property 4 (hypothesis): on monotone payoffs every cyclic pull of the rounding earns
    at least its virtual payoff (margin >= -1e-12), for any seed, re-planning period,
    phase mode, and with or without idling. Inside a block the real streak equals the
    virtual position (margin exactly 0)."""
    inst = random_monotone(k, M, seed)
    run = simulate(inst, 300, seed, block=B, phase_mode=phase, exactly_one=exactly_one)
    rep = run.mirror()
    assert rep["violations"] == 0, rep
    cont = run.kind == K.ROUND_BLOCK_CONT
    assert np.all(run.margin[cont] == 0.0)
    if exactly_one:
        assert np.all(run.actions < k)  # never idles
    else:
        assert not np.any(np.isin(run.kind, [K.ROUND_FILLER, K.ROUND_FILLER_OTHER]))


def test_mirroring_breaks_reported_on_non_monotone():
    """Negative test: a single arm paying 1 after one idle round but 0 after two (not
    monotone) gets the LP plan (tau, delta) = (1, 1); from the rested start the first cyclic
    pull is at state -2, paying 0 < 1: the report names that round and arm."""
    inst = LSDInstance.from_branches([[1.0, 0.0]], [[0.0, 0.0]])
    lp = solve_lsd_lp(inst)
    assert lp.value == pytest.approx(0.5) and lp.x[0, 0, 0] == pytest.approx(1.0)
    run = simulate(inst, 50, 3, lp=lp)
    rep = run.mirror()
    assert rep["violations"] >= 1 and rep["first_violation_arm"] == 0
    assert rep["first_violation_round"] in (0, 1) and rep["min_margin"] == pytest.approx(-1.0)
    with pytest.raises(ValueError, match=r"arm 0, state -2"):
        simulate(inst, 50, 3, require_monotone=True)
    with pytest.raises(ValueError, match=r"arm 0, state -2"):
        LPRounding(inst.f, 50, 0, require_monotone=True)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_mirroring_breaks_only_where_monotonicity_fails(k, M, seed):
    """On arbitrary payoffs, every reported break is a block start at a real idle time d
    larger than the planned delta with f(-d) < f(-delta) (i.e. a monotonicity failure of
    the recovery branch): the margin equals f(real) - f(virtual) and is never negative
    inside a block."""
    inst = random_lsd(k, M, seed)
    run = simulate(inst, 200, seed, block=25)
    bad = run.margin < -K.MIRROR_TOL
    assert np.all(run.kind[bad] == K.ROUND_BLOCK_START)


@settings(max_examples=10, deadline=None)
@given(
    st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31 - 1), st.sampled_from([7, 10, 23])
)
def test_virtual_activity_matches_shares(k, M, seed, B):
    """Property 3 (statistical): the fraction of rounds arm i is virtually active, averaged
    over 10^4 rounds of independently drawn planning blocks, is within 3 sigma (sigma from
    the per-block fractions, plus 1e-9) of the LP share q_i, for every arm; the shares sum
    to <= 1. False-positive rate: <= 0.3% per arm by the normal approximation; the seeds
    are fixed by hypothesis' database-free derandomised runs."""
    inst = random_monotone(k, M, seed)
    lp = solve_lsd_lp(inst)
    assert lp.q.sum() <= 1 + 1e-9
    act = virtual_activity(lp, 10_000, B, seed)
    n = act.shape[0]
    w = np.full(n, B, float)
    w[-1] = 10_000 - B * (n - 1)
    mean = (act * w[:, None]).sum(axis=0) / w.sum()
    sd = act.std(axis=0, ddof=1) * np.sqrt((w**2).sum()) / w.sum()
    assert np.all(np.abs(mean - lp.q) <= 3 * sd + 1e-9), (mean, lp.q, sd)


def test_approximation_regression_floor():
    """Property 5 (statistical): mean over 15 runs of ALG_T / (T g*) >= 0.35 for the
    rounding with independent phases, T = 400, on 12 random monotone instances (k <= 4,
    M <= 4), with ALG_T the mean payoff of the actions taken (exactly <= OPT_T). 0.35 is a
    regression floor, not the paper's constant; over 120 instances the observed minimum
    of the 15-run mean was 0.50 (documented on the paper page), so a false alarm would need
    a drop of 0.15 below the observed worst case."""
    ss = np.random.SeedSequence(11)
    for child in ss.spawn(12):
        g = np.random.default_rng(child)
        k, M = int(g.integers(2, 5)), int(g.integers(1, 5))
        inst = random_monotone(k, M, g)
        lp = solve_lsd_lp(inst)
        gstar = optimal_gain(inst)
        opt = opt_value(inst, 400)
        alg = [simulate(inst, 400, g, lp=lp, sample_rewards=False).total_mean for _ in range(15)]
        assert max(alg) <= opt + 1e-9
        assert np.mean(alg) / (400 * gstar) >= 0.35


def test_alg_below_opt_plus_noise_with_bernoulli():
    """Property 5, realised rewards: ALG_T <= OPT_T + 3 sqrt(T) for Bernoulli payoffs
    (Hoeffding: false-positive probability <= exp(-18) per run)."""
    inst = random_monotone(3, 3, 4)
    opt = opt_value(inst, 400)
    for s in range(5):
        assert simulate(inst, 400, s).reward.sum() <= opt + 3 * np.sqrt(400)


def test_greedy_trap_rounding_below_greedy_and_lp_equals_gain():
    """On the greedy-trap family (M = 3, T = 600) LP* = g* = 0.475 and the reconstructed
    rounding earns about 0.29 per round (prototype 0.288): the LP method is *not* better
    than greedy there (greedy 0.401). Bounds: mean of 20 runs in [0.25, 0.33]."""
    inst = greedy_trap(3)
    lp = solve_lsd_lp(inst)
    assert lp.value == pytest.approx(0.475) and optimal_gain(inst) == pytest.approx(0.475)
    g = np.random.default_rng(0)
    r = np.mean(
        [simulate(inst, 600, g, lp=lp, sample_rewards=False).total_mean / 600 for _ in range(20)]
    )
    assert 0.25 <= r <= 0.33


def test_simulation_equals_full_information_learner():
    """The compiled simulation and the full-information learner (generic act/update loop)
    follow the same random-number design: same seeds, same actions and rewards."""
    inst = random_monotone(3, 2, 9)
    T, B = 300, 17
    run = simulate(inst, T, np.random.default_rng(5), block=B, env_rng=np.random.default_rng(6))
    L = LPRounding(inst.f, T, np.random.default_rng(5), block=B)
    env = LSDBandit(inst, np.random.default_rng(6))
    acts = []
    for _ in range(T):
        a = L.act()
        acts.append(a)
        L.update(a, env.pull(a))
    np.testing.assert_array_equal(np.array(acts), run.actions)


def test_exactly_one_uses_fillers():
    """With exactly one pull per round on the greedy trap (LP leaves rounds uncovered), the
    rounding pulls fillers (plan-none arms first) and never idles; the invariant holds."""
    inst = greedy_trap(3)
    run = simulate(inst, 400, 1, block=40, exactly_one=True)
    assert np.all(run.actions < 2)
    assert np.isin(run.kind, [K.ROUND_FILLER, K.ROUND_FILLER_OTHER]).any()
    assert run.mirror()["violations"] == 0


def test_simulate_bad_inputs():
    inst = greedy_trap(2)
    with pytest.raises(ValueError, match="phase_mode"):
        simulate(inst, 10, 0, phase_mode="random")
    with pytest.raises(ValueError, match="block must be >= 1"):
        simulate(inst, 10, 0, block=0)
    with pytest.raises(ValueError, match="T must be >= 1"):
        simulate(inst, 0, 0)
    with pytest.raises(TypeError, match="inst must be an LSDInstance"):
        simulate(inst.f, 10, 0)

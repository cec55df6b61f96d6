"""LSD learners (paper page ``docs/papers/lsd-bandits.md``, sections "Learning",
"Baselines"): fast path == generic loop, optimism of the envelope (property 8), learning
is sublinear (property 6), baselines, bad inputs."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.algorithms.lsd import _kernels as K
from mdpkit.algorithms.lsd._base import default_block
from mdpkit.algorithms.lsd.etc import exploration_schedule
from mdpkit.algorithms.lsd.lp_ucb import LPUCB
from mdpkit.envs.lsd import LSDBandit
from mdpkit.experiments.registry import get_env, get_learner
from mdpkit.models.lsd import greedy_trap, random_monotone
from mdpkit.solvers.lsd_dp import optimal_gain

_spec = importlib.util.spec_from_file_location(
    "cases_lsd", pathlib.Path(__file__).with_name("cases_lsd.py")
)
_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cases)
FAST_GENERIC_CASES = _cases.FAST_GENERIC_CASES


def _build(case, seed=0):
    env = get_env(case["env"])(np.random.default_rng(seed), **case["env_params"])
    L = get_learner(case["learner"])(
        {**env.env_info(), "n_steps": case["n_steps"]},
        np.random.default_rng(seed + 100),
        **case["learner_params"],
    )
    return env, L


@pytest.mark.parametrize("name", sorted(FAST_GENERIC_CASES))
def test_fast_equals_generic(name):
    """Contract: ``fast_run`` and the act/update loop give the same regret, reward and info
    columns bit for bit from the same seeds (two seeds per learner)."""
    for seed in (0, 1):
        case = {**FAST_GENERIC_CASES[name], "learner": name}
        env, L = _build(case, seed)
        assert L.fast is True and callable(L.fast_run)
        fast = L.fast_run(env, case["n_steps"], env.rng)
        env, L = _build(case, seed)
        T = case["n_steps"]
        reg, rew, info = np.empty(T), np.empty(T), []
        for t in range(T):
            a = L.act()
            reg[t] = env.pseudo_regret(a)
            r = env.pull(a)
            L.update(a, r)
            rew[t] = r
            info.append(L.info())
        np.testing.assert_array_equal(fast["regret"], reg)
        np.testing.assert_array_equal(fast["reward"], rew)
        for key in info[0]:
            np.testing.assert_array_equal(fast[key], np.array([row[key] for row in info]))
        assert set(fast) == {"regret", "reward", *info[0]}


def test_fast_flag_stored_and_checked():
    case = {**FAST_GENERIC_CASES["lsd-greedy"], "learner": "lsd-greedy"}
    env = get_env(case["env"])(0, **case["env_params"])
    L = get_learner("lsd-greedy")({**env.env_info(), "n_steps": 10}, 0, fast=False)
    assert L.fast is False
    with pytest.raises(TypeError, match="fast must be a bool"):
        get_learner("lsd-lp-ucb")({**env.env_info(), "n_steps": 10}, 0, fast="yes")


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_envelope_monotone_and_above_raw(k, M, seed):
    """The envelope is monotone (a.2 shape) and pointwise >= the raw optimistic table."""
    g = np.random.default_rng(seed)
    stats = K.new_stats(k, M)
    stats.counts[:] = g.integers(0, 5, (k, 2 * M))
    stats.sums[:] = stats.counts * g.random((k, 2 * M))
    raw, env_ = np.zeros((k, 2 * M)), np.zeros((k, 2 * M))
    K.ucb_table(stats, 3.0, True, False, raw)
    K.ucb_table(stats, 3.0, True, True, env_)
    assert np.all(env_ >= raw) and np.all(env_ <= 1.0)
    assert np.all(np.diff(env_[:, :M], axis=1) >= 0) and np.all(np.diff(env_[:, M:], axis=1) <= 0)
    assert np.all(raw[stats.counts == 0] == 1.0)


def test_optimism_of_envelope():
    """Property 8 (statistical): on 3 monotone instances, at every block start of LP-UCB
    (T = 3000) the enveloped table satisfies U >= f at every (arm, state) in at least a
    fraction 1 - 1/T of the rounds. By Hoeffding and a union bound over the 2kM pairs and
    the block starts, a violating block has probability <= 2/B ~ 4% per run (<= 12% for
    the three fixed seeds); the seeds are fixed."""
    T = 3000
    for seed in range(3):
        inst = random_monotone(3, 3, 100 + seed)
        env = LSDBandit(inst, seed)
        L = LPUCB(3, 3, T, seed + 10)
        bad_rounds = 0
        for t in range(T):
            a = L.act()
            if L.t == L.block_start and np.any(L.pay < inst.f - 1e-12):
                bad_rounds += L.block_end - L.block_start
            L.update(a, env.pull(a))
        assert bad_rounds <= T * (1.0 / T)


def _reg_fi(inst, T, runs, seed0):
    """Mean over runs of Reg_FI(T) = sum of mean payoffs of the full-information planner
    minus LP-UCB's, same learner seed (same plan/phase uniforms) and same env seed."""
    out = []
    for r in range(runs):
        vals = []
        for name in ("lsd-lp-plan", "lsd-lp-ucb"):
            env = LSDBandit(inst, np.random.default_rng([seed0, r]))
            L = get_learner(name)(
                {**env.env_info(), "n_steps": T}, np.random.default_rng([seed0, r, 1])
            )
            res = L.fast_run(env, T, env.rng)
            vals.append((env.gain - res["regret"]).sum())
        out.append(vals[0] - vals[1])
    return float(np.mean(out))


def test_learning_regret_per_round_shrinks_quick():
    """Property 6, quick version: on one fixed instance (k = M = 3), Reg_FI(T)/T (mean of 4
    runs) at T = 32000 is below its value at T = 2000, and below 0.03. Deterministic (fixed
    seeds); prototype values 0.068 -> 0.009."""
    inst = random_monotone(3, 3, 0)
    a = _reg_fi(inst, 2000, 4, 1) / 2000
    b = _reg_fi(inst, 32000, 4, 1) / 32000
    assert b < a and b <= 0.03


@pytest.mark.slow
def test_learning_sublinear_full():
    """Property 6: on 3 fixed random monotone instances, Reg_FI(T)/T (mean of 8 runs) is
    decreasing across T in {2e3, 8e3, 3.2e4} and <= 0.03 at 3.2e4."""
    for s in range(3):
        inst = random_monotone(3, 3, s)
        vals = [_reg_fi(inst, T, 8, 7) / T for T in (2000, 8000, 32000)]
        assert vals[0] > vals[1] > vals[2] and vals[2] <= 0.03, vals


def test_greedy_strictly_suboptimal_on_trap_and_steady_gain():
    """Greedy on the greedy-trap family (M = 3): its mean payoff per round over T = 600 is
    ~0.40 < g* = 0.475 (prototype 0.401); always-best-steady earns f(+M) = 0.3 per round."""
    for name, lo, hi in (("lsd-greedy", 0.38, 0.42), ("lsd-steady", 0.3 - 1e-12, 0.3 + 1e-12)):
        env = get_env("lsd-greedy-trap")(0, M=3)
        L = get_learner(name)({**env.env_info(), "n_steps": 600}, 0)
        res = L.fast_run(env, 600, env.rng)
        per_round = (env.gain - res["regret"]).mean()
        assert lo <= per_round <= hi and per_round < optimal_gain(greedy_trap(3)) - 0.05


def test_comb_ucb1_learns_trick_og():
    """On Laforgue's 2-arm instance (arm 1 pays 0.95 after any rest, 0.06 right after a
    pull; arm 0 pays 0.05), ISI-CombUCB1 with blocks of 11 learns to alternate: its mean
    payoff over the last half of T = 3300 exceeds greedy's (greedy always takes arm 1 when
    rested, then arm 0 (0.05) vs arm 1 (0.06) -> it keeps pulling arm 1 at 0.06)."""
    res = {}
    for name, kw in (("lsd-isi-combucb1", {"block": 11}), ("lsd-greedy", {})):
        env = get_env("lsd-laforgue")(0, which="trick-og")
        L = get_learner(name)({**env.env_info(), "n_steps": 3300}, 0, **kw)
        out = L.fast_run(env, 3300, env.rng)
        res[name] = (env.gain - out["regret"])[1650:].mean()
    assert res["lsd-isi-combucb1"] > res["lsd-greedy"] + 0.2


@pytest.mark.parametrize("k,M", [(1, 1), (1, 3), (2, 1)])
def test_degenerate_sizes_run(k, M):
    """k = 1 and M = 1: every learner runs, stays within its action set, and the planner's
    long-run payoff is positive when g* > 0."""
    inst = random_monotone(k, M, 3)
    for name in ("lsd-lp-ucb", "lsd-lp-plan", "lsd-etc", "lsd-greedy", "lsd-steady"):
        env = LSDBandit(inst, 0)
        L = get_learner(name)({**env.env_info(), "n_steps": 150}, 0)
        out = L.fast_run(env, 150, env.rng)
        assert out["regret"].shape == (150,) and np.all(np.isfinite(out["regret"]))


def test_exploration_schedule_visits_every_state():
    """ETC's schedule visits every (arm, state) pair n_e times (k > 1 or idling allowed)."""
    for k, M, eo in ((2, 3, False), (3, 2, True)):
        sched = exploration_schedule(k, M, 10**6, eo, n_e=2)
        codes = np.full(k, M - 1)
        seen = np.zeros((k, 2 * M), int)
        from mdpkit.models.lsd import next_code

        for a in sched:
            if a < k:
                seen[a, codes[a]] += 1
            codes = np.array([next_code(c, i == a, M) for i, c in enumerate(codes)])
        assert seen.min() >= 2


def test_default_block():
    assert (
        default_block(2000) == 4 * 13 and default_block(8000) == 80 and default_block(32000) == 128
    )
    assert default_block(1) == 4 and default_block(27) == 12 and default_block(28) == 16


def test_bad_learner_inputs():
    env = get_env("lsd-greedy-trap")(0, M=2)
    info = {**env.env_info(), "n_steps": 50}
    with pytest.raises(ValueError, match="phase_mode"):
        get_learner("lsd-lp-ucb")(info, 0, phase_mode="random")
    with pytest.raises(ValueError, match="block must be >= 1"):
        get_learner("lsd-lp-ucb")(info, 0, block=0)
    with pytest.raises(TypeError, match="envelope must be a bool"):
        get_learner("lsd-lp-ucb")(info, 0, envelope=1)
    with pytest.raises(ValueError, match="'lsd' key missing"):
        get_learner("lsd-lp-ucb")({"n_steps": 5, "n_actions": 3}, 0)
    with pytest.raises(ValueError, match="sequences"):
        get_learner("lsd-combucb1")(info, 0, block=40)
    L = get_learner("lsd-lp-plan")(info, 0)
    with pytest.raises(ValueError, match="n_steps = 60 exceeds"):
        L.fast_run(env, 60, env.rng)
    other = get_env("lsd-greedy-trap")(0, M=3)
    with pytest.raises(ValueError, match="env has"):
        L.fast_run(other, 10, other.rng)
    env.pull(0)
    with pytest.raises(ValueError, match="fresh"):
        L.fast_run(env, 10, env.rng)
    a = L.act()
    with pytest.raises(ValueError, match="not the action returned"):
        L.update((a + 1) % 3, 0.0)


@pytest.mark.parametrize("name", ["lsd-lp-ucb", "lsd-combucb1"])
def test_runner_fast_equals_generic(name):
    """Through the runner: the frame of the fast path equals the frame of the generic loop
    (the learner's ``fast_run`` hidden), bit for bit, two seeds."""
    import pandas as pd

    from mdpkit.experiments import Experiment, run, runner

    c = FAST_GENERIC_CASES[name]
    exp = Experiment(
        c["env"],
        name,
        c["n_steps"],
        2,
        root_seed=3,
        env_params=c["env_params"],
        learner_params=c["learner_params"],
    )
    fast = run(exp, progress=False)
    factory = get_learner(name)

    def generic_factory(info, rng, **kw):
        L = factory(info, rng, **kw)
        L.fast_run = None
        return L

    generic = pd.concat(
        [runner.run_seed(exp, s, learner_factory=generic_factory) for s in range(2)],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(fast.reset_index(drop=True), generic, check_exact=True)

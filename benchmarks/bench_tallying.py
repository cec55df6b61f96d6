"""Weighted tallying bandits: rounds per second of the compiled whole-run loops
(``fast_run``) against a plain Python/numpy loop of the same env + SE-WTB and against the
generic act/update loop, measured in the same process (single thread).

Target (paper page docs/papers/weighted-tallying.md, "Speed"): T = 1e6 rounds in < 1 s per
seed for SE-WTB and every baseline. Speed is reported, never asserted in tests.

    python benchmarks/bench_tallying.py --quick     # T = 2e5 compiled, 2e4 for the loops
    python benchmarks/bench_tallying.py             # T = 1e6 compiled, 1e5 for the loops
    python benchmarks/bench_tallying.py --write     # also write "## Weighted tallying" to RESULTS.md
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _harness import markdown_table, single_thread_env, time_call, write_section  # noqa: E402

single_thread_env(1)

import numpy as np  # noqa: E402

from mdpkit.envs.tallying import make_practice_makes_perfect  # noqa: E402
from mdpkit.experiments.registry import get_learner  # noqa: E402

SECTION = "## Weighted tallying"
LEARNERS = ["se-wtb", "se-naive", "ucb1-losses", "exp3-losses", "batched-exp3", "oracle-a-star"]
ENV = dict(K=5, m=10, M=10)


def _fast(name, T):
    env = make_practice_makes_perfect(np.random.default_rng(0), **ENV)
    lrn = get_learner(name)({**env.env_info(), "n_steps": T}, np.random.default_rng(1))
    return lrn.fast_run(env, T, env.rng)["regret"].sum()


def _generic(name, T):
    env = make_practice_makes_perfect(np.random.default_rng(0), **ENV)
    lrn = get_learner(name)({**env.env_info(), "n_steps": T}, np.random.default_rng(1))
    tot = 0.0
    for _ in range(T):
        a = lrn.act()
        tot += env.pseudo_regret(a)
        lrn.update(a, env.pull(a))
    return tot


def _plain_se_wtb(T):
    """Reference: env + SE-WTB written as a plain Python loop over numpy arrays (no numba)."""
    K, m, M = ENV["K"], ENV["m"], ENV["M"]
    rng = np.random.default_rng(0)
    w = np.ones(m)
    W = w.sum()
    c = np.linspace(0.3, 0.5, K - 1)
    f0 = lambda u: 0.9 - 0.8 * u  # noqa: E731
    hist = np.full(m, -1)
    R = T.bit_length()
    L = math.log(2 * K * R * T)
    active = list(range(K))
    sums = np.zeros(K)
    n, Lr, surv, tot = 0, 1, -1, 0.0
    queue = []
    t = 0
    while t < T:
        if surv < 0 and not queue:
            queue = [(a, M + Lr) for a in active]
        a, left = (surv, 1) if surv >= 0 else queue[0]
        y = w[0] + np.sum(w[1:][hist[: m - 1] == a])
        u = y / W
        f = f0(u) if a == 0 else c[a - 1] + 0.1 * u
        loss = 1.0 if rng.random() < f else 0.0
        hist[1:] = hist[:-1]
        hist[0] = a
        tot += f - 0.1
        t += 1
        if surv >= 0:
            continue
        if left <= Lr:
            sums[a] += loss
        left -= 1
        if left == 0:
            queue.pop(0)
            if not queue:
                n += Lr
                rad = math.sqrt(L / (2 * n))
                means = sums[active] / n
                best = (means + rad).min()
                active = [b for b, mu in zip(active, means) if mu - rad <= best]
                Lr *= 2
                if len(active) == 1:
                    surv = active[0]
        else:
            queue[0] = (a, left)
    return tot


def _cpu(fn, repeats=3):
    """Best-of-``repeats`` CPU seconds of this process (``time.process_time``): on a shared
    machine the wall clock also counts the other jobs' time slices."""
    best = math.inf
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def _runner_seed(T):
    """One seed through the runner (frame assembly and the env's CPR columns included)."""
    from mdpkit.experiments import Experiment, run_seed

    run_seed(Experiment("practice-makes-perfect", "se-wtb", T, 1, env_params=ENV), 0)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--write", action="store_true")
    args = p.parse_args(argv)
    T_fast = 200_000 if args.quick else 1_000_000
    T_loop = 20_000 if args.quick else 100_000
    for name in LEARNERS:  # compile / load the caches outside the timings
        _fast(name, 100)
    _runner_seed(100)
    rows = []
    load0 = os.getloadavg()[0]
    ref_times, _ = time_call(lambda: _plain_se_wtb(T_loop), repeats=3)
    ref_cpu = _cpu(lambda: _plain_se_wtb(T_loop))
    ref_rate = T_loop / ref_cpu
    rows.append(
        [
            "plain Python/numpy SE-WTB + env (reference)",
            T_loop,
            f"{min(ref_times):.3f}",
            f"{ref_cpu:.3f}",
            f"{ref_rate:,.0f}",
            "1.0",
        ]
    )

    def row(label, fn, T):
        wall, _ = time_call(fn, repeats=3)
        cpu = _cpu(fn)
        rows.append(
            [
                label,
                T,
                f"{min(wall):.3f}",
                f"{cpu:.3f}",
                f"{T / cpu:,.0f}",
                f"{T / cpu / ref_rate:.2f}"
                if T / cpu < 10 * ref_rate
                else f"{T / cpu / ref_rate:.0f}",
            ]
        )

    for name in LEARNERS:
        row(f"{name} fast_run", lambda: _fast(name, T_fast), T_fast)
    row(
        "se-wtb through the runner (run_seed: frame + CPR columns)",
        lambda: _runner_seed(T_fast),
        T_fast,
    )
    row("se-wtb generic act/update loop", lambda: _generic("se-wtb", T_loop), T_loop)
    load1 = os.getloadavg()[0]
    table = markdown_table(
        ["path", "T", "wall, best of 3 (s)", "CPU, best of 3 (s)", "rounds/s (CPU)", "x reference"],
        rows,
    )
    text = (
        f"{SECTION}\n\nPractice-makes-perfect instance K = 5, m = M = 10, Bernoulli losses; "
        "single thread; fast_run includes drawing the env's noise. Reference: the same env + "
        "SE-WTB as a plain Python loop over numpy arrays, same process. Rates from the "
        "process's CPU time (the wall clock also counts other jobs on a shared machine; "
        f"load average {load0:.1f} -> {load1:.1f} during this run). Target: T = 1e6 in "
        "under 1 s per seed. `python benchmarks/bench_tallying.py --write`.\n\n" + table + "\n"
    )
    print(text)
    if args.write:
        write_section(Path(__file__).parent / "RESULTS.md", text)


if __name__ == "__main__":
    main()

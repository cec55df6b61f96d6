"""Speed of two checkouts of mdpkit, measured interleaved (old, new, old, new, ...).

Usage: ``python benchmarks/bench_versions.py OLD_DIR NEW_DIR [--rounds 5]``. Each round runs
every workload once per checkout, in a fresh process (``PYTHONPATH=<dir>``), after a warm-up
call that compiles (or loads) the numba kernels; a workload reports the best of 3 timed
calls. The ratio reported is new/old speed per round; the table gives the median over
rounds and the range, so that load from other processes on the machine (which moves both
checkouts alike within a round) cancels out.

Workloads (the ones whose speed the refactoring could move):

* ``ucbvi``: UCBVI-CH fast path, RiverSwim S = 6, H = 20, K = 20,000 episodes, bonus scale
  0.002 (the policy changes, so the exact regret is evaluated): episodes / s;
* ``dlb``: DynLin-UCB (log T) fast path, synthetic DLB, T = 100,000 rounds: rounds / s;
* ``stepmix-fast``: StepMix fast path, the conservative instance, K = 5,000: episodes / s;
* ``stepmix-generic``: StepMix through the generic act/update loop, K = 300: episodes / s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

SNIPPET = r"""
import json, sys, time
import numpy as np
work = sys.argv[1]

def best(fn, n):
    fn(min(n, 50))
    ts = []
    for _ in range(3):
        t0 = time.perf_counter(); fn(n); ts.append(time.perf_counter() - t0)
    return n / min(ts)

if work == "ucbvi":
    from mdpkit.algorithms.ucbvi import UCBVI
    from mdpkit.envs.episodic import make_riverswim
    def fn(K):
        env = make_riverswim(0, S=6, horizon=20)
        ln = UCBVI(6, 2, 20, K, variant="ch", R=env.mdp.R, bonus_scale=0.002)
        ln.fast_run(env, K, env.rng)
    rate = best(fn, 20000)
elif work == "dlb":
    from mdpkit.experiments.registry import get_learner, get_env
    def fn(T):
        env = get_env("dlb-synthetic")(np.random.default_rng(0))
        ln = get_learner("dynlin-ucb")({**env.env_info(), "n_steps": T}, 1)
        ln.fast_run(env, T, env.rng)
    rate = best(fn, 100000)
elif work.startswith("stepmix"):
    from mdpkit.experiments.registry import get_learner, get_env
    fast = work == "stepmix-fast"
    def fn(K):
        env = get_env("conservative-synthetic")(np.random.default_rng(0))
        ln = get_learner("stepmix")({**env.env_info(), "n_steps": K}, 1, fast=fast)
        if fast:
            ln.fast_run(env, K, env.rng)
        else:
            from mdpkit.experiments.runner import _episodic_loop
            _episodic_loop(env, ln, K)
    rate = best(fn, 5000 if fast else 300)
print(json.dumps({"rate": rate}))
"""

WORKLOADS = ["ucbvi", "dlb", "stepmix-fast", "stepmix-generic"]


def _rate(path: str, work: str) -> float:
    env = dict(os.environ, PYTHONPATH=path, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET, work],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=path,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["rate"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--workloads", default=",".join(WORKLOADS), help=f"comma-separated subset of {WORKLOADS}"
    )
    args = ap.parse_args()
    works = [w for w in args.workloads.split(",") if w]
    unknown = sorted(set(works) - set(WORKLOADS))
    if unknown:
        raise SystemExit(f"--workloads: unknown {unknown}; known {WORKLOADS}")
    ratios: dict[str, list[float]] = {w: [] for w in works}
    rates: dict[str, dict[str, list[float]]] = {w: {"old": [], "new": []} for w in works}
    for r in range(args.rounds):
        for w in works:
            order = ("old", "new") if r % 2 == 0 else ("new", "old")  # ABBA
            got = {k: _rate(getattr(args, k), w) for k in order}
            rates[w]["old"].append(got["old"])
            rates[w]["new"].append(got["new"])
            ratios[w].append(got["new"] / got["old"])
            print(
                f"round {r} {w}: old {got['old']:,.0f}/s new {got['new']:,.0f}/s "
                f"ratio {got['new'] / got['old']:.3f}",
                flush=True,
            )
    print("\n| workload | old (median /s) | new (median /s) | new/old (median of rounds) | range |")
    print("|---|---|---|---|---|")
    for w in works:
        q = ratios[w]
        print(
            f"| {w} | {statistics.median(rates[w]['old']):,.0f} | "
            f"{statistics.median(rates[w]['new']):,.0f} | {statistics.median(q):.3f} | "
            f"{min(q):.3f}-{max(q):.3f} |"
        )


if __name__ == "__main__":
    main()

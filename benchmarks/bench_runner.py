"""Seeds per second of a 100-seed experiment, serial and on 2 joblib workers.

Experiment: UCBVI-CH (theory constants, numba fast path) on one fixed random MDP
(S = 20, A = 5, H = 20, ``mdp_seed=0``), K episodes per seed (default 5,000), 100 seeds,
exact per-episode regret. One warm-up run per configuration (numba compilation and joblib
worker start-up are not timed), then the median of ``--repeats`` runs. The run with
``n_jobs=2`` is checked to give a DataFrame identical to the serial one.

Usage::

    python benchmarks/bench_runner.py            # prints the table
    python benchmarks/bench_runner.py --write    # and replaces the section
                                                 # "## Runner: seeds per second" of RESULTS.md
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import markdown_table, replace_section, single_thread_env  # noqa: E402

single_thread_env(1)

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from mdpkit.experiments import Experiment, run  # noqa: E402

SECTION = "## Runner: seeds per second"


def measure(K: int, n_seeds: int, n_jobs: int, repeats: int):
    exp = Experiment(
        "random-mdp",
        "ucbvi-ch",
        K,
        n_seeds,
        env_params={"S": 20, "A": 5, "horizon": 20, "mdp_seed": 0},
    )
    run(exp, n_jobs=n_jobs, progress=False)  # warm-up: compilation, worker start-up
    times, df = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        df = run(exp, n_jobs=n_jobs, progress=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), df


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--K", type=int, default=5000, help="episodes per seed")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="write the section of RESULTS.md")
    args = ap.parse_args(argv)

    rows, frames = [], {}
    base = None
    for n_jobs in (1, 2):
        t, df = measure(args.K, args.seeds, n_jobs, args.repeats)
        frames[n_jobs] = df
        base = base or t
        rows.append(
            [
                n_jobs,
                f"{t:.2f}",
                f"{args.seeds / t:.1f}",
                f"{args.seeds * args.K / t:,.0f}",
                f"{base / t:.2f}",
            ]
        )
    pd.testing.assert_frame_equal(frames[1], frames[2])  # bit-identical across workers
    table = markdown_table(
        ["n_jobs", "seconds (median)", "seeds/s", "episodes/s", "speed-up vs n_jobs=1"], rows
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    body = "\n".join(
        [
            f"UCBVI-CH fast path, random MDP S=20, A=5, H=20, K={args.K} episodes x {args.seeds} seeds, "
            f"exact per-episode regret; median of {args.repeats} runs after a warm-up. "
            f"Measured {datetime.date.today()} on {platform.machine()}, {os.cpu_count()} cores, "
            f"1-minute load average at the end {load:.1f}. The n_jobs=2 frame is checked identical "
            "to the serial one.",
            "",
            table,
            "",
            f"Command: `python benchmarks/bench_runner.py --K {args.K} --seeds {args.seeds} "
            f"--repeats {args.repeats} --write`",
            "",
        ]
    )
    print(SECTION + "\n\n" + body)
    if args.write:
        path = Path(__file__).with_name("RESULTS.md")
        text = path.read_text() if path.exists() else "# Benchmark results\n"
        path.write_text(replace_section(text, SECTION, body))


if __name__ == "__main__":
    main()

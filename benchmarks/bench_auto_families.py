#!/usr/bin/env python
"""``solve(mdp)`` (method "auto") against ``solve(mdp, method="vi")`` (the default before
"auto") on the families of ``bench_solvers.py``, interleaved in one process: per round each
variant once per instance, in alternating order, after a ``gc.collect()`` (model
construction excluded: the same model object), the table
gives the median over rounds of the per-round ratio auto / vi (below 1: auto faster).

Usage: ``python benchmarks/bench_auto_families.py [--rounds 5]``
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

for _k in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from solvers_instances import dense_instance, sparse_instance  # noqa: E402

from mdpkit.models.tabular import TabularMDP  # noqa: E402
from mdpkit.solvers import solve  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    cases = []
    for inst in (
        dense_instance(50, 4, 0),
        dense_instance(500, 8, 1),
        dense_instance(2000, 10, 2),
        sparse_instance(10_000, 4, 5, 3),
        sparse_instance(100_000, 4, 5, 4),
    ):
        for gamma in (0.9, 0.99):
            cases.append((f"{inst.name} gamma={gamma}", TabularMDP(inst.P, inst.R, gamma=gamma)))
    for _, m in cases:  # warm-up
        solve(m), solve(m, method="vi")
    ratios = {name: [] for name, _ in cases}
    times = {name: ([], []) for name, _ in cases}
    for k in range(args.rounds):
        for name, m in cases:
            t = {}
            for variant in ("vi", "auto") if k % 2 == 0 else ("auto", "vi"):  # order alternates
                gc.collect()
                t0 = time.perf_counter()
                solve(m, method=variant)
                t[variant] = time.perf_counter() - t0
            ratios[name].append(t["auto"] / t["vi"])
            times[name][0].append(t["vi"])
            times[name][1].append(t["auto"])
    print("| instance | vi (before) | auto (now) | ratio auto / vi, median of rounds [min, max] |")
    print("|---|---|---|---|")
    for name, _ in cases:
        rs = ratios[name]
        print(
            f"| {name} | {statistics.median(times[name][0]) * 1e3:.2f} ms | "
            f"{statistics.median(times[name][1]) * 1e3:.2f} ms | {statistics.median(rs):.2f} "
            f"[{min(rs):.2f}, {max(rs):.2f}] |"
        )


if __name__ == "__main__":
    main()

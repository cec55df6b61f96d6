#!/usr/bin/env python
"""``solve(mdp)`` with the default method ("auto") against mdpsolver and pymdptoolbox.

Usage::

    python benchmarks/bench_auto.py [--rounds 3] [--quick] [--no-pymdptoolbox]

Interleaved rounds (every contender once per instance per round, same process, warm numba
cache); per round the ratio ``mdpkit / min(mdpsolver VI, mdpsolver MPI)`` is taken, and the
table gives the median of the per-round ratios (load from other processes moves both sides
of a ratio alike within a round). Single thread everywhere (``parallel=False`` for mdpsolver).

* Discounted: RiverSwim (``mdpkit.models.generators.riverswim``) S = 1000 and 10,000,
  gamma = 0.99 and 0.999, built dense or CSR. mdpkit: ``riverswim(...)`` construction +
  ``solve(mdp)`` (default method, tol 1e-6); and, row "dense given", the user's case of the
  issue: the dense (S, A, S) array already in hand (as mdpsolver is given its arrays), timed
  ``TabularMDP(P, R, gamma=g)`` (validation included: one compiled pass that also makes
  the CSR twin of the mostly-zero P) + ``solve(mdp)``. mdpsolver: ``model.solve(algorithm=...,
  tolerance=1e-6)`` given the CSR arrays as ``tranMatProbs``/``tranMatColumns`` (its fastest
  input; a dense (S, A, S) list of Python floats at S = 10,000 would hold 2e8 objects); its
  set-up (list building + ``model.mdp``) is reported separately and left out of the ratio,
  which is therefore the strict one. pymdptoolbox ``ValueIteration`` (A CSR matrices, its
  own epsilon rule with epsilon = 1e-6), one run per round, S = 1000 only unless asked.
* Average reward: random sparse S = 1e5, A = 4, 4 successors + a 0.1 self-loop per pair
  (``bench_criteria.average_sparse``). mdpkit: ``TabularMDP(..., criterion="average")`` +
  ``solve(mdp)`` to a gain certificate of 1e-6; mdpsolver ``criterion="average"``
  (tolerance 1e-6, VI and MPI); pymdptoolbox ``RelativeValueIteration`` (epsilon 1e-6).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

for _k in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from bench_criteria import average_sparse  # noqa: E402

from mdpkit.models.generators import riverswim  # noqa: E402
from mdpkit.models.tabular import TabularMDP  # noqa: E402
from mdpkit.solvers import solve  # noqa: E402

TOL = 1e-6


def mdpsolver_lists(P, S, A):
    P = sp.csr_matrix(P)
    d, ix, ip = P.data.tolist(), P.indices.tolist(), P.indptr.tolist()
    probs = [[d[ip[s * A + a] : ip[s * A + a + 1]] for a in range(A)] for s in range(S)]
    cols = [[ix[ip[s * A + a] : ip[s * A + a + 1]] for a in range(A)] for s in range(S)]
    return probs, cols


def run_mdpsolver(P, R, S, A, gamma, algorithm, criterion="discounted"):
    import mdpsolver

    t0 = time.perf_counter()
    m = mdpsolver.model()
    probs, cols = mdpsolver_lists(P, S, A)
    m.mdp(
        discount=gamma if gamma is not None else 0.99,
        rewards=np.asarray(R).tolist(),
        tranMatProbs=probs,
        tranMatColumns=cols,
    )
    t1 = time.perf_counter()
    m.solve(algorithm=algorithm, tolerance=TOL, criterion=criterion, parallel=False, verbose=False)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, np.array(m.getPolicy())


def run_pymdptoolbox(P, R, S, A, gamma, kind="vi"):
    import mdptoolbox.mdp as mm

    Pl = [sp.csr_matrix(sp.csr_matrix(P)[a::A]) for a in range(A)]
    t0 = time.perf_counter()
    if kind == "vi":
        solver = mm.ValueIteration(Pl, np.asarray(R), gamma, epsilon=TOL, max_iter=10**6)
    else:
        solver = mm.RelativeValueIteration(Pl, np.asarray(R), epsilon=TOL, max_iter=10**6)
    solver.run()
    return time.perf_counter() - t0, np.array(solver.policy)


def median_ratio(num, den):
    return statistics.median(a / b for a, b in zip(num, den))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="S = 1000 only, average S = 1e4")
    ap.add_argument("--no-pymdptoolbox", action="store_true")
    ap.add_argument("--part", choices=("all", "discounted", "average"), default="all")
    ap.add_argument("--sizes", default=None, help="comma-separated RiverSwim sizes")
    ap.add_argument("--gammas", default="0.99,0.999", help="comma-separated discounts")
    ap.add_argument(
        "--ms-algorithms", default="vi,mpi", help="mdpsolver algorithms to time (vi, mpi)"
    )
    ap.add_argument(
        "--pymdptoolbox-large", action="store_true", help="also run pymdptoolbox VI at S = 10,000"
    )
    args = ap.parse_args()
    import warnings

    warnings.simplefilter("ignore")  # pymdptoolbox's own warnings
    sizes = (1000,) if args.quick else (1000, 10_000)
    if args.sizes:
        sizes = tuple(int(x) for x in args.sizes.split(","))
    gammas = tuple(float(x) for x in args.gammas.split(","))
    ms_algs = tuple(args.ms_algorithms.split(","))
    if args.part == "average":
        sizes = ()
    solve(riverswim(50, gamma=0.999, sparse=True))  # numba warm-up (both engines)
    solve(riverswim(200, gamma=0.99))  # conversion kernels
    rows = []
    for S in sizes:
        for gamma in gammas:
            base = riverswim(S, gamma=gamma, sparse=True)
            P, R = base.P, np.array(base.R)
            P_dense = np.asarray(riverswim(S, gamma=gamma, sparse=False).P).copy()
            kinds = ("dense", "dense given", "csr")
            rec = {k: [] for k in (*kinds, "ms_vi", "ms_mpi", "ms_setup", "pt_vi")}
            info = {}
            for _ in range(args.rounds):
                for kind in kinds:
                    t0 = time.perf_counter()
                    if kind == "dense given":
                        mdp = TabularMDP(P_dense, R, gamma=gamma)
                    else:
                        mdp = riverswim(S, gamma=gamma, sparse=kind == "csr")
                    res = solve(mdp, tol=TOL)
                    rec[kind].append(time.perf_counter() - t0)
                    info[kind] = (res.n_iter, res.extras["auto"])
                    pol = res.policy
                    del mdp
                for alg in ms_algs:
                    setup, t, pol_ms = run_mdpsolver(P, R, S, 2, gamma, alg)
                    rec["ms_" + alg].append(t)
                    rec["ms_setup"].append(setup)
                    info["agree_" + alg] = bool(np.array_equal(pol_ms, pol))
                if not args.no_pymdptoolbox and (S == 1000 or args.pymdptoolbox_large):
                    t, pol_pt = run_pymdptoolbox(P, R, S, 2, gamma)
                    rec["pt_vi"].append(t)
                    info["agree_pt"] = bool(np.array_equal(pol_pt, pol))
            best_ms = [min(ts) for ts in zip(*(rec["ms_" + a] for a in ms_algs))]
            for kind in kinds:
                rows.append(
                    {
                        "instance": f"riverswim S={S} gamma={gamma} {kind}",
                        "mdpkit": statistics.median(rec[kind]),
                        "ms_vi": statistics.median(rec["ms_vi"]) if rec["ms_vi"] else None,
                        "ms_mpi": statistics.median(rec["ms_mpi"]) if rec["ms_mpi"] else None,
                        "ms_setup": statistics.median(rec["ms_setup"]),
                        "pt": statistics.median(rec["pt_vi"]) if rec["pt_vi"] else None,
                        "ratio": median_ratio(rec[kind], best_ms),
                        "sweeps": info[kind][0],
                        "auto": info[kind][1]["storage"],
                        "agree": tuple(info.get("agree_" + a) for a in (*ms_algs, "pt")),
                    }
                )
                print(rows[-1], flush=True)
    if args.part != "discounted":
        average_rows(args, rows)
    print_table(rows)


def average_rows(args, rows):
    """Average reward on the random sparse S = 1e5, A = 4 instance (module docstring)."""
    S_avg = 10_000 if args.quick else 100_000
    P, R = average_sparse(S_avg)
    solve(TabularMDP(*average_sparse(40), criterion="average"))
    rec = {k: [] for k in ("mdpkit", "ms_vi", "ms_mpi", "ms_setup", "pt_rvi")}
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        res = solve(TabularMDP(P, R, criterion="average"), tol=TOL)
        rec["mdpkit"].append(time.perf_counter() - t0)
        for alg in ("vi", "mpi"):
            setup, t, _pol = run_mdpsolver(P, R, S_avg, 4, None, alg, criterion="average")
            rec["ms_" + alg].append(t)
            rec["ms_setup"].append(setup)
        if not args.no_pymdptoolbox:
            t, _pol = run_pymdptoolbox(P, R, S_avg, 4, None, kind="rvi")
            rec["pt_rvi"].append(t)
    best_ms = [min(a, b) for a, b in zip(rec["ms_vi"], rec["ms_mpi"])]
    rows.append(
        {
            "instance": f"average sparse S={S_avg} A=4",
            "mdpkit": statistics.median(rec["mdpkit"]),
            "ms_vi": statistics.median(rec["ms_vi"]),
            "ms_mpi": statistics.median(rec["ms_mpi"]),
            "ms_setup": statistics.median(rec["ms_setup"]),
            "pt": statistics.median(rec["pt_rvi"]) if rec["pt_rvi"] else None,
            "ratio": median_ratio(rec["mdpkit"], best_ms),
            "sweeps": res.n_iter,
            "auto": f"gain bound {res.bound:.1e}",
            "agree": None,
        }
    )
    print(rows[-1], flush=True)


def print_table(rows):
    print()
    print(
        "| instance | mdpkit solve(mdp) incl. construction | mdpsolver VI | mdpsolver MPI "
        "| mdpsolver set-up | pymdptoolbox VI / RVI | ratio mdpkit / best mdpsolver (median "
        "of rounds) | mdpkit sweeps, storage |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        pt = f"{r['pt'] * 1e3:.0f} ms" if r["pt"] is not None else "not run"
        vi, mpi = (
            f"{r[k] * 1e3:.0f} ms" if r[k] is not None else "not run" for k in ("ms_vi", "ms_mpi")
        )
        print(
            f"| {r['instance']} | {r['mdpkit'] * 1e3:.0f} ms | {vi} | "
            f"{mpi} | {r['ms_setup'] * 1e3:.0f} ms | {pt} | "
            f"{r['ratio']:.2f} | {r['sweeps']}, {r['auto']} |"
        )


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Speed of mdpkit's exact solvers against references measured in the same run.

Usage::

    python benchmarks/bench_solvers.py              # full table (~13 min on a quiet machine)
    python benchmarks/bench_solvers.py --quick      # smoke version (< 1 min)
    python benchmarks/bench_solvers.py --write      # also rewrite "## Exact solvers" in RESULTS.md

Everything runs single-threaded (NUMBA/OMP/OPENBLAS/MKL threads = 1, set below before numpy
is imported; mdpsolver is called with ``parallel=False``). See ``benchmarks/README.md`` for
what every column means and ``benchmarks/_harness.py`` for how time, memory and bandwidth
are measured.

Compared, on identical raw arrays (generated here from fixed seeds):

* **mdpkit** ``TabularMDP(P, R, gamma=...)`` (construction + validation = "setup") then
  ``mdpkit.solve(mdp, method=..., tol=1e-6)`` ("solve"). numba kernels are warmed up first
  (cache load / compile times are reported on their own, never inside a timed run).
* **numpy reference**: textbook value iteration with the sup-norm stopping rule of Puterman
  Thm 6.3.1 (stop when ``|V_{n+1}-V_n|_inf < eps (1-gamma) / (2 gamma)``, return the policy
  greedy for ``V_{n+1}``, which is ``eps``-optimal), one BLAS ``dgemv`` (dense) or one
  ``scipy.sparse`` CSR product per sweep. Backward induction reference: the same products,
  H of them.
* **pymdptoolbox** (PyPI ``pymdptoolbox`` 4.0b3) ``mdp.ValueIteration(..., epsilon=1e-6)``
  and **mdpsolver** (PyPI ``mdpsolver``) ``model.mdp(...)`` + ``model.solve(algorithm,
  tolerance=1e-6, parallel=False)``, when installed. pymdptoolbox on sparse input runs in a
  child process with a 12 GB address-space limit, because its input check allocates S x S.

Every returned policy is checked: its value V^pi is computed (dense LU solve, or iterative
evaluation for CSR) and ``gap <= |T V - V|_inf / (1-gamma) + |T_pi V - V|_inf / (1-gamma)``
(with V the computed V^pi) is a certified upper bound on ``max_s V*(s) - V^pi(s)`` that needs
no V*; the table prints it ("gap <=") and whether it is <= 1e-6.

Layout: instances and constants in ``solvers_instances.py``, competitors (numpy references,
pymdptoolbox, mdpsolver, mdpkit runs) in ``solvers_competitors.py``, statistics (certified
policy gap, bootstrap CI of a median) in ``solvers_statistics.py``, report writing (console,
RESULTS.md, JSON, targets) in ``solvers_report.py``; this file holds the benchmark sections
and the command line.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import single_thread_env  # noqa: E402  (no numpy import in this module's top)

THREAD_ENV = single_thread_env(1)  # before numpy / scipy / numba are imported

import argparse  # noqa: E402
import datetime as _dt  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import _harness as H  # noqa: E402
import numpy as np  # noqa: E402
from solvers_competitors import (  # noqa: E402
    _child_pymdptoolbox,
    competitor_status,
    mdpkit_backward,
    mdpkit_sweep_seconds,
    mdpkit_vi,
    mdpsolver_run,
    model_accepts_copy,
    numpy_backward,
    numpy_vi_supnorm,
    pymdptoolbox_vi,
    run_pymdptoolbox_child,
    warmup_mdpkit,
)
from solvers_instances import (  # noqa: E402
    FINDINGS,
    HORIZON,
    REPO,
    RESULTS_MD,
    SECTION,
    Instance,
    _wanted,
    dense_instance,
    riverswim_instance,
    sparse_instance,
)
from solvers_report import (  # noqa: E402
    Row,
    _print_row,
    dump_json,
    evaluate_targets,
    merge_earlier,
    results_markdown,
)
from solvers_statistics import (  # noqa: E402
    _median_ci,
    policy_gap_bound,
)

# =============================================================================== rows


def _row_from_stages(section, inst, gamma, solver, st: H.StageTimes, note="") -> Row:
    return Row(
        section,
        inst.name,
        gamma,
        solver,
        setup=statistics.median(st.stages["setup"]) if "setup" in st.stages else None,
        solve=statistics.median(st.stages["solve"]),
        total=st.median(),
        runs=st.n_runs,
        peak_bytes=st.peak_bytes,
        note=note,
        spread=st.spread,
        extra={"P_bytes": inst.nbytes_P},
        total_cpu=statistics.median(st.cpu_totals) if st.cpu_totals else None,
    )


def _certify(row: Row, inst: Instance, gamma: float, out: dict, Vstar) -> None:
    gap, Vpi, _ = policy_gap_bound(inst, gamma, out["policy"], V_start=Vstar)
    row.gap = gap
    if Vstar is not None and out.get("V") is not None:
        row.v_err = float(np.abs(np.asarray(out["V"]) - Vstar).max())


# =============================================================================== sections
def bench_discounted(
    inst: Instance, gamma: float, args, comp: dict, bw: float, rows: list, sweep_cache: dict
):
    reps = args.repeats
    print(f"\n[{inst.name}, gamma={gamma}]", flush=True)
    ctx = {}

    def ref_block():  # numpy sup-norm reference; also yields the reference V*
        st = H.repeat_stages(lambda sw: _ref_run(inst, gamma, sw), reps)
        ref = st.result
        r = _row_from_stages("vi", inst, gamma, "numpy sup-norm VI (ref)", st)
        r.n_iter = ref["n_iter"]
        r.sweep_s = r.solve / ref["n_iter"]
        r.gbps = inst.nbytes_P / r.sweep_s / 1e9
        gap_ref, Vstar, _ = policy_gap_bound(inst, gamma, ref["policy"], V_start=ref["V"])
        ctx["Vstar"] = Vstar
        r.gap = gap_ref
        r.v_err = float(np.abs(ref["V"] - Vstar).max())
        rows.append(r)
        _print_row(r, bw)

    def mdpkit_block(method, model_kw=None):
        st = H.repeat_stages(
            lambda sw: mdpkit_vi(inst, gamma, sw, method=method, model_kw=model_kw), reps
        )
        label = f"mdpkit {method}" + (
            "" if not model_kw else " (" + ", ".join(f"{k}={v}" for k, v in model_kw.items()) + ")"
        )
        r = _row_from_stages("vi", inst, gamma, label, st)
        r.n_iter = st.result["n_iter"]
        r.extra.update(bound=st.result["bound"], converged=st.result["converged"])
        if st.result.get("engine"):
            r.note = f"engine={st.result['engine']}"
        if not st.result["converged"]:
            r.note += " converged=False"
        _certify(r, inst, gamma, st.result, ctx.get("Vstar"))
        if method == "vi" and not model_kw:
            if inst.name not in sweep_cache and not args.no_sweep:
                if inst.nbytes_P > 5e7:
                    k_lo, k_hi = 2, 12
                elif inst.nbytes_P > 1e6:
                    k_lo, k_hi = 5, 105
                else:
                    k_lo, k_hi = 10, 2010
                sweep_cache[inst.name] = mdpkit_sweep_seconds(inst, k_lo, k_hi, args.probe)
            if inst.name in sweep_cache:
                r.sweep_s, bw_local = sweep_cache[inst.name]
                r.gbps = inst.nbytes_P / r.sweep_s / 1e9
                r.extra["bw_local"] = bw_local
        rows.append(r)
        _print_row(r, bw)

    def pymdptoolbox_block():
        if inst.is_sparse:
            if args.quick or args.skip_slow:
                r = Row(
                    "vi", inst.name, gamma, "pymdptoolbox VI", note="skipped (--quick/--skip-slow)"
                )
            elif gamma != 0.99 and inst.S >= 10**4:
                r = Row(
                    "vi",
                    inst.name,
                    gamma,
                    "pymdptoolbox VI",
                    note="run at γ=0.99 only: its input check (minutes, GBs) does not depend on γ",
                )
            else:
                res = run_pymdptoolbox_child(inst, gamma, repeats=1)
                if res["ok"]:
                    r = Row(
                        "vi",
                        inst.name,
                        gamma,
                        "pymdptoolbox VI",
                        setup=res["setup"][0],
                        solve=res["solve"][0],
                        total=res["totals"][0],
                        runs=1,
                        total_cpu=res["cpu_totals"][0],
                        n_iter=res["n_iter"],
                        peak_bytes=res["peak_bytes"],
                        note="1 run, child process",
                        extra={"P_bytes": inst.nbytes_P},
                    )
                    r.sweep_s = r.solve / r.n_iter
                    r.gbps = inst.nbytes_P / r.sweep_s / 1e9
                    _certify(r, inst, gamma, {"policy": res["policy"]}, ctx.get("Vstar"))
                else:
                    r = Row(
                        "vi", inst.name, gamma, "pymdptoolbox VI", note=f"failed: {res['error']}"
                    )
        else:
            st = H.repeat_stages(lambda sw: pymdptoolbox_vi(inst, gamma, sw), reps)
            r = _row_from_stages("vi", inst, gamma, "pymdptoolbox VI", st)
            r.n_iter = st.result["n_iter"]
            r.sweep_s = r.solve / r.n_iter
            r.gbps = inst.nbytes_P / r.sweep_s / 1e9
            _certify(r, inst, gamma, st.result, ctx.get("Vstar"))
        rows.append(r)
        _print_row(r, bw)

    def mdpsolver_block(algo):
        st = H.repeat_stages(lambda sw: mdpsolver_run(inst, gamma, sw, algo), reps)
        r = _row_from_stages("vi", inst, gamma, f"mdpsolver {algo}", st)
        _certify(r, inst, gamma, st.result, ctx.get("Vstar"))
        rows.append(r)
        _print_row(r, bw)

    g = (rows, "vi", inst.name, gamma)
    guarded(*g, "numpy sup-norm VI (ref)", ref_block)
    guarded(*g, "mdpkit vi", mdpkit_block, "vi")
    if not inst.is_sparse and inst.nbytes_P >= 1e8 and model_accepts_copy():
        guarded(*g, "mdpkit vi (copy=False)", mdpkit_block, "vi", {"copy": False})
    if not args.quick:
        guarded(*g, "mdpkit mpi", mdpkit_block, "mpi")
    if inst.kind == "riverswim" and not args.quick:  # slowly mixing chain: PI needs ~S/3 steps
        guarded(*g, "mdpkit pi", mdpkit_block, "pi")
    if comp["pymdptoolbox"]["ok"] and not args.no_competitors:
        guarded(*g, "pymdptoolbox VI", pymdptoolbox_block)
    if comp["mdpsolver"]["ok"] and not args.no_competitors:
        for algo in ("vi", "mpi"):
            guarded(*g, f"mdpsolver {algo}", mdpsolver_block, algo)


CHECKPOINT: dict = {}  # {"path": ..., "meta": ...}: rows dumped after every block (--json)


def guarded(rows: list, section: str, inst_name: str, gamma, label: str, fn, *a, **kw):
    """Run one benchmark block; an exception becomes a table row saying what failed.

    With ``--json`` the rows so far are written after every block, so an interrupted run
    still leaves its measurements for ``--merge``.
    """
    try:
        fn(*a, **kw)
    except Exception as exc:  # noqa: BLE001 - reported in the table, never hidden
        msg = f"error: {type(exc).__name__}: {exc}".replace("|", "/").replace("\n", " ")[:160]
        print(f"  {label}: {msg}", file=sys.stderr, flush=True)
        rows.append(Row(section, inst_name, gamma, label, note=msg))
    if CHECKPOINT:
        dump_json(CHECKPOINT["path"], CHECKPOINT["meta"], rows)


def _ref_run(inst, gamma, sw):
    with sw("solve"):
        V, pol, n = numpy_vi_supnorm(inst.P2d, inst.R, gamma)
    return {"V": V, "policy": pol, "n_iter": n}


def bench_pi(inst: Instance, gamma: float, args, comp: dict, rows: list, bw: float):
    reps = args.repeats
    print(f"\n[PI: {inst.name}, gamma={gamma}]", flush=True)
    st = H.repeat_stages(lambda sw: mdpkit_vi(inst, gamma, sw, method="pi"), reps)
    r = _row_from_stages("pi", inst, gamma, "mdpkit pi", st)
    r.n_iter = st.result["n_iter"]
    _certify(r, inst, gamma, st.result, None)
    rows.append(r)
    _print_row(r, bw)
    if comp["mdpsolver"]["ok"] and not args.no_competitors:
        st = H.repeat_stages(lambda sw: mdpsolver_run(inst, gamma, sw, "pi"), reps)
        r = _row_from_stages("pi", inst, gamma, "mdpsolver pi", st)
        _certify(r, inst, gamma, st.result, None)
        rows.append(r)
        _print_row(r, bw)


BACKWARD_MIN_REPEATS = 15


def bench_backward(inst: Instance, args, rows: list, bw: float):
    """mdpkit backward induction against the numpy/BLAS twin, interleaved (ABBA) rounds.

    At least ``BACKWARD_MIN_REPEATS`` rounds: the targets are speed ratios near 1 (dense) and
    1.5 (sparse), and on a shared 2-core machine one run varies by +-10-30 %; each round's
    pair of runs shares the machine's state. The target is judged on the median of the
    per-round ratios ref/mdpkit (``extra["paired"]``), the estimator that cancels the drift
    within each round, printed with a bootstrap 95% CI, the IQR and the ratio of medians.
    """
    reps = max(args.repeats, BACKWARD_MIN_REPEATS)
    print(f"\n[backward H={HORIZON}: {inst.name}, {reps} interleaved rounds]", flush=True)

    def ref(sw):
        with sw("solve"):
            Vs, pol = numpy_backward(inst.P2d, inst.R, HORIZON)
        return {"V": Vs, "policy": pol}

    sts = H.repeat_interleaved(
        {
            "ref": ref,
            "mdpkit": lambda sw: mdpkit_backward(inst, sw),
            "mdpkit+Q": lambda sw: mdpkit_backward(inst, sw, with_q=True),
        },
        reps,
    )
    st_ref, st = sts["ref"], sts["mdpkit"]
    Vref = st_ref.result["V"]
    paired = sorted(a / b for a, b in zip(st_ref.stages["solve"], st.stages["solve"]))
    lo, hi = _median_ci(paired)
    for name, stt in (
        ("numpy/BLAS backward (ref)", st_ref),
        ("mdpkit backward", st),
        ("mdpkit backward, eager_q=True", sts["mdpkit+Q"]),
    ):
        r = _row_from_stages("backward", inst, None, name, stt)
        r.n_iter = HORIZON
        r.sweep_s = r.solve / HORIZON
        r.gbps = inst.nbytes_P / r.sweep_s / 1e9
        if stt is not st_ref:
            # backward induction is exact: V must equal the twin's up to rounding
            r.v_err = float(np.abs(np.asarray(stt.result["V"]) - Vref).max())
        if stt is st:
            r.extra["paired"] = paired
            r.extra["paired_ci"] = [lo, hi]
        elif stt is not st_ref:
            r.note = "Q stored during the solve (the default computes it on first access of res.Q on CSR)"
        rows.append(r)
        _print_row(r, bw)
    q1, q3 = np.quantile(paired, [0.25, 0.75])
    print(
        f"  per-round speed-up ref/mdpkit: median {statistics.median(paired):.2f} "
        f"(95% bootstrap CI [{lo:.2f}, {hi:.2f}]), IQR [{q1:.2f}, {q3:.2f}], "
        f"range [{paired[0]:.2f}, {paired[-1]:.2f}]",
        flush=True,
    )


def naive_dual_lp(inst: Instance, gamma: float):
    """Dense dual LP over occupancies with ``scipy.optimize.linprog(method="highs")``.

    max sum d(s,a) R(s,a) s.t. sum_a d(s',a) - gamma sum_{s,a} P(s'|s,a) d(s,a) = mu(s'),
    d >= 0, mu uniform; A_eq is a dense (S, S*A) ndarray. Policy = argmax_a d(s, a).
    """
    from scipy.optimize import linprog

    S, A = inst.S, inst.A
    E = np.kron(np.eye(S), np.ones((1, A)))  # (S, S*A): sum over a of d(s', a)
    A_eq = E - gamma * inst.P2d.T
    mu = np.full(S, 1.0 / S)
    res = linprog(-inst.R.ravel(), A_eq=A_eq, b_eq=mu, bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"linprog failed: {res.message}")
    d = res.x.reshape(S, A)
    return {"policy": d.argmax(axis=1), "V": None, "n_iter": int(getattr(res, "nit", 0))}


def bench_lp(inst: Instance, gamma: float, args, rows: list, bw: float):
    print(f"\n[LP: {inst.name}, gamma={gamma}]", flush=True)
    st = H.repeat_stages(lambda sw: mdpkit_vi(inst, gamma, sw, method="lp"), args.repeats)
    r = _row_from_stages("lp", inst, gamma, "mdpkit lp (HiGHS)", st)
    _certify(r, inst, gamma, st.result, None)
    rows.append(r)
    _print_row(r, bw)
    if args.skip_naive_lp or args.quick:
        rows.append(
            Row(
                "lp",
                inst.name,
                gamma,
                "naive dense dual linprog",
                note="skipped (--skip-naive-lp/--quick)",
            )
        )
        return

    def naive(sw):
        with sw("solve"):
            return naive_dual_lp(inst, gamma)

    st = H.repeat_stages(naive, 1)
    r = _row_from_stages("lp", inst, gamma, "naive dense dual linprog", st, note="1 run")
    _certify(r, inst, gamma, st.result, None)
    rows.append(r)
    _print_row(r, bw)


def fresh_process(repeats: int = 3) -> dict:
    """Wall time of a fresh ``python -c 'import mdpkit; mdpkit.solve(...)'`` process.

    Two commands: ``small`` (2 states; mdpkit's default engine for models with at most
    65,536 stored entries is numpy, so numba is not even imported) and ``numba`` (the same
    model with ``engine="numba"``: loads the compiled VI kernels from numba's cache). Each is
    run once to warm the cache (not counted), then ``repeats`` times (median).
    ``python -c 'import numpy'`` is timed the same way for scale. The numba command is also
    run once with an empty private ``NUMBA_CACHE_DIR`` (compile from scratch; the
    repository's own cache is untouched).
    """
    model = (
        "import numpy as np, mdpkit; "
        "P = np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.5, 0.5], [0.0, 1.0]]]); "
        "R = np.array([[0.0, 1.0], [1.0, 0.0]]); "
    )
    code_small = model + "r = mdpkit.solve(mdpkit.TabularMDP(P, R, gamma=0.9)); assert r.converged"
    code_numba = model + (
        "r = mdpkit.solve(mdpkit.TabularMDP(P, R, gamma=0.9), engine='numba'); assert r.converged"
    )
    env = dict(os.environ)

    def t(code, env_=env):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env_, capture_output=True)
        return time.perf_counter() - t0

    out = {"command": f'python -c "{code_small}"', "command_numba": f'python -c "{code_numba}"'}
    for key, code in (("small", code_small), ("numba", code_numba)):
        t(code)  # warm the cache
        runs = [t(code) for _ in range(repeats)]
        out[key] = statistics.median(runs)
        out[key + "_all"] = runs
    out["numpy_import"] = statistics.median([t("import numpy") for _ in range(repeats)])
    with tempfile.TemporaryDirectory() as tmp:
        out["cold_compile"] = t(code_numba, dict(env, NUMBA_CACHE_DIR=tmp))
        out["cold_cache_files"] = sum(len(f) for _, _, f in os.walk(tmp))
    return out


# =============================================================================== main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small instances only (smoke test)")
    p.add_argument(
        "--repeats", type=int, default=3, help="timed runs per measurement (>= 3 for the table)"
    )
    p.add_argument(
        "--skip-naive-lp", action="store_true", help="skip the ~100 s naive dense linprog"
    )
    p.add_argument(
        "--skip-slow", action="store_true", help="skip pymdptoolbox on sparse models (~35 s+)"
    )
    p.add_argument(
        "--no-competitors", action="store_true", help="mdpkit and the numpy references only"
    )
    p.add_argument("--no-sweep", action="store_true", help="skip the per-sweep bandwidth runs")
    p.add_argument(
        "--write", action="store_true", help=f"rewrite the '{SECTION}' section of RESULTS.md"
    )
    p.add_argument("--json", help="also dump every row as JSON to this path")
    p.add_argument("--only", default="", help="comma list of parts: vi,pi,backward,lp,fresh")
    p.add_argument(
        "--filter",
        default="",
        help="only instances whose name contains one of these "
        "comma-separated substrings (e.g. 'S=2000,S=1e5')",
    )
    p.add_argument(
        "--merge",
        default="",
        help="comma-separated JSON files of earlier runs (--json): "
        "their rows fill the cells this run did not measure, marked with their date",
    )
    p.add_argument("--child-pymdptoolbox", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_pymdptoolbox:
        return _child_pymdptoolbox(args.child_pymdptoolbox)
    parts = set(filter(None, args.only.split(","))) or {"vi", "pi", "backward", "lp", "fresh"}

    command = "python benchmarks/bench_solvers.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    meta = {
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}",
        "command": command.strip(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "repeats": args.repeats,
    }
    import numba
    import scipy

    meta["machine"] += f", scipy {scipy.__version__}, numba {numba.__version__}"
    try:
        rev = subprocess.run(
            ["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", REPO, "status", "--porcelain", "--", "mdpkit"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        meta["commit"] = rev + (" + uncommitted changes under mdpkit/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        meta["commit"] = "unknown"
    print(
        f"mdpkit benchmarks — {meta['date']} — {meta['machine']} — load {meta['loadavg']}",
        flush=True,
    )
    comp = competitor_status()
    print("competitors:", comp, flush=True)

    print("measuring memory read bandwidth ...", flush=True)
    bwd = H.memory_read_bandwidth(nbytes=0.4e9 if args.quick else 1.5e9)
    meta["bandwidth"] = bwd
    bw = bwd["best"]
    args.probe = H.BandwidthProbe(0.4e9 if args.quick else 1.0e9)
    print(
        f"  numpy.sum {bwd['numpy_sum']:.2f}  numba {bwd['numba_sum']:.2f}  dgemv {bwd['blas_dgemv']:.2f}"
        f"  -> reference {bw:.2f} GB/s",
        flush=True,
    )

    print("warming up mdpkit kernels ...", flush=True)
    warm = warmup_mdpkit()
    print("  " + ", ".join(f"{k} {H.fmt_s(v)}" for k, v in warm.items()), flush=True)

    rows: list[Row] = []
    sweep_cache: dict = {}
    if args.json:
        CHECKPOINT.update(path=args.json, meta=meta)
    gammas = (0.9, 0.99)
    if args.quick:
        dense_sizes = [(100, 4), (500, 8)]
        sparse_sizes = [10**4]
    else:
        dense_sizes = [(100, 4), (500, 8), (2000, 10)]
        sparse_sizes = [10**4, 10**5]

    if "vi" in parts or "pi" in parts or "lp" in parts or "backward" in parts:
        for S, A in dense_sizes:
            if not _wanted(args, f"dense S={S} A={A}"):
                continue
            inst = dense_instance(S, A, seed=1000 + S)
            if "vi" in parts:
                for g in gammas:
                    bench_discounted(inst, g, args, comp, bw, rows, sweep_cache)
            if "backward" in parts and S >= 500:
                guarded(
                    rows,
                    "backward",
                    inst.name,
                    None,
                    "backward",
                    bench_backward,
                    inst,
                    args,
                    rows,
                    bw,
                )
            if "lp" in parts and S == (100 if args.quick else 500):
                guarded(rows, "lp", inst.name, 0.99, "lp", bench_lp, inst, 0.99, args, rows, bw)
            del inst
        for S in sparse_sizes:
            if not _wanted(args, f"sparse S={S:.0e}".replace("e+0", "e")):
                continue
            inst = sparse_instance(S, 4, 5, seed=2000 + S)
            if "vi" in parts:
                for g in gammas:
                    bench_discounted(inst, g, args, comp, bw, rows, sweep_cache)
            if "pi" in parts and (S == max(sparse_sizes)):
                for g in gammas:
                    guarded(
                        rows,
                        "pi",
                        inst.name,
                        g,
                        "mdpkit pi",
                        bench_pi,
                        inst,
                        g,
                        args,
                        comp,
                        rows,
                        bw,
                    )
            if "backward" in parts:
                guarded(
                    rows,
                    "backward",
                    inst.name,
                    None,
                    "backward",
                    bench_backward,
                    inst,
                    args,
                    rows,
                    bw,
                )
            del inst
        for sparse_rs in (True,) if args.quick else (False, True):
            name = f"riverswim S=1000 {'CSR' if sparse_rs else 'dense'}"
            if "vi" not in parts or not _wanted(args, name):
                continue
            try:
                inst = riverswim_instance(1000, sparse_rs)
            except Exception as exc:  # noqa: BLE001 - generator not available: say so
                print(f"RiverSwim skipped: {type(exc).__name__}: {exc}", flush=True)
                rows.append(Row("vi", name, None, "—", note=f"skipped: {exc}"))
                continue
            for g in gammas:
                bench_discounted(inst, g, args, comp, bw, rows, sweep_cache)

    fresh = None
    if "fresh" in parts:
        print("\nfresh-process start-up ...", flush=True)
        try:
            fresh = fresh_process()
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            print(f"  fresh-process measurement failed: {exc}", flush=True)
        if fresh:
            print(
                f"  warm cache {fresh['small']:.2f} s, numba engine {fresh['numba']:.2f} s (numpy import "
                f"{fresh['numpy_import']:.2f} s), empty cache {fresh['cold_compile']:.1f} s",
                flush=True,
            )

    bw = max(bw, args.probe.best if args.probe.samples else 0.0)
    meta["bandwidth"]["best"] = bw
    meta["bandwidth"]["probe_samples"] = list(args.probe.samples)
    args.probe.close()
    if args.merge:
        fresh = merge_earlier(args.merge, rows, fresh, bw)
    targets = evaluate_targets(rows, bw, fresh)
    md = results_markdown(meta, rows, targets, fresh, warm, comp)
    print("\n" + md)
    if args.json:
        dump_json(args.json, meta, rows, targets, fresh, warm)
    if args.write:
        old = open(RESULTS_MD).read() if os.path.exists(RESULTS_MD) else "# Benchmark results\n\n"
        prev = H.get_section(old, SECTION) or ""
        if FINDINGS in prev:  # hand-written analysis: kept across re-runs
            md = md.rstrip("\n") + "\n\n" + prev[prev.index(FINDINGS) :].strip("\n") + "\n"
        with open(RESULTS_MD, "w") as fh:
            fh.write(H.replace_section(old, SECTION, md))
        print(f"wrote section '{SECTION}' of {RESULTS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Report writing of the solver benchmark: console rows, RESULTS.md section, JSON dump,
merging earlier runs and the targets table."""

from __future__ import annotations

import json
import os
import re
import statistics
from dataclasses import dataclass, field

import _harness as H
import numpy as np
from solvers_instances import HORIZON, TOL


@dataclass
class Row:
    section: str
    instance: str
    gamma: float | None
    solver: str
    setup: float | None = None
    solve: float | None = None
    total: float | None = None
    runs: int = 0
    n_iter: int | None = None
    sweep_s: float | None = None
    gbps: float | None = None
    peak_bytes: int | None = None
    gap: float | None = None
    v_err: float | None = None
    note: str = ""
    spread: tuple = ()
    extra: dict = field(default_factory=dict)
    total_cpu: float | None = None


# =============================================================================== printing
LLC_BYTES = H.last_level_cache_bytes()


def _pct(r: Row, bw: float) -> str:
    if r.gbps is None:
        return "—"
    local = r.extra.get("bw_local") if r.extra else None
    bw = (r.extra or {}).get("bw_run", bw)
    txt = f"{100 * r.gbps / bw:.0f}%"
    if local:
        txt += f" ({100 * r.gbps / local:.0f}% of {local:.1f} interleaved)"
    if LLC_BYTES and r.extra.get("P_bytes", 0) and r.extra["P_bytes"] < LLC_BYTES:
        txt += " cache"
    return txt


def _print_row(r: Row, bw: float):
    g = "" if r.gamma is None else f"γ={r.gamma}"
    if r.total is None:
        print(f"  {r.solver:28s} {g:7s} {r.note}", flush=True)
        return
    print(
        f"  {r.solver:28s} {g:7s} setup {H.fmt_s(r.setup):>9s} solve {H.fmt_s(r.solve):>9s} "
        f"total {H.fmt_s(r.total):>9s} it {str(r.n_iter):>6s} "
        f"GB/s {'—' if r.gbps is None else f'{r.gbps:.2f}':>6s} ({_pct(r, bw)}) "
        f"mem {H.fmt_bytes(r.peak_bytes):>8s} gap<= {'—' if r.gap is None else f'{r.gap:.1e}'} "
        f"{r.note}",
        flush=True,
    )


def _fmt_gap(g):
    if g is None:
        return "—"
    return f"{g:.0e}" + ("" if g <= TOL * (1 + 1e-9) else " ✗")


def results_markdown(
    meta: dict, rows: list[Row], targets: list, fresh: dict | None, warm: dict, comp: dict
) -> str:
    bw = meta["bandwidth"]["best"]
    out = []
    out.append(
        f"Measured {meta['date']} on {meta['machine']}, mdpkit at commit {meta.get('commit', '?')}, "
        f"by `{meta['command']}` "
        f"(single thread: {', '.join(f'{k}=1' for k in ('NUMBA_NUM_THREADS', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS'))}; "
        f"load average at start {meta['loadavg']}). Times are medians of "
        f"{meta['repeats']} runs unless a row says otherwise; the machine has 2 cores shared with "
        "other jobs, so compare the ratios within a table more than absolute times."
    )
    out.append("")
    b = meta["bandwidth"]
    out.append(
        f"Memory read bandwidth (1.5 GB float64 array, best of 5, single thread): numpy.sum "
        f"{b['numpy_sum']:.1f} GB/s, numba loop {b['numba_sum']:.1f} GB/s, BLAS dgemv "
        f"{b['blas_dgemv']:.1f} GB/s; reference = best = **{bw:.1f} GB/s**. "
        "`% BW` = bytes of P read per sweep / time per sweep / reference."
    )
    out.append("")
    if any("earlier run" in (r.note or "") for r in rows):
        out.append(
            "Rows whose note says *earlier run DATE* were measured by an earlier run of the same "
            "script (same seeds and code, merged with `--merge`); their `% BW` is relative to the "
            "bandwidth measured in that run."
        )
        out.append("")
    cs = []
    for name, st in comp.items():
        cs.append(
            f"{name} {st['version']}" if st["ok"] else f"{name}: not importable ({st['error']})"
        )
    out.append("Competitors: " + "; ".join(cs) + ".")
    out.append("")
    out.append("### Targets")
    out.append("")
    out.append(H.markdown_table(["target", "measured", "required", "status"], targets))
    out.append("")
    head = [
        "instance",
        "γ",
        "solver",
        "setup",
        "solve",
        "total",
        "CPU",
        "× ref",
        "sweeps",
        "s/sweep",
        "GB/s",
        "% BW",
        "peak mem",
        "gap ≤",
        "‖V−V*‖∞",
        "note",
    ]
    for section, title in (
        ("vi", "### Discounted value iteration (tol = 1e-6)"),
        ("pi", "### Policy iteration"),
        ("backward", f"### Finite horizon, backward induction (H = {HORIZON})"),
        ("lp", "### Linear programming"),
    ):
        sec = [r for r in rows if r.section == section]
        if not sec:
            continue
        out.append(title)
        out.append("")
        tab = []
        for r in sec:
            ref = _ref_for(rows, r)
            ratio = "—"
            if ref is not None and r.total is not None and ref.total:
                ratio = f"{r.total / ref.total:.3g}"
            tab.append(
                [
                    r.instance,
                    "" if r.gamma is None else r.gamma,
                    r.solver,
                    H.fmt_s(r.setup),
                    H.fmt_s(r.solve),
                    H.fmt_s(r.total),
                    H.fmt_s(r.total_cpu),
                    ratio,
                    "—" if r.n_iter is None else r.n_iter,
                    H.fmt_s(r.sweep_s),
                    "—" if r.gbps is None else f"{r.gbps:.2f}",
                    _pct(r, bw),
                    H.fmt_bytes(r.peak_bytes),
                    _fmt_gap(r.gap),
                    "—" if r.v_err is None else f"{r.v_err:.1e}",
                    r.note,
                ]
            )
        out.append(H.markdown_table(head, tab))
        out.append("")
    out.append("### Start-up and numba compilation")
    out.append("")
    if fresh:
        if fresh.get("when"):
            out.append(f"* (start-up figures from the run of {fresh['when']})")
        out.append(
            f"* Fresh process, warm cache, `{fresh['command']}`: median "
            f"**{fresh['small']:.2f} s** (runs {', '.join(f'{x:.2f}' for x in fresh['small_all'])}); "
            f"`python -c 'import numpy'` alone {fresh['numpy_import']:.2f} s. (2 states: mdpkit's "
            "default engine for models with <= 65,536 stored entries is numpy, numba is not loaded.)"
        )
        out.append(
            f"* The same with `engine='numba'` (loads the cached VI kernels): median "
            f"{fresh['numba']:.2f} s (runs {', '.join(f'{x:.2f}' for x in fresh['numba_all'])}); "
            f"with an empty private `NUMBA_CACHE_DIR` (compiled from scratch, "
            f"{fresh['cold_cache_files']} cache files written): {fresh['cold_compile']:.1f} s."
        )
    out.append(
        "* In the benchmark process, first call of each kernel family on a tiny model "
        "(cache load or compile; excluded from every timed run): "
        + ", ".join(f"{k} {H.fmt_s(v)}" for k, v in warm.items())
        + "."
    )
    out.append("")
    return "\n".join(out)


def _row_key(r: Row):
    return (r.section, r.instance, r.gamma, r.solver)


def _instance_rank(name: str):
    import re

    m = re.search(r"S=([0-9.e]+)", name)
    size = float(m.group(1)) if m else 0.0
    kind = 0 if name.startswith("dense") else 1 if name.startswith("sparse") else 2
    return (kind, size, name)


def merge_earlier(paths: str, rows: list, fresh, bw_now: float):
    """Add rows of earlier ``--json`` runs for cells this run did not measure (in place).

    A merged row keeps its own run's bandwidth reference (``extra["bw_run"]``) and says in
    its note when it was measured. Returns ``fresh`` (taken from the earlier run if absent).
    """
    have = {_row_key(r) for r in rows if r.total is not None}
    order = {_row_key(r): i for i, r in enumerate(rows)}
    for path in filter(None, paths.split(",")):
        with open(path) as fh:
            old = json.load(fh)
        when = old["meta"]["date"]
        for d in old["rows"]:
            d = dict(d)
            d["spread"] = tuple(d.get("spread") or ())
            r = Row(**d)
            if r.total is None or _row_key(r) in have:
                continue
            rows[:] = [x for x in rows if _row_key(x) != _row_key(r)]  # drop a "skipped" stub
            r.extra = dict(r.extra or {}, bw_run=old["meta"]["bandwidth"]["best"])
            r.note = (r.note + "; " if r.note else "") + f"earlier run {when}"
            rows.append(r)
            have.add(_row_key(r))
        if fresh is None and old.get("fresh"):
            fresh = dict(old["fresh"], when=when)
    sec_rank = {"vi": 0, "pi": 1, "backward": 2, "lp": 3}
    rows.sort(
        key=lambda r: (
            sec_rank.get(r.section, 9),
            _instance_rank(r.instance),
            -1 if r.gamma is None else r.gamma,
            order.get(_row_key(r), 10**6),
        )
    )
    return fresh


def _ref_for(rows, r: Row):
    want = {
        "vi": "numpy sup-norm VI (ref)",
        "backward": "numpy/BLAS backward (ref)",
        "lp": "naive dense dual linprog",
        "pi": "numpy sup-norm VI (ref)",
    }.get(r.section)
    for x in rows:
        if (
            x.solver == want
            and x.instance == r.instance
            and (x.gamma == r.gamma or r.section == "backward")
        ):
            return x
    return None


def _find(rows, section, instance_prefix, solver, gamma=None):
    for r in rows:
        if (
            r.section == section
            and r.instance.startswith(instance_prefix)
            and r.solver == solver
            and (gamma is None or r.gamma == gamma)
        ):
            return r
    return None


def _bw_txt(r: Row, bw: float) -> str:
    local = r.extra.get("bw_local")
    bw = r.extra.get("bw_run", bw)
    txt = f"{r.gbps:.1f} GB/s = {100 * r.gbps / bw:.0f}% of the run's best {bw:.1f} GB/s"
    if local:
        txt += f"; {100 * r.gbps / local:.0f}% of {local:.1f} GB/s measured interleaved (PASS/MISS uses this)"
    return txt


def _when(r: Row) -> str:
    m = re.search(r"earlier run ([0-9: -]+UTC)", r.note or "")
    return f" [run of {m.group(1)}]" if m else ""


def evaluate_targets(rows: list[Row], bw: float, fresh: dict | None) -> list[list]:
    T = []

    def st(ok):
        return "n/a" if ok is None else ("PASS" if ok else "MISS")

    r = _find(rows, "vi", "sparse S=1e5", "mdpkit vi", 0.99)
    if r and r.total is not None:
        T.append(
            [
                "sparse S=1e5 γ=0.99 VI, construction+validation+solve",
                f"{H.fmt_s(r.total)} (setup {H.fmt_s(r.setup)} + solve {H.fmt_s(r.solve)}, gap ≤ {r.gap:.0e})"
                + _when(r),
                "≤ 0.4 s",
                st(r.total <= 0.4 and r.gap <= TOL),
            ]
        )
    r = _find(rows, "vi", "dense S=2000", "mdpkit vi", 0.99)
    if r and r.total is not None:
        T.append(
            [
                "dense (2000, 10) γ=0.99 VI, construction+validation+solve",
                f"{H.fmt_s(r.total)} (setup {H.fmt_s(r.setup)} + solve {H.fmt_s(r.solve)})"
                + _when(r),
                "≤ 0.3 s",
                st(r.total <= 0.3 and r.gap <= TOL),
            ]
        )
        r2 = _find(rows, "vi", "dense S=2000", "mdpkit vi (copy=False)", 0.99)
        if r2 and r2.total is not None:
            T.append(
                [
                    "dense (2000, 10) γ=0.99 VI, TabularMDP(..., copy=False) + validation + solve",
                    f"{H.fmt_s(r2.total)} (setup {H.fmt_s(r2.setup)} + solve {H.fmt_s(r2.solve)})"
                    + _when(r2),
                    "≤ 0.3 s",
                    st(r2.total <= 0.3 and r2.gap <= TOL),
                ]
            )
        T.append(
            [
                "dense (2000, 10) γ=0.99 VI, solve only (validated model given)",
                H.fmt_s(r.solve) + _when(r),
                "≤ 0.3 s",
                st(r.solve <= 0.3),
            ]
        )
        if r.gbps:
            T.append(
                [
                    "dense sweep bandwidth, 320 MB model",
                    _bw_txt(r, bw) + _when(r),
                    "≥ 80% of DRAM read BW",
                    st(r.gbps / r.extra.get("bw_local", bw) >= 0.8),
                ]
            )
    r = _find(rows, "vi", "sparse S=1e5", "mdpkit vi", 0.99)
    if r and r.gbps:
        T.append(
            [
                "CSR sweep bandwidth, S=1e5 model (35 MB)",
                _bw_txt(r, bw) + _when(r),
                "≥ 30% of DRAM read BW",
                st(r.gbps / r.extra.get("bw_local", bw) >= 0.3),
            ]
        )
    for prefix, need, label in (
        ("dense", 1.0, "no slower than"),
        ("sparse", 1.5, "≥ 1.5× faster than"),
    ):
        for r in [
            x
            for x in rows
            if x.section == "backward"
            and x.solver == "mdpkit backward"
            and x.instance.startswith(prefix)
        ]:
            ref = _ref_for(rows, r)
            if ref is None or r.solve is None:
                continue
            # interleaved rounds (bench_backward): the median of the per-round ratios, which
            # cancels the machine's drift within each round; older rows: ratio of medians
            paired = r.extra.get("paired")
            ratio_of_medians = ref.solve / r.solve
            sp_ = statistics.median(paired) if paired else ratio_of_medians
            iqr = ""
            if paired:
                q1, q3 = np.quantile(paired, [0.25, 0.75])
                ci = r.extra.get("paired_ci")
                iqr = (
                    f"; median of {len(paired)} interleaved rounds' ratios"
                    + (f", 95% CI [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")
                    + f", IQR [{q1:.2f}, {q3:.2f}]; ratio of medians {ratio_of_medians:.2f}×"
                )
            rq = next(
                (
                    x
                    for x in rows
                    if x.section == "backward"
                    and x.instance == r.instance
                    and x.solver == "mdpkit backward, eager_q=True"
                ),
                None,
            )
            withq = (
                f"; with Q stored {ref.solve / rq.solve:.2f}×"
                if rq is not None and rq.solve
                else ""
            )
            T.append(
                [
                    f"backward H={HORIZON} {r.instance}: speed-up over numpy/BLAS (solve)",
                    f"{sp_:.2f}× ({H.fmt_s(r.solve)} vs {H.fmt_s(ref.solve)}; with validation "
                    f"{ref.solve / r.total:.2f}×{withq}{iqr})" + _when(r),
                    f"{label} numpy ({need}×)",
                    st(sp_ >= need),
                ]
            )
    for g in (0.99, 0.9):
        r = _find(rows, "pi", "sparse S=1e5", "mdpkit pi", g)
        if r and r.total is not None:
            T.append(
                [
                    f"PI sparse S=1e5 γ={g}, construction+validation+solve",
                    f"{H.fmt_s(r.total)} ({r.n_iter} improvements, gap ≤ {r.gap:.0e})" + _when(r),
                    "≤ 2 s",
                    st(r.total <= 2.0 and r.gap <= TOL),
                ]
            )
    r = _find(rows, "lp", "dense S=500", "mdpkit lp (HiGHS)")
    if r and r.total is not None:
        n = _find(rows, "lp", "dense S=500", "naive dense dual linprog")
        other = (
            ""
            if n is None or n.total is None
            else (f" vs naive {H.fmt_s(n.total)}, {H.fmt_bytes(n.peak_bytes)}")
        )
        T.append(
            [
                "LP dense (500, 8): time and memory (report)",
                f"{H.fmt_s(r.total)}, {H.fmt_bytes(r.peak_bytes)}{other}",
                "report",
                "—",
            ]
        )
    if fresh:
        T.append(
            [
                "fresh process import + solve(small), warm cache",
                f"{fresh['small']:.2f} s (engine='numba' forced: {fresh['numba']:.2f} s)",
                "≤ 1.5 s",
                st(fresh["small"] <= 1.5),
            ]
        )
    return T


def dump_json(path: str, meta: dict, rows: list, targets=None, fresh=None, warm=None) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(
            {
                "meta": meta,
                "rows": [r.__dict__ for r in rows],
                "targets": targets,
                "fresh": fresh,
                "warmup": warm,
            },
            fh,
            indent=1,
            default=str,
        )
    os.replace(tmp, path)

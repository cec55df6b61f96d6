r"""Figures of "Dynamical Linear Bandits" (Mussi, Metelli, Restelli, ICML 2023).

See ``docs/papers/dynlin-ucb.md`` (what is reproduced; the reference numbers are runs of the
authors' agents, not paper numbers; ``dynlin-ucb.md#<section>`` below names a section of
that page).

Claims (``mdpkit reproduce`` writes them to ``claims.csv``): DynLin-UCB (lambda = log T)
has the lowest R_ss(T) of all agents on sigma = 0.001, 0.01 and the real-derived system;
on sigma = 0.1 it is below the non-linear baselines (AR2, EXP3, Batch-EXP3) only: Lin-UCB
and D-Lin-UCB are lower there (measured, T = 1e6, 10 runs: DynLin-UCB log T 10 437 (37),
Lin-UCB log T 2 464 (38), D-Lin-UCB log T 2 717 (37)), which the figure shows and the
claim does not hide. Both DynLin-UCB configurations are within 15% of the reference at
every checkpoint <= T (sigma = 0.01 and real-derived). The quick setting (T = 1e5, 3 runs)
states the same claims; the reference comparison then uses the checkpoints 1e4 and 1e5.
At the full settings the sigma = 0.01 ranking claim fails (measured: ratio 1.057 to
Lin-UCB lambda = log T, whose 10-run mean 9 264 has s.e. 3 585: it locks on in 2 of the
10 runs); it is kept as stated and reported as failing rather than weakened.

``mdpkit reproduce dynlin-ucb`` writes four PNG + CSV pairs into ``OUT/dynlin-ucb/``:

* ``synthetic_sigma0.001``, ``synthetic_sigma0.01``, ``synthetic_sigma0.1``: the synthetic
  system of dynlin-ucb.md#instances, 9 agents (both DynLin-UCB, both Lin-UCB, both D-Lin-UCB, AR2,
  EXP3, Batch-EXP3);
* ``realdata``: the real-data-derived system of dynlin-ucb.md#instances, the same agents plus
  Expert.

Each figure: cumulative steady-state pseudo-regret ``R_ss`` (dynlin-ucb.md#model), mean +- standard
error over runs (``std/sqrt(n)``, as the reference plots), on the reference's sampling
grid (200 points over the first 20% of T, 200 over the rest); the y axis is limited to
3x the final DynLin-UCB (lambda = log T) regret as in the reference; the order-only upper
bound ``d sqrt(T) / (1 - rho)^{3/2}`` (constant 1, dotted) and the linear-bandit lower bound
``(e^-2/8) d sqrt(T)`` are overlaid. The CSV holds the curves (``kind = "regret"``), the regret with transients ``sum_t
J* - E[y_t]`` from a noise-free shadow state along the same actions (``kind =
"regret_with_transients"``, dynlin-ucb.md#model; not for Expert, whose action is not an arm), the run
times, and (for sigma = 0.01 and
the real data) mdpkit's numbers beside the dynlin-ucb.md#instances reference at t in {1e4, 1e5,
2.5e5, 5e5, 1e6}.

Settings: T = 1e6, 10 runs (``--quick``: T = 1e5, 3 runs; the reference comparison is then
made at the checkpoints <= T only). ``reference_quirks=True`` for AR2 and Batch-EXP3
(the reference numbers come from the authors' code) and ``first_epoch_len=1`` for
DynLin-UCB (the clean schedule; the RNG is not bit-matched anyway, so a +-15%
criterion applies). Captions state both.

Measured (``mdpkit reproduce dynlin-ucb --jobs 2``, T = 1e6, 10 runs, cumulative R_ss at
T, mean (s.e.); reference = dynlin-ucb.md#instances):

=========================  ====================  ====================  ===================  ====================
agent                      synthetic 0.01        reference             real-derived         reference
=========================  ====================  ====================  ===================  ====================
DynLin-UCB (lambda=log T)  9 792 (9)             9 801 (7)             75 559 (18)          75 590 (11)
DynLin-UCB (lambda=1)      24 975 (5)            24 979 (5)            117 146 (11)         117 159 (8)
Lin-UCB (lambda=log T)     9 264 (3 585) [*]     17 426 (4 568)        212 425 (3 599)      not run
Lin-UCB (lambda=1)         33 923 (21)           33 984 (47)           203 567 (11 888)     not run
D-Lin-UCB (lambda=log T)   15 110 (4 338)        not run               216 229 (2)          not run
D-Lin-UCB (lambda=1)       29 299 (3 074)        28 814 (2 836)        215 128 (0.3)        not run
AR2                        179 427 (57)          179 471 (83)          166 228 (1 007)      166 232 (1 026)
EXP3                       231 422 (1 709)       230 743 (1 827)       215 682 (543)        not run
Batch-EXP3                 172 504 (7 073)       179 592 (5 615)       149 612 (4 041)      148 484 (6 501)
Expert                     --                    --                    215 709 (0)          215 709
=========================  ====================  ====================  ===================  ====================

[*] Lin-UCB (lambda = log T) locks onto the runner-up arm in some runs (R_ss ~ 31 870) and
not in others (R_ss ~ 2 000-7 000): 2 of the 10 runs locked on here. Over 50 runs
(seeds 0-49) it locks on in 29 (58%), mean 19 973 (s.e. 1 925), consistent with the
reference. Agent orderings match the reference except for pairs that are statistically
tied in the reference itself (Lin-UCB log T vs DynLin-UCB log T with 10 runs; AR2 vs
Batch-EXP3, whose reference means differ by 121 with s.e. 5 615).

Seeds: ``root_seed = 0`` for every experiment, so run i of every agent sees the same
environment noise (common random numbers, as in the reference driver, which pre-generates
one noise array per run).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np

from mdpkit.algorithms.dynlin_ucb import n_epochs_to_cover  # noqa: F401  (re-export for docs)
from mdpkit.figures import claim

if TYPE_CHECKING:  # pandas is imported lazily (import time of the figure registry)
    import pandas as pd

__all__ = [
    "AGENTS",
    "REFERENCE",
    "CONFIGS",
    "compute",
    "reference_table",
    "sample_grid",
    "claims",
    "draw",
    "reproduce_all",
]

#: (registered learner, learner params, label) of dynlin-ucb.md#baselines, in the reference's legend
#: order
AGENTS = [
    ("dynlin-ucb", {"config": "logT"}, "DynLin-UCB (lambda=log T)"),
    ("dynlin-ucb", {"config": "1"}, "DynLin-UCB (lambda=1)"),
    ("dlb-linucb", {"config": "logT"}, "Lin-UCB (lambda=log T)"),
    ("dlb-linucb", {"config": "1"}, "Lin-UCB (lambda=1)"),
    ("dlb-dlinucb", {"config": "logT"}, "D-Lin-UCB (lambda=log T)"),
    ("dlb-dlinucb", {"config": "1"}, "D-Lin-UCB (lambda=1)"),
    ("dlb-ar2", {"reference_quirks": True}, "AR2"),
    ("dlb-exp3", {}, "EXP3"),
    ("dlb-batch-exp3", {"reference_quirks": True}, "Batch-EXP3"),
]
EXPERT = ("dlb-expert", {}, "Expert")

#: env name, env params, figure name, with Expert?
CONFIGS = {
    "synthetic_sigma0.001": ("dlb-synthetic", {"sigma": 0.001}, False),
    "synthetic_sigma0.01": ("dlb-synthetic", {"sigma": 0.01}, False),
    "synthetic_sigma0.1": ("dlb-synthetic", {"sigma": 0.1}, False),
    "realdata": ("dlb-realdata", {"sigma": 0.01}, True),
}

CHECKPOINTS = (10_000, 100_000, 250_000, 500_000, 1_000_000)

#: dynlin-ucb.md#instances [X]: mean (s.e.) of cumulative R_ss over 10 runs of the authors' agents
REFERENCE = {
    "synthetic_sigma0.01": {
        "DynLin-UCB (lambda=log T)": [
            (649, 1.3),
            (2339, 2.2),
            (4115, 3.9),
            (6299, 5.3),
            (9801, 7.0),
        ],
        "DynLin-UCB (lambda=1)": [
            (1354, 0.7),
            (6934, 2.8),
            (11452, 3.6),
            (16670, 3.7),
            (24979, 5.2),
        ],
        "Lin-UCB (lambda=log T)": [
            (1446, 270),
            (3290, 204),
            (5669, 868),
            (9596, 2097),
            (17426, 4568),
        ],
        "Lin-UCB (lambda=1)": [(1026, 48), (5002, 41), (10077, 41), (18142, 44), (33984, 47)],
        "D-Lin-UCB (lambda=1)": [
            (970, 162),
            (3502, 208),
            (7721, 623),
            (14752, 1357),
            (28814, 2836),
        ],
        "AR2": [(1781, 3.6), (17956, 21), (44867, 40), (89752, 58), (179471, 83)],
        "EXP3": [(2215, 14), (19965, 148), (49319, 551), (105995, 1340), (230743, 1827)],
        "Batch-EXP3": [(2216, 21), (20961, 293), (50593, 1202), (96597, 2875), (179592, 5615)],
    },
    "realdata": {
        "DynLin-UCB (lambda=log T)": [
            (1294, 0.6),
            (11135, 2.4),
            (24829, 3.0),
            (44082, 7.0),
            (75590, 10.7),
        ],
        "DynLin-UCB (lambda=1)": [
            (1385, 0.1),
            (13237, 1.0),
            (31960, 2.1),
            (61594, 2.9),
            (117159, 8.2),
        ],
        "Expert": [(2157, 0.0), (21571, 0.0), (53927, 0.0), (107855, 0.0), (215709, 0.0)],
        "Batch-EXP3": [(1442, 13), (14597, 224), (36629, 869), (72672, 2578), (148484, 6501)],
        "AR2": [(1664, 12), (16621, 106), (41557, 259), (83104, 519), (166232, 1026)],
    },
}


def sample_grid(T: int) -> np.ndarray:
    """Reference plot grid (dynlin-ucb.md#instances, "Plotted"): 200 points in [0, 0.2T), 200 in
    [0.2T - 1, T - 1] (0-based round indices), plus 60 log-spaced points (for the log-log
    panel) and the checkpoints <= T; sorted, unique."""
    a = np.linspace(0, T * 0.2, 201).astype(np.int64)[:-1]
    b = np.linspace(T * 0.2 - 1, T - 1, 200).astype(np.int64)
    c = np.array([c - 1 for c in CHECKPOINTS if c <= T], dtype=np.int64)
    g = np.geomspace(1, T, 60).astype(np.int64) - 1
    return np.unique(np.concatenate([a, b, c, g]))


def _summarise(frame, grid: np.ndarray, n_seeds: int, T: int, env=None) -> dict:
    """Per-run cumulative R_ss at the grid (0-based rounds) -> mean, s.e., per-run values;
    with ``env`` and an ``action`` column, also the regret with transients
    ``sum_t J* - E[y_t]`` from the noise-free shadow state (dynlin-ucb.md#model): ``mean_transient``."""
    cum = frame["cum_regret"].to_numpy().reshape(n_seeds, T)
    vals = cum[:, grid]
    mean = vals.mean(axis=0)
    se = vals.std(axis=0) / math.sqrt(n_seeds)
    out = {"mean": mean, "se": se, "runs": vals}
    if env is not None and "action" in frame.columns:
        acts = frame["action"].to_numpy().reshape(n_seeds, T).astype(np.int64)
        tr = np.array([np.cumsum(env.expected_regret(acts[s]))[grid] for s in range(n_seeds)])
        out["mean_transient"] = tr.mean(axis=0)
    return out


def compute(
    figure: str,
    T: int = 1_000_000,
    n_runs: int = 10,
    n_jobs: int = 1,
    scheduler=None,
    store=None,
    agents=None,
    log=None,
    root_seed: int = 0,
) -> dict:
    """Run every agent of ``figure`` through :func:`mdpkit.experiments.run` and reduce the
    results to the sampling grid.

    Returns
    -------
    dict with ``grid`` (int (G,), 1-based rounds), ``curves`` {label: {"mean", "se", "runs"}},
    ``times`` {label: seconds}, ``T``, ``n_runs``, ``env``.
    """
    from mdpkit.experiments import Experiment, run

    env_name, env_params, with_expert = CONFIGS[figure]
    todo = list(AGENTS if agents is None else agents)
    if with_expert and agents is None:
        todo.append(EXPERT)
    grid = sample_grid(T)
    from mdpkit.experiments.registry import get_env

    oracle_env = get_env(env_name)(np.random.default_rng(0), **env_params)  # oracle only
    curves, times = {}, {}
    for learner, params, label in todo:
        exp = Experiment(
            env_name,
            learner,
            T,
            n_runs,
            root_seed=root_seed,
            env_params=env_params,
            learner_params=params,
            name=label,
        )
        t0 = time.perf_counter()
        frame = run(exp, n_jobs=n_jobs, scheduler=scheduler, store=store)
        times[label] = time.perf_counter() - t0
        curves[label] = _summarise(frame, grid, n_runs, T, oracle_env)
        del frame
        if log is not None:
            log(
                f"{figure}: {label}: {times[label]:.1f}s, R_ss(T) = {curves[label]['mean'][-1]:.1f}"
            )
    return {
        "grid": grid + 1,
        "curves": curves,
        "times": times,
        "T": T,
        "n_runs": n_runs,
        "env": (env_name, env_params),
    }


def reference_table(figure: str, result: dict) -> list[dict]:
    """Rows (agent, t, mdpkit mean, mdpkit s.e., reference mean, reference s.e., relative
    difference) at the dynlin-ucb.md#instances checkpoints <= T."""
    ref = REFERENCE.get(figure, {})
    grid = result["grid"]
    rows = []
    for label, cur in result["curves"].items():
        for j, t in enumerate(CHECKPOINTS):
            if t > result["T"]:
                continue
            i = int(np.searchsorted(grid, t))
            mean, se = float(cur["mean"][i]), float(cur["se"][i])
            r = ref.get(label)
            rm, rs = r[j] if r else (float("nan"), float("nan"))
            rows.append(
                {
                    "agent": label,
                    "t": t,
                    "mdpkit_mean": mean,
                    "mdpkit_se": se,
                    "reference_mean": rm,
                    "reference_se": rs,
                    "rel_diff": (mean - rm) / rm if r else float("nan"),
                }
            )
    return rows


# ----------------------------------------------------------------------------- figure
def settings(quick: bool) -> dict:
    """Full: T = 1e6, 10 runs (the reference configs); quick: T = 1e5, 3 runs."""
    return {"T": 100_000, "n_runs": 3} if quick else {"T": 1_000_000, "n_runs": 10}


PAPER = "Mussi, Metelli, Restelli (ICML 2023)"
#: agents that are not linear-bandit learners (the claim of the sigma = 0.1 figure)
NONLINEAR_BASELINES = ("AR2", "EXP3", "Batch-EXP3")
MAIN = "DynLin-UCB (lambda=log T)"
REFERENCE_TOLERANCE = 0.15  # the reproduction criterion when the RNG is not bit-matched


def display(label: str) -> str:
    """Legend text of an agent label (mathtext for lambda)."""
    return label.replace("(lambda=log T)", r"($\lambda=\log T$)").replace(
        "(lambda=1)", r"($\lambda=1$)"
    )


ORDER = [label for _, _, label in AGENTS] + [EXPERT[2]]


def tiny_settings() -> dict:
    """Smallest settings that exercise every code path (tests; no claim is expected to hold)."""
    return {"T": 12_000, "n_runs": 2}


def _caption(figure: str, res: dict, upper_below: bool = False) -> str:
    env_name, env_params = res["env"]
    what = (
        rf"synthetic system, $\sigma$ = {env_params['sigma']:g}"
        if "synthetic" in figure
        else r"real-data-derived system, $\sigma$ = 0.01"
    )
    text = (
        f"Dynamical linear bandits, {PAPER}: {what}; T = {res['T']:,}, {res['n_runs']} runs, "
        r"mean $\pm$ s.e. of the cumulative steady-state pseudo-regret $R_{ss}$ "
        "(bands narrower than the line where not visible).\n"
        "Reference quirks ON for AR2 and Batch-EXP3 (as the authors' code), OFF elsewhere; "
        "DynLin-UCB first epoch of length 1. Upper bound: order only, constant 1 (dashed); "
        "linear-bandit lower bound exact (solid). A series not visible coincides with one "
        "drawn over it (values in the CSV)."
    )
    if upper_below:
        text += (
            "\nThe dashed upper curve lies below DynLin-UCB's regret: its constant "
            r"(log T and powers of $\bar\Phi, \Omega, \Theta, \bar B, \bar U, \sigma$, hidden "
            r"by $\tilde O$) is not known and 1 is drawn."
        )
    from mdpkit.plotting import wrap

    return wrap(text, 150)


def _frame(figure: str, res: dict, bounds: dict) -> pd.DataFrame:
    import pandas as pd

    rows = []
    grid = res["grid"]
    for label, cur in res["curves"].items():
        for i, t in enumerate(grid):
            rows.append(
                {
                    "series": label,
                    "kind": "regret",
                    "t": int(t),
                    "mean": cur["mean"][i],
                    "se": cur["se"][i],
                    "n_runs": res["n_runs"],
                }
            )
        if "mean_transient" in cur:
            for i, t in enumerate(grid):
                rows.append(
                    {
                        "series": label,
                        "kind": "regret_with_transients",
                        "t": int(t),
                        "mean": cur["mean_transient"][i],
                        "n_runs": res["n_runs"],
                    }
                )
        rows.append(
            {
                "series": label,
                "kind": "run_time_s",
                "t": res["T"],
                "mean": res["times"][label],
                "n_runs": res["n_runs"],
            }
        )
    for label, vals in bounds.items():
        for t, v in zip(grid, vals):
            rows.append({"series": label, "kind": "bound", "t": int(t), "mean": v})
    for r in reference_table(figure, res):
        rows.append(
            {
                "series": r["agent"],
                "kind": "reference_comparison",
                "t": r["t"],
                "mean": r["mdpkit_mean"],
                "se": r["mdpkit_se"],
                "n_runs": res["n_runs"],
                "reference_mean": r["reference_mean"],
                "reference_se": r["reference_se"],
                "rel_diff": r["rel_diff"],
            }
        )
    return pd.DataFrame(rows)


def _bounds(figure: str, grid: np.ndarray) -> dict:
    """Overlay curves on ``grid``; none depends on the measured regret."""
    from mdpkit.bounds.dlb import DYNLIN_UCB_UPPER, LINEAR_BANDIT_LOWER
    from mdpkit.envs.dlb import realdata_dlb, synthetic_dlb

    env = realdata_dlb(0.01, 0) if figure == "realdata" else synthetic_dlb(0.01, 0)
    return {
        r"DynLin-UCB upper $d\sqrt{T}/(1-\bar\rho)^{3/2}$, constant 1 (order only)": DYNLIN_UCB_UPPER.curve(
            grid, d=env.d, rho=env.rho
        ),
        r"linear-bandit lower bound $(e^{-2}/8)\,d\sqrt{T}$ (exact)": LINEAR_BANDIT_LOWER.curve(
            grid, d=env.d
        ),
    }


def draw(figure: str, res: dict, path) -> tuple:
    """Two panels (linear axes as the reference plots, and log-log) + CSV via
    :func:`mdpkit.plotting.save_figure`."""
    from matplotlib.figure import Figure

    from mdpkit.plotting import BOUND_COLORS, legend_below, save_figure, series_styles, style

    grid = res["grid"].astype(float)
    bounds = _bounds(figure, grid)
    upper = next(v for k, v in bounds.items() if "upper" in k)
    upper_below = bool(res["curves"][MAIN]["mean"][-1] > upper[-1])
    styles = series_styles(ORDER)
    with style():
        fig = Figure(figsize=(14, 7.4), layout="constrained")
        ax_lin, ax_log = fig.subplots(1, 2)
        for i, (label, cur) in enumerate(res["curves"].items()):
            st = styles[label]
            lo = cur["mean"] - cur["se"]
            for ax, low, mode in (
                (ax_lin, lo, "lin"),
                (ax_log, np.maximum(lo, 0.5 * cur["mean"]), "log"),
            ):
                pos = grid if mode == "lin" else np.geomspace(grid[1], grid[-1], 8)
                idx = sorted(
                    set(
                        np.clip(
                            np.searchsorted(grid, pos * (1 + 0.07 * (i % 4))), 0, grid.size - 1
                        ).tolist()
                    )
                )
                ax.plot(
                    grid,
                    cur["mean"],
                    color=st["color"],
                    marker=st["marker"],
                    markersize=4,
                    markevery=idx if mode == "log" else max(1, grid.size // 9),
                    lw=1.5 if "DynLin" in label else 1.2,
                    label=display(label),
                )
                ax.fill_between(
                    grid, low, cur["mean"] + cur["se"], color=st["color"], alpha=0.3, lw=0
                )
        for j, (label, vals) in enumerate(bounds.items()):
            ls = "--" if "order" in label else "-"
            for ax in (ax_lin, ax_log):
                ax.plot(grid, vals, ls, color=BOUND_COLORS[j], lw=1.3, label=label)
        top = 3 * res["curves"][MAIN]["mean"][-1]
        ax_lin.set_xlim(0, res["T"])
        ax_lin.set_ylim(0, top)
        ax_lin.set_xlabel("round $t$")
        ax_lin.set_ylabel(r"cumulative $R_{ss}$")
        ax_lin.set_title(
            r"linear axes (reference layout; y up to 3$\times$ DynLin-UCB "
            r"$\lambda=\log T$)"
        )
        ax_log.set_xscale("log")
        ax_log.set_yscale("log")
        ax_log.set_xlabel("round $t$")
        ax_log.set_ylabel(r"cumulative $R_{ss}$ (log scale)")
        ax_log.set_title("log-log")
        legend_below(fig, [ax_lin, ax_log], ncols=4)
        fig.suptitle(_caption(figure, res, upper_below))
    return save_figure(fig, _frame(figure, res, bounds), path)


def claims(figure: str, res: dict) -> list[dict]:
    """Claims of the paper on this figure's numbers: DynLin-UCB (lambda = log T) has the
    lowest R_ss(T) of all agents (sigma = 0.1: of the non-linear baselines, since Lin-UCB is
    lower there, measured at T = 1e5 and 1e6), and, where the reference has numbers, both
    DynLin-UCB configurations are within 15% of it at every checkpoint <= T."""
    final = {label: float(cur["mean"][-1]) for label, cur in res["curves"].items()}
    mine = final[MAIN]
    out = []
    if figure == "synthetic_sigma0.1":
        others = {k: v for k, v in final.items() if k in NONLINEAR_BASELINES}
        what = "the non-linear baselines AR2, EXP3, Batch-EXP3"
    else:
        others = {k: v for k, v in final.items() if k != MAIN}
        what = "every other agent"
    ratio = mine / min(others.values())
    out.append(
        claim(
            f"DynLin-UCB (lambda=log T): R_ss(T) below {what} (ratio to the best of them < 1)",
            ratio,
            1.0,
            bool(ratio < 1.0),
            figure=figure,
        )
    )
    rows = reference_table(figure, res)
    for label in ("DynLin-UCB (lambda=log T)", "DynLin-UCB (lambda=1)"):
        diffs = [
            abs(r["rel_diff"]) for r in rows if r["agent"] == label and np.isfinite(r["rel_diff"])
        ]
        if diffs:
            worst = float(max(diffs))
            out.append(
                claim(
                    f"{label}: within 15% of the reference at every checkpoint <= T "
                    "(max relative difference)",
                    worst,
                    REFERENCE_TOLERANCE,
                    bool(worst <= REFERENCE_TOLERANCE),
                    figure=figure,
                )
            )
    return out


def reproduce_all(quick: bool, jobs: int, scheduler, out, seed: int | None = None) -> list[dict]:
    """All four figures (synthetic sigma in {0.001, 0.01, 0.1}, real-derived); the claims."""
    from pathlib import Path

    cfg = settings(quick)
    found = []
    for figure in CONFIGS:
        res = compute(
            figure,
            T=cfg["T"],
            n_runs=cfg["n_runs"],
            n_jobs=jobs,
            scheduler=scheduler,
            root_seed=0 if seed is None else seed,
        )
        draw(figure, res, Path(out) / figure)
        found += claims(figure, res)
    return found


try:
    from mdpkit.figures import register_figure
except ImportError:  # pragma: no cover - the figure registry is part of mdpkit
    register_figure = None

if register_figure is not None:
    # one registered figure (four PNG + CSV pairs); single configurations are available
    # through compute() / draw() without registering them (``reproduce all`` would run them twice)
    register_figure(
        "dynlin-ucb",
        paper="Mussi, Metelli, Restelli 2023 (ICML), Dynamical Linear Bandits",
        description="DynLin-UCB vs baselines: synthetic sigma in {0.001, 0.01, 0.1} "
        "and real-data-derived DLB, cumulative R_ss with bounds",
    )(reproduce_all)

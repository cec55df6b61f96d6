r"""Figures of Li, Huang, Shen, Yang, "Near-optimal Conservative Exploration in RL under
Episode-wise Constraints" (ICML 2023), spec ``/work/shared/specs/stepmix.md`` §d.

``mdpkit reproduce stepmix [--quick]`` writes, in ``OUT/stepmix/``:

1. ``regret`` — cumulative regret of StepMix, EpsMix, UCBVI, budget-conservative, naive
   switch and baseline-only (mean and bootstrap 95% band over seeds; log-log slopes;
   regret/√k), with the order-only T1 shape √(H³SAK) anchored at StepMix's first point
   (dashed), the tabular lower bound Ω(√(H³SAK)) (constant 1, dashed) and the exact
   baseline-only line K·(V* − V^b).
2. ``values`` — per-episode exact value V^{π_k}_1(s_1) of the deployed policy (mean and
   minimum over seeds) with V*, V^b and the threshold (1 − α)V^b.
3. ``violations`` — table (CSV + PNG): per algorithm, mean number of episodes with
   V^{π_k} < thr − 1e-9, fraction of runs with >= 1 violation, Reg(K) mean ± s.e., episodes
   not fully optimistic.
4. ``mixture`` — StepMix's continuous index h* + ρ (H = fully optimistic) and EpsMix's ε vs k.
5. ``learned_baseline`` — learned-baseline StepMix/EpsMix vs dataset size
   N ∈ {10², 10³, 10⁴, 10⁵}: Reg(K), violations, uncertified episodes.
6. ``sensitivity`` — table of Reg(K) and violations of StepMix, EpsMix and UCBVI over the
   spec's "also run" settings: env seeds 0–4; c ∈ {0.4, 0.6, 0.8} × α ∈ {0.05, 0.1, 0.2};
   δ = 0.01 (5 seeds of K = 20,000; ``--quick``: 2 seeds of K = 2,000).

Settings (§d, issue 4): S = 5, A = 5, H = 3, env_seed 0, V^b = 0.6 V*, α = 0.1, δ = 0.05,
bonus_scale = 1 (theory), K = 20,000, 20 seeds. ``--quick``: K = 2,000, 4 seeds (4 seeds of
K = 1,000 for the sweep). Results of the main runs are stored in ``OUT/stepmix/.store`` and
shared by figures 1–4.

Decisions: the spec asks for mean ± 1 s.e. bands; the library's plotting uses a bootstrap
95% band of the mean (about ± 2 s.e.), which is what is drawn; the s.e. is in the CSV of
the violation table. The headline K = 5·10⁴ of the spec is not the default (issue 4 fixes
K = 20,000).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mdpkit.bounds.stepmix import BASELINE_ONLY_REGRET, STEPMIX_REGRET, TABULAR_LOWER
from mdpkit.envs.conservative import conservative_instance
from mdpkit.experiments import Experiment, run
from mdpkit.figures import register_figure
from mdpkit.plotting import BoundCurve, regret_figure, save_figure

NAME = "stepmix"
ALPHA, DELTA = 0.1, 0.05
ENV = "conservative-synthetic"
ENV_PARAMS = {"env_seed": 0, "S": 5, "A": 5, "H": 3, "baseline_ratio": 0.6}
ALGORITHMS = [  # (label, learner)
    ("StepMix", "stepmix"),
    ("EpsMix", "epsmix"),
    ("UCBVI", "ucbvi-cons"),
    ("Budget-conservative", "budget-conservative"),
    ("Switch", "naive-switch"),
    ("Baseline only", "baseline-only"),
]
DATASET_SIZES = (100, 1000, 10000, 100000)


def settings(quick: bool) -> dict:
    if quick:
        return {"K": 2000, "n_seeds": 4, "K_sweep": 1000, "n_seeds_sweep": 4}
    return {"K": 20000, "n_seeds": 20, "K_sweep": 20000, "n_seeds_sweep": 20}


def _learner_params():
    return {"alpha": ALPHA, "delta": DELTA, "bonus": "hoeffding", "bonus_scale": 1.0}


def main_results(quick: bool = False, n_jobs: int = 1, scheduler=None, out=None) -> pd.DataFrame:
    """Long frame of the six algorithms (runner columns + value, lb, mix, constraint_ok...)."""
    cfg = settings(quick)
    store = None if out is None else Path(out) / ".store"
    frames = []
    for label, learner in ALGORITHMS:
        exp = Experiment(ENV, learner, cfg["K"], cfg["n_seeds"], root_seed=2023,
                         env_params=ENV_PARAMS, learner_params=_learner_params(), name=label)
        frames.append(run(exp, n_jobs=n_jobs, scheduler=scheduler, store=store, progress=False))
    return pd.concat(frames, ignore_index=True)


def _instance():
    return conservative_instance(ENV_PARAMS["env_seed"], ENV_PARAMS["S"], ENV_PARAMS["A"],
                                 ENV_PARAMS["H"], ENV_PARAMS["baseline_ratio"])


# ------------------------------------------------------------------------------- figures
def fig_regret(df: pd.DataFrame, path):
    inst = _instance()
    vals = {"S": ENV_PARAMS["S"], "A": ENV_PARAMS["A"], "H": ENV_PARAMS["H"]}
    gap = inst.optimal_value - inst.baseline_value
    K = int(df.k.max())
    # order-only T1 shape, scaled to pass through StepMix's mean Reg(K) (a slope guide)
    final = df[(df.algorithm == "StepMix") & (df.k == K)].cum_regret.mean()
    scale = final / STEPMIX_REGRET(K=K, **vals)
    bounds = [
        BoundCurve(lambda k: scale * STEPMIX_REGRET.curve(k, **vals),
                   "T1 shape sqrt(H^3SAK), fitted at K",
                   exact=False, algorithm="StepMix"),
        BoundCurve(lambda k: TABULAR_LOWER.curve(k, **vals), "lower bound sqrt(H^3SAK), const 1",
                   exact=False),
        BoundCurve(lambda k: BASELINE_ONLY_REGRET.curve(k, Delta_b=gap), "K(V*-V^b)",
                   exact=True, algorithm="Baseline only"),
    ]
    K = int(df.k.max())
    title = (f"Episode-wise conservative exploration: S=5, A=5, H=3, V^b/V*={inst.baseline_ratio:.2f}, "
             f"alpha={ALPHA}, delta={DELTA}, {df.seed.nunique()} seeds, K={K}\n"
             "StepMix rule max_h, order opt_first; Hoeffding bonus, bonus_scale 1 (theory); "
             "inhomogeneous P_h, H-step episodes; mean and bootstrap 95% band")
    return regret_figure(df, bounds, path=path, title=title)


def fig_values(df: pd.DataFrame, path, n_bins: int = 120):
    """Left: mean over seeds and over log-spaced bins of k; right: minimum over seeds and bin
    (a violation anywhere shows up on the right)."""
    from matplotlib.figure import Figure
    inst = _instance()
    thr = (1 - ALPHA) * inst.baseline_value
    K = int(df.k.max())
    edges = np.unique(np.geomspace(1, K + 1, n_bins + 1).astype(int))
    d = df[["algorithm", "k", "value"]].copy()
    d["bin"] = np.searchsorted(edges, d.k.to_numpy(), side="right") - 1
    g = d.groupby(["algorithm", "bin"], sort=False)
    data = g.agg(k_lo=("k", "min"), k_hi=("k", "max"), mean=("value", "mean"),
                 min=("value", "min")).reset_index()
    fig = Figure(figsize=(13, 4.6))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, col in zip(axes, ("mean", "min")):
        for alg, dd in data.groupby("algorithm", sort=False):
            ax.step(dd.k_hi, dd[col], where="post", lw=1, label=alg)
        for y, lab, st in ((inst.optimal_value, "V*", "-"), (inst.baseline_value, "V^b", "--"),
                           (thr, "threshold (1-alpha)V^b", ":")):
            ax.axhline(y, color="k", ls=st, lw=1, label=lab)
        ax.set_xscale("log")
        ax.set_xlabel("episode k")
        ax.set_title(f"{col} of V^(pi_k)_1(s_1) over seeds and log-bins of k")
    axes[0].set_ylabel("exact value of the deployed policy")
    axes[1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.subplots_adjust(right=0.83)
    data["V_star"], data["V_b"], data["threshold"] = inst.optimal_value, inst.baseline_value, thr
    save_figure(fig, data, path)
    return fig, data


def violation_table(df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for alg, d in df.groupby("algorithm", sort=False):
        per = d.groupby("seed").agg(viol=("constraint_ok", lambda x: int((x == 0).sum())),
                                    reg=("regret", "sum"),
                                    notfull=("fully_optimistic", lambda x: int((x == 0).sum())))
        n = len(per)
        rows.append({"algorithm": alg, "K": int(d.k.max()), "n_seeds": n,
                     "violations_mean": per.viol.mean(),
                     "runs_with_violation": float((per.viol > 0).mean()),
                     "regret_mean": per.reg.mean(),
                     "regret_se": per.reg.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan,
                     "not_fully_optimistic_mean": per.notfull.mean()})
    return pd.DataFrame(rows)


def fig_violations(df: pd.DataFrame, path):
    from matplotlib.figure import Figure
    tab = violation_table(df)
    fig = Figure(figsize=(11, 0.5 + 0.4 * len(tab)))
    ax = fig.subplots()
    ax.axis("off")
    shown = tab.copy()
    for c in ("violations_mean", "runs_with_violation", "regret_mean", "regret_se",
              "not_fully_optimistic_mean"):
        shown[c] = shown[c].map(lambda v: f"{v:.4g}")
    ax.table(cellText=shown.values, colLabels=list(shown.columns), loc="center", fontsize=8)
    save_figure(fig, tab, path)
    return fig, tab


def fig_mixture(df: pd.DataFrame, path):
    from matplotlib.figure import Figure
    H = ENV_PARAMS["H"]
    fig = Figure(figsize=(11, 4.4))
    axes = fig.subplots(1, 2)
    parts = []
    for ax, (alg, lab, scale) in zip(axes, (("StepMix", "h* + rho (H = fully optimistic)", H),
                                            ("EpsMix", "epsilon", 1.0))):
        d = df[df.algorithm == alg]
        g = d.groupby("k")
        m = g["mix"].mean()
        full = g["fully_optimistic"].mean()
        ax.plot(m.index, m.values / scale, lw=0.8, label=f"mean {lab}" + (" / H" if scale != 1 else ""))
        ax.plot(full.index, full.values, lw=0.8, label="fraction of runs fully optimistic")
        ax.axhline(ALPHA if alg == "EpsMix" else 0, color="k", ls=":", lw=1,
                   label="alpha (lower bound of epsilon)" if alg == "EpsMix" else None)
        ax.set_xscale("log")
        ax.set_xlabel("episode k")
        ax.set_title(alg)
        ax.legend(fontsize=7)
        parts.append(pd.DataFrame({"algorithm": alg, "k": m.index, "mix_mean": m.values,
                                   "fully_optimistic_fraction": full.values}))
    data = pd.concat(parts, ignore_index=True)
    save_figure(fig, data, path)
    return fig, data


def learned_sweep(quick: bool = False, n_jobs: int = 1, scheduler=None, out=None) -> pd.DataFrame:
    cfg = settings(quick)
    store = None if out is None else Path(out) / ".store"
    rows = []
    for base in ("stepmix", "epsmix"):
        for N in DATASET_SIZES:
            exp = Experiment(ENV, "stepmix-learned", cfg["K_sweep"], cfg["n_seeds_sweep"], root_seed=77,
                             env_params={**ENV_PARAMS, "dataset_size": N, "expose_baseline": False},
                             learner_params={**_learner_params(), "base": base},
                             name=f"learned-{base}-N{N}")
            d = run(exp, n_jobs=n_jobs, scheduler=scheduler, store=store, progress=False)
            per = d.groupby("seed").agg(reg=("regret", "sum"),
                                        viol=("constraint_ok", lambda x: int((x == 0).sum())),
                                        unc=("uncertified", "mean"))
            n = len(per)
            rows.append({"base": base, "N": N, "K": cfg["K_sweep"], "n_seeds": n,
                         "regret_mean": per.reg.mean(), "regret_se": per.reg.std(ddof=1) / np.sqrt(n),
                         "violations_mean": per.viol.mean(),
                         "runs_with_violation": float((per.viol > 0).mean()),
                         "uncertified_fraction": per.unc.mean()})
    return pd.DataFrame(rows)


def fig_learned(quick=False, n_jobs=1, scheduler=None, out=None, path=None):
    from matplotlib.figure import Figure
    tab = learned_sweep(quick, n_jobs, scheduler, out)
    fig = Figure(figsize=(13, 4.2))
    axes = fig.subplots(1, 3)
    for base, d in tab.groupby("base", sort=False):
        axes[0].errorbar(d.N, d.regret_mean, yerr=d.regret_se, marker="o", label=f"learned {base}")
        axes[1].plot(d.N, d.runs_with_violation, marker="o", label=f"learned {base}")
        axes[2].plot(d.N, d.uncertified_fraction, marker="o", label=f"learned {base}")
    axes[1].axhline(DELTA, color="k", ls=":", lw=1, label="delta")
    for ax, t in zip(axes, ("Reg(K)", "fraction of runs with a violation", "uncertified episodes")):
        ax.set_xscale("log")
        ax.set_xlabel("dataset size N (trajectories of pi^beta)")
        ax.set_title(t)
        ax.legend(fontsize=7)
    if path is not None:
        save_figure(fig, tab, path)
    return fig, tab


SENSITIVITY = (  # (label, env overrides, learner overrides): spec §d "also run" settings
    [(f"env_seed={s}", {"env_seed": s}, {}) for s in range(5)]
    + [(f"c={c}, alpha={a}", {"baseline_ratio": c}, {"alpha": a})
       for c in (0.4, 0.6, 0.8) for a in (0.05, 0.1, 0.2) if (c, a) != (0.6, 0.1)]
    + [("delta=0.01", {}, {"delta": 0.01})]
)
SENSITIVITY_ALGS = (("StepMix", "stepmix"), ("EpsMix", "epsmix"), ("UCBVI", "ucbvi-cons"))


def sensitivity(quick: bool = False, n_jobs: int = 1, scheduler=None, out=None) -> pd.DataFrame:
    """Reg(K), violations and not-fully-optimistic episodes over the §d "also run" settings."""
    K, n_seeds = (2000, 2) if quick else (20000, 5)
    store = None if out is None else Path(out) / ".store"
    rows = []
    for label, env_over, ln_over in SENSITIVITY:
        env_params = {**ENV_PARAMS, **env_over}
        params = {**_learner_params(), **ln_over}
        inst = conservative_instance(env_params["env_seed"], env_params["S"], env_params["A"],
                                     env_params["H"], env_params["baseline_ratio"])
        for alg, learner in SENSITIVITY_ALGS:
            exp = Experiment(ENV, learner, K, n_seeds, root_seed=11, env_params=env_params,
                             learner_params=params, name=alg)
            d = run(exp, n_jobs=n_jobs, scheduler=scheduler, store=store, progress=False)
            per = d.groupby("seed").agg(reg=("regret", "sum"),
                                        viol=("constraint_ok", lambda x: int((x == 0).sum())),
                                        nf=("fully_optimistic", lambda x: int((x == 0).sum())))
            rows.append({"setting": label, "algorithm": alg, "K": K, "n_seeds": len(per),
                         "V_b_over_V_star": inst.baseline_ratio, "alpha": params["alpha"],
                         "delta": params["delta"], "regret_mean": per.reg.mean(),
                         "violations_mean": per.viol.mean(),
                         "runs_with_violation": float((per.viol > 0).mean()),
                         "not_fully_optimistic_mean": per.nf.mean()})
    return pd.DataFrame(rows)


def fig_sensitivity(quick=False, n_jobs=1, scheduler=None, out=None, path=None):
    from matplotlib.figure import Figure
    tab = sensitivity(quick, n_jobs, scheduler, out)
    wide = tab.pivot_table(index="setting", columns="algorithm",
                           values=["regret_mean", "violations_mean"], sort=False)
    fig = Figure(figsize=(12, 0.6 + 0.32 * len(wide)))
    ax = fig.subplots()
    ax.axis("off")
    cells = [[f"{v:.4g}" for v in row] for row in wide.to_numpy()]
    cols = [f"{a}: {'Reg(K)' if m == 'regret_mean' else 'violations'}" for m, a in wide.columns]
    ax.table(cellText=cells, rowLabels=list(wide.index), colLabels=cols, loc="center", fontsize=7)
    if path is not None:
        save_figure(fig, tab, path)
    return fig, tab


def reproduce(out, quick: bool = False, n_jobs: int = 1, scheduler=None) -> list[Path]:
    """All five figures into ``out`` (a directory); returns the PNG paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    df = main_results(quick, n_jobs, scheduler, out)
    fig_regret(df, out / "regret")
    fig_values(df, out / "values")
    fig_violations(df, out / "violations")
    fig_mixture(df, out / "mixture")
    fig_learned(quick, n_jobs, scheduler, out, out / "learned_baseline")
    fig_sensitivity(quick, n_jobs, scheduler, out, out / "sensitivity")
    return [out / f"{n}.png" for n in ("regret", "values", "violations", "mixture",
                                       "learned_baseline", "sensitivity")]


@register_figure(NAME, paper="Li, Huang, Shen, Yang, ICML 2023 (arXiv:2306.06265)",
                 description="StepMix/EpsMix vs UCBVI, budget, switch, baseline: regret, values, "
                             "violations, mixture trace, learned-baseline sweep")
def stepmix_figures(quick: bool, jobs: int, scheduler, out: Path) -> None:
    """StepMix/EpsMix episode-wise conservative exploration: the five figures of spec §d."""
    reproduce(out, quick=quick, n_jobs=jobs, scheduler=scheduler)


if __name__ == "__main__":  # pragma: no cover
    import argparse
    import time
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--out", default="figures_out/stepmix")
    a = p.parse_args()
    t0 = time.time()
    reproduce(a.out, a.quick, a.jobs)
    print(f"done in {time.time() - t0:.1f} s")

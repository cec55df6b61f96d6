r"""Figure ``linear-mixture``: reward-free sample complexity in linear mixture MDPs
(Zhang, Zhang, Gu, ICML 2023; the paper has no experiments: both experiments are designed,
see ``docs/papers/linear-mixture.md``, "Figures").

``mdpkit reproduce linear-mixture [--quick]`` writes ``OUT/linear-mixture/``:

* ``e1.png`` / ``e1.csv`` -- E1, ``K_hat(eps)`` on the lower-bound instance
  ``HardLM(d, H = 10, Delta, mu)`` (delta0 = 1/2, ``Delta = 2 eps H/((H-1)(d-1))``, so
  eps-optimal = at most a quarter of the d-1 signs wrong), against ``d - 1`` and ``1/eps``,
  with fitted slopes, the ``d^2/eps^2`` shape (order only, anchored at the grid's smallest
  cell by the rule "constant 0.01", not fitted) and the theorem's bound value as an
  annotation (off-scale). Series: HF-UCRL-RFE++ and the uniform floor (on this instance
  uniform +-1 actions are a near-optimal design).
* ``e2.png`` / ``e2.csv`` -- E2, ``K_hat(eps2)`` vs H on ``RandLM(S=6, A=3, d=4)`` with the
  slow corridor, HF-UCRL-RFE++ against the H-dependent UCRL-RFE and UCRL-RFE+ and the
  uniform floor, fitted slopes in log H; second panel: worst-gap curves at the smallest
  and largest H.

``K_hat(eps)`` = first half-octave checkpoint from which the seed-mean worst planning gap
(exact, over the evaluation rewards, disjoint from the oracle's reward dictionary) stays
``<= eps``; right-censored at ``K_max`` (marked). Every radius uses the same ``c_beta``.

* ``e3.png`` / ``e3.csv`` -- E3, regret of HF-UCRL-VTR+ and UCRL-VTR+ on HardLM(d=4, H,
  Delta=0.1) with the task reward (total <= 1 for both), cumulative regret and
  ``Regret(K)/(d sqrt K)`` across H; ``c_beta = 0.001`` for both (with larger radii the
  optimistic values saturate at 1 and the lowest-index action is played for hundreds of
  episodes).

Reduced grid (compute budget, stated in the captions): E1 d in {3..7} (quick {3, 4, 5}),
eps in {0.1, 0.05, 0.025} (quick {0.1, 0.05}), K_max = 2^11 (quick 2^10), 6 seeds (quick
3), replan_every = 32, |R_dict| = 8; E2 H in {5, 20, 80} (quick {5, 40}), K_max = 2^11
(quick 2^9), 6 seeds (quick 3), replan_every = 32, |R_dict| = 8, eps2 = 0.01: on RandLM the
worst gap is already below the spec's 0.1 at the first checkpoint for every algorithm, so
0.1 cannot separate anything. ``c_beta = 0.01`` in both. E3 H in {10, 50, 200} (quick
{10, 50}), K = 2^11 (quick 2^9), 4 seeds (quick 2).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mdpkit.figures import register_figure
from mdpkit.plotting import DPI, legend_below, style, wrap

NAME = "linear-mixture"
PAPER = "Zhang, Zhang, Gu, ICML 2023 (arXiv:2303.10165); baselines Zhou & Gu 2022, Zhou, Gu, Szepesvari 2021"
C_BETA = 0.01
E1_H = 10


def settings(quick: bool) -> dict:
    if quick:
        return dict(e1_d=[3, 4, 5], e1_eps=[0.1, 0.05], e1_K=2 ** 10, e1_seeds=3,
                    e2_H=[5, 40], e2_K=2 ** 9, e2_seeds=3, e2_eps=0.01, replan=32, n_dict=8,
                    e3_H=[10, 50], e3_K=2 ** 9, e3_seeds=2)
    return dict(e1_d=[3, 4, 5, 6, 7], e1_eps=[0.1, 0.05, 0.025], e1_K=2 ** 11, e1_seeds=6,
                e2_H=[5, 20, 80], e2_K=2 ** 11, e2_seeds=6, e2_eps=0.01, replan=32, n_dict=8,
                e3_H=[10, 50, 200], e3_K=2 ** 11, e3_seeds=4)


def tiny_settings() -> dict:
    """Smallest settings that exercise every code path (tests; no claim is expected to hold):
    two values per swept axis (the slopes need two), K_max = 32 (5 checkpoints, replanning
    every 8 episodes), 1 seed."""
    return dict(e1_d=[3, 4], e1_eps=[0.1, 0.05], e1_K=2 ** 5, e1_seeds=1,
                e2_H=[5, 10], e2_K=2 ** 5, e2_seeds=1, e2_eps=0.01, replan=8, n_dict=8,
                e3_H=[10, 20], e3_K=2 ** 5, e3_seeds=1)


# ------------------------------------------------------------------ factories (picklable)
class _HardModel:
    def __init__(self, d, eps):
        self.d, self.eps = d, eps

    def __call__(self, rng):
        from mdpkit.models.linear_mixture import hard_lm
        Delta = 2 * self.eps * E1_H / ((E1_H - 1) * (self.d - 1))
        return hard_lm(self.d, E1_H, Delta, rng=rng)[0]


def _hard_R_eval(model, rng):
    H, S, A = model.H, model.S, model.A
    task = np.zeros((H, S, A))
    task[:, 2] = 1.0 / H
    anti = np.zeros((H, S, A))
    anti[:, 1] = 1.0 / H
    ws = rng.random(6)
    return np.array([task, anti] + [w * task + (1 - w) * anti for w in ws])


def _hard_dict(model, n, rng):
    from mdpkit.algorithms.linear_mixture.common import reward_dictionary
    d = model.d
    acts = np.array([[1.0 if (i >> j) & 1 else -1.0 for j in range(d - 1)] for i in range(model.A)])
    sets = [acts[:, j] > 0 for j in range(d - 1)]
    # action-set indicators (at most half the dictionary), then random dense g(s, a)/H: the
    # dense members give pseudo values that differ between x2 and x3 (informative targets)
    return reward_dictionary(model, n, rng, state_indicators=False, terminal_indicators=False,
                             action_sets=sets[:n // 2])


class _Explorer:
    def __init__(self, alg, n_dict, replan, hard):
        self.alg, self.n_dict, self.replan, self.hard = alg, n_dict, replan, hard

    def __call__(self, model, K, rng):
        from mdpkit.algorithms.linear_mixture import HFUCRLRFE, UCRLRFE, UCRLRFEPlus, UniformVTR
        from mdpkit.algorithms.linear_mixture.common import reward_dictionary
        if self.alg == "HF-UCRL-RFE++":
            rd = _hard_dict(model, self.n_dict, rng) if self.hard else \
                reward_dictionary(model, self.n_dict, rng, terminal_indicators=False)
            return HFUCRLRFE(model, K, rng, rdict=rd, c_beta=C_BETA, replan_every=self.replan)
        if self.alg == "UCRL-RFE":
            return UCRLRFE(model, K, rng, c_beta=C_BETA, replan_every=self.replan)
        if self.alg == "UCRL-RFE+":
            return UCRLRFEPlus(model, K, rng, c_beta=C_BETA, replan_every=self.replan)
        return UniformVTR(model, K, rng, target=2 if self.hard else "cycle")


class _RandModel:
    def __init__(self, H):
        self.H = H

    def __call__(self, rng):
        from mdpkit.models.linear_mixture import rand_lm
        return rand_lm(6, 3, 4, self.H, rng=rng)


def _rand_R_eval(model, rng):
    H, S, A = model.H, model.S, model.A
    out = [rng.random((S, A))[None].repeat(H, 0) / H for _ in range(8)]
    for _ in range(8):
        r = np.zeros((H, S, A))
        r[H - 1] = rng.random(S)[:, None]
        out.append(r)
    return np.array(out)


# ------------------------------------------------------------------ experiments
def run_e1(cfg: dict, jobs: int = 1):
    from mdpkit.algorithms.linear_mixture.sample_complexity import checkpoints, k_hat, measure
    grid = checkpoints(cfg["e1_K"])
    rows, curves = [], []
    for alg in ("HF-UCRL-RFE++", "uniform floor"):
        for d in cfg["e1_d"]:
            for eps in cfg["e1_eps"]:
                G = measure(_HardModel(d, eps), _Explorer(alg, cfg["n_dict"], cfg["replan"], True),
                            _hard_R_eval, grid, cfg["e1_seeds"], root_seed=1000 * d + int(1000 * eps),
                            n_jobs=jobs)
                kh, cens = k_hat(G.mean(0), grid, eps)
                rows.append(dict(alg=alg, d=d, eps=eps, K_hat=kh, censored=cens))
                curves.append(dict(alg=alg, d=d, eps=eps, K=grid, gap=G.mean(0)))
    return pd.DataFrame(rows), curves


def run_e2(cfg: dict, jobs: int = 1):
    from mdpkit.algorithms.linear_mixture.sample_complexity import checkpoints, k_hat, measure
    grid = checkpoints(cfg["e2_K"])
    rows, curves = [], []
    for alg in ("HF-UCRL-RFE++", "UCRL-RFE", "UCRL-RFE+", "uniform floor"):
        for H in cfg["e2_H"]:
            G = measure(_RandModel(H), _Explorer(alg, cfg["n_dict"], cfg["replan"], False),
                        _rand_R_eval, grid, cfg["e2_seeds"], root_seed=7 + H, n_jobs=jobs)
            kh, cens = k_hat(G.mean(0), grid, cfg["e2_eps"])
            rows.append(dict(alg=alg, H=H, K_hat=kh, censored=cens))
            curves.append(dict(alg=alg, H=H, K=grid, gap=G.mean(0)))
    return pd.DataFrame(rows), curves


def slopes_e1(df: pd.DataFrame, alg: str) -> tuple[float, float]:
    """Mean over eps of the slope of log K_hat on log(d-1); mean over d of the slope on
    log(1/eps)."""
    from mdpkit.algorithms.linear_mixture.sample_complexity import fit_slope
    sub = df[df.alg == alg]
    sd = [fit_slope(g.d - 1, g.K_hat) for _, g in sub.groupby("eps") if len(g) > 1]
    se = [fit_slope(1 / g.eps, g.K_hat) for _, g in sub.groupby("d") if len(g) > 1]
    return float(np.mean(sd)), float(np.mean(se))


def slope_e2(df: pd.DataFrame, alg: str) -> float:
    from mdpkit.algorithms.linear_mixture.sample_complexity import fit_slope
    sub = df[df.alg == alg]
    return fit_slope(sub.H, sub.K_hat)


E3_D, E3_DELTA, E3_C_BETA = 4, 0.1, 0.001


def run_e3(cfg: dict, jobs: int = 1, scheduler=None):
    """Regret of HF-UCRL-VTR+ and UCRL-VTR+ on HardLM(d=4, H, Delta=0.1), task reward
    1{s = x3}/H (total <= 1 for both), via the runner."""
    from mdpkit.experiments import Experiment, run
    rows, frames = [], []
    K = cfg["e3_K"]
    for name, label in (("hf-ucrl-vtr-plus", "HF-UCRL-VTR+"), ("ucrl-vtr-plus", "UCRL-VTR+")):
        for H in cfg["e3_H"]:
            ex = Experiment("linear-mixture", name, K, cfg["e3_seeds"], root_seed=2022 + H,
                            env_params={"family": "hard", "H": H, "d": E3_D, "Delta": E3_DELTA,
                                        "mdp_seed": 0},
                            learner_params={"c_beta": E3_C_BETA})
            df = run(ex, n_jobs=jobs, scheduler=scheduler, progress=False)
            fin = df[df.k == K].cum_regret
            rows.append(dict(alg=label, H=H, regret=float(fin.mean()),
                             normalised=float(fin.mean() / (E3_D * np.sqrt(K)))))
            df = df.assign(alg=label, H=H)
            frames.append(df.groupby("k", as_index=False).cum_regret.mean().assign(alg=label, H=H))
    return pd.DataFrame(rows), pd.concat(frames, ignore_index=True)


@style()  # house style (fonts >= 9 pt) for the whole drawing
def draw_e3(df, curves, cfg, path):
    fig = Figure(figsize=(11, 5.6), layout="constrained")
    axs = fig.subplots(1, 2)
    for (alg, H), g in curves.groupby(["alg", "H"]):
        axs[0].plot(g.k, g.cum_regret, label=f"{alg} H={H}")
    axs[0].set_xlabel("episode k")
    axs[0].set_ylabel("cumulative regret (seed mean)")
    for alg, g in df.groupby("alg"):
        axs[1].plot(g.H, g.normalised, marker="o", label=alg)
    axs[1].set_xscale("log")
    axs[1].set_xlabel("H")
    axs[1].set_ylabel("Regret(K) / (d sqrt K)")
    fig.suptitle(wrap(f"E3: HardLM(d={E3_D}, H, Delta={E3_DELTA}), task reward 1{{s=x3}}/H (total <= 1 "
                      f"for both), c_beta={E3_C_BETA} for both, K={cfg['e3_K']}, {cfg['e3_seeds']} "
                      "seeds; reduced grid", 130), fontsize=10)
    legend_below(fig, axs, ncols=3)
    fig.savefig(path, dpi=DPI)


# ------------------------------------------------------------------ drawing
@style()  # house style (fonts >= 9 pt) for the whole drawing
def draw_e1(df, cfg, path):
    from mdpkit.bounds.linear_mixture import HF_RFE_UPPER
    fig = Figure(figsize=(11, 5.6), layout="constrained")
    axs = fig.subplots(1, 2)
    for alg, ls in (("HF-UCRL-RFE++", "-"), ("uniform floor", "--")):
        sub = df[df.alg == alg]
        for eps, g in sub.groupby("eps"):
            l, = axs[0].plot(g.d - 1, g.K_hat, ls, marker="o", label=f"{alg}, eps={eps}")
            c = g[g.censored]
            axs[0].plot(c.d - 1, c.K_hat, "x", color=l.get_color(), ms=10)
        for d, g in sub.groupby("d"):
            l, = axs[1].plot(1 / g.eps, g.K_hat, ls, marker="o", label=f"{alg}, d={d}")
            c = g[g.censored]
            axs[1].plot(1 / c.eps, c.K_hat, "x", color=l.get_color(), ms=10)
    dm = np.array(sorted(df.d.unique()), float)
    em = float(min(df.eps))
    axs[0].plot(dm - 1, 0.01 * (dm - 1) ** 2 / em ** 2, "k:", label="0.01 (d-1)^2/eps^2 (order only, eps min)")
    ev = np.array(sorted(df.eps.unique()))
    axs[1].plot(1 / ev, 0.01 * (max(dm) - 1) ** 2 / ev ** 2, "k:", label="0.01 (d-1)^2/eps^2 (order only, d max)")
    ub = HF_RFE_UPPER(eps=em, d=float(max(dm)), H=E1_H, K=cfg["e1_K"], delta=0.05, B=2.0)
    axs[0].annotate(f"theorem bound m(eps={em}, d={int(max(dm))}) = {ub:.1e} (off-scale)",
                    xy=(0.02, 0.97), xycoords="axes fraction", va="top", color="gray")
    for ax, xl in zip(axs, ("d - 1", "1/eps")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xl)
        ax.set_ylabel("K_hat(eps) (episodes)")
    fig.suptitle(wrap(f"E1: HardLM(d, H={E1_H}, Delta = 2 eps H/((H-1)(d-1))), delta0=1/2, "
                      f"c_beta={C_BETA}, {cfg['e1_seeds']} seeds, K_max={cfg['e1_K']} (x = censored); "
                      "reduced grid. Uniform +-1 actions are a near-optimal design here.", 130),
                 fontsize=10)
    legend_below(fig, axs, ncols=3)
    fig.savefig(path, dpi=DPI)


@style()  # house style (fonts >= 9 pt) for the whole drawing
def draw_e2(df, curves, cfg, path):
    fig = Figure(figsize=(11, 5.6), layout="constrained")
    axs = fig.subplots(1, 2)
    colors = {a: f"C{i}" for i, a in enumerate(sorted(df.alg.unique()))}
    for alg, g in df.groupby("alg"):
        l, = axs[0].plot(g.H, g.K_hat, marker="o", color=colors[alg],
                         label=f"{alg} (slope {slope_e2(df, alg):.2f})")
        c = g[g.censored]
        axs[0].plot(c.H, c.K_hat, "x", color=l.get_color(), ms=10)
    axs[0].set_xscale("log")
    axs[0].set_yscale("log")
    axs[0].set_xlabel("H")
    axs[0].set_ylabel(f"K_hat({cfg['e2_eps']})")
    Hs = (min(cfg["e2_H"]), max(cfg["e2_H"]))
    for c in curves:
        if c["H"] in Hs:
            axs[1].plot(c["K"], np.maximum(c["gap"], 1e-6), ls="-" if c["H"] == Hs[0] else "--",
                        color=colors[c["alg"]], label=f"{c['alg']} H={c['H']}")
    axs[1].axhline(cfg["e2_eps"], color="k", lw=0.6)
    axs[1].set_xscale("log")
    axs[1].set_yscale("log")
    axs[1].set_xlabel("exploration episodes K")
    axs[1].set_ylabel("seed-mean worst gap over R_eval")
    fig.suptitle(wrap(f"E2: RandLM(S=6, A=3, d=4) + slow corridor, c_beta={C_BETA} for all, "
                      f"{cfg['e2_seeds']} seeds, K_max={cfg['e2_K']}, eps={cfg['e2_eps']} "
                      "(spec's 0.1 is met at the first checkpoint); reduced grid", 130), fontsize=10)
    legend_below(fig, axs, ncols=3)
    fig.savefig(path, dpi=DPI)


# ------------------------------------------------------------------ claims
def claims(e1: pd.DataFrame, e2: pd.DataFrame, e3: pd.DataFrame | None = None) -> list[dict]:
    out = []
    sd, se = slopes_e1(e1, "HF-UCRL-RFE++")
    out.append(dict(claim="E1: HF-UCRL-RFE++ K_hat slope in (d-1) is 2 +- 0.5 (d^2 scaling)",
                    measured=abs(sd - 2), threshold=0.5, verdict=bool(abs(sd - 2) <= 0.5),
                    figure="e1"))
    out.append(dict(claim="E1: HF-UCRL-RFE++ K_hat slope in 1/eps is 2 +- 0.4 (eps^-2 scaling)",
                    measured=abs(se - 2), threshold=0.4, verdict=bool(abs(se - 2) <= 0.4),
                    figure="e1"))
    ratio = float(np.min(e1.K_hat / ((e1.d - 1) ** 2 / e1.eps ** 2)))
    out.append(dict(claim="E1: every algorithm needs K_hat >= 0.01 (d-1)^2/eps^2 (lower bound)",
                    measured=ratio, threshold=0.01, verdict=bool(ratio >= 0.01), figure="e1"))
    s_hf = slope_e2(e2, "HF-UCRL-RFE++")
    out.append(dict(claim="E2: HF-UCRL-RFE++ K_hat slope in log H <= 0.3 (horizon-free)",
                    measured=s_hf, threshold=0.3, verdict=bool(s_hf <= 0.3), figure="e2"))
    s_b = min(slope_e2(e2, "UCRL-RFE"), slope_e2(e2, "UCRL-RFE+"))
    out.append(dict(claim="E2: H-dependent baselines steeper in log H than HF-UCRL-RFE++ (by >= 0.2)",
                    measured=s_b - s_hf, threshold=0.2, verdict=bool(s_b - s_hf >= 0.2), figure="e2"))
    if e3 is not None:
        from mdpkit.algorithms.linear_mixture.sample_complexity import fit_slope
        g = e3[e3.alg == "HF-UCRL-VTR+"]
        sl = fit_slope(g.H, np.maximum(g.regret, 1e-9))
        out.append(dict(claim="E3: HF-UCRL-VTR+ Regret(K) flat in H (|slope in log H| <= 0.3)",
                        measured=abs(sl), threshold=0.3, verdict=bool(abs(sl) <= 0.3), figure="e3"))
    return out


@register_figure(NAME, paper=PAPER,
                 description="Reward-free sample complexity: d^2/eps^2 scaling (E1), horizon-freeness (E2)")
def linear_mixture(quick: bool, jobs: int, scheduler, out: Path) -> list:
    """Reward-free sample complexity: d^2/eps^2 scaling (E1), horizon-freeness (E2)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = settings(quick)
    e1, _ = run_e1(cfg, jobs)
    e1.to_csv(out / "e1.csv", index=False)
    draw_e1(e1, cfg, out / "e1.png")
    e2, curves = run_e2(cfg, jobs)
    e2.to_csv(out / "e2.csv", index=False)
    draw_e2(e2, curves, cfg, out / "e2.png")
    e3, c3 = run_e3(cfg, jobs, scheduler)
    e3.to_csv(out / "e3.csv", index=False)
    draw_e3(e3, c3, cfg, out / "e3.png")
    return claims(e1, e2, e3)

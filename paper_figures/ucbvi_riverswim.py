r"""Figure ``ucbvi-riverswim``: UCBVI-CH, UCBVI-BF (Azar, Osband, Munos 2017) and PSRL
(Osband, Russo, Van Roy 2013) on RiverSwim, with their bounds (spec
``classical_baselines.md`` 2.1, 2.3 and 5).

``mdpkit reproduce ucbvi-riverswim [--quick]`` writes ``OUT/ucbvi-riverswim/regret.png``
and ``regret.csv``: cumulative regret (mean, bootstrap 95% band over seeds), log-log regret
with the fitted slope over the last decade, and regret/sqrt(K).

Setting: RiverSwim (:func:`mdpkit.models.generators.riverswim`) with S = 6, A = 2,
horizon H = 20, start at the left bank, known deterministic rewards, one transition
kernel for all steps (homogeneous, the setting of UCBVI's Thm 1); H-step, non-normalised
values; T = K H steps. Regret is exact per episode (V*_0(s_0) - V^{pi_k}_0(s_0)).

Series
------
* UCBVI-CH and UCBVI-BF with the paper's constants ("theory", ``bonus_scale = 1``,
  delta = 0.1): their bonus stays above H for millions of visits at this L, so they keep
  exploring and their regret is linear over the plotted K; that is what the theory
  constants do on this instance.
* The same algorithms with "tuned" bonus scales (CH x 0.002, BF x 0.01), labelled as such
  (spec 6: theory and tuned are separate named configurations).
* PSRL (Dirichlet(1) prior, known rewards). Its reference curve is Bayesian (averaged over
  the prior), whereas this is the regret on one fixed MDP over seeds: the curve is a shape
  guide only.

Bounds drawn: UCBVI-CH Thm 1 with the exact constants (solid; it exceeds K H here, so it
is above the linear panels' range and visible on the log-log panel); UCBVI-BF's order
sqrt(HSAT) + H^2 S^2 A + H sqrt(T) with constant 1 (dashed; not anchored, because its
K-independent H^2 S^2 A term would make an anchored guide flat); PSRL's order
tau S sqrt(A T log(SAT)) (dashed, anchored at PSRL's first point, a slope guide); the
homogeneous minimax lower bound sqrt(H^2 S A K) with constant 1 (dashed; a worst case over
MDPs, so an easy instance like this one may lie below it).

Settings: full K = 10,000, 20 seeds; ``--quick`` K = 1,500, 4 seeds (< 1 min on one core).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from mdpkit.bounds import PSRL as PSRL_BOUND
from mdpkit.bounds import TABULAR_LOWER_HOMOGENEOUS, UCBVI_BF, UCBVI_CH
from mdpkit.experiments import Experiment, run
from mdpkit.figures import register_figure
from mdpkit.plotting import BoundCurve, regret_figure

NAME = "ucbvi-riverswim"
S, A, H, DELTA = 6, 2, 20, 0.1
ENV, ENV_PARAMS = "riverswim", {"S": S, "horizon": H}
SERIES = [  # (label, learner, learner params)
    ("CH theory", "ucbvi-ch", {"delta": DELTA}),
    ("BF theory", "ucbvi-bf", {"delta": DELTA}),
    ("CH tuned x0.002", "ucbvi-ch", {"delta": DELTA, "bonus_scale": 0.002}),
    ("BF tuned x0.01", "ucbvi-bf", {"delta": DELTA, "bonus_scale": 0.01}),
    ("PSRL", "psrl", {}),
]


def settings(quick: bool) -> dict:
    return {"K": 1500, "n_seeds": 4} if quick else {"K": 10_000, "n_seeds": 20}


def results(quick: bool = False, n_jobs: int = 1, scheduler=None, store=None) -> pd.DataFrame:
    """Long result frame of the five series (runner columns)."""
    cfg = settings(quick)
    frames = []
    for label, learner, params in SERIES:
        ex = Experiment(ENV, learner, cfg["K"], cfg["n_seeds"], root_seed=2017,
                        env_params=ENV_PARAMS, learner_params=params, name=label)
        frames.append(run(ex, n_jobs=n_jobs, scheduler=scheduler, store=store, progress=False))
    return pd.concat(frames, ignore_index=True)


def bounds() -> list:
    vals = {"S": S, "A": A, "H": H}
    return [
        BoundCurve.from_bound(UCBVI_CH, label="CH Thm 1 (exact)", algorithm="CH theory",
                              delta=DELTA, **vals),
        BoundCurve.from_bound(UCBVI_BF, label="BF Thm 2 order, constant 1",
                              algorithm="BF theory", **vals),
        BoundCurve.from_bound(PSRL_BOUND, label="PSRL order (Bayesian), anchored",
                              algorithm="PSRL", anchor="data", **vals),
        BoundCurve.from_bound(TABULAR_LOWER_HOMOGENEOUS, label="lower sqrt(H^2SAK), constant 1",
                              **vals),
    ]


@register_figure(NAME, paper="Azar, Osband, Munos 2017; Osband, Russo, Van Roy 2013",
                 description="UCBVI-CH, UCBVI-BF and PSRL on RiverSwim with their bounds")
def ucbvi_riverswim(quick: bool, jobs: int, scheduler, out: Path) -> None:
    """UCBVI-CH, UCBVI-BF and PSRL on RiverSwim with their bounds."""
    df = results(quick, n_jobs=jobs, scheduler=scheduler, store=Path(out) / ".store")
    cfg = settings(quick)
    title = (f"RiverSwim S={S}, A={A}, H={H} (homogeneous, H-step, T=KH); "
             f"{cfg['n_seeds']} seeds, mean and bootstrap 95% band")
    regret_figure(df, bounds(), path=Path(out) / "regret", title=title)

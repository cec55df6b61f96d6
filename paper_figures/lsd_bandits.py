r"""Figures of "Last Switch Dependent Bandits with Monotone Payoff Functions" (Foussoul,
Goyal, Papadigenopoulos, Zeevi, ICML 2023) and the model paper of Laforgue, Clerici,
Cesa-Bianchi, Gilad-Bachrach (AISTATS 2022).

Paper page: ``docs/papers/lsd-bandits.md`` (section "Figures"). The main paper has no
experiment that could be read; ``mdpkit reproduce lsd-bandits`` runs the testbed's four
experiments and writes four PNG + CSV pairs into ``OUT/lsd-bandits/``:

* ``relaxation``: LP* vs g* on random monotone instances, and the relaxation bound
  ``OPT_T <= (T + M) LP*`` over (instance, T) pairs, monotone and not;
* ``ratios``: histograms over >= 100 random monotone instances of ALG/g* and ALG/LP* for the
  rounding (independent and correlated phases), oracle greedy and always-best-steady
  (T = 400, 15 runs per instance), plus the greedy-trap family (M = 3, 4, 5; T = 600);
* ``learning``: ``Reg_FI(T)/T`` vs T (log-log) for LP-UCB (and explore-then-commit) against
  the full-information planner, k = M = 3, T in {2e3, 8e3, 3.2e4}, B = 4 ceil(T^(1/3));
* ``laforgue``: cumulative reward vs t of CombUCB1, ISI-CombUCB1, oracle greedy and LP-UCB
  (no envelope) on Laforgue et al.'s two instances.

ALG in the ratio experiment is the sum of the *mean* payoffs of the actions taken (exact
given the actions, no Bernoulli noise). In the learning experiment the regret against the
full-information counterpart is the difference of mean payoffs of two runner experiments
with the same root seed (same environment and learner streams: common random numbers).

``run`` returns the claims (``claim, measured, threshold, verdict, figure``). Its
``seed`` (``mdpkit reproduce lsd-bandits --seed N``) mixes ``N`` into every root seed of the
figure (instance draws, rounding and greedy streams, runner experiments); the default
(None) keeps the root seeds of the shipped figure.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from mdpkit.plotting import style

__all__ = [
    "settings",
    "tiny_settings",
    "relaxation_data",
    "ratio_data",
    "learning_data",
    "laforgue_data",
    "run",
]

PAPER = (
    "Foussoul, Goyal, Papadigenopoulos, Zeevi 2023 (ICML), Last Switch Dependent Bandits "
    "with Monotone Payoff Functions; Laforgue et al. 2022 (AISTATS)"
)

#: numbers of a design prototype of this reconstruction (measured before this implementation,
#: other instance draws; not paper numbers), shown beside ours
PROTOTYPE = {
    "ratio_independent": {"min": 0.43, "p5": 0.61, "median": 0.72},
    "ratio_correlated": {"min": 0.20, "p5": 0.54, "median": 0.78},
    "greedy_trap": {3: (0.475, 0.401, 0.288), 4: (0.440, 0.356, 0.275), 5: (0.417, 0.334, 0.269)},
    "reg_fi": {0: (0.068, 0.026, 0.009), 2: (0.068, 0.027, 0.005)},
}


def settings(quick: bool) -> dict:
    """Full: 30 + 30 relaxation instances, 120 ratio instances x 15 runs, 3 learning
    instances x 8 runs, 10 Laforgue runs. Quick: 8 + 8, 24 x 6, 1 x 2, 2."""
    if quick:
        return dict(
            n_relax=8,
            n_ratio=24,
            ratio_runs=6,
            learn_instances=(0,),
            learn_runs=2,
            learn_T=(2000, 8000, 32000),
            etc=False,
            laf_runs=2,
        )
    return dict(
        n_relax=30,
        n_ratio=120,
        ratio_runs=15,
        learn_instances=(0, 1, 2),
        learn_runs=8,
        learn_T=(2000, 8000, 32000),
        etc=True,
        laf_runs=10,
    )


def tiny_settings() -> dict:
    """Smallest settings that exercise every code path (tests; no claim is expected to hold):
    1 + 1 relaxation instances, 2 ratio instances x 1 run, 1 learning instance x 2 runs at
    T in {200, 400} with explore-then-commit, 2 Laforgue runs."""
    return dict(
        n_relax=1,
        n_ratio=2,
        ratio_runs=1,
        learn_instances=(0,),
        learn_runs=2,
        learn_T=(200, 400),
        etc=True,
        laf_runs=2,
    )


def _entropy(default: int, seed):
    """Root entropy of one experiment: ``default`` for the shipped figure (``seed=None``),
    else ``[default, seed]`` (a different, reproducible stream per figure seed)."""
    return default if seed is None else [default, int(seed)]


def _root_seed(default: int, seed) -> int:
    """An int root seed for the runner (``Experiment(root_seed=...)``) from
    :func:`_entropy`."""
    if seed is None:
        return default
    return int(np.random.SeedSequence(_entropy(default, seed)).generate_state(1)[0])


def _map(fn, items, jobs):
    if jobs == 1 or len(items) < 2:
        return [fn(x) for x in items]
    from joblib import Parallel, delayed

    return Parallel(n_jobs=jobs)(delayed(fn)(x) for x in items)


# ----------------------------------------------------------------------------- 1
_HORIZONS = (1, 2, 3, 5, 8, 13, 20, 30, 40, 60, 100, 200, 400, 600)


def _relax_one(arg):
    from mdpkit.models.lsd import random_lsd, random_monotone
    from mdpkit.solvers.lsd_dp import joint_tables, opt_value, optimal_gain
    from mdpkit.solvers.lsd_lp import solve_lsd_lp

    i, seed, mono = arg
    g = np.random.default_rng(seed)
    k, M = int(g.integers(2, 5)), int(g.integers(1, 5))
    inst = random_monotone(k, M, g, scale=bool(g.integers(2))) if mono else random_lsd(k, M, g)
    tab = joint_tables(inst)
    lp = solve_lsd_lp(inst).value
    gs = optimal_gain(inst, tables=tab)
    rows = []
    for T in _HORIZONS:
        opt = opt_value(inst, T, tables=tab)
        rows.append(
            {
                "instance": i,
                "monotone": mono,
                "k": k,
                "M": M,
                "T": T,
                "LP": lp,
                "g_star": gs,
                "OPT_T": opt,
                "OPT_T_over_T": opt / T,
                "bound": (T + M) * lp,
                "slack": opt - (T + M) * lp,
            }
        )
    return rows


def relaxation_data(n: int, jobs: int = 1, seed=None):
    """Rows (instance, monotone, k, M, T, LP, g*, OPT_T, (T + M) LP*, slack) for ``n``
    monotone and ``n`` arbitrary random instances."""
    ss = np.random.SeedSequence(_entropy(2306_00338, seed))
    kids = ss.spawn(2 * n)
    args = [(i, kids[i], i < n) for i in range(2 * n)]
    import pandas as pd

    return pd.DataFrame([r for rows in _map(_relax_one, args, jobs) for r in rows])


# ----------------------------------------------------------------------------- 2
def _greedy_mean(inst, g, runs):
    from mdpkit.algorithms.lsd import _kernels as K

    f = np.ascontiguousarray(inst.f)
    return [K.run_greedy(f, f, g.random(400), np.full(400, 2.0))[2].sum() for _ in range(runs)]


def _ratio_one(arg):
    from mdpkit.algorithms.lsd import _kernels as K
    from mdpkit.algorithms.lsd.rounding import simulate
    from mdpkit.models.lsd import random_monotone
    from mdpkit.solvers.lsd_dp import joint_tables, opt_value, optimal_gain
    from mdpkit.solvers.lsd_lp import solve_lsd_lp

    i, seed, runs = arg
    g = np.random.default_rng(seed)
    k, M = int(g.integers(2, 5)), int(g.integers(1, 5))
    inst = random_monotone(k, M, g, scale=bool(g.integers(2)))
    T = 400
    tab = joint_tables(inst)
    lp = solve_lsd_lp(inst)
    gs = optimal_gain(inst, tables=tab)
    opt = opt_value(inst, T, tables=tab)
    out = {"instance": i, "k": k, "M": M, "LP": lp.value, "g_star": gs, "OPT_T": opt}
    viol = checked = 0
    for mode in ("independent", "correlated"):
        vals = []
        for _ in range(runs):
            r = simulate(inst, T, g, lp=lp, phase_mode=mode, sample_rewards=False)
            rep = r.mirror()
            viol += rep["violations"]
            checked += rep["checked"]
            vals.append(r.total_mean)
        out[f"rounding_{mode}"] = float(np.mean(vals))
    out["greedy"] = float(np.mean(_greedy_mean(inst, g, runs)))
    f = np.ascontiguousarray(inst.f)
    arm = int(np.argmax(f[:, -1]))
    out["steady"] = float(K.run_fixed_arm(f, arm, np.full(T, 2.0))[1].sum())
    out["mirror_violations"] = viol
    out["mirror_checked"] = checked
    return out


def ratio_data(n: int, runs: int, jobs: int = 1, seed=None):
    """One row per instance: LP*, g*, OPT_400, mean ALG_400 of each method, mirroring tally."""
    import pandas as pd

    kids = np.random.SeedSequence(_entropy(2023_0600, seed)).spawn(n)
    return pd.DataFrame(_map(_ratio_one, [(i, kids[i], runs) for i in range(n)], jobs))


def trap_data(runs: int = 20, seed=None):
    """Greedy-trap family, T = 600: LP*, g*, greedy and rounding per round, M = 3, 4, 5."""
    from mdpkit.algorithms.lsd import _kernels as K
    from mdpkit.algorithms.lsd.rounding import simulate
    from mdpkit.models.lsd import greedy_trap
    from mdpkit.solvers.lsd_dp import optimal_gain
    from mdpkit.solvers.lsd_lp import solve_lsd_lp

    rows = []
    for M in (3, 4, 5):
        inst = greedy_trap(M)
        lp = solve_lsd_lp(inst)
        g = np.random.default_rng(_entropy(M, seed))
        f = np.ascontiguousarray(inst.f)
        greedy = np.mean(
            [
                K.run_greedy(f, f, g.random(600), np.full(600, 2.0))[2].sum() / 600
                for _ in range(runs)
            ]
        )
        rnd = np.mean(
            [
                simulate(inst, 600, g, lp=lp, sample_rewards=False).total_mean / 600
                for _ in range(runs)
            ]
        )
        rows.append(
            {
                "M": M,
                "LP": lp.value,
                "g_star": optimal_gain(inst),
                "greedy": greedy,
                "rounding": rnd,
                "proto_LP": PROTOTYPE["greedy_trap"][M][0],
                "proto_greedy": PROTOTYPE["greedy_trap"][M][1],
                "proto_rounding": PROTOTYPE["greedy_trap"][M][2],
            }
        )
    import pandas as pd

    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- 3
def _mean_payoff_total(frame, T, n_seeds, gain):
    reg = frame["regret"].to_numpy().reshape(n_seeds, T)
    return (gain - reg).sum(axis=1)  # per seed: sum of mean payoffs


def learning_data(instances, runs, horizons, etc=False, jobs=1, scheduler=None, seed=None):
    """Rows (instance, T, learner, Reg_FI per seed mean/se, ALG/(T g*), ALG/(T LP*))."""
    import pandas as pd

    from mdpkit.envs.lsd import LSDBandit
    from mdpkit.experiments import Experiment, run
    from mdpkit.models.lsd import random_monotone

    rows = []
    learners = [("lsd-lp-plan", "full information"), ("lsd-lp-ucb", "LP-UCB")]
    if etc:
        learners.append(("lsd-etc", "explore-then-commit"))
    for s in instances:
        env = LSDBandit(random_monotone(3, 3, s), 0)
        for T in horizons:
            tot = {}
            for name, label in learners:
                exp = Experiment(
                    "lsd-random-monotone",
                    name,
                    T,
                    runs,
                    root_seed=_root_seed(1000 + s, seed),
                    env_params={"k": 3, "M": 3, "instance_seed": s},
                    name=f"lsd-{label}-i{s}-T{T}",
                )
                fr = run(exp, n_jobs=jobs if scheduler is None else 1, scheduler=scheduler)
                tot[label] = _mean_payoff_total(fr, T, runs, env.gain)
            for label in tot:
                d = tot["full information"] - tot[label]
                rows.append(
                    {
                        "instance": s,
                        "T": T,
                        "learner": label,
                        "runs": runs,
                        "reg_fi_mean": d.mean(),
                        "reg_fi_se": d.std(ddof=1) / math.sqrt(runs) if runs > 1 else np.nan,
                        "reg_fi_over_T": d.mean() / T,
                        "alg_over_Tg": tot[label].mean() / (T * env.gain),
                        "alg_over_TLP": tot[label].mean() / (T * env.lp_value),
                        "rho_regret_g_over_T": (T * env.gain - tot[label].mean()) / T,
                    }
                )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- 4
LAFORGUE = {
    "trick-csb-og": dict(
        T=3600,
        learners=[
            ("lsd-combucb1", {"block": 3}, "CombUCB1 (d=3)"),
            ("lsd-isi-combucb1", {"block": 4}, "ISI-CombUCB1 (d+1=4)"),
            ("lsd-greedy", {}, "Oracle greedy"),
            ("lsd-lp-ucb", {"envelope": False}, "LP-UCB (no envelope)"),
        ],
    ),
    "trick-og": dict(
        T=3300,
        learners=[
            ("lsd-combucb1", {"block": 10}, "CombUCB1 (d=10)"),
            ("lsd-isi-combucb1", {"block": 11}, "ISI-CombUCB1 (d+1=11)"),
            ("lsd-greedy", {}, "Oracle greedy"),
            ("lsd-lp-ucb", {"envelope": False}, "LP-UCB (no envelope)"),
        ],
    ),
}


def laforgue_data(runs, jobs=1, scheduler=None, seed=None):
    """Mean cumulative realised reward vs t per learner and instance: dict
    which -> label -> (T,) array, plus the per-seed final totals."""
    from mdpkit.experiments import Experiment, run

    out = {}
    for which, cfg in LAFORGUE.items():
        T = cfg["T"]
        out[which] = {}
        for name, params, label in cfg["learners"]:
            exp = Experiment(
                "lsd-laforgue",
                name,
                T,
                runs,
                root_seed=_root_seed(7, seed),
                env_params={"which": which},
                learner_params=params,
                name=f"laforgue-{which}-{label}",
            )
            fr = run(exp, n_jobs=jobs if scheduler is None else 1, scheduler=scheduler)
            cum = fr["reward"].to_numpy().reshape(runs, T).cumsum(axis=1)
            out[which][label] = cum
    return out


# ----------------------------------------------------------------------------- figure
def _claim(claim, measured, threshold, ok, figure):
    return {
        "claim": claim,
        "measured": float(measured),
        "threshold": float(threshold),
        "verdict": bool(ok),
        "figure": figure,
    }


@style()  # house style (fonts >= 9 pt) for the whole drawing
def _draw_relaxation(df, path):
    from matplotlib.figure import Figure

    from mdpkit.plotting import save_figure

    fig = Figure(figsize=(11, 4.6), layout="constrained")
    a1, a2 = fig.subplots(1, 2)
    one = df[df["T"] == 600].drop_duplicates("instance")
    for mono, mk in ((True, "o"), (False, "x")):
        sub = one[one["monotone"] == mono]
        a1.scatter(sub["LP"], sub["g_star"], marker=mk, label="monotone" if mono else "arbitrary")
    lim = [0, max(one["LP"].max(), one["g_star"].max()) * 1.05]
    a1.plot(lim, lim, "k:", lw=1, label="g* = LP*")
    a1.set_xlabel("LP*")
    a1.set_ylabel("g* (exact DP)")
    a1.set_title("long-run gain vs LP value")
    a1.legend()
    ratio = df["OPT_T"] / df["bound"]
    a2.scatter(df["T"], ratio, s=8, c=np.where(df["monotone"], "C0", "C1"))
    a2.axhline(1.0, color="k", ls=":", lw=1)
    a2.set_xscale("log")
    a2.set_xlabel("horizon T")
    a2.set_ylabel("OPT_T / ((T + M) LP*)")
    a2.set_title("relaxation bound: every point <= 1 (exact)")
    fig.suptitle(
        f"LSD LP relaxation: {one.shape[0]} instances (k in 2..4, M in 1..4), "
        f"{len(df)} (instance, T) pairs",
        fontsize=9,
    )
    return save_figure(fig, df.assign(kind="relaxation"), path)


@style()  # house style (fonts >= 9 pt) for the whole drawing
def _draw_ratios(df, trap, path):
    import pandas as pd
    from matplotlib.figure import Figure

    from mdpkit.plotting import save_figure

    T = 400
    methods = [
        ("rounding_independent", "rounding, independent phases"),
        ("rounding_correlated", "rounding, correlated phases"),
        ("greedy", "oracle greedy"),
        ("steady", "always-best-steady"),
    ]
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    a1, a2, a3 = fig.subplots(1, 3)
    bins = np.linspace(0, 1.1, 45)
    for col, label in methods:
        a1.hist(df[col] / (T * df["g_star"]), bins=bins, histtype="step", lw=1.5, label=label)
        a2.hist(df[col] / (T * df["LP"]), bins=bins, histtype="step", lw=1.5, label=label)
    a1.axvline(0.35, color="k", ls=":", lw=1, label="regression floor 0.35")
    a1.set_xlabel("ALG_T / (T g*)")
    a2.set_xlabel("ALG_T / (T LP*)")
    a1.set_ylabel("instances")
    a1.legend(loc="upper left")
    a1.set_title(f"{len(df)} random monotone instances, T = {T}")
    a2.set_title("against the LP bound")
    x = np.arange(len(trap))
    for j, (col, lab) in enumerate(
        (("g_star", "g* (= LP*)"), ("greedy", "greedy"), ("rounding", "rounding"))
    ):
        a3.bar(x + (j - 1) * 0.27, trap[col], width=0.27, label=lab)
    a3.set_xticks(x, [f"M = {m}" for m in trap["M"]])
    a3.set_ylabel("payoff per round (T = 600)")
    a3.set_title("greedy-trap family")
    a3.legend()
    fig.suptitle(
        "Approximation ratios of the reconstructed LP rounding (not the paper's constant)",
        fontsize=9,
    )
    data = pd.concat(
        [df.assign(kind="instance"), trap.assign(kind="greedy_trap")], ignore_index=True
    )
    return save_figure(fig, data, path)


@style()  # house style (fonts >= 9 pt) for the whole drawing
def _draw_learning(df, path):
    from matplotlib.figure import Figure

    from mdpkit.plotting import save_figure

    fig = Figure(figsize=(7, 5), layout="constrained")
    ax = fig.subplots()
    for (s, lab), sub in df[df["learner"] != "full information"].groupby(["instance", "learner"]):
        pos = sub[sub["reg_fi_over_T"] > 0]
        ax.plot(pos["T"], pos["reg_fi_over_T"], "o-", label=f"{lab}, instance {s}")
        neg = sub[sub["reg_fi_over_T"] <= 0]
        if len(neg):
            ax.plot(neg["T"], np.full(len(neg), 1e-4), "v", color="k")
    Ts = np.array(sorted(df["T"].unique()), dtype=float)
    ax.plot(
        Ts,
        Ts[0] ** (1 / 3) * 0.05 * Ts ** (-1 / 3),
        "k:",
        lw=1,
        label="T^(-1/3) (order only, placed at 0.05 at the first T)",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("T")
    ax.set_ylabel("Reg_FI(T) / T")
    ax.set_title(
        "LSD learning vs its full-information counterpart (k = M = 3);\n"
        "triangles at 1e-4: negative Reg_FI (learner beat the planner)",
        fontsize=9,
    )
    ax.legend()
    return save_figure(fig, df.assign(kind="learning"), path)


@style()  # house style (fonts >= 9 pt) for the whole drawing
def _draw_laforgue(data, path):
    import pandas as pd
    from matplotlib.figure import Figure

    from mdpkit.plotting import save_figure

    fig = Figure(figsize=(12, 4.8), layout="constrained")
    axes = fig.subplots(1, 2)
    rows = []
    for ax, (which, curves) in zip(axes, data.items()):
        for label, cum in curves.items():
            m = cum.mean(axis=0)
            t = np.arange(1, m.shape[0] + 1)
            ax.plot(t, m, label=label)
            se = cum.std(axis=0, ddof=1) / math.sqrt(cum.shape[0]) if cum.shape[0] > 1 else 0 * m
            ax.fill_between(t, m - se, m + se, alpha=0.2)
            grid = np.unique(np.linspace(0, m.shape[0] - 1, 200).astype(int))
            rows += [
                {
                    "instance": which,
                    "series": label,
                    "t": int(i + 1),
                    "mean_cum_reward": m[i],
                    "se": se[i],
                    "runs": cum.shape[0],
                }
                for i in grid
            ]
        ax.set_title(f"Laforgue et al. '{which}' (k = {5 if which == 'trick-csb-og' else 2})")
        ax.set_xlabel("round t")
        ax.set_ylabel("cumulative reward")
        ax.legend()
    fig.suptitle(
        "Replication of Laforgue et al.'s experiments (block LP replaced by exact "
        "enumeration; all arms start rested)",
        fontsize=9,
    )
    return save_figure(fig, pd.DataFrame(rows), path)


def run(quick: bool, jobs: int, scheduler, out, seed=None) -> list:
    """All four experiments (module docstring); returns the claims. ``seed``: see the
    module docstring (None: the shipped figure's root seeds)."""
    cfg = settings(quick)
    out = Path(out)
    claims = []
    rel = relaxation_data(cfg["n_relax"], jobs, seed)
    _draw_relaxation(rel, out / "relaxation")
    one = rel.drop_duplicates("instance")
    claims.append(
        _claim(
            "g* <= LP* on every instance (exact DP vs HiGHS)",
            (one["g_star"] - one["LP"]).max(),
            1e-9,
            (one["g_star"] - one["LP"]).max() <= 1e-9,
            "relaxation",
        )
    )
    claims.append(
        _claim(
            "OPT_T <= (T + M) LP* on every (instance, T) pair, any payoffs",
            rel["slack"].max(),
            1e-9,
            rel["slack"].max() <= 1e-9,
            "relaxation",
        )
    )

    rat = ratio_data(cfg["n_ratio"], cfg["ratio_runs"], jobs, seed)
    trap = trap_data(seed=seed)
    _draw_ratios(rat, trap, out / "ratios")
    ind = rat["rounding_independent"] / (400 * rat["g_star"])
    claims.append(
        _claim(
            "rounding (independent phases) mean ALG/(T g*) >= 0.35 on every instance "
            "(regression floor)",
            ind.min(),
            0.35,
            ind.min() >= 0.35,
            "ratios",
        )
    )
    claims.append(
        _claim(
            "mirroring invariant: zero violations on monotone instances",
            rat["mirror_violations"].sum(),
            0,
            rat["mirror_violations"].sum() == 0,
            "ratios",
        )
    )
    g3 = trap.set_index("M").loc[3]
    claims.append(
        _claim(
            "greedy-trap M = 3: greedy loses >= 10% of g*",
            g3["greedy"] / g3["g_star"],
            0.9,
            g3["greedy"] / g3["g_star"] <= 0.9,
            "ratios",
        )
    )

    lea = learning_data(
        cfg["learn_instances"],
        cfg["learn_runs"],
        cfg["learn_T"],
        cfg["etc"],
        jobs,
        scheduler,
        seed,
    )
    _draw_learning(lea, out / "learning")
    ucb = lea[lea["learner"] == "LP-UCB"]
    worst_step = max(
        float(np.max(np.diff(sub.sort_values("T")["reg_fi_over_T"].to_numpy())))
        for _, sub in ucb.groupby("instance")
    )
    claims.append(
        _claim(
            "LP-UCB Reg_FI(T)/T decreasing in T (max successive difference < 0)",
            worst_step,
            0.0,
            worst_step < 0,
            "learning",
        )
    )
    last = ucb[ucb["T"] == max(cfg["learn_T"])]["reg_fi_over_T"].max()
    claims.append(
        _claim("LP-UCB Reg_FI(3.2e4)/3.2e4 <= 0.03", last, 0.03, last <= 0.03, "learning")
    )

    laf = laforgue_data(cfg["laf_runs"], jobs, scheduler, seed)
    _draw_laforgue(laf, out / "laforgue")
    for which, curves in laf.items():
        isi = [v for k, v in curves.items() if k.startswith("ISI")][0][:, -1].mean()
        gr = curves["Oracle greedy"][:, -1].mean()
        claims.append(
            _claim(
                f"Laforgue '{which}': ISI-CombUCB1 collects more than oracle greedy "
                "(final cumulative reward ratio)",
                isi / gr,
                1.0,
                isi > gr,
                "laforgue",
            )
        )
    return claims


try:
    from mdpkit.figures import register_figure
except ImportError:  # pragma: no cover
    register_figure = None

if register_figure is not None:
    register_figure(
        "lsd-bandits",
        paper=PAPER,
        description="LSD bandits: LP relaxation quality, rounding ratios, "
        "learning vs full information, Laforgue replication",
    )(run)

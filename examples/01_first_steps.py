# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # First steps with mdpkit
#
# In this notebook we
#
# 1. build a small episodic MDP (RiverSwim) and look at its arrays,
# 2. solve it exactly and evaluate a policy,
# 3. run two learning algorithms, UCBVI (Azar, Osband, Munos 2017) and PSRL (Osband, Russo,
#    Van Roy 2013), over 10 seeds, with the regret of every episode computed *exactly* from
#    the model,
# 4. plot the regret next to UCBVI's bound and the minimax lower bound.
#
# Open it as a notebook with `jupytext --to notebook 01_first_steps.py`, or run it as a
# script. `QUICK = True` (set by the test suite) shrinks the experiments.

# %%
import numpy as np

import mdpkit
from mdpkit.models.generators import riverswim

QUICK = globals().get("QUICK", False)

# %% [markdown]
# ## 1. A model
#
# RiverSwim is a chain of S states. Action 0 ("left") drifts with the current to the left
# bank, which pays a tiny reward; action 1 ("right") swims upstream, slowly and with
# failures, towards the only large reward at the far end. With a horizon H, each episode
# has H steps and starts at the left bank.

# %%
S, H = 6, 20
mdp = riverswim(S, horizon=H)
print(mdp)
print("P(. | s=2, right) =", mdp.P[2, 1])
print("rewards R[s, a]:\n", mdp.R)

# %% [markdown]
# ## 2. Solve it exactly and evaluate policies
#
# `mdpkit.solve` uses backward induction for a finite-horizon model: `V[h, s]` is the
# optimal value at step h (h = 0 first), `policy[h, s]` an optimal action. `mdpkit.evaluate`
# gives the exact value of any policy.

# %%
res = mdpkit.solve(mdp)
print("V*_0(left bank) =", res.V[0, 0])
print("optimal first-step actions:", res.policy[0])

always_left = np.zeros((H, S), dtype=int)
always_right = np.ones((H, S), dtype=int)
for name, pi in [("always left", always_left), ("always right", always_right)]:
    v = mdpkit.evaluate(mdp, pi)[0] @ mdp.mu
    print(f"{name:>12}: value {v:.4f}, gap to optimal {res.V[0] @ mdp.mu - v:.4f}")

# %% [markdown]
# The gap `V*_0 - V^pi_0` is exactly the regret of one episode played with `pi`. The
# runner adds these gaps over episodes: that is the (pseudo-)regret curve.
#
# ## 3. Learning: UCBVI and PSRL over 10 seeds
#
# An `Experiment` describes a run as data: environment and its parameters, learner and its
# parameters, number of episodes K, number of seeds. `mdpkit.run` returns one row per
# (seed, episode) with the exact regret of the policy the learner committed to.
#
# UCBVI-CH with the paper's constants ("theory") explores for a very long time on this
# instance; we also run it with a small bonus scale ("tuned"), labelled as such.

# %%
from mdpkit.experiments import Experiment

K = 300 if QUICK else 3000
n_seeds = 10
env_params = {"S": S, "horizon": H}
experiments = [
    Experiment("riverswim", "ucbvi-ch", K, n_seeds, env_params=env_params, name="UCBVI-CH theory"),
    Experiment(
        "riverswim",
        "ucbvi-ch",
        K,
        n_seeds,
        env_params=env_params,
        learner_params={"bonus_scale": 0.002},
        name="UCBVI-CH tuned x0.002",
    ),
    Experiment("riverswim", "psrl", K, n_seeds, env_params=env_params, name="PSRL"),
]
results = [mdpkit.run(e) for e in experiments]
for e, df in zip(experiments, results):
    final = df.groupby("seed")["cum_regret"].last()
    print(
        f"{e.name:>22}: regret after K={K}: {final.mean():8.1f} +- {final.std():.1f} (sd over seeds)"
    )
results[2].head()

# %% [markdown]
# ## 4. Plot the regret with the bounds
#
# `regret_figure` draws three panels: cumulative regret (mean and bootstrap 95% band over
# seeds), log-log regret with the slope fitted over the last decade, and regret/sqrt(K).
# Bounds are `mdpkit.bounds` objects (sympy expressions); exact ones are solid, order-only
# ones dashed. UCBVI-CH's Thm 1 bound is far above the regret (it exceeds K*H here): its
# legend entry says "[above every panel]" and its values are in the CSV. Every figure is
# written as PNG with its data as CSV beside it.

# %%
import pandas as pd

from mdpkit.bounds import TABULAR_LOWER_HOMOGENEOUS, UCBVI_CH
from mdpkit.plotting import BoundCurve, regret_figure

bounds = [
    BoundCurve.from_bound(
        UCBVI_CH,
        label="UCBVI-CH Thm 1 (exact)",
        algorithm="UCBVI-CH theory",
        S=S,
        A=2,
        H=H,
        delta=0.1,
    ),
    BoundCurve.from_bound(
        TABULAR_LOWER_HOMOGENEOUS, label="lower bound shape, constant 1", S=S, A=2, H=H
    ),
]
fig, data = regret_figure(
    pd.concat(results, ignore_index=True),
    bounds,
    path="first_steps_out/regret",
    title=f"RiverSwim S={S}, H={H}",
)
print(data[data.kind == "regret"].groupby("series")["slope"].first())
fig

# %% [markdown]
# The lower bound is a worst case over MDPs, so an easy instance can sit below it. Next
# steps: `mdpkit list` shows the registered environments, learners and paper figures, and
# `mdpkit reproduce ucbvi-riverswim --quick` reproduces the full figure.

# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Latent MDPs: why the history matters (the two-listen tiger)
#
# A latent MDP mixes M tabular MDPs ("contexts"); each episode draws a hidden context and the
# agent only learns which one it was **after** the episode (Zhou, Wang, Du, ICML 2023; see
# `docs/papers/latent-mdp.md`). Here: two contexts with the prize behind door 1 or door 2.
# Listening returns a noisy hint (right 70% of the time); opening the right door pays 1 once;
# the episode has H = 4 steps.
#
# Optimal play listens three times and opens by majority. That policy depends on the whole
# history of hints, not on the current (step, state) only, so the best *Markov* policy is
# strictly worse.

# %%
import numpy as np
from matplotlib.figure import Figure

from mdpkit.envs.latent import LatentEpisodicEnv, run_latent_seed
from mdpkit.experiments.registry import get_learner
from mdpkit.models.latent import tiger
from mdpkit.plotting import save_figure
from mdpkit.solvers.latent import enumerate_policy_values, markov_optimum, plan

QUICK = globals().get("QUICK", False)
K = 1500 if QUICK else 10000

lm = tiger()
pl = plan(lm)  # exact DP over (step, state, belief)
brute = enumerate_policy_values(lm)[:, 0].sum(axis=1)
v_markov, pi_markov = markov_optimum(lm)
print(
    f"V* (history-dependent) = {pl.v_star:.4f}; brute force over {len(brute)} policies = {brute.max():.4f}"
)
print(f"best Markov policy      = {v_markov:.4f}")

# %% [markdown]
# The context is hidden from the learner until the episode ends: the environment refuses
# to show it earlier.

# %%
env = LatentEpisodicEnv(lm, np.random.default_rng(0))
s = env.reset()
try:
    env.context
except RuntimeError as err:
    print("during the episode:", err)
for h in range(env.H):
    r, s = env.step(h, s, 0)  # listen
print("after the episode, context =", env.end_episode())

# %% [markdown]
# Learning: VO (value-optimistic, variance bonus, history-dependent policy) against a
# context-agnostic learner that pools the contexts (Markov policy). Regret is exact:
# V* minus the exact value of the policy committed in each episode.

# %%
curves = {}
for name in ("lmdp-vo", "lmdp-context-agnostic"):
    env = LatentEpisodicEnv(lm, np.random.default_rng(1))
    regret, _, _ = run_latent_seed(
        env, get_learner(name), dict(beta=0.025), K, np.random.default_rng(2)
    )
    curves[name] = np.cumsum(regret)
    print(
        f"{name}: Regret(K/2) = {curves[name][K // 2 - 1]:.1f}, Regret(K) = {curves[name][-1]:.1f}"
    )

fig = Figure(figsize=(6, 4))
ax = fig.subplots()
for name, c in curves.items():
    ax.plot(np.arange(1, K + 1), c, label=name)
ax.set_xlabel("episode k")
ax.set_ylabel("Regret(k)")
ax.legend()
import pandas as pd  # noqa: E402

save_figure(fig, pd.DataFrame({"k": np.arange(1, K + 1), **curves}), "tiger_regret")

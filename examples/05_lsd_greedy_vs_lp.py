# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Greedy vs the LP on a last-switch-dependent bandit
#
# In a *last-switch-dependent* (LSD) bandit (paper page `docs/papers/lsd-bandits.md`) the
# mean payoff of an arm depends on its **last-switch state**: $+j$ if it was pulled in each
# of the last $j$ rounds (satiation), $-d$ if it has rested for $d$ rounds (recovery), both
# capped at $M$. Because pulling an arm changes its future payoffs, the myopic rule
# "pull the arm that pays most *now*" can be far from optimal.
#
# The **greedy trap**: arm A recovers linearly, $f_A(-d) = 0.2 + 0.8\,(d-1)/(M-1)$, and pays
# nothing on a streak, $f_A(+j) = 0$; arm B pays $0.3$ in every state. Greedy pulls A as soon
# as $f_A(-d) > 0.3$, i.e. long before A has fully recovered.

# %%
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mdpkit.algorithms.lsd import _kernels as K
from mdpkit.algorithms.lsd.rounding import simulate
from mdpkit.envs.lsd import mean_rewards_of
from mdpkit.models.lsd import greedy_trap
from mdpkit.plotting import save_figure
from mdpkit.solvers.lsd_dp import optimal_gain, optimal_schedule
from mdpkit.solvers.lsd_lp import solve_lsd_lp

QUICK = globals().get("QUICK", False)
T = 200 if QUICK else 600
RUNS = 5 if QUICK else 30
M = 3

inst = greedy_trap(M)
print("f(-1..-M) =", inst.neg.round(3).tolist())
print("f(+1..+M) =", inst.pos.round(3).tolist())

# %% [markdown]
# ## Exact planning
#
# With the payoffs known, the states evolve deterministically, so an optimal policy is a
# fixed action sequence: a longest path in the graph of joint states. mdpkit computes
# $\mathrm{OPT}_T$ by dynamic programming and the long-run gain $g^\star$ as the maximum-mean
# cycle (Karp's algorithm).

# %%
acts_opt, opt = optimal_schedule(inst, T)
g_star = optimal_gain(inst)
names = {0: "A", 1: "B", 2: "-"}
print("optimal schedule, rounds 20-40:", "".join(names[a] for a in acts_opt[20:40]))
print(f"OPT_T / T = {opt / T:.4f},  g* = {g_star:.4f}")

# %% [markdown]
# The optimal cycle lets A rest for the full $M$ rounds (B is pulled meanwhile), then pulls A
# once at its full value $1.0$: $(1.0 + M \cdot 0.3)/(M+1)$ per round.
#
# ## Greedy

# %%
f = np.ascontiguousarray(inst.f)
g = np.random.default_rng(0)
greedy_runs = [K.run_greedy(f, f, g.random(T), np.full(T, 2.0)) for _ in range(RUNS)]
acts_greedy = greedy_runs[0][0]
greedy = np.mean([r[2].sum() for r in greedy_runs]) / T
print("greedy schedule, rounds 20-40:", "".join(names[a] for a in acts_greedy[20:40]))
print(f"greedy per round = {greedy:.4f}  ({greedy / g_star:.1%} of g*)")

# %% [markdown]
# Greedy takes A at $-2$ (paying $0.6 > 0.3$) instead of waiting one more round for $1.0$.
#
# ## The LP relaxation and its rounding
#
# The higher-dimensional LP has a variable $x_{i,\tau,\delta}$ per arm and cycle type ($\delta$
# idle rounds, then $\tau$ pulls) plus a steady variable per arm. Its value $\mathrm{LP}^\star$
# is an upper bound on $g^\star$ and here equals it. The rounding draws a cycle per arm from
# the LP solution, with a random phase, and resolves collisions while keeping every pulled
# arm's real state at least as good as its planned (virtual) state.

# %%
lp = solve_lsd_lp(inst)
for i in range(inst.k):
    for tau in range(1, M + 1):
        for delta in range(1, M + 1):
            if lp.x[i, tau - 1, delta - 1] > 1e-9:
                print(
                    f"arm {names[i]}: cycle (tau={tau}, delta={delta}) weight {lp.x[i, tau - 1, delta - 1]:.3f}"
                )
    if lp.y[i] > 1e-9:
        print(f"arm {names[i]}: steady weight {lp.y[i]:.3f}")
print(f"LP* = {lp.value:.4f}")
runs = [simulate(inst, T, g, lp=lp, sample_rewards=False) for _ in range(RUNS)]
rounding = np.mean([r.total_mean for r in runs]) / T
print(f"rounding per round = {rounding:.4f}  ({rounding / g_star:.1%} of g*)")
print("mirroring violations:", sum(r.mirror()["violations"] for r in runs))

# %% [markdown]
# The LP has the right plan, but the rounding (a reconstruction: the paper's own rounding
# could not be read) loses to greedy here: each arm's cycle is placed with an independent
# random phase, and collisions cost whole cycles. The guarantee of such a rounding is a
# constant factor of the LP, not optimality; greedy happens to be a good heuristic on this
# family, although it loses 15-20% of $g^\star$.

# %%
rows = []
for label, acts in (
    ("optimal", acts_opt),
    ("greedy", acts_greedy),
    ("LP rounding", runs[0].actions),
):
    cum = np.cumsum(mean_rewards_of(f, acts.astype(np.int64), M))
    rows += [{"policy": label, "t": t + 1, "cum_mean_payoff": c} for t, c in enumerate(cum)]
df = pd.DataFrame(rows)
fig = Figure(figsize=(7, 4.5), layout="constrained")
ax = fig.subplots()
for label, sub in df.groupby("policy", sort=False):
    ax.plot(sub["t"], sub["cum_mean_payoff"] - g_star * sub["t"], label=label)
ax.axhline(0, color="k", lw=0.8, ls=":")
ax.set_xlabel("round t")
ax.set_ylabel("cumulative mean payoff - t g*")
ax.set_title(
    f"greedy trap, M = {M}: g* = {g_star:.3f}, greedy {greedy:.3f}, rounding {rounding:.3f}"
)
ax.legend()
save_figure(fig, df, "lsd_greedy_vs_lp")

# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Practice makes perfect: why a naive bandit ranks the practised action last
#
# Setting (Malik, Igoe, Li, Singh, ICML 2023; paper page `docs/papers/weighted-tallying.md`):
# K actions; the loss of playing action $a$ depends on how often $a$ was played in the last
# $m$ rounds, through the **weighted tally**
# $y_t(a) = \sum_{i=1}^{m} w_i\,\mathbb 1\{a_{t-i+1} = a\}$ (the current round counts). The
# mean loss is $f_a(y_t(a))$. Regret is measured against the best **sequence** of actions
# (complete policy regret, CPR).
#
# In the "practice makes perfect" instance, action 0 is bad when it is new and the best
# action once practised:
# $f_0(y) = 0.9 - 0.8\,y/W$, while the others are mildly boring, $f_a(y) = c_a + 0.1\,y/W$
# with $c_a \in [0.3, 0.5]$. Repeated Exposure Optimality (REO) holds: the saturated loss
# of action 0, $f_0(W) = 0.1$, beats every loss any action can ever have.

# %%
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mdpkit.algorithms.tallying.se_naive import make_se_naive
from mdpkit.algorithms.tallying.se_wtb import make_se_wtb
from mdpkit.algorithms.tallying.ucb_losses import make_ucb1_losses
from mdpkit.bounds.tallying import se_wtb_bound
from mdpkit.envs.tallying import make_practice_makes_perfect, opt_value, reo_sandwich
from mdpkit.models.tallying import is_reo, practice_makes_perfect
from mdpkit.plotting import save_figure

QUICK = globals().get("QUICK", False)
T = 20_000 if QUICK else 300_000
SEEDS = 2 if QUICK else 5
K, m = 5, 10

inst = practice_makes_perfect(K, m)
print(inst, "REO:", is_reo(inst))

# %% [markdown]
# ## What a round-robin learner sees
#
# A classical bandit that cycles through the $K$ arms plays each one every $K$-th round, so
# within the memory window of $m = 10$ rounds an arm has been played about $m/K = 2$ times.
# Its estimate of each arm is $f_a$ at that **cyclic tally**, not at the saturated tally
# $W$ that a committed player would reach.

# %%
cyclic = sum(inst.w[i] for i in range(0, m, K))  # plays i = 1, K+1, ... of the window
print(f"{'arm':>3} {'f at cyclic tally':>18} {'f saturated (mu_a)':>19}")
for a in range(K):
    print(f"{a:>3} {inst.loss(a, cyclic):18.3f} {inst.saturated[a]:19.3f}")

# %% [markdown]
# Under round robin, arm 0 looks like the **worst** arm (0.74 against 0.32-0.52), although
# it is the best one by far once practised (0.1). Successive elimination on these numbers
# eliminates it; UCB1 may stumble onto it when it happens to repeat arm 0, but nothing in its
# design makes it do so. (With m = 10 it usually does: once its counts are large UCB1 plays
# one arm for long runs, and a long run of arm 0 saturates its tally. With a longer memory,
# e.g. m = 80, it no longer does within 1e6 rounds; see docs/papers/weighted-tallying.md,
# "Findings".)
#
# SE-WTB (successive elimination with burn-in blocks) plays each active arm in one
# consecutive block per phase: $M \ge m$ burn-in plays whose losses are thrown away, then
# $2^{r-1}$ recorded plays, all at the saturated tally $W$. It never needs $m$ or $w$, only
# the bound $M$.


# %%
def run(make, seed, **kw):
    env = make_practice_makes_perfect(np.random.default_rng(seed), K=K, m=m, M=m, record=True)
    lrn = make({**env.env_info(), "n_steps": T}, np.random.default_rng(1000 + seed), **kw)
    out = lrn.fast_run(env, T, env.rng)
    return env, lrn, out


curves = {}
for label, make in (
    ("SE-WTB", make_se_wtb),
    ("SE-naive", make_se_naive),
    ("UCB1 (losses)", make_ucb1_losses),
):
    runs = [np.cumsum(run(make, s)[2]["regret"]) for s in range(SEEDS)]
    curves[label] = np.mean(runs, axis=0)
    print(f"{label:>14}: CPR (vs T mu*) at T = {T:,}: {curves[label][-1]:9.1f}")
print(f"{'bound':>14}: {se_wtb_bound(T, K, m):9.1f}  (SE-WTB, explicit, delta = 1/T)")

# %% [markdown]
# SE-naive eliminates arm 0 in its first phases and then pays about 0.2 per round forever:
# linear regret. SE-WTB's regret flattens after the burn-in phases and stays far below its
# explicit high-probability bound.
#
# ## Every loss SE-WTB learns from was drawn at a saturated tally

# %%
env, lrn, out = run(make_se_wtb, 0)
rec = out["recorded"] == 1
print(
    f"recorded losses: {rec.sum():,}; tallies at those rounds: min {env.tally_log[rec].min()}, "
    f"max {env.tally_log[rec].max()} (W = {inst.W})"
)
print("survivor:", lrn.survivor, "(a* = 0)")

# %% [markdown]
# ## The benchmark is the best *sequence*
#
# CPR compares with the best sequence of actions, evaluated with the tallies that sequence
# itself creates. For small instances mdpkit computes it exactly by dynamic programming
# over the last $m-1$ actions; under REO it lies between $T\mu^*$ and the cost of always
# playing $a^*$, which is at most $T\mu^* + (m - 1)$.

# %%
small = practice_makes_perfect(3, 4)
for T_small in (10, 50, 200):
    lo, hi = reo_sandwich(small, T_small)
    print(
        f"T = {T_small:>3}: T mu* = {lo:7.3f} <= OPT = {opt_value(small, T_small):7.3f} "
        f"<= always a* = {hi:7.3f}"
    )

# %%
t = np.arange(1, T + 1)
fig = Figure(figsize=(7, 4.5), layout="constrained")
ax = fig.subplots()
for label, c in curves.items():
    ax.plot(t, c, label=label)
grid = np.unique(np.geomspace(1, T, 200).astype(int))
ax.plot(
    grid,
    [se_wtb_bound(int(x), K, m) for x in grid],
    "k-",
    lw=1,
    label="SE-WTB explicit bound (exact)",
)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("round t")
ax.set_ylabel("CPR vs t mu* (mean over seeds)")
ax.set_title(f"Practice makes perfect, K = {K}, m = M = {m}, {SEEDS} seeds", fontsize=9)
ax.legend(fontsize=8)
idx = grid - 1
frame = pd.DataFrame({"t": grid, **{k: v[idx] for k, v in curves.items()}})
save_figure(fig, frame, "weighted_tallying_practice")

r"""UCB1 on losses (baseline): play each arm once (ascending), then
``argmin_a mean_a - sqrt(2 log t / n_a)`` with t the current round (1-based), first index
on ties. It ignores the tallies. Paper page ``docs/papers/weighted-tallying.md``
("Baselines").
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from ...envs.tallying import env_step
from ...experiments.registry import register_learner
from ...utils import as_generator, check_positive_int
from ._common import TallyingLearner, check_bool

__all__ = [
    "UCB1Losses",
    "ucb_losses_act",
    "ucb_losses_update",
    "run_ucb_losses",
    "make_ucb1_losses",
]


class UCBState(NamedTuple):
    counts: np.ndarray  # int64 (K,)
    sums: np.ndarray  # float (K,)
    t: np.ndarray  # int64 (1,): rounds played so far


@njit(cache=True)
def ucb_losses_act(st):
    K = st.counts.shape[0]
    for a in range(K):
        if st.counts[a] == 0:
            return a
    lt = math.log(st.t[0] + 1.0)
    best = 0
    best_v = np.inf
    for a in range(K):
        n = st.counts[a]
        v = st.sums[a] / n - math.sqrt(2.0 * lt / n)
        if v < best_v:
            best_v = v
            best = a
    return best


@njit(cache=True)
def ucb_losses_update(st, a, loss):
    st.counts[a] += 1
    st.sums[a] += loss
    st.t[0] += 1


@njit(cache=True)
def run_ucb_losses(data, hist, io, st):
    """Whole run over ``io.draws``; fills ``io`` (see ``_common.RunArrays``)."""
    T = io.draws.shape[0]
    for t in range(T):
        a = ucb_losses_act(st)
        y, f, loss = env_step(data, hist, a, io.draws[t])
        io.regret[t] = f - data.mu_star
        r = 1.0 - loss
        io.reward[t] = r
        io.tally[t] = y
        ucb_losses_update(st, a, 1.0 - r)


class UCB1Losses(TallyingLearner):
    """UCB1 with loss-LCBs (module docstring)."""

    provenance = "Baseline proposed for the experiments [P]; UCB1 (Auer et al. 2002) on losses [R]."

    def __init__(self, n_actions, *, fast=True):
        K = check_positive_int(n_actions, "n_actions")
        self.n_actions = K
        self.fast = check_bool(fast, "fast")
        self.state = UCBState(np.zeros(K, dtype=np.int64), np.zeros(K), np.zeros(1, dtype=np.int64))

    def act(self) -> int:
        return int(ucb_losses_act(self.state))

    def update(self, a: int, r: float) -> None:
        ucb_losses_update(self.state, int(a), 1.0 - float(r))

    def _run(self, data, hist, io):
        run_ucb_losses(data, hist, io, self.state)


@register_learner("ucb1-losses")
def make_ucb1_losses(env_info: dict, rng, *, fast=True) -> UCB1Losses:
    """UCB1 on losses (deterministic; ``rng`` unused)."""
    as_generator(rng)
    return UCB1Losses(env_info["n_actions"], fast=fast)

r"""SE-naive: classical successive elimination on losses, ignoring the tallies (baseline).

Paper page: ``docs/papers/weighted-tallying.md`` ("Baselines"). Round-robin over the active
arms, one play per arm per round, in ascending index order; after each round (count n per
active arm) ``rad = sqrt(log(2 K T / delta) / (2 n))`` and arm a stays iff
``mean_a - rad <= min_b (mean_b + rad)``; one survivor is then played forever. It estimates
``f_a`` at the cyclic tally (e.g. about ``m / |S|`` plays out of m for ``w = 1``), not at W,
and so can eliminate a* (the teaching notebook ``examples/04_weighted_tallying.py`` shows it).

Info column per round: ``n_active``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from ...envs.tallying import env_step
from ...experiments.registry import register_learner
from ...utils import as_generator, check_positive_int
from ._common import TallyingLearner, check_bool, check_delta, horizon_of

__all__ = ["SENaive", "se_naive_act", "se_naive_update", "run_se_naive", "make_se_naive"]

IDX, N_ACTIVE, COUNT, SURVIVOR = range(4)


class SENaiveState(NamedTuple):
    ints: np.ndarray  # int64 (4,)
    active: np.ndarray  # int64 (K,)
    sums: np.ndarray  # float (K,)


class SENaiveParams(NamedTuple):
    log_term: float  # log(2 K T / delta)


@njit(cache=True)
def se_naive_act(st):
    if st.ints[SURVIVOR] >= 0:
        return st.ints[SURVIVOR]
    return st.active[st.ints[IDX]]


@njit(cache=True)
def se_naive_update(st, prm, a, loss):
    ints = st.ints
    if ints[SURVIVOR] >= 0:
        return
    st.sums[a] += loss
    ints[IDX] += 1
    if ints[IDX] < ints[N_ACTIVE]:
        return
    ints[IDX] = 0
    ints[COUNT] += 1
    n = ints[COUNT]
    rad = math.sqrt(prm.log_term / (2.0 * n))
    k = ints[N_ACTIVE]
    best_ucb = np.inf
    for j in range(k):
        u = st.sums[st.active[j]] / n + rad
        if u < best_ucb:
            best_ucb = u
    kept = 0
    for j in range(k):
        b = st.active[j]
        if st.sums[b] / n - rad <= best_ucb:
            st.active[kept] = b
            kept += 1
    ints[N_ACTIVE] = kept
    if kept == 1:
        ints[SURVIVOR] = st.active[0]


@njit(cache=True)
def run_se_naive(data, hist, io, st, prm):
    """Whole run over ``io.draws``; fills ``io`` (see ``_common.RunArrays``)."""
    T = io.draws.shape[0]
    for t in range(T):
        a = se_naive_act(st)
        y, f, loss = env_step(data, hist, a, io.draws[t])
        io.regret[t] = f - data.mu_star
        r = 1.0 - loss
        io.reward[t] = r
        io.tally[t] = y
        se_naive_update(st, prm, a, 1.0 - r)
        io.info[0, t] = st.ints[N_ACTIVE]


class SENaive(TallyingLearner):
    """Classical successive elimination on losses (module docstring)."""

    provenance = (
        "Baseline proposed for the experiments (the paper's baseline list was not "
        "readable) [P]; classical successive elimination with the radius "
        "sqrt(log(2KT/delta)/(2n)) [R]."
    )
    info_keys = ("n_active",)

    def __init__(self, n_actions, T, *, delta=None, fast=True):
        K = check_positive_int(n_actions, "n_actions")
        self.n_actions, self.T = K, check_positive_int(T, "T")
        self.delta = check_delta(delta, self.T)
        self.params = SENaiveParams(math.log(2.0 * K * self.T / self.delta))
        self.fast = check_bool(fast, "fast")
        ints = np.array([0, K, 0, 0 if K == 1 else -1], dtype=np.int64)
        self.state = SENaiveState(ints, np.arange(K, dtype=np.int64), np.zeros(K))

    @property
    def survivor(self) -> int:
        return int(self.state.ints[SURVIVOR])

    def act(self) -> int:
        return int(se_naive_act(self.state))

    def update(self, a: int, r: float) -> None:
        se_naive_update(self.state, self.params, int(a), 1.0 - float(r))

    def _info_values(self):
        return (self.state.ints[N_ACTIVE],)

    def _run(self, data, hist, io):
        run_se_naive(data, hist, io, self.state, self.params)


@register_learner("se-naive")
def make_se_naive(env_info: dict, rng, *, T=None, delta=None, fast=True) -> SENaive:
    """SE-naive (deterministic; ``rng`` unused)."""
    as_generator(rng)
    return SENaive(
        env_info["n_actions"], horizon_of(env_info, T, "se-naive"), delta=delta, fast=fast
    )

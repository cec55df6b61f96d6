r"""Batched EXP3 (Arora, Dekel, Tewari 2012; baseline): EXP3 over blocks of
``tau = ceil(T^{1/3})`` rounds, one arm per block, fed the block-mean loss;
``eta = sqrt(2 ln K / (N K))`` with ``N = ceil(T / tau)`` blocks. Policy regret against
m-memory-bounded adversaries is O(T^{2/3}). One uniform of the learner's stream per block.
A truncated last block is never fed. Paper page ``docs/papers/weighted-tallying.md``
("Baselines").
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ...envs.tallying import env_step
from ...experiments.registry import register_learner
from ...utils import as_generator, check_positive_int
from ._common import TallyingLearner, check_bool, horizon_of
from .exp3 import EXP3State, exp3_eta, exp3_feed, exp3_sample, init_exp3

__all__ = [
    "BatchedEXP3",
    "batched_act",
    "batched_update",
    "run_batched_exp3",
    "make_batched_exp3",
    "block_length",
]

POS, ARM, BLOCK = range(3)


class BatchedState(NamedTuple):
    exp3: EXP3State
    ints: np.ndarray  # int64 (3,): position in block, arm, blocks started
    bsum: np.ndarray  # float (1,): loss sum of the current block


def block_length(T: int) -> int:
    """``tau = ceil(T^{1/3})`` computed exactly in integers."""
    T = check_positive_int(T, "T")
    tau = max(1, round(T ** (1.0 / 3.0)))
    while tau**3 < T:
        tau += 1
    while tau > 1 and (tau - 1) ** 3 >= T:
        tau -= 1
    return tau


@njit(cache=True)
def batched_needs_draw(st):
    return st.ints[POS] == 0


@njit(cache=True)
def batched_act(st, eta, u):
    """Arm of the current block; ``u`` is used only at a block start."""
    if st.ints[POS] == 0:
        st.ints[ARM] = exp3_sample(st.exp3, eta, u)
        st.ints[BLOCK] += 1
    return st.ints[ARM]


@njit(cache=True)
def batched_update(st, tau, a, loss):
    st.bsum[0] += loss
    st.ints[POS] += 1
    if st.ints[POS] == tau:
        exp3_feed(st.exp3, a, st.bsum[0] / tau)
        st.ints[POS] = 0
        st.bsum[0] = 0.0


@njit(cache=True)
def run_batched_exp3(data, hist, io, st, eta, tau, us):
    """Whole run over ``io.draws``; fills ``io`` (see ``_common.RunArrays``)."""
    T = io.draws.shape[0]
    for t in range(T):
        u = us[st.ints[BLOCK]] if st.ints[POS] == 0 else 0.0
        a = batched_act(st, eta, u)
        y, f, loss = env_step(data, hist, a, io.draws[t])
        io.regret[t] = f - data.mu_star
        r = 1.0 - loss
        io.reward[t] = r
        io.tally[t] = y
        batched_update(st, tau, a, 1.0 - r)


class BatchedEXP3(TallyingLearner):
    """EXP3 over blocks of length ceil(T^{1/3}) (module docstring)."""

    provenance = (
        "Baseline proposed for the experiments [P]; batching of Arora, Dekel & Tewari "
        "(2012) with tau = ceil(T^{1/3}) and block-mean losses [R]."
    )

    def __init__(self, n_actions, T, rng, *, tau=None, fast=True):
        K = check_positive_int(n_actions, "n_actions")
        self.n_actions, self.T = K, check_positive_int(T, "T")
        self.tau = block_length(self.T) if tau is None else check_positive_int(tau, "tau")
        self.n_blocks = -(-self.T // self.tau)
        self.eta = exp3_eta(K, self.n_blocks)
        self.rng = as_generator(rng)
        self.fast = check_bool(fast, "fast")
        self.state = BatchedState(init_exp3(K), np.zeros(3, dtype=np.int64), np.zeros(1))

    def act(self) -> int:
        u = self.rng.random() if batched_needs_draw(self.state) else 0.0
        return int(batched_act(self.state, self.eta, u))

    def update(self, a: int, r: float) -> None:
        batched_update(self.state, self.tau, int(a), 1.0 - float(r))

    def _run(self, data, hist, io):
        T = io.draws.shape[0]
        started = int(self.state.ints[BLOCK])
        pos = int(self.state.ints[POS])
        first = 0 if pos == 0 else (self.tau - pos)
        n_new = 0 if T <= first else -(-(T - first) // self.tau)
        us = np.zeros(started + n_new)
        us[started:] = self.rng.random(n_new)
        run_batched_exp3(data, hist, io, self.state, self.eta, self.tau, us)


@register_learner("batched-exp3")
def make_batched_exp3(env_info: dict, rng, *, T=None, tau=None, fast=True) -> BatchedEXP3:
    """Batched EXP3; its uniforms come from the learner's ``rng``."""
    return BatchedEXP3(
        env_info["n_actions"], horizon_of(env_info, T, "batched-exp3"), rng, tau=tau, fast=fast
    )

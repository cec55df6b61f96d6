r"""Oracle-a*: always play the REO arm a* (its CPR is at most m - 1; the floor of the
experiments). Reads ``env_info["oracle_best_arm"]`` (or ``arm=``), nothing else. Paper page
``docs/papers/weighted-tallying.md`` ("Baselines").
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ...envs.tallying import env_step
from ...experiments.registry import register_learner
from ...utils import as_generator, check_positive_int
from ._common import TallyingLearner, check_bool

__all__ = ["OracleArm", "run_constant", "make_oracle_a_star"]


@njit(cache=True)
def run_constant(data, hist, io, arm):
    """Whole run over ``io.draws``; fills ``io`` (see ``_common.RunArrays``)."""
    T = io.draws.shape[0]
    for t in range(T):
        y, f, loss = env_step(data, hist, arm, io.draws[t])
        io.regret[t] = f - data.mu_star
        io.reward[t] = 1.0 - loss
        io.tally[t] = y


class OracleArm(TallyingLearner):
    """Play ``arm`` every round."""

    provenance = "Oracle baseline proposed for the experiments [P]."

    def __init__(self, n_actions, arm, *, fast=True):
        self.n_actions = check_positive_int(n_actions, "n_actions")
        arm = check_positive_int(arm, "arm", 0)
        if arm >= self.n_actions:
            raise ValueError(f"arm must be < n_actions = {self.n_actions}, got {arm}")
        self.arm = arm
        self.fast = check_bool(fast, "fast")

    def act(self) -> int:
        return self.arm

    def update(self, a: int, r: float) -> None:
        pass

    def _run(self, data, hist, io):
        run_constant(data, hist, io, np.int64(self.arm))


@register_learner("oracle-a-star")
def make_oracle_a_star(env_info: dict, rng, *, arm=None, fast=True) -> OracleArm:
    """Always a* (``env_info["oracle_best_arm"]``) or the given ``arm``."""
    as_generator(rng)
    if arm is None:
        arm = env_info.get("oracle_best_arm")
        if arm is None:
            raise ValueError("oracle-a-star needs env_info['oracle_best_arm'] or arm=...")
    return OracleArm(env_info["n_actions"], arm, fast=fast)

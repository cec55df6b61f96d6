r"""Always-best-steady: pull ``argmax_i f_i(+M)`` (first index on ties) in every round.

Paper page: ``docs/papers/lsd-bandits.md`` (section "Baselines"). A trivial lower
benchmark: its long-run gain is ``max_i f_i(+M)``.
"""

from __future__ import annotations

import numpy as np

from ...experiments.registry import register_learner
from ...utils import as_generator
from ..base import BanditLearner
from . import _kernels as K
from ._base import check_fast_env, check_fast_flag, lsd_info

__all__ = ["AlwaysBestSteady", "make_steady"]


class AlwaysBestSteady(BanditLearner):
    """Always pull the arm with the best fully-satiated payoff ``f_i(+M)``."""

    provenance = "Trivial benchmark defined for the testbed [D]."

    def __init__(self, f, horizon, rng=None, *, exactly_one=False, fast=True):
        self.f = np.ascontiguousarray(np.asarray(f, dtype=np.float64))
        if self.f.ndim != 2 or self.f.shape[1] % 2:
            raise ValueError(f"f must have shape (k, 2M), got {self.f.shape}")
        self.k, self.M = self.f.shape[0], self.f.shape[1] // 2
        self.T = int(horizon)
        self.exactly_one = bool(exactly_one)
        self.fast = check_fast_flag(fast)
        self.arm = int(np.argmax(self.f[:, -1]))

    def act(self) -> int:
        return self.arm

    def update(self, a, r) -> None:
        if a != self.arm:
            raise ValueError(f"a = {a} is not the action returned by act()")

    def fast_run(self, env, n_steps, rng) -> dict:
        T = check_fast_env(env, self, n_steps)
        rew, mean = K.run_fixed_arm(env.f, self.arm, as_generator(rng).random(T))
        return {"regret": env.gain - mean, "reward": rew}


@register_learner("lsd-steady")
def make_steady(env_info, rng, *, fast=True) -> AlwaysBestSteady:
    """Always-best-steady (reads ``env_info['oracle_f']``)."""
    k, M, T, eo, f = lsd_info(env_info, oracle=True)
    return AlwaysBestSteady(f, T, rng, exactly_one=eo, fast=fast)

r"""Oracle greedy for LSD bandits (Laforgue et al.'s "Oracle Greedy").

Paper page: ``docs/papers/lsd-bandits.md`` (section "Baselines"). Every round pull
``argmax_i f_i(s_i(t))`` with the true means, ties uniformly at random (one uniform of the
learner's stream per round). It never idles (payoffs are >= 0).
"""

from __future__ import annotations

import numpy as np

from ...envs.lsd import lsd_advance
from ...experiments.registry import register_learner
from ...utils import as_generator
from ..base import BanditLearner
from . import _kernels as K
from ._base import check_fast_env, check_fast_flag, lsd_info

__all__ = ["OracleGreedy", "make_greedy"]


class OracleGreedy(BanditLearner):
    """Oracle greedy with true means ``f`` (k, 2M)."""

    provenance = (
        "Oracle greedy with true means and random tie-breaking: Laforgue, Clerici, "
        "Cesa-Bianchi, Gilad-Bachrach 2022, released code (run_exp.py) [C]."
    )

    def __init__(self, f, horizon, rng, *, exactly_one=False, fast=True):
        self.f = np.ascontiguousarray(np.asarray(f, dtype=np.float64))
        if self.f.ndim != 2 or self.f.shape[1] % 2:
            raise ValueError(f"f must have shape (k, 2M), got {self.f.shape}")
        self.k, self.M = self.f.shape[0], self.f.shape[1] // 2
        self.T = int(horizon)
        self.exactly_one = bool(exactly_one)
        self.fast = check_fast_flag(fast)
        self.rng = as_generator(rng)
        self.codes = np.full(self.k, self.M - 1, dtype=np.int64)
        self._a = -1

    def act(self) -> int:
        self._a = int(K.greedy_choose(self.f, self.codes, self.rng.random()))
        return self._a

    def update(self, a, r) -> None:
        if a != self._a:
            raise ValueError(f"a = {a} is not the action returned by act()")
        lsd_advance(self.codes, a, self.M)

    def fast_run(self, env, n_steps, rng) -> dict:
        """Whole run in one kernel (same numbers as act/update)."""
        T = check_fast_env(env, self, n_steps)
        env_u = as_generator(rng).random(T)
        tie_u = self.rng.random(T)
        acts, rew, mean = K.run_greedy(env.f, self.f, tie_u, env_u)
        self.actions = acts
        return {"regret": env.gain - mean, "reward": rew}


@register_learner("lsd-greedy")
def make_greedy(env_info, rng, *, fast=True) -> OracleGreedy:
    """Oracle greedy (reads ``env_info['oracle_f']``)."""
    k, M, T, eo, f = lsd_info(env_info, oracle=True)
    return OracleGreedy(f, T, rng, exactly_one=eo, fast=fast)

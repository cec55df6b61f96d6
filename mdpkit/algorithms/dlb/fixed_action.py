"""The constant-action learner behind the Expert and Clairvoyant baselines of the
DynLin-UCB experiments (docs/papers/dynlin-ucb.md#baselines)."""

from __future__ import annotations

import numpy as np

from ...utils import as_generator, check_positive_int
from .. import _dlb_kernels as K
from ..base import BanditLearner
from .reference_config import _PROV_CODE


class FixedAction(BanditLearner):
    """Holds one action forever: an arm index (Clairvoyant) or an action vector (Expert).

    With a vector action, ``act`` returns the vector (the DLB env accepts it); the runner's
    generic loop only accepts arm indices, so the runner uses :meth:`fast_run` (always
    present) for it.
    """

    provenance = _PROV_CODE + "a constant policy (regret reference / expert allocation)."

    def __init__(self, action, label="fixed"):
        self.action = action
        self.label = label

    def act(self):
        return self.action

    def update(self, a, r) -> None:
        pass

    def info(self) -> dict:
        return {} if isinstance(self.action, np.ndarray) else {"action": float(self.action)}

    def fast_run(self, env, n_steps, rng) -> dict:
        T = check_positive_int(n_steps, "n_steps")
        if getattr(env, "t", 0) != 0:
            raise ValueError("env must be fresh (no pull before fast_run)")
        Z = as_generator(rng).standard_normal((T, env.n + env.m))
        Bu_a, thetau_a, _ = env._arm(self.action)
        rew = K.run_fixed(
            env.A, env.omega, np.ascontiguousarray(Bu_a), thetau_a, env.state_sigma, env.sigma, Z
        )
        out = {"regret": np.full(T, env.pseudo_regret(self.action)), "reward": rew}
        if not isinstance(self.action, np.ndarray):
            out["action"] = np.full(T, float(self.action))
        return out

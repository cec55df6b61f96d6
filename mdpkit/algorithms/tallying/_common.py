r"""Shared machinery of the tallying-bandit learners (paper page
``docs/papers/weighted-tallying.md``, "Algorithms as implemented").

Every learner keeps its state in small numpy arrays grouped in a NamedTuple, and its decision
and update rules exist once, as ``@njit(cache=True)`` step functions. ``act`` / ``update``
call them one round at a time; ``fast_run`` calls the learner's whole-run kernel, a plain
loop over :func:`mdpkit.envs.tallying.env_step` and the same step functions. The reward
handed to ``update`` is ``1 - loss``; every path turns it back into the loss as ``1.0 - r``
so both paths do the same floating-point operations.

Learners never read m or w: their factories look only at ``n_actions``, ``n_steps``, ``M``
(the published memory bound) and, for the oracle, ``oracle_best_arm``.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from ...envs.tallying import TallyingBandit
from ...utils import check_positive_int
from ..base import BanditLearner

__all__ = [
    "TallyingLearner",
    "RunArrays",
    "check_delta",
    "check_bool",
    "horizon_of",
    "memory_bound_of",
]


class RunArrays(NamedTuple):
    """Inputs and outputs of a whole-run kernel, T = ``draws.shape[0]`` rounds.

    draws (T,): the env's draws (uniforms if Bernoulli, else standard normals);
    regret (T,): ``f - mu*`` per round; reward (T,): ``1 - loss``; tally (T,): the played
    action's tally; info (n_info, T): the learner's info columns.
    """

    draws: np.ndarray
    regret: np.ndarray
    reward: np.ndarray
    tally: np.ndarray
    info: np.ndarray


def check_delta(delta, T: int) -> float:
    """``delta`` in (0, 1); None -> 1/T (the paper page's default)."""
    if delta is None:
        return 1.0 / T if T > 1 else 0.5
    if isinstance(delta, (bool, np.bool_)) or not isinstance(delta, numbers.Real):
        raise TypeError(f"delta must be a real number, got {type(delta).__name__}")
    d = float(delta)
    if not (math.isfinite(d) and 0.0 < d < 1.0):
        raise ValueError(f"delta must be in (0, 1), got {d}")
    return d


def check_bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def horizon_of(env_info: dict, T, who: str) -> int:
    T = env_info.get("n_steps") if T is None else T
    if T is None:
        raise ValueError(f"{who} needs the horizon: env_info['n_steps'] or T=...")
    return check_positive_int(T, "T")


def memory_bound_of(env_info: dict, M, who: str) -> int:
    M = env_info.get("M") if M is None else M
    if M is None:
        raise ValueError(f"{who} needs the memory bound: env_info['M'] or M=...")
    return check_positive_int(M, "M")


class TallyingLearner(BanditLearner):
    """Base: ``fast`` switch, loss conversion and the ``fast_run`` wrapper.

    Subclasses define ``info_keys`` (names of their per-round info columns), ``_info_values()``
    and ``_run(data, hist, io)`` (calls their kernel with a :class:`RunArrays` ``io``).
    """

    info_keys: tuple = ()
    fast: bool = True

    def info(self) -> dict:
        vals = self._info_values()
        return {k: float(v) for k, v in zip(self.info_keys, vals)}

    def _info_values(self):
        return ()

    def fast_run(self, env, n_steps: int, rng) -> dict:
        """Whole interaction in one compiled loop; same numbers as the generic loop.

        Draws the env's noise from ``rng`` (the env's stream) as ``n_steps`` pulls would and
        leaves ``env`` in its final state (history, round counter, tally log)."""
        if not isinstance(env, TallyingBandit):
            raise TypeError(
                f"{type(self).__name__}.fast_run needs a TallyingBandit, got {type(env).__name__}"
            )
        T = check_positive_int(n_steps, "n_steps")
        draws = rng.random(T) if env.data.bernoulli else rng.standard_normal(T)
        io = RunArrays(
            draws, np.empty(T), np.empty(T), np.empty(T), np.empty((len(self.info_keys), T))
        )
        self._run(env.data, env.hist, io)
        env.t += T
        if env.record:
            env.set_tally_log(np.concatenate([env.tally_log, io.tally]))
        out = {"regret": io.regret, "reward": io.reward}
        for i, k in enumerate(self.info_keys):
            out[k] = io.info[i]
        return out

r"""Explore-then-commit for LSD bandits.

Paper page: ``docs/papers/lsd-bandits.md`` (section "Learning"). Reconstructed [R]: force
``n_e = ceil(ceil(T^(2/3)) / (2 k M))`` visits of every (arm, state) pair by a fixed
schedule, then solve the LP once with the empirical means and run the rounding (plans
re-drawn every block, as LP-UCB) for the rest of the horizon.

Exploration schedule (decision): ``n_e`` repetitions of, for every arm i: ``M + 1`` pulls
of i, then for each idle length ``d = 1..M``: ``d`` rounds without pulling i (the idle
action, or with ``exactly_one`` the next arm ``(i + 1) mod k``; nothing for k = 1), then
``M + 1`` consecutive pulls of i. Each repetition observes arm i at ``-d`` for every d
(k = 1 with ``exactly_one``: only the initial ``-M`` is reachable) and at every ``+j``. Observations made while idling other arms count as well.
Unobserved states get mean 0 in the committed LP. Truncated at T.
"""

from __future__ import annotations

import math

import numpy as np

from ...experiments.registry import register_learner
from . import _kernels as K
from ._base import PlanLearner, lsd_info

__all__ = ["ExploreThenCommit", "exploration_schedule", "make_etc"]

PROVENANCE_ETC = (
    "Explore-then-commit with ceil(T^(2/3))/(2kM) forced visits per (arm, state), then the "
    "LP rounding with empirical means: reconstructed [R] as the classical T^(2/3) route for "
    "LP-based planners; the exploration schedule is a decision of this implementation."
)


def exploration_schedule(
    k: int, M: int, T: int, exactly_one: bool = False, n_e: int | None = None
) -> np.ndarray:
    """The forced-exploration action list (module docstring), truncated at T; int64."""
    if n_e is None:
        n_e = math.ceil(math.ceil(T ** (2.0 / 3.0)) / (2 * k * M))
    acts: list = []
    for _ in range(n_e):
        for i in range(k):
            acts.extend([i] * (M + 1))  # arm i now at +M
            for d in range(1, M + 1):
                if exactly_one:
                    if k > 1:
                        acts.extend([(i + 1) % k] * d)
                else:
                    acts.extend([k] * d)
                acts.extend([i] * (M + 1))  # observes -d, then +1..+M
                if len(acts) >= T:
                    return np.array(acts[:T], dtype=np.int64)
    return np.array(acts, dtype=np.int64)


class ExploreThenCommit(PlanLearner):
    """Explore-then-commit. Extra parameters: ``n_e`` (visits per pair, default module
    docstring), ``envelope`` (monotone envelope of the empirical means, default False)."""

    provenance = PROVENANCE_ETC

    def __init__(self, k, M, horizon, rng, *, n_e=None, envelope=False, **kw):
        super().__init__(k, M, horizon, rng, **kw)
        if n_e is not None and (isinstance(n_e, bool) or not isinstance(n_e, int) or n_e < 1):
            raise ValueError(f"n_e must be an integer >= 1 or None, got {n_e!r}")
        if not isinstance(envelope, (bool, np.bool_)):
            raise TypeError(f"envelope must be a bool, got {type(envelope).__name__}")
        self.envelope = bool(envelope)
        self.schedule = exploration_schedule(self.k, self.M, self.T, self.exactly_one, n_e)
        self._constant_table = True
        self._committed = None

    def _table(self) -> np.ndarray:
        if self._committed is None:
            buf = np.zeros((self.k, 2 * self.M))
            K.ucb_table(self.stats, 0.0, False, self.envelope, buf)
            self._committed = buf
        return self._committed


@register_learner("lsd-etc")
def make_etc(
    env_info, rng, *, n_e=None, envelope=False, block=None, phase_mode="independent", fast=True
) -> ExploreThenCommit:
    """Explore-then-commit on an LSD env."""
    k, M, T, eo = lsd_info(env_info)
    return ExploreThenCommit(
        k,
        M,
        T,
        rng,
        n_e=n_e,
        envelope=envelope,
        block=block,
        exactly_one=eo,
        phase_mode=phase_mode,
        fast=fast,
    )

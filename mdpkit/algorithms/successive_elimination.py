r"""Successive elimination (Even-Dar, Mannor, Mansour 2006; regret form of Slivkins 2019,
"Introduction to multi-armed bandits", Ch. 1);
docs/papers/classical-baselines.md#algorithms-as-implemented.

Setting
-------
k arms with rewards in [0, 1], horizon T known; pseudo-regret as for UCB1.

Algorithm: the active set starts with all arms. In each phase every active arm is pulled
once (in increasing index order), so all active arms have the same count n. After a phase,
with the confidence radius :math:`r(n) = \sqrt{2 \ln T / n}`, UCB_a = mean_a + r(n) and
LCB_a = mean_a - r(n); every arm whose UCB is below the largest LCB is deactivated. Phases
stop at T pulls (the runner stops calling). Bounds: :data:`mdpkit.bounds.SUCCESSIVE_ELIMINATION`
and :data:`mdpkit.bounds.SUCCESSIVE_ELIMINATION_WORST_CASE` [derived].

Decisions
---------
* Deactivation uses a strict inequality UCB_a < max LCB, as in the usual statement; at least the arm
  with the largest LCB always survives.
* Within a phase, arms are pulled in increasing index order; the learner is deterministic.
* T = ``env_info["n_steps"]`` (or the ``T`` parameter). The PAC/best-arm variant
  (alpha_t with c = 4) is not implemented.
"""

from __future__ import annotations

import numpy as np

from ..bounds.classical import (
    KARMED_LOWER,
    SUCCESSIVE_ELIMINATION,
    SUCCESSIVE_ELIMINATION_WORST_CASE,
)
from ..experiments.registry import register_learner
from ..utils import as_generator, check_positive_int
from .base import BanditLearner, check_fast

__all__ = ["SuccessiveElimination"]


class SuccessiveElimination(BanditLearner):
    """Successive elimination with radius sqrt(2 ln T / n).

    Attributes
    ----------
    active : ndarray bool (k,)
    counts, sums : ndarray (k,)
    """

    #: Bound objects this learner is checked against (mdpkit.bounds).
    bounds = (SUCCESSIVE_ELIMINATION, SUCCESSIVE_ELIMINATION_WORST_CASE, KARMED_LOWER)

    provenance = (
        "Phase structure, radius sqrt(2 ln T / n), elimination rule and the regret bound "
        "(derived from the clean-event argument): classical-baselines.md#algorithms-as-implemented [derived]. Pull order "
        "within a phase: decision [D]."
    )

    def __init__(self, n_actions: int, T: int):
        self.n_actions = check_positive_int(n_actions, "n_actions")
        self.T = check_positive_int(T, "T", minimum=2)
        self.active = np.ones(self.n_actions, dtype=bool)
        self.counts = np.zeros(self.n_actions, dtype=np.int64)
        self.sums = np.zeros(self.n_actions)
        self._queue = list(range(self.n_actions))
        self.n_phases = 0

    def radius(self, n: int) -> float:
        return float(np.sqrt(2.0 * np.log(self.T) / n))

    def act(self) -> int:
        return int(self._queue[0])

    def update(self, a: int, r: float) -> None:
        if a != self._queue[0]:
            raise ValueError(f"arm {a} was not the arm chosen by act() ({self._queue[0]})")
        self._queue.pop(0)
        self.counts[a] += 1
        self.sums[a] += r
        if not self._queue:
            self._end_phase()

    def _end_phase(self) -> None:
        self.n_phases += 1
        act = np.flatnonzero(self.active)
        n = int(self.counts[act[0]])
        means = self.sums[act] / n
        rad = self.radius(n)
        ucb, lcb = means + rad, means - rad
        keep = ucb >= lcb.max()
        self.active[act[~keep]] = False
        self._queue = list(np.flatnonzero(self.active))

    def info(self) -> dict:
        return {"n_active": float(self.active.sum())}


@register_learner("successive-elimination")
def make_successive_elimination(
    env_info: dict, rng, *, fast: bool = True, **params
) -> SuccessiveElimination:
    """Successive elimination (deterministic; ``rng`` unused). Params: T (default n_steps)."""
    as_generator(rng)
    params = dict(params)
    T = params.pop("T", env_info.get("n_steps"))
    if params:
        raise TypeError(f"successive_elimination got unknown parameters {sorted(params)}")
    if T is None:
        raise ValueError("successive_elimination needs the horizon: env_info['n_steps'] or T=...")
    learner = SuccessiveElimination(env_info["n_actions"], T)
    learner.fast = check_fast(fast)  # no compiled fast path: both settings run the generic loop
    return learner

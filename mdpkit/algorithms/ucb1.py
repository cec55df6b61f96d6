r"""UCB1 (Auer, Cesa-Bianchi, Fischer 2002, "Finite-time analysis of the multiarmed bandit
problem"); docs/papers/classical-baselines.md#algorithms-as-implemented.

Setting
-------
k arms with reward distributions on [0, 1] and means mu_i; n rounds; pseudo-regret
R_n = n mu* - E[sum_t mu_{A_t}].

Algorithm: pull each arm once (arms 0, 1, ..., k-1); afterwards pull

.. math:: A_t = \arg\max_i \ \bar x_i + \sqrt{2 \ln t / n_i},

where :math:`\bar x_i` is the empirical mean and :math:`n_i` the pull count of arm i, and
t is the total number of pulls so far. Bound: :data:`mdpkit.bounds.UCB1` [exact, Thm 1],
:data:`mdpkit.bounds.UCB1_WORST_CASE` [derived].

Decisions
---------
* t = total pulls *before* the current round ("t = total pulls so far"); after the
  initial k pulls, t >= k >= 1 so ln t >= 0.
* Ties: lowest index (``np.argmax``), so the learner is deterministic and ignores its rng.
* Only sums and counts are stored; the index is computed vectorised over arms.
"""

from __future__ import annotations

import numpy as np

from ..bounds.classical import KARMED_LOWER, UCB1_WORST_CASE
from ..bounds.classical import UCB1 as UCB1_BOUND
from ..experiments.registry import register_learner
from ..utils import as_generator, check_positive_int
from .base import BanditLearner, check_fast

__all__ = ["UCB1"]


class UCB1(BanditLearner):
    """UCB1 on ``n_actions`` arms with rewards in [0, 1].

    Attributes
    ----------
    counts : ndarray (k,) int
    sums : ndarray (k,) float
    t : int   total pulls so far
    """

    #: Bound objects this learner is checked against (mdpkit.bounds).
    bounds = (UCB1_BOUND, UCB1_WORST_CASE, KARMED_LOWER)

    provenance = (
        "Index xbar_i + sqrt(2 ln t / n_i), initial round-robin and Thm 1 bound: classical-baselines.md#algorithms-as-implemented "
        "[exact]. Tie rule (lowest index) and t = pulls before the round: decisions [D]."
    )

    def __init__(self, n_actions: int):
        self.n_actions = check_positive_int(n_actions, "n_actions")
        self.counts = np.zeros(self.n_actions, dtype=np.int64)
        self.sums = np.zeros(self.n_actions)
        self.t = 0

    def index(self) -> np.ndarray:
        """UCB indices (k,), +inf for arms never pulled."""
        with np.errstate(divide="ignore", invalid="ignore"):
            idx = self.sums / self.counts + np.sqrt(2.0 * np.log(max(self.t, 1)) / self.counts)
        idx[self.counts == 0] = np.inf
        return idx

    def act(self) -> int:
        if self.t < self.n_actions:
            return int(self.t)  # initial round-robin: arm t at pull t (all counts 0 before)
        return int(np.argmax(self.index()))

    def update(self, a: int, r: float) -> None:
        self.counts[a] += 1
        self.sums[a] += r
        self.t += 1


@register_learner("ucb1")
def make_ucb1(env_info: dict, rng, *, fast: bool = True, **params) -> UCB1:
    """UCB1 (deterministic; ``rng`` unused). No parameters but the switch ``fast`` (UCB1 has
    no compiled fast path: both settings run the generic loop)."""
    as_generator(rng)
    if params:
        raise TypeError(f"ucb1 takes no parameters, got {sorted(params)}")
    learner = UCB1(env_info["n_actions"])
    learner.fast = check_fast(fast)
    return learner

r"""CombUCB1 on blocks for LSD bandits, as in Laforgue et al.'s released code.

Paper page: ``docs/papers/lsd-bandits.md`` (section "Laforgue et al.'s baselines"). The
learner works in Laforgue's "rounds since last pull" delays (pulled arm -> 1, others + 1;
our initial state ``-M`` is a delay of ``M + 1``), with one index per (arm, delay
``1..d``), delays ``>= d`` pooled at ``d``:

* every block of d rounds it plays the sequence maximising the optimistic block value of
  :func:`mdpkit.algorithms.lsd._kernels.comb_sequence_value` (the first pull of an arm at
  position p is valued at its delay ``delay + p``; later pulls at their in-block delay);
  the authors solve an LP with rounding (cvxopt); here the ``k^d`` sequences are enumerated
  exactly (the same objective, maximised exactly);
* indices start at ``d sqrt(1.5 ln(k d))``; after each pull the pulled (arm, delay) tally is
  updated and, for every arm, the index at its *current* capped delay is refreshed to
  ``mean + sqrt(1.5 ln t / n)`` (the code's lazy refresh, kept).

This model of the payoff (delay only) is exact on recharging instances such as Laforgue's;
on general LSD instances it is misspecified.
"""

from __future__ import annotations

import math

import numpy as np

from ...experiments.registry import register_learner
from ...utils import as_generator, check_positive_int
from ..base import BanditLearner
from . import _kernels as K
from ._base import check_fast_env, check_fast_flag, lsd_info

__all__ = ["CombUCB1", "make_comb_ucb1"]

MAX_SEQUENCES = 2_000_000


class CombUCB1(BanditLearner):
    """CombUCB1 on blocks of ``block`` pulls (module docstring).

    Parameters
    ----------
    k, M : int; horizon : int
    block : int              d (Laforgue: 3 on the 5-arm instance, 10 on the 2-arm one)
    first_weight : float     weight of first pulls in the block objective (1; ISI: 0)
    fast : bool
    """

    provenance = (
        "CombUCB1 on blocks, its index mean + sqrt(1.5 ln t / n), the initial index "
        "d sqrt(1.5 ln(k d)), delays pooled at d, lazy refresh at current delays: "
        "Laforgue, Clerici, Cesa-Bianchi, Gilad-Bachrach 2022, released code "
        "(run_exp.py, algo_tools.py) [C]. Exact enumeration of block sequences "
        "instead of their LP with rounding [D]."
    )

    def __init__(
        self, k, M, horizon, rng=None, *, block=3, first_weight=1.0, exactly_one=False, fast=True
    ):
        self.k = check_positive_int(k, "k")
        self.M = check_positive_int(M, "M")
        self.T = check_positive_int(horizon, "horizon")
        self.d = check_positive_int(block, "block")
        if self.k**self.d > MAX_SEQUENCES:
            raise ValueError(
                f"block = {self.d} with k = {self.k} gives k^block = "
                f"{self.k**self.d} sequences > {MAX_SEQUENCES} to enumerate"
            )
        self.first_weight = float(first_weight)
        self.exactly_one = bool(exactly_one)
        self.fast = check_fast_flag(fast)
        init = self.d * math.sqrt(1.5 * math.log(self.k * self.d)) if self.k * self.d > 1 else 0.0
        self.ucb = np.full((self.k, self.d), init)
        self.counts = np.zeros((self.k, self.d), dtype=np.int64)
        self.means = np.zeros((self.k, self.d))
        self.delays = np.full(self.k, self.M + 1, dtype=np.int64)
        self.t = 0
        self.seq = np.zeros(0, dtype=np.int64)
        self.pos = 0
        self.seen = np.zeros(self.k, dtype=np.int64)

    def act(self) -> int:
        if self.pos >= self.seq.shape[0]:
            L = min(self.d, self.T - self.t)
            self.seq = K.comb_best_sequence(self.ucb, self.delays, L, self.first_weight)
            self.pos = 0
            self.seen[:] = 0
        return int(self.seq[self.pos])

    def update(self, a, r) -> None:
        if a != self.seq[self.pos]:
            raise ValueError(f"a = {a} is not the action returned by act()")
        use = self.first_weight > 0.0 or self.seen[a] == 1
        K.comb_observe(self.ucb, self.counts, self.means, self.delays, a, float(r), self.t + 1, use)
        self.seen[a] = 1
        self.pos += 1
        self.t += 1

    def fast_run(self, env, n_steps, rng) -> dict:
        T = check_fast_env(env, self, n_steps)
        acts, rew, mean = K.run_comb(
            env.f,
            self.ucb,
            self.counts,
            self.means,
            self.delays,
            self.d,
            self.first_weight,
            as_generator(rng).random(T),
        )
        self.actions = acts
        return {"regret": env.gain - mean, "reward": rew}


@register_learner("lsd-combucb1")
def make_comb_ucb1(env_info, rng, *, block=3, fast=True) -> CombUCB1:
    """CombUCB1 on blocks of ``block`` pulls."""
    k, M, T, eo = lsd_info(env_info)
    return CombUCB1(k, M, T, rng, block=block, first_weight=1.0, exactly_one=eo, fast=fast)

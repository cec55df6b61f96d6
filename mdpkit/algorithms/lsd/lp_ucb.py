r"""LP-UCB: the online adaptation of the LP rounding for LSD bandits with unknown payoffs.

Paper page: ``docs/papers/lsd-bandits.md`` (section "Learning"). Reconstructed rule (only
the paper's abstract could be read): every learning block of B rounds (default
``4 ceil(T^(1/3))``) the learner forms optimistic payoffs per (arm, state)::

    U_i(s) = min(1, fhat_i(s) + sqrt(ln(T k M) / (2 n_i(s))))     (U_i(s) = 1 if n_i(s) = 0)

optionally takes the monotone envelope (``U(-d) := max_{d'<=d} U(-d')``,
``U(+j) := max_{j'>=j} U(+j')``; keeps optimism when the true payoffs are monotone; turn it
off on non-monotone instances), solves the higher-dimensional LP with U, draws fresh plans
and phases, and plays the rounding for B rounds, tallying every (arm, state, reward).
Its full-information counterpart (:mod:`mdpkit.algorithms.lsd.lp_plan`) is the same loop
with ``U = f`` and the same random-number design.
"""

from __future__ import annotations

import math

import numpy as np

from ...experiments.registry import register_learner
from . import _kernels as K
from ._base import PlanLearner, lsd_info

__all__ = ["LPUCB", "make_lp_ucb"]

PROVENANCE_LP_UCB = (
    "Setting (LSD model, unknown means, bandit feedback) and the goal (sublinear regret "
    "against the full-information counterpart): Foussoul, Goyal, Papadigenopoulos, Zeevi "
    "2023, abstract [V]. The optimistic index, the log(T k M) bonus, the monotone envelope, "
    "the block length 4 ceil(T^(1/3)) and re-planning every block: reconstructed [R], "
    "validated numerically only; the paper's own learning rule was not read."
)


class LPUCB(PlanLearner):
    """LP-UCB (module docstring). Parameters: those of :class:`PlanLearner` plus
    ``envelope`` (bool, default True): monotone envelope of the optimistic table."""

    provenance = PROVENANCE_LP_UCB

    def __init__(self, k, M, horizon, rng, *, envelope=True, **kw):
        super().__init__(k, M, horizon, rng, **kw)
        if not isinstance(envelope, (bool, np.bool_)):
            raise TypeError(f"envelope must be a bool, got {type(envelope).__name__}")
        self.envelope = bool(envelope)
        self.log_term = math.log(self.T * self.k * self.M)
        self._buf = np.zeros((self.k, 2 * self.M))

    def _table(self) -> np.ndarray:
        K.ucb_table(self.stats, self.log_term, True, self.envelope, self._buf)
        return self._buf.copy()

    def optimistic_table(self) -> np.ndarray:
        """The table U the next block would use (for diagnostics), shape (k, 2M)."""
        return self._table()


@register_learner("lsd-lp-ucb")
def make_lp_ucb(
    env_info, rng, *, envelope=True, block=None, phase_mode="independent", fast=True
) -> LPUCB:
    """LP-UCB on an LSD env (``exactly_one`` taken from the env)."""
    k, M, T, eo = lsd_info(env_info)
    return LPUCB(
        k,
        M,
        T,
        rng,
        envelope=envelope,
        block=block,
        exactly_one=eo,
        phase_mode=phase_mode,
        fast=fast,
    )

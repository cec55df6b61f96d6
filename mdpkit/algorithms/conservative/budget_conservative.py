r"""Budget-conservative ("budget-conservative"): a cumulative-constraint comparator in the
style of CUCBVI (Garcelon et al. 2020; Yang et al. 2021), ``docs/papers/stepmix.md``.

Budget ``B_k = sum_{j<k} LB(pi_j) - (1 - alpha)(k - 1) V^b`` with ``LB(pi^b) := V^b``;
deploys pi^k iff ``B_k + LB(pi^k) - (1 - alpha) V^b >= 0``, else pi^b. The rule is in the
compiled :func:`~._kernels.decide`.
"""

from __future__ import annotations

from ...experiments.registry import register_learner
from . import _kernels as kr
from .base import PROVENANCE_MACHINERY, ConservativeLearner

__all__ = ["BudgetConservative", "make_budget"]

_R = " [R] comparator chosen for the experiments (the paper's comparators are unknown). "


class BudgetConservative(ConservativeLearner):
    """Cumulative-constraint (budget) algorithm, CUCBVI-style."""

    ALG = kr.ALG_BUDGET
    provenance = (
        "Budget-conservative (Garcelon et al. 2020, Yang et al. 2021)." + _R + PROVENANCE_MACHINERY
    )


@register_learner("budget-conservative")
def make_budget(env_info: dict, rng, **params) -> BudgetConservative:
    """Budget-conservative comparator; params as :class:`~.base.ConservativeLearner`."""
    return BudgetConservative(env_info, rng, **params)

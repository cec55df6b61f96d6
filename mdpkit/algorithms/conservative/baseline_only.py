r"""Baseline only ("baseline-only"): deploys the baseline policy every episode
(``docs/papers/stepmix.md``, "Algorithms as implemented"); its regret is exactly
``K (V* - V^b)`` (:data:`mdpkit.bounds.stepmix.BASELINE_ONLY_REGRET`).
"""

from __future__ import annotations

from ...bounds.stepmix import BASELINE_ONLY_REGRET
from ...experiments.registry import register_learner
from . import _kernels as kr
from .base import ConservativeLearner

__all__ = ["BaselineOnly", "make_baseline_only"]

_R = " [R] comparator chosen for the experiments (the paper's comparators are unknown). "


class BaselineOnly(ConservativeLearner):
    """Deploys the baseline every episode."""

    ALG = kr.ALG_BASELINE
    #: Bound objects this learner is checked against (mdpkit.bounds).
    bounds = (BASELINE_ONLY_REGRET,)
    provenance = "Baseline only." + _R


@register_learner("baseline-only")
def make_baseline_only(env_info: dict, rng, **params) -> BaselineOnly:
    """The baseline policy every episode; params as :class:`~.base.ConservativeLearner`."""
    return BaselineOnly(env_info, rng, **params)

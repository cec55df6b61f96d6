r"""Naive switch ("naive-switch"): deploys pi^k iff its pessimistic value ``LB(pi^k)`` is at
least the threshold, else the baseline: EpsMix with eps in {0, 1}
(``docs/papers/stepmix.md``). The rule is in the compiled :func:`~._kernels.decide`.
"""

from __future__ import annotations

from ...experiments.registry import register_learner
from . import _kernels as kr
from .base import PROVENANCE_MACHINERY, ConservativeLearner

__all__ = ["NaiveSwitch", "make_switch"]

_R = " [R] comparator chosen for the experiments (the paper's comparators are unknown). "


class NaiveSwitch(ConservativeLearner):
    """Naive episode-wise switch: EpsMix with eps in {0, 1}."""

    ALG = kr.ALG_SWITCH
    provenance = "Naive switch." + _R + PROVENANCE_MACHINERY


@register_learner("naive-switch")
def make_switch(env_info: dict, rng, **params) -> NaiveSwitch:
    """Naive switch comparator; params as :class:`~.base.ConservativeLearner`."""
    return NaiveSwitch(env_info, rng, **params)

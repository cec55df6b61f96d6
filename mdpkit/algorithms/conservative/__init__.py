"""Conservative exploration under episode-wise constraints (StepMix, EpsMix; docs/papers/stepmix.md).

Importing this package registers the learners ``stepmix``, ``epsmix``, ``stepmix-learned``,
``ucbvi-cons``, ``baseline-only``, ``budget-conservative`` and ``naive-switch``.
"""

from .base import ConservativeLearner, EmpiricalModel
from .baseline_only import BaselineOnly
from .budget_conservative import BudgetConservative
from .epsmix import EpsMix
from .learned_baseline import LearnedBaselineEpsMix, LearnedBaselineStepMix
from .naive_switch import NaiveSwitch
from .stepmix import StepMix
from .ucbvi_conservative import UCBVIConservative

__all__ = [
    "StepMix",
    "EpsMix",
    "LearnedBaselineStepMix",
    "LearnedBaselineEpsMix",
    "UCBVIConservative",
    "BaselineOnly",
    "BudgetConservative",
    "NaiveSwitch",
    "ConservativeLearner",
    "EmpiricalModel",
]

"""Conservative exploration under episode-wise constraints (StepMix, EpsMix; docs/papers/stepmix.md).

Importing this package registers the learners ``stepmix``, ``epsmix``, ``stepmix-learned``,
``ucbvi-cons``, ``baseline-only``, ``budget-conservative`` and ``naive-switch``.
"""
from .baseline_only import BaselineOnly
from .budget_conservative import BudgetConservative
from .naive_switch import NaiveSwitch
from .ucbvi_conservative import UCBVIConservative
from .epsmix import EpsMix
from .learned_baseline import LearnedBaselineEpsMix, LearnedBaselineStepMix
from .base import ConservativeLearner, EmpiricalModel
from .stepmix import StepMix

__all__ = ["StepMix", "EpsMix", "LearnedBaselineStepMix", "LearnedBaselineEpsMix",
           "UCBVIConservative", "BaselineOnly", "BudgetConservative", "NaiveSwitch",
           "ConservativeLearner", "EmpiricalModel"]

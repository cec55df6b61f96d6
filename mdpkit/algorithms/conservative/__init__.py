"""Conservative exploration under episode-wise constraints (StepMix, EpsMix; docs/papers/stepmix.md).

Importing this package registers the learners ``stepmix``, ``epsmix``, ``stepmix-learned``,
``ucbvi-cons``, ``baseline-only``, ``budget-conservative`` and ``naive-switch``.
"""
from .comparators import BaselineOnly, BudgetConservative, NaiveSwitch, UCBVIConservative
from .epsmix import EpsMix
from .learned_baseline import LearnedBaselineEpsMix, LearnedBaselineStepMix
from .machinery import ConservativeLearner, EmpiricalModel
from .stepmix import StepMix

__all__ = ["StepMix", "EpsMix", "LearnedBaselineStepMix", "LearnedBaselineEpsMix",
           "UCBVIConservative", "BaselineOnly", "BudgetConservative", "NaiveSwitch",
           "ConservativeLearner", "EmpiricalModel"]

"""Learners for weighted tallying bandits (paper page ``docs/papers/weighted-tallying.md``):
SE-WTB and the baselines Oracle-a*, SE-naive, UCB1 on losses, EXP3, Batched-EXP3.
Importing this package registers them."""

from . import batched_exp3, exp3, oracle, se_naive, se_wtb, ucb_losses  # noqa: F401
from .se_wtb import SEWTB  # noqa: F401

__all__ = ["SEWTB"]

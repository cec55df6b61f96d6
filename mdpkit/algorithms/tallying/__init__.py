"""Learners for weighted tallying bandits (paper page ``docs/papers/weighted-tallying.md``):
SE-WTB and the baselines Oracle-a*, SE-naive, UCB1 on losses, EXP3, Batched-EXP3.
Importing this package registers them."""
from . import se_wtb, se_naive, ucb_losses, exp3, batched_exp3, oracle  # noqa: F401
from .se_wtb import SEWTB  # noqa: F401

__all__ = ["SEWTB"]

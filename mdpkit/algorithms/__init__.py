"""Learners (``docs/ARCHITECTURE.md``, "Learners"): one module per family.

Importing this package registers every learner factory (``register_learner``); keep it a
plain list of imports, one line per family.
"""

from . import (
    conservative,
    dlb,
    dynlin_ucb,
    latent,
    linear_mixture,
    lsd,
    oful,
    psrl,
    successive_elimination,
    tallying,
    ucb1,
    ucbvi,
    ucrl2,
)
from .base import BanditLearner, EpisodicLearner  # noqa: F401

__all__ = ["EpisodicLearner", "BanditLearner"]

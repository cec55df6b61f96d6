"""Learners (``docs/ARCHITECTURE.md``, "Learners"): one module per family.

Importing this package registers every learner factory (``register_learner``); keep it a
plain list of imports, one line per family.
"""
from .base import BanditLearner, EpisodicLearner  # noqa: F401
from . import ucb1  # noqa: F401
from . import successive_elimination  # noqa: F401
from . import oful  # noqa: F401
from . import ucbvi  # noqa: F401
from . import psrl  # noqa: F401
from . import conservative  # noqa: F401
from . import dynlin_ucb, dlb_baselines  # noqa: F401
from . import lsd  # noqa: F401
from . import tallying  # noqa: F401
from . import linear_mixture  # noqa: F401
from . import latent  # noqa: F401

__all__ = ["EpisodicLearner", "BanditLearner"]

"""Interaction wrappers with oracles (``docs/ARCHITECTURE.md``, "Environments").

Importing this package registers the built-in env factories (``register_env``).
"""
from .bandits import BernoulliBandit, GaussianBandit, LinearBandit  # noqa: F401
from .episodic import EpisodicTabularEnv  # noqa: F401
from .gym_env import TabularMDPEnv  # noqa: F401
from . import conservative  # noqa: F401
from . import dlb  # noqa: F401
from . import lsd  # noqa: F401
from . import tallying  # noqa: F401
from . import linear_mixture  # noqa: F401
from . import latent  # noqa: F401

__all__ = ["EpisodicTabularEnv", "TabularMDPEnv", "BernoulliBandit", "GaussianBandit", "LinearBandit"]

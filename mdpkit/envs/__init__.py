"""Interaction wrappers with oracles (``docs/ARCHITECTURE.md``, "Environments").

Importing this package registers the built-in env factories (``register_env``).
"""

from . import (
    conservative,
    continuing,
    dlb,
    latent,
    linear_mixture,
    lsd,
    tallying,
)
from .bandits import BernoulliBandit, GaussianBandit, LinearBandit  # noqa: F401
from .episodic import EpisodicTabularEnv  # noqa: F401
from .gym_env import TabularMDPEnv  # noqa: F401

__all__ = [
    "EpisodicTabularEnv",
    "TabularMDPEnv",
    "BernoulliBandit",
    "GaussianBandit",
    "LinearBandit",
]

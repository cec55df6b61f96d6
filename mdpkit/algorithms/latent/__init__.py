"""Latent-MDP learners (``docs/papers/latent-mdp.md``): one module per algorithm, all on the
shared compiled rules of ``_kernels``."""

from . import context_agnostic, hoeffding_vo, mo, oracle_context, vo  # noqa: F401
from .common import LatentLearner  # noqa: F401
from .context_agnostic import ContextAgnostic  # noqa: F401
from .hoeffding_vo import HoeffdingVO  # noqa: F401
from .mo import MO  # noqa: F401
from .oracle_context import OracleContext  # noqa: F401
from .vo import VO  # noqa: F401

__all__ = ["LatentLearner", "VO", "MO", "HoeffdingVO", "OracleContext", "ContextAgnostic"]

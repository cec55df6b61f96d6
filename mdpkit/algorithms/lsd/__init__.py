"""Learners and planners for last-switch-dependent (LSD) bandits (paper page
``docs/papers/lsd-bandits.md``): one module per algorithm; importing the package registers
``lsd-lp-ucb``, ``lsd-lp-plan``, ``lsd-etc``, ``lsd-greedy``, ``lsd-steady``,
``lsd-combucb1`` and ``lsd-isi-combucb1``."""

from . import comb_ucb1, etc, greedy, isi_comb_ucb1, lp_plan, lp_ucb, steady  # noqa: F401
from .comb_ucb1 import CombUCB1  # noqa: F401
from .etc import ExploreThenCommit  # noqa: F401
from .greedy import OracleGreedy  # noqa: F401
from .isi_comb_ucb1 import ISICombUCB1  # noqa: F401
from .lp_plan import LPRounding  # noqa: F401
from .lp_ucb import LPUCB  # noqa: F401
from .steady import AlwaysBestSteady  # noqa: F401

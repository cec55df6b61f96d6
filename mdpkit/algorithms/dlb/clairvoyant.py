"""Clairvoyant baseline of the DynLin-UCB experiments (docs/papers/dynlin-ucb.md#baselines).

Clairvoyant [``dlb-clairvoyant``]: holds ``u*`` (oracle); zero R_ss. Provenance:
:attr:`FixedAction.provenance` (a constant policy, the regret reference).
"""

from __future__ import annotations

from ...experiments.registry import register_learner
from ..base import with_fast_switch
from ..dynlin_ucb import _info_get
from .fixed_action import FixedAction


@register_learner("dlb-clairvoyant")
@with_fast_switch
def make_clairvoyant(env_info, rng) -> FixedAction:
    """Clairvoyant: holds the optimal constant arm ``u*`` (oracle, dynlin-ucb.md#baselines)."""
    return FixedAction(int(_info_get(env_info, "oracle_best_arm")), label="Clairvoyant")

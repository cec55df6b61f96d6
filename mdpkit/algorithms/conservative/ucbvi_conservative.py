r"""UCBVI with the conservative family's planner ("ucbvi-cons"), the unconstrained comparator.

Deploys the optimistic policy pi^k every episode (``docs/papers/stepmix.md``, "Algorithms as
implemented"). It uses the conservative package's optimistic planner (Hoeffding bonus
``H sqrt(L / 2n)``, ``L = ln(6SAHK/delta)``, per-step counts, no monotone min with the
previous Q), not :mod:`mdpkit.algorithms.ucbvi`: with the same planner, StepMix and EpsMix with
alpha = 1 coincide with it trajectory for trajectory. The library's UCBVI-CH (bonus
``7 H L sqrt(1/N)``, ``L = ln(5SAT/delta)``, monotone min) is a different algorithm.
"""

from __future__ import annotations

from ...experiments.registry import register_learner
from . import _kernels as kr
from .base import PROVENANCE_MACHINERY, ConservativeLearner

__all__ = ["UCBVIConservative", "make_ucbvi_cons"]

_R = " [R] comparator chosen for the experiments (the paper's comparators are unknown). "


class UCBVIConservative(ConservativeLearner):
    """Unconstrained UCBVI with the conservative planner (alpha only enters the records)."""

    ALG = kr.ALG_UCBVI
    provenance = "UCBVI with the conservative planner." + _R + PROVENANCE_MACHINERY


@register_learner("ucbvi-cons")
def make_ucbvi_cons(env_info: dict, rng, **params) -> UCBVIConservative:
    """UCBVI with the conservative planner; params as :class:`~.base.ConservativeLearner`."""
    return UCBVIConservative(env_info, rng, **params)

r"""EpsMix (docs/papers/stepmix.md#epsmix).

Li, Huang, Shen, Yang, ICML 2023 (arXiv:2306.06265).

Per episode k: optimistic planning gives π^k, ``LB = PolicyEva(π^k)``; ``ε_k = 1`` if
``LB >= thr`` else ``ε_k = (V^b − thr)/(V^b − LB) = α V^b/(V^b − LB) ∈ [α, 1)``; one coin at
the start of the episode runs π^k with probability ε_k, π^b otherwise. Certified bound
``ε LB + (1 − ε) V^b = thr`` (stepmix.md#checks).

Provenance
----------
[V] EpsMix exists, is randomisation-based and has the same guarantees as StepMix (abstract).
[R] the episode-level coin and the ε formula; machinery of stepmix.md#empirical-model,
#optimistic-planning, #policyeva. No author code exists.

Decisions
---------
* Regret and constraint use the exact value of the episode-level mixture,
  ``ε V^{π^k} + (1−ε) V^b`` (stepmix.md#setting: expectation includes the internal randomisation).
  The compiled ``fast_run`` (the default) records exactly this. The generic act/update loop of the
  runner can only receive one Markov policy per episode; it gets the policy drawn by the
  episode's coin, so its ``regret`` column is an unbiased estimate of the exact one (an
  episode-level mixture of two Markov policies is in general not a Markov policy).
* The coin is drawn only when 0 < ε < 1 (stepmix.md#decisions), one ``rng.random()``.
"""

from __future__ import annotations

from ...bounds.stepmix import EPSMIX_REGRET, TABULAR_LOWER
from ...experiments.registry import register_learner
from . import _kernels as kr
from .base import PROVENANCE_MACHINERY, ConservativeLearner

__all__ = ["EpsMix", "make_epsmix"]


class EpsMix(ConservativeLearner):
    """EpsMix learner (stepmix.md#epsmix). Parameters: see :class:`~.base.ConservativeLearner`."""

    ALG = kr.ALG_EPSMIX
    #: Bound objects this learner is checked against (mdpkit.bounds).
    bounds = (EPSMIX_REGRET, TABULAR_LOWER)
    provenance = (
        "EpsMix (stepmix.md#epsmix). [V] randomisation-based alternative to StepMix with the same "
        "guarantees (abstract). [R] episode-level coin, eps = (V^b - thr)/(V^b - LB(pi^k)), "
        "eps = 1 when LB(pi^k) >= thr. " + PROVENANCE_MACHINERY
    )


@register_learner("epsmix")
def make_epsmix(env_info, rng, **params) -> EpsMix:
    return EpsMix(env_info, rng, **params)

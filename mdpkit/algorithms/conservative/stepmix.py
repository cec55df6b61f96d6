r"""StepMix (docs/papers/stepmix.md#stepmix, "Algorithm 1").

Li, Huang, Shen, Yang, "Near-optimal Conservative Exploration in Reinforcement Learning under
Episode-wise Constraints", ICML 2023 (arXiv:2306.06265).

Per episode k: optimistic planning (stepmix.md#optimistic-planning) gives π^k; the step-switch
family π^{(h)} = (π^k_1..π^k_h, π^b_{h+1}..π^b_H), h = 0..H, is evaluated pessimistically
(stepmix.md#policyeva): ``LB_0 = V^b`` (exact, known), ``LB_h = PolicyEva(π^{(h)})``. If
``LB_H >= thr`` π^k is deployed; otherwise ``h* = max{h : LB_h >= thr}`` and the step mixture
``(h*, ρ)`` with ``ρ = (LB_h* − thr)/(LB_h* − LB_h*+1)`` (one coin at step h*+1) is deployed, whose
certified bound ``ρ LB_{h*+1} + (1−ρ) LB_{h*}`` equals ``thr`` exactly.

Flags (stepmix.md#stepmix): ``order ∈ {"opt_first", "base_first"}`` (default "opt_first"),
``stepmix_select ∈ {"max_h", "max_ucb"}`` (default "max_h"), ``bonus ∈ {"hoeffding",
"bernstein"}``, ``bonus_scale`` (1.0 = theory; other values are "heuristic" runs), ``alpha``
or ``gamma_tol = 1 − alpha``.

Provenance
----------
[V] (abstract / third-party record) StepMix deploys an adaptive, smooth mixture of the
baseline and the optimistic policy; known safe baseline; episode-wise constraint w.h.p. for all
episodes; regret of the unconstrained order; Algorithm 1 is a StepMix block and Algorithm 3 a
policy-evaluation subroutine. [R] everything else: the step-switch family, the one-coin
mixture, ``LB_0 = V^b`` known, the ``max_h`` rule and ρ formula, the flags, the machinery of
stepmix.md#empirical-model, #optimistic-planning, #policyeva (see :mod:`.base`). No author code
exists.

Decisions
---------
* The committed policy returned by ``begin_episode`` is the Markov (H, S, A) table of the
  step mixture (coin probability ρ at step h*+1 in every state): only one state is visited at
  that step, so it is the same law as the single coin and its exact value is
  ``ρ V^{π^{(h*+1)}} + (1−ρ) V^{π^{(h*)}}`` (stepmix.md#checks).
* Agent randomness (coin, baseline actions) is drawn with one ``rng.random()`` per draw,
  only when needed (coin only in mixture episodes, stepmix.md#decisions), so α = 1 reproduces
  UCBVI's trajectories exactly.
* ``info()`` columns: ``lb`` (certified lower bound of the deployed policy), ``mix``
  (continuous index h* + ρ; H = fully optimistic), ``vbar`` (optimistic value of π^k),
  ``fully_optimistic``, ``uncertified``, ``threshold``; the fast path adds the exact
  ``value`` and ``constraint_ok``.
"""

from __future__ import annotations

from ...bounds.stepmix import STEPMIX_RECONSTRUCTION_HOEFFDING, STEPMIX_REGRET, TABULAR_LOWER
from ...experiments.registry import register_learner
from . import _kernels as kr
from .base import PROVENANCE_MACHINERY, ConservativeLearner

__all__ = ["StepMix", "make_stepmix"]


class StepMix(ConservativeLearner):
    """StepMix learner (stepmix.md#stepmix). Parameters: see :class:`~.base.ConservativeLearner`."""

    ALG = kr.ALG_STEPMIX
    #: Bound objects this learner is checked against (mdpkit.bounds).
    bounds = (STEPMIX_REGRET, STEPMIX_RECONSTRUCTION_HOEFFDING, TABULAR_LOWER)
    provenance = (
        "StepMix (stepmix.md#stepmix). [V] mixture of baseline and optimistic policy, adaptive and "
        "smooth; known safe baseline; episode-wise constraint; regret of unconstrained order "
        "(abstract). [R] the step-switch family, the one-coin step mixture, LB_0 = V^b known, "
        "h* = max certified h, rho = (LB_h* - thr)/(LB_h* - LB_h*+1), order 'opt_first', select "
        "'max_h'. " + PROVENANCE_MACHINERY
    )


@register_learner("stepmix")
def make_stepmix(env_info, rng, **params) -> StepMix:
    """StepMix on an env whose ``env_info`` gives the baseline (``ConservativeEnv``)."""
    return StepMix(env_info, rng, **params)

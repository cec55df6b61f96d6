r"""Comparators of the conservative experiments (``docs/papers/stepmix.md`` §b.7).

* :class:`UCBVIConservative` ("ucbvi-cons") — unconstrained UCBVI: deploys π^k every episode.
  It uses **this package's optimistic planner** (§b.2: Hoeffding bonus ``H sqrt(L/(2n⁺))``,
  ``L = ln(6SAHK/δ)``, per-step counts, no monotone min with the previous Q), not
  ``mdpkit.algorithms.ucbvi``: the spec asks for "the same bonus as §b.2" and for α = 1 runs of
  StepMix/EpsMix to coincide trajectory for trajectory with UCBVI, which needs the same
  planner; the library's UCBVI-CH follows classical_baselines §2.1 (bonus ``7 H L sqrt(1/N)``,
  ``L = ln(5SAT/δ)``, monotone min), a different algorithm for this purpose.
* :class:`BaselineOnly` ("baseline-only") — deploys π^b every episode.
* :class:`BudgetConservative` ("budget-conservative") — CUCBVI-style cumulative constraint
  (Garcelon et al. 2020; Yang et al. 2021): budget ``B_k = Σ_{j<k} LB(π_j) − (1−α)(k−1)V^b``
  with ``LB(π^b) := V^b``; deploys π^k iff ``B_k + LB(π^k) − (1−α)V^b >= 0``.
* :class:`NaiveSwitch` ("naive-switch") — deploys π^k iff ``LB(π^k) >= thr``, else π^b.

Provenance: [R] the comparator set and each rule (the paper's comparators are unverified,
spec §b.7); budget rule from Garcelon et al. 2020 / Yang et al. 2021 as written in the spec.

All share :class:`~.machinery.ConservativeLearner` (same planner, same PolicyEva, same
``info()`` columns, same compiled fast path).
"""
from __future__ import annotations

from ...bounds.stepmix import BASELINE_ONLY_REGRET
from ...experiments.registry import register_learner
from . import _kernels as kr
from .machinery import PROVENANCE_MACHINERY, ConservativeLearner

__all__ = ["UCBVIConservative", "BaselineOnly", "BudgetConservative", "NaiveSwitch"]

_R = " [R] comparator chosen by the spec (the paper's comparators are unverified). "


class UCBVIConservative(ConservativeLearner):
    """Unconstrained UCBVI with the §b.2 planner (alpha is only used for the records)."""

    ALG = kr.ALG_UCBVI
    provenance = "UCBVI (docs/papers/stepmix.md §b.7.1, §b.2 planner)." + _R + PROVENANCE_MACHINERY


class BaselineOnly(ConservativeLearner):
    """Deploys the baseline every episode (§b.7.2)."""

    ALG = kr.ALG_BASELINE
    #: Bound objects this learner is checked against (mdpkit.bounds).
    bounds = (BASELINE_ONLY_REGRET,)
    provenance = "Baseline only (docs/papers/stepmix.md §b.7.2)." + _R


class BudgetConservative(ConservativeLearner):
    """Cumulative-constraint (budget) algorithm, CUCBVI-style (§b.7.3)."""

    ALG = kr.ALG_BUDGET
    provenance = ("Budget-conservative (docs/papers/stepmix.md §b.7.3; Garcelon et al. 2020, Yang et al. "
                  "2021)." + _R + PROVENANCE_MACHINERY)


class NaiveSwitch(ConservativeLearner):
    """Naive episode-wise switch: EpsMix with ε ∈ {0, 1} (§b.7.4)."""

    ALG = kr.ALG_SWITCH
    provenance = "Naive switch (docs/papers/stepmix.md §b.7.4)." + _R + PROVENANCE_MACHINERY


@register_learner("ucbvi-cons")
def make_ucbvi_cons(env_info, rng, **params):
    return UCBVIConservative(env_info, rng, **params)


@register_learner("baseline-only")
def make_baseline_only(env_info, rng, **params):
    return BaselineOnly(env_info, rng, **params)


@register_learner("budget-conservative")
def make_budget(env_info, rng, **params):
    return BudgetConservative(env_info, rng, **params)


@register_learner("naive-switch")
def make_switch(env_info, rng, **params):
    return NaiveSwitch(env_info, rng, **params)

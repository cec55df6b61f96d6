r"""The LP rounding with virtual states, with known payoffs (the full-information planner).

Paper page: ``docs/papers/lsd-bandits.md`` (section "Rounding with virtual states").
Solve the higher-dimensional LP once with the true means ``f``; every planning block of B
rounds (``block=None``: the learning default ``4 ceil(T^(1/3))``; ``block=T`` is pure
planning with a single plan) draw for each arm a plan (cycle ``(tau, delta)`` with
probability ``x*``, steady with ``y*``, none otherwise) and a phase, and follow the
rounding rule of :func:`mdpkit.algorithms.lsd._kernels.rounding_choose`. This is LP-UCB's
full-information counterpart: same block structure, same random-number design, ``U = f``.
"""

from __future__ import annotations

import numpy as np

from ...experiments.registry import register_learner
from ...models.lsd import LSDInstance, check_monotone
from ._base import PlanLearner, lsd_info

__all__ = ["LPRounding", "make_lp_plan"]

PROVENANCE_LP_PLAN = (
    "Higher-dimensional LP relaxation and rounding by mirroring virtual states: named in "
    "Foussoul, Goyal, Papadigenopoulos, Zeevi 2023, abstract [V]. The LP (cycle variables "
    "x[i,tau,delta], steady variable y[i], two constraint families), the rounding (plan "
    "draw, uniform phases, eligibility by real idle time, incumbent-first contention, "
    "filler rule) and the correlated-phase ablation: reconstructed [R], validated "
    "numerically only; the paper's approximation constant is not encoded anywhere."
)


class LPRounding(PlanLearner):
    """The rounding with known payoffs ``f`` (k, 2M). Other parameters: :class:`PlanLearner`.
    ``require_monotone=True`` refuses non-monotone payoffs (the per-pull guarantee needs
    monotonicity; the rule itself runs on any table)."""

    provenance = PROVENANCE_LP_PLAN

    def __init__(self, f, horizon, rng, *, require_monotone=False, **kw):
        inst = LSDInstance(np.asarray(f, dtype=np.float64))
        if require_monotone:
            check_monotone(inst, "f")
        super().__init__(inst.k, inst.M, horizon, rng, **kw)
        self.f = np.ascontiguousarray(inst.f)
        self._constant_table = True

    def _table(self) -> np.ndarray:
        return self.f


@register_learner("lsd-lp-plan")
def make_lp_plan(
    env_info, rng, *, block=None, phase_mode="independent", require_monotone=False, fast=True
) -> LPRounding:
    """Full-information LP rounding (reads the true means ``env_info['oracle_f']``)."""
    k, M, T, eo, f = lsd_info(env_info, oracle=True)
    return LPRounding(
        f,
        T,
        rng,
        block=block,
        exactly_one=eo,
        phase_mode=phase_mode,
        require_monotone=require_monotone,
        fast=fast,
    )

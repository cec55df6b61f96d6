r"""Bounds for last-switch-dependent (LSD) bandits.

Paper page: ``docs/papers/lsd-bandits.md`` (sections "LP relaxation" and "Learning").

* :data:`LSD_RELAXATION_UPPER` [exact, derived]: ``OPT_T <= (T + M) LP*`` for any payoffs,
  by the cycle decomposition checked exactly in ``proofs_check/check_lsd.py`` (a virtual
  idle prefix of M rounds accounts for the rested start). x-axis T; ``LPstar`` is the
  instance's LP value.
* :data:`LSD_LEARNING_ORDER` [order only, unverified]: the learning rate of the
  reconstructed LP-UCB against its full-information counterpart is expected to be of
  order ``T^(2/3)`` (by analogy with the recharging-bandit and Laforgue et al. analyses);
  the paper only states "sublinear" (abstract). Drawn, if at all, as a dashed shape with
  constant 1, never fitted to data.
"""

from __future__ import annotations

import sympy as sp

from .base import Bound

__all__ = ["LSD_RELAXATION_UPPER", "LSD_LEARNING_ORDER", "LSD_BOUNDS", "relaxation_bound"]

_pos = dict(positive=True, real=True)
T, M, LPstar = sp.symbols("T M LPstar", **_pos)

LSD_RELAXATION_UPPER = Bound(
    "lsd_relaxation_upper",
    (T + M) * LPstar,
    (T, M, LPstar),
    reference="cycle decomposition of any schedule into (active length, idle length) cycles "
    "capped at M plus steady pulls (reconstructed LP of the LSD paper page; "
    "checked exactly in proofs_check/check_lsd.py)",
    exact=True,
    x_symbol=T,
    kind="upper",
    tag="derived",
    holds="deterministically, for every instance (monotone or not) and every T >= 1",
    setting="LSD bandit, all arms start at -M, at most (or exactly) one pull per round; "
    "OPT_T = best expected total payoff over T rounds",
    description={"T": "rounds", "M": "state cap", "LPstar": "value of the LSD LP"},
)

LSD_LEARNING_ORDER = Bound(
    "lsd_learning_order",
    T ** sp.Rational(2, 3),
    (T,),
    reference="Foussoul et al. 2023, abstract: sublinear regret against the full-information "
    "counterpart; the T^(2/3) order is a reconstruction [R, unverified]",
    exact=False,
    x_symbol=T,
    kind="upper",
    tag="order",
    holds="expected order only (poly(k, M) and log factors dropped)",
    setting="LSD bandit, regret against the full-information planner",
    description={"T": "rounds"},
)

LSD_BOUNDS = {b.name: b for b in (LSD_RELAXATION_UPPER, LSD_LEARNING_ORDER)}


def relaxation_bound(T: int, M: int, lp_value: float) -> float:
    """``(T + M) LP*`` (numeric)."""
    if T < 1 or M < 1:
        raise ValueError(f"T and M must be >= 1, got T = {T}, M = {M}")
    if not lp_value >= 0:
        raise ValueError(f"lp_value must be >= 0, got {lp_value}")
    return (T + M) * float(lp_value)

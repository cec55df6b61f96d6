r"""Bounds for weighted tallying bandits (paper page ``docs/papers/weighted-tallying.md``,
"Theory").

Symbols: ``T`` rounds, ``K`` arms, ``M`` the memory bound given to the learner (``m <= M``),
``m`` the true memory, ``delta`` the confidence, ``R_T = ceil(log2(T + 1))`` phases,
``L = log(2 K R_T / delta)``.

* :data:`SE_WTB_HP` [derived, exact=True]: with probability >= 1 - delta, under REO,
  ``CPR_T(SE-WTB) <= sqrt((16 L + 1) K T) + M (K R_T + 1)``. Derived on the paper page
  for SE-WTB *as implemented in mdpkit* (pooled estimates, burn-in M); the constants are
  mdpkit's, not the paper's. It bounds ``sum_t f_{a_t}(y_t) - T mu*`` (>= CPR).
* :data:`SE_WTB_HP_DELTA_1_OVER_T`: the same with ``delta = 1/T`` substituted (a curve in T).
* :data:`SE_WTB_GAP` [derived, exact=True]: on the same event,
  ``sum_{a: Delta_a > 0} (16 L / Delta_a + Delta_a) + M (K R_T + 1)``, written with the
  aggregates ``sum_inv_gap`` and ``sum_gap`` (:func:`tallying_gap_sums`).
* :data:`WTB_UPPER_ORDER` [order, constant 1]: the paper's rate ``sqrt(K T) + (m + M) K``.
* :data:`WTB_LOWER_ORDER` [order, constant 1, lower]: the paper's additive lower bound
  ``m K + M`` (no log factors).

Decision: ``R_T`` is written as ``ceiling(log(T + 1)/log(2) - 1e-9)`` so the floating
evaluation is exact for integer ``1 <= T < 2^29`` (a plain ceiling can land one too high
where ``T + 1`` is a power of two); :func:`se_wtb_bound` uses the exact integer
``T.bit_length()``.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from .base import Bound

__all__ = [
    "SE_WTB_HP",
    "SE_WTB_HP_DELTA_1_OVER_T",
    "SE_WTB_GAP",
    "WTB_UPPER_ORDER",
    "WTB_LOWER_ORDER",
    "se_wtb_bound",
    "se_wtb_gap_bound",
    "tallying_gap_sums",
    "TALLYING_BOUNDS",
]

_pos = dict(positive=True, real=True)
T, K, M, m, delta = sp.symbols("T K M m delta", **_pos)
sum_inv_gap = sp.Symbol("sum_inv_gap", nonnegative=True, real=True)
sum_gap = sp.Symbol("sum_gap", nonnegative=True, real=True)

R_T = sp.ceiling(sp.log(T + 1) / sp.log(2) - sp.Rational(1, 10**9))
L_expr = sp.log(2 * K * R_T / delta)
_BURN = M * (K * R_T + 1)
_REF = (
    "Malik, Igoe, Li, Singh (ICML 2023), upper bound of order sqrt(KT) + (m+M)K; explicit "
    "form derived on docs/papers/weighted-tallying.md ('Explicit bound')"
)
_DESC = {
    "T": "rounds",
    "K": "arms",
    "M": "memory bound given to the learner (>= m)",
    "delta": "confidence",
    "m": "true memory",
}

SE_WTB_HP = Bound(
    "se_wtb_hp",
    sp.sqrt((16 * L_expr + 1) * K * T) + _BURN,
    (T, K, M, delta),
    reference=_REF,
    exact=True,
    x_symbol=T,
    tag="derived",
    holds="with probability >= 1 - delta, under REO",
    setting="CPR against T mu* (>= exact CPR); losses in [0, 1]",
    description=_DESC,
)

SE_WTB_HP_DELTA_1_OVER_T = Bound(
    "se_wtb_hp_delta_1_over_T",
    SE_WTB_HP.expr.subs(delta, 1 / T),
    (T, K, M),
    reference=_REF,
    exact=True,
    x_symbol=T,
    tag="derived",
    holds="with probability >= 1 - 1/T, under REO (delta = 1/T)",
    setting="CPR against T mu*; delta = 1/T as SE-WTB's default",
    description=_DESC,
)

SE_WTB_GAP = Bound(
    "se_wtb_gap",
    16 * L_expr * sum_inv_gap + sum_gap + _BURN,
    (T, K, M, delta, sum_inv_gap, sum_gap),
    reference=_REF,
    exact=True,
    x_symbol=T,
    tag="derived",
    holds="with probability >= 1 - delta, under REO",
    setting="gap-dependent; Delta_a = f_a(W) - mu*",
    description={
        **_DESC,
        "sum_inv_gap": "sum over Delta_a > 0 of 1/Delta_a",
        "sum_gap": "sum over arms of Delta_a",
    },
)

WTB_UPPER_ORDER = Bound(
    "wtb_upper_order",
    sp.sqrt(K * T) + (m + M) * K,
    (T, K, m, M),
    reference="Malik, Igoe, Li, Singh (ICML 2023), abstract: O~(sqrt(KT) + (m+M)K)",
    exact=False,
    x_symbol=T,
    holds="w.h.p., up to constants and log factors",
    description=_DESC,
)

WTB_LOWER_ORDER = Bound(
    "wtb_lower_order",
    m * K + M,
    (T, K, m, M),
    reference="Malik, Igoe, Li, Singh (ICML 2023), abstract: additive Omega~(mK + M)",
    exact=False,
    x_symbol=T,
    kind="lower",
    holds="for any algorithm, up to constants and logs",
    description=_DESC,
)

TALLYING_BOUNDS = {
    b.name: b
    for b in (SE_WTB_HP, SE_WTB_HP_DELTA_1_OVER_T, SE_WTB_GAP, WTB_UPPER_ORDER, WTB_LOWER_ORDER)
}


def _rt(T: int) -> int:
    if isinstance(T, (bool, np.bool_)) or int(T) != T or T < 1:
        raise ValueError(f"T must be an integer >= 1, got {T}")
    return int(T).bit_length()


def se_wtb_bound(T: int, K: int, M: int, delta: float | None = None) -> float:
    """``sqrt((16 L + 1) K T) + M (K R_T + 1)`` with exact integer ``R_T``; delta = 1/T
    by default."""
    R = _rt(T)
    d = 1.0 / T if delta is None else float(delta)
    if not 0.0 < d < 1.0 and not (d == 1.0 and T == 1):
        raise ValueError(f"delta must be in (0, 1), got {d}")
    L = math.log(2.0 * K * R / d)
    return math.sqrt((16.0 * L + 1.0) * K * T) + M * (K * R + 1)


def tallying_gap_sums(saturated) -> dict:
    """``{"sum_inv_gap", "sum_gap"}`` from the saturated losses ``mu_a`` (K,)."""
    mu = np.asarray(saturated, dtype=np.float64)
    gaps = mu - mu.min()
    pos = gaps > 0
    return {"sum_inv_gap": float(np.sum(1.0 / gaps[pos])), "sum_gap": float(gaps.sum())}


def se_wtb_gap_bound(T: int, saturated, M: int, delta: float | None = None) -> float:
    """Gap-dependent bound with exact integer ``R_T`` (``saturated``: mu_a, shape (K,))."""
    mu = np.asarray(saturated, dtype=np.float64)
    K = mu.size
    R = _rt(T)
    d = 1.0 / T if delta is None else float(delta)
    L = math.log(2.0 * K * R / d)
    g = tallying_gap_sums(mu)
    return 16.0 * L * g["sum_inv_gap"] + g["sum_gap"] + M * (K * R + 1)

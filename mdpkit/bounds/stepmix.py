r"""Bounds of conservative exploration under episode-wise constraints
(``docs/papers/stepmix.md#bounds``).

Li, Huang, Shen, Yang, "Near-optimal Conservative Exploration in Reinforcement Learning
under Episode-wise Constraints", ICML 2023 (arXiv:2306.06265). The paper's theorem
statements, constants and log factors could not be read (stepmix.md#provenance): every
regret bound here is **order-only** (``exact=False``, constant 1, logs dropped, drawn dashed),
except the baseline-only identity, which is exact by construction.

Objects (x-axis ``K`` = episodes; inhomogeneous ``P_h``, H-step episodes, rewards in [0, 1]):

* :data:`STEPMIX_REGRET` — T1 [V qualitative: "same order as unconstrained"]:
  ``Õ(√(H³ S A K))``; the K-independent additive term that T1 most likely carries
  (depending on S, A, H, α, V^b, Δ_b) is unverified and omitted.
* :data:`EPSMIX_REGRET` — T2 [V qualitative], same order.
* :data:`STEPMIX_RECONSTRUCTION_HOEFFDING` — what the reconstruction
  (stepmix.md#algorithms-as-implemented) with Hoeffding bonuses is *expected* (not proven) to give:
  ``Õ(√(H⁴ S A K))`` [R].
* :data:`TABULAR_LOWER` — ``Ω(√(H³ S A K))`` (Jin et al. 2018; Domingues et al. 2021); the
  same object as :data:`mdpkit.bounds.classical.TABULAR_LOWER_INHOMOGENEOUS` (no duplicate).
  A conservative algorithm cannot beat it.
* :data:`BASELINE_ONLY_REGRET` — ``K · Δ_b`` with ``Δ_b = V* − V^b``: the exact regret of the
  baseline-only comparator (derived; holds deterministically).

Provenance: [V] the qualitative statements T1–T3 (abstract); [R] the orders written as
sympy expressions, the omission of the additive term; lower bound from the literature
(stepmix.md#bounds, not re-read).
"""

from __future__ import annotations

import sympy as sp

from .base import Bound
from .classical import TABULAR_LOWER_INHOMOGENEOUS

__all__ = [
    "STEPMIX_REGRET",
    "EPSMIX_REGRET",
    "STEPMIX_RECONSTRUCTION_HOEFFDING",
    "TABULAR_LOWER",
    "BASELINE_ONLY_REGRET",
    "STEPMIX_BOUNDS",
]

_pos = dict(positive=True, real=True)
K, S, A, H = sp.symbols("K S A H", **_pos)
Delta_b = sp.Symbol("Delta_b", nonnegative=True, real=True)

_DESC = {
    "K": "episodes",
    "S": "states",
    "A": "actions",
    "H": "horizon (steps per episode)",
    "Delta_b": "baseline gap V*_1(s_1) - V^b",
}
_REF = (
    "Li, Huang, Shen, Yang, ICML 2023 (arXiv:2306.06265); stepmix.md#bounds "
    "(theorem text not read: order only)"
)
_SETTING = "inhomogeneous P_h, H-step episodes, episode-wise constraint V^{pi_k} >= (1-alpha) V^b"

STEPMIX_REGRET = Bound(
    "stepmix_regret_order",
    sp.sqrt(H**3 * S * A * K),
    (K, S, A, H),
    reference=_REF + ", T1",
    exact=False,
    x_symbol=K,
    kind="upper",
    tag="order",
    holds="with probability >= 1 - delta, up to logs and a K-independent additive term (unverified)",
    setting=_SETTING,
    description=_DESC,
)

EPSMIX_REGRET = Bound(
    "epsmix_regret_order",
    sp.sqrt(H**3 * S * A * K),
    (K, S, A, H),
    reference=_REF + ", T2",
    exact=False,
    x_symbol=K,
    kind="upper",
    tag="order",
    holds="with probability >= 1 - delta, up to logs and a K-independent additive term (unverified)",
    setting=_SETTING,
    description=_DESC,
)

STEPMIX_RECONSTRUCTION_HOEFFDING = Bound(
    "stepmix_reconstruction_hoeffding_order",
    sp.sqrt(H**4 * S * A * K),
    (K, S, A, H),
    reference="stepmix.md#bounds, what the reconstruction provably gives [R]: expected, not proven",
    exact=False,
    x_symbol=K,
    kind="upper",
    tag="order",
    holds="expected order of the reconstruction with Hoeffding bonuses (not proven)",
    setting=_SETTING,
    description=_DESC,
)

TABULAR_LOWER = TABULAR_LOWER_INHOMOGENEOUS

BASELINE_ONLY_REGRET = Bound(
    "baseline_only_regret",
    K * Delta_b,
    (K, Delta_b),
    reference="identity: Reg(K) = sum_k (V* - V^b) for the baseline-only comparator (stepmix.md#comparators)",
    exact=True,
    x_symbol=K,
    kind="upper",
    tag="derived",
    holds="deterministically (equality)",
    setting=_SETTING,
    description=_DESC,
)

STEPMIX_BOUNDS = {
    b.name: b
    for b in (
        STEPMIX_REGRET,
        EPSMIX_REGRET,
        STEPMIX_RECONSTRUCTION_HOEFFDING,
        TABULAR_LOWER,
        BASELINE_ONLY_REGRET,
    )
}

r"""Bounds for reward-free exploration in linear mixture MDPs (paper page
``docs/papers/linear-mixture.md``, section "Bounds"). x-axis: the accuracy ``eps``.

* :data:`HF_RFE_UPPER` [derived; constants as printed in the dissertation's corollary]:
  the sample complexity ``m(eps, delta')`` of HF-UCRL-RFE++ with the theorem's parameters,
  ``(16/eps^2) (64 max{8 beta sqrt(d iota), sqrt(2 zeta)} + 120 beta sqrt(d iota) H alpha^2)^2
  + (8/eps) (2752 max{64 beta^2 d iota, 2 zeta} + 24 zeta + 240 d iota + 240 beta gamma^2 d iota
  + 120 beta d iota sqrt(M))`` with ``beta = beta_K``, ``alpha = H^-1/2``, ``gamma = d^-1/4``,
  ``lambda = d/B^2``, ``iota = log(1 + K H/(d lambda alpha^2))``, ``zeta = 4 log(4 log(K H)/delta)``,
  ``M = log2(7 K H)``. ``K`` is the budget entering the logarithms (so the expression is
  exact for a given budget); ``delta' = 4 M delta``. Horizon enters only through logs.
* :data:`RF_LOWER` [order]: ``Omega(d^2/eps^2)`` episodes for any reward-free algorithm on
  linear mixture MDPs with total reward <= 1 (constant unknown: drawn as a shape only).
"""

from __future__ import annotations

import sympy as sp

from .base import Bound

__all__ = ["HF_RFE_UPPER", "RF_LOWER", "LINEAR_MIXTURE_BOUNDS", "hf_beta_K"]

_pos = dict(positive=True, real=True)
eps, d, H, K, delta, B = sp.symbols("eps d H K delta B", **_pos)


def hf_beta_K(d, H, K, B, delta):
    """``beta_K`` of the theorem as a sympy expression (no ``c_beta``)."""
    alpha = H ** sp.Rational(-1, 2)
    gamma = d ** sp.Rational(-1, 4)
    lam = d / B**2
    eta = sp.log(1 + K * H / (alpha**2 * d * lam))
    tau = sp.log(32 * (sp.Max(sp.log(gamma**2 / alpha), 0) + 1) * K**2 * H**2 / delta)
    return 12 * sp.sqrt(d * eta * tau) + 30 * tau / gamma**2 + sp.sqrt(lam) * B


def _upper():
    alpha = H ** sp.Rational(-1, 2)
    gamma = d ** sp.Rational(-1, 4)
    lam = d / B**2
    beta = hf_beta_K(d, H, K, B, delta)
    iota = sp.log(1 + K * H / (d * lam * alpha**2))
    zeta = 4 * sp.log(4 * sp.log(K * H) / delta)
    M = sp.log(7 * K * H) / sp.log(2)
    lead = (
        64 * sp.Max(8 * beta * sp.sqrt(d * iota), sp.sqrt(2 * zeta))
        + 120 * beta * sp.sqrt(d * iota) * H * alpha**2
    )
    second = (
        2752 * sp.Max(64 * beta**2 * d * iota, 2 * zeta)
        + 24 * zeta
        + 240 * d * iota
        + 240 * beta * gamma**2 * d * iota
        + 120 * beta * d * iota * sp.sqrt(M)
    )
    return 16 / eps**2 * lead**2 + 8 / eps * second


HF_RFE_UPPER = Bound(
    "hf_ucrl_rfe_upper",
    _upper(),
    (eps, d, H, K, delta, B),
    reference="Zhang, Zhang, Gu 2023 (ICML), sample-complexity corollary, constants as printed "
    "in the dissertation chapter; docs/papers/linear-mixture.md, Bounds",
    exact=True,
    x_symbol=eps,
    kind="upper",
    tag="derived",
    holds="with probability >= 1 - 4 M delta, for every reward with total <= 1 simultaneously",
    setting="linear mixture MDP, total reward <= 1, fixed start, budget K in the logarithms",
    description={
        "eps": "accuracy",
        "d": "feature dimension",
        "H": "horizon",
        "K": "exploration budget inside the logs",
        "delta": "confidence",
        "B": "norm bound of theta*",
    },
)

RF_LOWER = Bound(
    "linear_mixture_rf_lower",
    d**2 / eps**2,
    (eps, d),
    reference="Zhang, Zhang, Gu 2023 (ICML), lower-bound theorem (via the regret lower bound "
    "of Zhou & Gu 2022); docs/papers/linear-mixture.md, Bounds",
    exact=False,
    x_symbol=eps,
    kind="lower",
    tag="order",
    holds="for every reward-free algorithm, on some instance (HardLM), w.p. >= 1 - delta",
    setting="linear mixture MDP, total reward <= 1; order only, constant unknown",
    description={"eps": "accuracy", "d": "feature dimension"},
)

LINEAR_MIXTURE_BOUNDS = {b.name: b for b in (HF_RFE_UPPER, RF_LOWER)}

r"""Regret bounds for latent MDPs with context in hindsight (``docs/papers/latent-mdp.md``,
"Bounds"). Zhou, Wang, Du, "Horizon-Free and Variance-Dependent Reinforcement Learning for
Latent Markov Decision Processes", ICML 2023 (arXiv:2210.11604).

Only the shapes of the theorems could be read (abstract), not their constants or lower-order
terms: every object here is **order-only** (``exact=False``, constant 1, logs dropped).
Setting: episode return in [0, 1], M contexts, S states, A actions, horizon H, K episodes,
``Gamma`` the maximum transition degree, ``Var`` the paper's variance quantity (its exact
definition was not read; the testbed uses Var1 of the paper page).

* :data:`LMDP_UPPER` — ``sqrt(Var M Gamma S A K)`` (the K-independent lower-order term, of
  unread form, is omitted); no polynomial H.
* :data:`LMDP_UPPER_VAR_FREE` — the earlier version's ``sqrt(M Gamma S A K)``.
* :data:`LMDP_LOWER` — ``sqrt(Var M S A K)`` (for Gamma = 2).
* :data:`KWON_UPPER` — Kwon et al. 2021 rescaled to return <= 1: ``sqrt(M S^2 A H K)``.
"""

from __future__ import annotations

import sympy as sp

from .base import Bound

__all__ = ["LMDP_UPPER", "LMDP_UPPER_VAR_FREE", "LMDP_LOWER", "KWON_UPPER", "LATENT_BOUNDS"]

_pos = dict(positive=True, real=True)
K, M, S, A, H, Gamma = sp.symbols("K M S A H Gamma", **_pos)
Var = sp.Symbol("Var", nonnegative=True, real=True)

_DESC = {
    "K": "episodes",
    "M": "contexts",
    "S": "states",
    "A": "actions",
    "H": "horizon",
    "Gamma": "maximum transition degree",
    "Var": "variance quantity (Var1 in the testbed)",
}
_REF = "Zhou, Wang, Du, ICML 2023 (arXiv:2210.11604), abstract (order only)"
_SETTING = "latent MDP, context revealed after each episode, episode return in [0, 1]"

LMDP_UPPER = Bound(
    "lmdp_upper_order",
    sp.sqrt(Var * M * Gamma * S * A * K),
    (K, Var, M, Gamma, S, A),
    reference=_REF,
    exact=False,
    x_symbol=K,
    kind="upper",
    tag="order",
    holds="with probability >= 1 - delta, up to logs and a K-independent lower-order term",
    setting=_SETTING,
    description=_DESC,
)

LMDP_UPPER_VAR_FREE = Bound(
    "lmdp_upper_var_free_order",
    sp.sqrt(M * Gamma * S * A * K),
    (K, M, Gamma, S, A),
    reference=_REF.replace("abstract", "ICLR 2023 version, abstract"),
    exact=False,
    x_symbol=K,
    kind="upper",
    tag="order",
    holds="with probability >= 1 - delta, up to logs",
    setting=_SETTING,
    description=_DESC,
)

LMDP_LOWER = Bound(
    "lmdp_lower_order",
    sp.sqrt(Var * M * S * A * K),
    (K, Var, M, S, A),
    reference=_REF,
    exact=False,
    x_symbol=K,
    kind="lower",
    tag="order",
    holds="in expectation, for variance-bounded LMDPs with Gamma = 2 (range of K not read)",
    setting=_SETTING,
    description=_DESC,
)

KWON_UPPER = Bound(
    "kwon_lucrl_order",
    sp.sqrt(M * S**2 * A * H * K),
    (K, M, S, A, H),
    reference="Kwon, Efroni, Caramanis, Mannor, NeurIPS 2021 (arXiv:2102.04939), rescaled to "
    "return <= 1 as in the ICLR-version footnote of arXiv:2210.11604 (order only)",
    exact=False,
    x_symbol=K,
    kind="upper",
    tag="order",
    holds="with probability >= 1 - delta, up to logs",
    setting=_SETTING,
    description=_DESC,
)

LATENT_BOUNDS = {b.name: b for b in (LMDP_UPPER, LMDP_UPPER_VAR_FREE, LMDP_LOWER, KWON_UPPER)}

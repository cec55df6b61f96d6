r"""Bounds for dynamical linear bandits (Mussi, Metelli, Restelli, ICML 2023).

Page: ``docs/papers/dynlin-ucb.md#theory``. x-axis ``T`` (rounds); regret is
the steady-state pseudo-regret ``R_ss`` of the plots or the paper's ``T J* - E sum y_t``
(they differ by bounded transients when actions switch rarely, dynlin-ucb.md#model).

* :data:`DYNLIN_UCB_UPPER` [order; abstract A]: ``R(DynLin-UCB, T) = O~(d sqrt(T) / (1 - rho)^{3/2})``,
  constant 1, logs dropped (drawn dashed).
* :data:`DLB_LOWER` [order; reconstructed R, medium confidence, unverified]:
  ``Omega(d sqrt(T) / (1 - rho)^{1/2})``; the abstract only says a lower bound exists.
* :data:`LINEAR_BANDIT_LOWER` (re-exported from :mod:`mdpkit.bounds.classical`): the exact
  linear-bandit lower bound ``(e^-2 / 8) d sqrt(n)`` (Lattimore & Szepesvari 2020, Thm 24.1),
  which applies to DLBs since A = 0, B = 0 is a plain linear bandit (dynlin-ucb.md#theory).
* :func:`epoch_oful_bound`: the explicit (loose) shape of dynlin-ucb.md#theory,
  ``H_M 2 beta_T sqrt(2 d M log(1 + M U^2 / (d lam)))`` with M epochs of length <= H_M
  [R: a reconstructed derivation shape, numeric helper only].
"""

from __future__ import annotations

import math

import sympy as sp

from .base import Bound
from .classical import LINEAR_BANDIT_LOWER

__all__ = ["DYNLIN_UCB_UPPER", "DLB_LOWER", "LINEAR_BANDIT_LOWER", "epoch_oful_bound", "DLB_BOUNDS"]

_pos = dict(positive=True, real=True)
T, d = sp.symbols("T d", **_pos)
rho = sp.Symbol("rho", nonnegative=True, real=True)

DYNLIN_UCB_UPPER = Bound(
    "dynlin_ucb_upper",
    d * sp.sqrt(T) / (1 - rho) ** sp.Rational(3, 2),
    (T, d, rho),
    reference="Mussi, Metelli, Restelli 2023 (ICML), abstract: O~(d sqrt(T)/(1-rho)^{3/2}); "
    "dynlin-ucb.md#theory",
    exact=False,
    x_symbol=T,
    kind="upper",
    tag="order",
    holds="with high probability (delta = 1/T), up to log T and polynomial factors in "
    "Phi, Omega, Theta, ||B||, U, sigma",
    setting="dynamical linear bandit, rho = upper bound on the spectral radius of A, T rounds",
    description={"T": "rounds", "d": "action dimension", "rho": "spectral radius bound rho_bar"},
)

DLB_LOWER = Bound(
    "dlb_lower",
    d * sp.sqrt(T) / (1 - rho) ** sp.Rational(1, 2),
    (T, d, rho),
    reference="Mussi, Metelli, Restelli 2023: a lower bound exists (abstract); this form is "
    "reconstructed [R, unverified], docs/papers/dynlin-ucb.md#theory",
    exact=False,
    x_symbol=T,
    kind="lower",
    tag="order",
    holds="for every learner some DLB instance with rho(A) <= rho (unverified form)",
    setting="dynamical linear bandit, T rounds",
    description={"T": "rounds", "d": "action dimension", "rho": "spectral radius bound"},
)

DLB_BOUNDS = {b.name: b for b in (DYNLIN_UCB_UPPER, DLB_LOWER, LINEAR_BANDIT_LOWER)}


def epoch_oful_bound(
    n_epochs: int, max_epoch_len: int, beta: float, d: int, lam: float, U_bar: float
) -> float:
    """``H_M * 2 beta * sqrt(2 d M log(1 + M U^2 / (d lam)))`` (dynlin-ucb.md#theory): OFUL's
    elliptical-potential bound over ``M`` epochs, each counted ``H_M`` times."""
    for name, v in (("n_epochs", n_epochs), ("max_epoch_len", max_epoch_len), ("d", d)):
        if v < 1:
            raise ValueError(f"{name} must be >= 1, got {v}")
    if not lam > 0:
        raise ValueError(f"lam must be > 0, got {lam}")
    if not beta >= 0 or not U_bar >= 0:
        raise ValueError("beta and U_bar must be >= 0")
    M = n_epochs
    return (
        max_epoch_len
        * 2.0
        * beta
        * math.sqrt(2.0 * d * M * math.log(1.0 + M * U_bar**2 / (d * lam)))
    )

r"""Bounds of the classical baselines, per ``docs/papers/classical-baselines.md``.

Each object is a :class:`~mdpkit.bounds.base.Bound`; the confidence tags of
classical-baselines.md#bounds map to ``exact`` ([exact], [derived] -> True; [order] -> False) and
are kept in ``Bound.tag``.

Bandits (classical-baselines.md#bounds), x-axis ``n`` (rounds) or ``T`` (known horizon):

* :data:`UCB1` [exact, Auer et al. 2002, Thm 1], :data:`UCB1_WORST_CASE` [derived].
* :data:`SUCCESSIVE_ELIMINATION`, :data:`SUCCESSIVE_ELIMINATION_WORST_CASE` [derived].
* :data:`OFUL_REGRET` [exact, Abbasi-Yadkori et al. 2011, Thm 3 as printed],
  :data:`OFUL_BETA` [exact, the determinant-free radius of Thm 2]; the determinant form of
  beta_t, used by the algorithm, is :func:`oful_beta_det`.
* Lower bounds: :data:`KARMED_LOWER` [exact, Lattimore & Szepesvari 2020, Thm 15.2],
  :data:`LINEAR_BANDIT_LOWER` [exact, Thm 24.1].

Episodic tabular (classical-baselines.md#bounds), x-axis ``K`` (episodes), ``T = K H`` steps,
per-step rewards in [0, 1] (H-step, non-normalised):

* :data:`UCBVI_CH` [exact, Azar et al. 2017, Thm 1], homogeneous P.
* :data:`UCBVI_BF` [order of Thm 2], homogeneous P, constant 1.
* :data:`UCBVI_CH_INHOMOGENEOUS`, :data:`UCBVI_BF_INHOMOGENEOUS` [order] (per-step P_h).
* :data:`PSRL` [order, Osband et al. 2013, Thm 1; Bayesian regret], tau = H.
* :data:`TABULAR_LOWER_INHOMOGENEOUS` Omega(sqrt(H^3 S A K)), :data:`TABULAR_LOWER_HOMOGENEOUS`
  Omega(sqrt(H^2 S A K)) [order, constant 1].

Decisions
---------
* Gap-dependent bandit bounds are written with two aggregate symbols,
  ``sum_inv_gap`` = sum over arms with Delta_i > 0 of 1/Delta_i and ``sum_gap`` = sum of
  all Delta_j (zero gaps contribute 0); :func:`gap_sums` computes them from the means.
* UCBVI's log factor is ``L = ln(5 S A T / delta)`` (not the
  ``ln(5 H S A T / delta)`` variant); the same L is used by the algorithm
  (:mod:`mdpkit.algorithms.ucbvi`).
* :data:`OFUL_BETA` is the determinant-free form R sqrt(d ln((1 + t L^2/lam)/delta))
  + sqrt(lam) S_theta. It dominates the determinant form only for d >= 2 (for d = 1 its
  ``d ln(1/delta)`` is smaller than the ``2 ln(1/delta)`` of the determinant form;
  ``tests/test_bounds.py`` shows it), so the algorithm always uses :func:`oful_beta_det`.
* The ``O~`` order bounds drop their log factors (constant 1, no logs), as the plotting
  rules of classical-baselines.md#bounds ask ("shape curves with constant 1").
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .base import Bound

__all__ = [
    "UCB1",
    "UCB1_WORST_CASE",
    "SUCCESSIVE_ELIMINATION",
    "SUCCESSIVE_ELIMINATION_WORST_CASE",
    "OFUL_REGRET",
    "OFUL_BETA",
    "oful_beta_det",
    "KARMED_LOWER",
    "LINEAR_BANDIT_LOWER",
    "UCBVI_CH",
    "UCBVI_BF",
    "UCBVI_CH_INHOMOGENEOUS",
    "UCBVI_BF_INHOMOGENEOUS",
    "PSRL",
    "TABULAR_LOWER_INHOMOGENEOUS",
    "TABULAR_LOWER_HOMOGENEOUS",
    "gap_sums",
    "ucbvi_log_factor",
    "ALL_BOUNDS",
]

_pos = dict(positive=True, real=True)
n, T, t, K = sp.symbols("n T t K", **_pos)
k_arms = sp.Symbol("k", **_pos)
sum_inv_gap = sp.Symbol("sum_inv_gap", nonnegative=True, real=True)
sum_gap = sp.Symbol("sum_gap", nonnegative=True, real=True)
d, lam, Lx, Rn, S_theta, delta = sp.symbols("d lam L R S_theta delta", **_pos)
S, A, H = sp.symbols("S A H", **_pos)

_GAP_DESC = {
    "sum_inv_gap": "sum over arms with Delta_i > 0 of 1/Delta_i",
    "sum_gap": "sum over all arms of Delta_j",
    "k": "number of arms",
}


def gap_sums(means) -> dict:
    """``{"sum_inv_gap": sum_{Delta_i>0} 1/Delta_i, "sum_gap": sum_j Delta_j, "k": k}``.

    Parameters
    ----------
    means : array-like, shape (k,)
        Expected rewards of the arms.
    """
    mu = np.asarray(means, dtype=np.float64)
    if mu.ndim != 1 or mu.size < 1 or not np.all(np.isfinite(mu)):
        raise ValueError(
            f"means must be a finite 1-D array with at least one arm, got shape {mu.shape}"
        )
    gaps = mu.max() - mu
    pos = gaps > 0
    return {
        "sum_inv_gap": float(np.sum(1.0 / gaps[pos])),
        "sum_gap": float(gaps.sum()),
        "k": float(mu.size),
    }


# ------------------------------------------------------------------ bandits
UCB1 = Bound(
    "ucb1",
    8 * sp.log(n) * sum_inv_gap + (1 + sp.pi**2 / 3) * sum_gap,
    (n, sum_inv_gap, sum_gap),
    exact=True,
    x_symbol=n,
    tag="exact",
    reference="Auer, Cesa-Bianchi, Fischer 2002, Thm 1; classical-baselines.md#bounds",
    holds="in expectation (pseudo-regret), for all n, rewards in [0, 1]",
    description=_GAP_DESC,
)

UCB1_WORST_CASE = Bound(
    "ucb1_worst_case",
    sp.sqrt(32 * k_arms * n * sp.log(n)) + (1 + sp.pi**2 / 3) * sum_gap,
    (n, k_arms, sum_gap),
    exact=True,
    x_symbol=n,
    tag="derived",
    reference="derived from Auer et al. 2002, Thm 1 (split at Delta_0 = sqrt(8 k ln n / n)); classical-baselines.md#bounds",
    holds="in expectation (pseudo-regret), rewards in [0, 1]",
    description=_GAP_DESC,
)

SUCCESSIVE_ELIMINATION = Bound(
    "successive_elimination",
    sum_gap + 32 * sp.log(T) * sum_inv_gap + 2 * k_arms / T**2,
    (T, k_arms, sum_inv_gap, sum_gap),
    exact=True,
    x_symbol=T,
    tag="derived",
    reference="Even-Dar, Mannor, Mansour 2006; regret form of Slivkins 2019 Ch. 1, "
    "clean event with r(n) = sqrt(2 ln T / n); classical-baselines.md#bounds",
    holds="in expectation, horizon T known, rewards in [0, 1]",
    description=_GAP_DESC,
)

SUCCESSIVE_ELIMINATION_WORST_CASE = Bound(
    "successive_elimination_worst_case",
    8 * sp.sqrt(2 * k_arms * T * sp.log(T)) + k_arms + 2 * k_arms / T**2,
    (T, k_arms),
    exact=True,
    x_symbol=T,
    tag="derived",
    reference="Slivkins 2019 Ch. 1 (worst case by the gap-split argument); classical-baselines.md#bounds",
    holds="in expectation, horizon T known, rewards in [0, 1]",
    description=_GAP_DESC,
)

_OFUL_DESC = {
    "d": "feature dimension",
    "lam": "ridge parameter lambda",
    "L": "bound on ||x||_2",
    "R": "sub-Gaussian constant of the noise",
    "S_theta": "bound on ||theta*||_2",
    "delta": "failure probability",
}

OFUL_REGRET = Bound(
    "oful",
    4
    * sp.sqrt(n * d * sp.log(lam + n * Lx / d))
    * (
        sp.sqrt(lam) * S_theta
        + Rn * sp.sqrt(2 * sp.log(1 / delta) + d * sp.log(1 + n * Lx / (lam * d)))
    ),
    (n, d, lam, Lx, Rn, S_theta, delta),
    exact=True,
    x_symbol=n,
    tag="exact",
    reference="Abbasi-Yadkori, Pal, Szepesvari 2011, Thm 3 (as printed: L, not L^2, inside the logs); classical-baselines.md#bounds",
    holds="with probability >= 1 - delta, for all n >= 0; <x, theta*> in [-1, 1]",
    description={**_OFUL_DESC, "n": "rounds"},
)

OFUL_BETA = Bound(
    "oful_beta",
    Rn * sp.sqrt(d * sp.log((1 + t * Lx**2 / lam) / delta)) + sp.sqrt(lam) * S_theta,
    (t, d, lam, Lx, Rn, S_theta, delta),
    exact=True,
    x_symbol=t,
    tag="exact",
    reference="Abbasi-Yadkori, Pal, Szepesvari 2011, Thm 2 (determinant-free upper bound of beta_t); classical-baselines.md#bounds",
    holds="confidence radius: ||theta_hat_t - theta*||_{V_t} <= beta_t for all t w.p. >= 1 - delta; "
    "upper bound of the determinant form only for d >= 2",
    description={**_OFUL_DESC, "t": "number of observations"},
)


def oful_beta_det(
    logdet_V: float, d: int, lam: float, R: float, S_theta: float, delta: float
) -> float:
    r"""beta_t(delta) of Abbasi-Yadkori et al. 2011, Thm 2, determinant form (classical-baselines.md#bounds).

    .. math:: \beta_t = R\sqrt{2\ln\big(\det(V_t)^{1/2}\det(\lambda I)^{-1/2}/\delta\big)}
              + \sqrt{\lambda}\,S_\theta
              = R\sqrt{\ln\det V_t - d\ln\lambda - 2\ln\delta} + \sqrt\lambda S_\theta.

    Parameters
    ----------
    logdet_V : float
        ln det(V_t), V_t = lambda I + sum_s X_s X_s^T.
    """
    if not (0.0 < delta < 1.0):
        raise ValueError(f"delta must lie in (0, 1), got {delta}")
    if lam <= 0:
        raise ValueError(f"lam must be > 0, got {lam}")
    inner = logdet_V - d * np.log(lam) - 2.0 * np.log(delta)
    # logdet_V >= d ln(lam) always (V_t >= lam I); guard the rounding of an exact equality
    return float(R * np.sqrt(max(inner, 0.0)) + np.sqrt(lam) * S_theta)


KARMED_LOWER = Bound(
    "karmed_lower",
    sp.Rational(1, 27) * sp.sqrt((k_arms - 1) * n),
    (n, k_arms),
    exact=True,
    x_symbol=n,
    kind="lower",
    tag="exact",
    reference="Lattimore & Szepesvari 2020, Thm 15.2 (minimax); classical-baselines.md#bounds",
    holds="for every policy some Gaussian (unit variance) instance with means in [0,1]; n >= k - 1",
    description={"k": "number of arms", "n": "rounds"},
)

LINEAR_BANDIT_LOWER = Bound(
    "linear_bandit_lower",
    sp.exp(-2) / 8 * d * sp.sqrt(n),
    (n, d),
    exact=True,
    x_symbol=n,
    kind="lower",
    tag="exact",
    reference="Lattimore & Szepesvari 2020, Thm 24.1 (action set [-1,1]^d, unit Gaussian noise); classical-baselines.md#bounds",
    holds="for every policy some theta in {-n^(-1/2), n^(-1/2)}^d",
    description={"d": "dimension", "n": "rounds"},
)

# ------------------------------------------------------------------ tabular
_Tsteps = K * H
_L_ucbvi = sp.log(5 * S * A * _Tsteps / delta)
_TAB_DESC = {
    "K": "episodes",
    "H": "horizon",
    "S": "states",
    "A": "actions",
    "delta": "failure probability",
}


def ucbvi_log_factor(S: int, A: int, K: int, H: int, delta: float) -> float:
    """UCBVI's ``L = ln(5 S A T / delta)`` with ``T = K H`` (classical-baselines.md#bounds)."""
    return float(np.log(5.0 * S * A * K * H / delta))


UCBVI_CH = Bound(
    "ucbvi_ch",
    20 * H * _L_ucbvi * sp.sqrt(S * A * _Tsteps) + 250 * H**2 * S**2 * A * _L_ucbvi**2,
    (K, S, A, H, delta),
    exact=True,
    x_symbol=K,
    tag="exact",
    reference="Azar, Osband, Munos 2017, Thm 1; L = ln(5 S A T / delta), T = K H; classical-baselines.md#bounds",
    holds="with probability >= 1 - delta",
    setting="homogeneous P, known rewards in [0,1], H-step episodes, T = K H steps",
    description=_TAB_DESC,
)

UCBVI_BF = Bound(
    "ucbvi_bf",
    sp.sqrt(H * S * A * _Tsteps) + H**2 * S**2 * A + H * sp.sqrt(_Tsteps),
    (K, S, A, H),
    exact=False,
    x_symbol=K,
    tag="order",
    reference="Azar, Osband, Munos 2017, Thm 2 (order only, log factors dropped); classical-baselines.md#bounds",
    holds="with probability >= 1 - delta (order)",
    setting="homogeneous P, H-step episodes, T = K H steps",
    description=_TAB_DESC,
)

UCBVI_CH_INHOMOGENEOUS = Bound(
    "ucbvi_ch_inhomogeneous",
    sp.sqrt(H**4 * S * A * K),
    (K, S, A, H),
    exact=False,
    x_symbol=K,
    tag="order",
    reference="classical-baselines.md#bounds (inhomogeneous P_h: CH-type O~(sqrt(H^4 S A K)))",
    setting="inhomogeneous P_h, H-step episodes",
    description=_TAB_DESC,
)

UCBVI_BF_INHOMOGENEOUS = Bound(
    "ucbvi_bf_inhomogeneous",
    sp.sqrt(H**3 * S * A * K),
    (K, S, A, H),
    exact=False,
    x_symbol=K,
    tag="order",
    reference="classical-baselines.md#bounds (inhomogeneous P_h: BF-type O~(sqrt(H^3 S A K)))",
    setting="inhomogeneous P_h, H-step episodes",
    description=_TAB_DESC,
)

PSRL = Bound(
    "psrl",
    H * S * sp.sqrt(A * _Tsteps * sp.log(S * A * _Tsteps)),
    (K, S, A, H),
    exact=False,
    x_symbol=K,
    tag="order",
    reference="Osband, Russo, Van Roy 2013, Thm 1 (Bayesian regret, tau = H); classical-baselines.md#bounds",
    holds="in expectation over the prior (Bayesian regret), order only",
    setting="episode length tau = H, T = K H steps",
    description=_TAB_DESC,
)

TABULAR_LOWER_INHOMOGENEOUS = Bound(
    "tabular_lower_inhomogeneous",
    sp.sqrt(H**3 * S * A * K),
    (K, S, A, H),
    exact=False,
    x_symbol=K,
    kind="lower",
    tag="order",
    reference="Jin et al. 2018; Domingues, Menard, Kaufmann, Valko 2021; classical-baselines.md#bounds",
    setting="inhomogeneous P_h, H-step episodes",
    description=_TAB_DESC,
)

TABULAR_LOWER_HOMOGENEOUS = Bound(
    "tabular_lower_homogeneous",
    sp.sqrt(H**2 * S * A * K),
    (K, S, A, H),
    exact=False,
    x_symbol=K,
    kind="lower",
    tag="order",
    reference="Azar et al. 2017; Osband & Van Roy 2016; classical-baselines.md#bounds",
    setting="homogeneous P, H-step episodes",
    description=_TAB_DESC,
)

ALL_BOUNDS = {
    b.name: b
    for b in (
        UCB1,
        UCB1_WORST_CASE,
        SUCCESSIVE_ELIMINATION,
        SUCCESSIVE_ELIMINATION_WORST_CASE,
        OFUL_REGRET,
        OFUL_BETA,
        KARMED_LOWER,
        LINEAR_BANDIT_LOWER,
        UCBVI_CH,
        UCBVI_BF,
        UCBVI_CH_INHOMOGENEOUS,
        UCBVI_BF_INHOMOGENEOUS,
        PSRL,
        TABULAR_LOWER_INHOMOGENEOUS,
        TABULAR_LOWER_HOMOGENEOUS,
    )
}

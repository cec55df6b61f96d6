r"""OFUL / LinUCB on a finite action set (Abbasi-Yadkori, Pal, Szepesvari 2011, "Improved
algorithms for linear stochastic bandits"; LinUCB: Li, Chu, Langford, Schapire 2010);
docs/papers/classical-baselines.md#algorithms-as-implemented.

Setting
-------
Actions x in a finite set D of R^d (``features``, shape (n_actions, d)), ||x||_2 <= L;
reward Y_t = <X_t, theta*> + eta_t with eta_t conditionally R-sub-Gaussian, ||theta*||_2 <=
S_theta, <x, theta*> in [-1, 1]. Pseudo-regret per round: max_x <x, theta*> - <X_t, theta*>.

Algorithm. V_t = lambda I + sum_{s<=t} X_s X_s^T, theta_hat_t = V_t^{-1} sum_s X_s Y_s and

.. math:: X_t = \arg\max_{x\in D}\ \langle x, \hat\theta_{t-1}\rangle + \beta_{t-1}(\delta)\,
          \|x\|_{V_{t-1}^{-1}},\qquad
          \beta_t(\delta) = R\sqrt{2\ln\frac{\det(V_t)^{1/2}\det(\lambda I)^{-1/2}}{\delta}}
          + \sqrt{\lambda}\,S_\theta

(Thm 2, determinant form; :func:`mdpkit.bounds.oful_beta_det`). V_t^{-1} is updated by the
Sherman-Morrison rank-one formula and log det V_t by the matrix determinant lemma
log det(V + x x^T) = log det V + log(1 + x^T V^{-1} x). LinUCB(alpha) replaces beta_{t-1} by a
hand-set constant alpha. Regret bound: :data:`mdpkit.bounds.OFUL_REGRET` (Thm 3).

Decisions
---------
* Defaults: lambda = 1, delta = 0.05, S_theta = 1; R = ``env_info["noise_std"]`` (Gaussian
  noise with standard deviation sigma is sigma-sub-Gaussian); L is not needed by the
  algorithm (only by the bound).
* Ties: lowest action index (``np.argmax``); the learner is deterministic.
* No periodic re-inversion: V^{-1} is only ever updated by Sherman-Morrison (tested against
  ``np.linalg.inv``).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..bounds.classical import LINEAR_BANDIT_LOWER, OFUL_BETA, OFUL_REGRET, oful_beta_det
from ..experiments.registry import register_learner
from ..utils import as_generator
from .base import BanditLearner, check_fast

__all__ = ["OFUL"]


def _pos_real(x, name, allow_zero=False):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) or not np.isfinite(x):
        raise TypeError(f"{name} must be a finite real number, got {x!r}")
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {x}")
    return float(x)


class OFUL(BanditLearner):
    """OFUL (``alpha=None``) or LinUCB(alpha) on the finite action set ``features``.

    Parameters
    ----------
    features : ndarray, shape (n_actions, d)
    lam : float > 0, default 1.0
    delta : float in (0, 1), default 0.05
    S_theta : float >= 0, default 1.0
    R : float >= 0, default 1.0
    alpha : float >= 0 or None
        None: theory radius beta_t (OFUL); a number: LinUCB with that constant.

    Attributes
    ----------
    V_inv : ndarray (d, d)    V_t^{-1}
    b : ndarray (d,)          sum_s X_s Y_s
    logdet_V : float          ln det V_t
    t : int                   rounds observed
    """

    #: Bound objects this learner is checked against (mdpkit.bounds).
    bounds = (OFUL_REGRET, OFUL_BETA, LINEAR_BANDIT_LOWER)

    provenance = (
        "Confidence radius (Thm 2, determinant form), optimistic index, Sherman-Morrison and "
        "determinant-lemma updates, Thm 3 bound: classical-baselines.md#algorithms-as-implemented [exact]. Defaults (lambda=1, "
        "delta=0.05, S_theta=1) and tie rule: decisions [D]."
    )

    def __init__(self, features, *, lam=1.0, delta=0.05, S_theta=1.0, R=1.0, alpha=None):
        X = np.asarray(features, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
            raise ValueError(f"features must have shape (n_actions, d), got {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("features must be finite")
        self.features = X
        self.n_actions, self.d = X.shape
        self.lam = _pos_real(lam, "lam")
        if isinstance(delta, bool) or not isinstance(delta, numbers.Real) or not 0 < delta < 1:
            raise ValueError(f"delta must be a real number in (0, 1), got {delta!r}")
        self.delta = float(delta)
        self.S_theta = _pos_real(S_theta, "S_theta", allow_zero=True)
        self.R = _pos_real(R, "R", allow_zero=True)
        self.alpha = None if alpha is None else _pos_real(alpha, "alpha", allow_zero=True)
        self.V_inv = np.eye(self.d) / self.lam
        self.b = np.zeros(self.d)
        self.theta_hat = np.zeros(self.d)
        self.logdet_V = self.d * np.log(self.lam)
        self.t = 0

    @property
    def beta(self) -> float:
        """Current radius beta_t (or alpha for LinUCB)."""
        if self.alpha is not None:
            return self.alpha
        return oful_beta_det(self.logdet_V, self.d, self.lam, self.R, self.S_theta, self.delta)

    def index(self) -> np.ndarray:
        """Optimistic indices <x, theta_hat> + beta ||x||_{V^{-1}}, shape (n_actions,)."""
        X = self.features
        norms2 = np.einsum("ij,jk,ik->i", X, self.V_inv, X)
        return X @ self.theta_hat + self.beta * np.sqrt(np.maximum(norms2, 0.0))

    def act(self) -> int:
        return int(np.argmax(self.index()))

    def update(self, a: int, r: float) -> None:
        x = self.features[a]
        Vx = self.V_inv @ x
        q = float(x @ Vx)
        self.V_inv -= np.outer(Vx, Vx) / (1.0 + q)
        self.logdet_V += np.log1p(q)
        self.b += r * x
        self.theta_hat = self.V_inv @ self.b
        self.t += 1

    def info(self) -> dict:
        return {"beta": self.beta}


def _make(env_info, params, linucb, fast):
    if env_info.get("kind", "bandit") != "bandit" or "features" not in env_info:
        raise ValueError("OFUL/LinUCB needs a linear bandit env (env_info['features'])")
    params = dict(params)
    params.setdefault("R", float(env_info.get("noise_std", 1.0)))
    if linucb and "alpha" not in params:
        raise TypeError("linucb needs the constant alpha=...")
    if not linucb and params.get("alpha") is not None:
        raise TypeError(
            "oful uses the theory radius beta_t; use the 'linucb' learner for a hand-set alpha"
        )
    learner = OFUL(env_info["features"], **params)
    learner.fast = check_fast(fast)  # no compiled fast path: both settings run the generic loop
    return learner


@register_learner("oful")
def make_oful(env_info: dict, rng, *, fast: bool = True, **params) -> OFUL:
    """OFUL (deterministic). Params: lam, delta, S_theta, R (default env noise_std)."""
    as_generator(rng)
    return _make(env_info, params, linucb=False, fast=fast)


@register_learner("linucb")
def make_linucb(env_info: dict, rng, *, fast: bool = True, **params) -> OFUL:
    """LinUCB(alpha) (deterministic). Params: alpha (required), lam."""
    as_generator(rng)
    return _make(env_info, params, linucb=True, fast=fast)

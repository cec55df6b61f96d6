r"""D-Lin-UCB baselines of the DynLin-UCB experiments (docs/papers/dynlin-ucb.md#baselines).

* D-Lin-UCB (lam = log T) [``dlb-dlinucb-log-t``]: the reference's
  ``LinearAgent(dlinucb=True, gamma=0.999999)``: the *undiscounted* Lin-UCB update; only
  beta's log-det term is discounted (dynlin-ucb.md#baselines). Reproduced as is and labelled.
* D-Lin-UCB (lam = 1) [``dlb-dlinucb-1``]: Russac et al. (2019) with gamma = 1 - 1e-9:
  ``lam_t = gamma^{-t} lam``, ``V <- gV + uu^T + (1-g) lam_t I``,
  ``Vt <- g^2 Vt + uu^T + (1-g^2) lam_t I``, ``b <- g b + u y``, index
  ``<u, hhat> + beta_t sqrt(u^T V^{-1} Vt V^{-1} u)``,
  ``beta_t = Theta sqrt(lam_t) + sigma sqrt(2 log T + d log(1 + 1.5^2 (1-g^{2t})/(d lam_t (1-g^2))))``.

The first random action comes from the learner's Generator, in ``act`` and ``fast_run`` alike.
"""

from __future__ import annotations

import math

import numpy as np

from ...experiments.registry import register_learner
from ...utils import as_generator, check_positive_int
from .. import _dlb_kernels as K
from ..base import BanditLearner, with_fast_switch
from ..dynlin_ucb import _check_fresh_env, _info_get, _real
from .linucb import _LinUCBLike
from .reference_config import _PROV_CODE, _fed_constants


class DLinUCB(BanditLearner):
    """D-Lin-UCB of Russac et al. (2019) as configured in the reference (dynlin-ucb.md#baselines, lam = 1).

    Parameters
    ----------
    features : ndarray (K, d); horizon : int; rng
    lam : float > 0; gamma : float in (0, 1)
    theta_norm : float      bound on ||theta|| (the reference passes ||D^T 1||)
    sigma : float           noise level told to the agent
    norm_bound : float      action-norm bound in beta (1.5 in the reference)
    beta_scale : float
    """

    provenance = (
        _PROV_CODE + "algorithm: Russac, Vernade, Cappe 2019 (D-LinUCB) as "
        "implemented in the reference DLinUCBAgent (lam_t uses the 0-based round "
        "count before the round, initial V = Vtilde = lam I) [C]."
    )

    def __init__(
        self,
        features,
        horizon,
        rng,
        *,
        lam=1.0,
        gamma=0.999999999,
        theta_norm,
        sigma,
        norm_bound=1.5,
        beta_scale=1.0,
    ):
        X = np.array(features, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] < 1 or not np.all(np.isfinite(X)):
            raise ValueError(f"features must be a finite (K, d) array, got shape {X.shape}")
        self.X = np.ascontiguousarray(X)
        self.n_actions, self.d = X.shape
        self.T = check_positive_int(horizon, "horizon")
        self.lam = _real(lam, "lam", low=0.0, low_open=True)
        self.gamma = _real(gamma, "gamma", low=0.0, high=1.0, low_open=True, high_open=True)
        self.theta_norm = _real(theta_norm, "theta_norm", low=0.0)
        self.sigma = _real(sigma, "sigma", low=0.0)
        self.norm_bound = _real(norm_bound, "norm_bound", low=0.0)
        self.beta_scale = _real(beta_scale, "beta_scale", low=0.0, low_open=True)
        self.log_T = math.log(self.T)
        self.rng = as_generator(rng)
        self.first_action = int(self.rng.integers(self.n_actions))
        self.label = "D-Lin-UCB (lambda=1)"
        d = self.d
        self.V = np.eye(d) * self.lam
        self.Vt = np.eye(d) * self.lam
        self.Vinv = np.eye(d) / self.lam
        self.b = np.zeros(d)
        self.hhat = np.zeros(d)
        self.t = 0
        self.arm = self.first_action

    def act(self) -> int:
        if self.t == 0:
            self.arm = self.first_action
        else:
            beta = (
                K.dlin_beta(
                    self.t,
                    self.lam,
                    self.gamma,
                    self.theta_norm,
                    self.sigma,
                    self.log_T,
                    self.d,
                    self.norm_bound,
                )
                * self.beta_scale
            )
            self.arm = int(K.dlin_index_argmax(self.X, self.hhat, self.Vinv, self.Vt, beta))
        return self.arm

    def update(self, a, r) -> None:
        if a != self.arm:
            raise ValueError(f"a = {a} is not the arm returned by act() ({self.arm})")
        self.Vinv, self.hhat = K.dlin_update(
            self.V, self.Vt, self.b, self.X[a], float(r), self.t, self.lam, self.gamma
        )
        self.t += 1

    def info(self) -> dict:
        return {"action": float(self.arm)}

    def fast_run(self, env, n_steps, rng) -> dict:
        """Whole run in one kernel; same columns and numbers as act/update."""
        T = check_positive_int(n_steps, "n_steps")
        _check_fresh_env(env, self)
        Z = as_generator(rng).standard_normal((T, env.n + env.m))
        acts, rew = K.run_dlin_russac(
            K.dlb_system(env),
            Z,
            self.X,
            self.first_action,
            self.lam,
            self.gamma,
            self.theta_norm,
            self.sigma,
            self.log_T,
            self.norm_bound,
            self.beta_scale,
        )
        return {
            "regret": env.gaps[acts].astype(np.float64),
            "reward": rew,
            "action": acts.astype(np.float64),
        }


@register_learner("dlb-dlinucb")
@with_fast_switch
def make_dlinucb(env_info, rng, *, config="1", beta_scale=1.0, norm_bound=1.5):
    """D-Lin-UCB as in the reference (dynlin-ucb.md#baselines).

    ``config="1"``: Russac et al. with gamma = 0.999999999, lam = 1;
    ``config="logT"``: the reference's ``LinearAgent(dlinucb=True, gamma=0.999999)``
    (undiscounted update, discounted beta term), lam = log T.
    """
    T = check_positive_int(_info_get(env_info, "n_steps"), "env_info['n_steps']")
    X = _info_get(env_info, "features")
    if config in ("1", 1):
        return DLinUCB(
            X,
            T,
            rng,
            lam=1.0,
            gamma=0.999999999,
            theta_norm=_info_get(env_info, "theta_norm"),
            sigma=_info_get(env_info, "sigma"),
            norm_bound=norm_bound,
            beta_scale=beta_scale,
        )
    if config in ("logT", "log T"):
        rho, c = _fed_constants(env_info)
        return _LinUCBLike(
            X,
            T,
            rng,
            lam=math.log(T),
            beta_mode=K.BETA_DLINUCB_FED,
            rho_bar=0.0,
            eps=1e-4,
            c_h=c["c_h"],
            sigma2_tilde=c["sigma2_tilde"],
            U_bar=_info_get(env_info, "U_bar"),
            gamma=0.999999,
            beta_scale=beta_scale,
            h_true=env_info.get("oracle_h"),
            label="D-Lin-UCB (lambda=log T)",
        )
    raise ValueError(f"config must be 'logT' or '1', got {config!r}")


@register_learner("dlb-dlinucb-log-t")
def make_dlinucb_logT(env_info, rng, **kw):
    """D-Lin-UCB (lambda = log T), dynlin-ucb.md#baselines."""
    return make_dlinucb(env_info, rng, config="logT", **kw)


@register_learner("dlb-dlinucb-1")
def make_dlinucb_1(env_info, rng, **kw):
    """D-Lin-UCB (lambda = 1), dynlin-ucb.md#baselines."""
    return make_dlinucb(env_info, rng, config="1", **kw)

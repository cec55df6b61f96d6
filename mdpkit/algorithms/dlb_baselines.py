r"""Baselines of the DynLin-UCB experiments (``docs/papers/dynlin-ucb.md`` 2.2,
2.3, 6), with the exact configurations of the reference driver (``scripts/main.py`` of
marcomussi/DLB).

Agents (registered learner names in brackets; T = horizon, K = number of arms, d = dim):

* Lin-UCB (lam = log T) [``dlb-linucb-logT``]: OFUL updated every round, fed the DLB
  constants, ``beta_t = c_h sqrt(lam) + sqrt(2 sigma~^2 (log(1/delta) + (d/2) log(1 + t U^2/(d lam))))``,
  delta = 1/T. Myopic: no persistence.
* Lin-UCB (lam = 1) [``dlb-linucb-1``]: reference ``LinUCBAgent``; constant
  ``beta = Theta sqrt(lam) + sqrt(2 log T + d log((d lam + T 1.5^2)/(d lam)))`` (sigma unused,
  1.5 = daily budget as the action-norm bound; spec P6).
* D-Lin-UCB (lam = log T) [``dlb-dlinucb-logT``]: the reference's
  ``LinearAgent(dlinucb=True, gamma=0.999999)``: the *undiscounted* Lin-UCB update; only
  beta's log-det term is discounted (spec P6). Reproduced as is and labelled.
* D-Lin-UCB (lam = 1) [``dlb-dlinucb-1``]: Russac et al. (2019) with gamma = 1 - 1e-9:
  ``lam_t = gamma^{-t} lam``, ``V <- gV + uu^T + (1-g) lam_t I``,
  ``Vt <- g^2 Vt + uu^T + (1-g^2) lam_t I``, ``b <- g b + u y``, index
  ``<u, hhat> + beta_t sqrt(u^T V^{-1} Vt V^{-1} u)``,
  ``beta_t = Theta sqrt(lam_t) + sigma sqrt(2 log T + d log(1 + 1.5^2 (1-g^{2t})/(d lam_t (1-g^2))))``.
* AR2 [``dlb-ar2``]: Chen et al. (arXiv 2210.16386) over the K arms with alpha = rho,
  ``Delta_ep = ceil(K alpha^{-3} sigma^{-3})``,
  ``c0 = sqrt(4 log(1/(alpha sigma)) + 4 log Delta_ep + 2 log(4K))``, ``c1 = 24 c0``
  (spec 2.3 for the state machine).
* EXP3 [``dlb-exp3``]: ``gamma = min(1, sqrt(K ln K / ((e-1) 2T/3)))``, ``eta = gamma/K``,
  reward rescaled ``(y + 2M)/(4M)``, ``M = (Theta + Omega ||B|| / (1 - rho)) U``.
* Batch-EXP3 [``dlb-batch-exp3``]: EXP3 on batches of ``tau = ceil(log M_T / log(1/rho))``
  rounds (M_T = DynLin-UCB epochs covering T), batch-mean reward, T/tau in gamma.
* Expert [``dlb-expert``] (real data): the fixed allocation proportional to the config's
  spend vector, shares clipped to [0, 1/1.5] with the clipped mass redistributed over the
  others (the reference's one-pass clip-and-rescale), times 1.5. Not an element of U:
  ``act`` returns the action *vector*.
* Clairvoyant [``dlb-clairvoyant``]: holds ``u*`` (oracle); zero R_ss.

``reference_quirks`` (default False = clean version; spec 2.3 and 6):

* AR2: with quirks, arms are never removed from the triggered set (the reference's
  behaviour, so after the first trigger the agent alternates forever between ``i_sup`` and
  the earliest-triggered arms); clean: a triggered arm leaves the set when it is explored,
  and the set is emptied at a restart. No truncation ``B(.)`` in either version.
* Batch-EXP3: with quirks, the reward window of each EXP3 update is the reference's
  (updates after rounds ``1, 1 + tau, 1 + 2 tau, ...`` on the sum of the rewards since the
  previous update divided by tau, credited to the arm of the current batch, so a window
  straddles two batches and the first one holds 2 rounds); clean: one update per batch on
  the mean of its own tau rewards. (Found in the reference code, not listed in the spec.)

Decisions shared by all: rho is the real ``max |eig(A)|`` (spec P3; the reference passes
complex values to AR2/EXP3 on the real-data system); randomness (first random action,
EXP3 draws, AR2 tie-breaks) comes from the learner's Generator: EXP3 and AR2 draw one
uniform per round and Batch-EXP3 one per batch, in ``act`` and in ``fast_run`` alike, so the
two paths give identical numbers. EXP3 probabilities are computed with the largest
exponent subtracted (identical mathematically to the reference's plain exponentials).
"""
from __future__ import annotations

import math

import numpy as np

from ..experiments.registry import register_learner
from ..utils import as_generator, check_positive_int
from . import _dlb_kernels as K
from .base import BanditLearner, with_fast_switch
from .dynlin_ucb import (
    LinearFamilyLearner,
    _check_fresh_env,
    _info_get,
    _real,
    dlb_constants,
    n_epochs_to_cover,
)

__all__ = ["Exp3", "BatchExp3", "AR2", "DLinUCB", "FixedAction", "expert_allocation",
           "make_linucb", "make_dlinucb", "make_ar2", "make_exp3", "make_batch_exp3",
           "make_expert", "make_clairvoyant"]

_PROV_CODE = ("Configuration (constants, lambda, delta, gamma, norm bounds) from the authors' "
              "driver scripts/main.py and agents.py (marcomussi/DLB) as transcribed in spec 2.2 "
              "[C]; ")


def _fed_constants(env_info):
    rho = float(_info_get(env_info, "rho"))
    c = dlb_constants(rho, _info_get(env_info, "phi"), _info_get(env_info, "omega_norm"),
                      _info_get(env_info, "theta_norm"), _info_get(env_info, "B_norm"),
                      _info_get(env_info, "U_bar"), _info_get(env_info, "sigma"))
    return rho, c


def _exp3_M(env_info):
    """``M = (Theta + Omega ||B|| / (1 - rho)) U`` (spec 2.2, EXP3 reward scale)."""
    rho = float(_info_get(env_info, "rho"))
    return (_info_get(env_info, "theta_norm") + _info_get(env_info, "omega_norm")
            * _info_get(env_info, "B_norm") / (1.0 - rho)) * _info_get(env_info, "U_bar")


# --------------------------------------------------------------------------- Lin-UCB family
class _LinUCBLike(LinearFamilyLearner):
    provenance = _PROV_CODE + "OFUL structure: Abbasi-Yadkori et al. 2011 (classical_baselines 1.3)."


@register_learner("dlb-linucb")
@with_fast_switch
def make_linucb(env_info, rng, *, config="logT", beta_scale=1.0, norm_bound=1.5):
    """Lin-UCB as in the reference experiments (spec 2.2).

    ``config="logT"``: ``LinearAgent(linucb=True)``, lam = log T, fed DLB constants;
    ``config="1"``: ``LinUCBAgent``, lam = 1, constant beta with ``norm_bound`` (1.5).
    """
    T = check_positive_int(_info_get(env_info, "n_steps"), "env_info['n_steps']")
    X = _info_get(env_info, "features")
    d = np.asarray(X).shape[1]
    if config in ("logT", "log T"):
        rho, c = _fed_constants(env_info)
        return _LinUCBLike(X, T, rng, lam=math.log(T), beta_mode=K.BETA_LINUCB_FED, rho_bar=0.0,
                           eps=1e-4, c_h=c["c_h"], sigma2_tilde=c["sigma2_tilde"],
                           U_bar=_info_get(env_info, "U_bar"), beta_scale=beta_scale,
                           h_true=env_info.get("oracle_h"), label="Lin-UCB (lambda=log T)")
    if config in ("1", 1):
        lam = 1.0
        nb = _real(norm_bound, "norm_bound", low=0.0, low_open=True)
        beta = (_info_get(env_info, "theta_norm") * math.sqrt(lam) + math.sqrt(
            2 * math.log(T) + d * math.log((d * lam + T * nb ** 2) / (d * lam))))
        return _LinUCBLike(X, T, rng, lam=lam, beta_mode=K.BETA_CONST, rho_bar=0.0, eps=1e-4,
                           beta_const=beta, beta_scale=beta_scale,
                           h_true=env_info.get("oracle_h"), label="Lin-UCB (lambda=1)")
    raise ValueError(f"config must be 'logT' or '1', got {config!r}")


@register_learner("dlb-linucb-log-t")
def make_linucb_logT(env_info, rng, **kw):
    """Lin-UCB (lambda = log T), spec 2.2."""
    return make_linucb(env_info, rng, config="logT", **kw)


@register_learner("dlb-linucb-1")
def make_linucb_1(env_info, rng, **kw):
    """Lin-UCB (lambda = 1), spec 2.2."""
    return make_linucb(env_info, rng, config="1", **kw)


# --------------------------------------------------------------------------- D-Lin-UCB
class DLinUCB(BanditLearner):
    """D-Lin-UCB of Russac et al. (2019) as configured in the reference (spec 2.2, lam = 1).

    Parameters
    ----------
    features : ndarray (K, d); horizon : int; rng
    lam : float > 0; gamma : float in (0, 1)
    theta_norm : float      bound on ||theta|| (the reference passes ||D^T 1||)
    sigma : float           noise level told to the agent
    norm_bound : float      action-norm bound in beta (1.5 in the reference)
    beta_scale : float
    """

    provenance = (_PROV_CODE + "algorithm: Russac, Vernade, Cappe 2019 (D-LinUCB) as "
                  "implemented in the reference DLinUCBAgent (lam_t uses the 0-based round "
                  "count before the round, initial V = Vtilde = lam I) [C].")

    def __init__(self, features, horizon, rng, *, lam=1.0, gamma=0.999999999, theta_norm,
                 sigma, norm_bound=1.5, beta_scale=1.0):
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
            beta = K.dlin_beta(self.t, self.lam, self.gamma, self.theta_norm, self.sigma,
                               self.log_T, self.d, self.norm_bound) * self.beta_scale
            self.arm = int(K.dlin_index_argmax(self.X, self.hhat, self.Vinv, self.Vt, beta))
        return self.arm

    def update(self, a, r) -> None:
        if a != self.arm:
            raise ValueError(f"a = {a} is not the arm returned by act() ({self.arm})")
        self.Vinv, self.hhat = K.dlin_update(self.V, self.Vt, self.b, self.X[a], float(r),
                                             self.t, self.lam, self.gamma)
        self.t += 1

    def info(self) -> dict:
        return {"action": float(self.arm)}

    def fast_run(self, env, n_steps, rng) -> dict:
        """Whole run in one kernel; same columns and numbers as act/update."""
        T = check_positive_int(n_steps, "n_steps")
        _check_fresh_env(env, self)
        Z = as_generator(rng).standard_normal((T, env.n + env.m))
        acts, rew = K.run_dlin_russac(K.dlb_system(env), Z, self.X, self.first_action, self.lam,
                                      self.gamma, self.theta_norm, self.sigma, self.log_T,
                                      self.norm_bound, self.beta_scale)
        return {"regret": env.gaps[acts].astype(np.float64), "reward": rew,
                "action": acts.astype(np.float64)}


@register_learner("dlb-dlinucb")
@with_fast_switch
def make_dlinucb(env_info, rng, *, config="1", beta_scale=1.0, norm_bound=1.5):
    """D-Lin-UCB as in the reference (spec 2.2, P6).

    ``config="1"``: Russac et al. with gamma = 0.999999999, lam = 1;
    ``config="logT"``: the reference's ``LinearAgent(dlinucb=True, gamma=0.999999)``
    (undiscounted update, discounted beta term), lam = log T.
    """
    T = check_positive_int(_info_get(env_info, "n_steps"), "env_info['n_steps']")
    X = _info_get(env_info, "features")
    if config in ("1", 1):
        return DLinUCB(X, T, rng, lam=1.0, gamma=0.999999999,
                       theta_norm=_info_get(env_info, "theta_norm"),
                       sigma=_info_get(env_info, "sigma"), norm_bound=norm_bound,
                       beta_scale=beta_scale)
    if config in ("logT", "log T"):
        rho, c = _fed_constants(env_info)
        return _LinUCBLike(X, T, rng, lam=math.log(T), beta_mode=K.BETA_DLINUCB_FED,
                           rho_bar=0.0, eps=1e-4, c_h=c["c_h"], sigma2_tilde=c["sigma2_tilde"],
                           U_bar=_info_get(env_info, "U_bar"), gamma=0.999999,
                           beta_scale=beta_scale, h_true=env_info.get("oracle_h"),
                           label="D-Lin-UCB (lambda=log T)")
    raise ValueError(f"config must be 'logT' or '1', got {config!r}")


@register_learner("dlb-dlinucb-log-t")
def make_dlinucb_logT(env_info, rng, **kw):
    """D-Lin-UCB (lambda = log T), spec 2.2 and P6."""
    return make_dlinucb(env_info, rng, config="logT", **kw)


@register_learner("dlb-dlinucb-1")
def make_dlinucb_1(env_info, rng, **kw):
    """D-Lin-UCB (lambda = 1), spec 2.2."""
    return make_dlinucb(env_info, rng, config="1", **kw)


# --------------------------------------------------------------------------- EXP3
class Exp3(BanditLearner):
    """EXP3 with the reference's reward rescaling (spec 2.2).

    Parameters
    ----------
    n_actions : int; rng
    gamma : float in (0, 1]   exploration mixture
    eta : float > 0           learning rate on the cumulative importance-weighted gains
    M : float > 0             reward scale: rewards mapped by ``(y + 2M)/(4M)``
    """

    provenance = (_PROV_CODE + "algorithm: Auer et al. 2002 EXP3 in the reference's "
                  "Exp3Agent form (softmax of eta G mixed with gamma/K) [C].")

    def __init__(self, n_actions, rng, *, gamma, eta, M):
        self.n_actions = check_positive_int(n_actions, "n_actions")
        self.gamma = _real(gamma, "gamma", low=0.0, high=1.0)
        self.eta = _real(eta, "eta", low=0.0)
        self.M = _real(M, "M", low=0.0, low_open=True)
        self.rng = as_generator(rng)
        self.G = np.zeros(self.n_actions)
        self.p = np.full(self.n_actions, 1.0 / self.n_actions)
        self.arm = 0
        self.label = "EXP3"

    def act(self) -> int:
        self.arm = int(K.sample_from(self.p, self.rng.random()))
        return self.arm

    def update(self, a, r) -> None:
        if a != self.arm:
            raise ValueError(f"a = {a} is not the arm returned by act() ({self.arm})")
        self.G[a] += ((float(r) + 2.0 * self.M) / (4.0 * self.M)) / self.p[a]
        self.p = K.exp3_probabilities(self.G, self.eta, self.gamma)

    def info(self) -> dict:
        return {"action": float(self.arm)}

    def fast_run(self, env, n_steps, rng) -> dict:
        """Whole run in one kernel; same columns and numbers as act/update."""
        T = check_positive_int(n_steps, "n_steps")
        _check_fresh_env(env, self)
        Z = as_generator(rng).standard_normal((T, env.n + env.m))
        U = self.rng.random(T)
        acts, rew = K.run_exp3(K.dlb_system(env),
                               Z, U, self.eta, self.gamma, self.M)
        return {"regret": env.gaps[acts].astype(np.float64), "reward": rew,
                "action": acts.astype(np.float64)}


def exp3_rate(n_actions: int, T: float) -> float:
    """``gamma = min(1, sqrt(K ln K / ((e - 1) 2T/3)))`` (spec 2.2)."""
    return min(1.0, math.sqrt(n_actions * math.log(n_actions) / ((math.e - 1) * 2 * T / 3)))


@register_learner("dlb-exp3")
@with_fast_switch
def make_exp3(env_info, rng) -> Exp3:
    """EXP3 as configured in the reference (spec 2.2)."""
    T = check_positive_int(_info_get(env_info, "n_steps"), "env_info['n_steps']")
    Kn = int(_info_get(env_info, "n_actions"))
    g = exp3_rate(Kn, T)
    return Exp3(Kn, rng, gamma=g, eta=g / Kn, M=_exp3_M(env_info))


class BatchExp3(Exp3):
    """Batch-EXP3 (Dekel et al. 2012 style; spec 2.2): EXP3 over batches of ``tau`` rounds.

    Parameters as :class:`Exp3` plus ``tau`` (batch size) and ``reference_quirks``
    (reward window of the reference code, see the module docstring).
    """

    provenance = (_PROV_CODE + "batching: Dekel, Tewari, Arora 2012 as in the reference's "
                  "BatchExp3Agent; its off-by-one reward window is reproduced only under "
                  "reference_quirks [C].")

    def __init__(self, n_actions, rng, *, gamma, eta, M, tau, reference_quirks=False):
        super().__init__(n_actions, rng, gamma=gamma, eta=eta, M=M)
        self.tau = check_positive_int(tau, "tau")
        self.quirks = bool(reference_quirks)
        self.t = 0
        self.acc = 0.0
        self.label = f"Batch-EXP3 (tau={self.tau})"

    def act(self) -> int:
        if self.t % self.tau == 0:
            self.arm = int(K.sample_from(self.p, self.rng.random()))
        return self.arm

    def update(self, a, r) -> None:
        if a != self.arm:
            raise ValueError(f"a = {a} is not the arm returned by act() ({self.arm})")
        self.acc += float(r)
        if K.batch_exp3_is_update_round(self.t, self.tau, self.quirks):
            mean = self.acc / self.tau
            self.G[a] += ((mean + 2.0 * self.M) / (4.0 * self.M)) / self.p[a]
            self.p = K.exp3_probabilities(self.G, self.eta, self.gamma)
            self.acc = 0.0
        self.t += 1

    def fast_run(self, env, n_steps, rng) -> dict:
        T = check_positive_int(n_steps, "n_steps")
        _check_fresh_env(env, self)
        Z = as_generator(rng).standard_normal((T, env.n + env.m))
        U = self.rng.random(-(-T // self.tau))
        acts, rew = K.run_batch_exp3(K.dlb_system(env), Z, U, self.eta, self.gamma, self.M, self.tau,
                                     self.quirks)
        return {"regret": env.gaps[acts].astype(np.float64), "reward": rew,
                "action": acts.astype(np.float64)}


def batch_size(T: int, rho: float) -> int:
    """``tau = ceil(log M_T / log(1/rho))`` (spec 2.2); 1 when rho = 0."""
    if rho <= 0.0:
        return 1
    M_T = n_epochs_to_cover(T, rho)
    return max(1, math.ceil(math.log(M_T) / math.log(1.0 / rho)))


@register_learner("dlb-batch-exp3")
@with_fast_switch
def make_batch_exp3(env_info, rng, *, reference_quirks=False) -> BatchExp3:
    """Batch-EXP3 as configured in the reference (spec 2.2): tau from the DynLin-UCB
    schedule, T/tau in gamma."""
    T = check_positive_int(_info_get(env_info, "n_steps"), "env_info['n_steps']")
    Kn = int(_info_get(env_info, "n_actions"))
    tau = batch_size(T, float(_info_get(env_info, "rho")))
    g = exp3_rate(Kn, T / tau)
    return BatchExp3(Kn, rng, gamma=g, eta=g / Kn, M=_exp3_M(env_info), tau=tau,
                     reference_quirks=reference_quirks)


# --------------------------------------------------------------------------- AR2
class AR2(BanditLearner):
    """AR2 (Chen et al., arXiv 2210.16386) in the reference's form (spec 2.3).

    Parameters
    ----------
    n_actions : int; rng
    alpha : float in (0, 1)   AR coefficient (the reference uses rho(A))
    sigma : float > 0         noise level
    epoch_size : int          restart period Delta_ep
    c0 : float                c1 = 24 c0
    reference_quirks : bool   never remove arms from the triggered set (spec 2.3)
    """

    provenance = (_PROV_CODE + "state machine of spec 2.3 from the reference AR2Agent [C]; "
                  "the clean variant (explored arms leave the triggered set) follows the "
                  "paper's description as recalled [R].")

    def __init__(self, n_actions, rng, *, alpha, sigma, epoch_size, c0, reference_quirks=False):
        self.n_actions = check_positive_int(n_actions, "n_actions")
        self.alpha = _real(alpha, "alpha", low=0.0, high=1.0, low_open=True, high_open=True)
        self.sigma = _real(sigma, "sigma", low=0.0)
        self.epoch_size = check_positive_int(epoch_size, "epoch_size")
        self.c1 = 24.0 * _real(c0, "c0", low=0.0)
        self.c1sig = self.c1 * self.sigma
        self.quirks = bool(reference_quirks)
        self.rng = as_generator(rng)
        Kn = self.n_actions
        self.est = np.full(Kn, np.inf)
        self.tau = np.full(Kn, np.inf)
        self.tau_trig = np.full(Kn, np.inf)
        self.trig = np.zeros(Kn, dtype=np.int8)
        self.s = 1
        self.t0 = 1
        self.last = -1
        self.last_last = -1
        self.arm = 0
        self.label = "AR2"

    def act(self) -> int:
        u = self.rng.random()
        a = int(K.ar2_choose(self.t0, self.s, self.n_actions, self.epoch_size, self.est,
                             self.tau, self.tau_trig, self.trig, self.last, self.last_last,
                             self.alpha, self.c1sig, u, self.quirks))
        self.last_last = self.last
        self.last = a
        self.arm = a
        return a

    def update(self, a, r) -> None:
        if a != self.arm:
            raise ValueError(f"a = {a} is not the arm returned by act() ({self.arm})")
        self.s = int(K.ar2_update(self.t0, self.s, self.n_actions, self.epoch_size, self.est,
                                  self.tau, self.tau_trig, self.trig, a, float(r), self.alpha,
                                  self.quirks))
        self.t0 += 1

    def info(self) -> dict:
        return {"action": float(self.arm)}

    def fast_run(self, env, n_steps, rng) -> dict:
        T = check_positive_int(n_steps, "n_steps")
        _check_fresh_env(env, self)
        Z = as_generator(rng).standard_normal((T, env.n + env.m))
        U = self.rng.random(T)
        acts, rew = K.run_ar2(K.dlb_system(env),
                              Z, U, self.alpha, self.epoch_size, self.c1sig, self.quirks)
        return {"regret": env.gaps[acts].astype(np.float64), "reward": rew,
                "action": acts.astype(np.float64)}


def ar2_parameters(n_actions: int, alpha: float, sigma: float) -> dict:
    """``Delta_ep`` and ``c0`` of the reference configuration (spec 2.2)."""
    ep = math.ceil(n_actions * alpha ** -3 * sigma ** -3)
    c0 = math.sqrt(4 * math.log(1 / (alpha * sigma)) + 4 * math.log(ep) + 2 * math.log(4 * n_actions))
    return {"epoch_size": ep, "c0": c0}


@register_learner("dlb-ar2")
@with_fast_switch
def make_ar2(env_info, rng, *, reference_quirks=False) -> AR2:
    """AR2 with alpha = rho(A) and sigma = noise sigma (spec 2.2)."""
    Kn = int(_info_get(env_info, "n_actions"))
    alpha = float(_info_get(env_info, "rho"))
    sigma = float(_info_get(env_info, "sigma"))
    if not 0 < alpha < 1 or not sigma > 0:
        raise ValueError(f"AR2 needs 0 < rho < 1 and sigma > 0, got rho={alpha}, sigma={sigma}")
    p = ar2_parameters(Kn, alpha, sigma)
    return AR2(Kn, rng, alpha=alpha, sigma=sigma, epoch_size=p["epoch_size"], c0=p["c0"],
               reference_quirks=reference_quirks)


# --------------------------------------------------------------------------- fixed actions
class FixedAction(BanditLearner):
    """Holds one action forever: an arm index (Clairvoyant) or an action vector (Expert).

    With a vector action, ``act`` returns the vector (the DLB env accepts it); the runner's
    generic loop only accepts arm indices, so the runner uses :meth:`fast_run` (always
    present) for it.
    """

    provenance = _PROV_CODE + "a constant policy (regret reference / expert allocation)."

    def __init__(self, action, label="fixed"):
        self.action = action
        self.label = label

    def act(self):
        return self.action

    def update(self, a, r) -> None:
        pass

    def info(self) -> dict:
        return {} if isinstance(self.action, np.ndarray) else {"action": float(self.action)}

    def fast_run(self, env, n_steps, rng) -> dict:
        T = check_positive_int(n_steps, "n_steps")
        if getattr(env, "t", 0) != 0:
            raise ValueError("env must be fresh (no pull before fast_run)")
        Z = as_generator(rng).standard_normal((T, env.n + env.m))
        Bu_a, thetau_a, _ = env._arm(self.action)
        rew = K.run_fixed(env.A, env.omega, np.ascontiguousarray(Bu_a), thetau_a, env.state_sigma,
                          env.sigma, Z)
        out = {"regret": np.full(T, env.pseudo_regret(self.action)), "reward": rew}
        if not isinstance(self.action, np.ndarray):
            out["action"] = np.full(T, float(self.action))
        return out


def expert_allocation(spend, daily_budget=1.5, max_camp=1.0, min_camp=0.0) -> np.ndarray:
    """The reference ``ExpertAgent`` allocation (spec 2.2): shares of ``spend`` clipped to
    ``[min_camp/max_camp, max_camp/daily_budget]``, the unclipped shares rescaled so that the
    shares sum to 1, times ``daily_budget`` (one pass, as in the reference); shape (p,)."""
    s = np.asarray(spend, dtype=np.float64)
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s < 0) or s.sum() <= 0:
        raise ValueError("spend must be a non-empty finite non-negative vector with positive sum")
    s = s / s.sum()
    lo, hi = min_camp / max_camp, max_camp / daily_budget
    clipped = (s < lo) | (s > hi)
    s = np.clip(s, lo, hi)
    free = ~clipped
    if free.any() and s[free].sum() > 0:
        s[free] *= (1.0 - s[clipped].sum()) / s[free].sum()
    return s * daily_budget


@register_learner("dlb-expert")
@with_fast_switch
def make_expert(env_info, rng, *, spend=None) -> FixedAction:
    """Expert of the real-data experiment (spec 2.2); ``spend`` defaults to env_info['expert']."""
    if spend is None:
        spend = _info_get(env_info, "expert")
    return FixedAction(expert_allocation(spend), label="Expert")


@register_learner("dlb-clairvoyant")
@with_fast_switch
def make_clairvoyant(env_info, rng) -> FixedAction:
    """Clairvoyant: holds the optimal constant arm ``u*`` (oracle, spec 2.2)."""
    return FixedAction(int(_info_get(env_info, "oracle_best_arm")), label="Clairvoyant")

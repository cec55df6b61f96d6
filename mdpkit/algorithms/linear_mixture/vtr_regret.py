r"""Regret learners for linear mixture MDPs (paper page ``docs/papers/linear-mixture.md``,
"Baselines"): HF-UCRL-VTR+ (Zhou & Gu, NeurIPS 2022) and UCRL-VTR+ (Zhou, Gu,
Szepesvari, COLT 2021), registered as ``"hf-ucrl-vtr-plus"`` and ``"ucrl-vtr-plus"`` for
the runner on the ``"linear-mixture"`` env (features from ``env_info["phi"]``).

HF-UCRL-VTR+: optimistic DP ``Q_h = [r_h + <theta_0, phi_V> + beta_k ||phi_V||_{Sdot_0^-1}]_{[0,1]}``,
greedy; at each step the HOME ladder (M levels of ``V_{k,h+1}^(2^m)``) gives the weights of
the value-targeted regressions; frozen at the episode end. Constants: those of
HF-UCRL-RFE++ (``M, alpha, gamma, lambda, beta_k``; the NeurIPS paper's own choices were
not verified) times ``c_beta`` (page section "c_beta": the same multiplier for every
compared algorithm).

UCRL-VTR+: values in ``[0, H]`` (the algorithm's own range, rewards in [0, 1] per step);
three regressions (weighted ``theta^`` on ``V``, ``theta~`` on ``V^2``, ``theta_check`` on
``V``) with ``sigma_bar^2 = max{H^2/d, [<phi_{V^2}, theta~>]_{[0,H^2]} - [<phi_V, theta^>]_{[0,H]}^2 + E}``,
``E = min{H^2, beta~ ||phi_{V^2}||_{Sigma~^-1}} + min{H^2, 2 H beta_check ||phi_V||_{Sigma_check^-1}}``,
``lambda = B^-2``; optimistic ``Q = [r + <theta^, phi_V> + beta^ ||phi_V||_{Sigma^^-1}]_{[0,H]}``.

Fast path: the whole run in one compiled loop (:func:`vtr_fast`, shared by both
learners, the learner named by the constant ``VTRConsts.variant``) calling the same
plan/update kernels as the per-step path; it
draws the env's uniforms exactly as :class:`mdpkit.envs.EpisodicTabularEnv` does (one for
the reset, one per step), so ``fast_run`` equals the generic loop.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from ...experiments.registry import register_learner
from ..base import EpisodicLearner, known_rewards
from . import _kernels as kn
from .common import check_positive, check_unit_open
from .hf_ucrl_rfe import hf_constants

__all__ = [
    "HFUCRLVTRPlus",
    "UCRLVTRPlus",
    "vtr_plan",
    "hf_vtr_update",
    "vtr_plus_update",
    "vtr_update",
    "vtr_fast",
    "VARIANT_HF",
    "VARIANT_PLUS",
]


#: Which regret learner a kernel runs (named constants stored in :class:`VTRConsts`).
VARIANT_HF = 0  # HF-UCRL-VTR+: HOME ladder, values in [0, 1]
VARIANT_PLUS = 1  # UCRL-VTR+: three regressions, values in [0, H]


class VTRConsts(NamedTuple):
    variant: int  # VARIANT_HF or VARIANT_PLUS
    alpha: float
    gamma: float
    vmax: float  # value range [0, vmax]
    beta_check: float  # UCRL-VTR+ only
    beta_tilde: float  # UCRL-VTR+ only


@njit(cache=True)
def vtr_plan(phi, R, theta, Sinv, beta, vmax, V, pi):
    """Optimistic clipped DP: ``Q_h = [R_h + <theta, phi_{V_{h+1}}> + beta ||phi_{V_{h+1}}||_{Sinv}]_{[0, vmax]}``."""
    H, S, A = R.shape
    d = phi.shape[3]
    buf = np.empty(d)
    for s in range(S):
        V[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            bq = -1.0
            ba = 0
            for a in range(A):
                kn.phi_v(phi, s, a, V[h + 1], buf)
                q = R[h, s, a] + beta * kn.mahal(buf, Sinv)
                for i in range(d):
                    q += buf[i] * theta[i]
                q = 0.0 if q < 0.0 else (vmax if q > vmax else q)
                if q > bq:
                    bq = q
                    ba = a
            V[h, s] = bq
            pi[h, s] = ba


@njit(cache=True)
def hf_vtr_update(phi, lad, Vnext, s, a, s2, beta_k, consts):
    """HOME weights and the M weighted VTR updates for the transition (s, a, s2)."""
    M = lad.theta.shape[0]
    d = phi.shape[3]
    phis = np.empty((M, d))
    sig2 = np.empty(M)
    pw = kn.power_features(phi, s, a, Vnext, phis)
    kn.home(phis, lad, beta_k, consts.alpha, consts.gamma, sig2)
    for m in range(M):
        kn.vtr_add(lad, m, phis[m], pw[m, s2], sig2[m])


@njit(cache=True)
def vtr_plus_update(phi, lad, Vnext, s, a, s2, consts):
    """UCRL-VTR+ updates (levels 0 = weighted theta^, 1 = theta~ on V^2, 2 = theta_check)."""
    d = phi.shape[3]
    H = consts.vmax
    x = np.empty(d)
    x2 = np.empty(d)
    kn.phi_v(phi, s, a, Vnext, x)
    kn.phi_v(phi, s, a, Vnext * Vnext, x2)
    m2 = 0.0
    m1 = 0.0
    for i in range(d):
        m2 += x2[i] * lad.theta[1, i]
        m1 += x[i] * lad.theta[0, i]
    m2 = min(max(m2, 0.0), H * H)
    m1 = min(max(m1, 0.0), H)
    E = min(H * H, consts.beta_tilde * kn.mahal(x2, lad.Sdot_inv[1])) + min(
        H * H, 2.0 * H * consts.beta_check * kn.mahal(x, lad.Sdot_inv[2])
    )
    s2bar = max(H * H / d, m2 - m1 * m1 + E)
    y = Vnext[s2]
    kn.vtr_add(lad, 0, x, y, s2bar)
    kn.vtr_add(lad, 1, x2, y * y, 1.0)
    kn.vtr_add(lad, 2, x, y, 1.0)


@njit(cache=True)
def _policy_value(P, R, pi, s1):
    H, S, _ = R.shape
    V = np.empty((H + 1, S))
    kn.policy_value_true(P, R, pi, V)
    return V[0, s1]


@njit(cache=True)
def vtr_update(phi, lad, Vnext, s, a, s2, beta_k, consts):
    """The update of the learner named by ``consts.variant`` for the transition (s, a, s2)."""
    if consts.variant == VARIANT_HF:
        hf_vtr_update(phi, lad, Vnext, s, a, s2, beta_k, consts)
    else:
        vtr_plus_update(phi, lad, Vnext, s, a, s2, consts)


@njit(cache=True)
def vtr_fast(phi, cdf, P, R, lad, consts, betas, beta_plan, k0, u, vstar, s1, regret, reward):
    """Episodes ``k0 .. k0+K-1`` of either regret learner in one compiled loop (the same
    plan and update kernels as the per-step path); ``u`` (K, H+1) the env's uniforms."""
    K, H1 = u.shape
    H = H1 - 1
    S = phi.shape[0]
    V = np.empty((H + 1, S))
    pi = np.empty((H, S), dtype=np.int64)
    for i in range(K):
        k = k0 + i
        vtr_plan(phi, R, lad.theta[0], lad.Sdot_inv[0], beta_plan[k], consts.vmax, V, pi)
        regret[i] = vstar - _policy_value(P, R, pi, s1)
        s = s1
        tot = 0.0
        for h in range(H):
            a = pi[h, s]
            tot += R[h, s, a]
            s2 = kn.sample_next(cdf, s, a, u[i, h + 1])
            vtr_update(phi, lad, V[h + 1], s, a, s2, betas[k], consts)
            s = s2
        kn.ladder_end_episode(lad)
        reward[i] = tot


class _VTRLearner(EpisodicLearner):
    def __init__(self, env_info: dict, *, c_beta=1.0, delta=0.05, fast=True):
        for key in ("phi", "B", "s1", "R"):
            if key not in env_info:
                raise ValueError(f"env_info lacks {key!r}: use the 'linear-mixture' env")
        self.phi = np.ascontiguousarray(env_info["phi"], dtype=np.float64)
        self.S, self.A, _, self.d = self.phi.shape
        self.H = int(env_info["H"])
        self.K = int(env_info["n_steps"])
        self.B = float(env_info["B"])
        self.s1 = int(env_info["s1"])
        self.R = known_rewards(env_info["R"], self.S, self.A, self.H)
        self.c_beta = check_positive(c_beta, "c_beta")
        self.delta = check_unit_open(delta, "delta")
        if not isinstance(fast, (bool, np.bool_)):
            raise TypeError(f"fast must be a bool, got {type(fast).__name__}")
        self.fast = bool(fast)
        self.k = 0
        self.V = np.zeros((self.H + 1, self.S))
        self.pi = np.zeros((self.H, self.S), np.int64)

    def begin_episode(self):
        vtr_plan(
            self.phi,
            self.R,
            self.lad.theta[0],
            self.lad.Sdot_inv[0],
            self.beta_plan[self.k],
            self.consts.vmax,
            self.V,
            self.pi,
        )
        return self.pi.copy()

    def act(self, h, s):
        return int(self.pi[h, s])

    def update(self, h, s, a, r, s_next):
        vtr_update(self.phi, self.lad, self.V[h + 1], s, a, s_next, self.betas[self.k], self.consts)

    def end_episode(self):
        kn.ladder_end_episode(self.lad)
        self.k += 1

    def _tables(self, env):
        m = getattr(env, "model", None)
        if m is None or m.phi.shape != self.phi.shape:
            raise TypeError("fast_run needs the 'linear-mixture' env this learner was built for")
        return np.cumsum(m.P, axis=-1), np.ascontiguousarray(m.P)

    def fast_run(self, env, n_steps, rng):
        cdf, P = self._tables(env)
        u = np.empty((n_steps, self.H + 1))
        for i in range(n_steps):  # the env's order: reset draw, then one draw per step
            u[i] = rng.random(self.H + 1)
        regret = np.empty(n_steps)
        reward = np.empty(n_steps)
        vtr_fast(
            self.phi,
            cdf,
            P,
            self.R,
            self.lad,
            self.consts,
            self.betas,
            self.beta_plan,
            self.k,
            u,
            float(env.optimal_value),
            self.s1,
            regret,
            reward,
        )
        self.k += n_steps
        return {"regret": regret, "reward": reward}


class HFUCRLVTRPlus(_VTRLearner):
    """HF-UCRL-VTR+ (module docstring). Parameters: ``c_beta`` (radius multiplier),
    ``delta`` in (0, 1), ``fast``."""

    provenance = (
        "[V] HOME weights and weighted VTR (restated in the dissertation); "
        "[R] main loop (optimistic DP with beta_k ||phi_V||) and constants, reused "
        "from HF-UCRL-RFE++; [D] lower clip at 0"
    )

    def __init__(self, env_info, *, c_beta=1.0, delta=0.05, fast=True):
        super().__init__(env_info, c_beta=c_beta, delta=delta, fast=fast)
        c = hf_constants(self.d, self.H, self.K, self.B, self.delta, self.c_beta)
        self.const = c
        self.consts = VTRConsts(VARIANT_HF, c["alpha"], c["gamma"], 1.0, 0.0, 0.0)
        self.betas = c["betas"]
        self.beta_plan = c["betas"]
        self.lad = kn.new_ladder(c["M"], self.d, c["lam"])


class UCRLVTRPlus(_VTRLearner):
    """UCRL-VTR+ (module docstring). Parameters: ``c_beta``, ``delta``, ``fast``."""

    provenance = (
        "[R] sketch-level (COLT 2021 abstract + the dissertation's UCRL-RFE+ "
        "adaptation): three regressions, Bernstein weight with floor H^2/d, radii "
        "beta^, beta_check, beta~; [D] time-homogeneous P"
    )

    def __init__(self, env_info, *, c_beta=1.0, delta=0.05, fast=True):
        super().__init__(env_info, c_beta=c_beta, delta=delta, fast=fast)
        K, H, d, B = self.K, self.H, self.d, self.B
        L = math.log(48 * K**2 * H**2 / self.delta)
        lk = math.log(1 + K * H * B**2)
        b_hat = 8 * math.sqrt(d * lk * L) + 4 * math.sqrt(d) * L + 1
        b_chk = 8 * d * math.sqrt(lk * L) + 4 * math.sqrt(d) * L + 1
        b_til = 8 * H**2 * math.sqrt(d * lk * L) + 4 * H**2 * L + 1
        c = self.c_beta
        self.consts = VTRConsts(VARIANT_PLUS, 0.0, 0.0, float(H), c * b_chk, c * b_til)
        self.betas = np.zeros(K)
        self.beta_plan = np.full(K, c * b_hat)
        self.lad = kn.new_ladder(3, d, 1.0 / B**2)


def _make(cls, env_info, params):
    learner = cls(env_info, **params)
    if not learner.fast:
        learner.fast_run = None
    return learner


@register_learner("hf-ucrl-vtr-plus")
def make_hf_ucrl_vtr_plus(env_info: dict, rng, **params) -> HFUCRLVTRPlus:
    """HF-UCRL-VTR+ on the ``"linear-mixture"`` env (deterministic: ``rng`` unused)."""
    return _make(HFUCRLVTRPlus, env_info, params)


@register_learner("ucrl-vtr-plus")
def make_ucrl_vtr_plus(env_info: dict, rng, **params) -> UCRLVTRPlus:
    """UCRL-VTR+ on the ``"linear-mixture"`` env (deterministic: ``rng`` unused)."""
    return _make(UCRLVTRPlus, env_info, params)

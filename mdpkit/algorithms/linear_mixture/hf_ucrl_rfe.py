r"""HF-UCRL-RFE++ (Zhang, Zhang, Gu, ICML 2023): horizon-free reward-free exploration for
linear mixture MDPs, with the finite oracle of the paper page
``docs/papers/linear-mixture.md`` (sections "HF-UCRL-RFE++ as implemented", "Finite oracle",
"Decoupled-DP oracle" and "c_beta").

Exploration episode k (steps h = 0..H-1, fixed start ``s1``):

1. every ``replan_every`` episodes, the oracle picks ``(theta_k, pi_k, r_k)`` maximising the
   trajectory uncertainty ``V^_{k,1}(s1; theta, pi, r)`` over candidate parameters
   (:func:`~._kernels.candidates`: ``theta~``, ``theta^`` and 2d boundary points of the
   confidence set along its principal axes), the reward dictionary ``R_dict`` and the
   policies ``greedy(theta', r)``; every triple is evaluated exactly (``oracle="exact"``).
   ``oracle="decoupled"`` (section "Decoupled-DP oracle" of the page, a heuristic): per
   (theta, r) the pseudo value ``W`` of greedy(theta, r), then a DP maximising ``V^`` with
   ``u`` computed from ``W``; the executed policy is the DP's;
2. the chosen policy is run; at each step both value sequences (pseudo value ``V~`` and
   trajectory uncertainty ``V^``) feed one HOME ladder each (M levels of ``V^(2^m)``);
3. at the episode end every level is frozen (``Sdot = Sigma``, ``theta = Sigma^-1 b``).

Planning: the greedy policy of the clipped DP under the planning parameter (default the
ridge estimate ``theta~_{K+1,0}``, ``planning="ridge"``; ``planning="oracle"``: the last
oracle parameter ``theta_K``, the thesis' choice).

Constants (Theorem): ``M = ceil(log2(7 K H))``, ``alpha = H^-1/2``, ``gamma = d^-1/4``,
``lambda = d/B^2``, ``beta_k = 12 sqrt(d eta_k tau_k) + 30 tau_k/gamma^2 + sqrt(lambda) B``
with ``eta_k = log(1 + k H/(alpha^2 d lambda))`` and
``tau_k = log(32 (max(log(gamma^2/alpha), 0) + 1) k^2 H^2/delta)``; every radius times
``c_beta``; ``beta = beta_K`` in ``u`` and ``V^``, ``beta_k`` in HOME and the set.

Per-episode log columns: ``cert`` (``V^_{k,1}`` of the chosen triple, recomputed at each
oracle call, carried between calls), ``n_cand``, ``n_ties`` (tied triples for the exact
oracle, tied (theta, r) pairs for the decoupled one), ``home_var_frac`` (fraction
of HOME levels where the plug-in variance + width was the maximum), ``home_min_margin``
(``min(sigma_m^2 - alpha^2, sigma_{M-1}^2 - 1)``, >= 0 by construction).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from . import _kernels as kn
from .common import RewardFreeExplorer, check_int, check_positive

__all__ = [
    "HFUCRLRFE",
    "hf_constants",
    "HFConsts",
    "HFPlan",
    "hf_begin",
    "hf_step",
    "hf_end",
    "hf_run",
]


def hf_constants(d: int, H: int, K: int, B: float, delta: float, c_beta: float = 1.0) -> dict:
    """The theorem's hyper-parameters; ``betas[k-1] = c_beta * beta_k`` for k = 1..K."""
    M = int(math.ceil(math.log(7 * K * H) / math.log(2)))
    alpha = H**-0.5
    gamma = d**-0.25
    lam = d / B**2
    k = np.arange(1, K + 1, dtype=np.float64)
    eta = np.log(1 + k * H / (alpha**2 * d * lam))
    tau = np.log(32 * (max(math.log(gamma**2 / alpha), 0.0) + 1) * k**2 * H**2 / delta)
    beta = 12 * np.sqrt(d * eta * tau) + 30 * tau / gamma**2 + math.sqrt(lam) * B
    return {"M": M, "alpha": alpha, "gamma": gamma, "lam": lam, "betas": c_beta * beta}


class HFConsts(NamedTuple):
    alpha: float
    gamma: float
    beta: float  # c_beta * beta_K (u and V^)
    shrink: float  # boundary fraction of the line search
    replan_every: int
    s1: int
    oracle: int  # kn.ORACLE_EXACT or kn.ORACLE_DECOUPLED


class HFPlan(NamedTuple):
    """Oracle output and scratch: ``pi`` (H, S), ``Vt``/``Vh`` (H+1, S), ``cand`` (C, d),
    ``Pts`` (C, S, A, S), ``vals`` (C, C, R) (exact oracle: parameter, policy's parameter,
    reward) or (C, 1, R) (decoupled DP: parameter, reward), ``extra`` (E, d) test-only extra candidates,
    ``info`` (4,) = [cert, n_cand, n_ties, chosen candidate index], ``theta_sel`` (d,)."""

    pi: np.ndarray
    Vt: np.ndarray
    Vh: np.ndarray
    cand: np.ndarray
    Pts: np.ndarray
    vals: np.ndarray
    extra: np.ndarray
    info: np.ndarray
    theta_sel: np.ndarray


@njit(cache=True)
def hf_begin(phi, rdict, hat, til, plan, consts, beta_k, k, u_tie):
    """Oracle call when ``k % replan_every == 0`` (k 0-based); else keep the last triple."""
    if k % consts.replan_every != 0:
        return
    n = kn.candidates(hat, til, beta_k, consts.shrink, plan.cand)
    for e in range(plan.extra.shape[0]):
        plan.cand[n] = plan.extra[e]
        n += 1
    S, A, _, d = phi.shape
    for c in range(n):
        for s in range(S):
            for a in range(A):
                for t in range(S):
                    v = 0.0
                    for i in range(d):
                        v += phi[s, a, t, i] * plan.cand[c, i]
                    plan.Pts[c, s, a, t] = v
    if consts.oracle == kn.ORACLE_DECOUPLED:
        cc, jj, n_ties = kn.oracle_decoupled(
            phi,
            plan.Pts,
            n,
            rdict,
            til.Sdot_inv[0],
            hat.Sdot_inv[0],
            consts.beta,
            consts.s1,
            u_tie,
            plan.pi,
            plan.Vt,
            plan.Vh,
            plan.vals,
        )
    else:
        cc, cc2, jj, n_ties = kn.oracle(
            phi,
            plan.Pts,
            n,
            rdict,
            til.Sdot_inv[0],
            hat.Sdot_inv[0],
            consts.beta,
            consts.s1,
            u_tie,
            plan.pi,
            plan.Vt,
            plan.Vh,
            plan.vals,
        )
    plan.info[0] = plan.Vh[0, consts.s1]
    plan.info[1] = n
    plan.info[2] = n_ties
    plan.info[3] = cc
    plan.theta_sel[:] = plan.cand[cc]


@njit(cache=True)
def hf_step(phi, cdf, hat, til, plan, consts, beta_k, h, s, u, stats):
    """One exploration step from state ``s`` with env uniform ``u``: act, sample, HOME on
    both ladders, weighted VTR updates. ``stats`` (2,): [levels where the variance term
    won, min HOME margin]. Returns the next state."""
    a = plan.pi[h, s]
    s2 = kn.sample_next(cdf, s, a, u)
    M = hat.theta.shape[0]
    d = phi.shape[3]
    phis = np.empty((M, d))
    sig2 = np.empty(M)
    for f in range(2):
        lad = hat if f == 0 else til
        V = plan.Vh[h + 1] if f == 0 else plan.Vt[h + 1]
        pw = kn.power_features(phi, s, a, V, phis)
        stats[0] += kn.home(phis, lad, beta_k, consts.alpha, consts.gamma, sig2)
        for m in range(M):
            marg = sig2[m] - consts.alpha * consts.alpha
            if m == M - 1:
                marg = min(marg, sig2[m] - 1.0)
            if marg < stats[1]:
                stats[1] = marg
            kn.vtr_add(lad, m, phis[m], pw[m, s2], sig2[m])
    return s2


@njit(cache=True)
def hf_end(hat, til):
    kn.ladder_end_episode(hat)
    kn.ladder_end_episode(til)


@njit(cache=True)
def hf_run(phi, cdf, rdict, hat, til, plan, consts, betas, k0, u_env, u_l, logs):
    """Episodes ``k0 .. k0+n-1`` (0-based) in one compiled loop (same kernels as the
    per-step path)."""
    n, H1 = u_env.shape
    H = H1 - 1
    M = hat.theta.shape[0]
    stats = np.zeros(2)
    for i in range(n):
        k = k0 + i
        beta_k = betas[k]
        hf_begin(phi, rdict, hat, til, plan, consts, beta_k, k, u_l[i, 0])
        stats[0] = 0.0
        stats[1] = np.inf
        s = consts.s1
        for h in range(H):
            s = hf_step(phi, cdf, hat, til, plan, consts, beta_k, h, s, u_env[i, h + 1], stats)
        hf_end(hat, til)
        logs[i, 0] = plan.info[0]
        logs[i, 1] = plan.info[1]
        logs[i, 2] = plan.info[2]
        logs[i, 3] = stats[0] / (2.0 * H * (M - 1)) if M > 1 else 0.0
        logs[i, 4] = stats[1]


class HFUCRLRFE(RewardFreeExplorer):
    """HF-UCRL-RFE++ with the finite oracle (module docstring).

    Parameters
    ----------
    model, K, rng, c_beta, delta, fast
        See :class:`~.common.RewardFreeExplorer`.
    rdict : ndarray, shape (R, H, S, A)
        Reward dictionary of the oracle (every member with totals <= 1).
    replan_every : int, default 1
        Oracle period in episodes.
    planning : {"ridge", "oracle"}, default "ridge"
    oracle : {"exact", "decoupled"}, default "exact"
        ``"exact"``: the finite oracle over the triples (theta, greedy(theta', r), r);
        ``"decoupled"``: the decoupled-DP heuristic (paper page, "Decoupled-DP oracle"),
        whose executed policy maximises ``V^`` by a DP with ``u`` from the pseudo value of
        greedy(theta, r); label its results separately.
    shrink : float in (0, 1], default 0.999
        Boundary fraction of the candidate line search.
    extra_candidates : ndarray (E, d), optional
        Test-only: parameters appended to the candidate set (e.g. ``theta*``).
    M : int, optional
        Override the number of HOME levels (default: the theorem's).
    """

    LOG_COLUMNS = ("cert", "n_cand", "n_ties", "home_var_frac", "home_min_margin")
    name = "hf-ucrl-rfe"
    provenance = (
        "[V] exploration loop, two HOME ladders, V^ recursion with V_{h+1} in u, "
        "constants (dissertation chapter of the paper); [D] finite oracle (candidate "
        "parameters by line search to 0.999 of the set boundary along the principal "
        "axes, reward dictionary, greedy candidate policies per reward, random ties), "
        "decoupled-DP oracle variant (heuristic; DP ties by the unclipped value), "
        "window W = 1 for the set, lower clip at 0, ridge planning parameter by default"
    )

    def __init__(
        self,
        model,
        K,
        rng,
        *,
        rdict,
        c_beta=1.0,
        delta=0.05,
        replan_every=1,
        planning="ridge",
        oracle="exact",
        shrink=0.999,
        extra_candidates=None,
        M=None,
        fast=True,
    ):
        super().__init__(model, K, rng, c_beta=c_beta, delta=delta, fast=fast)
        m = model
        rdict = np.ascontiguousarray(rdict, dtype=np.float64)
        if rdict.ndim != 4 or rdict.shape[1:] != (m.H, m.S, m.A):
            raise ValueError(
                f"rdict must have shape (R, H, S, A) with (H, S, A) = "
                f"{(m.H, m.S, m.A)}, got {rdict.shape}"
            )
        from ...models.linear_mixture import check_rewards

        for i in range(rdict.shape[0]):
            check_rewards(rdict[i], m.H, m.S, m.A, P=m.P, s1=m.s1, name=f"rdict[{i}]")
        self.rdict = rdict
        self.replan_every = check_int(replan_every, "replan_every", 1)
        if planning not in ("ridge", "oracle"):
            raise ValueError(f"planning must be 'ridge' or 'oracle', got {planning!r}")
        self.planning = planning
        if not isinstance(oracle, str) or oracle not in kn.ORACLES:
            raise ValueError(f"oracle must be one of {sorted(kn.ORACLES)}, got {oracle!r}")
        self.oracle = oracle
        #: display label; the decoupled-DP variant is labelled apart from the exact oracle
        self.label = "HF-UCRL-RFE++" if oracle == "exact" else "HF-UCRL-RFE++ (decoupled-DP oracle)"
        shrink = check_positive(shrink, "shrink")
        if shrink > 1:
            raise ValueError(f"shrink must be in (0, 1], got {shrink}")
        c = hf_constants(m.d, m.H, self.K, m.B, self.delta, self.c_beta)
        if M is not None:
            c["M"] = check_int(M, "M", 1)
        self.const = c
        self.consts = HFConsts(
            c["alpha"],
            c["gamma"],
            float(c["betas"][-1]),
            shrink,
            self.replan_every,
            m.s1,
            kn.ORACLES[oracle],
        )
        self.hat = kn.new_ladder(c["M"], m.d, c["lam"])
        self.til = kn.new_ladder(c["M"], m.d, c["lam"])
        extra = (
            np.zeros((0, m.d))
            if extra_candidates is None
            else np.ascontiguousarray(extra_candidates, dtype=np.float64).reshape(-1, m.d)
        )
        C = 2 * m.d + 2 + extra.shape[0]
        self.plan_state = HFPlan(
            np.zeros((m.H, m.S), np.int64),
            np.zeros((m.H + 1, m.S)),
            np.zeros((m.H + 1, m.S)),
            np.zeros((C, m.d)),
            np.zeros((C, m.S, m.A, m.S)),
            np.full((C, C if oracle == "exact" else 1, rdict.shape[0]), np.nan),
            extra,
            np.zeros(4),
            np.zeros(m.d),
        )

    def _run(self, n, u_env, u_l, logs, fast):
        args = (self.phi, self.cdf, self.rdict, self.hat, self.til, self.plan_state, self.consts)
        betas = self.const["betas"]
        if fast:
            hf_run(*args, betas, self.k, u_env, u_l, logs)
            return
        H = self.model.H
        M = self.const["M"]
        for i in range(n):
            k = self.k + i
            beta_k = betas[k]
            hf_begin(
                self.phi,
                self.rdict,
                self.hat,
                self.til,
                self.plan_state,
                self.consts,
                beta_k,
                k,
                u_l[i, 0],
            )
            stats = np.array([0.0, np.inf])
            s = self.model.s1
            for h in range(H):
                s = hf_step(
                    self.phi,
                    self.cdf,
                    self.hat,
                    self.til,
                    self.plan_state,
                    self.consts,
                    beta_k,
                    h,
                    s,
                    u_env[i, h + 1],
                    stats,
                )
            hf_end(self.hat, self.til)
            info = self.plan_state.info
            logs[i, :3] = info[:3]
            logs[i, 3] = stats[0] / (2.0 * H * (M - 1)) if M > 1 else 0.0
            logs[i, 4] = stats[1]

    def planning_theta(self) -> np.ndarray:
        """The planning parameter (d,): ``theta~_{k+1,0}`` or the last oracle ``theta_k``."""
        if self.planning == "ridge":
            return self.til.theta[0].copy()
        return self.plan_state.theta_sel.copy()

    def planning_kernel(self) -> np.ndarray:
        return self.phi @ self.planning_theta()

    def certificate(self) -> float:
        """``V^_{k,1}`` of the last oracle triple (the algorithm's own certificate)."""
        return float(self.plan_state.info[0])

r"""Numba kernels of the conservative-exploration family
(docs/papers/stepmix.md#algorithms-as-implemented).

All arrays use 0-indexed steps ``h = 0..H-1`` (the 1-indexed ``h = 1..H`` of the usual formulas); a
value table ``V`` has shape (H+1, S) with ``V[H] = 0``. Counts are float64 arrays
``N`` (H, S, A) and ``Nsas`` (H, S, A, S) so that ``P_hat = Nsas / N`` needs no cast.

Kernels
-------
* :func:`optimistic_plan` — stepmix.md#optimistic-planning (Hoeffding ``bonus_kind = 0``, Bernstein
  ``= 1``).
* :func:`opt_eval` — the stepmix.md#optimistic-planning recursion evaluated on a fixed stochastic
  policy (needed by the ``stepmix_select="max_ucb"`` rule).
* :func:`pess_eval` — stepmix.md#policyeva ``PolicyEva`` (L1 / Weissman radius, uniform over
  policies).
* :func:`switch_lbs` / :func:`switch_ubs` — the H+1 members π^{(h)} of the step-switch family.
* :func:`decide` — one episode's decision for every algorithm of
  stepmix.md#algorithms-as-implemented (the single source of truth called by the learner object and
  by the whole loop).
* :func:`run_episodes` — the whole K-episode loop (fast path): :func:`decide`, the env's
  sampling (:mod:`mdpkit.envs.sampling`) and the solvers' exact evaluation.

Random numbers are never generated here: callers pass uniforms drawn from their Generators.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ...envs.sampling import episode_start, episode_step
from ...solvers._finite_horizon_kernels import start_value_dense

# algorithm codes of run_loop
ALG_UCBVI = 0
ALG_BASELINE = 1
ALG_STEPMIX = 2
ALG_EPSMIX = 3
ALG_BUDGET = 4
ALG_SWITCH = 5

# bonus kinds
BONUS_HOEFFDING = 0
BONUS_BERNSTEIN = 1


@njit(cache=True)
def beta_l1(n, S, L):
    """L1 confidence radius β(n) = sqrt((2/n)(S ln 2 + L)) of stepmix.md#policyeva (n >= 1)."""
    return np.sqrt((2.0 / n) * (S * np.log(2.0) + L))


@njit(cache=True, inline="always")
def _bonus(h, s, a, N, Nsas, Vnext, H, S, A, L, bonus_kind, bonus_scale, Nprime_next):
    """Optimism bonus b_h(s, a) (stepmix.md#optimistic-planning; Bernstein = the UCBVI-BF form of
    classical-baselines.md#algorithms-as-implemented)."""
    n = N[h, s, a]
    if bonus_kind == BONUS_HOEFFDING:
        return bonus_scale * H * np.sqrt(L / (2.0 * max(1.0, n)))
    # Bernstein (UCBVI-BF); n >= 1 here (callers handle n = 0)
    mean = 0.0
    for s2 in range(S):
        mean += Nsas[h, s, a, s2] / n * Vnext[s2]
    var = 0.0
    corr = 0.0
    for s2 in range(S):
        p = Nsas[h, s, a, s2] / n
        d = Vnext[s2] - mean
        var += p * d * d
        if h < H - 1:
            npr = Nprime_next[s2]
            cap = H * H
            if npr > 0.0:
                t = 1e4 * H**3 * S * S * A * L * L / npr
                if t < cap:
                    cap = t
            corr += p * cap
    b = np.sqrt(8.0 * L * var / n) + 14.0 * H * L / (3.0 * n) + np.sqrt(8.0 * corr / n)
    return bonus_scale * b


@njit(cache=True, inline="always")
def _next_step_visits(N, h, bonus_kind, Nprime):
    """Bernstein bonus only: ``Nprime[s'] = sum_a N_{h+1}(s', a)`` (visits of the next step)."""
    H, S, A = N.shape
    if bonus_kind == BONUS_BERNSTEIN and h < H - 1:
        for s2 in range(S):
            t = 0.0
            for a2 in range(A):
                t += N[h + 1, s2, a2]
            Nprime[s2] = t


@njit(cache=True, inline="always")
def optimistic_q(R, N, Nsas, V, h, s, a, L, bonus_kind, bonus_scale, Nprime):
    """The stepmix.md#optimistic-planning optimistic ``Qbar_h(s, a)`` given the next-step values ``V[h + 1]``:
    ``min(H - h, r + P_hat V + bonus)``, or ``H - h`` when (h, s, a) is unvisited."""
    H, S, A = R.shape
    cap = float(H - h)
    n = N[h, s, a]
    if n < 1.0:
        return cap
    pv = 0.0
    for s2 in range(S):
        pv += Nsas[h, s, a, s2] * V[h + 1, s2]
    pv /= n
    q = (
        R[h, s, a]
        + pv
        + _bonus(h, s, a, N, Nsas, V[h + 1], H, S, A, L, bonus_kind, bonus_scale, Nprime)
    )
    return cap if q > cap else q


@njit(cache=True)
def optimistic_plan(R, N, Nsas, L, bonus_kind, bonus_scale):
    """Optimistic backward induction of stepmix.md#optimistic-planning (:func:`optimistic_q`, greedy).

    Returns ``Qbar`` (H, S, A), ``Vbar`` (H+1, S), ``pi`` (H, S) int64 (ties -> smallest index).
    """
    H, S, A = R.shape
    Q = np.zeros((H, S, A))
    V = np.zeros((H + 1, S))
    pi = np.zeros((H, S), dtype=np.int64)
    Nprime = np.zeros(S)
    for h in range(H - 1, -1, -1):
        _next_step_visits(N, h, bonus_kind, Nprime)
        for s in range(S):
            best = -1.0
            besta = 0
            for a in range(A):
                q = optimistic_q(R, N, Nsas, V, h, s, a, L, bonus_kind, bonus_scale, Nprime)
                Q[h, s, a] = q
                if q > best:
                    best = q
                    besta = a
            V[h, s] = best
            pi[h, s] = besta
    return Q, V, pi


@njit(cache=True)
def opt_eval(R, N, Nsas, pol, L, bonus_kind, bonus_scale):
    """The stepmix.md#optimistic-planning optimistic recursion (:func:`optimistic_q`) evaluated on a fixed stochastic
    policy ``pol`` (H, S, A). Returns ``U`` (H+1, S).
    """
    H, S, A = R.shape
    V = np.zeros((H + 1, S))
    Nprime = np.zeros(S)
    for h in range(H - 1, -1, -1):
        _next_step_visits(N, h, bonus_kind, Nprime)
        for s in range(S):
            v = 0.0
            for a in range(A):
                w = pol[h, s, a]
                if w == 0.0:
                    continue
                v += w * optimistic_q(R, N, Nsas, V, h, s, a, L, bonus_kind, bonus_scale, Nprime)
            V[h, s] = v
    return V


@njit(cache=True)
def pess_q(R, N, Nsas, Vnext, h, L):
    """Pessimistic Q_h (S, A) of stepmix.md#policyeva given the next-step lower values ``Vnext`` (S,)."""
    H, S, A = R.shape
    Q = np.empty((S, A))
    rem = float(H - h - 1)  # (H - h) with 1-indexed steps
    for s in range(S):
        for a in range(A):
            n = N[h, s, a]
            if n < 1.0:
                Q[s, a] = R[h, s, a]
            else:
                pv = 0.0
                for s2 in range(S):
                    pv += Nsas[h, s, a, s2] * Vnext[s2]
                pv = pv / n - rem * beta_l1(n, S, L)
                if pv < 0.0:
                    pv = 0.0
                Q[s, a] = R[h, s, a] + pv
    return Q


@njit(cache=True)
def pess_eval(R, N, Nsas, pol, L):
    """``PolicyEva`` of stepmix.md#policyeva for a stochastic policy ``pol`` (H, S, A). Returns V (H+1, S)."""
    H, S, A = R.shape
    V = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        Q = pess_q(R, N, Nsas, V[h + 1], h, L)
        for s in range(S):
            v = 0.0
            for a in range(A):
                v += pol[h, s, a] * Q[s, a]
            V[h, s] = v
    return V


@njit(cache=True)
def uses_opt(order, H, hh, j):
    """True if step ``j`` of the switch policy π^{(hh)} follows π^k (order 0 opt_first, 1 base_first)."""
    if order == 0:
        return j < hh
    return j >= H - hh


@njit(cache=True)
def mix_step(order, H, hh):
    """Step at which π^{(hh)} and π^{(hh+1)} differ (the randomised step of mixture (hh, ρ))."""
    if order == 0:
        return hh
    return H - hh - 1


@njit(cache=True)
def switch_policy(pik, pib, order, hh):
    """π^{(hh)} as a stochastic (H, S, A) table."""
    H, S, A = pib.shape
    pol = np.empty((H, S, A))
    for j in range(H):
        if uses_opt(order, H, hh, j):
            for s in range(S):
                for a in range(A):
                    pol[j, s, a] = 0.0
                pol[j, s, pik[j, s]] = 1.0
        else:
            for s in range(S):
                for a in range(A):
                    pol[j, s, a] = pib[j, s, a]
    return pol


@njit(cache=True)
def mixture_policy(pik, pib, order, hh, rho):
    """Step mixture (hh, ρ) as a Markov stochastic (H, S, A) table (hh in 0..H-1)."""
    pol = switch_policy(pik, pib, order, hh)
    H, S, A = pib.shape
    j = mix_step(order, H, hh)
    for s in range(S):
        for a in range(A):
            pol[j, s, a] = (1.0 - rho) * pib[j, s, a]
        pol[j, s, pik[j, s]] += rho
    return pol


@njit(cache=True)
def switch_lbs(R, N, Nsas, pik, pib, mu, L, order):
    """LB_hh = mu · PolicyEva(π^{(hh)})_1 for hh = 0..H (array (H+1,))."""
    H, S, A = R.shape
    out = np.zeros(H + 1)
    for hh in range(H + 1):
        V = pess_eval(R, N, Nsas, switch_policy(pik, pib, order, hh), L)
        t = 0.0
        for s in range(S):
            t += mu[s] * V[0, s]
        out[hh] = t
    return out


@njit(cache=True)
def switch_ubs(R, N, Nsas, pik, pib, mu, L, order, bonus_kind, bonus_scale):
    """Ū_hh = mu · (optimistic evaluation of π^{(hh)})_1 for hh = 0..H."""
    H, S, A = R.shape
    out = np.zeros(H + 1)
    for hh in range(H + 1):
        U = opt_eval(R, N, Nsas, switch_policy(pik, pib, order, hh), L, bonus_kind, bonus_scale)
        t = 0.0
        for s in range(S):
            t += mu[s] * U[0, s]
        out[hh] = t
    return out


@njit(cache=True)
def select_max_h(LB, thr):
    """stepmix.md#stepmix rule "max_h". Returns (full, hstar, rho); full=True means deploy π^k.

    hstar = -1 signals that no member is certified (possible only if LB_0 < thr, i.e. the
    learned-baseline case).
    """
    H = LB.shape[0] - 1
    if LB[H] >= thr:
        return True, H, 1.0
    hstar = -1
    for hh in range(H - 1, -1, -1):
        if LB[hh] >= thr:
            hstar = hh
            break
    if hstar < 0:
        return False, -1, 0.0
    rho = (LB[hstar] - thr) / (LB[hstar] - LB[hstar + 1])
    if rho < 0.0:
        rho = 0.0
    if rho > 1.0:
        rho = 1.0
    return False, hstar, rho


@njit(cache=True)
def select_max_ucb(LB, UB, thr):
    """stepmix.md#stepmix alternative rule "max_ucb": among certified (hh, ρ) maximise ρŪ_{hh+1}+(1-ρ)Ū_hh.

    Candidates are the endpoints of each feasible ρ-interval (the objective is linear in ρ);
    ties -> smallest hh, then smallest ρ. (hh, 1) is reported as hh+1 with ρ = 0, and
    hh = H means π^k (full).
    """
    H = LB.shape[0] - 1
    best = -np.inf
    bh = -1
    br = 0.0
    for hh in range(H):
        lo = LB[hh]
        hi = LB[hh + 1]
        # feasible rho: rho*hi + (1-rho)*lo >= thr
        if lo >= thr and hi >= thr:
            r0, r1 = 0.0, 1.0
        elif lo >= thr:
            r0, r1 = 0.0, (lo - thr) / (lo - hi)
        elif hi >= thr:
            r0, r1 = (thr - lo) / (hi - lo), 1.0
        else:
            continue
        for r in (r0, r1):
            val = r * UB[hh + 1] + (1.0 - r) * UB[hh]
            if val > best:
                best = val
                bh = hh
                br = r
    if bh < 0:
        return False, -1, 0.0
    if br >= 1.0:
        bh += 1
        br = 0.0
    if bh == H:
        return True, H, 1.0
    return False, bh, br


@njit(cache=True)
def sample_index(cdf, u):
    """First index i with u < cdf[i] (numpy searchsorted side='right'), clipped to len-1."""
    n = cdf.shape[0]
    for i in range(n):
        if u < cdf[i]:
            return i
    return n - 1


@njit(cache=True)
def onehot(pik, A):
    H, S = pik.shape
    pol = np.zeros((H, S, A))
    for h in range(H):
        for s in range(S):
            pol[h, s, pik[h, s]] = 1.0
    return pol


@njit(cache=True)
def reward_bounds(Rsum, N, L, Ro, Rp):
    """Unknown rewards in [0, 1]: fill Ro = r̂ + sqrt(L/2n) and Rp = max(0, r̂ − sqrt(L/2n))
    (Rp = 0 where n = 0; Ro is irrelevant there since the optimistic Q is capped)."""
    H, S, A = N.shape
    for h in range(H):
        for s in range(S):
            for a in range(A):
                n = N[h, s, a]
                if n < 1.0:
                    Ro[h, s, a] = 1.0
                    Rp[h, s, a] = 0.0
                else:
                    m = Rsum[h, s, a] / n
                    b = np.sqrt(L / (2.0 * n))
                    Ro[h, s, a] = m + b
                    Rp[h, s, a] = m - b if m > b else 0.0


# --------------------------------------------------------------------------- one episode's decision
class Settings(NamedTuple):
    """Constants of a run of one conservative learner (the kernels' grouped inputs)."""

    alg: int  #: ALG_* code
    L: float  #: log term of the confidence events
    alpha: float  #: tolerance; threshold (1 - alpha) V^b
    bonus_kind: int  #: BONUS_HOEFFDING or BONUS_BERNSTEIN
    bonus_scale: float  #: c_b (1.0 = theory)
    order: int  #: ORDER_OPT_FIRST or ORDER_BASE_FIRST
    select: int  #: SELECT_MAX_H or SELECT_MAX_UCB
    lb0_exact: bool  #: LB_0 = V^b known (else PolicyEva(pi^b))
    Vb: float  #: the known V^b (LB_0 when lb0_exact; budget reference)
    rewards_known: bool  #: else estimate r from the realised rewards
    thr_ucb: bool  #: threshold (1 - alpha) * optimistic value of pi^b, every episode


class AgentData(NamedTuple):
    """What the agent knows and learns; the arrays are updated in place."""

    N: np.ndarray  #: (H, S, A) visit counts
    Nsas: np.ndarray  #: (H, S, A, S) transition counts
    Rsum: np.ndarray  #: (H, S, A) sums of realised rewards
    Ro: np.ndarray  #: (H, S, A) rewards of the optimistic planner
    Rp: np.ndarray  #: (H, S, A) rewards of PolicyEva
    pib: np.ndarray  #: (H, S, A) baseline policy
    cpib: np.ndarray  #: (H, S, A) its cumulative sums over actions (for sampling)
    mu: np.ndarray  #: (S,) initial distribution
    scalars: np.ndarray  #: (2,) [threshold, budget] carried from episode to episode


class Decision(NamedTuple):
    """The deployment of one episode: with probability ``eps`` the Markov ``policy``
    (played step by step as ``step_mode`` says), else the baseline ``pib``."""

    pik: np.ndarray  #: (H, S) int64 optimistic greedy policy pi^k
    policy: np.ndarray  #: (H, S, A) Markov policy deployed with probability eps
    step_mode: np.ndarray  #: (H,) int64 STEP_OPT / STEP_BASE / STEP_COIN for ``policy``
    rho: float  #: coin probability of pi^k at the STEP_COIN step
    eps: float  #: probability of ``policy`` against the baseline (1: always)
    lb: float  #: certified lower bound of the deployment
    mix: float  #: h* + rho (StepMix), eps (EpsMix), 1/0 (others)
    vbar: float  #: optimistic value of pi^k
    thr: float  #: threshold used this episode
    full: bool  #: pi^k certified and deployed
    uncertified: bool  #: nothing certified (learned-baseline fallback)


STEP_OPT = 0
STEP_BASE = 1
STEP_COIN = 2
ORDER_OPT_FIRST = 0
ORDER_BASE_FIRST = 1
SELECT_MAX_H = 0
SELECT_MAX_UCB = 1


@njit(cache=True, inline="always")
def _start_value(mu, V):
    t = 0.0
    for s in range(mu.shape[0]):
        t += mu[s] * V[0, s]
    return t


@njit(cache=True)
def decide(cfg, data):
    """Plan, certify and choose the deployment of one episode (every rule of
    stepmix.md#algorithms-as-implemented).

    The single source of the conservative learners' decisions: the learner object's
    ``begin_episode`` and the whole-loop :func:`run_episodes` both call it. Updates
    ``data.Ro``/``data.Rp`` (unknown rewards) and ``data.scalars`` (threshold, budget).
    """
    H, S, A = data.Ro.shape
    N, Nsas, L = data.N, data.Nsas, cfg.L
    if not cfg.rewards_known:
        reward_bounds(data.Rsum, N, L, data.Ro, data.Rp)
    Q, Vo, pik = optimistic_plan(data.Ro, N, Nsas, L, cfg.bonus_kind, cfg.bonus_scale)
    if cfg.thr_ucb:
        Ub = opt_eval(data.Ro, N, Nsas, data.pib, L, cfg.bonus_kind, cfg.bonus_scale)
        data.scalars[0] = (1.0 - cfg.alpha) * _start_value(data.mu, Ub)
    thr = data.scalars[0]
    vbar = _start_value(data.mu, Vo)
    step_mode = np.full(H, STEP_OPT, dtype=np.int64)
    policy = onehot(pik, A)
    rho = 0.0
    eps = 1.0
    full = False
    unc = False
    alg = cfg.alg
    if alg == ALG_UCBVI:
        full = True
        lb = _start_value(data.mu, pess_eval(data.Rp, N, Nsas, policy, L))
        m = 1.0
    elif alg == ALG_BASELINE:
        eps = 0.0
        lb = cfg.Vb
        m = 0.0
    elif alg == ALG_STEPMIX:
        LBs = switch_lbs(data.Rp, N, Nsas, pik, data.pib, data.mu, L, cfg.order)
        if cfg.lb0_exact:
            LBs[0] = cfg.Vb
        if cfg.select == SELECT_MAX_H:
            full, hstar, rho = select_max_h(LBs, thr)
        else:
            UBs = switch_ubs(
                data.Ro,
                N,
                Nsas,
                pik,
                data.pib,
                data.mu,
                L,
                cfg.order,
                cfg.bonus_kind,
                cfg.bonus_scale,
            )
            full, hstar, rho = select_max_ucb(LBs, UBs, thr)
        if full:
            lb = LBs[H]
            m = float(H)
        elif hstar < 0:
            unc = True
            eps = 0.0
            lb = LBs[0]
            m = 0.0
        else:
            for j in range(H):
                if not uses_opt(cfg.order, H, hstar, j):
                    step_mode[j] = STEP_BASE
            step_mode[mix_step(cfg.order, H, hstar)] = STEP_COIN
            policy = mixture_policy(pik, data.pib, cfg.order, hstar, rho)
            lb = rho * LBs[hstar + 1] + (1.0 - rho) * LBs[hstar]
            m = hstar + rho
    else:
        # EpsMix, budget, switch: an episode-level choice between pi^k and pi^b
        lbk = _start_value(data.mu, pess_eval(data.Rp, N, Nsas, policy, L))
        if cfg.lb0_exact:
            lb0 = cfg.Vb
        else:
            lb0 = _start_value(data.mu, pess_eval(data.Rp, N, Nsas, data.pib, L))
        if alg == ALG_EPSMIX:
            if lbk >= thr:
                eps = 1.0
                full = True
            elif lb0 < thr:
                eps = 0.0
                unc = True
            else:
                eps = (lb0 - thr) / (lb0 - lbk)
            lb = eps * lbk + (1.0 - eps) * lb0
            m = eps
        elif alg == ALG_BUDGET:
            c = (1.0 - cfg.alpha) * cfg.Vb
            full = data.scalars[1] + lbk - c >= 0.0
            lb = lbk if full else cfg.Vb
            data.scalars[1] += lb - c
            eps = 1.0 if full else 0.0
            m = eps
        else:  # switch
            full = lbk >= thr
            lb = lbk if full else lb0
            eps = 1.0 if full else 0.0
            m = eps
    return Decision(pik, policy, step_mode, rho, eps, lb, m, vbar, thr, full, unc)


@njit(cache=True, inline="always")
def needs_coin(eps):
    """Whether the episode-level choice needs a uniform (only when 0 < eps < 1, stepmix.md#decisions)."""
    return 0.0 < eps < 1.0


@njit(cache=True, inline="always")
def plays_policy(eps, u):
    """Episode-level coin: the episode follows ``Decision.policy`` (else the baseline)."""
    if eps >= 1.0:
        return True
    if eps <= 0.0:
        return False
    return u < eps


@njit(cache=True, inline="always")
def coin_follows_opt(u, rho):
    """Step-level coin of a step mixture: pi^k with probability rho at the STEP_COIN step."""
    return u < rho


@njit(cache=True, inline="always")
def mixture_value(eps, v_policy, v_base):
    """Exact value of the deployment: ``eps V^policy + (1 - eps) V^b`` (no 0 * value term)."""
    if eps >= 1.0:
        return v_policy
    if eps <= 0.0:
        return v_base
    return eps * v_policy + (1.0 - eps) * v_base


@njit(cache=True, inline="always")
def count_step(data, h, s, a, r, s2):
    """The agent's update after a step: counts and reward sums."""
    data.N[h, s, a] += 1.0
    data.Nsas[h, s, a, s2] += 1.0
    data.Rsum[h, s, a] += r


@njit(cache=True)
def exact_start_value(model, policy, V):
    """``mu · V^policy_0`` on the true model (``EpisodeTables``), by the solvers'
    finite-horizon evaluator; ``V`` (H, S) is scratch."""
    return start_value_dense(model.P4, model.R3, policy, model.mu, V)


@njit(cache=True)
def run_episodes(cfg, data, model, u_env, u_agent):
    """Whole K-episode loop (the fast path): :func:`decide`, then the episode.

    Parameters
    ----------
    cfg : Settings
    data : AgentData
        The agent's knowledge, updated in place (counts from an offline dataset allowed).
    model : mdpkit.envs.sampling.EpisodeTables
        Oracle and sampling tables of the env, with step-dependent P (GP = H); never read
        by the agent's decisions.
    u_env : ndarray, shape (K, 1 + H) or (K, 1 + 2H) (Bernoulli rewards)
        The env's uniforms, one row per episode, in the env's order
        (:func:`mdpkit.envs.episodic.episode_uniforms`).
    u_agent : ndarray, shape (K * (H + 1),)
        The agent's uniforms, consumed in order and only when needed (episode coin,
        mixture-step coin, baseline action draws), as ``begin_episode``/``act`` consume them.

    Returns
    -------
    value, lb, mix, vbar, reward, thr : (K,) float arrays; full, uncertified : (K,) bool;
    states, actions : (K, H) int64.
    """
    H, S, A = data.Ro.shape
    K = u_env.shape[0]
    value = np.zeros(K)
    lbs = np.zeros(K)
    mix = np.zeros(K)
    vbar = np.zeros(K)
    rew = np.zeros(K)
    thrs = np.zeros(K)
    full = np.zeros(K, dtype=np.bool_)
    unc = np.zeros(K, dtype=np.bool_)
    states = np.zeros((K, H), dtype=np.int64)
    actions = np.zeros((K, H), dtype=np.int64)
    Vbuf = np.empty((H, S))
    v_base = exact_start_value(model, data.pib, Vbuf)
    base_modes = np.full(H, STEP_BASE, dtype=np.int64)
    ua = 0
    for k in range(K):
        d = decide(cfg, data)
        plays = True
        if needs_coin(d.eps):
            plays = plays_policy(d.eps, u_agent[ua])
            ua += 1
        else:
            plays = plays_policy(d.eps, 0.0)
        v_pol = exact_start_value(model, d.policy, Vbuf) if d.eps > 0.0 else 0.0
        value[k] = mixture_value(d.eps, v_pol, v_base)
        lbs[k] = d.lb
        mix[k] = d.mix
        vbar[k] = d.vbar
        thrs[k] = d.thr
        full[k] = d.full
        unc[k] = d.uncertified
        modes = d.step_mode if plays else base_modes
        s, j = episode_start(model.cdf_mu, u_env[k])
        for h in range(H):
            md = modes[h]
            if md == STEP_COIN:
                md = STEP_OPT if coin_follows_opt(u_agent[ua], d.rho) else STEP_BASE
                ua += 1
            if md == STEP_OPT:
                a = d.pik[h, s]
            else:
                a = sample_index(data.cpib[h, s], u_agent[ua])
                ua += 1
            states[k, h] = s
            actions[k, h] = a
            r, s2, j = episode_step(
                model.cdf_P[h, s, a], model.R3[h, s, a], model.bernoulli, u_env[k], j
            )
            count_step(data, h, s, a, r, s2)
            rew[k] += r
            s = s2
    return value, lbs, mix, vbar, rew, thrs, full, unc, states, actions

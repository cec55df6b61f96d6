r"""Numba kernels of the conservative-exploration family (spec ``stepmix.md`` §b).

All arrays use 0-indexed steps ``h = 0..H-1`` (the spec's ``h = 1..H``); a value table
``V`` has shape (H+1, S) with ``V[H] = 0``. Counts are float64 arrays
``N`` (H, S, A) and ``Nsas`` (H, S, A, S) so that ``P_hat = Nsas / N`` needs no cast.

Kernels
-------
* :func:`optimistic_plan` — §b.2 (Hoeffding ``bonus_kind = 0``, Bernstein ``= 1``).
* :func:`opt_eval` — the §b.2 recursion evaluated on a fixed stochastic policy (needed by
  the ``stepmix_select="max_ucb"`` rule).
* :func:`pess_eval` — §b.3 ``PolicyEva`` (L1 / Weissman radius, uniform over policies).
* :func:`switch_lbs` / :func:`switch_ubs` — the H+1 members π^{(h)} of the step-switch family.
* :func:`exact_eval` — exact backward evaluation on a known model (used for the oracle in the
  whole-loop path and in tests as a cross-check target of ``mdpkit.solvers.evaluate``).
* :func:`run_loop` — the whole K-episode interaction loop for every algorithm of §b.4–b.7.

Random numbers are never generated here: callers pass uniforms drawn from their Generators.
"""
from __future__ import annotations

import numpy as np
from numba import njit

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
    """L1 confidence radius β(n) = sqrt((2/n)(S ln 2 + L)) of §b.3 (n >= 1)."""
    return np.sqrt((2.0 / n) * (S * np.log(2.0) + L))


@njit(cache=True)
def _bonus(h, s, a, N, Nsas, Vnext, H, S, A, L, bonus_kind, bonus_scale, Nprime_next):
    """Optimism bonus b_h(s, a) (§b.2; Bernstein = UCBVI-BF form of classical_baselines §2.1)."""
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
                t = 1e4 * H ** 3 * S * S * A * L * L / npr
                if t < cap:
                    cap = t
            corr += p * cap
    b = np.sqrt(8.0 * L * var / n) + 14.0 * H * L / (3.0 * n) + np.sqrt(8.0 * corr / n)
    return bonus_scale * b


@njit(cache=True)
def optimistic_plan(R, N, Nsas, L, bonus_kind, bonus_scale):
    """Optimistic backward induction of §b.2.

    Returns ``Qbar`` (H, S, A), ``Vbar`` (H+1, S), ``pi`` (H, S) int64 (ties -> smallest index).
    """
    H, S, A = R.shape
    Q = np.zeros((H, S, A))
    V = np.zeros((H + 1, S))
    pi = np.zeros((H, S), dtype=np.int64)
    Nprime = np.zeros(S)
    for h in range(H - 1, -1, -1):
        cap = float(H - h)
        if bonus_kind == BONUS_BERNSTEIN and h < H - 1:
            for s2 in range(S):
                t = 0.0
                for a2 in range(A):
                    t += N[h + 1, s2, a2]
                Nprime[s2] = t
        for s in range(S):
            best = -1.0
            besta = 0
            for a in range(A):
                n = N[h, s, a]
                if n < 1.0:
                    q = cap
                else:
                    pv = 0.0
                    for s2 in range(S):
                        pv += Nsas[h, s, a, s2] * V[h + 1, s2]
                    pv /= n
                    q = R[h, s, a] + pv + _bonus(h, s, a, N, Nsas, V[h + 1], H, S, A, L,
                                                 bonus_kind, bonus_scale, Nprime)
                    if q > cap:
                        q = cap
                Q[h, s, a] = q
                if q > best:
                    best = q
                    besta = a
            V[h, s] = best
            pi[h, s] = besta
    return Q, V, pi


@njit(cache=True)
def opt_eval(R, N, Nsas, pol, L, bonus_kind, bonus_scale):
    """The §b.2 optimistic recursion evaluated on a fixed stochastic policy ``pol`` (H, S, A).

    Returns ``U`` (H+1, S).
    """
    H, S, A = R.shape
    V = np.zeros((H + 1, S))
    Nprime = np.zeros(S)
    for h in range(H - 1, -1, -1):
        cap = float(H - h)
        if bonus_kind == BONUS_BERNSTEIN and h < H - 1:
            for s2 in range(S):
                t = 0.0
                for a2 in range(A):
                    t += N[h + 1, s2, a2]
                Nprime[s2] = t
        for s in range(S):
            v = 0.0
            for a in range(A):
                w = pol[h, s, a]
                if w == 0.0:
                    continue
                n = N[h, s, a]
                if n < 1.0:
                    q = cap
                else:
                    pv = 0.0
                    for s2 in range(S):
                        pv += Nsas[h, s, a, s2] * V[h + 1, s2]
                    pv /= n
                    q = R[h, s, a] + pv + _bonus(h, s, a, N, Nsas, V[h + 1], H, S, A, L,
                                                 bonus_kind, bonus_scale, Nprime)
                    if q > cap:
                        q = cap
                v += w * q
            V[h, s] = v
    return V


@njit(cache=True)
def pess_q(R, N, Nsas, Vnext, h, L):
    """Pessimistic Q_h (S, A) of §b.3 given the next-step lower values ``Vnext`` (S,)."""
    H, S, A = R.shape
    Q = np.empty((S, A))
    rem = float(H - h - 1)  # (H - h) in the spec's 1-indexed steps
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
    """``PolicyEva`` of §b.3 for a stochastic policy ``pol`` (H, S, A). Returns V (H+1, S)."""
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
    """§b.4 rule "max_h". Returns (full, hstar, rho); full=True means deploy π^k.

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
    """§b.4 alternative rule "max_ucb": among certified (hh, ρ) maximise ρŪ_{hh+1}+(1-ρ)Ū_hh.

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
def exact_eval(P, R, pol):
    """Exact V (H+1, S) of a stochastic policy (H, S, A) on the model P (H,S,A,S), R (H,S,A)."""
    H, S, A = R.shape
    V = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        for s in range(S):
            v = 0.0
            for a in range(A):
                w = pol[h, s, a]
                if w == 0.0:
                    continue
                q = R[h, s, a]
                for s2 in range(S):
                    q += P[h, s, a, s2] * V[h + 1, s2]
                v += w * q
            V[h, s] = v
    return V


@njit(cache=True)
def exact_value(P, R, pol, mu):
    V = exact_eval(P, R, pol)
    t = 0.0
    for s in range(mu.shape[0]):
        t += mu[s] * V[0, s]
    return t


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


@njit(cache=True)
def run_loop(alg, P, R, mu, pib, Vb_known, lb0_exact, thr, alpha, L,
             bonus_kind, bonus_scale, order, select, N0, Nsas0, u_env, u_agent,
             rewards_known=True, Rsum0=None, thr_ucb=False, env_bernoulli=False):
    """Whole K-episode loop for the algorithms of §b.4–b.7 (the fast path).

    Parameters
    ----------
    alg : int
        ALG_* code.
    P : (H, S, A, S), R : (H, S, A), mu : (S,)
        True model (oracle: used only to simulate transitions and to compute the exact value of
        the deployed policy, never by the agent's decisions).
    pib : (H, S, A)
        Baseline policy used by the agent (π^b, or π̂^b for the learned baseline).
    Vb_known : float
        LB_0 when ``lb0_exact`` (known baseline, §a); else LB_0 := PolicyEva(pib) (§b.6).
    thr : float
        The agent's threshold (1 - alpha) V^b (§a) or the learned one (§b.6).
    N0, Nsas0 : initial counts (H,S,A), (H,S,A,S) (zero, or the offline dataset of §b.6).
    u_env : (K, H+1) uniforms of the env stream (deterministic rewards): column 0 for
        the initial state, h+1 for the transition of step h; with Bernoulli rewards
        (``env_bernoulli``, shape (K, 1+2H)): column 1+2h for the reward draw and 2+2h for
        the transition of step h, inverted exactly as ``EpisodicTabularEnv`` does (first index
        whose cumulative sum exceeds ``u * total``).
    u_agent : (K*(H+1),) uniforms of the agent stream, consumed in order only when needed
        (mixture coin, baseline action draws), exactly as the step-wise learners consume them
        (one ``Generator.random()`` call per draw).

    env_bernoulli : bool
        The env's realised rewards are Bernoulli(R) draws (else R itself).
    rewards_known : bool
        False: the agent estimates the rewards from the realised ones (spec §a option):
        optimistic reward ``r̂ + sqrt(L/2n)``, pessimistic ``max(0, r̂ − sqrt(L/2n))`` (0 if n = 0).
    Rsum0 : (H, S, A) initial reward sums (unknown rewards), or None.
    thr_ucb : bool
        True (spec §f flag, V^b not known): ``thr_k = (1−α)·Ū(π^b)`` each episode (optimistic
        evaluation of the fixed π^b) and LB_0 = PolicyEva(π^b).

    Returns
    -------
    value, lb, mix, vbar, reward, thr_k, flags (K,) arrays and states, actions (K, H) int64.
    mix = hstar + ρ (StepMix; H means fully optimistic), ε (EpsMix), 1/0 (others: π^k used).
    flags bit 0: fully optimistic, bit 1: uncertified episode (§b.6), bit 2: π^k drawn/deployed.
    """
    H, S, A = R.shape
    K = u_env.shape[0]
    N = N0.copy()
    Nsas = Nsas0.copy()
    value = np.zeros(K)
    lbs = np.zeros(K)
    mix = np.zeros(K)
    vbar = np.zeros(K)
    flags = np.zeros(K, dtype=np.int64)
    states = np.zeros((K, H), dtype=np.int64)
    actions = np.zeros((K, H), dtype=np.int64)
    cmu = np.cumsum(mu)
    cpib = np.empty((H, S, A))
    for h in range(H):
        for s in range(S):
            c = 0.0
            for a in range(A):
                c += pib[h, s, a]
                cpib[h, s, a] = c
    Vpib_true = exact_value(P, R, pib, mu)
    budget = 0.0
    cdf = np.empty(S)
    ua_pos = 0
    rew = np.zeros(K)
    thrs = np.zeros(K)
    Rsum = np.zeros((H, S, A)) if Rsum0 is None else Rsum0.copy()
    Ro = R.copy()
    Rp = R.copy()
    for k in range(K):
        if not rewards_known:
            reward_bounds(Rsum, N, L, Ro, Rp)
        Q, Vb_, pik = optimistic_plan(Ro, N, Nsas, L, bonus_kind, bonus_scale)
        if thr_ucb:
            Ub = opt_eval(Ro, N, Nsas, pib, L, bonus_kind, bonus_scale)
            ub = 0.0
            for s in range(S):
                ub += mu[s] * Ub[0, s]
            thr = (1.0 - alpha) * ub
        thrs[k] = thr
        vb1 = 0.0
        for s in range(S):
            vb1 += mu[s] * Vb_[0, s]
        vbar[k] = vb1
        # ---- decide the deployed policy: per-step rule (mode, hstar, rho) or episode coin
        # step_mode[j]: 0 = follow pi^k, 1 = baseline, 2 = coin at this step with prob rho
        step_mode = np.ones(H, dtype=np.int64)
        rho = 0.0
        fl = 0
        if alg == ALG_UCBVI:
            step_mode[:] = 0
            fl = 1 | 4
            polk = onehot(pik, A)
            Vl = pess_eval(Rp, N, Nsas, polk, L)
            lb = 0.0
            for s in range(S):
                lb += mu[s] * Vl[0, s]
            val = exact_value(P, R, polk, mu)
            m = 1.0
        elif alg == ALG_BASELINE:
            lb = Vb_known
            val = Vpib_true
            m = 0.0
        elif alg == ALG_STEPMIX:
            LBs = switch_lbs(Rp, N, Nsas, pik, pib, mu, L, order)
            if lb0_exact:
                LBs[0] = Vb_known
            if select == 0:
                full, hstar, rho = select_max_h(LBs, thr)
            else:
                UBs = switch_ubs(Ro, N, Nsas, pik, pib, mu, L, order, bonus_kind, bonus_scale)
                full, hstar, rho = select_max_ucb(LBs, UBs, thr)
            if full:
                step_mode[:] = 0
                fl = 1 | 4
                pol = onehot(pik, A)
                lb = LBs[H]
                m = float(H)
            elif hstar < 0:
                fl = 2
                pol = pib.copy()
                lb = LBs[0]
                m = 0.0
            else:
                for j in range(H):
                    if uses_opt(order, H, hstar, j):
                        step_mode[j] = 0
                step_mode[mix_step(order, H, hstar)] = 2
                pol = mixture_policy(pik, pib, order, hstar, rho)
                lb = rho * LBs[hstar + 1] + (1.0 - rho) * LBs[hstar]
                m = hstar + rho
            val = exact_value(P, R, pol, mu)
        else:
            # EpsMix, budget, switch: episode-level choice between pi^k and pi^b
            polk = onehot(pik, A)
            Vl = pess_eval(Rp, N, Nsas, polk, L)
            lbk = 0.0
            for s in range(S):
                lbk += mu[s] * Vl[0, s]
            if lb0_exact:
                lb0 = Vb_known
            else:
                lb0 = 0.0
                Vl0 = pess_eval(Rp, N, Nsas, pib, L)
                for s in range(S):
                    lb0 += mu[s] * Vl0[0, s]
            vk = exact_value(P, R, polk, mu)
            if alg == ALG_EPSMIX:
                if lbk >= thr:
                    eps = 1.0
                    fl = 1
                elif lb0 < thr:
                    eps = 0.0
                    fl = 2
                else:
                    eps = (lb0 - thr) / (lb0 - lbk)
                if eps >= 1.0:
                    use_k = True
                elif eps <= 0.0:
                    use_k = False
                else:
                    use_k = u_agent[ua_pos] < eps
                    ua_pos += 1
                lb = eps * lbk + (1.0 - eps) * lb0
                val = eps * vk + (1.0 - eps) * Vpib_true
                m = eps
            elif alg == ALG_BUDGET:
                use_k = budget + lbk - (1.0 - alpha) * Vb_known >= 0.0
                if use_k:
                    lb = lbk
                    fl = 1
                else:
                    lb = Vb_known
                budget += lb - (1.0 - alpha) * Vb_known
                val = vk if use_k else Vpib_true
                m = 1.0 if use_k else 0.0
            else:  # switch
                use_k = lbk >= thr
                if use_k:
                    fl = 1
                lb = lbk if use_k else lb0
                val = vk if use_k else Vpib_true
                m = 1.0 if use_k else 0.0
            if use_k:
                step_mode[:] = 0
                fl |= 4
        lbs[k] = lb
        value[k] = val
        mix[k] = m
        flags[k] = fl
        # ---- run the episode
        s = sample_index(cmu, u_env[k, 0] * cmu[S - 1])
        for h in range(H):
            md = step_mode[h]
            if md == 2:
                u = u_agent[ua_pos]
                ua_pos += 1
                md = 0 if u < rho else 1
            if md == 0:
                a = pik[h, s]
            else:
                a = sample_index(cpib[h, s], u_agent[ua_pos])
                ua_pos += 1
            states[k, h] = s
            actions[k, h] = a
            if env_bernoulli:
                r = 1.0 if u_env[k, 1 + 2 * h] < R[h, s, a] else 0.0
                ut = u_env[k, 2 + 2 * h]
            else:
                r = R[h, s, a]
                ut = u_env[k, h + 1]
            Rsum[h, s, a] += r
            rew[k] += r
            c = 0.0
            for s2 in range(S):
                c += P[h, s, a, s2]
                cdf[s2] = c
            s2n = sample_index(cdf, ut * c)
            N[h, s, a] += 1.0
            Nsas[h, s, a, s2n] += 1.0
            s = s2n
    return value, lbs, mix, vbar, rew, thrs, flags, states, actions

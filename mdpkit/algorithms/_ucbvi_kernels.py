r"""Numba kernels of UCBVI (Azar, Osband, Munos 2017; spec classical_baselines.md 2.1).

Everything here is serial ``@njit(cache=True)`` and allocation-free in the hot loop. The
generic Python learner (:class:`mdpkit.algorithms.ucbvi.UCBVI`) calls :func:`plan` once
per episode; its fast path calls :func:`run_chunk`, which runs whole episodes (planning,
exact evaluation of the committed policy, interaction, count updates) and uses the very
same :func:`plan`, so both paths compute bit-identical Q values and policies.

Array conventions (G = 1 when counts are pooled over steps (homogeneous P), else G = H):

``Q : (H, S, A)``          previous / current optimistic Q (updated in place)
``V : (H + 1, S)``         optimistic values, ``V[H] = 0``
``pi : (H, S) int64``      greedy policy (ties: lowest action index)
``N_sa : (G, S, A)``       visit counts N_k(x, a) (float64, exact integers)
``N_say : (G, S, A, S)``   transition counts N_k(x, a, y)
``R_sum : (G, S, A)``      sums of observed rewards (used when rewards are not known)
``N_visit : (H, S)``       N'_{k,h}(y): earlier visits of state y at step h (BF correction)
``R_known : (H, S, A)``    known mean rewards (used when ``use_known``)

Random numbers of the fast path follow :class:`mdpkit.envs.episodic.EpisodicTabularEnv`
exactly: per episode one uniform ``u`` for s_0, then per step (one uniform for a Bernoulli
reward, if any, then) one uniform for the next state, each state drawn by inversion
``searchsorted(cdf, u * cdf[-1], side="right")`` of a row of cumulative sums (the env's own
tables, see :func:`mdpkit.algorithms.ucbvi.env_tables`); see :func:`draw_index`.
"""
from __future__ import annotations

import numpy as np
from numba import njit

# Reassociation lets LLVM vectorise the S-long dot products; no 'nnan'/'ninf' (the code
# compares against -inf). Results are deterministic for a given build, and the generic loop
# and the fast path call the same compiled kernel, so they stay bit-identical.
_FM = {"reassoc", "contract", "nsz", "arcp"}

VARIANT_CH = 0
VARIANT_BF = 1


@njit(cache=True, fastmath=_FM)
def plan(Q, V, pi, N_sa, N_say, R_sum, R_known, use_known, N_visit, H, L, variant, pooled,
         bonus_scale):
    """One UCBVI planning pass (backward over h), in place on ``Q``, ``V``, ``pi``.

    Q_{k,h}(x,a) = min(Q_{k-1,h}(x,a), H, R(x,a) + P_hat V_{k,h+1}(x,a) + b_{k,h}(x,a)) when
    N_k(x,a) > 0, else H; V_{k,h}(x) = max_a Q_{k,h}(x,a); pi = argmax (lowest index).
    ``bonus_scale`` multiplies b (1.0 = the paper's constants).
    """
    S = Q.shape[1]
    A = Q.shape[2]
    Hf = float(H)
    for y in range(S):
        V[H, y] = 0.0
    c_corr = 1e4 * Hf ** 3 * S * S * A * L * L
    mcap = np.zeros(S)  # BF: min{10^4 H^3 S^2 A L^2 / N'_{h+1}(y), H^2}, 0 at the last step
    for h in range(H - 1, -1, -1):
        g = 0 if pooled else h
        Vn = V[h + 1]
        if variant == VARIANT_BF:
            for y in range(S):
                if h == H - 1:
                    mcap[y] = 0.0
                else:
                    nv = N_visit[h + 1, y]
                    m = Hf * Hf
                    if nv > 0.0 and c_corr / nv < m:
                        m = c_corr / nv
                    mcap[y] = m
        for x in range(S):
            best = -np.inf
            besta = 0
            for a in range(A):
                n = N_sa[g, x, a]
                if n <= 0.0:
                    q = Hf
                else:
                    row = N_say[g, x, a]
                    acc = 0.0
                    for y in range(S):
                        acc += row[y] * Vn[y]
                    pv = acc / n
                    if use_known:
                        r = R_known[h, x, a]
                    else:
                        r = R_sum[g, x, a] / n
                    if variant == VARIANT_CH:
                        b = 7.0 * Hf * L * np.sqrt(1.0 / n)
                    else:
                        var = 0.0
                        corr = 0.0
                        for y in range(S):
                            cnt = row[y]
                            dv = Vn[y] - pv
                            var += cnt * dv * dv
                            corr += cnt * mcap[y]
                        var /= n
                        corr /= n
                        b = (np.sqrt(8.0 * L * var / n) + 14.0 * Hf * L / (3.0 * n)
                             + np.sqrt(8.0 * corr / n))
                    q = r + pv + bonus_scale * b
                    if q > Hf:
                        q = Hf
                    qp = Q[h, x, a]
                    if qp < q:
                        q = qp
                Q[h, x, a] = q
                if q > best:
                    best = q
                    besta = a
            V[h, x] = best
            pi[h, x] = besta


@njit(cache=True)
def update_step(N_sa, N_say, R_sum, N_visit, h, s, a, r, s2, H, pooled):
    """Count one observed transition (h, s, a, r, s2)."""
    g = 0 if pooled else h
    N_sa[g, s, a] += 1.0
    N_say[g, s, a, s2] += 1.0
    R_sum[g, s, a] += r
    if h + 1 < H:
        N_visit[h + 1, s2] += 1.0


@njit(cache=True, fastmath=_FM)
def policy_value(P, R, mu, pi, H, Vbuf):
    """Exact value under ``mu`` of the deterministic policy ``pi`` (H, S).

    P : (GP, S, A, S) with GP in {1, H}; R : (H, S, A); Vbuf : (2, S) scratch.
    """
    S = P.shape[1]
    GP = P.shape[0]
    cur = 0
    for y in range(S):
        Vbuf[cur, y] = 0.0
    for h in range(H - 1, -1, -1):
        gp = 0 if GP == 1 else h
        nxt = cur
        cur = 1 - cur
        for x in range(S):
            a = pi[h, x]
            row = P[gp, x, a]
            acc = 0.0
            for y in range(S):
                acc += row[y] * Vbuf[nxt, y]
            Vbuf[cur, x] = R[h, x, a] + acc
    tot = 0.0
    for x in range(S):
        tot += mu[x] * Vbuf[cur, x]
    return tot


@njit(cache=True)
def sample_index(cdf, u):
    """``searchsorted(cdf, u, side="right")`` clipped to the last index."""
    lo = 0
    hi = cdf.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if u < cdf[mid]:
            hi = mid
        else:
            lo = mid + 1
    if lo >= cdf.shape[0]:
        lo = cdf.shape[0] - 1
    return lo


@njit(cache=True)
def draw_index(cdf, u):
    """The env's inversion: ``searchsorted(cdf, u * cdf[-1], side="right")``."""
    return sample_index(cdf, u * cdf[cdf.shape[0] - 1])


@njit(cache=True)
def run_chunk(Q, V, pi, N_sa, N_say, R_sum, R_known, use_known, N_visit, H, L, variant, pooled,
              bonus_scale, P, R, mu, cdf_mu, cdf_P, bernoulli, U, vstar, pi_star, regret_out, reward_out, Vbuf):
    """Run ``U.shape[0]`` episodes of UCBVI entirely in compiled code.

    For each episode: plan; regret = vstar - exact value of the committed policy (exactly
    0.0 when it equals ``pi_star``, as the env's oracle does); then, consuming the row
    ``U[e]`` of uniforms in the env's order: s_0 from ``cdf_mu`` (one uniform); at each
    step h act greedily, reward R[h, s, a] (``bernoulli``: 1.0 if u < R[h, s, a] else 0.0,
    one uniform), s_{h+1} from ``cdf_P[gp, s, a]`` (one uniform); update the counts.
    """
    GP = cdf_P.shape[0]
    S = pi.shape[1]
    for e in range(U.shape[0]):
        plan(Q, V, pi, N_sa, N_say, R_sum, R_known, use_known, N_visit, H, L, variant, pooled,
             bonus_scale)
        same = True
        for h in range(H):
            for x in range(S):
                if pi[h, x] != pi_star[h, x]:
                    same = False
        if same:
            regret_out[e] = 0.0
        else:
            regret_out[e] = vstar - policy_value(P, R, mu, pi, H, Vbuf)
        j = 0
        s = draw_index(cdf_mu, U[e, j])
        j += 1
        tot = 0.0
        for h in range(H):
            a = pi[h, s]
            r = R[h, s, a]
            if bernoulli:
                r = 1.0 if U[e, j] < r else 0.0
                j += 1
            gp = 0 if GP == 1 else h
            s2 = draw_index(cdf_P[gp, s, a], U[e, j])
            j += 1
            tot += r
            update_step(N_sa, N_say, R_sum, N_visit, h, s, a, r, s2, H, pooled)
            s = s2
        reward_out[e] = tot

r"""Numba kernels of the tabular episodic learners: UCBVI's optimistic planning, count
updates and whole-episode loop (Azar, Osband, Munos 2017; docs/papers/classical-baselines.md
#algorithms-as-implemented), and the exact regret of a committed policy (:func:`committed_regret`, also used by
:mod:`mdpkit.algorithms.psrl` with :data:`FASTMATH_FLAGS`).

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

The arrays are passed grouped: :class:`Counts` (what the learner has seen, updated in
place), :class:`Plan` (Q, V, pi, updated in place) and :class:`Config` (constants). The fast
path replays the env with :mod:`mdpkit.envs.sampling` (the env's own sampling kernels) and
computes the regret with the solvers' evaluator (``start_value_dense``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ..envs.sampling import episode_start, episode_step
from ..solvers._finite_horizon_kernels import onehot_weights, start_value_dense

# Reassociation lets LLVM vectorise the S-long dot products; no 'nnan'/'ninf' (the code
# compares against -inf). Results are deterministic for a given build, and the generic loop
# and the fast path call the same compiled kernel, so they stay bit-identical.
FASTMATH_FLAGS = {"reassoc", "contract", "nsz", "arcp"}

VARIANT_CH = 0
VARIANT_BF = 1


class Counts(NamedTuple):
    """The learner's data (G = 1 pooled over steps, else H); updated in place."""

    N_sa: np.ndarray  #: (G, S, A) visit counts N_k(x, a)
    N_say: np.ndarray  #: (G, S, A, S) transition counts N_k(x, a, y)
    R_sum: np.ndarray  #: (G, S, A) sums of observed rewards
    N_visit: np.ndarray  #: (H, S) earlier visits of y at step h (BF correction)


class Plan(NamedTuple):
    """Optimistic planning state; updated in place by :func:`plan`."""

    Q: np.ndarray  #: (H, S, A) optimistic Q (previous episode's on entry)
    V: np.ndarray  #: (H + 1, S)
    pi: np.ndarray  #: (H, S) int64 greedy policy


class Config(NamedTuple):
    """Constants of a UCBVI run."""

    R_known: np.ndarray  #: (H, S, A) known mean rewards (used when use_known)
    use_known: bool
    H: int
    L: float  #: ln(5 S A T / delta)
    variant: int  #: VARIANT_CH or VARIANT_BF
    pooled: bool  #: counts pooled over steps (homogeneous P)
    bonus_scale: float  #: multiplies the bonus (1.0 = the paper's constants)


@njit(cache=True, fastmath=FASTMATH_FLAGS)
def plan(p, c, cfg):
    """One UCBVI planning pass (backward over h), in place on ``p`` (:class:`Plan`), from the
    counts ``c`` (:class:`Counts`) and the constants ``cfg`` (:class:`Config`).

    Q_{k,h}(x,a) = min(Q_{k-1,h}(x,a), H, R(x,a) + P_hat V_{k,h+1}(x,a) + b_{k,h}(x,a)) when
    N_k(x,a) > 0, else H; V_{k,h}(x) = max_a Q_{k,h}(x,a); pi = argmax (lowest index).
    ``bonus_scale`` multiplies b (1.0 = the paper's constants).
    """
    Q, V, pi = p.Q, p.V, p.pi
    N_sa, N_say, R_sum, N_visit = c.N_sa, c.N_say, c.R_sum, c.N_visit
    R_known, use_known, H, L = cfg.R_known, cfg.use_known, cfg.H, cfg.L
    variant, pooled, bonus_scale = cfg.variant, cfg.pooled, cfg.bonus_scale
    S = Q.shape[1]
    A = Q.shape[2]
    Hf = float(H)
    for y in range(S):
        V[H, y] = 0.0
    c_corr = 1e4 * Hf**3 * S * S * A * L * L
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
                        b = (
                            np.sqrt(8.0 * L * var / n)
                            + 14.0 * Hf * L / (3.0 * n)
                            + np.sqrt(8.0 * corr / n)
                        )
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
def update_step(c, cfg, h, s, a, r, s2):
    """Count one observed transition (h, s, a, r, s2)."""
    g = 0 if cfg.pooled else h
    c.N_sa[g, s, a] += 1.0
    c.N_say[g, s, a, s2] += 1.0
    c.R_sum[g, s, a] += r
    if h + 1 < cfg.H:
        c.N_visit[h + 1, s2] += 1.0


@njit(cache=True)
def same_policy(pi, pi_star):
    """pi == pi_star entrywise (the oracle's regret is then exactly 0.0)."""
    H, S = pi.shape
    for h in range(H):
        for x in range(S):
            if pi[h, x] != pi_star[h, x]:
                return False
    return True


@njit(cache=True)
def committed_regret(pi, tables, vstar, pi_star, W, Vbuf):
    """Exact regret ``vstar - V^pi_0(mu)`` of a deterministic policy on the env's tables
    (0.0 exactly when ``pi`` is the oracle's optimal policy, as the env's oracle gives)."""
    if same_policy(pi, pi_star):
        return 0.0
    onehot_weights(pi, W.shape[2], W)
    return vstar - start_value_dense(tables.P4, tables.R3, W, tables.mu, Vbuf)


@njit(cache=True)
def run_chunk(p, c, cfg, tables, U, vstar, pi_star, regret_out, reward_out):
    """Run ``U.shape[0]`` episodes of UCBVI entirely in compiled code.

    For each episode: :func:`plan`; the exact regret of the committed policy
    (:func:`committed_regret`, evaluated only when the policy changed); then the episode on the env's uniforms ``U[e]``
    (:func:`mdpkit.envs.sampling.episode_step`), acting greedily, with :func:`update_step`.
    ``tables`` : :class:`mdpkit.envs.sampling.EpisodeTables`.
    """
    H = cfg.H
    S, A = p.Q.shape[1], p.Q.shape[2]
    GP = tables.cdf_P.shape[0]
    W = np.empty((H, S, A))
    Vbuf = np.empty((H, S))
    last_pi = np.full((H, S), -1, dtype=np.int64)  # the env's oracle caches the same way
    last_regret = 0.0
    for e in range(U.shape[0]):
        plan(p, c, cfg)
        if not same_policy(p.pi, last_pi):
            last_regret = committed_regret(p.pi, tables, vstar, pi_star, W, Vbuf)
            last_pi[:, :] = p.pi
        regret_out[e] = last_regret
        s, j = episode_start(tables.cdf_mu, U[e])
        tot = 0.0
        for h in range(H):
            a = p.pi[h, s]
            gp = 0 if GP == 1 else h
            r, s2, j = episode_step(
                tables.cdf_P[gp, s, a], tables.R3[h, s, a], tables.bernoulli, U[e], j
            )
            tot += r
            update_step(c, cfg, h, s, a, r, s2)
            s = s2
        reward_out[e] = tot

r"""Compiled building blocks for linear mixture MDPs (paper page
``docs/papers/linear-mixture.md``, sections "Building blocks" and "Finite oracle").

One source of truth: every learner / exploration routine of
:mod:`mdpkit.algorithms.linear_mixture` calls these functions, both from its per-step
Python methods and from its whole-loop compiled path.

Conventions: steps are 0-based ``h = 0..H-1``; value arrays have shape (H+1, S) with row
H equal to 0. ``phi`` has shape (S, A, S, d); a signed model kernel ``Pt[s, a, s2] =
<phi(s2|s,a), theta>`` has shape (S, A, S). A *ladder* (:class:`Ladder`) is the state of M
weighted ridge regressions (levels m = 0..M-1 regress ``V^(2^m)``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

__all__ = [
    "Ladder",
    "new_ladder",
    "phi_v",
    "mahal",
    "home",
    "vtr_add",
    "ladder_end_episode",
    "sample_next",
    "greedy_plan",
    "pseudo_value",
    "hat_value",
    "candidates",
    "oracle",
    "power_features",
    "planning_gaps",
    "TIE_TOL",
    "hat_dp",
    "oracle_decoupled",
    "ORACLE_EXACT",
    "ORACLE_DECOUPLED",
    "ORACLES",
]

#: Two oracle values within this distance are a tie (broken by the learner's uniform draw).
TIE_TOL = 1e-12

#: Oracle variants of HF-UCRL-RFE++ (named constants stored in the learner's constants and
#: compared by name in the kernels): the finite oracle over (theta, greedy(theta', r), r)
#: triples (:func:`oracle`), or the decoupled-DP heuristic (:func:`oracle_decoupled`).
ORACLE_EXACT = 0
ORACLE_DECOUPLED = 1
#: Public names of the variants (the learner's ``oracle=`` parameter).
ORACLES = {"exact": ORACLE_EXACT, "decoupled": ORACLE_DECOUPLED}


class Ladder(NamedTuple):
    """M weighted ridge regressions sharing dimension d.

    Sigma, Sinv : (M, d, d) current (within-episode) matrix and its inverse;
    b : (M, d); theta : (M, d) estimate frozen at the last episode end;
    Sdot, Sdot_inv : (M, d, d) matrix frozen at the last episode end and its inverse.
    """

    Sigma: np.ndarray
    Sinv: np.ndarray
    b: np.ndarray
    theta: np.ndarray
    Sdot: np.ndarray
    Sdot_inv: np.ndarray


def new_ladder(M: int, d: int, lam: float) -> Ladder:
    """Ladder at ``Sigma = Sdot = lam I``, ``b = theta = 0``."""
    eye = np.eye(d)
    S = np.repeat((lam * eye)[None], M, axis=0)
    Si = np.repeat((eye / lam)[None], M, axis=0)
    return Ladder(S.copy(), Si.copy(), np.zeros((M, d)), np.zeros((M, d)), S.copy(), Si.copy())


@njit(cache=True)
def phi_v(phi, s, a, V, out):
    """``out[:] = sum_t phi[s, a, t, :] V[t]`` (value-targeted feature)."""
    S = phi.shape[2]
    d = phi.shape[3]
    for i in range(d):
        out[i] = 0.0
    for t in range(S):
        v = V[t]
        for i in range(d):
            out[i] += phi[s, a, t, i] * v
    return out


@njit(cache=True)
def mahal(x, Minv):
    """``sqrt(x^T Minv x)`` (clamped at 0 against rounding)."""
    d = x.shape[0]
    q = 0.0
    for i in range(d):
        row = 0.0
        for j in range(d):
            row += Minv[i, j] * x[j]
        q += x[i] * row
    return np.sqrt(q) if q > 0.0 else 0.0


@njit(cache=True)
def _dot(x, y):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * y[i]
    return s


@njit(cache=True)
def _clip01(x):
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


@njit(cache=True)
def power_features(phi, s, a, V, out):
    """``out[m] = phi_{V^(2^m)}(s, a)`` for m = 0..M-1; ``out`` shape (M, d). Returns the
    powers ``V^(2^m)`` as a (M, S) array."""
    M = out.shape[0]
    S = V.shape[0]
    pw = np.empty((M, S))
    for t in range(S):
        pw[0, t] = V[t]
    for m in range(1, M):
        for t in range(S):
            pw[m, t] = pw[m - 1, t] * pw[m - 1, t]
    for m in range(M):
        phi_v(phi, s, a, pw[m], out[m])
    return pw


@njit(cache=True)
def home(phis, lad, beta_k, alpha, gamma, sig2):
    r"""High-order moment estimator: fills ``sig2[m] = sigma_m^2`` (shape (M,)).

    For m < M-1: ``max{gamma^2 ||phi_m||_{Sigma_m^-1}, Vbar_m + E_m, alpha^2}`` with the
    plug-in variance ``Vbar_m = [<phi_{m+1}, theta_{m+1}>]_{[0,1]} - [<phi_m, theta_m>]_{[0,1]}^2``
    and width ``E_m = [2 beta_k ||phi_m||_{Sdot_m^-1}]_{[0,1]} + [beta_k ||phi_{m+1}||_{Sdot_{m+1}^-1}]_{[0,1]}``;
    for m = M-1: ``max{gamma^2 ||phi||_{Sigma^-1}, 1, alpha^2}``.
    Returns the number of levels m < M-1 where ``Vbar_m + E_m`` was the maximum.
    """
    M = phis.shape[0]
    n_var = 0
    for m in range(M):
        epi = gamma * gamma * mahal(phis[m], lad.Sinv[m])
        if m < M - 1:
            vbar = (
                _clip01(_dot(phis[m + 1], lad.theta[m + 1]))
                - _clip01(_dot(phis[m], lad.theta[m])) ** 2
            )
            E = _clip01(2.0 * beta_k * mahal(phis[m], lad.Sdot_inv[m])) + _clip01(
                beta_k * mahal(phis[m + 1], lad.Sdot_inv[m + 1])
            )
            ale = vbar + E
        else:
            ale = 1.0
        v = alpha * alpha
        if epi > v:
            v = epi
        if ale > v:
            v = ale
            if m < M - 1:
                n_var += 1
        sig2[m] = v
    return n_var


@njit(cache=True)
def vtr_add(lad, m, x, y, s2):
    """Add ``(x, y)`` with weight ``1/s2`` to level ``m``: ``Sigma += x x^T/s2``,
    ``b += x y/s2``; ``Sinv`` by Sherman-Morrison."""
    d = x.shape[0]
    Sg = lad.Sigma[m]
    Si = lad.Sinv[m]
    u = np.zeros(d)  # small; numba keeps it off the heap when it can
    for i in range(d):
        lad.b[m, i] += x[i] * y / s2
        for j in range(d):
            Sg[i, j] += x[i] * x[j] / s2
            u[i] += Si[i, j] * x[j]
    den = s2 + _dot(x, u)
    for i in range(d):
        for j in range(d):
            Si[i, j] -= u[i] * u[j] / den


@njit(cache=True)
def ladder_end_episode(lad):
    """Freeze: ``Sdot = Sigma``, exact inverses, ``theta = Sigma^-1 b`` for every level."""
    M = lad.Sigma.shape[0]
    for m in range(M):
        inv = np.linalg.inv(lad.Sigma[m])
        lad.Sinv[m][:, :] = inv
        lad.Sdot[m][:, :] = lad.Sigma[m]
        lad.Sdot_inv[m][:, :] = inv
        lad.theta[m][:] = inv @ lad.b[m]


@njit(cache=True)
def sample_next(cdf, s, a, u):
    """Next state with uniform ``u``: the first index whose cumulative probability exceeds
    ``u * cdf[s, a, -1]`` (the rule of :class:`mdpkit.envs.EpisodicTabularEnv`)."""
    row = cdf[s, a]
    x = u * row[-1]
    j = 0
    S = row.shape[0]
    while j < S - 1 and row[j] <= x:
        j += 1
    return j


@njit(cache=True)
def greedy_plan(Pt, r, V, pi):
    """Clipped DP under a signed kernel: ``V_h(s) = max_a [r_h(s,a) + Pt[s,a] @ V_{h+1}]_{[0,1]}``,
    ``pi[h, s]`` = argmax (lowest index on ties). ``V`` (H+1, S), ``pi`` (H, S)."""
    H, S, A = r.shape
    for s in range(S):
        V[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            best = -1.0
            ba = 0
            for a in range(A):
                q = r[h, s, a]
                for t in range(S):
                    q += Pt[s, a, t] * V[h + 1, t]
                q = _clip01(q)
                if q > best:
                    best = q
                    ba = a
            V[h, s] = best
            pi[h, s] = ba


@njit(cache=True)
def pseudo_value(Pt, r, pi, V):
    """``V_h(s; theta, pi, r) = [r_h(s, pi_h(s)) + Pt[s, pi_h(s)] @ V_{h+1}]_{[0,1]}``."""
    H, S, _ = r.shape
    for s in range(S):
        V[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            a = pi[h, s]
            q = r[h, s, a]
            for t in range(S):
                q += Pt[s, a, t] * V[h + 1, t]
            V[h, s] = _clip01(q)


@njit(cache=True)
def _hat_q(phi, Pt, s, a, Vt_next, Vh_next, Sdt_inv, Sdh_inv, beta, buf):
    """Unclipped one-step value of the ``V^`` recursion at (s, a): ``min{1, beta
    ||phi_{Vt_next}||_{Sdt^-1}} + 2 beta ||phi_{Vh_next}||_{Sdh^-1} + Pt[s, a] @ Vh_next``."""
    phi_v(phi, s, a, Vt_next, buf)
    u = beta * mahal(buf, Sdt_inv)
    if u > 1.0:
        u = 1.0
    phi_v(phi, s, a, Vh_next, buf)
    q = u + 2.0 * beta * mahal(buf, Sdh_inv)
    for t in range(Vh_next.shape[0]):
        q += Pt[s, a, t] * Vh_next[t]
    return q


@njit(cache=True)
def hat_value(phi, Pt, pi, Vt, Sdt_inv, Sdh_inv, beta, Vh, buf):
    r"""Trajectory uncertainty ``V^_h(s; theta, pi, r)`` (H+1, S) of the pseudo value ``Vt``:
    ``u = min{1, beta ||phi_{Vt_{h+1}}(s, pi)||_{Sdt^-1}}``,
    ``V^_h = [u + 2 beta ||phi_{V^_{h+1}}(s, pi)||_{Sdh^-1} + Pt[s, pi] @ V^_{h+1}]_{[0,1]}``."""
    H = pi.shape[0]
    S = pi.shape[1]
    for s in range(S):
        Vh[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            q = _hat_q(phi, Pt, s, pi[h, s], Vt[h + 1], Vh[h + 1], Sdt_inv, Sdh_inv, beta, buf)
            Vh[h, s] = _clip01(q)


@njit(cache=True)
def _in_set(theta, hat, til, beta_k):
    """Membership in the current confidence set: every level of both ladders."""
    M = hat.theta.shape[0]
    d = theta.shape[0]
    diff = np.empty(d)
    for f in range(2):
        lad = hat if f == 0 else til
        for m in range(M):
            for i in range(d):
                diff[i] = theta[i] - lad.theta[m, i]
            q = _dot(diff, lad.Sdot[m] @ diff)
            if q > beta_k * beta_k:
                return False
    return True


@njit(cache=True)
def candidates(hat, til, beta_k, shrink, out):
    r"""Candidate parameters (rows of ``out``, shape (2d+2, d)); returns their number.

    ``theta~_0`` and ``theta^_0`` when they lie in the set ``U`` (both ladders, all
    levels, radius ``beta_k``), and ``theta^_0 +- t_i w_i^{-1/2} q_i`` along the principal
    axes ``(w_i, q_i)`` of ``Sdot^_0`` (eigenpairs), with ``t_i`` =
    ``shrink`` x the exact distance to the boundary of ``U`` along that direction (when
    ``theta^_0`` is in ``U``). Empty set: ``theta^_0`` alone (fallback).
    """
    d = hat.theta.shape[1]
    M = hat.theta.shape[0]
    n = 0
    c = hat.theta[0].copy()
    c_in = _in_set(c, hat, til, beta_k)
    if _in_set(til.theta[0], hat, til, beta_k):
        out[n] = til.theta[0]
        n += 1
    if c_in:
        out[n] = c
        n += 1
        w, Q = np.linalg.eigh(hat.Sdot[0])
        diff = np.empty(d)
        for i in range(d):
            v = Q[:, i] / np.sqrt(w[i]) if w[i] > 0 else Q[:, i] * 0.0
            for sign in (1.0, -1.0):
                vv = sign * v
                tmax = np.inf
                for f in range(2):
                    lad = hat if f == 0 else til
                    for m in range(M):
                        for j in range(d):
                            diff[j] = c[j] - lad.theta[m, j]
                        Sv = lad.Sdot[m] @ vv
                        qa = _dot(vv, Sv)
                        qb = _dot(diff, Sv)
                        qc = _dot(diff, lad.Sdot[m] @ diff) - beta_k * beta_k
                        if qa <= 0.0:
                            continue
                        disc = qb * qb - qa * qc
                        if disc < 0.0:
                            disc = 0.0
                        t = (-qb + np.sqrt(disc)) / qa
                        if t < tmax:
                            tmax = t
                if tmax == np.inf or tmax <= 0.0:
                    continue
                for j in range(d):
                    out[n, j] = c[j] + shrink * tmax * vv[j]
                n += 1
    if n == 0:
        out[0] = c
        n = 1
    return n


@njit(cache=True)
def _pick_tie(vals, n1, n2, tie_u):
    """Among the entries of ``vals[:n1, :n2, :]`` within ``TIE_TOL`` of their maximum,
    enumerated in the order (j, c2, c), the ``int(tie_u * n_ties)``-th. Returns
    (c, c2, j, n_ties)."""
    R = vals.shape[2]
    best = -np.inf
    for j in range(R):
        for c2 in range(n2):
            for c in range(n1):
                if vals[c, c2, j] > best:
                    best = vals[c, c2, j]
    n_ties = 0
    for j in range(R):
        for c2 in range(n2):
            for c in range(n1):
                if vals[c, c2, j] >= best - TIE_TOL:
                    n_ties += 1
    pick = int(tie_u * n_ties)
    if pick >= n_ties:
        pick = n_ties - 1
    k = 0
    cc, cc2, jj = 0, 0, 0
    for j in range(R):
        for c2 in range(n2):
            for c in range(n1):
                if vals[c, c2, j] >= best - TIE_TOL:
                    if k == pick:
                        cc, cc2, jj = c, c2, j
                    k += 1
    return cc, cc2, jj, n_ties


@njit(cache=True)
def oracle(
    phi, Pts, n_cand, rdict, Sdt_inv, Sdh_inv, beta, s1, tie_u, pi_out, Vt_out, Vh_out, vals
):
    r"""Finite oracle: the best triple (theta, pi, r) by ``V^_1(s1; theta, pi, r)``.

    ``Pts`` (C, S, A, S): kernels of the candidate parameters (first ``n_cand`` used);
    ``rdict`` (R, H, S, A); policies: ``greedy(theta', r)`` for every candidate ``theta'``
    and the same reward ``r``. ``vals`` (C, C, R) receives every triple's value
    (``vals[c, c2, j]`` = parameter c, policy greedy(c2, r_j), reward r_j). Ties within
    ``TIE_TOL`` of the maximum are broken by ``tie_u`` in [0, 1). Fills the chosen
    policy (H, S), pseudo value and trajectory uncertainty (H+1, S).
    Returns (c, c2, j, n_ties).
    """
    C = n_cand
    R, H, S, A = rdict.shape
    d = phi.shape[3]
    pis = np.empty((C, H, S), dtype=np.int64)
    Vtmp = np.empty((H + 1, S))
    Vt = np.empty((H + 1, S))
    Vh = np.empty((H + 1, S))
    buf = np.empty(d)
    for j in range(R):
        for c2 in range(C):
            greedy_plan(Pts[c2], rdict[j], Vtmp, pis[c2])
        for c2 in range(C):
            for c in range(C):
                pseudo_value(Pts[c], rdict[j], pis[c2], Vt)
                hat_value(phi, Pts[c], pis[c2], Vt, Sdt_inv, Sdh_inv, beta, Vh, buf)
                vals[c, c2, j] = Vh[0, s1]
    cc, cc2, jj, n_ties = _pick_tie(vals, C, C, tie_u)
    greedy_plan(Pts[cc2], rdict[jj], Vtmp, pi_out)
    pseudo_value(Pts[cc], rdict[jj], pi_out, Vt_out)
    hat_value(phi, Pts[cc], pi_out, Vt_out, Sdt_inv, Sdh_inv, beta, Vh_out, buf)
    return cc, cc2, jj, n_ties


@njit(cache=True)
def hat_dp(phi, Pt, W, Sdt_inv, Sdh_inv, beta, Vh, pi, buf):
    r"""Decoupled DP for the trajectory uncertainty with the pseudo value ``W`` (H+1, S)
    held fixed: ``V^_h(s) = max_a [min{1, beta ||phi_{W_{h+1}}(s,a)||_{Sdt^-1}}
    + 2 beta ||phi_{V^_{h+1}}(s,a)||_{Sdh^-1} + Pt[s,a] @ V^_{h+1}]_{[0,1]}``.
    ``pi[h, s]`` = the argmax of the *unclipped* value (lowest index on exact ties), so
    that actions still differ when every clipped value is 1; ``Vh`` (H+1, S) is the value
    of that policy (equal to the clipped maximum)."""
    H = pi.shape[0]
    S = pi.shape[1]
    A = phi.shape[1]
    for s in range(S):
        Vh[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            best = -np.inf
            ba = 0
            for a in range(A):
                q = _hat_q(phi, Pt, s, a, W[h + 1], Vh[h + 1], Sdt_inv, Sdh_inv, beta, buf)
                if q > best:
                    best = q
                    ba = a
            pi[h, s] = ba
            Vh[h, s] = _clip01(best)


@njit(cache=True)
def oracle_decoupled(
    phi, Pts, n_cand, rdict, Sdt_inv, Sdh_inv, beta, s1, tie_u, pi_out, Vt_out, Vh_out, vals
):
    r"""Decoupled-DP oracle (a heuristic): for every candidate parameter ``theta_c`` and
    reward ``r_j``, the pseudo value ``W = V(.; theta_c, greedy(theta_c, r_j), r_j)`` (the
    greedy DP's value) and then :func:`hat_dp` under ``theta_c`` with ``u`` from ``W``; the
    executed policy is the DP's, which may differ from the policy whose pseudo value is
    measured. ``vals`` (C, 1, R) receives ``V^_1(s1)`` of every pair (``vals[c, 0, j]``);
    ties within ``TIE_TOL`` of the maximum are broken by ``tie_u``. Fills the chosen
    policy (H, S), ``Vt_out = W`` and ``Vh_out`` (H+1, S). Returns (c, j, n_ties).
    """
    C = n_cand
    R, H, S, A = rdict.shape
    d = phi.shape[3]
    pig = np.empty((H, S), dtype=np.int64)
    pid = np.empty((H, S), dtype=np.int64)
    W = np.empty((H + 1, S))
    Vh = np.empty((H + 1, S))
    buf = np.empty(d)
    for j in range(R):
        for c in range(C):
            greedy_plan(Pts[c], rdict[j], W, pig)
            hat_dp(phi, Pts[c], W, Sdt_inv, Sdh_inv, beta, Vh, pid, buf)
            vals[c, 0, j] = Vh[0, s1]
    cc, _, jj, n_ties = _pick_tie(vals, C, 1, tie_u)
    greedy_plan(Pts[cc], rdict[jj], Vt_out, pig)
    hat_dp(phi, Pts[cc], Vt_out, Sdt_inv, Sdh_inv, beta, Vh_out, pi_out, buf)
    return cc, jj, n_ties


@njit(cache=True)
def policy_value_true(P, r, pi, V):
    """Exact value of a deterministic policy under a true kernel (no clipping)."""
    H, S, _ = r.shape
    for s in range(S):
        V[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            a = pi[h, s]
            q = r[h, s, a]
            for t in range(S):
                q += P[s, a, t] * V[h + 1, t]
            V[h, s] = q


@njit(cache=True)
def planning_gaps(P, Pt, R_eval, s1, gaps):
    """Planning phase for every reward of ``R_eval`` (n, H, S, A): greedy policy of the
    clipped DP under ``Pt``, exact gap ``V*_1(s1; r) - V^pi_1(s1; r)`` under the true ``P``
    (``V*`` by exact backward induction; rewards with totals <= 1 keep it in [0, 1])."""
    n, H, S, A = R_eval.shape
    V = np.empty((H + 1, S))
    Vs = np.empty((H + 1, S))
    pi = np.empty((H, S), dtype=np.int64)
    pis = np.empty((H, S), dtype=np.int64)
    for i in range(n):
        greedy_plan(Pt, R_eval[i], V, pi)
        policy_value_true(P, R_eval[i], pi, V)
        # exact optimum: unclipped DP under P (values stay in [0, 1] for totals <= 1)
        for s in range(S):
            Vs[H, s] = 0.0
        for h in range(H - 1, -1, -1):
            for s in range(S):
                best = -np.inf
                for a in range(A):
                    q = R_eval[i, h, s, a]
                    for t in range(S):
                        q += P[s, a, t] * Vs[h + 1, t]
                    if q > best:
                        best = q
                        pis[h, s] = a
                Vs[h, s] = best
        gaps[i] = Vs[0, s1] - V[0, s1]

r"""Plain numpy versions of the finite oracle's computations (paper page
``docs/papers/linear-mixture.md``, "Finite oracle"), written independently of the compiled
kernels: vectorised over states with ``einsum``, no numba. Used by the tests (differential
check of :func:`mdpkit.algorithms.linear_mixture._kernels.oracle`) and by
``benchmarks/bench_linear_mixture.py`` (the reference of the speed ratio).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "greedy_np",
    "pseudo_np",
    "hat_np",
    "oracle_values_np",
    "home_np",
    "hat_dp_np",
    "oracle_decoupled_values_np",
]


def greedy_np(Pt, r):
    """Clipped greedy DP under a signed kernel; returns (V (H+1, S), pi (H, S))."""
    H, S, A = r.shape
    V = np.zeros((H + 1, S))
    pi = np.zeros((H, S), dtype=np.int64)
    for h in range(H - 1, -1, -1):
        Q = np.clip(r[h] + Pt @ V[h + 1], 0.0, 1.0)
        pi[h] = Q.argmax(1)
        V[h] = Q.max(1)
    return V, pi


def pseudo_np(Pt, r, pi):
    H, S, _ = r.shape
    V = np.zeros((H + 1, S))
    idx = np.arange(S)
    for h in range(H - 1, -1, -1):
        a = pi[h]
        V[h] = np.clip(r[h, idx, a] + np.einsum("st,t->s", Pt[idx, a], V[h + 1]), 0.0, 1.0)
    return V


def _norms(phi_sa, V, Minv):
    """||phi_V(s, a_s)||_{Minv} for every s; phi_sa (S, S, d)."""
    x = np.einsum("std,t->sd", phi_sa, V)
    return np.sqrt(np.maximum(np.einsum("sd,de,se->s", x, Minv, x), 0.0))


def hat_np(phi, Pt, pi, Vt, Sdt_inv, Sdh_inv, beta):
    H, S = pi.shape
    Vh = np.zeros((H + 1, S))
    idx = np.arange(S)
    for h in range(H - 1, -1, -1):
        a = pi[h]
        ph = phi[idx, a]
        u = np.minimum(1.0, beta * _norms(ph, Vt[h + 1], Sdt_inv))
        q = u + 2 * beta * _norms(ph, Vh[h + 1], Sdh_inv) + Pt[idx, a] @ Vh[h + 1]
        Vh[h] = np.clip(q, 0.0, 1.0)
    return Vh


def oracle_values_np(phi, cands, rdict, Sdt_inv, Sdh_inv, beta, s1):
    """``vals[c, c2, j] = V^_1(s1; cands[c], greedy(cands[c2], r_j), r_j)``."""
    C = len(cands)
    Pts = np.einsum("satd,cd->csat", phi, cands)
    vals = np.empty((C, C, len(rdict)))
    for j, r in enumerate(rdict):
        pis = [greedy_np(Pts[c2], r)[1] for c2 in range(C)]
        for c2 in range(C):
            for c in range(C):
                Vt = pseudo_np(Pts[c], r, pis[c2])
                vals[c, c2, j] = hat_np(phi, Pts[c], pis[c2], Vt, Sdt_inv, Sdh_inv, beta)[0, s1]
    return vals


def hat_dp_np(phi, Pt, W, Sdt_inv, Sdh_inv, beta):
    """Decoupled DP for ``V^`` with the pseudo value ``W`` fixed, all actions at once;
    returns (Vh (H+1, S), pi (H, S)) with ``pi`` the argmax of the unclipped value."""
    H = W.shape[0] - 1
    S = phi.shape[0]
    Vh = np.zeros((H + 1, S))
    pi = np.zeros((H, S), dtype=np.int64)

    def nrm(V, Minv):  # ||phi_V(s, a)||_{Minv} for every (s, a)
        x = np.einsum("satd,t->sad", phi, V)
        return np.sqrt(np.maximum(np.einsum("sad,de,sae->sa", x, Minv, x), 0.0))

    for h in range(H - 1, -1, -1):
        q = (
            np.minimum(1.0, beta * nrm(W[h + 1], Sdt_inv))
            + 2 * beta * nrm(Vh[h + 1], Sdh_inv)
            + Pt @ Vh[h + 1]
        )
        pi[h] = q.argmax(1)
        Vh[h] = np.clip(q.max(1), 0.0, 1.0)
    return Vh, pi


def oracle_decoupled_values_np(phi, cands, rdict, Sdt_inv, Sdh_inv, beta, s1):
    """``vals[c, 0, j]`` = the decoupled DP's ``V^_1(s1)`` for (cands[c], r_j), with ``u``
    from the pseudo value of greedy(cands[c], r_j)."""
    Pts = np.einsum("satd,cd->csat", phi, cands)
    vals = np.empty((len(cands), 1, len(rdict)))
    for j, r in enumerate(rdict):
        for c in range(len(cands)):
            W = greedy_np(Pts[c], r)[0]
            vals[c, 0, j] = hat_dp_np(phi, Pts[c], W, Sdt_inv, Sdh_inv, beta)[0][0, s1]
    return vals


def home_np(phis, theta, Sinv, Sdot_inv, beta_k, alpha, gamma):
    """HOME weights sigma^2 (M,) with numpy (same formula as the compiled kernel)."""
    M = len(phis)
    nrm = lambda x, A: np.sqrt(max(x @ A @ x, 0.0))  # noqa: E731
    out = np.empty(M)
    for m in range(M):
        epi = gamma**2 * nrm(phis[m], Sinv[m])
        if m < M - 1:
            vbar = (
                np.clip(phis[m + 1] @ theta[m + 1], 0, 1) - np.clip(phis[m] @ theta[m], 0, 1) ** 2
            )
            E = np.clip(2 * beta_k * nrm(phis[m], Sdot_inv[m]), 0, 1) + np.clip(
                beta_k * nrm(phis[m + 1], Sdot_inv[m + 1]), 0, 1
            )
            ale = vbar + E
        else:
            ale = 1.0
        out[m] = max(epi, ale, alpha**2)
    return out

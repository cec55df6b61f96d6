"""Numpy twins (test references) of the UCBVI kernels of :mod:`mdpkit.algorithms._tabular_episode_kernels`."""

from __future__ import annotations

import numpy as np


def plan_numpy(
    Q_prev, N_sa, N_say, R_sum, R_known, use_known, N_visit, H, L, variant, pooled, bonus_scale=1.0
):
    """Plain numpy UCBVI planning, vectorised over (x, a): the reference of the numba kernel.

    Same inputs as :func:`mdpkit.algorithms._tabular_episode_kernels.plan` (``variant`` "ch"/"bf");
    returns new arrays ``(Q (H, S, A), V (H + 1, S), pi (H, S))`` and leaves the inputs
    untouched. Used by the tests.
    """
    Hn, S, A = Q_prev.shape
    Q = np.empty_like(Q_prev)
    V = np.zeros((H + 1, S))
    pi = np.empty((H, S), dtype=np.int64)
    Hf = float(H)
    for h in range(H - 1, -1, -1):
        g = 0 if pooled else h
        n = N_sa[g]
        seen = n > 0
        n_safe = np.where(seen, n, 1.0)
        P_hat = N_say[g] / n_safe[..., None]
        pv = P_hat @ V[h + 1]
        r = R_known[h] if use_known else R_sum[g] / n_safe
        if variant == "ch":
            b = 7.0 * Hf * L * np.sqrt(1.0 / n_safe)
        else:
            var = np.einsum("xay,xay->xa", P_hat, (V[h + 1][None, None, :] - pv[..., None]) ** 2)
            if h == H - 1:
                corr = np.zeros((S, A))
            else:
                nv = N_visit[h + 1]
                with np.errstate(divide="ignore"):
                    m = np.minimum(
                        np.where(nv > 0, 1e4 * Hf**3 * S * S * A * L * L / nv, np.inf), Hf * Hf
                    )
                corr = P_hat @ m
            b = (
                np.sqrt(8.0 * L * var / n_safe)
                + 14.0 * Hf * L / (3.0 * n_safe)
                + np.sqrt(8.0 * corr / n_safe)
            )
        q = np.minimum(np.minimum(Q_prev[h], Hf), r + pv + bonus_scale * b)
        Q[h] = np.where(seen, q, Hf)
        pi[h] = np.argmax(Q[h], axis=1)
        V[h] = Q[h].max(axis=1)
    return Q, V, pi

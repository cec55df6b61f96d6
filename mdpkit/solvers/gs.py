r"""Gauss-Seidel value iteration for discounted models (method ``"gs"``), dense and CSR.

A Gauss-Seidel sweep updates the states in order and uses each new value at once:
:math:`V(s) \leftarrow \max_a R(s, a) + \gamma \sum_{s'} P(s'|s, a) V(s')` with the
current V (already updated for the states before s). The sweep operator is a
:math:`\gamma`-contraction in the sup norm like the Jacobi one, and on chains whose
transitions go mostly to lower-indexed states it propagates values across the whole chain
in one sweep.

Stopping: the sweeps say nothing certified by themselves, so whenever the sup-norm change
of a sweep falls below a trial threshold, the certificate of
:func:`mdpkit.solvers.pi.certificate` (one Jacobi Bellman sweep:
``max(TV - T_d V) + gamma/(1-gamma) (max(TV - V) - min(T_d V - V))`` for the greedy
policy d, a certified bound on ``max_s V*(s) - V^d(s)``) is computed; the method stops when
it is at most ``tol``, else the threshold is divided by 10 and the sweeps continue. The
result's ``bound`` is that certificate; ``V`` is ``TV`` of the certifying sweep.
Sweeps run in numba (:func:`gs_sweep_dense`, :func:`gs_sweep_csr`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from numba import njit

from ..utils import ConvergenceWarning
from ._mask import respects_action_mask
from .result import SolveResult
from .vi import check_options, initial_value

__all__ = ["gauss_seidel_value_iteration", "gs_sweep_dense", "gs_sweep_csr"]

provenance = (
    "textbook Gauss-Seidel VI (Puterman 1994, Sec. 6.3.3) [R]; stop by the PI certificate [D]"
)


@njit(cache=True)
def gs_sweep_dense(P, R, gamma, V):
    """One in-place Gauss-Seidel sweep on dense P (S, A, S); returns ``max_s |change|``."""
    S, A, T = P.shape
    delta = 0.0
    for s in range(S):
        best = -np.inf
        for a in range(A):
            acc = 0.0
            for t in range(T):
                acc += P[s, a, t] * V[t]
            q = R[s, a] + gamma * acc
            if q > best:
                best = q
        d = abs(best - V[s])
        if d > delta:
            delta = d
        V[s] = best
    return delta


@njit(cache=True)
def gs_sweep_csr(indptr, indices, data, R, gamma, V):
    """One in-place Gauss-Seidel sweep on CSR arrays of P (S*A, S); returns the max change."""
    S, A = R.shape
    delta = 0.0
    for s in range(S):
        best = -np.inf
        for a in range(A):
            row = s * A + a
            acc = 0.0
            for k in range(indptr[row], indptr[row + 1]):
                acc += data[k] * V[indices[k]]
            q = R[s, a] + gamma * acc
            if q > best:
                best = q
        d = abs(best - V[s])
        if d > delta:
            delta = d
        V[s] = best
    return delta


@respects_action_mask
def gauss_seidel_value_iteration(
    mdp, *, tol: float = 1e-6, max_iter: int | None = None, **options
) -> SolveResult:
    """Gauss-Seidel value iteration with a certified stop (module docstring).

    Options: ``V0`` (ndarray (S,), default ``min R / (1 - gamma)``).
    ``max_iter`` caps the sweeps (default: enough for a gamma-contraction from V0 to reach
    ``tol`` plus a margin); reaching it warns and returns ``converged=False`` with the
    certified bound of the last iterate.
    """
    from .pi import certificate

    check_options(options, {"V0"}, "gs")
    if not mdp.is_discounted:
        raise ValueError(f"method 'gs' is for discounted models, got criterion={mdp.criterion!r}")
    gamma = float(mdp.gamma)
    V = np.array(initial_value(mdp, options.get("V0")), dtype=np.float64)
    R = np.ascontiguousarray(mdp.R, dtype=np.float64)
    if mdp.is_sparse:
        P = mdp.P
        args = (P.indptr, P.indices, P.data, R, gamma)
        sweep = gs_sweep_csr
    else:
        args = (np.ascontiguousarray(mdp.P), R, gamma)
        sweep = gs_sweep_dense
    if max_iter is None:  # Jacobi's sweep count from V0 to tol, with a margin
        span = float(R.max() - R.min()) / (1.0 - gamma) + float(np.abs(V).max()) + 1.0
        max_iter = 100 + int(2 * math.log(span / (tol * (1.0 - gamma)) + 2.0) / (1.0 - gamma))
    P2 = mdp.P if mdp.is_sparse else mdp.P.reshape(mdp.S * mdp.A, mdp.S)
    threshold = tol * (1.0 - gamma) / max(2.0 * gamma, 1e-300)
    n_iter, n_cert = 0, 0
    converged = False
    bound = np.inf
    while n_iter < max_iter:
        delta = sweep(*args, V)
        n_iter += 1
        if delta <= threshold or n_iter == max_iter:
            Q = R + gamma * (P2 @ V).reshape(mdp.S, mdp.A)
            policy = Q.argmax(axis=1)
            bound, Q, TV, _, _ = certificate(mdp, V, policy, Q=Q)
            n_cert += 1
            if bound <= tol:
                converged = True
                break
            threshold /= 10.0
    if not converged:
        warnings.warn(
            f"gs: reached max_iter={max_iter} sweeps with certified bound {bound:.3g} "
            f"> tol={tol:g}",
            ConvergenceWarning,
            stacklevel=2,
        )
    return SolveResult(
        V=TV,
        Q=Q,
        policy=policy.astype(np.int64),
        converged=converged,
        n_iter=n_iter,
        method="gs",
        bound=bound,
        extras={"certificates": n_cert, "last_change": float(delta)},
    )

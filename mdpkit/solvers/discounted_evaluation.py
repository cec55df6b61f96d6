r"""Exact policy evaluation, occupancy measures and Q from V (discounted models).

Math
----
For a policy :math:`\pi` (deterministic (S,) int or stochastic (S, A) float):
:math:`P_\pi(s, s') = \sum_a \pi(a|s) P(s'|s,a)`, :math:`r_\pi(s) = \sum_a \pi(a|s) R(s,a)`,

* value: :math:`V^\pi = (I - \gamma P_\pi)^{-1} r_\pi`;
* discounted state occupancy under :math:`\mu`:
  :math:`\nu^\top = \mu^\top (I - \gamma P_\pi)^{-1}`, i.e.
  :math:`(I - \gamma P_\pi)^\top \nu = \mu`, and
  :math:`d(s, a) = \nu(s)\,\pi(a|s) = \sum_t \gamma^t \Pr^\pi_\mu(s_t = s, a_t = a)`;
  :math:`\sum_{s,a} d(s,a) = 1/(1-\gamma)` and :math:`\mu^\top V^\pi = \sum_{s,a} d(s,a) R(s,a)`;
* :math:`Q = R + \gamma P V` (:func:`q_from_v`).

Linear solver
-------------
``solver="auto"``: dense LAPACK (``numpy.linalg.solve``: gesv, LU with partial pivoting) when
S <= ``DENSE_THRESHOLD`` (2000), otherwise a Krylov method on
:math:`I - \gamma P_\pi`, CSR for sparse models and for dense models stored with a
CSR twin (``TabularMDP.csr_twin``: large, mostly zero), dense for other dense ones (BiCGSTAB,
warm-started from ``x0``, restarted once from its iterate if the true residual misses the
target; scipy gmres if that fails).
``solver="direct"`` forces a direct solve (dense LAPACK, or SuperLU ``spsolve`` for a
sparse model: beware fill-in on large random sparse models), ``solver="krylov"`` forces
the Krylov path.

Every Krylov solution is checked by recomputing the residual
:math:`\rho = r_\pi - (I - \gamma P_\pi) \tilde V` in float64. Since
:math:`\|(I-\gamma P_\pi)^{-1}\|_\infty = 1/(1-\gamma)`, :math:`\|\tilde V - V^\pi\|_\infty
\le \|\rho\|_\infty / (1-\gamma)`: this certified error is reported (``info["error_bound"]``)
and, if it exceeds the requested accuracy, a :class:`mdpkit.utils.ConvergenceWarning` is
emitted — never a silent inexact answer. A failing bicgstab that is rescued by gmres is also
announced with a warning.

Decisions
---------
* Krylov target: residual sup-norm ``<= 1e-12 * |r_pi|_inf`` for
  :func:`evaluate_discounted` (value exact to ~1e-12 relative times 1/(1-gamma)); policy
  iteration passes its own target. Any target is raised to the float64 floor
  ``1e-14 * |b| / (1 - gamma)`` (the residual of the correctly rounded solution is of
  that order, so a lower target could never be certified).
* BiCGSTAB is our own serial numba implementation (:func:`mdpkit.solvers._kernels.bicgstab_csr`):
  scipy's spends its time in OpenBLAS dot products that, multi-threaded on 2 shared cores,
  measured 20x slower than single-threaded. gmres (scipy) is only the announced fallback.
* The occupancy system is solved with the transpose; its error is bounded in the 1-norm
  by :math:`\|\rho\|_1/(1-\gamma)` (``info["error_bound"]`` reports it).

References: Puterman 1994, §6.1–6.2 (evaluation), §6.9 (occupancy measures / dual LP).

provenance: textbook formulas; cross-checked against brute-force rollout sums and value
iteration in the tests.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from ..utils import ConvergenceWarning
from ._policy import as_policy

__all__ = [
    "evaluate_discounted",
    "occupancy_discounted",
    "q_from_v",
    "policy_system",
    "policy_matrix",
    "solve_policy_system",
    "plan",
    "DENSE_THRESHOLD",
]

provenance = "textbook linear-algebra identities (Puterman 1994 §6.1, §6.9)"

DENSE_THRESHOLD = 2000
_SOLVERS = ("auto", "direct", "krylov")


def _csr_rows(mdp):
    """The CSR (S*A, S) kernel of a sparse model or of a dense model's CSR twin, else None."""
    return mdp.P if mdp.is_sparse else mdp.csr_twin


def policy_system(mdp, kind: str, pol: np.ndarray, *, dense: bool):
    """``(P_pi, r_pi)`` of a validated policy; P_pi dense (S, S) ndarray or CSR (S, S).
    Built from the CSR rows when the model has them (sparse, or a CSR twin)."""
    S, A = mdp.S, mdp.A
    R = mdp.R
    rows = np.arange(S)
    P_csr = _csr_rows(mdp)
    if kind == "deterministic":
        r = R[rows, pol]
        if P_csr is not None:
            Ppi = P_csr[rows * A + pol]
            return (Ppi.toarray() if dense else Ppi.tocsr()), r
        Ppi = mdp.P[rows, pol]  # (S, S) copy
        return (Ppi if dense else sp.csr_matrix(Ppi)), r
    r = np.einsum("sa,sa->s", pol, R)
    if P_csr is not None:
        # Pi: (S, S*A) with Pi[s, s*A + a] = pi(a|s); P_pi = Pi @ P
        Pi = sp.csr_matrix(
            (pol.ravel(), np.arange(S * A), np.arange(0, S * A + 1, A)), shape=(S, S * A)
        )
        Ppi = (Pi @ P_csr).tocsr()
        return (Ppi.toarray() if dense else Ppi), r
    Ppi = np.einsum("sa,sat->st", pol, mdp.P)
    return (Ppi if dense else sp.csr_matrix(Ppi)), r


def policy_matrix(mdp, pol):
    """``M = I - gamma P_pi`` (scipy CSR) for a deterministic policy of a sparse model.

    Built by the numba kernel :func:`mdpkit.solvers._kernels.policy_system_csr` in one
    pass (policy iteration rebuilds it at every step).
    """
    from . import _kernels as K

    P = mdp.P
    ip, ind, dat = K.policy_system_csr(
        P.indptr,
        P.indices,
        P.data,
        mdp.A,
        np.ascontiguousarray(pol, dtype=np.int64),
        float(mdp.gamma),
    )
    M = sp.csr_matrix((dat, ind, ip), shape=(mdp.S, mdp.S), copy=False)
    return M


def _check_solver(solver):
    if solver not in _SOLVERS:
        raise ValueError(f"solver must be one of {list(_SOLVERS)}, got {solver!r}")


def plan(mdp, solver: str, threshold: int = DENSE_THRESHOLD):
    """``(linear_solver, dense_representation)`` for a model and a solver choice.

    "auto": "direct" when S <= threshold, else "krylov". The policy matrix is kept dense
    for dense models (dense LAPACK or dense BiCGSTAB), and densified for sparse models (and
    dense models with a CSR twin) only for a direct solve with S <= threshold (otherwise
    CSR: SuperLU or sparse BiCGSTAB).
    """
    _check_solver(solver)
    lin = solver if solver != "auto" else ("direct" if mdp.S <= threshold else "krylov")
    dense = _csr_rows(mdp) is None or (lin == "direct" and mdp.S <= threshold)
    return lin, dense


def solve_policy_system(
    Ppi,
    b,
    gamma,
    *,
    x0=None,
    transpose=False,
    solver="auto",
    target=None,
    maxiter=None,
    warn=True,
    what="policy evaluation",
    M=None,
):
    r"""Solve :math:`(I - \gamma P_\pi) x = b` (or its transpose).

    Parameters
    ----------
    Ppi : ndarray (S, S) or CSR (S, S)
    b : ndarray, shape (S,)
    gamma : float
    x0 : ndarray (S,), optional
        Warm start (Krylov only).
    transpose : bool
        Solve with :math:`(I - \gamma P_\pi)^\top` (occupancy measures).
    solver : {"auto", "direct", "krylov"}
        "auto"/"direct" with a dense ``Ppi`` use LAPACK; "direct" with CSR uses SuperLU;
        "krylov" (or "auto" with CSR) uses bicgstab, then gmres if bicgstab fails.
    target : float, optional
        Required residual sup-norm (1-norm if ``transpose``); default
        ``1e-12 * max(|b|, 1e-300)``.
    warn : bool
        Emit a ConvergenceWarning when the target is missed.
    M : CSR matrix, optional
        The system matrix :math:`I - \gamma P_\pi` already built (then ``Ppi`` is ignored
        and ``transpose`` must be False); see :func:`policy_matrix`.

    Returns
    -------
    x : ndarray (S,)
    info : dict
        ``method``, ``residual`` (sup-norm, 1-norm if transpose), ``error_bound``
        (``residual / (1-gamma)``: sup-norm error of x, 1-norm if transpose),
        ``converged`` (target met), ``krylov_info`` (scipy codes), ``fallback`` (bool).
    """
    _check_solver(solver)
    S = b.shape[0]
    norm = (
        (lambda v: float(np.abs(v).sum()))
        if transpose
        else (lambda v: float(np.abs(v).max(initial=0.0)))
    )
    if target is None:
        target = 1e-12 * max(norm(b), 1e-300)
    # float64 floor: the residual of the exact solution rounded to float64 is ~1e-16 * |x|,
    # and |x| <= |b| / (1 - gamma)
    target = max(target, 1e-14 * norm(b) / (1.0 - gamma))
    info = {"fallback": False, "krylov_info": None}
    if M is not None:
        if transpose:
            raise ValueError("M is only supported with transpose=False")
        if solver == "direct":
            import scipy.sparse.linalg as spla

            x = spla.spsolve(M.tocsc(), b)
            info["method"] = "superlu"
        else:
            x, info = _krylov(M, b, x0, target, maxiter, info, what, warn, norm)
    elif isinstance(Ppi, np.ndarray):
        M = np.eye(S) - gamma * (Ppi.T if transpose else Ppi)
        if solver in ("auto", "direct"):
            x = np.linalg.solve(M, b)  # LAPACK gesv; numpy's, to avoid importing scipy.linalg
            info["method"] = "lapack"
        else:
            x, info = _krylov(M, b, x0, target, maxiter, info, what, warn, norm)
    else:
        I = sp.identity(S, format="csr")
        M = (I - gamma * (Ppi.T if transpose else Ppi)).tocsr()
        if solver == "direct":
            import scipy.sparse.linalg as spla

            x = spla.spsolve(M.tocsc(), b)
            info["method"] = "superlu"
        else:
            x, info = _krylov(M, b, x0, target, maxiter, info, what, warn, norm)
    res = norm(b - M @ x)
    info["residual"] = res
    info["error_bound"] = res / (1.0 - gamma)
    info["target"] = target
    ok = (
        bool(np.isfinite(res))
        and res <= max(target, 0.0)
        or info["method"] in ("lapack", "superlu")
    )
    info["converged"] = bool(ok and np.all(np.isfinite(x)))
    if warn and not info["converged"]:
        warnings.warn(
            f"{what}: linear solve ({info['method']}) missed its residual target "
            f"{target:.3g} (residual {res:.3g}); the result is off by at most "
            f"{info['error_bound']:.3g} ({'1-norm' if transpose else 'sup-norm'})",
            ConvergenceWarning,
            stacklevel=3,
        )
    return x, info


def _krylov(M, b, x0, target, maxiter, info, what, warn, norm):
    from . import _kernels as K

    S = b.shape[0]
    if maxiter is None:
        maxiter = max(1000, 10 * int(np.sqrt(S)))
    is_dense = isinstance(M, np.ndarray)
    if is_dense:
        Md = np.ascontiguousarray(M, dtype=np.float64)
    else:
        M = sp.csr_matrix(M)
        indptr = M.indptr.astype(np.int64, copy=False)
        indices = M.indices.astype(np.int64, copy=False)
        data = M.data.astype(np.float64, copy=False)
    x = np.zeros(S) if x0 is None else np.array(x0, dtype=np.float64)
    # 2-norm test inside BiCGSTAB: ||r||_inf <= ||r||_2 and ||r||_1 <= sqrt(S) ||r||_2, so
    # atol = target / sqrt(S) guarantees both norms (for the recurrence residual; the true
    # residual is rechecked below and BiCGSTAB restarted once from its iterate if needed).
    atol = target / np.sqrt(S)
    b = np.ascontiguousarray(b, dtype=np.float64)
    codes, iters = [], 0
    for _attempt in range(2):
        if is_dense:
            x, code, it = K.bicgstab_dense(Md, b, x, atol, maxiter)
        else:
            x, code, it = K.bicgstab_csr(indptr, indices, data, b, x, atol, maxiter)
        codes.append(int(code))
        iters += int(it)
        ok = code == 0 and np.all(np.isfinite(x)) and norm(b - M @ x) <= target
        if ok or code != 0:
            break
    info["method"] = "bicgstab"
    info["krylov_info"] = codes
    info["krylov_iters"] = iters
    if not ok:
        if warn:
            warnings.warn(
                f"{what}: bicgstab did not reach the residual target {target:.3g} "
                f"(codes {codes}); retrying with scipy gmres from its last iterate",
                ConvergenceWarning,
                stacklevel=4,
            )
        import scipy.sparse.linalg as spla

        start = x if np.all(np.isfinite(x)) else (x0 if x0 is not None else np.zeros(S))
        x, code2 = spla.gmres(M, b, x0=start, rtol=0.0, atol=atol, restart=50, maxiter=maxiter)
        info["method"] = "gmres"
        info["fallback"] = True
        info["krylov_info"].append(int(code2))
    return x, info


def q_from_v(mdp, V) -> np.ndarray:
    """Action values from state values.

    Discounted: ``Q = R + gamma * P V``, V shape (S,) -> Q (S, A).
    Finite horizon: V shape (H, S) (step 0 first, ``V[H] := 0``) ->
    ``Q[h] = R_h + gamma P_h V[h+1]`` (gamma = 1 unless the model has both gamma and
    horizon), shape (H, S, A).
    """
    V = np.asarray(V, dtype=np.float64)
    S, A = mdp.S, mdp.A
    if mdp.is_discounted:
        if V.shape != (S,):
            raise ValueError(
                f"V must have shape (S,) = ({S},) for a discounted model, got {V.shape}"
            )
        return mdp.R + mdp.gamma * _pv(mdp.P, V, S, A)
    H = mdp.horizon
    if V.shape != (H, S):
        raise ValueError(
            f"V must have shape (H, S) = ({H}, {S}) for a finite-horizon model, got {V.shape}"
        )
    Q = np.empty((H, S, A))
    g = 1.0 if mdp.gamma is None else float(mdp.gamma)  # discounted finite horizon
    for h in range(H):  # loop over steps, not states
        nxt = V[h + 1] if h + 1 < H else np.zeros(S)
        Q[h] = mdp.R_at(h) + g * _pv(mdp.P_at(h), nxt, S, A)
    return Q


def _pv(P, V, S, A):
    if sp.issparse(P):
        return (P @ V).reshape(S, A)
    return P @ V  # (S, A, S) @ (S,) -> (S, A)


def evaluate_discounted(mdp, policy, *, solver: str = "auto", x0=None) -> np.ndarray:
    """Exact value ``V^pi`` (S,) of a deterministic (S,) or stochastic (S, A) policy.

    See the module docstring for the linear solver and its certified error.
    """
    kind, pol = as_policy(mdp, policy)
    lin, dense = plan(mdp, solver)
    Ppi, r = policy_system(mdp, kind, pol, dense=dense)
    V, _ = solve_policy_system(Ppi, r, mdp.gamma, x0=x0, solver=lin)
    return V


def occupancy_discounted(mdp, policy, *, solver: str = "auto") -> np.ndarray:
    r"""Discounted state-action occupancy ``d`` (S, A) under ``mdp.mu``; sums to 1/(1-gamma)."""
    kind, pol = as_policy(mdp, policy)
    lin, dense = plan(mdp, solver)
    Ppi, _ = policy_system(mdp, kind, pol, dense=dense)
    mu = np.asarray(mdp.mu, dtype=np.float64)
    nu, _ = solve_policy_system(
        Ppi, mu, mdp.gamma, transpose=True, solver=lin, what="occupancy measure"
    )
    if kind == "deterministic":
        d = np.zeros((mdp.S, mdp.A))
        d[np.arange(mdp.S), pol] = nu
        return d
    return nu[:, None] * pol

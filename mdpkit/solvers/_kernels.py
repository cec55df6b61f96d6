r"""numba kernels for the discounted exact solvers, each beside a plain-numpy reference.

Every kernel is ``@njit(cache=True)``, serial (no ``parallel=True``: on 2 shared cores
threaded sweeps measured slower, see ``benchmarks/RESULTS.md``). The numpy references (suffix ``_ref``) are
straightforward vectorised formulas; ``tests/test_kernels.py`` checks the kernels against
them.

Kernels
-------
``bellman_dense(P, R, gamma, V, Q, Vnew) -> (dmin, dmax)``
    One Bellman optimality sweep on a dense kernel ``P`` (S, A, S):
    ``Q[s, a] = R[s, a] + gamma * sum_t P[s, a, t] V[t]``, ``Vnew[s] = max_a Q[s, a]``,
    returns ``min_s`` and ``max_s`` of ``Vnew - V``. Actions are processed in blocks of
    four per pass over the next states: ``V`` is loaded once per block and the four
    independent accumulators keep the loads of the four rows of ``P`` in flight, which is
    what lets the sweep run near memory bandwidth (one action per pass is limited by the
    latency of a single reduction chain).
``bellman_epilogue(PV, R, gamma, V, Q, Vnew) -> (dmin, dmax)``
    The CSR sweep, split in two: scipy computes the product ``PV = P @ V`` (CSR (S*A, S),
    public ``scipy.sparse`` API), then this kernel does the rest in one pass over (s, a):
    ``Q[s, a] = R[s, a] + gamma * PV[s*A + a]``, ``Vnew = max_a Q`` and the extremes of
    ``Vnew - V``. Why not one fused numba loop over the CSR arrays: scipy's ``csr_matvec``
    costs ~1 ns per stored entry where the numba gather loop (``acc += data[k] *
    V[indices[k]]``) cost ~2 ns on the same arrays (S = 1e5, A = 4, 5 successors: 1.9-2.4
    ms per product against 4.0 ms for the fused sweep; split sweep 2.39 ms, i.e. ~45% ->
    ~90% of read bandwidth; benchmarks/RESULTS.md, Findings 1). The per-sweep loop of
    value iteration on CSR is therefore a Python loop over sweeps in
    :func:`mdpkit.solvers.vi.vi_loop_csr` (one SpMV + one epilogue call per sweep).
``policy_sweep_dense / policy_sweep_csr``
    One sweep of the policy operator ``T_pi V = r_pi + gamma P_pi V`` for a deterministic
    policy (the partial evaluation steps of modified policy iteration).
``bicgstab_csr(indptr, indices, data, b, x0, atol, maxiter)`` / ``bicgstab_dense(Md, b, x0, atol, maxiter)``
    Serial BiCGSTAB for the policy-evaluation systems :math:`(I - \gamma P_\pi) x = b`
    (policy iteration on large models, :mod:`mdpkit.solvers.discounted_evaluation`).
``policy_system_csr(indptr, indices, data, A, pol, gamma)``
    CSR arrays of :math:`I - \gamma P_\pi` for a deterministic policy, built in one pass.
``argmax_rows(Q, pol)``
    Greedy policy (first maximising action) of a (S, A) table.
``vi_loop_dense``
    Dense (modified) value iteration: the shared loop
    :func:`mdpkit.solvers._vi_rules.run_loop` over the compiled sweeps (one Python step per
    sweep; the rules exist once for every engine, see :mod:`mdpkit.solvers.vi`).
    ``m = 0`` is value iteration; ``m > 0`` adds ``m`` partial evaluation sweeps of the
    current greedy policy after every Bellman sweep (modified policy iteration, Puterman
    1994 §6.5). ``_centre`` / ``_damp`` / ``_maxabs`` are its O(S) helpers.

Stopping rules (``rule``): ``RULE_SPAN = 0``: stop when
``gamma/(1-gamma) * (max d - min d) <= tol`` with ``d = T V_n - V_n`` (MacQueen / Puterman
§6.6); ``RULE_SUPNORM = 1``: stop when ``2 gamma/(1-gamma) * max|d| <= tol`` (Williams &
Baird 1993), each plus the rounding term ``4 delta / (1 - gamma)``. The certificates
themselves are derived in :mod:`mdpkit.solvers.vi` ("Rounding").

Decisions
---------
* ``fastmath`` is limited to re-association and contraction (``reassoc``, ``contract``)
  so that LLVM may vectorise the dot products; no ``nnan``/``ninf`` assumptions (inputs
  are validated finite, but a non-finite value must still propagate, not be assumed away).
  ``bellman_epilogue`` uses no ``fastmath`` at all (nothing to vectorise that needs it),
  so its ``Q`` equals numpy's ``R + gamma * PV`` bit for bit.
* The CSR product is left to scipy (see ``bellman_epilogue``); the partial-evaluation
  sweep ``policy_sweep_csr`` stays in numba: it reads only one row of P per state, so the
  SpMV alternative would first have to extract ``P_pi`` (a copy per policy update).
* The Q table is written on every sweep (it costs about as much as reading ``R``) so that
  the returned ``Q``, ``V = max_a Q`` and ``policy = argmax_a Q`` are consistent without
  an extra sweep.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import _vi_rules as _rules

__all__ = [
    "RULE_SPAN",
    "RULE_SUPNORM",
    "bellman_dense",
    "bellman_epilogue",
    "policy_sweep_dense",
    "policy_sweep_csr",
    "argmax_rows",
    "vi_loop_dense",
    "bellman_dense_ref",
    "bellman_csr_ref",
    "policy_sweep_dense_ref",
    "policy_sweep_csr_ref",
    "vi_loop_ref",
    "csr_matvec",
    "bicgstab_csr",
    "bicgstab_dense",
    "bicgstab_ref",
    "policy_system_csr",
    "policy_system_ref",
]

RULE_SPAN = _rules.RULE_SPAN
RULE_SUPNORM = _rules.RULE_SUPNORM

_FM = {"reassoc", "contract"}


# ----------------------------------------------------------------------------- dense
@njit(cache=True, fastmath=_FM)
def bellman_dense(P, R, gamma, V, Q, Vnew):
    S = P.shape[0]
    A = P.shape[1]
    T = P.shape[2]
    dmin = np.inf
    dmax = -np.inf
    for s in range(S):
        a = 0
        while a + 4 <= A:
            acc0 = 0.0
            acc1 = 0.0
            acc2 = 0.0
            acc3 = 0.0
            for t in range(T):
                v = V[t]
                acc0 += P[s, a, t] * v
                acc1 += P[s, a + 1, t] * v
                acc2 += P[s, a + 2, t] * v
                acc3 += P[s, a + 3, t] * v
            Q[s, a] = R[s, a] + gamma * acc0
            Q[s, a + 1] = R[s, a + 1] + gamma * acc1
            Q[s, a + 2] = R[s, a + 2] + gamma * acc2
            Q[s, a + 3] = R[s, a + 3] + gamma * acc3
            a += 4
        if a + 2 <= A:
            acc0 = 0.0
            acc1 = 0.0
            for t in range(T):
                v = V[t]
                acc0 += P[s, a, t] * v
                acc1 += P[s, a + 1, t] * v
            Q[s, a] = R[s, a] + gamma * acc0
            Q[s, a + 1] = R[s, a + 1] + gamma * acc1
            a += 2
        if a < A:
            acc0 = 0.0
            for t in range(T):
                acc0 += P[s, a, t] * V[t]
            Q[s, a] = R[s, a] + gamma * acc0
        best = Q[s, 0]
        for b in range(1, A):
            if Q[s, b] > best:
                best = Q[s, b]
        Vnew[s] = best
        diff = best - V[s]
        if diff < dmin:
            dmin = diff
        if diff > dmax:
            dmax = diff
    return dmin, dmax


@njit(cache=True, fastmath=_FM)
def policy_sweep_dense(P, R, gamma, pol, V, Vnew):
    S = P.shape[0]
    T = P.shape[2]
    for s in range(S):
        a = pol[s]
        acc = 0.0
        for t in range(T):
            acc += P[s, a, t] * V[t]
        Vnew[s] = R[s, a] + gamma * acc


# ----------------------------------------------------------------------------- CSR
@njit(cache=True)
def bellman_epilogue(PV, R, gamma, V, Q, Vnew):
    """Epilogue of a CSR Bellman sweep whose product ``PV = P @ V`` (S*A,) scipy computed.

    ``Q[s, a] = R[s, a] + gamma * PV[s*A + a]``, ``Vnew[s] = max_a Q[s, a]``; returns
    ``min_s`` and ``max_s`` of ``Vnew - V``. No ``fastmath``: each ``Q`` entry is the same
    two roundings as numpy's ``R + gamma * PV`` (bit-identical to the numpy engine).
    """
    S = R.shape[0]
    A = R.shape[1]
    dmin = np.inf
    dmax = -np.inf
    for s in range(S):
        row = s * A
        best = R[s, 0] + gamma * PV[row]
        Q[s, 0] = best
        for a in range(1, A):
            q = R[s, a] + gamma * PV[row + a]
            Q[s, a] = q
            if q > best:
                best = q
        Vnew[s] = best
        diff = best - V[s]
        if diff < dmin:
            dmin = diff
        if diff > dmax:
            dmax = diff
    return dmin, dmax


@njit(cache=True, fastmath=_FM)
def policy_sweep_csr(indptr, indices, data, R, gamma, pol, V, Vnew):
    S = R.shape[0]
    A = R.shape[1]
    for s in range(S):
        a = pol[s]
        row = s * A + a
        acc = 0.0
        for k in range(indptr[row], indptr[row + 1]):
            acc += data[k] * V[indices[k]]
        Vnew[s] = R[s, a] + gamma * acc


# ----------------------------------------------------------------------------- loops
@njit(cache=True)
def argmax_rows(Q, pol):
    S = Q.shape[0]
    A = Q.shape[1]
    for s in range(S):
        best = Q[s, 0]
        b = 0
        for a in range(1, A):
            if Q[s, a] > best:
                best = Q[s, a]
                b = a
        pol[s] = b


#: sweeps without a new minimum of the stopping statistic before the rounding-floor test
STALL_SWEEPS = _rules.STALL_SWEEPS
#: rounding floor of the statistic, relative to max|TV| (~1000 ulps)
FLOOR_REL = _rules.FLOOR_REL


@njit(cache=True)
def _maxabs(x):
    out = 0.0
    for i in range(x.shape[0]):
        a = abs(x[i])
        if a > out:
            out = a
    return out


@njit(cache=True)
def _centre(x):
    """Subtract the midrange from ``x`` in place; returns max|x| afterwards."""
    lo = np.inf
    hi = -np.inf
    for i in range(x.shape[0]):
        if x[i] < lo:
            lo = x[i]
        if x[i] > hi:
            hi = x[i]
    mid = 0.5 * lo + 0.5 * hi  # no overflow for huge |x|
    out = 0.0
    for i in range(x.shape[0]):
        x[i] -= mid
        a = abs(x[i])
        if a > out:
            out = a
    return out


@njit(cache=True)
def _damp(old, new, alpha):
    """``new <- (1 - alpha) old + alpha new`` in place."""
    for i in range(new.shape[0]):
        new[i] = (1.0 - alpha) * old[i] + alpha * new[i]


class _DenseOps:
    """Compiled array operations of :func:`mdpkit.solvers._vi_rules.run_loop` on dense P."""

    def __init__(self, P, R, gamma):
        self.P, self.R, self.gamma, self.n_actions = P, R, gamma, P.shape[1]

    def sweep(self, V, Q, W):
        return bellman_dense(self.P, self.R, self.gamma, V, Q, W)

    def policy_sweep(self, pol, u, out):
        policy_sweep_dense(self.P, self.R, self.gamma, pol, u, out)

    argmax = staticmethod(argmax_rows)
    maxabs = staticmethod(_maxabs)
    centre = staticmethod(_centre)
    damp = staticmethod(_damp)

    @staticmethod
    def empty(shape):
        return np.empty(shape)

    @staticmethod
    def empty_int(n):
        return np.empty(n, dtype=np.int64)


def vi_loop_dense(P, R, gamma, V0, max_iter, rule, tol, m, err_coef=0.0, allow_damping=True):
    """(Modified) value iteration on dense P (S, A, S) with the compiled sweeps.

    The loop itself is :func:`mdpkit.solvers._vi_rules.run_loop` (one Python step per
    sweep, shared by every engine, so its rules exist once); each step runs the compiled
    ``bellman_dense`` / ``policy_sweep_dense``. Returns ``(V_n, TV_n, Q_n, n_iter, dmin,
    dmax, converged, floor_hit, delta)`` (see ``run_loop``).
    """
    P = np.ascontiguousarray(P)
    R = np.ascontiguousarray(R, dtype=np.float64)
    rmax = float(np.abs(R).max(initial=0.0))
    return _rules.run_loop(
        _DenseOps(P, R, float(gamma)),
        np.asarray(V0, dtype=np.float64),
        int(max_iter),
        int(rule),
        float(gamma),
        float(tol),
        int(m),
        float(err_coef),
        bool(allow_damping),
        rmax,
    )


# ----------------------------------------------------------------------------- numpy references
def bellman_dense_ref(P, R, gamma, V):
    """Reference: ``Q = R + gamma * P @ V`` on dense P (S, A, S); returns ``(Q, max_a Q)``."""
    Q = R + gamma * np.einsum("sat,t->sa", P, V)
    return Q, Q.max(axis=1)


def bellman_csr_ref(indptr, indices, data, R, gamma, V):
    """Reference on CSR arrays with plain numpy (segment sums); returns ``(Q, max_a Q)``."""
    S, A = R.shape
    prod = data * V[indices]
    pv = np.zeros(S * A)
    nonempty = np.diff(indptr) > 0
    if prod.size:
        pv[nonempty] = np.add.reduceat(prod, indptr[:-1][nonempty])
    Q = R + gamma * pv.reshape(S, A)
    return Q, Q.max(axis=1)


def policy_sweep_dense_ref(P, R, gamma, pol, V):
    """Reference ``T_pi V`` for a deterministic policy on dense P."""
    idx = np.arange(P.shape[0])
    return R[idx, pol] + gamma * P[idx, pol] @ V


def policy_sweep_csr_ref(indptr, indices, data, R, gamma, pol, V):
    """Reference ``T_pi V`` for a deterministic policy on CSR arrays."""
    S, A = R.shape
    rows = np.arange(S) * A + pol
    prod = data * V[indices]
    pv = np.zeros(S * A)
    nonempty = np.diff(indptr) > 0
    if prod.size:
        pv[nonempty] = np.add.reduceat(prod, indptr[:-1][nonempty])
    out = pv[rows]
    return R[np.arange(S), pol] + gamma * out


def vi_loop_ref(P, R, gamma, V0, max_iter, rule, tol, m, err_coef=0.0, allow_damping=True):
    """Reference (modified) value iteration on dense P with the same outputs and rules
    (:func:`mdpkit.solvers._vi_rules.sweep_control` run as Python)."""
    V = np.array(V0, dtype=float)
    state = _rules.new_state(np.empty(_rules.N_STATE))
    rmax = float(np.abs(R).max(initial=0.0))
    n = 0
    while True:
        Q, W = bellman_dense_ref(P, R, gamma, V)
        d = W - V
        dmin, dmax = float(d.min()), float(d.max())
        n += 1
        verdict, alpha, delta = _rules.sweep_control(
            state,
            n,
            dmin,
            dmax,
            float(np.abs(V).max()),
            float(np.abs(W).max()),
            rmax,
            rule,
            gamma,
            tol,
            max_iter,
            err_coef,
            allow_damping,
        )
        if verdict != _rules.CONTINUE:
            break
        pol = Q.argmax(axis=1)
        u = W if alpha == 1.0 else (1.0 - alpha) * V + alpha * W
        for _ in range(m):
            t = policy_sweep_dense_ref(P, R, gamma, pol, u)
            u = t if alpha == 1.0 else (1.0 - alpha) * u + alpha * t
        V = u - (0.5 * u.max() + 0.5 * u.min()) if rule == RULE_SPAN else u
    return (V, W, Q, n, dmin, dmax, verdict == _rules.CONVERGED, verdict == _rules.FLOOR, delta)


# ----------------------------------------------------------------------------- Krylov (BiCGSTAB)
@njit(cache=True, fastmath=_FM)
def csr_matvec(indptr, indices, data, x, y):
    """``y = M x`` for a CSR matrix M given by its arrays."""
    n = indptr.shape[0] - 1
    for i in range(n):
        acc = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            acc += data[k] * x[indices[k]]
        y[i] = acc


@njit(cache=True, fastmath=_FM)
def _dot(a, b):
    acc = 0.0
    for i in range(a.shape[0]):
        acc += a[i] * b[i]
    return acc


@njit(cache=True, fastmath=_FM)
def dense_matvec(Md, x, y):
    """``y = Md x`` for a dense C-contiguous (n, n) matrix (serial, no BLAS threads)."""
    n = Md.shape[0]
    for i in range(n):
        acc = 0.0
        for j in range(Md.shape[1]):
            acc += Md[i, j] * x[j]
        y[i] = acc


@njit(cache=True)
def _mv(Md, indptr, indices, data, x, y):
    if Md.shape[0] > 0:
        dense_matvec(Md, x, y)
    else:
        csr_matvec(indptr, indices, data, x, y)


@njit(cache=True)
def bicgstab_csr(indptr, indices, data, b, x0, atol, maxiter):
    """BiCGSTAB for ``M x = b`` with M in CSR arrays; see :func:`bicgstab_generic`."""
    return bicgstab_generic(np.empty((0, 0)), indptr, indices, data, b, x0, atol, maxiter)


@njit(cache=True)
def bicgstab_dense(Md, b, x0, atol, maxiter):
    """BiCGSTAB for ``Md x = b`` with a dense (n, n) matrix; see :func:`bicgstab_generic`."""
    empty = np.empty(0, dtype=np.int64)
    return bicgstab_generic(Md, empty, empty, np.empty(0), b, x0, atol, maxiter)


@njit(cache=True)
def bicgstab_generic(Md, indptr, indices, data, b, x0, atol, maxiter):
    """Unpreconditioned BiCGSTAB (van der Vorst 1992) for ``M x = b``.

    M is the dense ``Md`` when ``Md`` has rows, else the CSR arrays (one body for both).

    Serial numba (scipy's version spends its time in multi-threaded BLAS dot products,
    which on 2 shared cores was 20x slower). Stops when the recurrence residual 2-norm is
    ``<= atol``; the caller must recheck the true residual.

    Returns ``(x, code, n_iter)``: ``code`` 0 converged, 1 ``maxiter`` reached, -1
    breakdown (rho or omega zero).
    """
    n = b.shape[0]
    x = x0.copy()
    r = np.empty(n)
    _mv(Md, indptr, indices, data, x, r)
    for i in range(n):
        r[i] = b[i] - r[i]
    if np.sqrt(_dot(r, r)) <= atol:
        return x, 0, 0
    rhat = r.copy()
    p = np.zeros(n)
    v = np.zeros(n)
    s = np.empty(n)
    t = np.empty(n)
    rho = 1.0
    alpha = 1.0
    omega = 1.0
    for it in range(1, maxiter + 1):
        rho_new = _dot(rhat, r)
        if rho_new == 0.0 or not np.isfinite(rho_new):
            return x, -1, it
        beta = (rho_new / rho) * (alpha / omega)
        for i in range(n):
            p[i] = r[i] + beta * (p[i] - omega * v[i])
        _mv(Md, indptr, indices, data, p, v)
        den = _dot(rhat, v)
        if den == 0.0 or not np.isfinite(den):
            return x, -1, it
        alpha = rho_new / den
        for i in range(n):
            s[i] = r[i] - alpha * v[i]
        if np.sqrt(_dot(s, s)) <= atol:
            for i in range(n):
                x[i] += alpha * p[i]
            return x, 0, it
        _mv(Md, indptr, indices, data, s, t)
        tt = _dot(t, t)
        if tt == 0.0 or not np.isfinite(tt):
            return x, -1, it
        omega = _dot(t, s) / tt
        for i in range(n):
            x[i] += alpha * p[i] + omega * s[i]
            r[i] = s[i] - omega * t[i]
        if np.sqrt(_dot(r, r)) <= atol:
            return x, 0, it
        if omega == 0.0:
            return x, -1, it
        rho = rho_new
    return x, 1, maxiter


def bicgstab_ref(M, b, x0, atol, maxiter):
    """Reference BiCGSTAB in numpy/scipy.sparse (same recurrences, same return values)."""
    x = np.array(x0, dtype=float)
    r = b - M @ x
    if np.linalg.norm(r) <= atol:
        return x, 0, 0
    rhat = r.copy()
    p = np.zeros_like(b)
    v = np.zeros_like(b)
    rho = alpha = omega = 1.0
    for it in range(1, maxiter + 1):
        rho_new = rhat @ r
        if rho_new == 0.0:
            return x, -1, it
        beta = (rho_new / rho) * (alpha / omega)
        p = r + beta * (p - omega * v)
        v = M @ p
        alpha = rho_new / (rhat @ v)
        s = r - alpha * v
        if np.linalg.norm(s) <= atol:
            return x + alpha * p, 0, it
        t = M @ s
        omega = (t @ s) / (t @ t)
        x = x + alpha * p + omega * s
        r = s - omega * t
        if np.linalg.norm(r) <= atol:
            return x, 0, it
        rho = rho_new
    return x, 1, maxiter


@njit(cache=True)
def policy_system_csr(indptr, indices, data, A, pol, gamma):
    """CSR arrays of ``M = I - gamma P_pi`` for a deterministic policy, P in CSR (S*A, S).

    Each row holds the diagonal 1 first, then ``-gamma P(.|s, pol[s])`` (a successor equal
    to s is a second entry on the diagonal: duplicates are summed by every CSR product).
    """
    S = pol.shape[0]
    ip = np.empty(S + 1, dtype=np.int64)
    ip[0] = 0
    for s in range(S):
        row = s * A + pol[s]
        ip[s + 1] = ip[s] + 1 + (indptr[row + 1] - indptr[row])
    ind = np.empty(ip[S], dtype=np.int64)
    dat = np.empty(ip[S])
    for s in range(S):
        row = s * A + pol[s]
        j = ip[s]
        ind[j] = s
        dat[j] = 1.0
        j += 1
        for k in range(indptr[row], indptr[row + 1]):
            ind[j] = indices[k]
            dat[j] = -gamma * data[k]
            j += 1
    return ip, ind, dat


def policy_system_ref(P2, pol, gamma):
    """Reference: ``I - gamma P_pi`` as a dense array from P2 (S*A, S) (dense or CSR)."""
    S = pol.shape[0]
    A = P2.shape[0] // S
    rows = np.arange(S) * A + pol
    Ppi = P2[rows]
    Ppi = Ppi.toarray() if hasattr(Ppi, "toarray") else np.asarray(Ppi)
    return np.eye(S) - gamma * Ppi

r"""Finite-horizon numba kernels and the numpy references they are tested against.

Every kernel here has a numpy twin (``*_numpy``) computing the same quantity with
vectorised numpy/BLAS (dense) or ``scipy.sparse`` (CSR) operations; the tests in
``tests/test_solvers_finite_horizon.py`` check each pair agrees to 1e-10 and the
benchmarks use the twins as the speed reference.

Array conventions (all kernels)
-------------------------------
* Dense transitions are passed as ``P4``, shape ``(HP, S, A, S)`` with ``HP = 1``
  (stationary, a free reshape of an (S, A, S) array) or ``HP = H`` (step-dependent).
* Dense backward induction takes ``P3``, the free reshape ``(HP, S*A, S)`` of the same array.
* CSR transitions are ``indptr (S*A+1,)``, ``indices (nnz,)`` and ``data (nnz,)`` (int32
  or int64 indices); row ``s*A + a`` is P(. | s, a) (stationary only, as in
  :class:`TabularMDP`).
* Rewards are ``R3``, shape ``(HR, S, A)`` with ``HR in {1, H}``; policies are action
  weights ``W``, shape ``(HW, S, A)`` with ``HW in {1, H}`` (a deterministic policy is
  passed one-hot; zero weights are skipped, so a one-hot policy costs one row of P per
  state, like a deterministic kernel).
* Step ``h = 0`` is the first step; the value after the last step is 0.
* ``gamma`` (last argument, default 1.0): discount of a discounted finite-horizon model
  (``TabularMDP(..., gamma=g, horizon=H)``), applied to the value of the next step:
  :math:`Q_h = R_h + \gamma P_h V_{h+1}`; occupancies then carry the weight
  :math:`\gamma^h` (:math:`d_{h+1} = \gamma P_h^\top d_h`, so that
  :math:`\mu^\top V_0 = \sum_h \langle R_h, d_h \rangle`). ``gamma * x`` with
  ``gamma = 1.0`` is exact in floating point, so undiscounted results are unchanged bit
  for bit.

Maths
-----
Backward induction (Puterman 1994, section 4.5):
:math:`V_H = 0`, :math:`Q_h(s,a) = R_h(s,a) + \sum_{s'} P_h(s'|s,a) V_{h+1}(s')`,
:math:`V_h(s) = \max_a Q_h(s,a)`, :math:`\pi_h(s) = \arg\max_a Q_h(s,a)` (the first
maximising action, as ``numpy.argmax``).
Policy evaluation: :math:`V^\pi_h(s) = \sum_a \pi_h(a|s) Q^\pi_h(s,a)`.
Occupancy (forward): :math:`d_0(s,a) = \mu(s)\pi_0(a|s)`,
:math:`\rho_{h+1}(s') = \sum_{s,a} d_h(s,a) P_h(s'|s,a)`,
:math:`d_{h+1}(s,a) = \rho_{h+1}(s)\pi_{h+1}(a|s)`.

Decisions
---------
* Serial ``@njit(cache=True)``; in the evaluation and occupancy kernels ``fastmath`` is
  limited to re-association and contraction (``{"reassoc", "contract"}``) so that the
  inner dot products vectorise; no finite-math assumptions (inputs are validated finite by
  the model anyway). Results therefore differ from the numpy twins by rounding only
  (tested to 1e-10). The backward-induction kernels use no ``fastmath``.
* Backward induction runs all H steps inside one compiled call (no Python per step) and
  takes the maximum over actions branch-free (``take = q > best`` selects, it does not
  branch): the branchy maximum cost ~1.4 ns per (s, a) pair on random Q-values (a
  mispredicted branch about once per state), as much as a third of a CSR step.
* CSR loops (backward induction, evaluation, occupancy) read the indices as unsigned
  integers: with signed indices numba adds a
  negative-index wrap-around select to every ``V[indices[k]]``, and the fused loop then
  cost ~2 ns per stored entry against ~1 ns for scipy's ``csr_matvec`` (the reason an
  earlier version called scipy once per step from Python). Unsigned, it matches scipy
  (0.17-0.19 ms per product at S = 1e4, A = 4, 5 successors, on int32 or int64 indices).
  The sum over a row's entries is in stored order without ``fastmath``, so the Q-values
  equal the numpy twin's (scipy product + numpy addition) bit for bit.
* CSR backward induction (:func:`backward_csr`) stores V and the policy only; the
  Q-values are computed when asked for (:func:`q_values_csr`, same additions, so
  ``Q[h, s, pol[h, s]] == V[h, s]`` exactly) unless ``store_q``. Q has H*S*A entries:
  storing it wrote 3.2 MB per step at S = 1e5 into freshly faulted pages (320 MB in all,
  the largest array of the solve) and took the solve from 0.34-0.46 s to 0.47-1.0 s there
  (standalone loop; 1.1-1.3 s in the benchmark runs).
* Dense backward induction (:func:`backward_dense`) stores Q as it goes (Q is S times
  smaller than the P read per step). Its product reads eight distant rows of P at a time
  (:func:`_matvec_8_streams`), which kept more reads in flight than BLAS dgemv and
  measured 4-5% faster, memory-bound at (S, A) = (2000, 10) and cache-resident at
  (500, 8). Calling dgemv from numba per step left the memory-bound case level with the
  numpy twin (the same dgemv; 0.97-1.02x over benchmark runs); a numba loop over four
  consecutive rows (one stream) measured 0.94-0.96x there; reversing the traversal on
  alternate steps to reuse the cache gained nothing at either size.
* Ties in the argmax keep the first maximising action in both kernel and twin; because
  the summation order differs, near-ties (within rounding) may be broken differently, so
  tests compare policies through their Q-values, not index by index.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "backward_csr",
    "q_values_csr",
    "backward_dense",
    "eval_dense",
    "eval_csr",
    "occ_dense",
    "occ_csr",
    "backward_numpy",
    "eval_numpy",
    "occ_numpy",
]

_FM = {"reassoc", "contract"}


# ----------------------------------------------------------------------------- backward
@njit(cache=True)
def backward_csr(
    indptr, indices, data, R3, H, V, pol, Q, store_q, gamma=1.0
):  # pragma: no cover - compiled
    """Backward induction on CSR arrays, all H steps in one compiled loop; fills ``V``
    (H, S), ``pol`` (H, S) and, when ``store_q``, ``Q`` (H, S, A) (otherwise ``Q`` is not
    touched and may be any 3-d float array with a first axis, e.g. ``np.empty((1, 0, 0))``;
    :func:`q_values_csr` computes the Q-values afterwards from V).

    ``indptr`` (S*A+1,), ``indices`` (nnz,), ``data`` (nnz,) with row ``s*A + a`` =
    P(. | s, a) (stationary); ``R3`` (HR, S, A), HR in {1, H}. Per (h, s, a):
    ``q = R_h[s, a] + sum_k data[k] V_{h+1}[indices[k]]`` summed in stored order without
    ``fastmath`` (the additions of scipy's ``csr_matvec``, so q equals the numpy twin's
    Q-value bit for bit), then a branch-free running maximum (first maximiser kept).
    Indices are read as unsigned integers (they are validated in [0, S)): with signed
    indices numba adds a negative-index wrap-around select to every gather, which doubled
    the cost per stored entry (module docstring, Decisions).
    """
    HR, S, A = R3.shape
    Vn = np.zeros(S)
    one = np.uint64(1)
    for h in range(H - 1, -1, -1):
        Rh = R3[h if HR > 1 else 0]
        Vh = V[h]
        ph = pol[h]
        Qh = Q[h if store_q else 0]
        k = np.uint64(indptr[0])
        for s in range(S):
            best = -np.inf
            bi = 0
            for a in range(A):
                end = np.uint64(indptr[s * A + a + 1])
                acc = 0.0
                while k < end:
                    acc += data[k] * Vn[np.uint64(indices[k])]
                    k += one
                q = Rh[s, a] + gamma * acc
                if store_q:
                    Qh[s, a] = q
                take = (q > best) | (a == 0)
                best = q if take else best
                bi = a if take else bi
            Vh[s] = best
            ph[s] = bi
        Vn = Vh


Q_STEP_BLOCK = 16


@njit(cache=True)
def q_values_csr(indptr, indices, data, R3, V, Q, gamma=1.0):  # pragma: no cover - compiled
    """``Q[h] = R_h + P V[h+1]`` (``V[H] = 0``) for V (H, S) from :func:`backward_csr`;
    fills ``Q`` (H, S, A).

    Steps are taken ``Q_STEP_BLOCK`` at a time: one pass over P per block (a sparse times
    dense (S, block) product) with ``acc[j] += data[k] * V[h0+j+1, indices[k]]`` over the
    stored entries in order, vectorised over j. Each ``Q[h, s, a]`` gets the same additions
    in the same order as :func:`backward_csr` (and scipy's ``csr_matvec``), so
    ``Q[h, s, pol[h, s]] == V[h, s]`` holds exactly. Block 16 measured best among
    {1, 2, 4, ..., 32, H}: 29 ms at S = 1e4 and 0.39 s at 1e5 (A = 4, 5 successors,
    H = 100), about the cost of :func:`backward_csr` itself; one step at a time took 3-4x
    that, all H at once 1.2x (its (S, H) copy of V leaves the cache).
    """
    H, S = V.shape
    HR = R3.shape[0]
    n = Q.shape[1] * Q.shape[2]
    Qf = Q.reshape(H, n)
    Rf = R3.reshape(HR, n)
    one = np.uint64(1)
    for h0 in range(0, H, Q_STEP_BLOCK):
        m = min(Q_STEP_BLOCK, H - h0)
        VT = np.zeros((S, m))  # VT[t, j] = V[h0+j+1, t]; V_H = 0
        for j in range(m):
            if h0 + j < H - 1:
                VT[:, j] = V[h0 + j + 1]
        acc = np.empty(m)
        k = np.uint64(indptr[0])
        for r in range(n):
            acc[:] = 0.0
            end = np.uint64(indptr[r + 1])
            while k < end:
                d = data[k]
                vrow = VT[np.uint64(indices[k])]
                for j in range(m):
                    acc[j] += d * vrow[j]
                k += one
            for j in range(m):
                Qf[h0 + j, r] = Rf[h0 + j if HR > 1 else 0, r] + gamma * acc[j]


@njit(cache=True, fastmath=_FM)
def _matvec_8_streams(M, x, out):  # pragma: no cover - compiled
    """``out = M @ x`` for C-contiguous ``M`` (n, T), reading eight distant rows at a time.

    Rows ``i, i + q, ..., i + 7q`` (``q = n // 8``) are accumulated together, so the
    loop keeps eight sequential read streams in flight; the ``n - 8q`` remaining rows
    follow one at a time. ``fastmath`` re-association vectorises each row's dot product.
    On the benchmark machine (one thread) this read P 4-5% faster than BLAS dgemv, both at
    (S*A, S) = (20000, 2000) (13.5 vs 12.8-13.0 GB/s, memory-bound) and at (4000, 500)
    (cache-resident); six to sixteen streams measured within 2% of eight.
    """
    n, T = M.shape
    q = n // 8
    for i in range(q):
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        a4 = 0.0
        a5 = 0.0
        a6 = 0.0
        a7 = 0.0
        for t in range(T):
            v = x[t]
            a0 += M[i, t] * v
            a1 += M[i + q, t] * v
            a2 += M[i + 2 * q, t] * v
            a3 += M[i + 3 * q, t] * v
            a4 += M[i + 4 * q, t] * v
            a5 += M[i + 5 * q, t] * v
            a6 += M[i + 6 * q, t] * v
            a7 += M[i + 7 * q, t] * v
        out[i] = a0
        out[i + q] = a1
        out[i + 2 * q] = a2
        out[i + 3 * q] = a3
        out[i + 4 * q] = a4
        out[i + 5 * q] = a5
        out[i + 6 * q] = a6
        out[i + 7 * q] = a7
    for r in range(8 * q, n):
        acc = 0.0
        for t in range(T):
            acc += M[r, t] * x[t]
        out[r] = acc


@njit(cache=True)
def backward_dense(P3, R3, H, V, Q, pol, gamma=1.0):  # pragma: no cover - compiled
    """Dense backward induction, all H steps in one compiled loop; fills ``V`` (H, S),
    ``Q`` (H, S, A) and ``pol`` (H, S).

    ``P3`` (HP, S*A, S), C-contiguous, HP in {1, H} (a free reshape of (S, A, S) or
    (H, S, A, S)); ``R3`` (HR, S, A). Per step ``PV = P_h V_{h+1}``
    (:func:`_matvec_8_streams`), ``Q_h = R_h + PV`` and a branch-free running maximum
    (first maximiser kept). Q is stored as it goes: it is S times smaller than the P read
    per step.
    """
    HP = P3.shape[0]
    HR, S, A = R3.shape
    Vn = np.zeros(S)
    PV = np.empty(S * A)
    for h in range(H - 1, -1, -1):
        _matvec_8_streams(P3[h if HP > 1 else 0], Vn, PV)
        Rh = R3[h if HR > 1 else 0]
        Qh = Q[h]
        Vh = V[h]
        ph = pol[h]
        for s in range(S):
            best = -np.inf
            bi = 0
            for a in range(A):
                q = Rh[s, a] + gamma * PV[s * A + a]
                Qh[s, a] = q
                take = (q > best) | (a == 0)
                best = q if take else best
                bi = a if take else bi
            Vh[s] = best
            ph[s] = bi
        Vn = Vh


# --------------------------------------------------------------------------- evaluation
@njit(cache=True, fastmath=_FM)
def eval_dense(P4, R3, W, H, V, gamma=1.0):  # pragma: no cover - compiled
    """Exact finite-horizon value of the policy with weights W (HW, S, A); fills V (H, S)."""
    HP, S, A, _ = P4.shape
    HR = R3.shape[0]
    HW = W.shape[0]
    zeros = np.zeros(S)
    for h in range(H - 1, -1, -1):
        hp = h if HP > 1 else 0
        hr = h if HR > 1 else 0
        hw = h if HW > 1 else 0
        Vn = zeros if h == H - 1 else V[h + 1]
        for s in range(S):
            tot = 0.0
            for a in range(A):
                w = W[hw, s, a]
                if w == 0.0:
                    continue
                row = P4[hp, s, a]
                acc = 0.0
                for t in range(S):
                    acc += row[t] * Vn[t]
                tot += w * (R3[hr, s, a] + gamma * acc)
            V[h, s] = tot


@njit(cache=True, fastmath=_FM)
def eval_csr(indptr, indices, data, R3, W, H, S, A, V, gamma=1.0):  # pragma: no cover - compiled
    """CSR twin of :func:`eval_dense` (indices read unsigned, as in :func:`backward_csr`)."""
    HR = R3.shape[0]
    HW = W.shape[0]
    zeros = np.zeros(S)
    for h in range(H - 1, -1, -1):
        hr = h if HR > 1 else 0
        hw = h if HW > 1 else 0
        Vn = zeros if h == H - 1 else V[h + 1]
        for s in range(S):
            tot = 0.0
            for a in range(A):
                w = W[hw, s, a]
                if w == 0.0:
                    continue
                row = s * A + a
                acc = 0.0
                for k in range(np.uint64(indptr[row]), np.uint64(indptr[row + 1])):
                    acc += data[k] * Vn[np.uint64(indices[k])]
                tot += w * (R3[hr, s, a] + gamma * acc)
            V[h, s] = tot


# ---------------------------------------------------------------------------- occupancy
@njit(cache=True, fastmath=_FM)
def occ_dense(P4, W, mu, H, D, gamma=1.0):  # pragma: no cover - compiled
    """Occupancy d_h(s, a) of the policy W (HW, S, A) from mu; fills D (H, S, A)."""
    HP, S, A, _ = P4.shape
    HW = W.shape[0]
    rho = mu.copy()
    nxt = np.empty(S)
    for h in range(H):
        hw = h if HW > 1 else 0
        hp = h if HP > 1 else 0
        for s in range(S):
            for a in range(A):
                D[h, s, a] = rho[s] * W[hw, s, a]
        if h == H - 1:
            break
        nxt[:] = 0.0
        for s in range(S):
            for a in range(A):
                d = gamma * D[h, s, a]
                if d == 0.0:
                    continue
                row = P4[hp, s, a]
                for t in range(S):
                    nxt[t] += d * row[t]
        rho[:] = nxt


@njit(cache=True, fastmath=_FM)
def occ_csr(indptr, indices, data, W, mu, H, S, A, D, gamma=1.0):  # pragma: no cover - compiled
    """CSR twin of :func:`occ_dense` (indices read unsigned, as in :func:`backward_csr`)."""
    HW = W.shape[0]
    rho = mu.copy()
    nxt = np.empty(S)
    for h in range(H):
        hw = h if HW > 1 else 0
        for s in range(S):
            for a in range(A):
                D[h, s, a] = rho[s] * W[hw, s, a]
        if h == H - 1:
            break
        nxt[:] = 0.0
        for s in range(S):
            for a in range(A):
                d = gamma * D[h, s, a]
                if d == 0.0:
                    continue
                row = s * A + a
                for k in range(np.uint64(indptr[row]), np.uint64(indptr[row + 1])):
                    nxt[np.uint64(indices[k])] += d * data[k]
        rho[:] = nxt


# ------------------------------------------------------------------- numpy references
def _step_ops(P, H, S, A):
    """Return ``matvec(h, V) -> (S, A)`` and ``rmatvec(h, d (S, A)) -> (S,)`` for P.

    ``P`` is dense (S, A, S) / (H, S, A, S) or a scipy.sparse CSR (S*A, S).
    """
    if hasattr(P, "tocsr"):
        Pt = P.T.tocsr()
        return (lambda h, V: (P @ V).reshape(S, A), lambda h, d: Pt @ d.reshape(S * A))
    P4 = P.reshape((-1, S * A, S))
    step = P4.shape[0] > 1
    return (
        lambda h, V: (P4[h if step else 0] @ V).reshape(S, A),
        lambda h, d: d.reshape(S * A) @ P4[h if step else 0],
    )


def backward_numpy(P, R, H, gamma=1.0):
    """Numpy/BLAS (or scipy.sparse) backward induction: returns V (H, S), Q (H, S, A), pol (H, S).

    ``P`` dense (S, A, S) / (H, S, A, S) or CSR (S*A, S); ``R`` (S, A) or (H, S, A).
    """
    R3 = R.reshape((-1,) + R.shape[-2:])
    S, A = R3.shape[1:]
    mv, _ = _step_ops(P, H, S, A)
    V = np.empty((H, S))
    Q = np.empty((H, S, A))
    pol = np.empty((H, S), dtype=np.int64)
    Vn = np.zeros(S)
    for h in range(H - 1, -1, -1):
        Q[h] = R3[h if R3.shape[0] > 1 else 0] + gamma * mv(h, Vn)
        pol[h] = Q[h].argmax(axis=1)
        V[h] = Q[h].max(axis=1)
        Vn = V[h]
    return V, Q, pol


def eval_numpy(P, R, W, H, gamma=1.0):
    """Numpy twin of :func:`eval_dense` / :func:`eval_csr`: V (H, S) of weights W (HW, S, A)."""
    R3 = R.reshape((-1,) + R.shape[-2:])
    S, A = R3.shape[1:]
    mv, _ = _step_ops(P, H, S, A)
    V = np.empty((H, S))
    Vn = np.zeros(S)
    for h in range(H - 1, -1, -1):
        Qh = R3[h if R3.shape[0] > 1 else 0] + gamma * mv(h, Vn)
        V[h] = (W[h if W.shape[0] > 1 else 0] * Qh).sum(axis=1)
        Vn = V[h]
    return V


def occ_numpy(P, W, mu, H, gamma=1.0):
    """Numpy twin of :func:`occ_dense` / :func:`occ_csr`: D (H, S, A)."""
    S, A = W.shape[1:]
    _, rmv = _step_ops(P, H, S, A)
    D = np.empty((H, S, A))
    rho = np.array(mu, dtype=np.float64)
    for h in range(H):
        D[h] = rho[:, None] * W[h if W.shape[0] > 1 else 0]
        if h < H - 1:
            rho = rmv(h, gamma * D[h])
    return D


# --------------------------------------------------------------------------- oracle of a run
@njit(cache=True)
def onehot_weights(pi, A, W):  # pragma: no cover - compiled
    """Fill W (H, S, A) with the one-hot weights of the deterministic policy pi (H, S)."""
    H, S = pi.shape
    for h in range(H):
        for s in range(S):
            for a in range(A):
                W[h, s, a] = 0.0
            W[h, s, pi[h, s]] = 1.0


@njit(cache=True)
def start_value_dense(P4, R3, W, mu, V):  # pragma: no cover - compiled
    """Exact ``sum_s mu(s) V^W_0(s)`` by :func:`eval_dense` (the one finite-horizon
    evaluator), for the fast paths' regret; V (H, S) is scratch."""
    H = V.shape[0]
    eval_dense(P4, R3, W, H, V)
    t = 0.0
    for s in range(mu.shape[0]):
        t += mu[s] * V[0, s]
    return t

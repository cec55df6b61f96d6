r"""Finite-horizon numba kernels and the numpy references they are tested against.

Every kernel here has a numpy twin (``*_numpy``) computing the same quantity with
vectorised numpy/BLAS (dense) or ``scipy.sparse`` (CSR) operations; the tests in
``tests/test_solvers_finite_horizon.py`` check each pair agrees to 1e-10 and the
benchmarks use the twins as the speed reference.

Array conventions (all kernels)
-------------------------------
* Dense transitions are passed as ``P4``, shape ``(HP, S, A, S)`` with ``HP = 1``
  (stationary, a free reshape of an (S, A, S) array) or ``HP = H`` (step-dependent).
* CSR transitions are ``indptr (S*A+1,)``, ``indices (nnz,)`` and ``data (nnz,)`` (the
  evaluation/occupancy kernels), or the scipy CSR matrix itself (:func:`backward_matvec`);
  row ``s*A + a`` is P(. | s, a) (stationary only, as in :class:`TabularMDP`).
* Rewards are ``R3``, shape ``(HR, S, A)`` with ``HR in {1, H}``; policies are action
  weights ``W``, shape ``(HW, S, A)`` with ``HW in {1, H}`` (a deterministic policy is
  passed one-hot; zero weights are skipped, so a one-hot policy costs one row of P per
  state, like a deterministic kernel).
* Step ``h = 0`` is the first step; the value after the last step is 0.

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
* Serial ``@njit(cache=True)``; ``fastmath`` is limited to re-association and contraction
  (``{"reassoc", "contract"}``) so that the inner dot products vectorise; no
  finite-math assumptions (inputs are validated finite by the model anyway). Results
  therefore differ from the numpy twins by rounding only (tested to 1e-10).
* CSR backward induction is split: per step scipy computes ``PV = P @ V_{h+1}`` (public
  ``scipy.sparse`` product on the model's CSR arrays) and the numba
  :func:`backward_epilogue` writes ``Q_h = R_h + PV``, ``V_h`` and ``pi_h`` in one pass over
  (s, a); the loop over the H steps is Python (:func:`backward_matvec`). A fused numba CSR
  kernel was slower: its gather loop costs ~2 ns per stored entry against ~1 ns for
  scipy's ``csr_matvec`` on the same arrays, which left it level with the numpy twin
  (0.8-1.16x); the split version measured 1.76x the twin at S = 1e4 and 1e5 (A = 4, 5
  successors, H = 100; 25 ms vs 44 ms, 0.43 s vs 0.76 s; benchmarks/RESULTS.md, Findings
  1). Its V, Q and policy equal the numpy twin's exactly (same product, same additions,
  same first-max rule).
* Dense backward induction is split the same way (:func:`backward_matvec` with the free
  (S*A, S) reshape of each step's P, so the product is BLAS dgemv). A fused numba dense
  kernel (four actions per pass over next states) was replaced: on a bandwidth-bound
  product it measured 0.89-1.10x the numpy twin across benchmark runs, 0.94x at
  (S, A) = (2000, 10), H = 100 (2.64 s against 2.48 s, process CPU time, one thread), while
  dgemv + epilogue took 2.40 s (1.03x) there and 0.061 s against 0.063 s at (500, 8):
  the same product as the twin, with a cheaper single-pass epilogue.
* Ties in the argmax keep the first maximising action in both kernel and twin; because
  the summation order differs, near-ties (within rounding) may be broken differently, so
  tests compare policies through their Q-values, not index by index.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "backward_matvec", "backward_epilogue", "eval_dense", "eval_csr",
    "occ_dense", "occ_csr",
    "backward_numpy", "eval_numpy", "occ_numpy",
]

_FM = {"reassoc", "contract"}


# ----------------------------------------------------------------------------- backward
@njit(cache=True)
def backward_epilogue(PV, R, Q, V, pol):  # pragma: no cover - compiled
    """One CSR backward step after scipy's product ``PV = P @ V_{h+1}`` (S*A,).

    ``R`` (S, A) is ``R_h``; fills ``Q[s, a] = R[s, a] + PV[s*A + a]`` (S, A),
    ``V[s] = max_a Q[s, a]`` (S,) and ``pol[s]`` = the first maximising action (S,).
    No ``fastmath``: ``Q`` equals numpy's ``R + PV.reshape(S, A)`` bit for bit.
    """
    S = R.shape[0]
    A = R.shape[1]
    for s in range(S):
        row = s * A
        best = R[s, 0] + PV[row]
        Q[s, 0] = best
        bi = 0
        for a in range(1, A):
            q = R[s, a] + PV[row + a]
            Q[s, a] = q
            if q > best:
                best = q
                bi = a
        V[s] = best
        pol[s] = bi


def backward_matvec(P_steps, R3, H, V, Q, pol):
    """Backward induction with one library product per step; fills V (H, S), Q (H, S, A),
    pol (H, S).

    ``P_steps`` is a sequence of HP in {1, H} operators of shape (S*A, S) whose row
    ``s*A + a`` is P_h(. | s, a): the model's scipy CSR matrix, or a free reshape of the
    dense (S, A, S) slice (then the product is BLAS dgemv). ``R3`` (HR, S, A). A Python loop
    over the H steps: per step one product ``P_h @ V[h+1]`` and one
    :func:`backward_epilogue` call (module docstring, Decisions).
    """
    HP = len(P_steps)
    HR = R3.shape[0]
    Vn = np.zeros(V.shape[1])
    for h in range(H - 1, -1, -1):
        PV = P_steps[h if HP > 1 else 0] @ Vn
        backward_epilogue(PV, R3[h if HR > 1 else 0], Q[h], V[h], pol[h])
        Vn = V[h]


# --------------------------------------------------------------------------- evaluation
@njit(cache=True, fastmath=_FM)
def eval_dense(P4, R3, W, H, V):  # pragma: no cover - compiled
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
                tot += w * (R3[hr, s, a] + acc)
            V[h, s] = tot


@njit(cache=True, fastmath=_FM)
def eval_csr(indptr, indices, data, R3, W, H, S, A, V):  # pragma: no cover - compiled
    """CSR twin of :func:`eval_dense`."""
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
                for k in range(indptr[row], indptr[row + 1]):
                    acc += data[k] * Vn[indices[k]]
                tot += w * (R3[hr, s, a] + acc)
            V[h, s] = tot


# ---------------------------------------------------------------------------- occupancy
@njit(cache=True, fastmath=_FM)
def occ_dense(P4, W, mu, H, D):  # pragma: no cover - compiled
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
                d = D[h, s, a]
                if d == 0.0:
                    continue
                row = P4[hp, s, a]
                for t in range(S):
                    nxt[t] += d * row[t]
        rho[:] = nxt


@njit(cache=True, fastmath=_FM)
def occ_csr(indptr, indices, data, W, mu, H, S, A, D):  # pragma: no cover - compiled
    """CSR twin of :func:`occ_dense`."""
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
                d = D[h, s, a]
                if d == 0.0:
                    continue
                row = s * A + a
                for k in range(indptr[row], indptr[row + 1]):
                    nxt[indices[k]] += d * data[k]
        rho[:] = nxt


# ------------------------------------------------------------------- numpy references
def _step_ops(P, H, S, A):
    """Return ``matvec(h, V) -> (S, A)`` and ``rmatvec(h, d (S, A)) -> (S,)`` for P.

    ``P`` is dense (S, A, S) / (H, S, A, S) or a scipy.sparse CSR (S*A, S).
    """
    if hasattr(P, "tocsr"):
        Pt = P.T.tocsr()
        return (lambda h, V: (P @ V).reshape(S, A),
                lambda h, d: Pt @ d.reshape(S * A))
    P4 = P.reshape((-1, S * A, S))
    step = P4.shape[0] > 1
    return (lambda h, V: (P4[h if step else 0] @ V).reshape(S, A),
            lambda h, d: d.reshape(S * A) @ P4[h if step else 0])


def backward_numpy(P, R, H):
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
        Q[h] = R3[h if R3.shape[0] > 1 else 0] + mv(h, Vn)
        pol[h] = Q[h].argmax(axis=1)
        V[h] = Q[h].max(axis=1)
        Vn = V[h]
    return V, Q, pol


def eval_numpy(P, R, W, H):
    """Numpy twin of :func:`eval_dense` / :func:`eval_csr`: V (H, S) of weights W (HW, S, A)."""
    R3 = R.reshape((-1,) + R.shape[-2:])
    S, A = R3.shape[1:]
    mv, _ = _step_ops(P, H, S, A)
    V = np.empty((H, S))
    Vn = np.zeros(S)
    for h in range(H - 1, -1, -1):
        Qh = R3[h if R3.shape[0] > 1 else 0] + mv(h, Vn)
        V[h] = (W[h if W.shape[0] > 1 else 0] * Qh).sum(axis=1)
        Vn = V[h]
    return V


def occ_numpy(P, W, mu, H):
    """Numpy twin of :func:`occ_dense` / :func:`occ_csr`: D (H, S, A)."""
    S, A = W.shape[1:]
    _, rmv = _step_ops(P, H, S, A)
    D = np.empty((H, S, A))
    rho = np.array(mu, dtype=np.float64)
    for h in range(H):
        D[h] = rho[:, None] * W[h if W.shape[0] > 1 else 0]
        if h < H - 1:
            rho = rmv(h, D[h])
    return D

r"""Finite-horizon exact planning: backward induction, policy evaluation, occupancy measures.

Setting (``TabularMDP(..., horizon=H)``): steps ``h = 0, ..., H-1`` (step 0 first),
transitions ``P_h`` (stationary (S, A, S), step-dependent (H, S, A, S) or CSR (S*A, S)),
rewards ``R_h`` ((S, A) stationary or (H, S, A)); no discount, or a discount ``gamma`` in
[0, 1] when the model has both ``gamma`` and ``horizon`` (pymdptoolbox's
``FiniteHorizon(P, R, discount, N)``): every formula below then reads
:math:`Q_h = R_h + \gamma P_h V_{h+1}`, and the occupancy carries the weight
:math:`\gamma^h` (:math:`d_{h+1} = \gamma P_h^\top d_h`), so that
:math:`\mu^\top V^\pi_0 = \sum_h \langle R_h, d_h\rangle` still holds. The kernels take
the discount as their last argument (1.0 otherwise, an exact no-op).

Maths (Puterman 1994, ch. 4, "Finite-horizon Markov decision processes")
-----------------------------------------------------------------------
Backward induction (Puterman 1994, section 4.5; optimality by Thm 4.5.1):

.. math::
    V_H \equiv 0,\quad Q_h(s,a) = R_h(s,a) + \sum_{s'} P_h(s'|s,a)\,V_{h+1}(s'),\quad
    V_h(s) = \max_a Q_h(s,a),\quad \pi_h(s) \in \arg\max_a Q_h(s,a).

It is exact: ``bound = 0.0``, ``converged = True``, ``n_iter = H`` (one sweep per step).
Policy evaluation replaces the max by the policy average (Puterman 1994, section 4.2), and
the occupancy measure :math:`d_h(s,a) = \Pr^\pi_\mu(s_h = s, a_h = a)` is propagated
forward from ``mu``; each ``d_h`` is a distribution and the family satisfies the flow
constraints :math:`\sum_a d_{h+1}(s',a) = \sum_{s,a} P_h(s'|s,a) d_h(s,a)`, and
:math:`\mu^\top V^\pi_0 = \sum_h \langle R_h, d_h\rangle`.

Decisions
---------
* Numba kernels (``_finite_horizon_kernels``), serial, one kernel per storage (dense, CSR) covering
  stationary and step-dependent P and R (a stationary array is passed with a leading axis
  of length 1, no copy). Deterministic policies are passed to the evaluation/occupancy
  kernels one-hot; zero weights are skipped so that costs the same as a dedicated kernel.
* Two engines: the numba kernels and their numpy twins (one BLAS / scipy.sparse product
  per step). ``engine="auto"`` (default) takes numpy for models with at most
  ``SMALL_NNZ = 65,536`` stored transition entries (``mdp.nnz``; the same threshold as
  value iteration): a fresh process spends ~1 s initialising numba even to load a cached
  kernel, more than numpy needs at that size. Both engines are tested against each other.
* Backward induction with the numba engine runs all H steps in one compiled call:
  dense models use a numba product reading eight rows of P at a time and store Q as they
  go; CSR models use a fused gather over int32 copies of the index arrays (when
  nnz < 2^31) and store V and the policy only (``_finite_horizon_kernels`` Decisions).
* ``Q`` of a CSR solve is computed on first access of ``result.Q`` by default (about the
  cost of one more solve; ``SolveResult`` docs): storing it during the solve made the
  solve 25% to over 100% slower at S = 1e5 (320 MB of fresh pages at H = 100; the cost of
  fresh pages varies a lot on the benchmark machine) and raised its peak
  memory from ~200 MB to ~530 MB, for an array most callers never read. The deferred
  values equal what the solve computes, bit for bit. ``eager_q=True`` stores Q during the
  solve, for callers who will read it.
* The evaluation and occupancy CSR kernels get int32 copies of ``indptr``/``indices`` when
  nnz < 2^31 (the model keeps int64): the sweep is memory-bound and re-reads the structure
  H times.
* Ties: the first maximising action (as ``numpy.argmax``).
* ``Q`` (H, S, A) is always available, as the result contract requires; for very large
  models it dominates memory (H*S*A*8 bytes), hence the deferred computation on CSR.
* ``tol`` and ``max_iter`` are accepted for the common solver signature and ignored
  (backward induction is exact and takes exactly H sweeps); ``max_iter < H`` is refused
  rather than silently ignored, because the method cannot stop early.
"""

from __future__ import annotations

import numpy as np

from . import _finite_horizon_kernels as K
from ._mask import respects_action_mask
from ._policy import as_policy
from .result import SolveResult

__all__ = [
    "backward_induction",
    "evaluate_finite",
    "occupancy_finite",
    "q_from_v_finite",
    "SMALL_NNZ",
]

SMALL_NNZ = 65_536
_ENGINES = ("auto", "numba", "numpy")

provenance = (
    "Textbook backward induction (Puterman 1994, sec. 4.5); numba kernels tested against "
    "numpy/BLAS twins and against the finite-horizon occupancy LP and brute force."
)


def _check_fh(mdp, fn: str):
    from ..models.tabular import TabularMDP

    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
    if not mdp.is_finite_horizon:
        raise ValueError(f"{fn} needs a finite-horizon mdp (horizon=H); this mdp is discounted")


def _gamma(mdp) -> float:
    """Discount of a discounted finite-horizon model (``gamma`` with ``horizon``), else 1."""
    return 1.0 if mdp.gamma is None else float(mdp.gamma)


def _R3(mdp) -> np.ndarray:
    R = np.ascontiguousarray(mdp.R, dtype=np.float64)
    return R if R.ndim == 3 else R.reshape((1,) + R.shape)


def _P4(mdp) -> np.ndarray:
    P = np.ascontiguousarray(mdp.P, dtype=np.float64)
    return P if P.ndim == 4 else P.reshape((1,) + P.shape)


def _csr(mdp):
    """CSR arrays for the kernels; int32 index arrays when they fit (less memory traffic
    per sweep: the H sweeps re-read the whole structure, the one-off cast reads it once)."""
    P = mdp.P
    itype = np.int32 if max(P.nnz, P.shape[1]) < 2**31 - 1 else np.int64
    return (
        P.indptr.astype(itype),
        P.indices.astype(itype),
        np.ascontiguousarray(P.data, dtype=np.float64),
    )


def _engine(mdp, engine) -> str:
    if engine not in _ENGINES:
        raise ValueError(f"engine must be one of {list(_ENGINES)}, got {engine!r}")
    if engine == "auto":
        return "numpy" if mdp.nnz <= SMALL_NNZ else "numba"
    return engine


def _weights(mdp, policy, name="policy") -> np.ndarray:
    """Validated policy as action weights (HW, S, A), HW = 1 for stationary input."""
    kind, arr = as_policy(mdp, policy, name)
    if arr.ndim >= 2 and arr.strides[0] == 0:  # stationary input broadcast over steps
        arr = arr[:1]
    if kind == "deterministic":
        W = np.zeros(arr.shape + (mdp.A,))
        np.put_along_axis(W, arr[..., None], 1.0, axis=-1)
        return W
    return np.array(arr, dtype=np.float64, order="C")  # fresh writable copy: one numba signature


def _deferred_q(mdp, csr, V):
    """Zero-argument callable computing the CSR numba engine's Q-values on demand
    (:func:`~mdpkit.solvers._finite_horizon_kernels.q_values_csr`: one pass over P, and exactly the
    additions that produced ``V``, so ``Q[h, s, policy[h, s]] == V[h, s]``)."""

    def compute_q() -> np.ndarray:
        Q = np.empty((mdp.H, mdp.S, mdp.A))
        K.q_values_csr(*csr, _R3(mdp), V, Q, _gamma(mdp))
        return Q

    return compute_q


@respects_action_mask
def backward_induction(mdp, *, tol=None, max_iter=None, **options) -> SolveResult:
    """Backward induction for a finite-horizon :class:`~mdpkit.TabularMDP`.

    Parameters
    ----------
    mdp : TabularMDP
        Finite horizon (``horizon=H``); P dense (S, A, S), (H, S, A, S) or CSR (S*A, S);
        R (S, A) or (H, S, A).
    tol : float, optional
        Ignored (the method is exact); accepted for the common solver signature.
    max_iter : int, optional
        Must be ``None`` or ``>= H``: the method always performs exactly H sweeps.
    **options
        ``engine`` : {"auto", "numba", "numpy"}, default "auto" -- "numpy" runs the
        numpy/BLAS (scipy.sparse for CSR) twin; "auto" picks numpy when
        ``mdp.nnz <= SMALL_NNZ`` (module docstring).
        ``eager_q`` : bool, default False -- numba engine on a CSR model: store Q during
        the solve instead of computing it on first access of ``result.Q``. Storing costs
        H*S*A*8 bytes and 25% to over 100% more solve time at S = 1e5 (module docstring);
        computing it afterwards costs about one more solve. Take True when Q will be read. Other engines and dense models always
        store Q.

    Returns
    -------
    SolveResult
        ``V`` (H, S) with ``V[0]`` the first step, ``Q`` (H, S, A), ``policy`` (H, S) int64,
        ``converged=True``, ``n_iter=H``, ``method="backward"``, ``bound=0.0``. With the
        numba engine on a CSR model, ``Q`` is computed on its first access (module
        docstring); ``result.q_computed`` tells whether it has been.

    References
    ----------
    Puterman, M. L. (1994). Markov Decision Processes, section 4.5.
    """
    _check_fh(mdp, "backward induction")
    engine = _engine(mdp, options.pop("engine", "auto"))
    eager_q = options.pop("eager_q", False)
    if not isinstance(eager_q, (bool, np.bool_)):
        raise TypeError(f"eager_q must be a bool, got {type(eager_q).__name__}")
    if options:
        raise TypeError(f"backward_induction got unknown options {sorted(options)}")
    H, S, A = mdp.H, mdp.S, mdp.A
    if max_iter is not None and (isinstance(max_iter, bool) or int(max_iter) < H):
        raise ValueError(
            f"max_iter={max_iter} < H={H}: backward induction always takes exactly H sweeps"
        )
    if engine == "numpy":
        V, Q, pol = K.backward_numpy(mdp.P, mdp.R, H, _gamma(mdp))
    elif mdp.is_sparse:
        V = np.empty((H, S))
        pol = np.empty((H, S), dtype=np.int64)
        csr = _csr(mdp)
        if eager_q:
            Q = np.empty((H, S, A))
            K.backward_csr(*csr, _R3(mdp), H, V, pol, Q, True, _gamma(mdp))
        else:
            K.backward_csr(*csr, _R3(mdp), H, V, pol, np.empty((1, 0, 0)), False, _gamma(mdp))
            Q = _deferred_q(mdp, csr, V)
    else:  # free (HP, S*A, S) view: the per-step product is BLAS dgemv
        V = np.empty((H, S))
        Q = np.empty((H, S, A))
        pol = np.empty((H, S), dtype=np.int64)
        P4 = _P4(mdp)
        K.backward_dense(P4.reshape(P4.shape[0], S * A, S), _R3(mdp), H, V, Q, pol, _gamma(mdp))
    return SolveResult(
        V=V,
        Q=Q,
        policy=pol,
        converged=True,
        n_iter=H,
        method="backward",
        bound=0.0,
        extras={"engine": engine},
    )


def evaluate_finite(mdp, policy, *, engine="auto") -> np.ndarray:
    """Exact value of a policy in a finite-horizon MDP.

    Parameters
    ----------
    mdp : TabularMDP
        Finite horizon.
    policy : ndarray
        Deterministic int (H, S) or stationary (S,); stochastic float (H, S, A) or
        stationary (S, A) (rows sum to 1).
    engine : {"auto", "numba", "numpy"}
        As in :func:`backward_induction`.

    Returns
    -------
    V : ndarray, shape (H, S)
        ``V[h, s]`` = expected reward collected from step h to H-1 starting at s.
    """
    _check_fh(mdp, "evaluate_finite")
    engine = _engine(mdp, engine)
    W = _weights(mdp, policy)
    H, S, A = mdp.H, mdp.S, mdp.A
    if engine == "numpy":
        return K.eval_numpy(mdp.P, mdp.R, W, H, _gamma(mdp))
    V = np.empty((H, S))
    if mdp.is_sparse:
        indptr, indices, data = _csr(mdp)
        K.eval_csr(indptr, indices, data, _R3(mdp), W, H, S, A, V, _gamma(mdp))
    else:
        K.eval_dense(_P4(mdp), _R3(mdp), W, H, V, _gamma(mdp))
    return V


def occupancy_finite(mdp, policy, mu=None, *, engine="auto") -> np.ndarray:
    """State-action occupancy measure of a policy in a finite-horizon MDP.

    Parameters
    ----------
    mdp : TabularMDP
        Finite horizon.
    policy : ndarray
        As in :func:`evaluate_finite`.
    mu : ndarray, shape (S,), optional
        Initial distribution; ``mdp.mu`` by default.
    engine : {"auto", "numba", "numpy"}
        As in :func:`backward_induction`.

    Returns
    -------
    d : ndarray, shape (H, S, A)
        ``d[h, s, a] = Pr(s_h = s, a_h = a)`` with ``s_0 ~ mu``; each ``d[h]`` sums to 1.
    """
    _check_fh(mdp, "occupancy_finite")
    engine = _engine(mdp, engine)
    W = _weights(mdp, policy)
    H, S, A = mdp.H, mdp.S, mdp.A
    if mu is None:
        mu = mdp.mu
    else:
        mu = np.asarray(mu, dtype=np.float64)
        if (
            mu.shape != (S,)
            or not np.all(np.isfinite(mu))
            or (mu < 0).any()
            or abs(mu.sum() - 1) > 1e-10
        ):
            raise ValueError(f"mu must be a distribution of shape ({S},)")
    mu = np.array(mu, dtype=np.float64, order="C")  # writable copy: one numba signature
    if engine == "numpy":
        return K.occ_numpy(mdp.P, W, mu, H, _gamma(mdp))
    D = np.empty((H, S, A))
    if mdp.is_sparse:
        indptr, indices, data = _csr(mdp)
        K.occ_csr(indptr, indices, data, W, mu, H, S, A, D, _gamma(mdp))
    else:
        K.occ_dense(_P4(mdp), W, mu, H, D, _gamma(mdp))
    return D


def q_from_v_finite(mdp, V) -> np.ndarray:
    """``Q[h] = R_h + P_h V[h+1]`` (with ``V[H] = 0``) for V of shape (H, S); returns (H, S, A)."""
    _check_fh(mdp, "q_from_v_finite")
    H, S, A = mdp.H, mdp.S, mdp.A
    V = np.asarray(V, dtype=np.float64)
    if V.shape != (H, S):
        raise ValueError(f"V must have shape (H, S) = ({H}, {S}), got {V.shape}")
    Vn = np.vstack([V[1:], np.zeros((1, S))])
    Q = np.empty((H, S, A))
    if mdp.is_sparse:
        PV = mdp.P @ Vn.T  # (S*A, H)
        Q[:] = PV.T.reshape(H, S, A)
    elif mdp.step_dependent_P:
        Q[:] = np.einsum("hsat,ht->hsa", mdp.P, Vn)
    else:
        Q[:] = (mdp.P.reshape(S * A, S) @ Vn.T).T.reshape(H, S, A)
    if mdp.gamma is not None:  # discounted finite horizon
        Q *= float(mdp.gamma)
    Q += mdp.R if mdp.R.ndim == 3 else mdp.R[None]
    return Q

r"""Exact finite MDPs: :class:`TabularMDP`.

A :class:`TabularMDP` is data only: transition kernel, rewards, initial distribution and
either a discount factor (discounted, infinite horizon) or a horizon (finite horizon).
It never imports a solver.

Settings
--------
Discounted:  :math:`V^\pi(s) = \mathbb E^\pi[\sum_{t\ge0} \gamma^t R(s_t, a_t) \mid s_0 = s]`,
``gamma`` in [0, 1).

Finite horizon: :math:`V^\pi_h(s) = \mathbb E^\pi[\sum_{t=h}^{H-1} R_t(s_t, a_t) \mid s_h = s]`
for ``h = 0, ..., H-1`` (step 0 first), ``horizon`` H >= 1.

Array conventions
-----------------
``P[s, a, s']`` dense, shape (S, A, S); step-dependent ``P[h, s, a, s']``, shape
(H, S, A, S) (finite horizon only); sparse: a ``scipy.sparse`` CSR matrix of shape
(S*A, S) whose row ``s*A + a`` is P(. | s, a). ``R[s, a]`` shape (S, A), or ``R[h, s, a]``
shape (H, S, A) (finite horizon only). ``mu`` shape (S,), default uniform.

Decisions
---------
* Rows must sum to one within ``ROW_SUM_ATOL = 1e-10`` (absolute); they are not
  renormalised: a model is taken as given or refused.
* Step-dependent rewards (H, S, A) are accepted with a stationary P too (the issue only
  requires them with a step-dependent P; allowing both costs nothing).
* Sparse input is validated on its non-zeros only (never densified); duplicate entries are
  summed (``sum_duplicates``) and explicit zeros kept, on a private copy.
* A model cannot change after validation. With ``copy=True`` (default) every stored
  array is a copy held in an immutable ``bytes`` buffer and exposed as a read-only view
  of it: ``setflags(write=True)`` fails on the view and on every base below it, so the
  solvers (compiled kernels included) always read what was validated. A sparse ``P`` is
  kept private: ``mdp.P`` returns a new CSR wrapper around the same read-only arrays on
  each access, so rebinding ``mdp.P.data`` (or ``resize``) changes only that wrapper.
  ``copy.copy``/``copy.deepcopy`` return the model itself (nothing in it can change);
  pickling rebuilds the model through the validating constructor.
* Mostly-zero dense P. A stationary dense ``P`` (S, A, S) given as a float64 C-ordered
  array of at least ``DENSE_NUMBA_MIN_SIZE`` entries, with at most ``DENSITY_MAX`` (10%)
  non-zeros, is checked and copied to CSR in one compiled pass (no dense copy is made).
  The model stays dense for its users (``is_sparse`` is False, ``P`` is the (S, A, S)
  array): with ``copy=True`` that array is rebuilt from the CSR copy on the first access
  of ``P`` and kept; with ``copy=False`` it is the caller's array, as for any dense model.
  Solvers read the CSR copy (:attr:`TabularMDP.csr_twin`) when they choose sparse kernels,
  so a large mostly-zero model is solved without ever materialising the dense copy.
  ``-0.0`` entries come back as ``0.0`` (equal under ``==``).
* Input refused rather than converted: complex numbers (the imaginary part would be
  dropped), object arrays holding anything but real numbers (numeric strings included),
  masked arrays with masked entries (the mask would be ignored), sparse index arrays
  that are not integers, ``horizon`` above ``MAX_HORIZON`` (2**31 - 1).
"""

from __future__ import annotations

import copy
import numbers
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["TabularMDP", "ROW_SUM_ATOL", "MAX_HORIZON"]

ROW_SUM_ATOL = 1e-10
#: largest accepted horizon: tables of H+1 rows must stay indexable and allocatable
MAX_HORIZON = 2**31 - 1
#: Dense P with at least this many entries is pre-checked by a compiled one-pass kernel
#: (``_validate.py``); smaller ones stay in numpy, so building them never imports numba.
DENSE_NUMBA_MIN_SIZE = 65_536
#: A stationary dense P of at least ``DENSE_NUMBA_MIN_SIZE`` entries with at most this
#: fraction of non-zeros is stored as CSR (its "CSR twin", :attr:`TabularMDP.csr_twin`);
#: the dense array is rebuilt from it on first access of ``P`` (module docstring).
DENSITY_MAX = 0.1
#: rows read to estimate the density of a dense P before a full pass
SAMPLE_ROWS = 64


def density_estimate(P2: np.ndarray) -> float:
    """Fraction of non-zeros in ``SAMPLE_ROWS`` evenly spaced rows of ``P2`` (n, S)."""
    n = P2.shape[0]
    rows = np.unique(np.linspace(0, n - 1, min(n, SAMPLE_ROWS)).astype(np.int64))
    return float(np.count_nonzero(P2[rows])) / float(rows.size * P2.shape[1])


def _csr_twin_of(P: np.ndarray, S: int, A: int) -> sp.csr_matrix | None:
    """CSR (S*A, S) copy of the float64 C-ordered ``P`` (S, A, S) when every row passes the
    compiled check and at most ``DENSITY_MAX`` of its entries are non-zero (one pass over
    ``P``; frozen arrays); None otherwise (the caller validates and keeps it dense)."""
    n = S * A
    P2 = P.reshape(n, S)
    if density_estimate(P2) > 1.5 * DENSITY_MAX:  # a visibly dense P pays no pass at all
        return None
    from ._validate import check_rows_to_csr  # numba: large models only

    capacity = int(DENSITY_MAX * P2.size)
    indptr = np.empty(n + 1, dtype=np.int64)
    indices = np.empty(capacity, dtype=np.int64)  # untouched pages are never allocated
    data = np.empty(capacity, dtype=np.float64)
    nnz = check_rows_to_csr(P2, ROW_SUM_ATOL, indptr, indices, data)
    if nnz < 0:  # a suspect row (numpy words the error) or too many non-zeros
        return None
    P_csr = sp.csr_matrix((n, S), dtype=np.float64)
    P_csr.data = _frozen_copy(data[:nnz])
    P_csr.indices = _frozen_copy(indices[:nnz])
    P_csr.indptr = _frozen_copy(indptr)
    return P_csr


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _frozen_copy(a: np.ndarray) -> np.ndarray:
    """Read-only C-ordered copy of ``a`` whose memory is an immutable ``bytes`` object.

    Neither the returned view nor its base can be made writeable again
    (``setflags(write=True)`` raises ValueError all the way down)."""
    return np.frombuffer(np.ascontiguousarray(a).tobytes(), dtype=a.dtype).reshape(a.shape)


def _frozen_empty(shape, dtype=np.float64):
    """``(frozen, fill)``: ``frozen`` a read-only array over a new, uninitialised ``bytes``
    object (as :func:`_frozen_copy` builds) and ``fill`` a writeable array over the same
    memory, to be written once and then dropped (the C-API pattern
    ``PyBytes_FromStringAndSize(NULL, n)`` then fill; the bytes object is not hashed or
    shared before it is filled). Lets a compiled pass copy *and* check a large P into its
    final frozen buffer in one sweep over memory. ``(None, None)`` where unavailable."""
    import ctypes

    n = int(np.prod(shape)) * np.dtype(dtype).itemsize
    try:
        make = ctypes.pythonapi.PyBytes_FromStringAndSize
        make.restype = ctypes.py_object
        make.argtypes = (ctypes.c_void_p, ctypes.c_ssize_t)
        buf = make(None, n)
    except (AttributeError, OSError):  # pragma: no cover - not CPython
        return None, None
    frozen = np.frombuffer(buf, dtype=dtype).reshape(shape)
    raw = (ctypes.c_char * n).from_address(frozen.ctypes.data)
    fill = np.frombuffer(raw, dtype=dtype).reshape(shape)
    return frozen, fill


def _frozen_view(a: np.ndarray) -> np.ndarray:
    """``a`` (C-contiguous) made read-only in place and exposed through a read-only buffer
    (no copy): the returned array cannot be made writeable; ``a`` belongs to the caller."""
    a.setflags(write=False)
    return np.frombuffer(memoryview(a), dtype=a.dtype).reshape(a.shape)


def _final(a: np.ndarray) -> np.ndarray:
    """The array a validated model stores: ``a`` if it is a frozen copy already, else
    (ownership mode) the caller's array frozen in place and seen through a read-only buffer."""
    return a if _is_frozen(a) else _frozen_view(a)


def _is_frozen(a) -> bool:
    """True for arrays built by :func:`_frozen_copy` (their memory is a bytes object)."""
    base = a
    while isinstance(base, np.ndarray):
        if base.flags.writeable:
            return False
        base = base.base
    return isinstance(base, bytes)


def check_real_array(x: Any, name: str) -> np.ndarray:
    """``np.asarray(x)`` checked to hold real numbers only (no conversion yet).

    Refuses complex input, object arrays holding anything but real numbers (strings such
    as ``"0.5"`` included), masked arrays with masked entries and sparse matrices, with a
    ``TypeError``/``ValueError`` naming ``name``."""
    if sp.issparse(x):
        raise TypeError(f"{name} must be a dense array here, got a scipy.sparse matrix")
    if isinstance(x, np.ma.MaskedArray):
        if np.ma.is_masked(x):
            raise ValueError(
                f"{name} is a masked array with masked entries; the mask would "
                f"be ignored: pass {name}.filled(value) or a plain array"
            )
        x = np.ma.getdata(x)
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be array-like of real numbers, got {type(x).__name__}")
    try:
        arr0 = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be array-like of real numbers: {exc}") from None
    # dtype checked before casting: numpy would silently drop imaginary parts of complex
    # input (a ComplexWarning only) and parse numeric strings
    if arr0.dtype.kind == "O":
        for i, v in enumerate(arr0.flat):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
                idx = np.unravel_index(i, arr0.shape) if arr0.ndim else ()
                raise TypeError(
                    f"{name}{_fmt_index(tuple(int(j) for j in idx)) if arr0.ndim else ''} "
                    f"is {v!r} of type {type(v).__name__}; {name} must hold real numbers"
                )
    elif arr0.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr0.dtype}")
    return arr0


def as_real_array(x: Any, name: str, shape: tuple | None = None, finite: bool = True) -> np.ndarray:
    """A new float64 array from ``x``, refused with an error naming ``name`` unless it
    holds real numbers only (see :func:`check_real_array`), has ``shape`` (when given) and,
    with ``finite``, no NaN/inf entries. For solver arguments such as ``V0``, ``x0``, ``V``."""
    arr0 = check_real_array(x, name)
    try:
        arr = np.array(arr0, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"{name} must be array-like of real numbers: {exc}") from None
    if shape is not None and arr.shape != tuple(shape):
        want = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if finite:
        bad = ~np.isfinite(arr)
        if bad.any():
            idx = _first_index(bad) if arr.ndim else ()
            raise ValueError(
                f"{name}{_fmt_index(idx) if arr.ndim else ''} is {float(arr[idx])}, must be finite"
            )
    return arr


def _as_float_array(x: Any, name: str, copy: bool = True) -> np.ndarray:
    """float64 C-ordered read-only array: a frozen private copy (``copy=True``), or, in the
    ownership mode, the caller's float64 C-contiguous array frozen in place."""
    if (
        not copy
        and isinstance(x, np.ndarray)
        and type(x) is np.ndarray
        and x.dtype == np.float64
        and x.flags.c_contiguous
    ):
        return x  # ownership mode: frozen in place by _final() once validated
    arr0 = check_real_array(x, name)
    try:
        arr = np.asarray(arr0, dtype=np.float64, order="C")
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"{name} must be array-like of real numbers: {exc}") from None
    return _frozen_copy(arr)


def _finite_nonneg(a: np.ndarray) -> bool:
    """True when every entry is finite and >= 0: one min and one max pass, no temporaries
    (NaN propagates through min/max); the detailed, allocating search runs only on failure."""
    if a.size == 0:
        return True
    lo, hi = a.min(), a.max()
    return bool(np.isfinite(lo) and np.isfinite(hi) and lo >= 0)


def _dense_rows_prefiltered(P_arr: np.ndarray) -> bool:
    """True when a large dense P passes the compiled one-pass row check (then the numpy
    checks are skipped); False means "run the numpy checks", which decide and word the
    error. Rows are summed sequentially there and pairwise in numpy: the two verdicts can
    differ only for a row within ~S * 1e-16 of the 1e-10 tolerance."""
    if P_arr.size < DENSE_NUMBA_MIN_SIZE:
        return False
    from ._validate import rows_look_valid  # imports numba: large models only

    return rows_look_valid(P_arr, ROW_SUM_ATOL)


def _first_index(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _fmt_index(idx: tuple[int, ...], trailing_colon: bool = False) -> str:
    body = ", ".join(str(i) for i in idx)
    return f"[{body}, :]" if trailing_colon else f"[{body}]"


class TabularMDP:
    """An exact finite MDP, discounted or finite-horizon, dense or sparse. Immutable.

    Parameters
    ----------
    P : ndarray, shape (S, A, S) or (H, S, A, S); or scipy.sparse CSR, shape (S*A, S)
        Transition probabilities. ``P[s, a, s']`` = Pr(s' | s, a); the step-dependent form
        ``P[h, s, a, s']`` needs ``horizon=H``; sparse row ``s*A + a`` is P(. | s, a)
        (A is then read from ``R``).
    R : ndarray, shape (S, A) or (H, S, A)
        Expected rewards. The (H, S, A) form needs ``horizon=H``.
    gamma : float in [0, 1), keyword-only
        Discount factor (discounted setting). With ``horizon`` too: a discounted
        finite-horizon model, ``gamma`` in [0, 1] (pymdptoolbox's
        ``FiniteHorizon(P, R, discount, N)``): ``V_h = E[sum_{t=h}^{H-1} gamma^(t-h) R_t]``.
    horizon : int >= 1, keyword-only
        Horizon H (finite-horizon setting).
    criterion : {"discounted", "finite", "average", "total"}, optional, keyword-only
        Optimality criterion. "discounted" is implied by ``gamma`` and "finite" by
        ``horizon`` (passing them explicitly is allowed and checked). "average" (long-run
        average reward per step) and "total" (undiscounted total reward until a terminal
        state: a stochastic shortest path) take neither ``gamma`` nor ``horizon`` and need
        stationary P and R.
    terminal : array of int (state indices) or bool (S,), keyword-only
        Terminal states of a "total" model (required there, refused elsewhere): each must
        be absorbing (``P[t, a, t] = 1``) with ``R[t, a] = 0`` for every action. That the
        optimal total reward is finite is checked by the solvers
        (:func:`mdpkit.solvers.total.check_ssp`).
    action_mask : bool array, shape (S, A) or (H, S, A), optional, keyword-only
        Available actions: ``action_mask[s, a]`` False makes a unavailable in s (any
        criterion, dense, step-dependent or sparse P). A finite-horizon model with dense P
        may give one mask per step, ``action_mask[h, s, a]``. Every state needs an available
        action. The P row and R entry of an unavailable pair must still be valid (e.g. a
        self-loop with reward 0); no solver, evaluation or occupancy ever uses them, and a
        policy that uses such a pair is a ValueError. An all-True mask is stored as None.
    mu : ndarray, shape (S,), optional
        Initial-state distribution; uniform by default.
    validate : bool, default True
        Check every condition listed below. ``validate=False`` only skips the O(nnz)
        value checks (finite, non-negative, rows sum to 1); shapes are always checked.
    copy : bool, default True
        Store private read-only copies of dense ``P`` and ``R``. ``copy=False`` is the
        ownership mode for large dense models (a 320 MB ``P`` costs ~0.5-0.9 s to copy on
        fresh memory): a float64 C-contiguous ``P``/``R`` is kept as is and **made
        read-only in place**; the caller must not write to it (or to an array it is a
        view of) afterwards. Input of another dtype or layout is still converted (which
        copies). Sparse ``P`` is always copied once (its index arrays are converted to int64).

    Raises
    ------
    TypeError
        Non-numeric input, a sparse matrix that is not convertible to CSR.
    ValueError
        Wrong or inconsistent shapes; NaN/inf entries; negative probabilities; a row of P
        not summing to 1 within 1e-10 (the message names the first such (h, s, a));
        gamma outside [0, 1); horizon < 1 or not an integer; both or neither of
        gamma/horizon; mu not a distribution.

    Attributes
    ----------
    S, A : int
        Numbers of states and actions.
    H : int or None
        Horizon (finite-horizon models), else None.
    gamma : float or None
    is_sparse, is_discounted, is_finite_horizon, step_dependent_P, step_dependent_R : bool

    Examples
    --------
    >>> import numpy as np
    >>> P = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])
    >>> R = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> mdp = TabularMDP(P, R, gamma=0.9)
    >>> mdp.S, mdp.A, mdp.is_discounted
    (2, 2, True)
    """

    __slots__ = (
        "_P",
        "_R",
        "_gamma",
        "_horizon",
        "_mu",
        "_S",
        "_A",
        "_criterion",
        "_terminal",
        "_action_mask",
        "_P_csr",
    )

    def __init__(
        self,
        P,
        R,
        *,
        gamma=None,
        horizon=None,
        mu=None,
        validate: bool = True,
        copy: bool = True,
        criterion=None,
        terminal=None,
        action_mask=None,
    ):
        if not isinstance(validate, (bool, np.bool_)):
            raise TypeError(f"validate must be a bool, got {type(validate).__name__}")
        if not isinstance(copy, (bool, np.bool_)):
            raise TypeError(f"copy must be a bool, got {type(copy).__name__}")
        criterion = _check_criterion(criterion, gamma, horizon)
        if criterion not in ("average", "total"):
            gamma, horizon = self._check_gamma_horizon(gamma, horizon)
        R_arr = _as_float_array(R, "R", copy)
        if R_arr.ndim not in (2, 3):
            raise ValueError(f"R must have shape (S, A) or (H, S, A), got shape {R_arr.shape}")
        if R_arr.ndim == 3:
            if horizon is None:
                raise ValueError("R with shape (H, S, A) needs horizon=H (finite-horizon model)")
            if R_arr.shape[0] != horizon:
                raise ValueError(f"R has {R_arr.shape[0]} steps on axis 0 but horizon={horizon}")
        S_R, A = R_arr.shape[-2], R_arr.shape[-1]
        if S_R < 1 or A < 1:
            raise ValueError(
                f"R must have at least one state and one action, got shape {R_arr.shape}"
            )
        P_csr = None
        if sp.issparse(P):
            P_obj = self._check_sparse_P(P, S_R, A, validate)
        else:
            P_obj, P_csr = self._check_dense_P(P, S_R, A, horizon, validate, copy)
        if validate:
            bad = ~np.isfinite(R_arr)
            if bad.any():
                idx = _first_index(bad)
                raise ValueError(
                    f"R{_fmt_index(idx)} is {float(R_arr[idx])}, rewards must be finite"
                )
        set_ = object.__setattr__  # the model is frozen: __setattr__ refuses afterwards
        set_(self, "_P", P_obj)
        set_(self, "_P_csr", P_csr)
        set_(self, "_R", _final(R_arr))
        set_(self, "_gamma", gamma)
        set_(self, "_horizon", horizon)
        set_(self, "_criterion", criterion)
        set_(
            self,
            "_terminal",
            _check_terminal(terminal, criterion, P_obj if P_csr is None else P_csr, R_arr, S_R, A),
        )
        set_(
            self,
            "_action_mask",
            _check_action_mask(action_mask, S_R, A, horizon, sp.issparse(P_obj)),
        )
        set_(self, "_S", S_R)
        set_(self, "_A", A)
        set_(self, "_mu", self._check_mu(mu, S_R))

    # ------------------------------------------------------------------ checks
    @staticmethod
    def _check_gamma_horizon(gamma, horizon):
        if gamma is None and horizon is None:
            raise ValueError(
                "give exactly one of gamma (discounted model) or horizon (finite-horizon model); got neither"
            )
        if gamma is not None and horizon is not None:  # discounted finite horizon
            if isinstance(gamma, (bool, np.bool_)) or not isinstance(gamma, numbers.Real):
                raise TypeError(f"gamma must be a real number, got {type(gamma).__name__}")
            if not (0.0 <= float(gamma) <= 1.0):
                raise ValueError(
                    f"gamma must lie in [0, 1] for a discounted finite-horizon "
                    f"model (gamma and horizon together), got {float(gamma)}"
                )
            _, horizon = TabularMDP._check_gamma_horizon(None, horizon)
            return float(gamma), horizon
        if gamma is not None:
            if isinstance(gamma, (bool, np.bool_)) or not isinstance(gamma, numbers.Real):
                raise TypeError(f"gamma must be a real number, got {type(gamma).__name__}")
            gamma = float(gamma)
            if not (0.0 <= gamma < 1.0):
                raise ValueError(
                    f"gamma must lie in [0, 1) for a discounted model, got {gamma}; "
                    "for an undiscounted finite-horizon model pass horizon=H instead"
                )
        if horizon is not None:
            if isinstance(horizon, (bool, np.bool_)) or not isinstance(horizon, numbers.Integral):
                raise TypeError(f"horizon must be an integer, got {type(horizon).__name__}")
            horizon = int(horizon)
            if horizon < 1:
                raise ValueError(f"horizon must be >= 1, got {horizon}")
            if horizon > MAX_HORIZON:
                raise ValueError(f"horizon must be <= {MAX_HORIZON} (MAX_HORIZON), got {horizon}")
        return gamma, horizon

    @staticmethod
    def _check_dense_P(P, S, A, horizon, validate, copy=True):
        """``(P_arr, P_csr)``: the validated dense P (None when ``copy`` and the model is
        stored as its CSR twin ``P_csr``; ``P_csr`` is None for a model kept dense)."""
        if (
            validate
            and type(P) is np.ndarray
            and P.dtype == np.float64
            and P.flags.c_contiguous
            and P.shape == (S, A, S)
            and P.size >= DENSE_NUMBA_MIN_SIZE
        ):
            P_csr = _csr_twin_of(P, S, A)
            if P_csr is not None:
                return (None if copy else _final(P)), P_csr
        return TabularMDP._check_dense_array(P, S, A, horizon, validate, copy), None

    @staticmethod
    def _check_dense_array(P, S, A, horizon, validate, copy=True):
        rows_ok = None  # verdict of a compiled row pre-check; None when none has run
        P_arr = None
        if (
            copy
            and validate
            and type(P) is np.ndarray
            and P.dtype == np.float64
            and P.flags.c_contiguous
            and P.ndim in (3, 4)
            and P.shape[-1] > 0
            and P.size >= DENSE_NUMBA_MIN_SIZE
        ):
            # large float64 input: copy into the frozen buffer and pre-check the rows in
            # one compiled pass (half the memory traffic of copy-then-check)
            P_arr, fill = _frozen_empty(P.shape)
            if P_arr is not None:
                from ._validate import copy_rows_into

                rows_ok = copy_rows_into(P, fill, ROW_SUM_ATOL)
                del fill
        if P_arr is None:
            P_arr = _as_float_array(P, "P", copy)
        if P_arr.ndim == 3:
            expected = (S, A, S)
        elif P_arr.ndim == 4:
            if horizon is None:
                raise ValueError("P with shape (H, S, A, S) needs horizon=H (finite-horizon model)")
            expected = (horizon, S, A, S)
        else:
            raise ValueError(
                f"P must have shape (S, A, S) or (H, S, A, S) (or be CSR of shape (S*A, S)), got shape {P_arr.shape}"
            )
        if P_arr.shape != expected:
            raise ValueError(
                f"P has shape {P_arr.shape} but R implies {expected} (S={S}, A={A}"
                + (f", H={horizon})" if P_arr.ndim == 4 else ")")
            )
        if validate and rows_ok is None:
            rows_ok = _dense_rows_prefiltered(P_arr)
        if validate and not rows_ok:  # numpy decides and words the error
            if not _finite_nonneg(P_arr):
                bad = ~np.isfinite(P_arr)
                if bad.any():
                    idx = _first_index(bad)
                    raise ValueError(
                        f"P{_fmt_index(idx)} is {float(P_arr[idx])}, probabilities must be finite"
                    )
                neg = P_arr < 0
                idx = _first_index(neg)
                raise ValueError(f"P{_fmt_index(idx)} = {float(P_arr[idx])!r} is negative")
            sums = P_arr.sum(axis=-1)
            off = np.abs(sums - 1.0) > ROW_SUM_ATOL
            if off.any():
                idx = _first_index(off)
                raise ValueError(
                    f"P{_fmt_index(idx, trailing_colon=True)} sums to {float(sums[idx])!r}, "
                    f"not 1 (tolerance {ROW_SUM_ATOL})"
                )
        return _final(P_arr)

    @staticmethod
    def _check_sparse_P(P, S, A, validate):
        if P.ndim != 2:
            raise ValueError(f"sparse P must be 2-D of shape (S*A, S), got ndim {P.ndim}")
        if P.shape != (S * A, S):
            raise ValueError(
                f"sparse P has shape {P.shape} but R implies (S*A, S) = ({S * A}, {S}) with S={S}, A={A}"
            )
        if P.dtype.kind not in "fiub":
            raise TypeError(f"P must hold real numbers, got sparse dtype {P.dtype}")
        for attr in ("indices", "indptr", "row", "col", "offsets"):
            arr = getattr(P, attr, None)
            if isinstance(arr, np.ndarray) and arr.dtype.kind not in "iu":
                raise TypeError(
                    f"sparse P has {attr} of dtype {arr.dtype}; CSR indices must be "
                    "integers (fractional indices would be truncated)"
                )
        try:
            src = P if P.format == "csr" else P.tocsr()
        except (TypeError, ValueError) as exc:
            raise TypeError(f"P could not be converted to CSR: {exc}") from None
        # One private copy of each array, straight to float64 / int64 (the scipy constructor
        # would downcast int64 indices to int32 and force a second copy back).
        # (each copy goes straight into a frozen bytes buffer: one copy per array)
        data = _frozen_copy(np.asarray(src.data, dtype=np.float64))
        indices = _frozen_copy(np.asarray(src.indices, dtype=np.int64))
        indptr = _frozen_copy(np.asarray(src.indptr, dtype=np.int64))
        n_rows = S * A
        if (
            indptr.shape != (n_rows + 1,)
            or indptr[0] != 0
            or indptr[-1] != data.size
            or indices.size != data.size
        ):
            raise ValueError("sparse P has an inconsistent CSR structure (indptr/indices/data)")
        if data.size:
            if (indptr[1:] < indptr[:-1]).any():
                raise ValueError("sparse P has a decreasing CSR indptr")
            if indices.min() < 0 or indices.max() >= S:
                raise ValueError(f"sparse P has a column index outside [0, {S})")
        P_csr = sp.csr_matrix((n_rows, S), dtype=np.float64)
        P_csr.data, P_csr.indices, P_csr.indptr = data, indices, indptr
        if not P_csr.has_canonical_format:  # O(nnz) check; sort/merge on writeable copies
            P_csr.data, P_csr.indices, P_csr.indptr = data.copy(), indices.copy(), indptr.copy()
            P_csr.sum_duplicates()
            P_csr.data = _frozen_copy(P_csr.data)
            P_csr.indices = _frozen_copy(P_csr.indices)
            P_csr.indptr = _frozen_copy(P_csr.indptr)
        data, indptr = P_csr.data, P_csr.indptr
        if validate:
            if not _finite_nonneg(data):
                bad = ~np.isfinite(data)
                if bad.any():
                    k = int(np.argmax(bad))
                    row = int(np.searchsorted(indptr, k, side="right") - 1)
                    s, a = divmod(row, A)
                    raise ValueError(
                        f"P[{s}, {a}, {int(P_csr.indices[k])}] (CSR row {row}) is {float(data[k])}, probabilities must be finite"
                    )
                neg = data < 0
                if neg.any():
                    k = int(np.argmax(neg))
                    row = int(np.searchsorted(indptr, k, side="right") - 1)
                    s, a = divmod(row, A)
                    raise ValueError(
                        f"P[{s}, {a}, {int(P_csr.indices[k])}] (CSR row {row}) = {float(data[k])!r} is negative"
                    )
            # row sums without densifying: reduceat over row starts (0 for empty rows)
            if data.size:
                starts = indptr[:-1]
                nonempty = indptr[1:] > starts
                if nonempty.all():
                    sums = np.add.reduceat(data, starts)
                else:
                    sums = np.zeros(n_rows)
                    sums[nonempty] = np.add.reduceat(data, starts[nonempty])
            else:
                sums = np.zeros(n_rows)
            off = np.abs(sums - 1.0) > ROW_SUM_ATOL
            if off.any():
                row = int(np.argmax(off))
                s, a = divmod(row, A)
                raise ValueError(
                    f"P[{s}, {a}, :] (CSR row {row}) sums to {float(sums[row])!r}, not 1 (tolerance {ROW_SUM_ATOL})"
                )
        return P_csr

    @staticmethod
    def _check_mu(mu, S):
        if mu is None:
            return _frozen_copy(np.full(S, 1.0 / S))
        mu_arr = _as_float_array(mu, "mu", copy=True)
        if mu_arr.shape != (S,):
            raise ValueError(f"mu must have shape (S,) = ({S},), got {mu_arr.shape}")
        bad = ~np.isfinite(mu_arr)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"mu[{i}] is {float(mu_arr[i])}, must be finite")
        if (mu_arr < 0).any():
            i = int(np.argmax(mu_arr < 0))
            raise ValueError(f"mu[{i}] = {float(mu_arr[i])!r} is negative")
        total = mu_arr.sum()
        if abs(total - 1.0) > ROW_SUM_ATOL:
            raise ValueError(f"mu sums to {float(total)!r}, not 1 (tolerance {ROW_SUM_ATOL})")
        return mu_arr

    # ------------------------------------------------------------- properties
    @property
    def P(self):
        """Transition kernel: read-only ndarray (S, A, S) / (H, S, A, S), or CSR (S*A, S).

        A sparse kernel is returned as a new CSR wrapper around the model's read-only
        arrays on each access (no copy of the data): rebinding its attributes changes only
        that wrapper, never the model."""
        if sp.issparse(self._P):
            return _csr_view(self._P)
        if self._P is None:
            return self._materialise()
        return self._P

    def _materialise(self) -> np.ndarray:
        """The dense (S, A, S) array of a model stored as its CSR twin, built once and kept
        (frozen, like every stored array)."""
        P = self._P
        if P is None:
            from ._validate import scatter_csr

            S, A = self._S, self._A
            P, fill = _frozen_empty((S, A, S))
            if P is None:  # pragma: no cover - not CPython
                P = _frozen_copy(self._P_csr.toarray().reshape(S, A, S))
            else:
                fill[...] = 0.0
                c = self._P_csr
                scatter_csr(c.indptr, c.indices, c.data, fill.reshape(S * A, S))
                del fill
            object.__setattr__(self, "_P", P)
        return P

    @property
    def csr_twin(self) -> sp.csr_matrix | None:
        """CSR (S*A, S) copy of a mostly-zero dense P made while validating it, or None.

        Set for stationary dense models of at least ``DENSE_NUMBA_MIN_SIZE`` entries with
        at most ``DENSITY_MAX`` non-zeros (module docstring); the solvers' automatic
        method uses it instead of converting P. A new wrapper around read-only arrays on
        each access. None for sparse models (``P`` is CSR already)."""
        return None if self._P_csr is None else _csr_view(self._P_csr)

    @property
    def R(self) -> np.ndarray:
        """Rewards, ndarray (S, A) or (H, S, A)."""
        return self._R

    @property
    def mu(self) -> np.ndarray:
        """Initial distribution, ndarray (S,)."""
        return self._mu

    @property
    def gamma(self) -> float | None:
        return self._gamma

    @property
    def horizon(self) -> int | None:
        return self._horizon

    H = horizon

    @property
    def S(self) -> int:
        return self._S

    @property
    def A(self) -> int:
        return self._A

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self._P)

    @property
    def is_discounted(self) -> bool:
        """True for the infinite-horizon discounted criterion (a discounted finite-horizon
        model, ``gamma`` and ``horizon`` together, is finite-horizon)."""
        return self._criterion == "discounted"

    @property
    def is_finite_horizon(self) -> bool:
        return self._horizon is not None

    @property
    def criterion(self) -> str:
        """ "discounted", "finite" or "average"."""
        return self._criterion

    @property
    def is_average(self) -> bool:
        return self._criterion == "average"

    @property
    def action_mask(self) -> np.ndarray | None:
        """Available actions, bool (S, A) read-only, or None when every action is available."""
        return self._action_mask

    @property
    def is_total(self) -> bool:
        return self._criterion == "total"

    @property
    def terminal(self) -> np.ndarray | None:
        """Sorted indices of the terminal states (int64, read-only), "total" models only."""
        return self._terminal

    @property
    def step_dependent_P(self) -> bool:
        return self._P_csr is None and (not self.is_sparse) and self._P.ndim == 4

    @property
    def step_dependent_R(self) -> bool:
        return self._R.ndim == 3

    @property
    def nnz(self) -> int:
        """Number of stored transition entries (S*A*S, or H*S*A*S, when dense)."""
        if self.is_sparse:
            return int(self._P.nnz)
        return self._S * self._A * self._S if self._P is None else int(self._P.size)

    # ----------------------------------------------------------------- access
    def P_at(self, h: int | None = None):
        """Transition kernel used at step ``h``: (S, A, S) dense or CSR (S*A, S)."""
        if self.step_dependent_P:
            if h is None:
                raise ValueError("this model has a step-dependent P: give the step h")
            return self._P[h]
        return self.P if self._P is None else self._P

    def R_at(self, h: int | None = None) -> np.ndarray:
        """Reward table used at step ``h``, shape (S, A)."""
        if self.step_dependent_R:
            if h is None:
                raise ValueError("this model has step-dependent rewards: give the step h")
            return self._R[h]
        return self._R

    def dense_P(self) -> np.ndarray:
        """P as a dense ndarray (S, A, S) or (H, S, A, S). Densifies a sparse model: O(S^2 A)."""
        if self.is_sparse:
            return self._P.toarray().reshape(self._S, self._A, self._S)
        return self.P

    def sparse_P(self) -> sp.csr_matrix:
        """P as CSR (S*A, S). Stationary models only."""
        if self.step_dependent_P:
            raise ValueError("sparse_P() needs a stationary P; this model's P is step-dependent")
        if self.is_sparse:
            return _csr_view(self._P)
        if self._P_csr is not None:
            return _csr_view(self._P_csr)
        return sp.csr_matrix(self._P.reshape(self._S * self._A, self._S))

    def replace(self, **changes) -> TabularMDP:
        """A new validated model with some of P, R, gamma, horizon, mu replaced.

        Switching setting needs both keys, e.g. ``replace(gamma=None, horizon=10)``.
        """
        unknown = set(changes) - {
            "P",
            "R",
            "gamma",
            "horizon",
            "mu",
            "criterion",
            "terminal",
            "action_mask",
        }
        if unknown:
            raise TypeError(f"replace() got unknown fields {sorted(unknown)}")
        fields = dict(P=self._P, R=self._R, gamma=self._gamma, horizon=self._horizon, mu=self._mu)
        if self._criterion in ("average", "total") or "criterion" in changes:
            fields["criterion"] = self._criterion
        if self._terminal is not None:
            fields["terminal"] = self._terminal
        if self._action_mask is not None:
            fields["action_mask"] = self._action_mask
        fields.update(changes)
        P = fields.pop("P")
        R = fields.pop("R")
        # arrays taken from this model are frozen float64 already; new ones are copied
        own = "P" not in changes and "R" not in changes
        if P is None:  # this model's P, stored as its CSR twin: keep it so
            return _dense_from_csr(self._P_csr, R, copy=not own, **fields)
        if sp.issparse(P) and "P" not in changes:
            P = _csr_view(P)
        return TabularMDP(P, R, copy=not own, **fields)

    def __repr__(self) -> str:
        kind = (
            f"gamma={self._gamma}"
            if self.is_discounted
            else (
                f"horizon={self._horizon}"
                if self.is_finite_horizon
                else f"criterion={self._criterion!r}"
            )
        )
        if self.is_finite_horizon and self._gamma is not None:
            kind += f", gamma={self._gamma}"
        storage = (
            f"sparse nnz={self.nnz}"
            if self.is_sparse
            else ("dense step-dependent" if self.step_dependent_P else "dense")
        )
        if self._P_csr is not None:
            storage += f", CSR twin nnz={self._P_csr.nnz}"
        return f"TabularMDP(S={self._S}, A={self._A}, {kind}, {storage})"

    def __eq__(self, other) -> bool:  # structural equality, for tests and converters
        if not isinstance(other, TabularMDP):
            return NotImplemented
        if (self.S, self.A, self.gamma, self.horizon, self.is_sparse, self._criterion) != (
            other.S,
            other.A,
            other.gamma,
            other.horizon,
            other.is_sparse,
            other._criterion,
        ):
            return False
        if self._terminal is not None and not np.array_equal(self._terminal, other._terminal):
            return False
        if (self._action_mask is None) != (other._action_mask is None) or (
            self._action_mask is not None
            and not np.array_equal(self._action_mask, other._action_mask)
        ):
            return False
        if self.is_sparse:
            P_eq = (self._P != other._P).nnz == 0
        elif self._P_csr is not None and other._P_csr is not None:
            P_eq = (self._P_csr != other._P_csr).nnz == 0
        else:
            P_eq = self.P.shape == other.P.shape and np.array_equal(self.P, other.P)
        return P_eq and np.array_equal(self._R, other._R) and np.array_equal(self._mu, other._mu)

    __hash__ = None  # arrays inside; equality is structural

    def __setattr__(self, name, value):
        raise AttributeError(
            f"TabularMDP is immutable (cannot set {name!r}); use .replace(...) for a modified copy"
        )

    def __delattr__(self, name):
        raise AttributeError(f"TabularMDP is immutable (cannot delete {name!r})")

    # nothing in a model can change: copies are the model itself
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        # rebuilt through the validating constructor: the arrays come back frozen; a model
        # with a CSR twin is pickled as its twin, not as the dense array
        twin = self._P_csr is not None
        rest = (self._gamma, self._horizon, self._mu, self._criterion)
        rest += (self._terminal, self._action_mask)
        return (
            _rebuild_dense_from_csr if twin else _rebuild,
            (self._P_csr if twin else self.P, self._R) + rest,
        )


def _rebuild(P, R, gamma, horizon, mu, criterion=None, terminal=None, action_mask=None):
    return TabularMDP(
        P,
        R,
        gamma=gamma,
        horizon=horizon,
        mu=mu,
        criterion=criterion,
        terminal=terminal,
        action_mask=action_mask,
    )


def _rebuild_dense_from_csr(P_csr, R, *args):
    """Unpickle a dense model stored as its CSR twin (arguments as :func:`_rebuild`)."""
    names = ("gamma", "horizon", "mu", "criterion", "terminal", "action_mask")
    return _dense_from_csr(P_csr, R, **dict(zip(names, args)))


def _dense_from_csr(P_csr, R, *, action_mask=None, **kwargs) -> TabularMDP:
    """A dense model stored as its CSR twin, built from CSR rows ``P_csr`` (S*A, S) without
    a dense array: validated as a sparse model (``kwargs`` as for :class:`TabularMDP`), then
    exposed as dense (``is_sparse`` False, ``P`` materialised on first access). Used by
    pickling, :meth:`TabularMDP.replace` and the generators' mostly-zero dense models."""
    model = TabularMDP(P_csr, R, **kwargs)
    S, A = model.S, model.A
    set_ = object.__setattr__
    set_(model, "_P_csr", model._P)
    set_(model, "_P", None)
    set_(model, "_action_mask", _check_action_mask(action_mask, S, A, model.horizon, False))
    return model


def _check_action_mask(mask, S, A, horizon=None, sparse=False):
    """Validated available-action mask (bool (S, A), or (H, S, A) for a finite-horizon model
    with dense P; read-only copy) or None (all True)."""
    if mask is None:
        return None
    m = np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"action_mask must be a bool array of shape (S, A), got dtype {m.dtype}")
    if m.ndim == 3:
        if horizon is None:
            raise ValueError(
                f"a step-dependent action_mask (shape {m.shape}) needs a "
                "finite-horizon model (horizon=H)"
            )
        if m.shape != (horizon, S, A):
            raise ValueError(
                f"action_mask must have shape (S, A) = ({S}, {A}) or (H, S, A) = "
                f"({horizon}, {S}, {A}), got {m.shape}"
            )
        if sparse:
            raise ValueError(
                "a step-dependent action_mask (H, S, A) needs a dense P (the "
                "masked model is solved with step-dependent transitions); pass "
                "P dense or a stationary (S, A) mask"
            )
    elif m.shape != (S, A):
        raise ValueError(f"action_mask must have shape (S, A) = ({S}, {A}), got {m.shape}")
    empty = ~m.any(axis=-1)
    if empty.any():
        idx = [int(i) for i in np.argwhere(empty)[0]]
        where, what = (
            (f"state {idx[1]} at step {idx[0]}", "(step, state) pair(s)")
            if m.ndim == 3
            else (f"state {idx[0]}", "state(s)")
        )
        raise ValueError(
            f"action_mask leaves {where} with no available action "
            f"({int(empty.sum())} such {what}); every state needs at least one"
        )
    if m.all():
        return None
    return _frozen_copy(m)


CRITERIA = ("discounted", "finite", "average", "total")


def _check_terminal(terminal, criterion, P, R, S, A):
    """Validated terminal states (sorted int64 indices, read-only) or None."""
    if criterion != "total":
        if terminal is not None:
            raise ValueError(
                f'terminal= is only for criterion="total" models, got criterion={criterion!r}'
            )
        return None
    if terminal is None:
        raise ValueError('criterion="total" needs terminal= (the absorbing terminal states)')
    t = np.asarray(terminal)
    if t.dtype == np.bool_:
        if t.shape != (S,):
            raise ValueError(
                f"terminal as a bool mask must have shape (S,) = ({S},), got {t.shape}"
            )
        idx = np.flatnonzero(t)
    elif t.dtype.kind in "iu" and t.ndim <= 1:
        idx = np.unique(t.reshape(-1)).astype(np.int64)
        if idx.size and (idx[0] < 0 or idx[-1] >= S):
            bad = idx[0] if idx[0] < 0 else idx[-1]
            raise ValueError(f"terminal state {int(bad)} is not a state in [0, S={S})")
    else:
        raise TypeError(
            f"terminal must be int state indices or a bool (S,) mask, got dtype "
            f"{t.dtype} with shape {t.shape}"
        )
    if idx.size == 0:
        raise ValueError('criterion="total" needs at least one terminal state')
    idx = idx.astype(np.int64)
    stay = _self_prob(P, idx, A)
    bad = np.flatnonzero(np.abs(stay - 1.0) > 1e-10)
    if bad.size:
        s, a = int(idx[bad[0] // A]), int(bad[0] % A)
        raise ValueError(
            f"terminal state {s} must be absorbing: P[{s}, {a}, {s}] = "
            f"{float(stay[bad[0]])!r}, expected 1"
        )
    Rt = R[idx]
    nz = np.argwhere(Rt != 0)
    if nz.size:
        s, a = int(idx[nz[0][0]]), int(nz[0][1])
        raise ValueError(
            f"terminal state {s} must pay no reward: R[{s}, {a}] = {float(Rt[tuple(nz[0])])!r}"
        )
    idx.setflags(write=False)
    return idx


def _self_prob(P, idx, A):
    """``P(t | t, a)`` for t in idx, a in range(A), flattened (t-major)."""
    rows = (idx[:, None] * A + np.arange(A)[None, :]).reshape(-1)
    cols = np.repeat(idx, A)
    if sp.issparse(P):
        return np.asarray(P[rows, cols]).ravel()
    return np.asarray(P).reshape(-1, P.shape[-1])[rows, cols]


def _check_criterion(criterion, gamma, horizon) -> str:
    """The model's criterion from the ``criterion`` keyword and ``gamma`` / ``horizon``."""
    if criterion is None:
        return "finite" if horizon is not None else "discounted"
    if not isinstance(criterion, str):
        raise TypeError(
            f"criterion must be a str, one of {list(CRITERIA)}, got {type(criterion).__name__}"
        )
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {list(CRITERIA)}, got {criterion!r}")
    if criterion in ("average", "total"):
        if gamma is not None or horizon is not None:
            raise ValueError(
                f'criterion="{criterion}" takes neither gamma nor horizon (it is '
                f"undiscounted and has no horizon), got gamma={gamma!r}, "
                f"horizon={horizon!r}"
            )
    elif criterion == "discounted" and gamma is None:
        raise ValueError('criterion="discounted" needs gamma in [0, 1)')
    elif criterion == "discounted" and horizon is not None:
        raise ValueError(
            'criterion="discounted" is infinite-horizon: drop horizon, or use '
            'criterion="finite" (gamma and horizon together: discounted finite horizon)'
        )
    elif criterion == "finite" and horizon is None:
        raise ValueError('criterion="finite" needs horizon=H')
    return criterion


def _csr_view(P: sp.csr_matrix) -> sp.csr_matrix:
    """A new CSR object sharing ``P``'s (read-only) arrays: rebinding its attributes does
    not touch ``P``."""
    out = copy.copy(P)
    return out

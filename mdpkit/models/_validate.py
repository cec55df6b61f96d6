"""Compiled pre-check of dense transition rows for :class:`mdpkit.TabularMDP`.

One pass per row accumulates the sum and a negativity flag (NaN or +-inf make the sum
non-finite, so they fail the sum test too). On the 320 MB (2000, 10, 2000) model this took
43 ms against 153 ms for the three numpy passes (min, max, row sums) it replaces
(benchmarks/RESULTS.md, "Exact solvers", findings). It is only a filter: when it reports a
row, the numpy checks in ``tabular.py`` run and produce the error message, so messages and
the first reported index do not depend on which path ran. Used from ``tabular.DENSE_NUMBA_MIN_SIZE``
entries on only: importing numba costs ~0.4 s, more than numpy needs on small models.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "first_suspect_row",
    "rows_look_valid",
    "copy_rows_look_valid",
    "copy_rows_into",
    "check_rows_to_csr",
    "scatter_csr",
]


@njit(cache=True)
def first_suspect_row(P2, atol):
    """Index of the first row of ``P2`` (shape (n_rows, S), C-contiguous) with a negative
    entry or a sum not within ``atol`` of 1 (NaN/inf included); -1 when every row passes."""
    n, m = P2.shape
    for i in range(n):
        s = 0.0
        neg = False
        for j in range(m):
            x = P2[i, j]
            s += x
            neg |= x < 0.0
        if neg or not (abs(s - 1.0) <= atol):
            return i
    return -1


def rows_look_valid(P_arr: np.ndarray, atol: float) -> bool:
    """True when every row of the dense ``P_arr`` (..., S) passes the compiled check."""
    return first_suspect_row(P_arr.reshape(-1, P_arr.shape[-1]), atol) < 0


@njit(cache=True)
def _copy_first_suspect_row(src, dst, atol):
    """As :func:`first_suspect_row`, copying ``src`` into ``dst`` (same shape) on the way:
    the check costs no extra pass over memory. Rows after a suspect one are copied too."""
    n, m = src.shape
    first = -1
    for i in range(n):
        s = 0.0
        neg = False
        for j in range(m):
            x = src[i, j]
            dst[i, j] = x
            s += x
            neg |= x < 0.0
        if first < 0 and (neg or not (abs(s - 1.0) <= atol)):
            first = i
    return first


def copy_rows_look_valid(P_arr: np.ndarray, atol: float) -> tuple[np.ndarray, bool]:
    """(C-ordered copy of the float64 C-contiguous ``P_arr``, whether every row passes)."""
    out = np.empty(P_arr.shape)
    m = P_arr.shape[-1]
    first = _copy_first_suspect_row(P_arr.reshape(-1, m), out.reshape(-1, m), atol)
    return out, first < 0


def copy_rows_into(P_arr: np.ndarray, out: np.ndarray, atol: float) -> bool:
    """Copy the float64 C-contiguous ``P_arr`` into ``out`` (same shape, C-contiguous,
    writeable) in one compiled pass; returns whether every row passes the check."""
    m = P_arr.shape[-1]
    return _copy_first_suspect_row(P_arr.reshape(-1, m), out.reshape(-1, m), atol) < 0


#: :func:`check_rows_to_csr` return codes besides the non-zero count
SUSPECT_ROW = -1
OVER_CAPACITY = -2


@njit(cache=True)
def check_rows_to_csr(P2, atol, indptr, indices, data):
    """Check the rows of ``P2`` (n, S) as :func:`first_suspect_row` does and copy their
    non-zeros into CSR arrays in the same pass over memory.

    ``indptr`` (n + 1,), ``indices`` and ``data`` (capacity,) are filled in place. Returns
    the number of non-zeros when every row passes and they fit; ``SUSPECT_ROW`` (-1) at the
    first row that fails the check; ``OVER_CAPACITY`` (-2) as soon as more than ``capacity``
    non-zeros are seen (the model is not mostly zero: the caller keeps it dense). ``-0.0``
    entries compare equal to zero and are not stored.

    The row check is the loop of :func:`first_suspect_row`, fused with the copy rather than
    shared: checking first and reading the row again for its non-zeros measured 0.33 s
    instead of 0.23 s on the 1.6 GB RiverSwim S = 10,000 array."""
    n, m = P2.shape
    cap = indices.shape[0]
    k = 0
    indptr[0] = 0
    for i in range(n):
        s = 0.0
        neg = False
        for j in range(m):
            x = P2[i, j]
            s += x
            neg |= x < 0.0
            if x != 0.0:
                if k == cap:
                    return OVER_CAPACITY
                indices[k] = j
                data[k] = x
                k += 1
        if neg or not (abs(s - 1.0) <= atol):
            return SUSPECT_ROW
        indptr[i + 1] = k
    return k


@njit(cache=True)
def scatter_csr(indptr, indices, data, out):
    """Write CSR rows into the zero-filled dense ``out`` (n, S): the inverse of
    :func:`check_rows_to_csr`."""
    for i in range(indptr.shape[0] - 1):
        for k in range(indptr[i], indptr[i + 1]):
            out[i, indices[k]] = data[k]

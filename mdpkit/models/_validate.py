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

__all__ = ["first_suspect_row", "rows_look_valid", "copy_rows_look_valid", "copy_rows_into"]


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

"""Compiled dense -> CSR conversion used by method "auto" (:mod:`mdpkit.solvers.auto`).

Two passes over the dense rows (count, then copy), no temporary of the dense size: scipy's
``csr_matrix(dense)`` builds boolean and index temporaries of P's size first.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["row_counts", "fill_csr"]


@njit(cache=True)
def row_counts(P2):
    """``indptr`` (n + 1,) of the CSR form of a dense (n, m) array (non-zeros per row)."""
    n, m = P2.shape
    counts = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        c = 0
        for j in range(m):
            if P2[i, j] != 0.0:
                c += 1
        counts[i + 1] = counts[i] + c
    return counts


@njit(cache=True)
def fill_csr(P2, indptr, indices, data):
    """Copy the non-zeros of ``P2`` into CSR ``indices``/``data`` (sorted columns)."""
    n, m = P2.shape
    for i in range(n):
        k = indptr[i]
        for j in range(m):
            v = P2[i, j]
            if v != 0.0:
                indices[k] = j
                data[k] = v
                k += 1

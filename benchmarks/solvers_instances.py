"""Instances of the solver benchmark (``bench_solvers.py``): raw arrays from fixed seeds, and the
benchmark's constants. Import after ``bench_solvers`` has set the thread environment."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import _harness as H
import numpy as np
import scipy.sparse as sp

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS_MD = os.path.join(HERE, "RESULTS.md")
SECTION = "## Exact solvers"
FINDINGS = "### Findings"  # hand-written subsection of SECTION, preserved by --write
TOL = 1e-6
HORIZON = 100


# =============================================================================== instances
@dataclass
class Instance:
    """Raw model data shared by every solver: P dense (S, A, S) or CSR (S*A, S), R (S, A)."""

    name: str
    kind: str  # "dense" | "sparse" | "riverswim"
    S: int
    A: int
    P: object
    R: np.ndarray
    seed: int | None = None
    gen_seconds: float = 0.0
    note: str = ""

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self.P)

    @property
    def P2d(self):
        """P as a 2-D (S*A, S) operator: a reshape view (dense) or the CSR matrix."""
        return self.P if self.is_sparse else self.P.reshape(self.S * self.A, self.S)

    @property
    def nbytes_P(self) -> int:
        return H.bytes_per_sweep(self.P)


def dense_instance(S: int, A: int, seed: int) -> Instance:
    """Dirichlet(1) rows (normalised standard exponentials), rewards U[0, 1)."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    P = rng.standard_exponential((S, A, S))
    P /= P.sum(axis=-1, keepdims=True)
    R = rng.random((S, A))
    return Instance(f"dense S={S} A={A}", "dense", S, A, P, R, seed, time.perf_counter() - t0)


def sparse_instance(S: int, A: int, k: int, seed: int) -> Instance:
    """k distinct uniformly drawn successors per (s, a), Dirichlet(1) weights, R U[0, 1).

    A scipy ``csr_matrix`` (S*A, S) with int64 indices and sorted column indices.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    n = S * A
    cols = np.sort(rng.integers(0, S, size=(n, k)), axis=1)
    while True:  # redraw the (few) rows with a repeated successor
        dup = (np.diff(cols, axis=1) == 0).any(axis=1)
        if not dup.any():
            break
        cols[dup] = np.sort(rng.integers(0, S, size=(int(dup.sum()), k)), axis=1)
    w = rng.standard_exponential((n, k))
    w /= w.sum(axis=1, keepdims=True)
    P = sp.csr_matrix((n, S), dtype=np.float64)
    # int64 indices as mdpkit stores them (the (data, indices, indptr) constructor would
    # downcast to int32), so that every solver reads the same bytes per sweep
    P.data = w.ravel()
    P.indices = cols.ravel().astype(np.int64)
    P.indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    P.has_sorted_indices = True
    R = rng.random((S, A))
    name = f"sparse S={S:.0e} A={A} k={k}".replace("e+0", "e")
    return Instance(name, "sparse", S, A, P, R, seed, time.perf_counter() - t0)


def riverswim_instance(S: int, sparse: bool) -> Instance:
    """RiverSwim from ``mdpkit.models.generators.riverswim`` (Osband et al. 2013 numbers)."""
    from mdpkit.models.generators import riverswim

    t0 = time.perf_counter()
    mdp = riverswim(S, gamma=0.9, sparse=sparse)
    P = mdp.P
    P = P.copy() if sp.issparse(P) else np.array(P)
    R = np.array(mdp.R)
    return Instance(
        f"riverswim S={S} {'CSR' if sparse else 'dense'}",
        "riverswim",
        S,
        mdp.A,
        P,
        R,
        None,
        time.perf_counter() - t0,
        note="mdpkit.models.generators.riverswim",
    )


def _wanted(args, name: str) -> bool:
    subs = [s for s in args.filter.split(",") if s]
    return not subs or any(s in name for s in subs)

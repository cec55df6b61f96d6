r"""Method ``"auto"`` of :func:`mdpkit.solve` (the default): storage and method chosen from the model.

The rule (measured in ``benchmarks/bench_auto.py``; numbers in ``benchmarks/RESULTS.md``,
"Automatic method"):

1. **Storage.** A dense stationary P (S, A, S) with at least ``SMALL_NNZ`` (65,536) entries
   whose fraction of non-zeros is at most ``DENSITY_MAX`` is solved with the CSR kernels
   on a CSR (S*A, S) copy (:func:`sparse_twin`). A validated model made that copy while it
   checked its rows (:attr:`~mdpkit.models.tabular.TabularMDP.csr_twin`; storage "csr
   (twin)": no pass over P here). Otherwise (a model built with ``validate=False``, or
   from input the constructor had to convert first) it is made here: one compiled pass
   counts the non-zeros of each row, a second copies them (storage "csr (converted)"). The fraction is first estimated on
   ``SAMPLE_ROWS`` evenly spaced rows, so a dense-looking model pays one small read, not a
   pass over P. Below ``SMALL_NNZ`` entries a dense sweep costs less than the conversion.
   Step-dependent P (H, S, A, S) is kept as given.
2. **Method by criterion.**

   * discounted: value iteration with the span certificate (:mod:`mdpkit.solvers.vi`).
     Models with at most ``SMALL_NNZ`` stored entries start on the numpy engine (no numba
     start-up); if ``NUMPY_SWEEPS`` sweeps did not reach ``tol`` (a slowly mixing chain or
     gamma close to 1), the solve continues from the last iterate with the compiled engine,
     whose sweeps cost a few microseconds instead of tens (the first switch in a fresh
     process loads numba's cached kernels once, ~0.5-1 s). Larger models use the compiled
     engine from the start. Policy iteration is not taken: on slowly mixing chains it
     needs about one improvement step per few states (338 exact solves on RiverSwim
     S = 1000), and MPI measured no faster than VI on the benchmark families.
   * finite horizon: backward induction; average reward: relative value iteration; total
     reward: policy iteration (the defaults of these settings), after step 1.

The returned :class:`~mdpkit.solvers.result.SolveResult` is that of the chosen method
(``method`` names it); ``extras["auto"]`` records the choice (``"storage"``: "csr
(twin)", "csr (converted)", "csr" or "dense"; ``"stages"``: the engines used, with their sweeps).
A converted model gives the same optimal policy and values as the dense one; V and Q differ
only by the summation order of the sweeps (rounding).

provenance: selection rule by measurement on this machine [D].
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from ..models.tabular import DENSITY_MAX as _MODEL_DENSITY_MAX
from ..models.tabular import SAMPLE_ROWS, density_estimate

__all__ = [
    "solve_auto",
    "sparse_twin",
    "density_estimate",
    "DENSITY_MAX",
    "SAMPLE_ROWS",
    "NUMPY_SWEEPS",
    "SMALL_NNZ",
]

#: convert a dense P to CSR when at most this fraction of its entries is non-zero (the
#: model's own threshold for keeping a CSR twin, :data:`mdpkit.models.tabular.DENSITY_MAX`)
DENSITY_MAX = _MODEL_DENSITY_MAX
#: sweeps on the numpy engine before a small model switches to the compiled one
NUMPY_SWEEPS = 64
#: dense P below this many entries is never converted; same threshold as the VI engine
SMALL_NNZ = 65_536

DEFAULT = {"finite": "backward", "average": "rvi", "total": "pi"}


def sparse_twin(mdp):
    """``(model, storage)``: a CSR copy of ``mdp`` when rule 1 of the module docstring says
    so (``storage`` "csr (twin)" or "csr (converted)"), else ``mdp`` itself (``"csr"`` or
    ``"dense"``)."""
    if mdp.is_sparse:
        return mdp, "csr"
    mask = mdp.action_mask
    if mdp.step_dependent_P or mdp.nnz < SMALL_NNZ or (mask is not None and mask.ndim == 3):
        return mdp, "dense"
    from ..models.tabular import TabularMDP
    from ._mask import setting_kwargs

    kw = dict(setting_kwargs(mdp), action_mask=mdp.action_mask)
    twin = mdp.csr_twin  # made while the model was validated: no pass over P here
    if twin is not None:
        return TabularMDP(twin, mdp.R, validate=False, **kw), "csr (twin)"
    S, A = mdp.S, mdp.A
    P2 = mdp.P.reshape(S * A, S)
    if density_estimate(P2) > 1.5 * DENSITY_MAX:
        return mdp, "dense"
    from ._dense_to_csr import fill_csr, row_counts  # numba: large models only

    indptr = row_counts(P2)
    nnz = int(indptr[-1])
    if nnz > DENSITY_MAX * P2.size:
        return mdp, "dense"
    indices = np.empty(nnz, dtype=np.int64)
    data = np.empty(nnz, dtype=np.float64)
    fill_csr(P2, indptr, indices, data)
    csr = sp.csr_matrix((data, indices, indptr), shape=(S * A, S))
    # the rows are those of a validated model, copied exactly: no second validation
    return TabularMDP(csr, mdp.R, validate=False, **kw), "csr (converted)"


def solve_auto(mdp, *, tol: float = 1e-6, max_iter: int | None = None, **options):
    """Method ``"auto"`` (module docstring). Options are passed to the chosen method."""
    import importlib

    from .api import METHODS, _check_mdp

    setting = _check_mdp(mdp)
    model, storage = sparse_twin(mdp)
    if setting != "discounted":
        key = {"finite_horizon": "finite"}.get(setting, setting)
        mod, name = METHODS[setting][DEFAULT[key]]
        res = getattr(importlib.import_module(mod), name)(
            model, tol=tol, max_iter=max_iter, **options
        )
        res.extras["auto"] = {"storage": storage, "stages": [(res.method, res.n_iter)]}
        return res
    from .vi import value_iteration

    if "engine" in options or model.nnz > SMALL_NNZ:
        res = value_iteration(model, tol=tol, max_iter=max_iter, **options)
        res.extras["auto"] = {"storage": storage, "stages": [(res.extras["engine"], res.n_iter)]}
        return res
    first = NUMPY_SWEEPS if max_iter is None else min(NUMPY_SWEEPS, max_iter)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = value_iteration(model, tol=tol, max_iter=first, engine="numpy", **options)
    if res.converged or res.extras["floor_hit"] or (max_iter is not None and max_iter <= first):
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        res.extras["auto"] = {"storage": storage, "stages": [("numpy", res.n_iter)]}
        return res
    rest = None if max_iter is None else max_iter - res.n_iter
    opts = {k: v for k, v in options.items() if k != "V0"}
    res2 = value_iteration(model, tol=tol, max_iter=rest, engine="numba", V0=res.V, **opts)
    res2.extras["auto"] = {
        "storage": storage,
        "stages": [("numpy", res.n_iter), ("numba", res2.n_iter)],
    }
    res2.n_iter += res.n_iter
    return res2

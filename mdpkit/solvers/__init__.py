"""Exact planning for :class:`mdpkit.TabularMDP`.

Public names: :func:`solve`, :func:`evaluate`, :func:`occupancy`, :func:`q_from_v`,
:class:`SolveResult`, :func:`solve_constrained` (see ``docs/ARCHITECTURE.md``, "Solvers").

Method modules: ``vi`` (value iteration, numba kernels in ``_kernels``), ``pi`` (policy
iteration and modified policy iteration), ``evaluate`` (exact policy evaluation and
occupancy measures), ``backward`` (finite horizon), ``lp`` (HiGHS LP), ``constrained``
(cvxpy constrained MDP). ``solve_constrained`` is resolved lazily (module ``__getattr__``) and the method modules are
imported on first use, so that ``import mdpkit.solvers`` stays light (no numba compilation,
scipy.optimize or cvxpy).
"""
from __future__ import annotations

import importlib

from .result import SolveResult

# The submodule ``evaluate`` and the function ``evaluate`` share a name. Importing a
# submodule binds it as an attribute of the package, which would shadow the function
# (``mdpkit.solvers.evaluate`` would become the module after a first
# ``from mdpkit.solvers.evaluate import ...``). So the submodule is imported here first and
# the public functions are bound afterwards; later imports of the submodule find it in
# ``sys.modules`` and leave the attribute alone. ``api`` and ``evaluate`` are light (numpy,
# scipy.sparse); numba kernels, scipy.linalg/optimize and cvxpy stay lazy.
from . import evaluate as _evaluate_module  # noqa: F401  (must precede the next line)
from .api import evaluate, occupancy, q_from_v, solve

__all__ = ["solve", "evaluate", "occupancy", "q_from_v", "SolveResult", "solve_constrained",
           "ConstrainedResult", "is_unichain", "is_communicating", "evaluate_average", "check_ssp"]

_LAZY = {
    "solve_constrained": "mdpkit.solvers.constrained",
    "ConstrainedResult": "mdpkit.solvers.constrained",
    "is_unichain": "mdpkit.solvers.average",
    "is_communicating": "mdpkit.solvers.average",
    "evaluate_average": "mdpkit.solvers.average",
    "check_ssp": "mdpkit.solvers.total",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mdpkit.solvers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))

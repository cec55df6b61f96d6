"""Exact planning for :class:`mdpkit.TabularMDP`.

Public names: :func:`solve`, :func:`evaluate`, :func:`occupancy`, :func:`q_from_v`,
:class:`SolveResult`, :func:`solve_constrained` (see ``docs/ARCHITECTURE.md``, "Solvers").

Method modules: ``vi`` (value iteration, numba kernels in ``_kernels``), ``pi`` (policy
iteration and modified policy iteration), ``discounted_evaluation`` (exact policy evaluation
and occupancy measures of discounted models), ``backward`` (finite horizon; numba kernels
in ``_finite_horizon_kernels``), ``lp`` (HiGHS LP), ``constrained``
(cvxpy constrained MDP). ``solve_constrained`` is resolved lazily (module ``__getattr__``) and the method modules are
imported on first use, so that ``import mdpkit.solvers`` stays light (no numba compilation,
scipy.optimize or cvxpy).
"""

from __future__ import annotations

import importlib

from .api import evaluate, occupancy, q_from_v, solve
from .result import SolveResult

__all__ = [
    "solve",
    "evaluate",
    "occupancy",
    "q_from_v",
    "SolveResult",
    "solve_constrained",
    "ConstrainedResult",
    "is_unichain",
    "is_communicating",
    "evaluate_average",
    "check_ssp",
]

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

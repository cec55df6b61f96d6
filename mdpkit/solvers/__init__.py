"""Exact planning for :class:`mdpkit.TabularMDP`.

Public names: :func:`solve`, :func:`evaluate`, :func:`occupancy`, :func:`q_from_v`,
:class:`SolveResult`, :func:`solve_constrained` (see ``docs/ARCHITECTURE.md``, "Solvers").

Method modules: ``vi`` (value iteration, numba kernels in ``_kernels``), ``pi`` (policy
iteration and modified policy iteration), ``evaluate`` (exact policy evaluation and
occupancy measures), ``backward`` (finite horizon), ``lp`` (HiGHS LP), ``constrained``
(cvxpy constrained MDP). Names are resolved lazily (module ``__getattr__``) so that
``import mdpkit.solvers`` stays light and does not import scipy.optimize or cvxpy.
"""
from __future__ import annotations

import importlib

from .result import SolveResult

__all__ = ["solve", "evaluate", "occupancy", "q_from_v", "SolveResult", "solve_constrained",
           "ConstrainedResult"]

_LAZY = {
    "solve": "mdpkit.solvers.api",
    "evaluate": "mdpkit.solvers.api",
    "occupancy": "mdpkit.solvers.api",
    "q_from_v": "mdpkit.solvers.api",
    "solve_constrained": "mdpkit.solvers.constrained",
    "ConstrainedResult": "mdpkit.solvers.constrained",
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

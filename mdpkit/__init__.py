"""mdpkit: exact MDP models and solvers, algorithms of RL-theory papers, and checks of their bounds.

Top-level names are imported lazily so that ``import mdpkit`` stays fast and a missing
optional part cannot break the core.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

from .models.tabular import TabularMDP  # noqa: E402  (the core model, always available)

_LAZY = {
    "solve": "mdpkit.solvers",
    "evaluate": "mdpkit.solvers",
    "occupancy": "mdpkit.solvers",
    "q_from_v": "mdpkit.solvers",
    "solve_constrained": "mdpkit.solvers",
    "SolveResult": "mdpkit.solvers",
    "Experiment": "mdpkit.experiments",
    "run": "mdpkit.experiments",
    "interact": "mdpkit.experiments.runner",
    "load": "mdpkit.experiments",
    "bounds": "mdpkit.bounds",
    "testing": "mdpkit.testing",
    "models": "mdpkit.models",
    "envs": "mdpkit.envs",
    "algorithms": "mdpkit.algorithms",
}

__all__ = ["TabularMDP", "__version__", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mdpkit' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if module.endswith("." + name) else getattr(mod, name)
    globals()[name] = value
    return value

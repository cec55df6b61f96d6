"""Experiments as data, the runner and the result store (``docs/ARCHITECTURE.md``).

``Experiment`` and the registries are imported eagerly (they are light); ``run``, ``load``
and the store helpers are resolved lazily so that learner modules can import
``mdpkit.experiments.registry`` without importing pandas, joblib or dask.
"""

from __future__ import annotations

import importlib

from .experiment import Experiment, canonical_json
from .registry import get_env, get_learner, list_envs, list_learners, register_env, register_learner

_LAZY = {
    "run": "mdpkit.experiments.runner",
    "run_seed": "mdpkit.experiments.runner",
    "interact": "mdpkit.experiments.runner",
    "load": "mdpkit.experiments.store",
    "stored_seeds": "mdpkit.experiments.store",
}

__all__ = [
    "Experiment",
    "canonical_json",
    "run",
    "run_seed",
    "interact",
    "load",
    "stored_seeds",
    "register_env",
    "register_learner",
    "get_env",
    "get_learner",
    "list_envs",
    "list_learners",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mdpkit.experiments' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))

"""Registries of environment and learner factories (``docs/ARCHITECTURE.md``, "Experiments").

::

    from mdpkit.experiments.registry import register_env, register_learner

    @register_env("riverswim")
    def make_riverswim(rng, *, n_states=6, horizon=20): ...        # -> env

    @register_learner("ucbvi-ch")
    def make_ucbvi_ch(env_info, rng, *, delta=0.1): ...          # -> learner

This module imports nothing from mdpkit, so learner and environment modules can import it
without pulling in the runner (pandas, joblib, dask). Built-in factories live next to their
classes (``mdpkit.envs.*``, ``mdpkit.algorithms.*``); :func:`get_env` / :func:`get_learner`
import those packages on first use so that every built-in name is registered.

Decisions
---------
* Names are kebab-case: lower-case letters and digits in words joined by single ``-``
  (``ucbvi-ch``, ``dlb-linucb-log-t``), one style for every learner, env and figure.
* Registering a name twice with a *different* function raises ``ValueError`` (two
  factories silently shadowing each other would make an experiment's hash ambiguous);
  re-registering the same function (same module and qualified name, e.g. on a module
  reload) replaces it.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

__all__ = [
    "register_env",
    "register_learner",
    "get_env",
    "get_learner",
    "list_envs",
    "list_learners",
]

_ENVS: dict[str, Callable] = {}
_LEARNERS: dict[str, Callable] = {}
_NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _check_name(name, what: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"{what} name must be a str, got {type(name).__name__}")
    if not _NAME_RE.match(name):
        raise ValueError(
            f"{what} name {name!r} must be kebab-case: lower-case letters and digits in "
            "words joined by single '-' (e.g. 'ucbvi-ch')"
        )
    return name


def _same_function(f, g) -> bool:
    return (getattr(f, "__module__", None), getattr(f, "__qualname__", None)) == (
        getattr(g, "__module__", None),
        getattr(g, "__qualname__", None),
    )


def _register(table: dict, what: str, name: str):
    _check_name(name, what)

    def deco(factory):
        if not callable(factory):
            raise TypeError(f"{what} factory for {name!r} must be callable")
        old = table.get(name)
        if old is not None and old is not factory and not _same_function(old, factory):
            raise ValueError(
                f"{what} name {name!r} is already registered to {old.__module__}.{old.__qualname__}"
            )
        table[name] = factory
        return factory

    return deco


def register_env(name: str):
    """Decorator registering ``factory(rng, **env_params) -> env`` under ``name``."""
    return _register(_ENVS, "env", name)


def register_learner(name: str):
    """Decorator registering ``factory(env_info, rng, **learner_params) -> learner``."""
    return _register(_LEARNERS, "learner", name)


_BUILTINS_LOADED = False


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        _BUILTINS_LOADED = True
        importlib.import_module("mdpkit.envs")
        importlib.import_module("mdpkit.algorithms")


def _get(table: dict, what: str, name: str, arg: str):
    if not isinstance(name, str):
        raise TypeError(f"{arg} must be a registered {what} name (str), got {type(name).__name__}")
    if name not in table:
        _load_builtins()
    try:
        return table[name]
    except KeyError:
        known = ", ".join(sorted(table)) or "(none)"
        raise ValueError(f"{arg}={name!r} is not a registered {what}; known: {known}") from None


def get_env(name: str) -> Callable:
    """The env factory registered as ``name`` (``ValueError`` listing the known names)."""
    return _get(_ENVS, "env", name, "env")


def get_learner(name: str) -> Callable:
    """The learner factory registered as ``name`` (``ValueError`` listing the known names)."""
    return _get(_LEARNERS, "learner", name, "learner")


def list_envs() -> list[str]:
    """Sorted names of all registered envs (built-ins included)."""
    _load_builtins()
    return sorted(_ENVS)


def list_learners() -> list[str]:
    """Sorted names of all registered learners (built-ins included)."""
    _load_builtins()
    return sorted(_LEARNERS)

"""Bounds as objects: :class:`Bound` (sympy expression, symbols, reference, exactness) and
the classical instances (:mod:`mdpkit.bounds.classical`). ``get(name)`` looks one up."""

from __future__ import annotations

from . import tallying  # noqa: F401
from .base import Bound
from .classical import *  # noqa: F401,F403
from .classical import ALL_BOUNDS
from .classical import __all__ as _classical_all
from .linear_mixture import HF_RFE_UPPER, RF_LOWER  # noqa: F401
from .ucrl2 import UCRL2_THM2  # noqa: F401

__all__ = ["Bound", "get", *_classical_all]


def get(name: str) -> Bound:
    """The registered bound called ``name`` (see ``ALL_BOUNDS``)."""
    try:
        return ALL_BOUNDS[name]
    except KeyError:
        raise ValueError(f"unknown bound {name!r}; known: {sorted(ALL_BOUNDS)}") from None

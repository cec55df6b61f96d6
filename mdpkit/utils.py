"""Small shared helpers: random generators, argument checks."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_generator", "check_positive_int", "ConvergenceWarning"]


class ConvergenceWarning(UserWarning):
    """An iterative method stopped at its iteration cap before meeting its tolerance."""


def as_generator(rng, name: str = "rng") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``rng``.

    ``rng`` may be a Generator (returned as is), an int seed or a ``SeedSequence``.
    ``None`` is refused: mdpkit never draws from unseeded or global state.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, (bool, np.bool_)):
        raise TypeError(f"{name} must be a numpy Generator, SeedSequence or int seed, got bool")
    if isinstance(rng, numbers.Integral):
        if rng < 0:
            raise ValueError(f"{name} seed must be >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a numpy Generator, SeedSequence or int seed, got {type(rng).__name__}"
    )


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """Return ``int(value)`` or raise naming ``name`` if it is not an integer >= minimum."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)

"""Models: data only (TabularMDP, generators, converters).

``generators`` and ``convert`` are imported on first use (the generators compile a numba
kernel), so ``import mdpkit`` stays light.
"""

from __future__ import annotations

import importlib

from .linear_mixture import LinearMixtureMDP, hard_lm, rand_lm  # noqa: F401
from .tabular import ROW_SUM_ATOL, TabularMDP

_LAZY = {
    "random_mdp": "generators",
    "random_sparse_mdp": "generators",
    "riverswim": "generators",
    "chain": "generators",
    "gridworld": "generators",
    "to_pymdptoolbox": "convert",
    "from_pymdptoolbox": "convert",
    "to_quantecon": "convert",
    "from_quantecon": "convert",
    "from_gymnasium_toy_text": "convert",
}
_LAZY.update(dict.fromkeys(["LatentMDP", "bandit_tree", "random_lmdp", "tiger"], "latent"))

__all__ = ["TabularMDP", "ROW_SUM_ATOL", *_LAZY]


def __getattr__(name: str):
    sub = _LAZY.get(name)
    if sub is None:
        raise AttributeError(f"module 'mdpkit.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{sub}"), name)
    globals()[name] = value
    return value

"""Reproduced paper figures: one module per paper, each registering its figures with
:func:`mdpkit.figures.register_figure`. Importing this package imports every module in it
(so ``mdpkit list`` / ``mdpkit reproduce`` see all figures); a module that fails to import
makes the import fail with its name."""

from __future__ import annotations

import importlib
import pkgutil

__all__ = []

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.startswith("_"):
        continue
    try:
        importlib.import_module(f"{__name__}.{_info.name}")
    except Exception as exc:
        raise ImportError(f"paper_figures.{_info.name} failed to import: {exc!r}") from exc
    __all__.append(_info.name)

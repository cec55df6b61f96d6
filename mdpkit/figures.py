"""Registry of reproduced paper figures: ``register_figure`` and ``reproduce``.

A paper module ``paper_figures/<paper>.py`` registers each figure::

    from mdpkit.figures import register_figure

    @register_figure("ucbvi-riverswim", paper="Azar, Osband, Munos 2017",
                     description="UCBVI-CH, UCBVI-BF and PSRL on RiverSwim with their bounds")
    def ucbvi_riverswim(quick: bool, jobs: int, scheduler, out: Path) -> None:
        ...  # run experiments (mdpkit.run(..., n_jobs=jobs, scheduler=scheduler)),
        ...  # write out / "<figure>.png" and out / "<figure>.csv" (mdpkit.plotting.save_figure)

``run_fn(quick, jobs, scheduler, out)`` is called with keyword arguments: ``quick`` (small
settings for CI and the README's main job, seconds to a minute), ``jobs`` (local processes
for :func:`mdpkit.experiments.run`), ``scheduler`` (Dask address or Client, or None; when
given, pass ``n_jobs=1``), ``out`` (the figure's own directory ``DIR/NAME``, created). It
writes one or more PNGs, each with its CSV of the same stem; :func:`reproduce` checks that.
A figure may cache results with ``store=out / "store"`` (reruns then skip finished seeds).

``mdpkit reproduce NAME`` (:mod:`mdpkit.cli`) calls :func:`reproduce`; figures are found by
importing the ``paper_figures`` package, which imports each of its modules.

Decisions
---------
* Registering a name twice with a different function raises ``ValueError`` (same
  function again, e.g. a module re-import, is allowed).
* A paper module that fails to import makes discovery fail loudly (the error names the
  module) rather than silently dropping its figures.
* ``reproduce`` runs figures in name order; a failure stops it (no partial "success").
"""
from __future__ import annotations

import importlib
import numbers
import os
import pkgutil
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

__all__ = ["Figure", "register_figure", "get_figure", "list_figures", "discover", "reproduce"]

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


@dataclass(frozen=True)
class Figure:
    """A registered figure: ``name``, ``paper`` (citation), ``run_fn``, ``description``."""

    name: str
    paper: str
    run_fn: Callable
    description: str = ""


_FIGURES: dict[str, Figure] = {}


def register_figure(name: str, paper: str, run_fn: Callable | None = None, *,
                    description: str = ""):
    """Register ``run_fn(quick, jobs, scheduler, out)`` as figure ``name``.

    Use as ``register_figure(name, paper, fn)`` or as a decorator
    ``@register_figure(name, paper)``. ``name``: lowercase letters, digits, ``-``, ``_``,
    ``.`` (it becomes a directory name); ``all`` is reserved.
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"figure name {name!r} must be lowercase letters, digits, '-', '_' or '.'")
    if name == "all":
        raise ValueError("figure name 'all' is reserved (mdpkit reproduce all)")
    if not isinstance(paper, str) or not paper.strip():
        raise TypeError("paper must be a non-empty str (the paper's citation)")
    if not isinstance(description, str):
        raise TypeError("description must be a str")

    def deco(fn):
        if not callable(fn):
            raise TypeError(f"run_fn of figure {name!r} must be callable")
        old = _FIGURES.get(name)
        if old is not None and old.run_fn is not fn and (
                (old.run_fn.__module__, old.run_fn.__qualname__) != (fn.__module__, fn.__qualname__)):
            raise ValueError(f"figure {name!r} is already registered by {old.run_fn.__module__}")
        _FIGURES[name] = Figure(name, paper, fn, description or (fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return deco if run_fn is None else deco(run_fn)


_DISCOVERED = False


def discover() -> None:
    """Import the ``paper_figures`` package (which imports every module in it) once."""
    global _DISCOVERED
    if not _DISCOVERED:
        pkg = importlib.import_module("paper_figures")
        # also when paper_figures resolves as a namespace package (an editable install made
        # before its __init__.py existed), import every module explicitly
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                try:
                    importlib.import_module(f"paper_figures.{info.name}")
                except Exception as exc:
                    raise ImportError(
                        f"paper_figures.{info.name} failed to import: {exc!r}") from exc
        _DISCOVERED = True


def list_figures() -> list[Figure]:
    """All registered figures, sorted by name (after :func:`discover`)."""
    discover()
    return [_FIGURES[k] for k in sorted(_FIGURES)]


def get_figure(name: str) -> Figure:
    if not isinstance(name, str):
        raise TypeError(f"figure name must be a str, got {type(name).__name__}")
    discover()
    try:
        return _FIGURES[name]
    except KeyError:
        raise ValueError(
            f"unknown figure {name!r}; registered: {', '.join(sorted(_FIGURES)) or '(none)'}"
        ) from None


def _check_outputs(fig: Figure, out: Path, since: float) -> list[Path]:
    pngs = sorted(p for p in out.rglob("*.png") if p.stat().st_mtime >= since - 1)
    if not pngs:
        raise RuntimeError(f"figure {fig.name!r} wrote no PNG under {out}")
    lacking = [p.name for p in pngs if not p.with_suffix(".csv").exists()]
    if lacking:
        raise RuntimeError(
            f"figure {fig.name!r} wrote {lacking} without the CSV of its data beside it "
            "(use mdpkit.plotting.save_figure)")
    return pngs


def reproduce(name: str, *, quick: bool = False, jobs: int = 1, scheduler=None,
              out="figures", log: Callable[[str], None] | None = print) -> dict[str, list[Path]]:
    """Run figure ``name`` (or every figure for ``"all"``) into ``out/<name>/``.

    Returns
    -------
    dict: figure name -> PNG paths written (each with its ``.csv`` beside it).

    Raises
    ------
    ValueError, TypeError
        Unknown figure name, bad ``jobs``/``out``, both ``jobs != 1`` and ``scheduler``.
    RuntimeError
        A figure wrote no PNG, or a PNG without its CSV.
    """
    if not isinstance(quick, bool):
        raise TypeError(f"quick must be a bool, got {type(quick).__name__}")
    if isinstance(jobs, bool) or not isinstance(jobs, numbers.Integral) or not (jobs >= 1 or jobs == -1):
        raise ValueError(f"jobs must be an integer >= 1 (or -1 for all cores), got {jobs!r}")
    if scheduler is not None and jobs != 1:
        raise ValueError("give either jobs (local processes) or scheduler (Dask), not both")
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a directory path, got {type(out).__name__}")
    figs = list_figures() if name == "all" else [get_figure(name)]
    if not figs:
        raise ValueError("no figure is registered (paper_figures is empty)")
    written = {}
    for fig in figs:
        d = Path(out) / fig.name
        d.mkdir(parents=True, exist_ok=True)
        t0 = time.time()
        if log:
            log(f"[{fig.name}] {fig.paper}: {fig.description}")
        fig.run_fn(quick=quick, jobs=int(jobs), scheduler=scheduler, out=d)
        written[fig.name] = _check_outputs(fig, d, t0)
        if log:
            log(f"[{fig.name}] {len(written[fig.name])} figure(s) in {d} "
                f"({time.time() - t0:.1f} s)")
    return written

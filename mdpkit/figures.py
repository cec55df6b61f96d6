"""Registry of reproduced paper figures: ``register_figure`` and ``reproduce``.

A paper module ``paper_figures/<paper>.py`` registers each figure::

    from mdpkit.figures import register_figure

    @register_figure("ucbvi-riverswim", paper="Azar, Osband, Munos 2017",
                     description="UCBVI-CH, UCBVI-BF and PSRL on RiverSwim with their bounds")
    def ucbvi_riverswim(quick: bool, jobs: int, scheduler, out: Path, seed=None) -> list[dict]:
        ...  # run experiments (mdpkit.run(..., n_jobs=jobs, scheduler=scheduler)),
        ...  # write out / "<figure>.png" and out / "<figure>.csv" (mdpkit.plotting.save_figure)
        return [claim("UCBVI-BF: regret slope over [K/10, K] < 0.8", slope, 0.8, slope < 0.8)]

``run_fn(quick, jobs, scheduler, out)`` is called with keyword arguments: ``quick`` (small
settings for CI and the README's main job, seconds to a minute), ``jobs`` (local processes
for :func:`mdpkit.experiments.run`), ``scheduler`` (Dask address or Client, or None; when
given, pass ``n_jobs=1``), ``out`` (the figure's own directory ``DIR/NAME``, created). It
writes one or more PNGs, each with its CSV of the same stem; :func:`reproduce` checks that.
A figure may cache results with ``store=out / "store"`` (reruns then skip finished seeds).
``run_fn`` may also take ``seed`` (an int, or None for the figure's own root seeds): the
root seed of every experiment it runs, so that its claims can be checked on other seeds.

Claims
------
``run_fn`` returns the claims of its paper, evaluated on the run's own numbers: a list of
dicts ``{"claim": str, "measured": float, "threshold": float, "verdict": bool}`` (optionally
``"figure": str``, the PNG stem the claim belongs to); :func:`claim` builds one. ``None``
(a figure that states no claim yet) is listed as "no claims stated". :func:`reproduce`
writes every claim to ``OUT/claims.csv`` (columns :data:`CLAIM_COLUMNS`; ``figure`` is
``NAME`` or ``NAME/STEM``), prints the table and lists the claims that fail. A failing
claim never stops the run or disappears from the table; ``mdpkit reproduce --strict``
turns it into exit status 1.

A paper module may define ``tiny_settings()`` returning what its ``settings(quick)`` returns,
at the smallest sizes that run every code path: the tests then run the figure at those
settings (PNG + CSV written, one ``claims.csv`` row per claim, fonts >= 9 pt); a module
without it is exercised by the slow test of the quick run only.

``mdpkit reproduce NAME`` (:mod:`mdpkit.cli`) calls :func:`reproduce`; figures are found by
importing the ``paper_figures`` package, which imports each of its modules.

Decisions
---------
* Registering a name twice with a different function raises ``ValueError`` (same
  function again, e.g. a module re-import, is allowed).
* A paper module that fails to import makes discovery fail loudly (the error names the
  module) rather than silently dropping its figures.
* ``reproduce`` runs figures in name order; a failure stops it (no partial "success").
* ``OUT/claims.csv`` is merged across runs: rerunning one figure replaces that figure's rows
  and keeps the others' (so ``reproduce all`` then ``reproduce NAME`` keeps a full table).
* ``seed`` given to a figure whose ``run_fn`` does not take it: a ``RuntimeWarning`` and a
  log line say so and the figure runs with its own seeds (``reproduce all`` must not stop
  because one paper module has not adopted the option).
"""

from __future__ import annotations

import importlib
import inspect
import math
import numbers
import os
import pkgutil
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Figure",
    "register_figure",
    "get_figure",
    "list_figures",
    "discover",
    "reproduce",
    "claim",
    "check_claims",
    "claims_table",
    "format_claims",
    "CLAIM_COLUMNS",
    "NO_CLAIMS",
]

#: columns of ``OUT/claims.csv``
CLAIM_COLUMNS = ["paper", "figure", "claim", "measured", "threshold", "verdict"]
#: the ``claim`` text of the row listing a figure whose run_fn returned None
NO_CLAIMS = "no claims stated"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


@dataclass(frozen=True)
class Figure:
    """A registered figure: ``name``, ``paper`` (citation), ``run_fn``, ``description``."""

    name: str
    paper: str
    run_fn: Callable
    description: str = ""


_FIGURES: dict[str, Figure] = {}


def register_figure(
    name: str, paper: str, run_fn: Callable | None = None, *, description: str = ""
):
    """Register ``run_fn(quick, jobs, scheduler, out)`` as figure ``name``.

    Use as ``register_figure(name, paper, fn)`` or as a decorator
    ``@register_figure(name, paper)``. ``name``: lowercase letters, digits, ``-``, ``_``,
    ``.`` (it becomes a directory name); ``all`` is reserved.
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(f"figure name {name!r} must be lowercase letters, digits, '-', '_' or '.'")
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
        if (
            old is not None
            and old.run_fn is not fn
            and (
                (old.run_fn.__module__, old.run_fn.__qualname__) != (fn.__module__, fn.__qualname__)
            )
        ):
            raise ValueError(f"figure {name!r} is already registered by {old.run_fn.__module__}")
        _FIGURES[name] = Figure(
            name, paper, fn, description or (fn.__doc__ or "").strip().split("\n")[0]
        )
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
                        f"paper_figures.{info.name} failed to import: {exc!r}"
                    ) from exc
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
            "(use mdpkit.plotting.save_figure)"
        )
    return pngs


def claim(text: str, measured, threshold, verdict, figure: str | None = None) -> dict:
    """One claim dict of the figure contract (module docstring, "Claims").

    ``measured`` and ``threshold`` become floats (NaN allowed: a claim that could not be
    measured, e.g. a slope of an all-zero curve, with ``verdict=False``); ``verdict`` a bool.
    """
    d = {"claim": text, "measured": measured, "threshold": threshold, "verdict": verdict}
    if figure is not None:
        d["figure"] = figure
    return _check_claim(d, "claim()")


def _check_claim(c, where: str) -> dict:
    if not isinstance(c, dict):
        raise TypeError(f"{where}: a claim must be a dict, got {type(c).__name__}")
    missing = [k for k in ("claim", "measured", "threshold", "verdict") if k not in c]
    if missing:
        raise ValueError(f"{where}: claim {c!r} lacks keys {missing}")
    extra = sorted(set(c) - {"claim", "measured", "threshold", "verdict", "figure"})
    if extra:
        raise ValueError(f"{where}: claim {c.get('claim')!r} has unknown keys {extra}")
    if not isinstance(c["claim"], str) or not c["claim"].strip():
        raise TypeError(f"{where}: claim text must be a non-empty str, got {c['claim']!r}")
    out = {"claim": c["claim"]}
    for k in ("measured", "threshold"):
        v = c[k]
        if (
            getattr(v, "shape", None) == ()
            and getattr(v, "dtype", None) is not None
            and v.dtype.kind in "if"
        ):
            v = v.item()  # a 0-d array (numpy scalars are already numbers.Real)
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(
                f"{where}: claim {c['claim']!r}: {k} must be a real number, "
                f"got {type(c[k]).__name__}"
            )
        out[k] = float(v)
    v = c["verdict"]
    if type(v).__name__ not in ("bool", "bool_"):
        raise TypeError(
            f"{where}: claim {c['claim']!r}: verdict must be a bool, got {type(v).__name__}"
        )
    out["verdict"] = bool(v)
    if out["verdict"] and math.isnan(out["measured"]):
        raise ValueError(f"{where}: claim {c['claim']!r} holds with an unmeasured (NaN) value")
    if "figure" in c:
        if not isinstance(c["figure"], str) or not c["figure"]:
            raise TypeError(f"{where}: claim {c['claim']!r}: figure must be a non-empty str")
        out["figure"] = c["figure"]
    return out


def check_claims(fig_name: str, claims) -> list[dict]:
    """Validate what a ``run_fn`` returned: ``None`` or a list of claim dicts."""
    if claims is None:
        return []
    if isinstance(claims, dict) or not isinstance(claims, (list, tuple)):
        raise TypeError(
            f"figure {fig_name!r}: run_fn must return a list of claim dicts or "
            f"None, got {type(claims).__name__}"
        )
    return [_check_claim(c, f"figure {fig_name!r}") for c in claims]


def claims_table(fig: Figure, claims: list[dict] | None):
    """Rows of ``claims.csv`` for one figure (one ``no claims stated`` row for None)."""
    import pandas as pd

    if claims is None:
        return pd.DataFrame(
            [
                {
                    "paper": fig.paper,
                    "figure": fig.name,
                    "claim": NO_CLAIMS,
                    "measured": math.nan,
                    "threshold": math.nan,
                    "verdict": None,
                }
            ],
            columns=CLAIM_COLUMNS,
        )
    rows = [
        {
            "paper": fig.paper,
            "figure": fig.name + (f"/{c['figure']}" if "figure" in c else ""),
            "claim": c["claim"],
            "measured": c["measured"],
            "threshold": c["threshold"],
            "verdict": c["verdict"],
        }
        for c in claims
    ]
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def _is_verdict(v) -> bool:
    """True for a stated verdict (a bool), False for the empty verdict of "no claims"."""
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.4g}"


def format_claims(table) -> str:
    """The claims table as aligned text, one claim a line, with its verdict."""
    lines = []
    head = ("figure", "claim", "measured", "threshold", "verdict")
    rows = []
    for r in table.itertuples(index=False):
        verdict = ("holds" if bool(r.verdict) else "FAILS") if _is_verdict(r.verdict) else "-"
        rows.append((r.figure, r.claim, _fmt(r.measured), _fmt(r.threshold), verdict))
    widths = [max([len(h)] + [len(x[i]) for x in rows]) for i, h in enumerate(head)]
    widths[1] = min(widths[1], 90)
    fmt = lambda x: "  ".join(
        str(v).ljust(w) if i < 2 else str(v).rjust(w)  # noqa: E731
        for i, (v, w) in enumerate(zip(x, widths))
    )
    lines.append(fmt(head))
    lines.append("  ".join("-" * w for w in widths))
    lines += [fmt(x) for x in rows]
    return "\n".join(lines)


def _accepts_seed(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False
    return "seed" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _write_claims(out: Path, new, names: list[str]):
    """Merge ``new`` into ``out/claims.csv``: rows of the figures in ``names`` are replaced."""
    import pandas as pd

    path = out / "claims.csv"
    if path.exists():
        old = pd.read_csv(path)
        if list(old.columns) == CLAIM_COLUMNS:
            base = old["figure"].astype(str).str.split("/").str[0]
            old = old[~base.isin(names)]
            old["verdict"] = old["verdict"].map(
                lambda v: (
                    None
                    if (isinstance(v, float) and math.isnan(v))
                    else (v if isinstance(v, bool) else str(v) == "True")
                )
            )
            new = pd.concat([old, new], ignore_index=True) if len(old) else new
    new = new.sort_values("figure", kind="stable").reset_index(drop=True)
    new.to_csv(path, index=False)
    return path, new


class Reproduced(dict):
    """``reproduce``'s result: figure name -> PNG paths, and ``.claims`` (a DataFrame with
    :data:`CLAIM_COLUMNS`: this run's claims) and ``.claims_path``."""

    claims = None
    claims_path = None

    @property
    def failing(self):
        """The rows of ``claims`` whose verdict is False."""
        c = self.claims
        return c[c["verdict"].map(lambda v: _is_verdict(v) and not bool(v))]


def reproduce(
    name: str,
    *,
    quick: bool = False,
    jobs: int = 1,
    scheduler=None,
    out="figures",
    log: Callable[[str], None] | None = print,
    seed: int | None = None,
) -> Reproduced:
    """Run figure ``name`` (or every figure for ``"all"``) into ``out/<name>/``.

    ``seed``: root seed passed to every figure whose ``run_fn`` takes one (None: each
    figure's own seeds). The claims of the figures run are merged into ``out/claims.csv``
    and, with ``log``, printed as a table followed by the list of failing claims.

    Returns
    -------
    Reproduced (a dict: figure name -> PNG paths written, each with its ``.csv``), with
    ``.claims`` (this run's rows of ``claims.csv``), ``.claims_path`` and ``.failing``.

    Raises
    ------
    ValueError, TypeError
        Unknown figure name, bad ``jobs``/``out``/``seed``, both ``jobs != 1`` and
        ``scheduler``, a malformed claim returned by a figure.
    RuntimeError
        A figure wrote no PNG, or a PNG without its CSV.
    """
    import pandas as pd

    if not isinstance(quick, bool):
        raise TypeError(f"quick must be a bool, got {type(quick).__name__}")
    if (
        isinstance(jobs, bool)
        or not isinstance(jobs, numbers.Integral)
        or not (jobs >= 1 or jobs == -1)
    ):
        raise ValueError(f"jobs must be an integer >= 1 (or -1 for all cores), got {jobs!r}")
    if scheduler is not None and jobs != 1:
        raise ValueError("give either jobs (local processes) or scheduler (Dask), not both")
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a directory path, got {type(out).__name__}")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0
    ):
        raise ValueError(f"seed must be None or an integer >= 0, got {seed!r}")
    figs = list_figures() if name == "all" else [get_figure(name)]
    if not figs:
        raise ValueError("no figure is registered (paper_figures is empty)")
    written = Reproduced()
    tables = []
    for fig in figs:
        d = Path(out) / fig.name
        d.mkdir(parents=True, exist_ok=True)
        t0 = time.time()
        if log:
            log(f"[{fig.name}] {fig.paper}: {fig.description}")
        kwargs = dict(quick=quick, jobs=int(jobs), scheduler=scheduler, out=d)
        if seed is not None:
            if _accepts_seed(fig.run_fn):
                kwargs["seed"] = int(seed)
            else:
                msg = f"figure {fig.name!r} takes no seed; it ran with its own root seeds"
                warnings.warn(msg, RuntimeWarning, stacklevel=2)
                if log:
                    log(f"[{fig.name}] warning: {msg}")
        returned = fig.run_fn(**kwargs)
        claims = check_claims(fig.name, returned)
        written[fig.name] = _check_outputs(fig, d, t0)
        tables.append(claims_table(fig, None if returned is None else claims))
        if log:
            log(
                f"[{fig.name}] {len(written[fig.name])} figure(s) in {d} ({time.time() - t0:.1f} s)"
            )
    table = pd.concat(tables, ignore_index=True)
    written.claims = table
    written.claims_path, _ = _write_claims(Path(out), table, [f.name for f in figs])
    if log:
        log(f"\nclaims ({written.claims_path}):")
        log(format_claims(table))
        fail = written.failing
        stated = table[table.claim != NO_CLAIMS]
        if len(fail):
            log(f"\n{len(fail)} of {len(stated)} claims FAIL:")
            for r in fail.itertuples(index=False):
                log(
                    f"  {r.figure}: {r.claim} (measured {_fmt(r.measured)}, "
                    f"threshold {_fmt(r.threshold)})"
                )
        else:
            log(f"\nall {len(stated)} stated claims hold")
        silent = table[table.claim == NO_CLAIMS].figure.tolist()
        if silent:
            log(f"no claims stated by: {', '.join(silent)}")
    return written

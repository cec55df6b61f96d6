r"""Regret plots: mean with a bootstrap 95% band, log-log slopes, regret/sqrt(k), bounds.

Input is the long DataFrame of :func:`mdpkit.experiments.run` (columns ``algorithm, seed,
k, cum_regret``; several algorithms may be concatenated). Every figure is written as a
PNG with its data beside it: ``save_figure(fig, data, "out/regret")`` writes
``out/regret.png`` and ``out/regret.csv``.

Figures use matplotlib's object API (``matplotlib.figure.Figure``, Agg canvas): no pyplot
state and no backend switch, so they work headless, in workers and in notebooks (where
``display(fig)`` shows them).

Bounds
------
A bound is drawn on the same axes as the regret. Accepted forms (:func:`as_bound_curve`):

* a :class:`BoundCurve` (any callable ``k -> values`` with a ``label`` and an ``exact`` flag);
* a pair ``(bound, values)`` with ``bound`` a :class:`mdpkit.bounds.Bound` and ``values`` the
  dict of its other symbols (``bound.curve(k, **values)`` is drawn, labelled ``bound.name``);
* any callable with ``label`` and ``exact`` attributes.

``exact=False`` (order-only) curves are drawn dashed, exact ones solid; every bound is
labelled, order-only ones "(order only)". An order-only shape must be placed by a rule
that does not use the data being judged: ``BoundCurve(anchor=(k0, y0))`` scales it to pass
through ``(k0, y0)`` with ``y0`` from the problem's constants (e.g. the largest possible
regret of the first episode), stated in the label; ``anchor="data"`` (through the first
plotted mean of its algorithm, never the endpoint) is kept for slope guides of curves that
are not judged. On the linear panels, a bound lying entirely more than 10 times above the
data is drawn but left above the y-range (its legend entry says "[above the axis]"); on
the log-log panel the same holds beyond 100 times the data.

Style
-----
:func:`style` is the house style (a ``matplotlib.rc_context``): fonts >= 9 pt at the saved
size (:data:`MIN_FONT_PT`; :func:`min_font_size` measures a figure), one colour, marker and
line style per series (:func:`series_styles`, a fixed order, so a paper's figures agree when
they list their series in the same order), bounds in neutral colours distinct from every
series, legends outside the data (below the panels), mathtext in labels. Every figure-making
function here draws inside it; paper modules wrap their own drawing in ``with style():``.

Decisions
---------
* Band: percentile bootstrap (``scipy.stats.bootstrap``, ``method="percentile"``,
  vectorised over k, ``n_resamples=2000``, fixed ``rng``) of the mean over seeds of
  ``cum_regret``. Percentile rather than BCa because BCa is undefined (NaN) wherever all
  seeds agree, e.g. at k where every seed has zero regret. With one seed there is no band
  (``lo = hi = NaN``).
* k grid: with more than ``n_points`` (default 200) episodes, the summary is computed on
  the union of ``n_points // 2`` linearly and ``n_points // 2`` logarithmically spaced k
  (always including 1 and K), so linear and log axes are both well sampled.
* Log-log slope: least squares of log(mean cum_regret) on log(k) over the grid points of
  the last decade ``k in [K/10, K]`` with positive mean (NaN when fewer than 2 points).
* CSV layout (long): ``series, kind, k, mean, lo, hi, n_seeds, slope, exact``; ``kind`` is
  ``"regret"`` for an algorithm's rows and ``"bound"`` for a bound (its value in ``mean``,
  ``exact`` its flag). :func:`from_csv` reads it back, so ``mdpkit plot`` redraws what
  ``mdpkit run --plot`` wrote.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "BoundCurve",
    "as_bound_curve",
    "k_grid",
    "regret_summary",
    "loglog_slope",
    "plot_cumulative_regret",
    "plot_loglog",
    "plot_regret_over_sqrt",
    "regret_figure",
    "save_figure",
    "style",
    "series_styles",
    "min_font_size",
    "from_csv",
    "MIN_FONT_PT",
    "BAND_NOTE",
    "legend_below",
    "wrap",
]

CSV_COLUMNS = ["series", "kind", "k", "mean", "lo", "hi", "n_seeds", "slope", "exact"]

#: smallest font size (points, at the saved size) of any text of a house-style figure
MIN_FONT_PT = 9.0
#: saved resolution (dots per inch) of every figure
DPI = 120

_RC = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 11,
    "lines.linewidth": 1.6,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.framealpha": 0.9,
    "mathtext.default": "regular",
}
#: series colours (colour-blind-safe "bright" palette of P. Tol, then tab10 extras)
SERIES_COLORS = [
    "#4477AA",
    "#EE6677",
    "#228833",
    "#CCBB44",
    "#66CCEE",
    "#AA3377",
    "#BBBBBB",
    "#000080",
    "#8C564B",
    "#FF7F0E",
    "#17BECF",
    "#7F7F00",
]
SERIES_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "h", "*", "p"]
#: bound colours: neutral, none of them a series colour
BOUND_COLORS = ["#000000", "#996633", "#663399", "#888888", "#2F4F4F"]
#: caption sentence of figures with bootstrap bands
BAND_NOTE = (
    "shaded: bootstrap 95% band of the mean over seeds (where not visible it is "
    "narrower than the line)"
)


def wrap(text: str, width: int = 150) -> str:
    """``textwrap.fill`` of each paragraph that never breaks inside ``$...$`` mathtext."""
    import re
    import textwrap

    out = []
    for par in text.split("\n"):
        keep = re.sub(r"\$[^$]*\$", lambda m: m.group(0).replace(" ", "\x00"), par)
        out.append(
            textwrap.fill(keep, width, break_long_words=False).replace("\x00", " ") if keep else ""
        )
    return "\n".join(out)


@contextlib.contextmanager
def style():
    """The house style as an ``rc_context`` (fonts >= 9 pt, grid, line widths)."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        yield


def series_styles(series) -> dict:
    """``{label: dict(color, marker, linestyle)}`` in the given order (one style each)."""
    out = {}
    for i, s in enumerate(dict.fromkeys(series)):
        out[s] = {
            "color": SERIES_COLORS[i % len(SERIES_COLORS)],
            "marker": SERIES_MARKERS[i % len(SERIES_MARKERS)],
            "linestyle": "-" if i < len(SERIES_COLORS) else "-.",
        }
    return out


def min_font_size(fig) -> float:
    """Smallest font size (points) of the visible, non-empty texts of ``fig`` (after a draw);
    the saved PNG keeps point sizes (``save_figure`` never shrinks a figure)."""
    from matplotlib.text import Text

    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    sizes = [
        t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
    ]
    return float(min(sizes)) if sizes else float("inf")


def legend_below(fig, axes, ncols: int = 3, **kw):
    """One legend for ``axes`` below them, outside every panel (deduplicated labels)."""
    handles, labels = [], []
    for ax in np.atleast_1d(axes):
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels and not lab.startswith("_"):
                handles.append(h)
                labels.append(lab)
    if handles:
        fig.legend(
            handles, labels, loc="outside lower center", ncols=max(1, min(ncols, len(labels))), **kw
        )


@dataclass(frozen=True)
class BoundCurve:
    """A bound to draw: ``fn(k) -> values``.

    Parameters
    ----------
    fn : callable
        Vectorised: ndarray of k (float) -> ndarray of the bound's values.
    label : str
    exact : bool, default True
        False: order-only, drawn dashed.
    algorithm : str, optional
        The series it belongs to (named in the CSV; the anchor of ``anchor="data"``).
    anchor : None, (k0, y0) or "data"
        ``(k0, y0)``: rescale to pass through ``(k0, y0)``, a point fixed by the problem's
        constants (not by the data being judged); ``"data"``: through the first plotted
        mean of ``algorithm`` (or of the first series) — a slope guide only.
    """

    fn: Callable
    label: str
    exact: bool = True
    algorithm: str | None = None
    anchor: Any = None

    def __post_init__(self):
        if not callable(self.fn):
            raise TypeError("BoundCurve.fn must be callable")
        if not isinstance(self.label, str):
            raise TypeError("BoundCurve.label must be a str")
        if not isinstance(self.exact, (bool, np.bool_)):
            raise TypeError("BoundCurve.exact must be a bool")
        if isinstance(self.anchor, tuple):
            if (
                len(self.anchor) != 2
                or not all(np.isfinite(np.asarray(self.anchor, float)))
                or self.anchor[0] <= 0
                or self.anchor[1] <= 0
            ):
                raise ValueError(
                    f"BoundCurve.anchor (k0, y0) must be two positive finite "
                    f"numbers, got {self.anchor!r}"
                )
        elif self.anchor not in (None, "data"):
            raise ValueError(
                f"BoundCurve.anchor must be None, (k0, y0) or 'data', got {self.anchor!r}"
            )

    @classmethod
    def from_bound(
        cls,
        bound,
        label: str | None = None,
        algorithm: str | None = None,
        anchor: str | None = None,
        **values,
    ) -> BoundCurve:
        """From a :class:`mdpkit.bounds.Bound` and the values of its other symbols."""
        if not hasattr(bound, "curve"):
            raise TypeError(
                f"bound must have a curve(x, **values) method, got {type(bound).__name__}"
            )
        bound.curve(np.array([1.0]), **values)  # fail now, not while plotting
        if label is None:
            label = f"{bound.name} ({getattr(bound, 'kind', 'upper')} bound)"
        return cls(lambda k: bound.curve(k, **values), label, bool(bound.exact), algorithm, anchor)

    def __call__(self, k) -> np.ndarray:
        k = np.asarray(k, dtype=np.float64)
        out = np.array(np.broadcast_to(np.asarray(self.fn(k), dtype=np.float64), k.shape))
        if isinstance(self.anchor, tuple):
            k0, y0 = (float(v) for v in self.anchor)
            v0 = float(np.asarray(self.fn(np.array([k0])), dtype=np.float64).ravel()[0])
            if not v0 > 0:
                raise ValueError(
                    f"bound {self.label!r}: cannot place at k={k0} (non-positive value)"
                )
            out = out * (y0 / v0)
        return out


def as_bound_curve(item: Any) -> BoundCurve:
    """Normalise one accepted bound form (module docstring) to a :class:`BoundCurve`."""
    if isinstance(item, BoundCurve):
        return item
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], dict):
        return BoundCurve.from_bound(item[0], **item[1])
    if callable(item) and hasattr(item, "exact") and hasattr(item, "label"):
        return BoundCurve(item, str(item.label), bool(item.exact))
    raise TypeError(
        "a bound must be a BoundCurve, a (Bound, values) pair, or a callable with 'label' and "
        f"'exact' attributes; got {type(item).__name__}"
    )


def k_grid(K: int, n_points: int = 200) -> np.ndarray:
    """Episode indices to summarise: all of 1..K if K <= n_points, else a lin+log grid."""
    if K <= n_points:
        return np.arange(1, K + 1)
    half = max(n_points // 2, 2)
    lin = np.linspace(1, K, half)
    log = np.geomspace(1, K, half)
    return np.unique(np.concatenate([lin, log, [1, K]]).round().astype(np.int64))


def _check_df(df, y: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in ("algorithm", "seed", "k", y) if c not in df.columns]
    if missing:
        raise ValueError(f"df lacks columns {missing} (expected the output of mdpkit.run)")
    if len(df) == 0:
        raise ValueError("df is empty")


def _matrix(g: pd.DataFrame, y: str, grid: np.ndarray) -> np.ndarray:
    """(n_seeds, len(grid)) values of ``y`` at the grid k, every seed needing every k."""
    if g.duplicated(["seed", "k"]).any():
        raise ValueError(
            f"algorithm {g['algorithm'].iloc[0]!r} has duplicate (seed, k) rows: two "
            "experiments share this label; give them distinct names (Experiment(name=...))"
        )
    wide = g.pivot(index="seed", columns="k", values=y)
    missing = np.setdiff1d(grid, wide.columns.to_numpy())
    if missing.size:
        raise ValueError(f"some seeds lack k = {missing[:5].tolist()}")
    m = wide[grid].to_numpy(dtype=np.float64)
    if np.isnan(m).any():
        raise ValueError("seeds of one algorithm cover different k ranges")
    return m


def _bootstrap_rng_kw() -> str:
    import inspect

    from scipy.stats import bootstrap

    # scipy >= 1.15 takes ``rng``; older versions ``random_state`` (same Generator semantics)
    return "rng" if "rng" in inspect.signature(bootstrap).parameters else "random_state"


_BOOTSTRAP_RNG_KW = None


def regret_summary(
    df: pd.DataFrame,
    *,
    y: str = "cum_regret",
    n_points: int = 200,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    rng=0,
) -> pd.DataFrame:
    """Mean over seeds of ``y`` and its bootstrap band, per algorithm, on :func:`k_grid`.

    Returns
    -------
    DataFrame with columns ``algorithm, k, mean, lo, hi, n_seeds``.
    """
    from scipy.stats import bootstrap

    from .utils import as_generator

    global _BOOTSTRAP_RNG_KW
    if _BOOTSTRAP_RNG_KW is None:
        _BOOTSTRAP_RNG_KW = _bootstrap_rng_kw()
    _check_df(df, y)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    out = []
    for alg, g in df.groupby("algorithm", sort=False):
        K = int(g["k"].max())
        grid = k_grid(K, n_points)
        grid = grid[np.isin(grid, g["k"].unique())]
        m = _matrix(g, y, grid)
        mean = m.mean(axis=0)
        if m.shape[0] >= 2:
            gen = {_BOOTSTRAP_RNG_KW: as_generator(rng)}
            res = bootstrap(
                (m,),
                np.mean,
                axis=0,
                vectorized=True,
                n_resamples=n_resamples,
                confidence_level=confidence,
                method="percentile",
                batch=max(1, 2_000_000 // m.size),
                **gen,
            )
            lo, hi = res.confidence_interval.low, res.confidence_interval.high
        else:
            lo = hi = np.full(grid.size, np.nan)
        out.append(
            pd.DataFrame(
                {
                    "algorithm": alg,
                    "k": grid,
                    "mean": mean,
                    "lo": lo,
                    "hi": hi,
                    "n_seeds": m.shape[0],
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def loglog_slope(k, y, decades: float = 1.0) -> float:
    """Least-squares slope of log(y) on log(k) over the last ``decades`` decades of k."""
    k = np.asarray(k, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    sel = (k >= k.max() / 10**decades) & (y > 0) & np.isfinite(y)
    if sel.sum() < 2 or np.unique(k[sel]).size < 2:
        return float("nan")
    return float(np.polyfit(np.log(k[sel]), np.log(y[sel]), 1)[0])


# ---------------------------------------------------------------------------- drawing
def _new_axes(ax, ncols=1, figsize=None):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize or (8.4, 4.6), layout="constrained")
    return fig, fig.subplots(1, ncols)


def _styles(series: list[str], order=None) -> dict[str, dict]:
    """Styles of ``series``: by their position in ``order`` (a paper's fixed list) if given."""
    order = list(order) if order is not None else []
    full = series_styles(order + [s for s in series if s not in order])
    return {s: full[s] for s in series}


def _bound_values(b: BoundCurve, k: np.ndarray, summary: pd.DataFrame) -> np.ndarray:
    v = b(k)
    if b.anchor == "data":
        series = b.algorithm or summary["algorithm"].iloc[0]
        first = summary[summary.algorithm == series]
        if first.empty:
            raise ValueError(f"bound {b.label!r}: no series {series!r} to anchor to")
        k0, m0 = float(first["k"].iloc[0]), float(first["mean"].iloc[0])
        v0 = float(b(np.array([k0]))[0])
        if v0 <= 0 or m0 <= 0:
            raise ValueError(f"bound {b.label!r}: cannot anchor at k={k0} (non-positive value)")
        v = v * (m0 / v0)
    return v


def _markevery(k: np.ndarray, mode: str, i: int, n_marks: int = 8):
    """Marker positions: a few per line, staggered between series (overlaps stay visible)."""
    if k.size <= 2:
        return None
    if mode == "loglog":
        targets = np.geomspace(k[0], k[-1], n_marks + 2)[1:-1]
    else:
        targets = np.linspace(k[0], k[-1], n_marks + 2)[1:-1]
    shift = (i % 4) / 4.0 / (n_marks + 1)
    if mode == "loglog":
        targets = targets * (k[-1] / k[0]) ** shift
    else:
        targets = targets + shift * (k[-1] - k[0])
    return sorted(set(np.clip(np.searchsorted(k, targets), 0, k.size - 1).tolist()))


def _draw(
    ax, summary: pd.DataFrame, bounds: list[BoundCurve], mode: str, styles, legend: bool = True
) -> list:
    """Draw one panel; ``mode`` in {"cumulative", "loglog", "sqrt"}. Returns bound rows."""
    rows = []
    for i, (alg, g) in enumerate(summary.groupby("algorithm", sort=False)):
        k = g["k"].to_numpy(dtype=np.float64)
        scale = 1 / np.sqrt(k) if mode == "sqrt" else 1.0
        mean, lo, hi = (g[c].to_numpy() * scale for c in ("mean", "lo", "hi"))
        label = alg
        if mode == "loglog":
            slope = loglog_slope(k, g["mean"].to_numpy())
            label = f"{alg} (slope {slope:.2f})"
        pos = mean > 0 if mode == "loglog" else np.ones(k.size, bool)
        st = styles[alg]
        ax.plot(
            k[pos],
            mean[pos],
            color=st["color"],
            linestyle=st["linestyle"],
            marker=st["marker"],
            markersize=4.5,
            markevery=_markevery(k[pos], mode, i),
            label=label,
        )
        if not np.isnan(lo).all():
            ok = pos & (lo > 0) if mode == "loglog" else pos
            ax.fill_between(k[ok], lo[ok], hi[ok], color=st["color"], alpha=0.3, linewidth=0)
    if bounds:
        k_all = np.unique(summary["k"].to_numpy()).astype(np.float64)
        sc_all = 1 / np.sqrt(k_all) if mode == "sqrt" else 1.0
        k_sum = summary["k"].to_numpy(dtype=np.float64)
        sc_sum = 1 / np.sqrt(k_sum) if mode == "sqrt" else 1.0
        data_top = np.nanmax(np.fmax(summary["mean"].to_numpy(), summary["hi"].to_numpy()) * sc_sum)
        curves = [(b, _bound_values(b, k_all, summary)) for b in bounds]
        # a bound far above the data would flatten it: keep the data readable and say so
        factor = 100.0 if mode == "loglog" else 10.0
        clip = data_top > 0 and any(np.nanmin(v * sc_all) > factor * data_top for _, v in curves)
        top = (10.0 if mode == "loglog" else 1.5) * data_top
        for j, (b, v) in enumerate(curves):
            above = clip and np.nanmin(v * sc_all) > top
            ax.plot(
                k_all,
                v * sc_all,
                linestyle="-" if b.exact else "--",
                color=BOUND_COLORS[j % len(BOUND_COLORS)],
                linewidth=1.3,
                label=b.label
                + ("" if b.exact else " (order only)")
                + (" [above the axis]" if above else ""),
            )
            rows.append((b, k_all, v))
        if clip:
            if mode == "loglog":
                m = summary["mean"].to_numpy() * sc_sum
                bottom = np.nanmin(m[m > 0]) / 2 if (m > 0).any() else top / 1e6
                lows = [np.nanmin(v[v > 0]) for _, v in curves if (v > 0).any()]
                bottom = min([bottom] + lows) if lows else bottom
                ax.set_ylim(bottom, top)
            else:
                data_bottom = np.nanmin(
                    np.fmin(summary["mean"].to_numpy(), summary["lo"].to_numpy()) * sc_sum
                )
                ax.set_ylim(min(0.0, 1.1 * data_bottom), top)
    ax.set_xlabel("episode or round $k$")
    if mode == "cumulative":
        ax.set_ylabel("cumulative regret")
        ax.set_title("cumulative regret")
    elif mode == "loglog":
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel("cumulative regret (log scale)")
        ax.set_title("log-log; slope: LS fit over $[K/10, K]$")
    else:
        ax.set_ylabel(r"cumulative regret / $\sqrt{k}$")
        ax.set_title(r"regret / $\sqrt{k}$ (flat for $\sqrt{k}$ regret)")
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return rows


def _data(summary: pd.DataFrame, bound_rows: list) -> pd.DataFrame:
    parts = []
    for alg, g in summary.groupby("algorithm", sort=False):
        parts.append(
            pd.DataFrame(
                {
                    "series": alg,
                    "kind": "regret",
                    "k": g["k"].to_numpy(),
                    "mean": g["mean"].to_numpy(),
                    "lo": g["lo"].to_numpy(),
                    "hi": g["hi"].to_numpy(),
                    "n_seeds": g["n_seeds"].to_numpy(),
                    "slope": loglog_slope(g["k"].to_numpy(), g["mean"].to_numpy()),
                    "exact": np.nan,
                }
            )
        )
    seen = set()
    for b, k, v in bound_rows:
        if b.label in seen:
            continue
        seen.add(b.label)
        parts.append(
            pd.DataFrame(
                {
                    "series": b.label,
                    "kind": "bound",
                    "k": k.astype(np.int64),
                    "mean": v,
                    "lo": np.nan,
                    "hi": np.nan,
                    "n_seeds": 0,
                    "slope": np.nan,
                    "exact": bool(b.exact),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)[CSV_COLUMNS]


def _prepare(df, bounds, summary, n_points, rng):
    bounds = [as_bound_curve(b) for b in (bounds or ())]
    if summary is None:
        if df is None:
            raise ValueError("give df (results of mdpkit.run) or summary")
        summary = regret_summary(df, n_points=n_points, rng=rng)
    return bounds, summary


def _single(mode, df, bounds, ax, path, summary, n_points, rng, title=None, order=None):
    with style():
        bounds, summary = _prepare(df, bounds, summary, n_points, rng)
        fig, ax = _new_axes(ax, figsize=(8.4, 4.6))
        rows = _draw(ax, summary, bounds, mode, _styles(list(summary.algorithm.unique()), order))
        if title:
            fig.suptitle(title)
        data = _data(summary, rows)
        if path is not None:
            save_figure(fig, data, path)
    return fig, data


def plot_cumulative_regret(
    df=None,
    bounds: Iterable = (),
    *,
    ax=None,
    path=None,
    summary: pd.DataFrame | None = None,
    n_points: int = 200,
    rng=0,
    title: str | None = None,
    order=None,
):
    """Mean cumulative regret vs k with its bootstrap 95% band, and bounds.

    Returns ``(fig, data)``; with ``path`` also writes ``path.png`` and ``path.csv``.
    """
    return _single("cumulative", df, bounds, ax, path, summary, n_points, rng, title, order)


def plot_loglog(
    df=None,
    bounds: Iterable = (),
    *,
    ax=None,
    path=None,
    summary=None,
    n_points: int = 200,
    rng=0,
    title: str | None = None,
    order=None,
):
    """Log-log cumulative regret; the legend gives each slope over the last decade."""
    return _single("loglog", df, bounds, ax, path, summary, n_points, rng, title, order)


def plot_regret_over_sqrt(
    df=None,
    bounds: Iterable = (),
    *,
    ax=None,
    path=None,
    summary=None,
    n_points: int = 200,
    rng=0,
    title: str | None = None,
    order=None,
):
    """Cumulative regret / sqrt(k) (flat for sqrt(k) regret), band and bounds scaled alike."""
    return _single("sqrt", df, bounds, ax, path, summary, n_points, rng, title, order)


def regret_figure(
    df: pd.DataFrame | None,
    bounds: Iterable = (),
    path=None,
    *,
    title: str | None = None,
    n_points: int = 200,
    rng=0,
    summary=None,
    order=None,
    caption: str | None = None,
):
    """Three panels (cumulative, log-log with slopes, regret/sqrt(k)) in one figure.

    ``order``: the paper's fixed list of series labels (one style each, same across its
    figures); ``caption``: text under the legend (e.g. why a drawn upper curve lies below
    the data). The band note (:data:`BAND_NOTE`) is added to the title.

    Returns ``(fig, data)``; with ``path`` writes ``path.png`` and ``path.csv``.
    """
    with style():
        bounds, summary = _prepare(df, bounds, summary, n_points, rng)
        n_lines = summary["algorithm"].nunique() + len(bounds)
        cap = wrap(caption, 160) if caption else ""
        n_cap = cap.count("\n") + 1 if cap else 0
        fig, axes = _new_axes(
            None, ncols=3, figsize=(15, 5.0 + 0.25 * ((n_lines + 2) // 3) + 0.2 * n_cap)
        )
        styles = _styles(list(summary.algorithm.unique()), order)
        rows = []
        for ax, mode in zip(axes, ("cumulative", "loglog", "sqrt")):
            rows += _draw(ax, summary, bounds, mode, styles, legend=False)
        # one legend for the three panels, below them: the log-log labels (with the slopes),
        # with the "[above the axis]" notes of the linear panels
        handles, labels = axes[1].get_legend_handles_labels()
        lin_labels = {
            lab.split(" [above")[0]: lab for lab in axes[0].get_legend_handles_labels()[1]
        }
        labels = [_merge_above(lab, lin_labels) for lab in labels]
        fig.legend(handles, labels, loc="outside lower center", ncols=min(3, len(labels)))
        has_band = summary["lo"].notna().any()
        head = "\n".join(x for x in (title, BAND_NOTE if has_band else "", cap) if x)
        if head:
            fig.suptitle(head)
        data = _data(summary, rows)
        if path is not None:
            save_figure(fig, data, path)
    return fig, data


def _merge_above(lab: str, lin_labels: dict) -> str:
    base = lab.split(" [above")[0]
    lin = lin_labels.get(base, base)
    on_lin, on_log = "[above the axis]" in lin, "[above the axis]" in lab
    if on_lin and on_log:
        return base + " [above every panel]"
    if on_lin:
        return base + " [above the linear panels]"
    if on_log:
        return base + " [above the log-log panel]"
    return base


def from_csv(data: pd.DataFrame):
    """(summary, bounds) from a CSV written by :func:`regret_figure` / the single panels.

    Bounds come back as curves interpolated (log-log) on their stored k; their flag is the
    ``exact`` column (order-only when it is missing).
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame, got {type(data).__name__}")
    missing = [c for c in ("series", "kind", "k", "mean", "lo", "hi") if c not in data.columns]
    if missing:
        raise ValueError(f"not a plotted CSV: lacks columns {missing}")
    reg = data[data["kind"] == "regret"]
    if reg.empty:
        raise ValueError("the plotted CSV has no regret rows")
    n = reg["n_seeds"] if "n_seeds" in reg.columns else np.nan
    summary = pd.DataFrame(
        {
            "algorithm": reg["series"].astype(str).to_numpy(),
            "k": reg["k"].to_numpy(np.int64),
            "mean": reg["mean"].to_numpy(float),
            "lo": reg["lo"].to_numpy(float),
            "hi": reg["hi"].to_numpy(float),
            "n_seeds": np.asarray(n),
        }
    )
    bounds = []
    for label, g in data[data["kind"] == "bound"].groupby("series", sort=False):
        kk, vv = g["k"].to_numpy(float), g["mean"].to_numpy(float)
        exact = (
            bool(g["exact"].iloc[0]) if "exact" in g.columns and g["exact"].notna().any() else False
        )
        bounds.append(
            BoundCurve(lambda k, kk=kk, vv=vv: np.interp(k, kk, vv), str(label), exact=exact)
        )
    return summary, bounds


def save_figure(fig, data: pd.DataFrame, path) -> tuple[Path, Path]:
    """Write ``fig`` to ``<path>.png`` and ``data`` to ``<path>.csv`` (same stem).

    A ``.png`` or ``.csv`` suffix of ``path`` is replaced; parent directories are created.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or PathLike, got {type(path).__name__}")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame, got {type(data).__name__}")
    p = Path(path)
    if p.suffix.lower() in (".png", ".csv"):
        p = p.with_suffix("")
    p.parent.mkdir(parents=True, exist_ok=True)
    png, csv = p.with_name(p.name + ".png"), p.with_name(p.name + ".csv")
    fig.savefig(png, dpi=DPI)
    data.to_csv(csv, index=False)
    return png, csv

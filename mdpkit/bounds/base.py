r"""The :class:`Bound` type: a regret (or sample-complexity) bound as a sympy object.

A bound is a closed-form expression in named symbols (``K``, ``n``, ``S``, ``A``, ``H``,
``delta``, ...), one of which is the x-axis of the plots (``x_symbol``: episodes ``K`` or
rounds ``n``). It carries its reference, whether it is an upper or a lower bound, and
whether its constants and logarithmic factors are stated exactly (``exact=True``: drawn
solid) or only its order is (``exact=False``: a shape with constant 1, drawn dashed).

Confidence tags (``docs/papers/classical-baselines.md#bounds``) map to ``exact``:
``[exact]`` and ``[derived]`` (holds as written, constants explicit) give ``exact=True``;
``[order]`` gives ``exact=False``. The original tag is kept in :attr:`Bound.tag`.

Examples
--------
>>> import sympy as sp
>>> n, k = sp.symbols("n k", positive=True)
>>> b = Bound("demo", sp.sqrt(k * n), (n, k), reference="none", exact=True, x_symbol=n)
>>> b(n=100, k=4)
20.0
>>> b.curve([1, 4], k=1).tolist()
[1.0, 2.0]
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
import sympy as sp

__all__ = ["Bound"]

_TAGS = ("exact", "derived", "order")
_KINDS = ("upper", "lower")


class Bound:
    """A bound as a sympy expression with a numeric evaluator.

    Parameters
    ----------
    name : str
        Short identifier, e.g. ``"ucbvi_ch"``.
    expr : sympy.Expr
        The bound. Its free symbols must all be listed in ``symbols``.
    symbols : iterable of sympy.Symbol
        The arguments, in the order of the numeric evaluator. Values are passed by symbol
        name (``bound(K=100, S=5, ...)``).
    reference : str
        Paper, theorem and the section of the paper page (``docs/papers/<page>.md#<section>``).
    exact : bool
        True when the constants and log factors are stated exactly (solid curve); False for
        an order-only bound (shape with constant 1, dashed curve).
    x_symbol : sympy.Symbol or str
        The symbol on the plots' x-axis (``K`` episodes or ``n``/``T`` rounds); one of
        ``symbols``.
    kind : {"upper", "lower"}, default "upper"
    tag : {"exact", "derived", "order"}, optional
        The confidence tag (classical-baselines.md#bounds); default "exact" if ``exact`` else
        "order". Must agree with ``exact``.
    holds : str, optional
        In what sense the bound holds ("with probability >= 1 - delta", "in expectation").
    setting : str, optional
        Caption text: homogeneous / inhomogeneous, H-step / normalised, what T means.
    description : dict[str, str], optional
        Meaning of each symbol, keyed by name.

    Attributes
    ----------
    free_names : tuple of str
        Names of ``symbols`` in evaluator order.
    """

    __slots__ = (
        "name",
        "expr",
        "symbols",
        "reference",
        "exact",
        "x_symbol",
        "kind",
        "tag",
        "holds",
        "setting",
        "description",
        "_fn",
        "free_names",
    )

    def __init__(
        self,
        name: str,
        expr,
        symbols: Iterable,
        reference: str,
        exact: bool,
        x_symbol,
        *,
        kind: str = "upper",
        tag: str | None = None,
        holds: str = "",
        setting: str = "",
        description: dict | None = None,
    ):
        if not isinstance(name, str) or not name:
            raise TypeError("name must be a non-empty string")
        if not isinstance(expr, sp.Basic):
            raise TypeError(f"expr must be a sympy expression, got {type(expr).__name__}")
        symbols = tuple(symbols)
        for s in symbols:
            if not isinstance(s, sp.Symbol):
                raise TypeError(f"symbols must be sympy Symbols, got {s!r}")
        names = tuple(s.name for s in symbols)
        if len(set(names)) != len(names):
            raise ValueError(f"symbols must have distinct names, got {names}")
        missing = {s.name for s in expr.free_symbols} - set(names)
        if missing:
            raise ValueError(f"expr uses symbols {sorted(missing)} that are not in symbols")
        if isinstance(x_symbol, str):
            if x_symbol not in names:
                raise ValueError(f"x_symbol {x_symbol!r} is not one of the symbols {names}")
            x_symbol = symbols[names.index(x_symbol)]
        if x_symbol not in symbols:
            raise ValueError(f"x_symbol {x_symbol} is not one of the symbols {names}")
        if not isinstance(exact, (bool, np.bool_)):
            raise TypeError(f"exact must be a bool, got {type(exact).__name__}")
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
        if tag is None:
            tag = "exact" if exact else "order"
        if tag not in _TAGS:
            raise ValueError(f"tag must be one of {_TAGS}, got {tag!r}")
        if (tag == "order") == bool(exact):
            raise ValueError(
                f"tag {tag!r} contradicts exact={exact}: [order] bounds are exact=False"
            )
        self.name = name
        self.expr = expr
        self.symbols = symbols
        self.free_names = names
        self.reference = reference
        self.exact = bool(exact)
        self.x_symbol = x_symbol
        self.kind = kind
        self.tag = tag
        self.holds = holds
        self.setting = setting
        self.description = dict(description or {})
        self._fn = sp.lambdify(symbols, expr, modules="numpy")

    # ----------------------------------------------------------------- helpers
    @property
    def dashed(self) -> bool:
        """Order-only bounds are drawn dashed."""
        return not self.exact

    @property
    def x_name(self) -> str:
        return self.x_symbol.name

    def _check_values(self, values: dict, *, skip_x: bool) -> dict:
        unknown = set(values) - set(self.free_names)
        if unknown:
            raise ValueError(
                f"bound {self.name!r}: unknown symbols {sorted(unknown)}; its symbols are {self.free_names}"
            )
        need = [n for n in self.free_names if not (skip_x and n == self.x_name)]
        missing = [n for n in need if n not in values]
        if missing:
            raise ValueError(f"bound {self.name!r}: missing values for {missing}")
        out = {}
        for k, v in values.items():
            if skip_x and k == self.x_name:
                raise ValueError(
                    f"bound {self.name!r}: give {k} as the x array argument of curve(), not as a keyword"
                )
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
                raise TypeError(
                    f"bound {self.name!r}: {k} must be a real number, got {type(v).__name__}"
                )
            out[k] = float(v)
        return out

    def _finite(self, val, values):
        arr = np.asarray(val, dtype=np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"bound {self.name!r} is not finite (outside its domain) at {values}")
        return arr

    # --------------------------------------------------------------- evaluate
    def __call__(self, **values) -> float:
        """The bound's value, every symbol given by name: ``bound(K=1000, S=5, ...)``."""
        vals = self._check_values(values, skip_x=False)
        with np.errstate(all="ignore"):
            out = self._fn(*(vals[n] for n in self.free_names))
        return float(self._finite(out, vals))

    def curve(self, x, **values) -> np.ndarray:
        """The bound along ``x`` (values of :attr:`x_symbol`), other symbols fixed.

        Parameters
        ----------
        x : array-like, shape (m,)
        **values : float
            Every symbol except the x symbol.

        Returns
        -------
        ndarray, shape (m,)
        """
        vals = self._check_values(values, skip_x=True)
        x = np.asarray(x, dtype=np.float64)
        args = [x if n == self.x_name else vals[n] for n in self.free_names]
        with np.errstate(all="ignore"):
            out = self._fn(*args)
        out = np.broadcast_to(np.asarray(out, dtype=np.float64), x.shape).copy()
        return self._finite(out, {**vals, self.x_name: "x"})

    evaluate = curve  # name used in docs/ARCHITECTURE.md

    def subs(self, **values) -> sp.Expr:
        """The sympy expression with some symbols substituted (by name)."""
        unknown = set(values) - set(self.free_names)
        if unknown:
            raise ValueError(f"bound {self.name!r}: unknown symbols {sorted(unknown)}")
        return self.expr.subs(
            {self.symbols[self.free_names.index(k)]: v for k, v in values.items()}
        )

    def latex(self) -> str:
        return sp.latex(self.expr)

    def label(self) -> str:
        """Legend text: name, 'order only, constant 1' when not exact."""
        if self.exact:
            return f"{self.name} ({self.kind} bound)"
        return f"{self.name} (order only, constant 1)"

    def __repr__(self) -> str:
        return (
            f"Bound({self.name!r}, {self.kind}, tag={self.tag}, exact={self.exact}, "
            f"x={self.x_name}, expr={self.expr})"
        )

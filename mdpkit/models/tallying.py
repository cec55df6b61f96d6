r"""Weighted tallying bandit instances: actions, memory, recency weights, loss functions.

Paper page: ``docs/papers/weighted-tallying.md`` ("Setting", "Instance families").

A weighted tallying bandit (WTB) has K actions, a memory ``m >= 1`` and recency weights
``w = (w_1, ..., w_m)`` (``w_i >= 0``, ``w_m > 0``). The weighted tally of action a at round
t is (window ``"current"``, the default)::

    y_t(a) = sum_{i=1}^{m} w_i * 1{a_{t-i+1} = a}          (i = 1 is the current round)

or (window ``"previous"``) ``sum_{i=1}^{m} w_i 1{a_{t-i} = a}``. Rounds before t = 1 carry
no action (an explicit "none" sentinel, never action 0). ``W = sum_i w_i``. The mean loss of
playing a is ``f_a(y_t(a))`` with ``f_a : [0, W] -> [0, 1]``.

Loss functions are piecewise linear in the normalised tally ``u = y / W`` (every family of
the paper page is of this form): arm a has knots ``0 = x_0 < x_1 < ... < x_J = 1`` with
values ``v_j`` in [0, 1], and ``f_a(y) = interp(y / W; x, v)``. :func:`clipped_affine`
builds the knots of ``clip(c + b u, lo, hi)`` exactly.

Repeated Exposure Optimality (REO): some a* has ``f_{a*}(W) <= f_a(y)`` for every action a
and every attainable tally y of a *played* action (the set ``attainable_tallies``:
``{w_1 + sum_{i in S} w_i : S subset of {2..m}}`` for the current window,
``{sum_{i in S} w_i : S subset of {1..m}}`` for the previous window). :func:`reo_violation`
enumerates that set exactly (``2^{m-1}`` or ``2^m`` subset sums, m <= 22).

Decisions
---------
* ``W`` and every tally are sums of weights taken in increasing index order, so a saturated
  tally equals ``W`` bit for bit (tests compare with tolerance 1e-12 anyway).
* ``a*`` is the arm with the smallest saturated loss ``mu_a = f_a(W)``, first index on ties.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..utils import as_generator, check_positive_int

__all__ = [
    "TallyingInstance",
    "clipped_affine",
    "make_weights",
    "attainable_tallies",
    "reo_violation",
    "is_reo",
    "check_reo",
    "practice_makes_perfect",
    "random_reo_instance",
    "WINDOWS",
    "MAX_M_EXACT",
]

WINDOWS = ("current", "previous")
#: Generic weights: largest memory whose 2^(m-1) attainable tallies are enumerated (a larger m
#: is accepted while the distinct tallies number at most 2^(MAX_M_EXACT-1), e.g. w = 1).
MAX_M_EXACT = 22


def _real(x, name):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def make_weights(m, gamma=None, w=None) -> np.ndarray:
    """Recency weights: ``w`` as given, or ``gamma^{i-1}`` (i = 1..m), or all ones.

    Returns ndarray, shape (m,). Raises ValueError naming ``w`` for negative entries, an
    all-zero vector or ``w_m = 0``.
    """
    if w is not None:
        try:
            arr = np.array(w, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError("w must be an array of real numbers") from None
        if arr.ndim != 1 or arr.size < 1:
            raise ValueError(f"w must have shape (m,) with m >= 1, got {arr.shape}")
        if m is not None and arr.size != check_positive_int(m, "m"):
            raise ValueError(f"w has {arr.size} entries but m = {m}")
    else:
        m = check_positive_int(m, "m")
        if gamma is None:
            arr = np.ones(m)
        else:
            g = _real(gamma, "gamma")
            if not 0.0 < g <= 1.0:
                raise ValueError(f"gamma must be in (0, 1], got {g}")
            arr = g ** np.arange(m, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("w must be finite")
    if np.any(arr < 0):
        raise ValueError(
            f"w must be >= 0 (negative weight w[{int(np.argmax(arr < 0))}] = "
            f"{arr[np.argmax(arr < 0)]})"
        )
    if not np.any(arr > 0):
        raise ValueError("w must not be all zero")
    if not arr[-1] > 0:
        raise ValueError(
            "w_m (the last weight) must be > 0, otherwise the memory is shorter than m"
        )
    return arr


def clipped_affine(c, b, lo=0.0, hi=1.0) -> tuple[np.ndarray, np.ndarray]:
    """Knots ``(x, v)`` of ``u -> clip(c + b u, lo, hi)`` on [0, 1] (exact breakpoints)."""
    c, b, lo, hi = (_real(v, n) for v, n in ((c, "c"), (b, "b"), (lo, "lo"), (hi, "hi")))
    if lo > hi:
        raise ValueError(f"lo must be <= hi, got lo={lo}, hi={hi}")
    xs = [0.0, 1.0]
    if b != 0.0:
        for level in (lo, hi):
            u = (level - c) / b
            if 0.0 < u < 1.0:
                xs.append(u)
    xs = np.unique(np.array(xs))
    vs = np.clip(c + b * xs, lo, hi)
    return xs, vs


def _window(window) -> str:
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {WINDOWS}, got {window!r}")
    return window


def attainable_tallies(w, window="current") -> np.ndarray:
    """Sorted distinct tallies a played action can have (the set script-Y).

    current window: ``w_1 + sum_{i in S} w_i``, S subset of {2..m}; previous window:
    ``sum_{i in S} w_i``, S subset of {1..m}. Sums are accumulated in index order.
    """
    w = make_weights(None, w=w)
    window = _window(window)
    m = w.size
    # sums in increasing index order; exact duplicates are merged after each weight (their
    # extensions add the same later weights in the same order, so the result is the set of
    # all 2^(m-1) subset sums, e.g. only m values when w = 1)
    if window == "current":
        sums = np.full(1, w[0])
        rest = w[1:]
    else:
        sums = np.zeros(1)
        rest = w
    for wi in rest:
        sums = np.unique(np.concatenate([sums, sums + wi]))
        if sums.size > 2 ** (MAX_M_EXACT - 1):
            raise ValueError(
                f"m = {m}: more than 2^{MAX_M_EXACT - 1} attainable tallies to "
                f"enumerate (generic weights with m > {MAX_M_EXACT})"
            )
    return sums


class TallyingInstance:
    """A weighted tallying bandit instance (data only; the env samples it).

    Parameters
    ----------
    w : array-like, shape (m,)
        Recency weights, ``w_i >= 0``, ``w_m > 0``.
    knots : sequence of K pairs ``(x, v)``
        Loss function of arm a: piecewise linear in ``u = y / W`` through ``(x_j, v_j)``;
        ``x`` strictly increasing from 0 to 1, ``v`` in [0, 1].
    window : {"current", "previous"}, default "current"

    Attributes
    ----------
    K, m : int
    W : float                       sum of the weights (index order)
    xs, vs : ndarray (K, J)         knots padded by repeating the last one
    n_knots : ndarray int (K,)
    saturated : ndarray (K,)        ``mu_a = f_a(W)``
    best_arm : int                  a* (smallest mu_a, first index)
    mu_star : float
    """

    def __init__(self, w, knots, window="current"):
        self.w = make_weights(None, w=w)
        self.w.setflags(write=False)
        self.m = int(self.w.size)
        W = 0.0
        for wi in self.w:
            W += wi
        self.W = float(W)
        self.window = _window(window)
        if isinstance(knots, (str, bytes)) or not hasattr(knots, "__len__") or len(knots) < 1:
            raise TypeError("knots must be a non-empty sequence of (x, v) pairs, one per arm")
        self.K = len(knots)
        J = 0
        pairs = []
        for a, kv in enumerate(knots):
            try:
                x, v = kv
                x = np.array(x, dtype=np.float64)
                v = np.array(v, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"knots[{a}] must be a pair (x, v) of real arrays") from None
            if x.ndim != 1 or x.shape != v.shape or x.size < 2:
                raise ValueError(f"knots[{a}]: x and v must be 1-d of the same length >= 2")
            if not (np.all(np.isfinite(x)) and np.all(np.isfinite(v))):
                raise ValueError(f"knots[{a}] must be finite")
            if x[0] != 0.0 or x[-1] != 1.0 or np.any(np.diff(x) <= 0):
                raise ValueError(f"knots[{a}]: x must increase strictly from 0 to 1")
            if np.any(v < 0) or np.any(v > 1):
                raise ValueError(
                    f"loss function of arm {a} takes values outside [0, 1] "
                    f"(min {v.min()}, max {v.max()})"
                )
            pairs.append((x, v))
            J = max(J, x.size)
        self.xs = np.ones((self.K, J))
        self.vs = np.empty((self.K, J))
        self.n_knots = np.empty(self.K, dtype=np.int64)
        for a, (x, v) in enumerate(pairs):
            self.xs[a, : x.size] = x
            self.vs[a, : x.size] = v
            self.vs[a, x.size :] = v[-1]
            self.n_knots[a] = x.size
        for arr in (self.xs, self.vs, self.n_knots):
            arr.setflags(write=False)
        self.saturated = np.array([self.loss(a, self.W) for a in range(self.K)])
        self.saturated.setflags(write=False)
        self.best_arm = int(np.argmin(self.saturated))
        self.mu_star = float(self.saturated[self.best_arm])

    # --------------------------------------------------------------- evaluation
    def loss(self, a: int, y):
        """Mean loss ``f_a(y)`` (y scalar or array, clipped to [0, W])."""
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral):
            raise TypeError(f"a must be an integer, got {type(a).__name__}")
        if not 0 <= a < self.K:
            raise ValueError(f"a must be in [0, K={self.K}), got {a}")
        J = int(self.n_knots[a])
        u = np.clip(np.asarray(y, dtype=np.float64) / self.W, 0.0, 1.0)
        out = np.interp(u, self.xs[a, :J], self.vs[a, :J])
        return float(out) if out.ndim == 0 else out

    @property
    def gaps(self) -> np.ndarray:
        """Saturated gaps ``Delta_a = mu_a - mu*`` (K,)."""
        return self.saturated - self.mu_star

    def prefix_cost_of_best(self) -> float:
        """``sum_{t=1}^{h} (f_{a*}(tally after t plays) - mu*)`` over the unsaturated start
        of the constant-a* sequence (h = m - 1 current window, m previous): the extra cost
        of always playing a* over ``T mu*`` once T >= h."""
        h = self.m - 1 if self.window == "current" else self.m
        if h == 0:
            return 0.0
        return self.constant_cost(self.best_arm, h) - h * self.mu_star

    def constant_cost(self, a: int, T: int) -> float:
        """Total mean loss of playing ``a`` in every round 1..T."""
        T = check_positive_int(T, "T")
        tot = 0.0
        for t in range(1, T + 1):
            k = min(t, self.m) if self.window == "current" else min(t - 1, self.m)
            y = 0.0
            for i in range(k):
                y += self.w[i]
            tot += self.loss(a, y)
        return tot

    def __repr__(self) -> str:
        return (
            f"TallyingInstance(K={self.K}, m={self.m}, W={self.W:g}, window={self.window!r}, "
            f"a*={self.best_arm}, mu*={self.mu_star:.4g})"
        )


# ----------------------------------------------------------------------------- REO
def reo_violation(inst: TallyingInstance) -> float:
    """``max(0, mu* - min_{a, y in script-Y} f_a(y))``: 0 iff the instance is REO."""
    ys = attainable_tallies(inst.w, inst.window)
    low = min(float(np.min(inst.loss(a, ys))) for a in range(inst.K))
    return max(0.0, inst.mu_star - low)


def is_reo(inst: TallyingInstance, tol: float = 0.0) -> bool:
    """True iff ``f_{a*}(W) <= f_a(y) + tol`` for every arm a and attainable tally y."""
    return reo_violation(inst) <= tol


def check_reo(inst: TallyingInstance, name: str = "instance") -> TallyingInstance:
    """Return ``inst`` or raise ``ValueError`` (naming ``name``) when it is not REO."""
    if not isinstance(inst, TallyingInstance):
        raise TypeError(f"{name} must be a TallyingInstance, got {type(inst).__name__}")
    v = reo_violation(inst)
    if v > 0:
        raise ValueError(
            f"{name} is not REO (Repeated Exposure Optimality): some attainable "
            f"tally has a loss {v:.3g} below mu* = {inst.mu_star:.4g}"
        )
    return inst


# ----------------------------------------------------------------------------- families
def practice_makes_perfect(
    K: int, m: int, *, gamma=None, w=None, window="current"
) -> TallyingInstance:
    r"""The "practice makes perfect" family (REO by construction), a* = 0::

    f_0(y) = 0.9 - 0.8 y / W,     f_a(y) = c_a + 0.1 y / W  (a >= 1),
    c_a evenly spaced in [0.3, 0.5] (c_1 = 0.3; 0.3 when K = 2).
    """
    K = check_positive_int(K, "K", minimum=2)
    w = make_weights(m, gamma=gamma, w=w)
    cs = np.linspace(0.3, 0.5, K - 1) if K > 2 else np.array([0.3])
    knots = [(np.array([0.0, 1.0]), np.array([0.9, 0.1]))]
    knots += [(np.array([0.0, 1.0]), np.array([c, c + 0.1])) for c in cs]
    return check_reo(TallyingInstance(w, knots, window), "practice_makes_perfect")


def random_reo_instance(
    K: int, m: int, rng, *, gamma=None, w=None, window="current"
) -> TallyingInstance:
    r"""Random REO instance, a* at a uniformly random index. Draw order from ``rng``:
    ``mu* ~ U[0, 0.2]``, ``v ~ U[0.3, 0.8]``, the index of a*, then ``c ~ U[0.25, 0.75]``
    (K,) and ``b ~ U[-0.2, 0.2]`` (K,) (entries at a* unused)::

        f_{a*}(y) = mu* + v (1 - y/W),   f_a(y) = clip(c_a + b_a y/W, mu* + 0.05, 1).
    """
    K = check_positive_int(K, "K", minimum=1)
    rng = as_generator(rng)
    w = make_weights(m, gamma=gamma, w=w)
    mu = rng.uniform(0.0, 0.2)
    v = rng.uniform(0.3, 0.8)
    star = int(rng.integers(K))
    c = rng.uniform(0.25, 0.75, K)
    b = rng.uniform(-0.2, 0.2, K)
    knots = []
    for a in range(K):
        if a == star:
            knots.append((np.array([0.0, 1.0]), np.array([mu + v, mu])))
        else:
            knots.append(clipped_affine(c[a], b[a], mu + 0.05, 1.0))
    inst = TallyingInstance(w, knots, window)
    if inst.best_arm != star:  # pragma: no cover - impossible by construction
        raise RuntimeError("random_reo_instance: a* is not the drawn index")
    return check_reo(inst, "random_reo_instance")

"""The result object of every exact solver: :class:`SolveResult`.

Shared by all solver modules (``vi``, ``pi``, ``backward``, ``lp``): each method function
``fn(mdp, *, tol, max_iter, **options)`` returns one of these. Plain attributes, a readable
``repr`` in the style of ``scipy.optimize.OptimizeResult`` (arrays summarised by shape and a
few entries).

Decisions
---------
* A small plain class rather than a dict subclass: attribute access only, no accidental
  key/attribute mismatch; ``extras`` holds anything method-specific (residuals, the
  stopping rule used, bounds on V*, ...).
* ``bound`` is a float, a certified upper bound on ``max_s V*(s) - V^policy(s)`` (for finite
  horizon the maximum is over states at step 0 unless the method says otherwise in
  ``extras``); ``0.0`` for methods whose policy is exactly optimal.
* ``Q`` may be given as a zero-argument callable: it is then computed on first access of
  ``result.Q`` and kept (``result.q_computed`` tells whether that has happened). Backward
  induction uses this because its ``Q`` has H*S*A entries, more than V and the policy
  together (320 MB at S = 1e5, A = 4, H = 100), and most callers only need V and the policy;
  the array returned is the one an eager computation would have given. Pickling a result
  computes ``Q`` first (the callable is not pickled).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SolveResult"]


def _summarise(value) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            body = np.array2string(value.ravel(), precision=6, separator=", ")
        else:
            head = np.array2string(value.ravel()[:3], precision=6, separator=", ")[:-1]
            body = f"{head}, ...]"
        return f"array(shape={value.shape}, dtype={value.dtype}) {body}"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ", ".join(f"{k!r}: {_summarise(v)}" for k, v in value.items()) + "}"
    return repr(value)


class SolveResult:
    """Output of :func:`mdpkit.solve` (and of every method function behind it).

    Attributes
    ----------
    V : ndarray, shape (S,) discounted or (H, S) finite horizon
        Value estimate (exact up to the method's tolerance, see ``extras``).
    Q : ndarray, shape (S, A) or (H, S, A)
        Action values consistent with ``V``: ``Q = R + gamma * P V`` (discounted) or
        ``Q[h] = R_h + P_h V[h+1]`` (finite horizon). Backward induction computes it on
        first access (module docstring).
    policy : ndarray of int, shape (S,) or (H, S)
        Greedy (or optimal) deterministic policy.
    converged : bool
        False when the method hit ``max_iter`` before meeting its tolerance (a
        :class:`mdpkit.utils.ConvergenceWarning` was then emitted).
    n_iter : int
        Iterations performed (sweeps, policy-improvement steps, ...).
    method : str
        Name of the method ("vi", "pi", "mpi", "lp", "backward").
    bound : float
        Certified upper bound on ``max_s V*(s) - V^policy(s)``; 0.0 for exact methods.
    occupancy : ndarray or None
        Optimal state-action occupancy measure (LP methods), else None.
    extras : dict
        Method-specific diagnostics.
    gain : float or None
        Average-reward models only: the long-run average reward of ``policy`` (then ``V``
        is its bias, ``bound`` bounds ``g* - gain``; see :mod:`mdpkit.solvers.average`).
        None for the other criteria.
    """

    _FIELDS = (
        "V",
        "Q",
        "policy",
        "converged",
        "n_iter",
        "method",
        "bound",
        "occupancy",
        "extras",
        "gain",
    )
    __slots__ = (
        "V",
        "_Q",
        "_Q_fn",
        "policy",
        "converged",
        "n_iter",
        "method",
        "bound",
        "occupancy",
        "extras",
        "gain",
    )

    def __init__(
        self, V, Q, policy, converged, n_iter, method, bound, occupancy=None, extras=None, gain=None
    ):
        self.V = V
        if callable(Q):
            self._Q, self._Q_fn = None, Q
        else:
            self._Q, self._Q_fn = Q, None
        self.policy = policy
        self.converged = bool(converged)
        self.n_iter = int(n_iter)
        self.method = str(method)
        self.bound = float(bound)
        self.occupancy = occupancy
        self.extras = {} if extras is None else dict(extras)
        self.gain = None if gain is None else float(gain)

    @property
    def Q(self):
        """Action values (see the class docstring); computed here on first access when the
        method deferred them."""
        if self._Q_fn is not None:
            self._Q = self._Q_fn()
            self._Q_fn = None
        return self._Q

    @Q.setter
    def Q(self, value):
        self._Q, self._Q_fn = value, None

    @property
    def q_computed(self) -> bool:
        """False while a deferred ``Q`` has not been computed yet."""
        return self._Q_fn is None

    def keys(self):
        """Attribute names, in display order."""
        return list(self._FIELDS)

    def __getstate__(self):
        return {name: getattr(self, name) for name in self._FIELDS}  # computes a deferred Q

    def __setstate__(self, state):
        for name, value in state.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        names = self.keys()
        width = max(len(n) for n in names)
        lines = [
            f"{n.rjust(width)}: "
            + (
                "(computed on first access)"
                if n == "Q" and not self.q_computed
                else _summarise(getattr(self, n))
            )
            for n in names
        ]
        return "SolveResult(\n" + "\n".join(lines) + "\n)"

    __str__ = __repr__

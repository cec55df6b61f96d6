r"""Extended value iteration (EVI): optimistic average-reward planning over a set of models,
and the diameter of a communicating MDP (``docs/papers/ucrl2.md``, "Extended value iteration").

The plausible set is, for every pair (s, a), an interval of mean rewards
``[r_hat - r_rad, r_hat + r_rad]`` and an L1 ball of transition rows
``{p in simplex : ||p - p_hat(.|s, a)||_1 <= p_rad(s, a)}``. EVI is value iteration on the
*extended* MDP whose actions in s are the pairs (a, p) with p in the ball:

.. math:: u_{i+1}(s) = \max_a \Big[\tilde r(s, a) + \max_{p:\ \|p - \hat p(\cdot|s,a)\|_1
          \le d(s,a)} \sum_{s'} p(s') u_i(s')\Big], \qquad \tilde r = \hat r + r_{rad},

from ``u_0 = 0``. The inner maximum is a linear program over the L1 ball solved exactly in
O(S) after a sort (Jaksch, Ortner & Auer 2010, Fig. 2): sort the successors by ``u``
decreasing, give the best one ``min(1, p_hat + d/2)``, keep the others at ``p_hat``, then
take the excess mass away from the worst successors, worst first (:func:`l1_ball_max`).

Stopping rule and certificate
-----------------------------
EVI stops at the first i with ``sp(u_{i+1} - u_i) = max_s(u_{i+1} - u_i) - min_s(u_{i+1} -
u_i) < tol``. Then the greedy policy ``d`` (with its optimistic rows) has, in the extended
MDP, ``min_s(u_{i+1} - u_i) <= g~_d <= g~* <= max_s(u_{i+1} - u_i)`` (Puterman 1994,
Thm 8.5.5 applied to the extended MDP, as in Jaksch et al. 2010, Sec. 3.1.2): the returned
policy is ``tol``-optimal for the optimistic gain, and ``gain_upper`` is an upper bound on
the optimistic gain g~*, hence on the true g* whenever the true model lies in the set. When
the iteration cap is reached first, a :class:`~mdpkit.utils.ConvergenceWarning` is emitted
and the certificate of the last sweep (wider than ``tol``) is returned.

Decisions
---------
* Rewards: the optimistic reward is ``r_hat + r_rad`` as in the paper (no clipping at 1).
* ``tau`` (default 1): the aperiodicity transform ``u' = tau * T u + (1 - tau) u`` of RVI
  (:mod:`mdpkit.solvers.average`), same gains, needed only on periodic point models
  (radius 0); the certificate holds for every tau in (0, 1].
* ``action_mask`` (S, A) bool: unavailable pairs never enter the maximum.
* Ties: the first best action (lowest index) and, in the sort, the stable order of
  ``argsort(-u)`` (lowest index first among equal values).
"""

from __future__ import annotations

import numbers
import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from numba import njit

from ..utils import ConvergenceWarning, check_positive_int

__all__ = [
    "l1_ball_max",
    "extended_value_iteration",
    "EVIResult",
    "PlausibleSet",
    "evi_kernel",
    "diameter",
]

provenance = (
    "EVI and the sorted greedy inner maximum over the L1 ball: Jaksch, Ortner & Auer 2010, "
    "Sec. 3.1 and Fig. 2 [V]; span stopping certificate: Puterman Thm 8.5.5 on the extended "
    "MDP [R]; aperiodicity option and tie rules [D]"
)

#: default sweep cap of EVI (reaching it warns)
EVI_MAX_ITER = 100_000


class PlausibleSet(NamedTuple):
    """The set of models EVI optimises over (arrays, float64 unless stated)."""

    p_hat: np.ndarray  #: (S, A, S) centre rows of the L1 balls (each row sums to 1)
    r_tilde: np.ndarray  #: (S, A) optimistic rewards (r_hat + reward radius)
    p_rad: np.ndarray  #: (S, A) L1 radius of each ball (>= 0)
    mask: np.ndarray  #: (S, A) bool, available actions


@njit(cache=True)
def l1_ball_max(p_hat, d, u, order, p_out):
    """``max { p @ u : p in simplex, ||p - p_hat||_1 <= d }`` by the greedy mass shift.

    p_hat : (S,) a distribution; d : radius >= 0; u : (S,) values; order : (S,) int, the
    indices of ``u`` sorted decreasingly; p_out : (S,) receives the maximiser.
    Returns the maximum ``p_out @ u``.
    """
    S = p_hat.shape[0]
    for y in range(S):
        p_out[y] = p_hat[y]
    top = order[0]
    p_out[top] = min(1.0, p_hat[top] + 0.5 * d)
    total = 0.0
    for y in range(S):
        total += p_out[y]
    l = S - 1
    while total > 1.0 and l > 0:
        y = order[l]
        rest = total - p_out[y]
        new = max(0.0, 1.0 - rest)
        total = rest + new
        p_out[y] = new
        l -= 1
    val = 0.0
    for y in range(S):
        val += p_out[y] * u[y]
    return val


@njit(cache=True)
def evi_kernel(model, tol, max_iter, tau, u, policy):
    """Extended value iteration in place (module docstring).

    model : :class:`PlausibleSet`; tol : span threshold; max_iter : sweep cap; tau in (0, 1];
    u : (S,) start values, overwritten by the last iterate ``u_{i+1}`` (shifted so that
    ``min u = 0``); policy : (S,) int64, receives the greedy actions of the last sweep.
    Returns ``(n_iter, converged, lo, hi)`` with ``lo = min(u_{i+1} - u_i)``, ``hi = max``.
    """
    S, A = model.r_tilde.shape
    unew = np.empty(S)
    prow = np.empty(S)
    n_iter = 0
    lo = 0.0
    hi = 0.0
    converged = False
    while n_iter < max_iter:
        order = np.argsort(-u, kind="mergesort")
        for s in range(S):
            best = -np.inf
            besta = -1
            for a in range(A):
                if not model.mask[s, a]:
                    continue
                q = model.r_tilde[s, a] + l1_ball_max(
                    model.p_hat[s, a], model.p_rad[s, a], u, order, prow
                )
                if q > best:
                    best = q
                    besta = a
            unew[s] = tau * best + (1.0 - tau) * u[s]
            policy[s] = besta
        n_iter += 1
        lo = np.inf
        hi = -np.inf
        for s in range(S):
            diff = unew[s] - u[s]
            if diff < lo:
                lo = diff
            if diff > hi:
                hi = diff
        base = unew.min()
        for s in range(S):
            u[s] = unew[s] - base
        if hi - lo < tol * tau:  # certificate span (hi - lo) / tau < tol
            converged = True
            break
    return n_iter, converged, lo / tau, hi / tau


class EVIResult(NamedTuple):
    """Result of :func:`extended_value_iteration`."""

    policy: np.ndarray  #: (S,) int64, greedy optimistic policy
    u: np.ndarray  #: (S,) last iterate (shifted to min 0); its span estimates the bias span
    gain_lower: float  #: min_s(u_{i+1} - u_i): lower bound on the policy's optimistic gain
    gain_upper: float  #: max_s(u_{i+1} - u_i): upper bound on the optimistic gain g~*
    n_iter: int
    converged: bool  #: span < tol reached before max_iter

    @property
    def gain(self) -> float:
        """Midpoint of the certified interval of the optimistic gain."""
        return 0.5 * (self.gain_lower + self.gain_upper)


def _real_array(x, name, shape):
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real array, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def plausible_set(p_hat, r_hat, p_rad, r_rad=0.0, action_mask=None) -> PlausibleSet:
    """Validated :class:`PlausibleSet` from ``p_hat`` (S, A, S), ``r_hat`` (S, A),
    ``p_rad`` (S, A) or scalar, ``r_rad`` (S, A) or scalar, optional ``action_mask`` (S, A)."""
    p_hat = np.asarray(p_hat)
    if p_hat.ndim != 3 or p_hat.shape[0] != p_hat.shape[2]:
        raise ValueError(f"p_hat must have shape (S, A, S), got {p_hat.shape}")
    S, A = p_hat.shape[:2]
    p_hat = _real_array(p_hat, "p_hat", (S, A, S))
    if (p_hat < 0).any() or not np.allclose(p_hat.sum(axis=2), 1.0, atol=1e-9):
        raise ValueError("p_hat must be non-negative with rows summing to 1")
    r_hat = _real_array(r_hat, "r_hat", (S, A))
    p_rad = _real_array(
        np.broadcast_to(np.asarray(p_rad, dtype=np.float64), (S, A)), "p_rad", (S, A)
    )
    r_rad = _real_array(
        np.broadcast_to(np.asarray(r_rad, dtype=np.float64), (S, A)), "r_rad", (S, A)
    )
    if (p_rad < 0).any():
        raise ValueError("p_rad must be >= 0")
    if (r_rad < 0).any():
        raise ValueError("r_rad must be >= 0")
    if action_mask is None:
        mask = np.ones((S, A), dtype=np.bool_)
    else:
        mask = np.asarray(action_mask)
        if mask.dtype != np.bool_ or mask.shape != (S, A):
            raise ValueError(
                f"action_mask must be a bool array of shape {(S, A)}, got {mask.dtype} {mask.shape}"
            )
        if not mask.any(axis=1).all():
            raise ValueError(
                f"action_mask leaves state {int(np.flatnonzero(~mask.any(axis=1))[0])} "
                "without an available action"
            )
        mask = np.ascontiguousarray(mask)
    return PlausibleSet(p_hat, r_hat + r_rad, p_rad, mask)


def extended_value_iteration(
    p_hat,
    r_hat,
    p_rad,
    r_rad=0.0,
    *,
    tol: float = 1e-6,
    max_iter: int | None = None,
    action_mask=None,
    tau: float = 1.0,
) -> EVIResult:
    """Extended value iteration over L1 balls of transitions and reward intervals.

    Parameters
    ----------
    p_hat : ndarray, shape (S, A, S)
        Centres of the transition balls (rows are distributions).
    r_hat : ndarray, shape (S, A)
        Centres of the reward intervals.
    p_rad : float or ndarray (S, A), >= 0
        L1 radius of each ball.
    r_rad : float or ndarray (S, A), >= 0, default 0
        Half-width of each reward interval (the optimistic reward is ``r_hat + r_rad``).
    tol : float > 0
        Stop at ``sp(u_{i+1} - u_i) < tol`` (module docstring, "certificate").
    max_iter : int, optional
        Sweep cap (default :data:`EVI_MAX_ITER`); reaching it warns (ConvergenceWarning).
    action_mask : bool ndarray (S, A), optional
    tau : float in (0, 1], default 1
        Aperiodicity transform.

    Returns
    -------
    EVIResult
    """
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real) or not tol > 0:
        raise ValueError(f"tol must be a real number > 0, got {tol!r}")
    if isinstance(tau, (bool, np.bool_)) or not isinstance(tau, numbers.Real) or not 0 < tau <= 1:
        raise ValueError(f"tau must be a real number in (0, 1], got {tau!r}")
    cap = EVI_MAX_ITER if max_iter is None else check_positive_int(max_iter, "max_iter")
    model = plausible_set(p_hat, r_hat, p_rad, r_rad, action_mask)
    S = model.r_tilde.shape[0]
    u = np.zeros(S)
    policy = np.zeros(S, dtype=np.int64)
    n_iter, converged, lo, hi = evi_kernel(model, float(tol), cap, float(tau), u, policy)
    if not converged:
        warnings.warn(
            f"extended_value_iteration stopped at max_iter={cap} with span "
            f"{hi - lo:.3e} >= tol={tol:.3e}; the gain interval [{lo:.6g}, {hi:.6g}] "
            "is still a valid certificate",
            ConvergenceWarning,
            stacklevel=2,
        )
    return EVIResult(policy, u, float(lo), float(hi), int(n_iter), bool(converged))


# ------------------------------------------------------------------------------ diameter
def _hitting_times(P: np.ndarray, mask: np.ndarray, target: int) -> np.ndarray:
    """Minimal expected hitting times of ``target`` from every state (``inf`` where no
    policy reaches it with probability 1): the set G of such states first (fixpoint: keep
    the states that reach ``target`` through actions whose successors all stay in G), then
    Howard policy iteration on the stochastic shortest path with unit costs over those
    actions, started from a proper policy built by a backward breadth-first search."""
    S, A = mask.shape
    support = (P > 0) & mask[:, :, None]  # (S, A, S)
    G = np.ones(S, dtype=bool)
    while True:
        allowed = mask & ~(support & ~G[None, None, :]).any(axis=2)  # successors all in G
        edge = support & allowed[:, :, None]
        level = np.full(S, -1)
        level[target] = 0
        pol = np.zeros(S, dtype=np.int64)
        depth = 0
        frontier = True
        while frontier:
            depth += 1
            hit = edge[:, :, level == depth - 1].any(axis=2)  # (S, A)
            new = np.flatnonzero((level < 0) & hit.any(axis=1))
            level[new] = depth
            pol[new] = hit[new].argmax(axis=1)  # first action reaching the previous level
            frontier = new.size > 0
        reach = level >= 0
        if (reach == G).all():
            break
        G = reach
    h = np.full(S, np.inf)
    idx = np.flatnonzero(G & (np.arange(S) != target))
    h[target] = 0.0
    if idx.size == 0:
        return h
    for _ in range(10 * S * A + 10):
        Pp = P[idx, pol[idx]][:, idx]  # transitions among the non-target states of G
        try:
            hv = np.linalg.solve(np.eye(idx.size) - Pp, np.ones(idx.size))
        except np.linalg.LinAlgError:
            raise ValueError(
                f"diameter: the hitting-time system of target {target} is "
                "numerically singular (transition probabilities too small for "
                "float64 expected hitting times)"
            ) from None
        h[idx] = hv
        # improvement over the actions that keep the chain inside G
        Q = 1.0 + P[idx] @ np.where(G, h, 0.0)
        Q = np.where(allowed[idx], Q, np.inf)
        cur = Q[np.arange(idx.size), pol[idx]]
        best = Q.min(axis=1)
        better = best < cur - 1e-12 * np.maximum(1.0, np.abs(cur))
        if not better.any():
            return h
        pol[idx[better]] = Q[better].argmin(axis=1)
    raise RuntimeError("diameter: policy iteration did not stabilise")  # pragma: no cover


def diameter(mdp) -> float:
    """Diameter D of a stationary model: ``max_{s != s'} min_pi E[steps to reach s' from s]``.

    Exact (to linear-solve rounding): for each target s', Howard policy iteration on the
    unit-cost shortest path problem to s'. ``inf`` when the model is not communicating;
    0 for S = 1. Respects the model's ``action_mask``.

    Parameters
    ----------
    mdp : TabularMDP with a stationary P (any criterion; only P and the mask are used)

    Returns
    -------
    float
    """
    from ..models.tabular import TabularMDP

    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a mdpkit.TabularMDP, got {type(mdp).__name__}")
    if mdp.step_dependent_P:
        raise ValueError("diameter needs a stationary P; this model's P is step-dependent")
    S, A = mdp.S, mdp.A
    P = mdp.dense_P() if sp.issparse(mdp.P) else np.asarray(mdp.P, dtype=np.float64)
    mask = np.ones((S, A), dtype=bool) if mdp.action_mask is None else mdp.action_mask
    D = 0.0
    for target in range(S):
        h = _hitting_times(P, mask, target)
        D = max(D, float(h.max()))
        if not np.isfinite(D):
            return float("inf")
    return D

r"""LP relaxations of LSD planning: the higher-dimensional (arm, active length, idle length)
LP and the recharging (arm, delay) LP, both solved with HiGHS.

Paper page: ``docs/papers/lsd-bandits.md`` (section "LP relaxation"). The formulation is a
reconstruction (only the paper's abstract could be read); it is an upper bound by the
cycle-decomposition argument checked exactly in ``proofs_check/check_lsd.py``.

Higher-dimensional LP. Variables ``x[i, tau, delta] >= 0`` (long-run fraction of time arm
i spends in cycles of ``delta`` idle rounds followed by ``tau`` consecutive pulls,
``tau, delta in 1..M``) and ``y[i] >= 0`` (fraction of time arm i is pulled beyond its
M-th consecutive pull, "steady" pulls paying ``f_i(+M)``)::

    max   sum_i [ sum_{tau,delta} x[i,tau,delta] R_i(tau,delta)/(tau+delta) + y[i] f_i(+M) ]
    s.t.  sum_{tau,delta} x[i,tau,delta] + y[i] <= 1                       for every arm i
          sum_i [ sum_{tau,delta} x[i,tau,delta] tau/(tau+delta) + y[i] ] <= 1
    R_i(tau, delta) = f_i(-delta) + sum_{j=1}^{tau-1} f_i(+j).

It bounds ``OPT_T <= (T + M) LP*`` and ``g* <= LP*`` for any payoffs (monotone or not).
Without ``y`` it would not be a relaxation (long blocks of a satiated arm would be
unrepresentable).

Recharging LP (Papadigenopoulos, Caramanis, Shakkottai 2022): delay payoffs ``p_i(d)``,
``d = 1..D`` rounds since the last pull: ``max sum x[i,d] p_i(d)/d`` s.t.
``sum_d x[i,d] <= 1`` for every i and ``sum_{i,d} x[i,d]/d <= 1``. Embedded as an LSD
instance (``mdpkit.models.lsd.recharging_embedding``) both LPs have the same value.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..models.lsd import LSDInstance

__all__ = [
    "LPSolution",
    "cycle_coefficients",
    "solve_lsd_lp",
    "solve_lsd_lp_table",
    "solve_recharging_lp",
    "lp_objective",
    "lp_constraints",
    "schedule_lp_point",
]


class LPSolution(NamedTuple):
    """Solution of the higher-dimensional LP.

    value : float               LP*
    x : ndarray (k, M, M)       ``x[i, tau-1, delta-1]``
    y : ndarray (k,)            steady variables
    q : ndarray (k,)            activity shares ``sum x tau/(tau+delta) + y``
    """

    value: float
    x: np.ndarray
    y: np.ndarray
    q: np.ndarray


def cycle_coefficients(f: np.ndarray):
    """Objective and constraint coefficients of the LP for a payoff table ``f`` (k, 2M).

    Returns
    -------
    rate : (k, M, M)     ``R_i(tau, delta)/(tau + delta)``
    share : (M, M)       ``tau/(tau + delta)``
    """
    f = np.asarray(f, dtype=np.float64)
    k, M = f.shape[0], f.shape[1] // 2
    tau = np.arange(1, M + 1)[:, None]
    delta = np.arange(1, M + 1)[None, :]
    # R(tau, delta) = f(-delta) + prefix(tau - 1), prefix(m) = sum_{j=1}^{m} f(+j)
    prefix = np.concatenate([np.zeros((k, 1)), np.cumsum(f[:, M:], axis=1)], axis=1)  # (k, M+1)
    R = f[:, None, :M] + prefix[:, :M, None]  # (k, tau, delta)
    return R / (tau + delta)[None], (tau / (tau + delta)).astype(np.float64)


def solve_lsd_lp_table(f: np.ndarray) -> LPSolution:
    """Solve the LP for a payoff table ``f`` of shape (k, 2M) (no monotonicity needed)."""
    from scipy.optimize import linprog

    f = np.asarray(f, dtype=np.float64)
    k, M = f.shape[0], f.shape[1] // 2
    rate, share = cycle_coefficients(f)
    nv = M * M + 1
    c = np.empty(k * nv)
    A = np.zeros((k + 1, k * nv))
    for i in range(k):
        sl = slice(i * nv, (i + 1) * nv)
        c[sl] = -np.append(rate[i].ravel(), f[i, 2 * M - 1])
        A[i, sl] = 1.0
        A[k, sl] = np.append(share.ravel(), 1.0)
    res = linprog(c, A_ub=A, b_ub=np.ones(k + 1), bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"LSD LP failed (HiGHS status {res.status}): {res.message}")
    z = np.maximum(res.x.reshape(k, nv), 0.0)
    x = z[:, :-1].reshape(k, M, M)
    y = z[:, -1].copy()
    q = (x * share[None]).sum(axis=(1, 2)) + y
    return LPSolution(float(-res.fun), x, y, q)


def solve_lsd_lp(inst: LSDInstance) -> LPSolution:
    """The higher-dimensional LP of ``inst`` (module docstring)."""
    if not isinstance(inst, LSDInstance):
        raise TypeError(f"inst must be an LSDInstance, got {type(inst).__name__}")
    return solve_lsd_lp_table(inst.f)


def lp_objective(f, x, y) -> float:
    """LP objective at a point ``(x, y)``."""
    rate, _ = cycle_coefficients(f)
    f = np.asarray(f, dtype=np.float64)
    return float((rate * x).sum() + (y * f[:, -1]).sum())


def lp_constraints(x, y):
    """Left-hand sides: per-arm time ``(k,)`` and the pull rate (scalar)."""
    M = x.shape[1]
    tau = np.arange(1, M + 1)[:, None]
    delta = np.arange(1, M + 1)[None, :]
    share = tau / (tau + delta)
    return x.sum(axis=(1, 2)) + y, float((x * share[None]).sum() + y.sum())


def solve_recharging_lp(p) -> float:
    """Value of the recharging LP for delay payoffs ``p`` of shape (k, D), ``p[i, d-1] = p_i(d)``."""
    from scipy.optimize import linprog

    p = np.atleast_2d(np.asarray(p, dtype=np.float64))
    if p.ndim != 2 or p.shape[1] < 1:
        raise ValueError(f"p must have shape (k, D) with D >= 1, got {p.shape}")
    k, D = p.shape
    d = np.arange(1, D + 1)
    c = -(p / d[None]).ravel()
    A = np.zeros((k + 1, k * D))
    for i in range(k):
        A[i, i * D : (i + 1) * D] = 1.0
    A[k] = np.tile(1.0 / d, k)
    res = linprog(c, A_ub=A, b_ub=np.ones(k + 1), bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"recharging LP failed: {res.message}")
    return float(-res.fun)


def schedule_lp_point(inst: LSDInstance, actions, exactly_one: bool = False):
    """The LP point of an action sequence (the relaxation argument, exact integers).

    Each arm's timeline (with a virtual idle prefix of M rounds for the initial state -M)
    is cut into maximal runs of pulls; a run of length ``t`` after ``g`` idle rounds counts
    as one cycle ``(min(t, M), min(g, M))`` plus ``max(t - M, 0)`` steady pulls.

    Returns
    -------
    cycles : int64 (k, M, M)    number of cycles of each type
    steady : int64 (k,)         number of steady pulls
    The point ``x = cycles (tau + delta)/(T + M)``, ``y = steady/(T + M)`` is LP-feasible and
    ``(T + M) * objective(x, y)`` equals the schedule's total mean payoff.
    """
    k, M = inst.k, inst.M
    acts = np.asarray(actions, dtype=np.int64)
    hi = k if exactly_one else k + 1
    if acts.ndim != 1 or (acts.size and (acts.min() < 0 or acts.max() >= hi)):
        raise ValueError(f"actions must be a 1-d integer array with values in [0, {hi})")
    cycles = np.zeros((k, M, M), dtype=np.int64)
    steady = np.zeros(k, dtype=np.int64)
    for i in range(k):
        gap, run = M, 0  # virtual idle prefix of M rounds
        for a in acts:
            if a == i:
                run += 1
            else:
                if run:
                    cycles[i, min(run, M) - 1, min(gap, M) - 1] += 1
                    steady[i] += max(run - M, 0)
                    gap, run = 0, 0
                gap += 1
        if run:
            cycles[i, min(run, M) - 1, min(gap, M) - 1] += 1
            steady[i] += max(run - M, 0)
    return cycles, steady

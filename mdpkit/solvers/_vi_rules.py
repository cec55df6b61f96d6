r"""The loop and per-sweep rules of (modified) value iteration, written once for every engine.

:func:`run_loop` drives an engine's array operations (numpy, or the compiled kernels of
:mod:`mdpkit.solvers._kernels`); :func:`sweep_control` decides, after sweep ``n``
with extremes ``dmin``/``dmax`` of :math:`d = TV_n - V_n`, whether to stop (converged, cap,
rounding floor) and the damping ``alpha`` of the next update. The derivations are in the
module docstring of :mod:`mdpkit.solvers.vi` ("Rounding", "Periodic chains").

This module imports nothing (so the numpy engine never loads numba).
"""

from __future__ import annotations

import math

__all__ = [
    "sweep_control",
    "rounding_delta",
    "certified_bound",
    "new_state",
    "N_STATE",
    "RULE_SPAN",
    "RULE_SUPNORM",
    "CONTINUE",
    "CONVERGED",
    "CAP",
    "FLOOR",
    "EPS",
    "STALL_SWEEPS",
    "FLOOR_REL",
    "SLOW_RATIO",
    "WINDOW",
    "ALPHA",
]

RULE_SPAN = 0
RULE_SUPNORM = 1
CONTINUE, CONVERGED, CAP, FLOOR = 0, 1, 2, 3
#: float64 machine epsilon (twice the unit roundoff: a safe per-operation error factor)
EPS = 2.220446049250313e-16
#: sweeps without a new minimum of the statistic before the rounding-floor test
STALL_SWEEPS = 20
#: rounding floor of the statistic, relative to max|TV| (~1000 ulps)
FLOOR_REL = 1e3 * EPS
#: a sweep is "slow" when the statistic shrinks by less than this factor
SLOW_RATIO = 0.95
#: slow sweeps that start a damping trial, and length of the trial
WINDOW = 8
#: damping of the update ``V <- (1 - alpha) V + alpha T V`` during a trial / when kept
ALPHA = 0.5

# state slots (a float64 array of length N_STATE, mutated in place)
_BEST, _STALL, _MODE, _SLOW, _LOGP, _LOGT, _LEFT, _PREV = 0, 1, 2, 3, 4, 5, 6, 7
N_STATE = 8
_PLAIN, _TRIAL, _DAMPED, _PLAIN_FINAL = 0.0, 1.0, 2.0, 3.0


def new_state(state):
    """Initialise a float64 array of length ``N_STATE`` in place."""
    for i in range(N_STATE):
        state[i] = 0.0
    state[_BEST] = math.inf
    state[_PREV] = math.inf
    return state


def rounding_delta(err_coef, vmax, wmax, rmax):
    r"""Bound on the floating-point error of each computed entry of ``d = TV - V`` (and of
    ``TV``): ``err_coef * (max|V| + max|TV| + max|R|)`` with ``err_coef = (n_row + 4) EPS``
    (a dot product of ``n_row`` terms with non-negative weights summing to ~1, then three
    roundings)."""
    return err_coef * (vmax + wmax + rmax)


def certified_bound(rule, c, gamma, dmin, dmax, delta):
    r"""Certified bound on ``max_s V*(s) - V^pi(s)`` from the *computed* extremes.

    Span rule: ``c (dmax - dmin) + 4 delta / (1 - gamma)``; sup-norm rule:
    ``2 c max(|dmin|, |dmax|) + 4 delta / (1 - gamma)`` (module docstring of ``vi``)."""
    slack = 4.0 * delta / (1.0 - gamma)
    if rule == RULE_SPAN:
        return c * (dmax - dmin) + slack
    return 2.0 * c * max(abs(dmin), abs(dmax)) + slack


def sweep_control(
    state, n, dmin, dmax, vmax, wmax, rmax, rule, gamma, tol, max_iter, err_coef, allow_damping
):
    """Decide after sweep ``n``: returns ``(verdict, alpha, delta)``.

    ``verdict``: CONTINUE, CONVERGED (certified bound <= tol), CAP (``n >= max_iter``) or
    FLOOR (the statistic stagnated at the float64 rounding floor). ``alpha``: damping of
    the next update (1.0 = plain). ``delta``: the rounding bound of this sweep.
    """
    c = gamma / (1.0 - gamma)
    # rounding_delta and certified_bound, inlined (numba cannot call the Python functions)
    delta = err_coef * (vmax + wmax + rmax)
    slack = 4.0 * delta / (1.0 - gamma)
    if rule == RULE_SPAN:
        bound = c * (dmax - dmin) + slack
    else:
        bound = 2.0 * c * max(abs(dmin), abs(dmax)) + slack
    if bound <= tol:
        return CONVERGED, 1.0, delta
    if n >= max_iter:
        return CAP, 1.0, delta
    stat = (dmax - dmin) if rule == RULE_SPAN else max(abs(dmin), abs(dmax))
    if stat < state[_BEST]:
        state[_BEST] = stat
        state[_STALL] = 0.0
    else:
        state[_STALL] += 1.0
        if state[_STALL] >= STALL_SWEEPS and stat <= FLOOR_REL * wmax + 2.0 * delta:
            return FLOOR, 1.0, delta
    # periodic chains: try damped updates when the plain ones are slow, keep the faster
    prev = state[_PREV]
    state[_PREV] = stat
    lr = 0.0
    if prev > 0.0 and stat > 0.0 and prev < math.inf:
        lr = math.log(stat / prev)
    mode = state[_MODE]
    if allow_damping and rule == RULE_SPAN and mode == _PLAIN:  # sup-norm: textbook VI
        if prev < math.inf and stat >= SLOW_RATIO * prev:
            state[_SLOW] += 1.0
            state[_LOGP] += lr
        else:
            state[_SLOW] = 0.0
            state[_LOGP] = 0.0
        if state[_SLOW] >= WINDOW:
            state[_MODE] = _TRIAL
            state[_LEFT] = WINDOW + 1.0
            state[_LOGT] = 0.0
    elif mode == _TRIAL:
        state[_LEFT] -= 1.0
        if state[_LEFT] < WINDOW:  # the first damped ratio mixes both updates: skipped
            state[_LOGT] += lr
        if state[_LEFT] <= 0.0:
            # per-sweep mean log ratios over WINDOW - 1 damped and WINDOW plain sweeps
            damped = state[_LOGT] / (WINDOW - 1.0)
            plain = state[_LOGP] / WINDOW
            state[_MODE] = _DAMPED if damped < plain else _PLAIN_FINAL
    mode = state[_MODE]
    alpha = ALPHA if (mode == _TRIAL or mode == _DAMPED) else 1.0
    return CONTINUE, alpha, delta


def run_loop(ops, V0, max_iter, rule, gamma, tol, m, err_coef, allow_damping, rmax):
    """The (modified) value iteration loop of every engine, one Python step per sweep.

    ``ops`` supplies the engine's array operations (compiled kernels or numpy):
    ``ops.sweep(V, Q, W) -> (dmin, dmax)`` (Bellman sweep: ``Q = R + gamma P V``,
    ``W = max_a Q``, extremes of ``W - V``), ``ops.policy_sweep(pol, u, out)``
    (``out = T_pi u``), ``ops.argmax(Q, pol)``, ``ops.maxabs(x)``, ``ops.centre(x)``
    (subtract the midrange in place, return max|x|), ``ops.damp(old, new, alpha)``
    (``new <- (1 - alpha) old + alpha new``), ``ops.empty(shape)``, ``ops.empty_int(n)``.

    Returns ``(V_n, TV_n, Q_n, n_iter, dmin, dmax, converged, floor_hit, delta)``:
    ``V_n`` the last iterate fed to a Bellman sweep, ``TV_n = max_a Q_n``,
    ``Q_n = R + gamma P V_n``, ``dmin``/``dmax`` the computed extremes of ``TV_n - V_n``,
    ``delta`` the rounding bound of that sweep. With the span rule every next iterate is
    centred (module docstring of ``vi``, "Rounding"); the update is damped when
    :func:`sweep_control` says so ("Periodic chains").
    """
    S = V0.shape[0]
    A = ops.n_actions
    V = V0.copy()
    W = ops.empty((S,))
    Q = ops.empty((S, A))
    pol = ops.empty_int(S)
    state = new_state([0.0] * N_STATE)
    vmax = ops.maxabs(V)
    n = 0
    while True:
        dmin, dmax = ops.sweep(V, Q, W)
        n += 1
        verdict, alpha, delta = sweep_control(
            state,
            n,
            dmin,
            dmax,
            vmax,
            ops.maxabs(W),
            rmax,
            rule,
            gamma,
            tol,
            max_iter,
            err_coef,
            allow_damping,
        )
        if verdict != CONTINUE:
            break
        if m > 0:
            ops.argmax(Q, pol)
        if alpha != 1.0:
            ops.damp(V, W, alpha)
        # u_0 = W (= T V, damped); u_{k+1} = T_pi u_k (damped), ping-pong between W and V
        for _ in range(m):
            ops.policy_sweep(pol, W, V)
            if alpha != 1.0:
                ops.damp(W, V, alpha)
            V, W = W, V
        V, W = W, V
        vmax = ops.centre(V) if rule == RULE_SPAN else ops.maxabs(V)
    return V, W, Q, n, dmin, dmax, verdict == CONVERGED, verdict == FLOOR, delta

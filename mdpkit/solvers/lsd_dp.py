r"""Exact planning for small LSD bandits: dynamic programming over joint states.

Paper page: ``docs/papers/lsd-bandits.md`` (section "Exact planning").

States evolve deterministically given the actions and only mean payoffs matter, so an
optimal policy is an open-loop action sequence and the problem is a longest path in the
deterministic *joint-state graph*: nodes are the joint states reachable from "every arm at
``-M``" (at most one arm can be on an active streak, so at most ``(k + 1) M^k`` of them),
edges are the actions (pull arm ``i``, or idle when ``exactly_one`` is False) weighted by
the mean payoff.

* ``OPT_T`` (:func:`opt_value`): backward induction over T steps, compiled;
* ``g* = lim OPT_T / T`` (:func:`optimal_gain`): the maximum mean cycle reachable from the
  initial state, by Karp's algorithm (compiled, exact up to floating rounding), with the
  average-reward LP over the reachable states (:func:`gain_lp`, HiGHS) as an independent
  cross-check. The finite difference ``(V_T - V_{T-D})/D`` is exact only when D is a
  multiple of the optimal cycle length and is not used.

Encoding: a joint state is a vector of per-arm state codes (``mdpkit.models.lsd``); the
tables index the reachable joint states ``0..S-1`` with the initial state at index 0.
Actions ``0..k-1`` pull an arm, action ``k`` (present iff not ``exactly_one``) idles.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ..models.lsd import LSDInstance
from ..utils import check_positive_int

__all__ = [
    "JointTables",
    "joint_tables",
    "opt_value",
    "opt_values",
    "optimal_schedule",
    "optimal_gain",
    "gain_lp",
    "MAX_JOINT_STATES",
]

#: refuse graphs whose bound (k + 1) M^k exceeds this (the DP is meant for k <= 4, M <= 4:
#: at most 1280 joint states)
MAX_JOINT_STATES = 20_000


class JointTables(NamedTuple):
    """Deterministic joint-state graph of an LSD instance.

    codes : int64 (S, k)       per-arm state codes of each joint state (row 0 = initial)
    nxt : int64 (S, A)         successor index after action a
    rew : float64 (S, A)       mean payoff of action a (0 for idling)
    """

    codes: np.ndarray
    nxt: np.ndarray
    rew: np.ndarray


def _encode(codes: np.ndarray, base: int) -> np.ndarray:
    k = codes.shape[1]
    w = base ** np.arange(k, dtype=np.int64)
    return codes.astype(np.int64) @ w


def joint_tables(
    inst: LSDInstance, exactly_one: bool = False, max_states: int = MAX_JOINT_STATES
) -> JointTables:
    """Build the reachable joint-state graph (breadth-first from every arm at ``-M``).

    Raises ValueError when more than ``max_states`` joint states would be needed.
    """
    if not isinstance(inst, LSDInstance):
        raise TypeError(f"inst must be an LSDInstance, got {type(inst).__name__}")
    k, M = inst.k, inst.M
    bound = (k + 1) * M**k
    if bound > max_states:
        raise ValueError(
            f"inst has up to (k+1) M^k = {bound} joint states > max_states = "
            f"{max_states}; exact planning is meant for small k and M"
        )
    A = k if exactly_one else k + 1
    base = 2 * M
    frontier = np.full((1, k), M - 1, dtype=np.int64)
    index = {int(_encode(frontier, base)[0]): 0}
    rows = [frontier[0]]
    nxt_rows: list = []
    order = [frontier[0]]
    pos = 0
    while pos < len(order):
        c = order[pos]
        pos += 1
        succ = np.empty((A, k), dtype=np.int64)
        for a in range(A):
            pulled = np.arange(k) == a
            act = c >= M
            new = np.where(
                pulled,
                np.where(act, np.minimum(c + 1, 2 * M - 1), M),
                np.where(act, 0, np.minimum(c + 1, M - 1)),
            )
            succ[a] = new
        keys = _encode(succ, base)
        nrow = np.empty(A, dtype=np.int64)
        for a in range(A):
            key = int(keys[a])
            j = index.get(key)
            if j is None:
                j = len(rows)
                index[key] = j
                rows.append(succ[a])
                order.append(succ[a])
            nrow[a] = j
        nxt_rows.append(nrow)
    codes = np.array(rows, dtype=np.int64)
    nxt = np.array(nxt_rows, dtype=np.int64)
    rew = np.zeros((codes.shape[0], A))
    f = inst.f
    for a in range(k):
        rew[:, a] = f[a, codes[:, a]]
    return JointTables(codes, nxt, rew)


@njit(cache=True)
def _backward(nxt, rew, T, keep_policy):
    S, A = rew.shape
    V = np.zeros(S)
    V2 = np.empty(S)
    pol = np.zeros((T if keep_policy else 1, S), dtype=np.int8)
    for h in range(T):  # h = steps done; after the loop V = V_T (T steps to go)
        for s in range(S):
            best = -1.0
            ba = 0
            for a in range(A):
                v = rew[s, a] + V[nxt[s, a]]
                if v > best:
                    best = v
                    ba = a
            V2[s] = best
            if keep_policy:
                pol[T - 1 - h, s] = ba  # action with T - h steps to go, stored by time
        for s in range(S):
            V[s] = V2[s]
    return V, pol


def opt_value(inst: LSDInstance, T: int, exactly_one: bool = False, tables=None) -> float:
    """``OPT_T``: the best expected total payoff of T rounds from the initial state."""
    T = check_positive_int(T, "T")
    tab = tables if tables is not None else joint_tables(inst, exactly_one)
    V, _ = _backward(tab.nxt, tab.rew, T, False)
    return float(V[0])


def opt_values(inst: LSDInstance, horizons, exactly_one: bool = False) -> np.ndarray:
    """``OPT_T`` for several horizons (one graph build), shape (len(horizons),)."""
    tab = joint_tables(inst, exactly_one)
    return np.array(
        [
            opt_value(inst, check_positive_int(int(T), "horizons[i]"), exactly_one, tab)
            for T in horizons
        ]
    )


@njit(cache=True)
def _follow(nxt, pol):
    T = pol.shape[0]
    acts = np.empty(T, dtype=np.int64)
    s = 0
    for t in range(T):
        a = pol[t, s]
        acts[t] = a
        s = nxt[s, a]
    return acts


def optimal_schedule(inst: LSDInstance, T: int, exactly_one: bool = False):
    """An optimal open-loop action sequence and its value.

    Returns
    -------
    actions : int64 (T,)   arm index, or ``k`` for idling
    value : float          ``OPT_T`` (= the sum of the mean payoffs along ``actions``)
    """
    T = check_positive_int(T, "T")
    tab = joint_tables(inst, exactly_one)
    V, pol = _backward(tab.nxt, tab.rew, T, True)
    return _follow(tab.nxt, pol), float(V[0])


@njit(cache=True)
def _karp(nxt, rew):
    """Maximum mean cycle reachable from node 0 (Karp 1978, max version)."""
    S, A = rew.shape
    NEG = -np.inf
    D = np.full((S + 1, S), NEG)
    D[0, 0] = 0.0
    for n in range(1, S + 1):
        prev = D[n - 1]
        cur = D[n]
        for s in range(S):
            ps = prev[s]
            if ps == NEG:
                continue
            for a in range(A):
                v = ps + rew[s, a]
                j = nxt[s, a]
                if v > cur[j]:
                    cur[j] = v
    best = NEG
    for v in range(S):
        if D[S, v] == NEG:
            continue
        worst = np.inf
        for kk in range(S):
            if D[kk, v] == NEG:
                continue
            val = (D[S, v] - D[kk, v]) / (S - kk)
            if val < worst:
                worst = val
        if worst > best:
            best = worst
    return best


def optimal_gain(inst: LSDInstance, exactly_one: bool = False, tables=None) -> float:
    """``g* = lim_T OPT_T / T``: the maximum-mean cycle of the joint-state graph reachable
    from the initial state (Karp's algorithm over the reachable states; all nodes of
    :func:`joint_tables` are reachable from node 0 by construction)."""
    tab = tables if tables is not None else joint_tables(inst, exactly_one)
    S = tab.rew.shape[0]
    if S > 6000:
        raise ValueError(
            f"Karp's algorithm needs (S+1) x S memory; S = {S} joint states is too "
            "many (use gain_lp)"
        )
    return float(_karp(tab.nxt, tab.rew))


def gain_lp(inst: LSDInstance, exactly_one: bool = False, tables=None) -> float:
    """``g*`` by the average-reward LP over the reachable joint states (cross-check):
    ``max sum mu(s,a) r(s,a)`` s.t. ``sum_a mu(s,a) = sum_{(s',a'): nxt = s} mu(s',a')``,
    ``sum mu = 1``, ``mu >= 0`` (HiGHS). On a deterministic graph whose nodes are all
    reachable from the start, its value is the maximum mean cycle."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, vstack

    tab = tables if tables is not None else joint_tables(inst, exactly_one)
    S, A = tab.rew.shape
    n = S * A
    cols = np.arange(n)
    out_rows = np.repeat(np.arange(S), A)
    in_rows = tab.nxt.ravel()
    flow = coo_matrix(
        (
            np.concatenate([np.ones(n), -np.ones(n)]),
            (np.concatenate([out_rows, in_rows]), np.concatenate([cols, cols])),
        ),
        shape=(S, n),
    )
    norm = coo_matrix((np.ones(n), (np.zeros(n, dtype=np.int64), cols)), shape=(1, n))
    A_eq = vstack([flow, norm]).tocsr()
    b_eq = np.zeros(S + 1)
    b_eq[-1] = 1.0
    res = linprog(-tab.rew.ravel(), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"average-reward LP failed: {res.message}")
    return float(-res.fun)

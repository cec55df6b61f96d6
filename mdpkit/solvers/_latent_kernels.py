r"""Compiled kernels of the latent-MDP history-tree engine (``docs/papers/latent-mdp.md``,
"Exact planning").

A *history tree* has one node per (step t, state s, normalised belief b over contexts);
histories with the same key (t, s, round(b * key_scale)) share a node (their subtrees are
identical, see the paper page). Nodes are stored level by level (step 0 first), so every
child has a larger index than its parent and a backward pass is a reverse loop.

Arrays of a tree (all C-contiguous):

* ``level_start`` (H + 1,) int64: nodes of step t are ``level_start[t] .. level_start[t+1]-1``;
* ``node_s`` (N,) int64: the node's state;
* ``node_b`` (N, M) float64: its normalised belief;
* ``child`` (N, A, nR, S) int32: the node reached by action a, reward index r and next
  state s' (-1 when that history has belief mass 0);
* ``root`` (M, S) int64: the node where an episode of context m starting in s begins
  (rows are identical unless the roots were given per context, as for the oracle learner).

The same arrays describe a *policy* (a finite-state controller) once an action per node
``act`` (N,) is added: the action at a history is ``act`` of its node. ``fsc_*`` kernels
evaluate such a policy exactly, context by context.

Reward indices: rewards are matched to the sorted distinct reward values of the LMDP;
``ridx[m, s, a] = -1`` means "reward uninformative" (every child reward index is
consistent with context m), which the context-agnostic learner uses.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

Tree = namedtuple("Tree", ["level_start", "node_s", "node_b", "child", "root"])
Tree.__doc__ = "History tree arrays (see the module docstring for shapes)."

_HASH_MUL = 1000003
_MIX = -49064778989728563  # 0xff51afd7ed558ccd as a signed int64 (murmur3 finaliser)
STATUS_OK = 0
STATUS_TOO_MANY_NODES = 1


@njit(cache=True)
def sample_index(p, u):
    """Inverse-CDF draw from the distribution ``p`` (1-d) with the uniform ``u`` in [0, 1).
    Returns the last index of positive mass if rounding leaves ``u`` above the total."""
    c = 0.0
    last = -1
    for i in range(p.shape[0]):
        if p[i] > 0.0:
            c += p[i]
            last = i
            if u < c:
                return i
    return last


@njit(cache=True, inline="always")
def _key_hash(t, s, q):
    h = np.int64(t) * np.int64(7919) + np.int64(s) + np.int64(1)
    for i in range(q.shape[0]):
        h = h * np.int64(_HASH_MUL) + q[i]
    return h


@njit(cache=True)
def _grow(store, cap):
    """The node arrays ``(node_s, node_b, keys, child)`` copied into capacity ``cap``."""
    node_s, node_b, keys, child = store
    n = node_s.shape[0]
    s2 = np.zeros(cap, node_s.dtype)
    s2[:n] = node_s
    b2 = np.zeros((cap, node_b.shape[1]), node_b.dtype)
    b2[:n] = node_b
    k2 = np.zeros((cap, keys.shape[1]), keys.dtype)
    k2[:n] = keys
    c2 = np.full((cap, child.shape[1], child.shape[2], child.shape[3]), -1, np.int32)
    c2[:n] = child
    return s2, b2, k2, c2


@njit(cache=True)
def _new_table(size):
    """An empty open-addressing table of ``size`` (a power of two) node slots."""
    return np.full(size, -1, np.int64)


@njit(cache=True, inline="always")
def _slot(tab, t, s, q, node_s, keys):
    """Slot of the key (t, s, q) in the level table ``tab`` (linear probing from its hash):
    the slot holding the node of that key, or the empty slot where it belongs."""
    mask = tab.shape[0] - 1
    h = _key_hash(t, s, q)
    h ^= h >> 33  # mix the high bits into the low ones (rounded beliefs are multiples of 2^k)
    h *= _MIX
    h ^= h >> 29
    i = h & mask
    while tab[i] >= 0:
        j = tab[i]
        same = node_s[j] == s
        for m in range(q.shape[0]):
            if keys[j, m] != q[m]:
                same = False
        if same:
            return i
        i = (i + 1) & mask
    return i


@njit(cache=True)
def _insert(tab, i, t, s, b, q, lo, store, n, max_nodes):
    """Add node ``n`` (step t, state s, belief ``b``, rounded belief ``q``) in the empty slot
    ``i`` of the level table ``tab`` (nodes ``lo .. n-1`` of level t): the one node insertion
    of both passes of :func:`build_tree`. Grows the node arrays ``store`` when full and
    doubles (rebuilds) the table when half full. Returns ``(n + 1, store, tab)``, or
    ``(-1, store, tab)`` when the node would exceed ``max_nodes``."""
    if n >= max_nodes:
        return -1, store, tab
    if n >= store[0].shape[0]:
        store = _grow(store, 2 * store[0].shape[0])
    node_s, node_b, keys, _ = store
    node_s[n] = s
    node_b[n] = b
    keys[n] = q
    tab[i] = n
    n += 1
    if 2 * (n - lo) > tab.shape[0]:
        tab = _new_table(2 * tab.shape[0])
        for j in range(lo, n):
            tab[_slot(tab, t, node_s[j], keys[j], node_s, keys)] = j
    return n, store, tab


@njit(cache=True, inline="always")
def child_belief_exact(b, match, pcol, out):
    """Unnormalised child belief ``out_m = b_m [reward consistent] P_m(s'|s,a)``; returns
    its total (0: the history is impossible and gets no node)."""
    tot = 0.0
    for m in range(b.shape[0]):
        out[m] = b[m] * pcol[m] if match[m] else 0.0
        tot += out[m]
    return tot


@njit(cache=True, inline="always")
def child_belief_backoff(b, match, pcol, out):
    """As :func:`child_belief_exact`, but a history that the model deems impossible for
    every context still gets a node: the transition is then ignored (``out_m = b_m``
    [reward consistent]), and if the reward too is inconsistent with every context, the
    parent belief is kept. Used by learners, whose empirical model may exclude the truth."""
    tot = child_belief_exact(b, match, pcol, out)
    if tot > 0.0:
        return tot
    for m in range(b.shape[0]):
        out[m] = b[m] if match[m] else 0.0
        tot += out[m]
    if tot > 0.0:
        return tot
    for m in range(b.shape[0]):
        out[m] = b[m]
        tot += out[m]
    return tot


@njit(cache=True)
def _too_many(level_start, store, root, n):
    node_s, node_b, keys, child = store
    return STATUS_TOO_MANY_NODES, n, Tree(level_start, node_s[:0], node_b[:0], child[:0], root)


@njit(cache=True)
def build_tree(Pb, ridx, nR, root_rho, H, key_scale, max_nodes, capacity, keep_impossible):
    """Expand the history tree of the belief kernel ``Pb`` (M, S, A, S) from ``root_rho``.

    Parameters
    ----------
    Pb : (M, S, A, S) float64
        Kernel used for belief updates (need not be normalised; only ratios matter).
    ridx : (M, S, A) int64
        Reward index of each (m, s, a), or -1 (uninformative).
    nR : int
        Number of reward indices (children per (a, s')).
    root_rho : (Mr, S, M) float64
        Unnormalised root beliefs; ``Mr = 1`` (one root per state) or ``Mr = M`` (one root
        per context and state).
    H : int
    key_scale : float
        Beliefs are merged when ``round(b * key_scale)`` agree entrywise.
    max_nodes : int
        Refuse (status 1) when the tree would exceed this many nodes.
    capacity : int
        Initial allocation (arrays double when full).
    keep_impossible : bool
        False (exact planner): a history of belief mass 0 gets no node
        (:func:`child_belief_exact`). True (learners): it gets a node with the backed-off
        belief of :func:`child_belief_backoff`, so that every history of the true LMDP is
        covered by the learner's policy even where its empirical model excludes it.

    Returns
    -------
    status : int (0 ok, 1 too many nodes), n_nodes : int, Tree
    """
    M, S, A, _ = Pb.shape
    Mr = root_rho.shape[0]
    cap = max(capacity, 16)
    store = (
        np.zeros(cap, np.int64),
        np.zeros((cap, M), np.float64),
        np.zeros((cap, M), np.int64),
        np.full((cap, A, nR, S), -1, np.int32),
    )
    level_start = np.zeros(H + 1, np.int64)
    root = np.full((M, S), -1, np.int64)
    n = 0
    q = np.zeros(M, np.int64)
    b = np.zeros(M, np.float64)
    # ---- roots (step 0)
    tab = _new_table(64)
    for i in range(Mr):
        for s in range(S):
            tot = 0.0
            for m in range(M):
                tot += root_rho[i, s, m]
            if tot <= 0.0:
                continue
            for m in range(M):
                b[m] = root_rho[i, s, m] / tot
                q[m] = np.int64(np.round(b[m] * key_scale))
            i_slot = _slot(tab, 0, s, q, store[0], store[2])
            found = tab[i_slot]
            if found < 0:
                n, store, tab = _insert(tab, i_slot, 0, s, b, q, 0, store, n, max_nodes)
                if n < 0:
                    return _too_many(level_start, store, root, max_nodes)
                found = n - 1
            if Mr == 1:
                for m in range(M):
                    root[m, s] = found
            else:
                root[i, s] = found
    level_start[1] = n
    # ---- levels 1 .. H-1
    rho = np.zeros(M, np.float64)
    pcol = np.zeros(M, np.float64)
    match = np.zeros(M, np.bool_)
    for t in range(1, H):
        tab = _new_table(64)
        node_s, node_b, keys, child = store
        for p in range(level_start[t - 1], level_start[t]):
            s = node_s[p]
            bp = node_b[p]  # a view, taken once (stays valid when the arrays grow)
            for a in range(A):
                for r in range(nR):
                    for m in range(M):
                        rm = ridx[m, s, a]
                        match[m] = bp[m] > 0.0 and (rm < 0 or rm == r)
                    for s2 in range(S):
                        for m in range(M):
                            pcol[m] = Pb[m, s, a, s2]
                        if keep_impossible:
                            tot = child_belief_backoff(bp, match, pcol, rho)
                        else:
                            tot = child_belief_exact(bp, match, pcol, rho)
                        if tot <= 0.0:
                            continue
                        for m in range(M):
                            b[m] = rho[m] / tot
                            q[m] = np.int64(np.round(b[m] * key_scale))
                        i_slot = _slot(tab, t, s2, q, node_s, keys)
                        found = tab[i_slot]
                        if found < 0:
                            n, store, tab = _insert(
                                tab, i_slot, t, s2, b, q, level_start[t], store, n, max_nodes
                            )
                            if n < 0:
                                return _too_many(level_start, store, root, max_nodes)
                            node_s, node_b, keys, child = store
                            found = n - 1
                        child[p, a, r, s2] = found
        level_start[t + 1] = n
    node_s, node_b, keys, child = store
    for t in range(H, H + 1):
        level_start[t] = n
    return (
        STATUS_OK,
        n,
        Tree(level_start, node_s[:n].copy(), node_b[:n].copy(), child[:n].copy(), root),
    )


# ----------------------------------------------------------------------------- backups
BonusRule = namedtuple("BonusRule", ["variance", "deviation", "hoeffding", "model"])
BonusRule.__doc__ = """Coefficients of the optimistic backup (see :func:`optimistic_backup`):
``variance`` and ``deviation`` weight the two terms of the empirical-Bernstein value bonus,
``hoeffding`` the flat bonus ``sqrt(2 S iota / n)``, ``model`` scales the entrywise interval
over which the next-state law is maximised (0: the empirical law)."""
#: the exact Bellman backup (true model)
EXACT = BonusRule(0.0, 0.0, 0.0, 0.0)
#: MVP-style constant of the entrywise empirical-Bernstein width
#: ``sqrt(2 p iota / n) + BERNSTEIN_C iota / n``
BERNSTEIN_C = 7.0 / 3.0


@njit(cache=True)
def optimistic_backup(r, p, v, n, iota, rule):
    """``min(1, r + E + bonus)`` for the next-state law ``p`` (S,), next values ``v`` (S,),
    count ``n`` and log term ``iota``; 1 when ``n <= 0`` (no data).

    * ``E = p.v`` when ``rule.model == 0``; otherwise ``max q.v`` over the box
      ``|q(s') - p(s')| <= rule.model (sqrt(2 p(s') iota / n) + 7 iota / (3 n))``
      intersected with the simplex, solved exactly by water-filling (mass to the largest
      ``v`` first, from the lower ends of the box);
    * ``bonus = rule.variance sqrt(2 |supp p| V(p, v) iota / n)
      + rule.deviation (7 iota / (3 n)) sum_s' |v(s') - p.v|
      + rule.hoeffding sqrt(2 S iota / n)``.

    With ``EXACT`` (all zero) and ``n >= 1`` it is the Bellman backup capped at 1.
    """
    if n <= 0:
        return 1.0
    S = p.shape[0]
    c = 0.0
    k = 0
    for i in range(S):
        c += p[i] * v[i]
        if p[i] > 0.0:
            k += 1
    e = c
    if rule.model > 0.0:
        lo = np.empty(S)
        hi = np.empty(S)
        rem = 1.0
        e = 0.0
        for i in range(S):
            wdt = rule.model * (math.sqrt(2.0 * p[i] * iota / n) + BERNSTEIN_C * iota / n)
            lo[i] = max(0.0, p[i] - wdt)
            hi[i] = min(1.0, p[i] + wdt)
            rem -= lo[i]
            e += lo[i] * v[i]
        order = np.argsort(-v, kind="mergesort")
        for j in range(S):
            if rem <= 0.0:
                break
            i = order[j]
            add = min(hi[i] - lo[i], rem)
            e += add * v[i]
            rem -= add
    b = 0.0
    if rule.variance > 0.0 or rule.deviation > 0.0:
        var = 0.0
        dev = 0.0
        for i in range(S):
            d = v[i] - c
            var += p[i] * d * d
            dev += abs(d)
        b += rule.variance * math.sqrt(2.0 * k * var * iota / n)
        b += rule.deviation * BERNSTEIN_C * iota / n * dev
    if rule.hoeffding > 0.0:
        b += rule.hoeffding * math.sqrt(2.0 * S * iota / n)
    return min(1.0, r + e + b)


@njit(cache=True)
def backup_tree(level_start, node_s, node_b, child, R, ridx, Pv, nvis, iota, rule):
    """Backward pass over a tree: per-context action values and node-greedy actions.

    ``alpha[n, a, m] = optimistic_backup(R[m, s, a], Pv[m, s, a], v, nvis[m, s, a], iota, rule)`` with
    ``v[s'] = alpha[c, act[c], m]`` for ``c = child[n, a, r_m, s']`` (0 where c = -1, and for
    nodes of the last step), computed for the contexts with ``node_b[n, m] > 0`` (0
    elsewhere). ``act[n] = argmax_a sum_m node_b[n, m] alpha[n, a, m]`` (lowest index on ties).

    Returns ``alpha`` (N, A, M) and ``act`` (N,) int64.
    """
    N = node_s.shape[0]
    M = node_b.shape[1]
    A = child.shape[1]
    S = child.shape[3]
    alpha = np.zeros((N, A, M))
    act = np.zeros(N, np.int64)
    v = np.zeros(S)
    for n in range(N - 1, -1, -1):
        s = node_s[n]
        best = -np.inf
        best_a = 0
        for a in range(A):
            q = 0.0
            for m in range(M):
                if node_b[n, m] <= 0.0:
                    continue
                rm = ridx[m, s, a]
                rr = rm if rm >= 0 else 0
                for s2 in range(S):
                    c = child[n, a, rr, s2]
                    v[s2] = alpha[c, act[c], m] if c >= 0 else 0.0
                val = optimistic_backup(R[m, s, a], Pv[m, s, a], v, nvis[m, s, a], iota, rule)
                alpha[n, a, m] = val
                q += node_b[n, m] * val
            if q > best:
                best = q
                best_a = a
        act[n] = best_a
    return alpha, act


# ----------------------------------------------------------------------------- policies
@njit(cache=True)
def fsc_moments(node_s, act, child, level_start, ridx, P, R):
    """Exact per-context moments of the policy (tree + ``act``) in the LMDP (P, R).

    Returns ``alpha`` (N, M) (expected remaining return: the alpha vectors), ``second``
    (N, M) (expected squared remaining return) and ``tv`` (N, M) (expected sum of the
    one-step variances ``V(P_m(.|s_t, a_t), alpha_{t+1, m}(child))`` from the node on).
    Nodes of the last step have remaining return ``R``; a node of an earlier step lacking
    the child of a positive-probability transition gives NaN for that context (the policy
    does not cover that history).
    """
    N = node_s.shape[0]
    M = P.shape[0]
    S = P.shape[1]
    last0 = level_start[level_start.shape[0] - 2]
    alpha = np.zeros((N, M))
    second = np.zeros((N, M))
    tv = np.zeros((N, M))
    for n in range(N - 1, -1, -1):
        s = node_s[n]
        a = act[n]
        for m in range(M):
            rm = ridx[m, s, a]
            rr = rm if rm >= 0 else 0
            r = R[m, s, a]
            e1 = 0.0
            e1sq = 0.0
            e2 = 0.0
            ev = 0.0
            if n < last0:
                for s2 in range(S):
                    p = P[m, s, a, s2]
                    if p <= 0.0:
                        continue
                    c = child[n, a, rr, s2]
                    if c < 0:
                        e1 = np.nan
                        break
                    e1 += p * alpha[c, m]
                    e1sq += p * alpha[c, m] * alpha[c, m]
                    e2 += p * second[c, m]
                    ev += p * tv[c, m]
            alpha[n, m] = r + e1
            second[n, m] = r * r + 2.0 * r * e1 + e2
            tv[n, m] = (e1sq - e1 * e1) + ev
    return alpha, second, tv


@njit(cache=True)
def fsc_alpha(node_s, act, child, level_start, ridx, P, R):
    """Exact per-context alpha vectors of the policy, shape (N, M) (NaN where uncovered)."""
    return fsc_moments(node_s, act, child, level_start, ridx, P, R)[0]


@njit(cache=True)
def fsc_value(root, node_s, act, child, level_start, ridx, P, R, nu, w):
    """Exact value ``sum_m w_m sum_s nu_m(s) alpha_m(root[m, s])`` of the policy."""
    alpha = fsc_alpha(node_s, act, child, level_start, ridx, P, R)
    M, S = nu.shape
    v = 0.0
    for m in range(M):
        for s in range(S):
            if nu[m, s] > 0.0:
                v += w[m] * nu[m, s] * alpha[root[m, s], m]
    return v


@njit(cache=True)
def rollout(root, node_s, act, child, ridx, P, R, nu, w, u, states, actions, rewards):
    """Sample one episode of the LMDP under the policy with the uniforms ``u`` (H + 2,):
    ``u[0]`` draws the context from ``w``, ``u[1]`` the initial state from ``nu[m]``,
    ``u[2 + t]`` the next state of step t. Fills ``states`` (H + 1,), ``actions`` (H,),
    ``rewards`` (H,); returns the context. (The env's documented sampling scheme.)"""
    H = actions.shape[0]
    m = sample_index(w, u[0])
    s = sample_index(nu[m], u[1])
    node = root[m, s]
    states[0] = s
    for t in range(H):
        a = act[node]
        r = R[m, s, a]
        s2 = sample_index(P[m, s, a], u[2 + t])
        actions[t] = a
        rewards[t] = r
        states[t + 1] = s2
        if t + 1 < H:
            rm = ridx[m, s, a]
            node = child[node, a, rm if rm >= 0 else 0, s2]
        s = s2
    return m


# ----------------------------------------------------------------------------- Markov
@njit(cache=True)
def markov_values(P, R, nu, w, H, pairs_t, pairs_s, default_act, n_policies):
    """Value of every Markov policy enumerated by mixed radix over the decision pairs.

    Policy ``i``: at (pairs_t[j], pairs_s[j]) it takes digit j of i in base A; elsewhere
    ``default_act[t, s]``. Returns the values (n_policies,).
    """
    M, S, A, _ = P.shape
    n_pairs = pairs_t.shape[0]
    out = np.zeros(n_policies)
    pi = default_act.copy()
    V = np.zeros((M, S))
    V2 = np.zeros((M, S))
    for i in range(n_policies):
        x = i
        for j in range(n_pairs):
            pi[pairs_t[j], pairs_s[j]] = x % A
            x //= A
        V[:] = 0.0
        for t in range(H - 1, -1, -1):
            for m in range(M):
                for s in range(S):
                    a = pi[t, s]
                    acc = R[m, s, a]
                    for s2 in range(S):
                        acc += P[m, s, a, s2] * V[m, s2]
                    V2[m, s] = acc
            V[:] = V2
        tot = 0.0
        for m in range(M):
            for s in range(S):
                tot += w[m] * nu[m, s] * V[m, s]
        out[i] = tot
    return out

r"""Numba kernels of the LSD planners and learners: the rounding with virtual states, the
optimistic index with its monotone envelope, greedy, and the block-sequence oracle of
CombUCB1 / ISI-CombUCB1.

Paper page: ``docs/papers/lsd-bandits.md`` (sections "Rounding with virtual states",
"Learning"). One source of truth: each learner's ``act``/``update`` and its ``fast_run``
call the same step functions below (:func:`rounding_choose`, :func:`rounding_commit`,
:func:`observe`, :func:`ucb_table`, :func:`greedy_choose`, :func:`comb_best_sequence`,
:func:`comb_observe`); the block kernels are plain loops over them. Environment sampling
is :func:`mdpkit.envs.lsd.lsd_pull` (one uniform per round from the env's stream).

State codes: ``c in [0, 2M)``, ``c = d - 1`` for ``-d`` (idle d rounds), ``c = M + j - 1``
for ``+j`` (j consecutive pulls); see :mod:`mdpkit.models.lsd`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from ...envs.lsd import lsd_advance, lsd_mean, lsd_pull  # noqa: F401  (re-exported)

# plan kinds of one arm
PLAN_NONE = 0
PLAN_CYCLE = 1
PLAN_STEADY = 2
# phase modes
PHASE_INDEPENDENT = 0
PHASE_CORRELATED = 1
# what happened in a round (the "round_kind" column)
ROUND_IDLE = 0  # no candidate, no pull
ROUND_BLOCK_START = 1  # cyclic arm, first slot of its virtual block
ROUND_BLOCK_CONT = 2  # cyclic arm, later slot of its virtual block
ROUND_STEADY = 3  # steady arm
ROUND_FILLER = 4  # exactly_one: no candidate, filler among plan-none arms
ROUND_FILLER_OTHER = 5  # exactly_one: no candidate and no plan-none arm: filler among all
ROUND_EXPLORE = 6  # forced exploration (explore-then-commit)

MIRROR_TOL = 1e-12


class Plan(NamedTuple):
    """Per-arm plan of one planning block (int64 arrays of shape (k,), ``t0`` shape (1,))."""

    kind: np.ndarray
    tau: np.ndarray
    delta: np.ndarray
    phase: np.ndarray
    t0: np.ndarray


class RoundState(NamedTuple):
    """Real state tracked by a planner: ``codes`` (k,), ``inblock`` (k,) = 1 iff the arm was
    pulled last round as part of its plan, ``last`` (1,) = arm pulled last round or -1,
    ``cand`` (k,) scratch space for the candidate list (no allocation per round)."""

    codes: np.ndarray
    inblock: np.ndarray
    last: np.ndarray
    cand: np.ndarray


class Stats(NamedTuple):
    """Observation tallies per (arm, state code): ``counts`` int64 (k, 2M), ``sums`` (k, 2M)."""

    counts: np.ndarray
    sums: np.ndarray


def new_plan(k: int) -> Plan:
    z = lambda: np.zeros(k, dtype=np.int64)  # noqa: E731
    return Plan(z(), z(), z(), z(), np.zeros(1, dtype=np.int64))


def new_round_state(k: int, M: int) -> RoundState:
    return RoundState(
        np.full(k, M - 1, dtype=np.int64),
        np.zeros(k, dtype=np.int64),
        np.full(1, -1, dtype=np.int64),
        np.zeros(k, dtype=np.int64),
    )


def new_stats(k: int, M: int) -> Stats:
    return Stats(np.zeros((k, 2 * M), dtype=np.int64), np.zeros((k, 2 * M)))


# --------------------------------------------------------------------------- plans
@njit(cache=True)
def draw_plan(lp, uplan, uphase, ucommon, phase_mode, t0, plan, rs):
    """Draw every arm's plan for a planning block starting at round ``t0`` (in place).

    Parameters
    ----------
    lp : LPSolution (``mdpkit.solvers.lsd_lp``): ``x`` (k, M, M) cycle variables
         ``x[i, tau-1, delta-1]``, ``y`` (k,) steady variables, ``q`` (k,) activity shares
    uplan, uphase : (k,) uniforms;  ucommon : float (correlated phases)
    phase_mode : PHASE_INDEPENDENT or PHASE_CORRELATED

    Arm i picks cycle (tau, delta) with probability ``x[i, tau, delta]``, steady with
    ``y[i]``, none otherwise (inverse CDF on ``uplan[i]``, cycles in (tau, delta) row-major
    order, then steady). Independent phase: ``floor(uphase[i] L)``; correlated:
    ``floor(L ((ucommon + sum_{j<i} q_j) mod 1))`` with ``L = tau + delta``. Clears every
    arm's ``inblock`` flag: a fresh plan never continues an old block.
    """
    x, y, q = lp.x, lp.y, lp.q
    k, M = x.shape[0], x.shape[1]
    offset = 0.0
    for i in range(k):
        u = uplan[i]
        acc = 0.0
        chosen = -1
        for a in range(M):
            for b in range(M):
                acc += x[i, a, b]
                if chosen < 0 and u < acc:
                    chosen = a * M + b
        plan.phase[i] = 0
        if chosen >= 0:
            plan.kind[i] = PLAN_CYCLE
            plan.tau[i] = chosen // M + 1
            plan.delta[i] = chosen % M + 1
            L = plan.tau[i] + plan.delta[i]
            if phase_mode == PHASE_CORRELATED:
                pos = (ucommon + offset) % 1.0
                ph = int(math.floor(pos * L))
            else:
                ph = int(math.floor(uphase[i] * L))
            plan.phase[i] = min(ph, L - 1)
        elif u < acc + y[i]:
            plan.kind[i] = PLAN_STEADY
            plan.tau[i] = 0
            plan.delta[i] = 0
        else:
            plan.kind[i] = PLAN_NONE
            plan.tau[i] = 0
            plan.delta[i] = 0
        offset += q[i]
        rs.inblock[i] = 0
    plan.t0[0] = t0


@njit(cache=True)
def _slot(t, plan, i):
    """In-cycle position of arm i at round t (cyclic plan), or -1 when virtually inactive."""
    L = plan.tau[i] + plan.delta[i]
    c = (t + plan.phase[i]) % L
    return c if c < plan.tau[i] else -1


@njit(cache=True)
def _eligible(t, i, plan, rs, M):
    kind = plan.kind[i]
    if kind == PLAN_STEADY:
        return t == plan.t0[0] or rs.inblock[i] == 1
    if kind == PLAN_CYCLE:
        c = _slot(t, plan, i)
        if c < 0:
            return False
        if c == 0:
            code = rs.codes[i]
            return code < M and code + 1 >= plan.delta[i]  # really idle >= delta rounds
        return rs.inblock[i] == 1  # pulled at t-1 in this block
    return False


@njit(cache=True)
def rounding_choose(t, plan, rs, pay, u, exactly_one):
    """Decision of the rounding at round ``t`` (no state change).

    Candidates: arms virtually active at t and eligible (a cyclic arm at the first slot of
    its virtual block only if really idle for >= delta rounds; at later slots only if it
    was pulled at t-1 in the same block; a steady arm at the block's first round and while
    uninterrupted). Winner: last round's arm if it is a candidate, otherwise
    ``cand[floor(u n)]``. No candidate: idle, or (``exactly_one``) a filler: the arm with
    the best one-step payoff ``pay[i, code_i]`` among plan-none arms (among all arms if
    there is none), ties by ``u``.

    Returns
    -------
    action : int (k = idle), kind : int (ROUND_*), margin : float
        ``margin = pay[w, real code] - pay[w, virtual code]`` for a cyclic pull (the
        mirroring invariant says ``>= 0`` on monotone tables), NaN otherwise.
    """
    k = pay.shape[0]
    M = pay.shape[1] // 2
    cand = rs.cand
    n = 0
    inc = -1
    last = rs.last[0]
    for i in range(k):
        if _eligible(t, i, plan, rs, M):
            cand[n] = i
            n += 1
            if i == last:
                inc = i
    if n > 0:
        w = inc
        if w < 0:
            j = int(u * n)
            w = cand[j if j < n else n - 1]
        if plan.kind[w] == PLAN_STEADY:
            return w, ROUND_STEADY, np.nan
        c = _slot(t, plan, w)
        vcode = plan.delta[w] - 1 if c == 0 else M + c - 1
        margin = pay[w, rs.codes[w]] - pay[w, vcode]
        return w, (ROUND_BLOCK_START if c == 0 else ROUND_BLOCK_CONT), margin
    if not exactly_one:
        return k, ROUND_IDLE, np.nan
    kind = ROUND_FILLER
    any_none = False
    for i in range(k):
        if plan.kind[i] == PLAN_NONE:
            any_none = True
    if not any_none:
        kind = ROUND_FILLER_OTHER
    best = -1.0
    nb = 0
    for i in range(k):
        if any_none and plan.kind[i] != PLAN_NONE:
            continue
        v = pay[i, rs.codes[i]]
        if v > best:
            best = v
            nb = 0
        if v == best:
            cand[nb] = i
            nb += 1
    j = int(u * nb)
    return cand[j if j < nb else nb - 1], kind, np.nan


@njit(cache=True)
def rounding_commit(plan, rs, a, kind, M):
    """Bookkeeping after action ``a`` of kind ``kind``: ``inblock`` flags (an arm not pulled
    as a plan pull this round loses its block), last arm, and the real state codes."""
    k = rs.codes.shape[0]
    plan_pull = kind == ROUND_BLOCK_START or kind == ROUND_BLOCK_CONT or kind == ROUND_STEADY
    for i in range(k):
        rs.inblock[i] = 1 if (plan_pull and i == a) else 0
    rs.last[0] = a if a < k else -1
    lsd_advance(rs.codes, a, M)


@njit(cache=True)
def observe(stats, codes, a, r):
    """Tally reward ``r`` of action ``a`` at its current state code (before the advance)."""
    if a < codes.shape[0]:
        c = codes[a]
        stats.counts[a, c] += 1
        stats.sums[a, c] += r


# --------------------------------------------------------------------------- indices
@njit(cache=True)
def ucb_table(stats, log_term, bonus, envelope, out):
    """Optimistic payoff table (in place, shape (k, 2M)):
    ``U = min(1, mean + sqrt(log_term / (2 n)))`` (``bonus`` False: the mean), ``U = 1``
    (``bonus``) or ``0`` (no bonus) for unobserved states. ``envelope``: ``U(-d) :=
    max_{d' <= d} U(-d')`` and ``U(+j) := max_{j' >= j} U(+j')`` (monotone, still optimistic
    when the true payoffs are monotone)."""
    k = out.shape[0]
    M = out.shape[1] // 2
    for i in range(k):
        for c in range(2 * M):
            n = stats.counts[i, c]
            if n == 0:
                out[i, c] = 1.0 if bonus else 0.0
            else:
                v = stats.sums[i, c] / n
                if bonus:
                    v += math.sqrt(log_term / (2.0 * n))
                out[i, c] = v if v < 1.0 else 1.0
        if envelope:
            for c in range(1, M):
                if out[i, c] < out[i, c - 1]:
                    out[i, c] = out[i, c - 1]
            for c in range(2 * M - 2, M - 1, -1):
                if out[i, c] < out[i, c + 1]:
                    out[i, c] = out[i, c + 1]


# --------------------------------------------------------------------------- block kernels
@njit(cache=True)
def run_plan_block(t_start, n, plan, rs, stats, pay, f, env_u, tie_u, exactly_one, out):
    """Play ``n`` rounds of a drawn plan from round ``t_start`` (the fast path of every
    plan-based learner): per round :func:`rounding_choose`, :func:`lsd_pull` with the env's
    uniform ``env_u[t]``, :func:`observe`, :func:`rounding_commit`.

    ``out`` = (action int64 (T,), reward (T,), mean (T,), kind int64 (T,), margin (T,)),
    written at rounds ``t_start .. t_start + n - 1``; ``tie_u`` holds this block's tie
    uniforms (indexed from 0).
    """
    M = pay.shape[1] // 2
    acts, rew, mean, kinds, margins = out
    for s in range(n):
        t = t_start + s
        a, kind, margin = rounding_choose(t, plan, rs, pay, tie_u[s], exactly_one)
        mu = lsd_mean(f, rs.codes, a)
        r = 1.0 if env_u[t] < mu else 0.0
        observe(stats, rs.codes, a, r)
        rounding_commit(plan, rs, a, kind, M)
        acts[t] = a
        rew[t] = r
        mean[t] = mu
        kinds[t] = kind
        margins[t] = margin


@njit(cache=True)
def explore_commit(rs, a, M):
    """Bookkeeping after a forced-exploration pull: no block continues; advance the codes."""
    k = rs.codes.shape[0]
    for i in range(k):
        rs.inblock[i] = 0
    rs.last[0] = a if a < k else -1
    lsd_advance(rs.codes, a, M)


@njit(cache=True)
def run_schedule(t_start, schedule, rs, stats, f, env_u, out):
    """Play a fixed action list (forced exploration) from ``t_start``; same bookkeeping."""
    M = f.shape[1] // 2
    acts, rew, mean, kinds, margins = out
    for s in range(schedule.shape[0]):
        t = t_start + s
        a = schedule[s]
        mu = lsd_mean(f, rs.codes, a)
        r = 1.0 if env_u[t] < mu else 0.0
        observe(stats, rs.codes, a, r)
        explore_commit(rs, a, M)
        acts[t] = a
        rew[t] = r
        mean[t] = mu
        kinds[t] = ROUND_EXPLORE
        margins[t] = np.nan


@njit(cache=True)
def simulate_rounding(lp, tables, T, B, phase_mode, exactly_one, draws, env_u):
    """Pure planning: the rounding with a fixed LP solution, re-drawing plans every ``B``
    rounds, for ``T`` rounds from the initial state (compiled; the mirroring margin of
    every pull is logged).

    Parameters
    ----------
    lp : LPSolution
    tables : (pay, f)  ``pay`` (k, 2M): table the plan accounts with (the mirroring check
                       uses it); ``f`` (k, 2M): true means (rewards)
    draws : (n_blocks, 2k + 1 + B) uniforms: plan, phase, common, then tie uniforms
    env_u : (T,) env uniforms (Bernoulli rewards); pass values >= 1 for zero rewards

    Returns
    -------
    acts, rew, mean, kinds, margins : arrays of shape (T,)
    """
    pay, f = tables
    k = f.shape[0]
    M = f.shape[1] // 2
    plan = Plan(
        np.zeros(k, np.int64),
        np.zeros(k, np.int64),
        np.zeros(k, np.int64),
        np.zeros(k, np.int64),
        np.zeros(1, np.int64),
    )
    rs = RoundState(
        np.full(k, M - 1, np.int64),
        np.zeros(k, np.int64),
        np.full(1, -1, np.int64),
        np.zeros(k, np.int64),
    )
    stats = Stats(np.zeros((k, 2 * M), np.int64), np.zeros((k, 2 * M)))
    out = (np.zeros(T, np.int64), np.zeros(T), np.zeros(T), np.zeros(T, np.int64), np.zeros(T))
    t = 0
    b = 0
    while t < T:
        n = B if t + B <= T else T - t
        d = draws[b]
        draw_plan(lp, d[:k], d[k : 2 * k], d[2 * k], phase_mode, t, plan, rs)
        run_plan_block(t, n, plan, rs, stats, pay, f, env_u, d[2 * k + 1 :], exactly_one, out)
        t += n
        b += 1
    return out


# --------------------------------------------------------------------------- greedy
@njit(cache=True)
def greedy_choose(pay, codes, u):
    """``argmax_i pay[i, code_i]``, ties uniformly by ``u`` (always pulls an arm)."""
    k = pay.shape[0]
    best = -1.0
    nb = 0
    cand = np.empty(k, dtype=np.int64)
    for i in range(k):
        v = pay[i, codes[i]]
        if v > best:
            best = v
            nb = 0
        if v == best:
            cand[nb] = i
            nb += 1
    j = int(u * nb)
    return cand[j if j < nb else nb - 1]


@njit(cache=True)
def run_greedy(f, pay, tie_u, env_u):
    """Greedy over T rounds (fast path): returns (acts, rewards, means)."""
    k = f.shape[0]
    M = f.shape[1] // 2
    T = env_u.shape[0]
    codes = np.full(k, M - 1, dtype=np.int64)
    acts = np.empty(T, dtype=np.int64)
    rew = np.empty(T)
    mean = np.empty(T)
    for t in range(T):
        a = greedy_choose(pay, codes, tie_u[t])
        r, mu = lsd_pull(f, codes, a, env_u[t], M)
        acts[t] = a
        rew[t] = r
        mean[t] = mu
    return acts, rew, mean


# --------------------------------------------------------------------------- CombUCB1
@njit(cache=True)
def comb_sequence_value(seq, ucb, delays, first_weight):
    """Optimistic value of a block sequence (Laforgue et al.'s block objective).

    ``ucb`` (k, d): index per (arm, rounds since last pull 1..d, capped at d); ``delays``
    (k,): rounds since last pull at the block start (uncapped). The first pull of arm a at
    position p counts ``first_weight * ucb[a, min(delay_a + p, d)]`` (CombUCB1: 1,
    ISI-CombUCB1: 0); a later pull counts ``ucb[a, p - p_prev]``.
    """
    k, d = ucb.shape
    prev = np.full(k, -1, dtype=np.int64)
    v = 0.0
    for p in range(seq.shape[0]):
        a = seq[p]
        if prev[a] < 0:
            s = delays[a] + p
            if s > d:
                s = d
            v += first_weight * ucb[a, s - 1]
        else:
            v += ucb[a, p - prev[a] - 1]
        prev[a] = p
    return v


@njit(cache=True)
def comb_best_sequence(ucb, delays, length, first_weight):
    """Exact maximiser of :func:`comb_sequence_value` over all ``k^length`` sequences
    (first in lexicographic order on ties), int64 (length,)."""
    k = ucb.shape[0]
    seq = np.zeros(length, dtype=np.int64)
    best = seq.copy()
    bv = -np.inf
    total = k**length
    for _ in range(total):
        v = comb_sequence_value(seq, ucb, delays, first_weight)
        if v > bv:
            bv = v
            best[:] = seq
        p = length - 1  # next sequence (odometer)
        while p >= 0:
            seq[p] += 1
            if seq[p] < k:
                break
            seq[p] = 0
            p -= 1
    return best


@njit(cache=True)
def comb_observe(ucb, counts, means, delays, a, r, t_next, use):
    """Laforgue et al.'s update after pulling ``a`` with reward ``r`` (``use``: the pull is
    an estimation sample): tally at ``min(delay_a, d)``, then refresh, for every arm, the
    index at its current capped delay to ``mean + sqrt(1.5 log(t_next) / n)`` (when n > 0);
    then advance the delays (pulled arm -> 1, others + 1)."""
    k, d = ucb.shape
    if use:
        s = delays[a] if delays[a] < d else d
        counts[a, s - 1] += 1
        n = counts[a, s - 1]
        means[a, s - 1] = ((n - 1) * means[a, s - 1] + r) / n
        for i in range(k):
            si = delays[i] if delays[i] < d else d
            if counts[i, si - 1] > 0:
                ucb[i, si - 1] = means[i, si - 1] + math.sqrt(
                    1.5 * math.log(t_next) / counts[i, si - 1]
                )
    for i in range(k):
        delays[i] = 1 if i == a else delays[i] + 1


@njit(cache=True)
def run_fixed_arm(f, a, env_u):
    """Pull action ``a`` every round (fast path of always-best-steady): (rewards, means)."""
    k = f.shape[0]
    M = f.shape[1] // 2
    T = env_u.shape[0]
    codes = np.full(k, M - 1, dtype=np.int64)
    rew = np.empty(T)
    mean = np.empty(T)
    for t in range(T):
        r, mu = lsd_pull(f, codes, a, env_u[t], M)
        rew[t] = r
        mean[t] = mu
    return rew, mean


@njit(cache=True)
def run_comb(f, ucb, counts, means, delays, block, first_weight, env_u):
    """CombUCB1 (``first_weight = 1``) / ISI-CombUCB1 (``0``) over T rounds (fast path):
    a block sequence by :func:`comb_best_sequence` at every block start (the last block
    truncated at T), pulls through :func:`lsd_pull`, updates by :func:`comb_observe`
    (ISI: first pulls of an arm inside a block are not estimation samples).
    Returns (acts, rewards, means)."""
    k = f.shape[0]
    M = f.shape[1] // 2
    T = env_u.shape[0]
    codes = np.full(k, M - 1, dtype=np.int64)
    acts = np.empty(T, dtype=np.int64)
    rew = np.empty(T)
    mean = np.empty(T)
    seen = np.zeros(k, dtype=np.int64)
    seq = np.zeros(block, dtype=np.int64)
    pos = block
    for t in range(T):
        if pos >= seq.shape[0]:
            L = block if t + block <= T else T - t
            seq = comb_best_sequence(ucb, delays, L, first_weight)
            pos = 0
            seen[:] = 0
        a = seq[pos]
        r, mu = lsd_pull(f, codes, a, env_u[t], M)
        use = first_weight > 0.0 or seen[a] == 1
        comb_observe(ucb, counts, means, delays, a, r, t + 1, use)
        seen[a] = 1
        pos += 1
        acts[t] = a
        rew[t] = r
        mean[t] = mu
    return acts, rew, mean


@njit(cache=True)
def virtual_activity(lp, T, B, phase_mode, draws):
    """Fraction of rounds each arm is *virtually* active, per planning block (same plan
    draws as :func:`simulate_rounding`): float (n_blocks, k)."""
    k, M = lp.x.shape[0], lp.x.shape[1]
    plan = Plan(
        np.zeros(k, np.int64),
        np.zeros(k, np.int64),
        np.zeros(k, np.int64),
        np.zeros(k, np.int64),
        np.zeros(1, np.int64),
    )
    rs = RoundState(
        np.full(k, M - 1, np.int64),
        np.zeros(k, np.int64),
        np.full(1, -1, np.int64),
        np.zeros(k, np.int64),
    )
    n_blocks = (T + B - 1) // B
    out = np.zeros((n_blocks, k))
    t = 0
    for b in range(n_blocks):
        n = B if t + B <= T else T - t
        d = draws[b]
        draw_plan(lp, d[:k], d[k : 2 * k], d[2 * k], phase_mode, t, plan, rs)
        for s in range(n):
            for i in range(k):
                if plan.kind[i] == PLAN_STEADY or (
                    plan.kind[i] == PLAN_CYCLE and _slot(t + s, plan, i) >= 0
                ):
                    out[b, i] += 1.0
        for i in range(k):
            out[b, i] /= n
        t += n
    return out

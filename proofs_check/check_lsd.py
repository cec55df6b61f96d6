r"""The relaxation argument of the LSD LP, checked exactly on hypothesis-drawn schedules
(paper page ``docs/papers/lsd-bandits.md``, section "LP relaxation").

Claim: ``OPT_T <= (T + M) LP*`` for any payoffs. Argument: cut each arm's timeline, with a
virtual idle prefix of M rounds standing for the rested start ``-M``, into maximal runs of
pulls; a run of t pulls after g idle rounds pays ``f(-min(g, M)) + sum_{j<t} f(+min(j, M))``
(the state saturates), which is exactly the payoff of the *capped* cycle
``(min(t, M), min(g, M))`` plus ``max(t - M, 0)`` steady pulls at ``f(+M)``. Capping never
lengthens a cycle, so per arm ``sum cycles (tau + delta) + steady <= T + M`` (time
constraint) and ``sum_i (pulls of i) <= T`` (pull-rate constraint). Dividing by ``T + M``
gives an LP-feasible point whose objective times ``T + M`` is the schedule's payoff.

Checked here with exact rational arithmetic (``fractions.Fraction``) and an independent
simulator of the model written from its definition with signed states; the decomposition
is mdpkit's :func:`mdpkit.solvers.lsd_lp.schedule_lp_point`, the LP value mdpkit's HiGHS
solve, OPT_T mdpkit's DP.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.models.lsd import LSDInstance
from mdpkit.solvers.lsd_dp import opt_value
from mdpkit.solvers.lsd_lp import schedule_lp_point, solve_lsd_lp

SET = settings(max_examples=60, deadline=None)


@st.composite
def rational_instances(draw, max_k=3, max_M=4, den=12):
    """Payoffs n/den with n in 0..den (any shape, monotone or not), as Fractions."""
    k = draw(st.integers(1, max_k))
    M = draw(st.integers(1, max_M))
    nums = draw(st.lists(st.integers(0, den), min_size=2 * k * M, max_size=2 * k * M))
    F = [[Fraction(nums[i * 2 * M + c], den) for c in range(2 * M)] for i in range(k)]
    return k, M, F


def _payoff_exact(F, k, M, actions):
    """The model from its definition: signed states, start at -M, state before the pull
    sets the payoff, pulled: +1 if idle else min(s + 1, M); others: -1 if active else
    max(s - 1, -M). Returns the exact total mean payoff."""
    s = [-M] * k
    tot = Fraction(0)
    for a in actions:
        if a < k:
            c = -s[a] - 1 if s[a] < 0 else M + s[a] - 1
            tot += F[a][c]
        for i in range(k):
            if i == a:
                s[i] = 1 if s[i] < 0 else min(s[i] + 1, M)
            else:
                s[i] = -1 if s[i] > 0 else max(s[i] - 1, -M)
    return tot


def _R(F, i, M, tau, delta):
    return F[i][delta - 1] + sum((F[i][M + j - 1] for j in range(1, tau)), Fraction(0))


@st.composite
def schedules(draw, k, T_max=40, allow_idle=True):
    T = draw(st.integers(1, T_max))
    hi = k if allow_idle else k - 1
    # runs of repeated actions make long blocks (beyond M) likely
    acts = []
    while len(acts) < T:
        a = draw(st.integers(0, hi))
        acts.extend([a] * draw(st.integers(1, 7)))
    return np.array(acts[:T], dtype=np.int64)


@SET
@given(rational_instances(), st.data())
def test_cycle_decomposition_is_exact(inst, data):
    """Decomposition payoff == schedule payoff, exactly (capping at M and the steady
    variable lose nothing)."""
    k, M, F = inst
    acts = data.draw(schedules(k))
    cycles, steady = schedule_lp_point(LSDInstance(np.array(F, dtype=float)), acts)
    dec = Fraction(0)
    for i in range(k):
        for tau in range(1, M + 1):
            for delta in range(1, M + 1):
                dec += int(cycles[i, tau - 1, delta - 1]) * _R(F, i, M, tau, delta)
        dec += int(steady[i]) * F[i][2 * M - 1]
    assert dec == _payoff_exact(F, k, M, acts)


@SET
@given(rational_instances(), st.data())
def test_lp_point_feasible(inst, data):
    """Per arm: cycle time + steady pulls <= T + M; total pulls == pulls of the schedule
    <= T (exact integers), so x = cycles (tau+delta)/(T+M), y = steady/(T+M) is feasible."""
    k, M, F = inst
    acts = data.draw(schedules(k))
    T = acts.shape[0]
    cycles, steady = schedule_lp_point(LSDInstance(np.array(F, dtype=float)), acts)
    tau = np.arange(1, M + 1)[:, None]
    delta = np.arange(1, M + 1)[None, :]
    total_pulls = 0
    for i in range(k):
        time_i = int((cycles[i] * (tau + delta)).sum()) + int(steady[i])
        assert time_i <= T + M
        pulls_i = int((cycles[i] * tau).sum()) + int(steady[i])
        assert pulls_i == int((acts == i).sum())
        total_pulls += pulls_i
    assert total_pulls <= T


@SET
@given(rational_instances(), st.data())
def test_steady_variable_carries_long_blocks(inst, data):
    """Every pull beyond the M-th consecutive one is a steady pull: the steady count is
    sum over runs of max(t - M, 0) (without it, long blocks would be unrepresentable)."""
    k, M, F = inst
    acts = data.draw(schedules(k))
    _, steady = schedule_lp_point(LSDInstance(np.array(F, dtype=float)), acts)
    for i in range(k):
        runs, cur = [], 0
        for a in acts:
            if a == i:
                cur += 1
            elif cur:
                runs.append(cur)
                cur = 0
        if cur:
            runs.append(cur)
        assert int(steady[i]) == sum(max(t - M, 0) for t in runs)


@settings(max_examples=40, deadline=None)
@given(rational_instances(max_k=3, max_M=3), st.data())
def test_schedule_below_relaxation_and_opt(inst, data):
    """Payoff of the schedule <= OPT_T (mdpkit DP) <= (T + M) LP* (mdpkit HiGHS), with
    the float tolerance 1e-9 on the two mdpkit numbers."""
    k, M, F = inst
    acts = data.draw(schedules(k, T_max=30))
    T = acts.shape[0]
    lsd = LSDInstance(np.array(F, dtype=float))
    pay = float(_payoff_exact(F, k, M, acts))
    opt = opt_value(lsd, T)
    lp = solve_lsd_lp(lsd).value
    assert pay <= opt + 1e-9
    assert opt <= (T + M) * lp + 1e-9
    cycles, steady = schedule_lp_point(lsd, acts)
    # the point's objective times (T + M) is the payoff, hence <= (T + M) LP*
    assert pay <= (T + M) * lp + 1e-9


@SET
@given(rational_instances(max_k=2), st.data())
def test_exactly_one_schedules(inst, data):
    """The same decomposition holds for schedules without idle rounds (exactly one pull
    per round): every round is a pull, so the pull total equals T."""
    k, M, F = inst
    acts = data.draw(schedules(k, allow_idle=False))
    cycles, steady = schedule_lp_point(
        LSDInstance(np.array(F, dtype=float)), acts, exactly_one=True
    )
    tau = np.arange(1, M + 1)[:, None]
    assert sum(int((cycles[i] * tau).sum()) + int(steady[i]) for i in range(k)) == acts.shape[0]

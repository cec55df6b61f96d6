"""Exact planning and the LP relaxations of LSD bandits (paper page
``docs/papers/lsd-bandits.md``, sections "Exact planning", "LP relaxation"): properties 1,
2, 3 (LP part) and 7 of the checkable list, with hypothesis where marked."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.envs.lsd import mean_rewards_of
from mdpkit.models.lsd import (
    LSDInstance,
    cycle_payoff,
    random_lsd,
    random_monotone,
    recharging_embedding,
)
from mdpkit.solvers.lsd_dp import gain_lp, joint_tables, opt_value, optimal_gain, optimal_schedule
from mdpkit.solvers.lsd_lp import (
    lp_constraints,
    lp_objective,
    solve_lsd_lp,
    solve_lsd_lp_table,
    solve_recharging_lp,
)

TOL = 1e-9


@st.composite
def instances(draw, max_k=4, max_M=4, monotone=None):
    k = draw(st.integers(1, max_k))
    M = draw(st.integers(1, max_M))
    seed = draw(st.integers(0, 2**31 - 1))
    mono = draw(st.booleans()) if monotone is None else monotone
    return random_monotone(k, M, seed) if mono else random_lsd(k, M, seed)


def _brute_opt(inst, T, exactly_one=False):
    A = inst.k if exactly_one else inst.k + 1
    f = np.ascontiguousarray(inst.f)
    return max(
        mean_rewards_of(f, np.array(seq, dtype=np.int64), inst.M).sum()
        for seq in itertools.product(range(A), repeat=T)
    )


@settings(max_examples=25, deadline=None)
@given(instances(max_k=2, max_M=3), st.integers(1, 6), st.booleans())
def test_dp_equals_brute_force(inst, T, exactly_one):
    """OPT_T of the DP equals the maximum over all action sequences (tiny instances), and
    the optimal schedule returned attains it."""
    v = opt_value(inst, T, exactly_one)
    assert v == pytest.approx(_brute_opt(inst, T, exactly_one), abs=1e-12)
    acts, v2 = optimal_schedule(inst, T, exactly_one)
    assert v2 == pytest.approx(v, abs=1e-12)
    assert mean_rewards_of(np.ascontiguousarray(inst.f), acts, inst.M).sum() == pytest.approx(
        v, abs=1e-12
    )


@settings(max_examples=30, deadline=None)
@given(instances(), st.integers(1, 40), st.booleans())
def test_relaxation_bound_any_payoffs(inst, T, exactly_one):
    """Property 1 (hypothesis, monotone or not): OPT_T <= (T + M) LP* and g* <= LP*."""
    lp = solve_lsd_lp(inst).value
    tab = joint_tables(inst, exactly_one)
    assert opt_value(inst, T, exactly_one, tab) <= (T + inst.M) * lp + TOL
    assert optimal_gain(inst, exactly_one, tab) <= lp + TOL


@settings(max_examples=25, deadline=None)
@given(instances(max_k=3, max_M=3), st.booleans())
def test_gain_karp_equals_average_reward_lp(inst, exactly_one):
    """g* by Karp's maximum mean cycle equals the average-reward LP over reachable joint
    states, and OPT_T / T approaches it: |OPT_T - T g*| stays bounded (checked at two
    horizons: the difference of the two values of OPT_T - T g* is small)."""
    tab = joint_tables(inst, exactly_one)
    g = optimal_gain(inst, exactly_one, tab)
    assert g == pytest.approx(gain_lp(inst, exactly_one, tab), abs=1e-9)
    S = tab.rew.shape[0]
    T1, T2 = 4 * S, 8 * S
    e1 = opt_value(inst, T1, exactly_one, tab) - T1 * g
    e2 = opt_value(inst, T2, exactly_one, tab) - T2 * g
    # OPT_T - T g* is bounded (by the span of the bias, < S here); it cannot grow linearly
    assert -S - 1e-6 <= e1 <= S + 1e-6 and -S - 1e-6 <= e2 <= S + 1e-6


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_recharging_reduction(k, M, seed):
    """Property 2 (hypothesis, monotone or not): the LSD LP of the embedded recharging
    instance equals the recharging LP (d <= M + 1) up to 1e-9."""
    p = np.random.default_rng(seed).random((k, M + 1))
    assert solve_lsd_lp(recharging_embedding(p)).value == pytest.approx(
        solve_recharging_lp(p), abs=1e-9
    )


@settings(max_examples=30, deadline=None)
@given(instances())
def test_lp_feasibility_and_accounting(inst):
    """Property 3 (LP part): the solution is feasible (per-arm time <= 1, activity shares
    sum <= 1), the shares are what the solution says, and its objective is LP*."""
    sol = solve_lsd_lp(inst)
    time_i, rate = lp_constraints(sol.x, sol.y)
    assert np.all(time_i <= 1 + TOL) and rate <= 1 + TOL
    assert sol.q.sum() <= 1 + TOL and np.all(sol.x >= 0) and np.all(sol.y >= 0)
    assert sol.q.sum() == pytest.approx(rate, abs=1e-12)
    assert lp_objective(inst.f, sol.x, sol.y) == pytest.approx(sol.value, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**31 - 1), st.booleans())
def test_single_arm_lp_and_gain_brute_force(M, seed, mono):
    """Property 7, k = 1: LP* = g* = max over cycles (tau, delta <= M) of R/(tau + delta) and
    the steady payoff f(+M); with exactly one pull per round g* = f(+M)."""
    inst = random_monotone(1, M, seed) if mono else random_lsd(1, M, seed)
    best = max(
        [cycle_payoff(inst, t, d)[0] / (t + d) for t in range(1, M + 1) for d in range(1, M + 1)]
        + [inst.f[0, -1]]
    )
    assert solve_lsd_lp(inst).value == pytest.approx(best, abs=1e-9)
    assert optimal_gain(inst) == pytest.approx(best, abs=1e-9)
    assert optimal_gain(inst, exactly_one=True) == pytest.approx(inst.f[0, -1], abs=1e-12)


def test_two_arm_alternation_M1():
    """Property 7, M = 1: two arms with f(-1) = 1, f(+1) = 0: alternating earns 1 per round,
    LP* = g* = 1; OPT_T = T."""
    inst = LSDInstance(np.array([[1.0, 0.0], [1.0, 0.0]]))
    assert solve_lsd_lp(inst).value == pytest.approx(1.0, abs=1e-12)
    assert optimal_gain(inst) == pytest.approx(1.0, abs=1e-12)
    assert opt_value(inst, 17) == pytest.approx(17.0)
    acts, _ = optimal_schedule(inst, 10)
    assert np.all(acts[1:] != acts[:-1])


def test_lp_needs_steady_variable():
    """Without the steady variable the LP is not an upper bound: a single arm that pays
    0.9 in every state has g* = 0.9 (pull always), while cycles alone give at most
    M/(M + 1) * 0.9."""
    M = 2
    inst = LSDInstance(np.full((1, 2 * M), 0.9))
    assert optimal_gain(inst) == pytest.approx(0.9)
    assert solve_lsd_lp(inst).value == pytest.approx(0.9)
    rate_only = max(
        cycle_payoff(inst, t, d)[0] / (t + d) for t in range(1, M + 1) for d in range(1, M + 1)
    )
    assert rate_only < 0.9 - 0.1


def test_joint_state_count_and_bad_input():
    inst = random_monotone(4, 4, 0)
    tab = joint_tables(inst)
    assert tab.codes.shape[0] <= 5 * 4**4
    assert np.all((tab.codes >= 4).sum(axis=1) <= 1)  # at most one active arm
    assert np.array_equal(tab.codes[0], np.full(4, 3))  # initial state -M
    with pytest.raises(ValueError, match="max_states"):
        joint_tables(random_monotone(4, 4, 0), max_states=100)
    with pytest.raises(TypeError, match="inst must be an LSDInstance"):
        joint_tables(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="T must be >= 1"):
        opt_value(inst, 0)
    with pytest.raises(ValueError, match="p must have shape"):
        solve_recharging_lp(np.zeros((2, 0)))
    with pytest.raises(TypeError, match="inst must be an LSDInstance"):
        solve_lsd_lp(np.zeros((1, 2)))
    assert solve_lsd_lp_table(inst.f).value == solve_lsd_lp(inst).value

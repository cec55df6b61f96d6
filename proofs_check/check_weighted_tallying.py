r"""Proof steps of SE-WTB's explicit bound, checked on mdpkit's outputs against independent
math (paper page ``docs/papers/weighted-tallying.md``, "Explicit bound" and its proof sketch).

Each check draws instances with hypothesis, computes the quantity independently (plain
Python / ``fractions``), and compares with what mdpkit's env, DP oracle or learner produced.

1. REO sandwich: ``T mu* <= OPT_T <= cost(constant a*) <= T mu* + (m - 1)``.
2. Saturated samples are unbiased: after ``M >= m`` consecutive plays of a, whatever came
   before, the tally is W and the mean loss is exactly ``mu_a``; in a run, every recorded
   round's pseudo-regret is exactly the saturated gap ``Delta_a``.
3. Doubling arithmetic: pooled counts ``n_r = 2^r - 1``, ``n_{r+1} = 2 n_r + 1``, hence
   ``n_r <= 8L/Delta^2`` implies ``n_{r+1} <= 16 L/Delta^2 + 1``; phases <= R_T; burn-in and
   switch rounds <= ``M K R_T + (m - 1)``.
4. Cauchy-Schwarz: ``N_a <= 16L/Delta_a^2 + 1`` for all a and ``sum N_a <= T`` imply
   ``sum_a Delta_a N_a <= sqrt((16L + 1) K T)``; in runs, the decomposition
   ``CPR_upper = sum_a Delta_a N_a + (unsaturated rounds' cost)`` holds exactly.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.algorithms.tallying.se_wtb import N_POOLED, PHASE, log_term, n_phases_bound
from mdpkit.envs.tallying import TallyingBandit, opt_value
from mdpkit.experiments.registry import get_learner
from mdpkit.models.tallying import random_reo_instance

SET = settings(max_examples=30, deadline=None)


def _f(inst, a, y):
    """Independent loss evaluation: linear interpolation of arm a's knots at y / W."""
    J = int(inst.n_knots[a])
    xs, vs = list(inst.xs[a, :J]), list(inst.vs[a, :J])
    u = min(max(y / sum(inst.w), 0.0), 1.0)
    for j in range(1, J):
        if u <= xs[j]:
            return vs[j - 1] + (vs[j] - vs[j - 1]) * (u - xs[j - 1]) / (xs[j] - xs[j - 1])
    return vs[-1]


def _tally(seq, a, w):
    """Tally of a played now after history seq (most recent last), current window."""
    y = w[0]
    for i in range(1, len(w)):
        if len(seq) - i >= 0 and seq[len(seq) - i] == a:
            y += w[i]
    return y


# ----------------------------------------------------------------------------- 1
@SET
@given(
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
    st.integers(1, 120),
    st.sampled_from([None, 0.6]),
)
def test_reo_sandwich(K, m, seed, T, gamma):
    inst = random_reo_instance(K, m, seed, gamma=gamma)
    mu = [_f(inst, a, sum(inst.w)) for a in range(K)]
    mu_star = min(mu)
    star = mu.index(mu_star)
    const = sum(_f(inst, star, sum(inst.w[: min(t, m)])) for t in range(1, T + 1))
    opt = opt_value(inst, T)
    assert T * mu_star - 1e-9 <= opt <= const + 1e-9
    assert const <= T * mu_star + (m - 1) + 1e-9


# ----------------------------------------------------------------------------- 2
@SET
@given(
    st.integers(2, 5), st.integers(1, 6), st.integers(0, 6), st.integers(0, 2**32 - 1), st.data()
)
def test_saturated_after_burn_in(K, m, extra, seed, data):
    inst = random_reo_instance(K, m, seed, gamma=0.8 if seed % 2 else None)
    M = m + extra
    prefix = data.draw(st.lists(st.integers(0, K - 1), max_size=12))
    a = data.draw(st.integers(0, K - 1))
    env = TallyingBandit(inst, seed, M=M)
    for b in prefix:
        env.pull(b)
    for _ in range(M):
        env.pull(a)
    seq = prefix + [a] * M
    W = sum(inst.w)
    assert abs(_tally(seq, a, list(inst.w)) - W) < 1e-12
    assert abs(env.tally(a) - W) < 1e-12
    assert abs(env.mean_loss(a) - _f(inst, a, W)) < 1e-12
    assert abs(env.mean_loss(a) - inst.saturated[a]) < 1e-12


def _run(inst, M, T, seed, **params):
    env = TallyingBandit(inst, seed, M=M, record=True)
    lrn = get_learner("se-wtb")(env.env_info() | {"n_steps": T}, 0, **params)
    acts, phases, pooled = [], [], []
    regret = []
    for _ in range(T):
        a = lrn.act()
        regret.append(env.pseudo_regret(a))
        before = int(lrn.state.ints[PHASE])
        lrn.update(a, env.pull(a))
        acts.append(a)
        if int(lrn.state.ints[PHASE]) != before:
            phases.append(before)
            pooled.append(int(lrn.state.ints[N_POOLED]))
        acts[-1] = (a, lrn.info()["recorded"] == 1.0, lrn.survivor)
        if lrn.survivor < 0 or acts[-1][1]:
            lrn.max_phase_played = max(getattr(lrn, "max_phase_played", 0), before)
    return env, lrn, acts, np.array(regret), phases, pooled


@settings(max_examples=15, deadline=None)
@given(
    st.integers(2, 6),
    st.integers(1, 5),
    st.integers(0, 3),
    st.integers(0, 2**32 - 1),
    st.integers(200, 4000),
)
def test_recorded_rounds_cost_exactly_the_gap(K, m, extra, seed, T):
    inst = random_reo_instance(K, m, seed)
    env, lrn, acts, regret, _, _ = _run(inst, m + extra, T, seed)
    gaps = [
        _f(inst, a, sum(inst.w)) - min(_f(inst, b, sum(inst.w)) for b in range(K)) for a in range(K)
    ]
    for t, (a, rec, _) in enumerate(acts):
        if rec:
            assert abs(regret[t] - gaps[a]) < 1e-12


# ----------------------------------------------------------------------------- 3
@settings(max_examples=15, deadline=None)
@given(
    st.integers(2, 6),
    st.integers(1, 5),
    st.integers(0, 3),
    st.integers(0, 2**32 - 1),
    st.integers(50, 5000),
)
def test_doubling_and_burn_in_count(K, m, extra, seed, T):
    inst = random_reo_instance(K, m, seed)
    M = m + extra
    env, lrn, acts, regret, phases, pooled = _run(inst, M, T, seed)
    for r, n in zip(phases, pooled):
        assert n == 2**r - 1
    for n0, n1 in zip(pooled, pooled[1:]):
        assert n1 == 2 * n0 + 1
    # phases that started (any block of phase r played) <= R_T
    assert lrn.max_phase_played <= n_phases_bound(T)
    unsat = sum(1 for a, rec, surv in acts if not rec and surv < 0)
    assert unsat <= M * K * n_phases_bound(T)


@SET
@given(st.integers(1, 10**6), st.fractions(Fraction(1, 100), 1), st.fractions(1, 50))
def test_doubling_implication(n, gap, L):
    """Exact rationals: if n_r <= 8L/gap^2 then 2 n_r + 1 <= 16L/gap^2 + 1."""
    if n <= 8 * L / gap**2:
        assert 2 * n + 1 <= 16 * L / gap**2 + 1


# ----------------------------------------------------------------------------- 4
@SET
@given(
    st.lists(st.fractions(Fraction(1, 100), 1), min_size=1, max_size=8),
    st.fractions(1, 40),
    st.data(),
)
def test_cauchy_schwarz_step(gaps, L, data):
    """Any N_a <= 16L/Delta_a^2 + 1 with sum N_a = T: sum Delta N <= sqrt((16L+1) K T)."""
    caps = [int(16 * L / g**2 + 1) for g in gaps]
    N = [data.draw(st.integers(0, c)) for c in caps]
    T = max(sum(N), 1)
    lhs = sum(g * n for g, n in zip(gaps, N))
    rhs2 = (16 * L + 1) * len(gaps) * T
    assert lhs * lhs <= rhs2  # exact rational comparison of squares


@settings(max_examples=10, deadline=None)
@given(st.integers(2, 6), st.integers(1, 5), st.integers(0, 2**32 - 1), st.integers(500, 6000))
def test_run_decomposition_and_bound(K, m, seed, T):
    """In a run: CPR_upper = sum_a Delta_a N_a + cost of unsaturated rounds (exact); N_a
    satisfies the good-event cap (w.h.p.; delta = 1/T), and then the Cauchy-Schwarz term
    bounds the saturated part."""
    inst = random_reo_instance(K, m, seed)
    env, lrn, acts, regret, _, _ = _run(inst, m, T, seed)
    gaps = inst.gaps
    N = np.zeros(K)
    sat_cost = burn_rounds = surv_cost = 0.0
    for (a, rec, surv), r in zip(acts, regret):
        if rec:
            N[a] += 1
            sat_cost += r
        elif surv >= 0 and surv == a:
            surv_cost += r
        else:
            burn_rounds += 1
    assert abs(sat_cost - float(np.dot(gaps, N))) < 1e-9
    # the switch to the survivor a* costs at most m - 1 (unsaturated rounds, each <= 1)
    if lrn.survivor == inst.best_arm:
        assert surv_cost <= m - 1 + 1e-9
    assert regret.sum() <= sat_cost + burn_rounds + surv_cost + 1e-9
    L = log_term(K, T, 1.0 / T)
    pos = gaps > 0
    if np.all(N[pos] <= 16 * L / gaps[pos] ** 2 + 1):
        assert float(np.dot(gaps, N)) <= math.sqrt((16 * L + 1) * K * T) + 1e-9

r"""Inequalities behind DynLin-UCB's analysis (spec ``dynlin_ucb.md`` 2.1, 3.1, 5.4, 5.5).

Each ``test_*`` states an inequality in its docstring with its source, checks it exactly
(rational arithmetic or sympy) or on compiled runs, and would fail for a wrong epoch
schedule or a wrong label.

Notation: ``rho`` = the learner's bound rho_bar in (0, 1), epoch m >= 1 has length
``H_m = 1 + floor(log m / log(1/rho))``; ``M(T)`` = number of epochs started within T
rounds; ``Omega = ||omega||``, ``Phi = sup_k ||A^k|| / rho(A)^k``.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import given, settings, strategies as st

from mdpkit.algorithms import _dlb_kernels as K
from mdpkit.algorithms.dynlin_ucb import epoch_schedule, make_dynlin_ucb
from mdpkit.envs.dlb import DynamicalLinearBandit, realdata_dlb, spectral_radius, synthetic_dlb

SETTINGS = settings(max_examples=40, deadline=None)


# ----------------------------------------------------------------------------- schedule
@SETTINGS
@given(st.integers(1, 99), st.integers(2, 100), st.integers(1, 10 ** 6))
def test_epoch_length_bracket_exact(p, q, m):
    r"""Spec 2.1: ``rho^{H_m} < 1/m <= rho^{H_m - 1}`` for rational ``rho = p/q < 1``,
    checked in exact rational arithmetic (``fractions.Fraction``), including exact powers
    ``m = rho^{-k}`` where a plain floating floor can be off by one."""
    if p >= q:
        p, q = q - 1, q
    if p == 0:
        return
    rho = Fraction(p, q)
    H = K.epoch_length(m, p / q, 0.0)
    assert rho ** H < Fraction(1, m) <= rho ** (H - 1)


def test_epoch_length_exact_powers():
    r"""At ``m = 5^k`` (rho = 1/5): ``H_m = k + 1`` exactly (``rho^{k+1} < 5^{-k} = rho^k``)."""
    for k in range(0, 9):
        assert K.epoch_length(5 ** k, 0.2, 0.0) == k + 1


@SETTINGS
@given(st.floats(0.01, 0.95), st.integers(1, 200_000))
def test_epochs_cover_and_count(rho, T):
    r"""Spec 3.1 item 4: the epochs partition [1, T]; their number satisfies
    ``T / H_{M} <= M(T) <= T`` and the longest epoch ``H_M <= 1 + log(M)/log(1/rho)
    <= 1 + log(T)/(1 - rho)`` (since ``log(1/rho) >= 1 - rho``), which is where the
    ``(1 - rho)^{-1}`` factor of the upper bound comes from."""
    s = epoch_schedule(T, rho, 0.0)
    M = len(s)
    assert s.sum() == T and np.all(s >= 1)
    assert np.all(np.diff(s[:-1]) >= 0)  # non-decreasing (last one truncated)
    assert T / s.max() <= M <= T
    assert s.max() <= 1 + math.log(M) / math.log(1 / rho) + 1e-9
    assert s.max() <= 1 + math.log(T) / (1 - rho) + 1e-9


def test_log_inverse_rho_lower_bound_symbolic():
    r"""``log(1/rho) >= 1 - rho`` on (0, 1) (used in spec 3.1 item 4): ``f(rho) =
    -log(rho) - (1 - rho)`` has ``f(1) = 0`` and ``f'(rho) = 1 - 1/rho < 0`` on (0, 1)."""
    r = sp.Symbol("rho", positive=True)
    f = -sp.log(r) - (1 - r)
    assert f.subs(r, 1) == 0
    fp = sp.diff(f, r)
    assert sp.simplify(fp - (1 - 1 / r)) == 0
    assert all(fp.subs(r, sp.Rational(k, 100)) < 0 for k in range(1, 100))


def test_harmonic_sum_gives_log_term():
    r"""Spec 3.1 item 3: summed label biases ``sum_{m<=M} c/m <= c (1 + log M) <=
    c log(e (t + 1))`` for ``M <= t`` epochs, the ``(c_b/sqrt(lam)) log(e(t+1))`` term of
    beta_t. Checked exactly for M up to 2000 against the rational harmonic numbers."""
    Hn = Fraction(0)
    for M in range(1, 2001):
        Hn += Fraction(1, M)
        assert float(Hn) <= 1 + math.log(M) + 1e-12
        assert 1 + math.log(M) <= math.log(math.e * (M + 1))


def test_label_bias_is_order_one_over_m():
    r"""Spec 3.1 item 3: with ``rho^{H_m} < 1/m``, the transient factor of label m is
    ``rho^{H_m - 1} < 1/(rho m)``, so label m's bias is ``O(1/m)``; exact for rho = 1/5, 2/3."""
    for p, q in ((1, 5), (2, 3)):
        rho = Fraction(p, q)
        for m in range(1, 5000, 7):
            H = K.epoch_length(m, p / q, 0.0)
            assert rho ** (H - 1) < 1 / (rho * m)


# ----------------------------------------------------------------------------- label bias on runs
@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10 ** 6), st.floats(0.0, 0.9), st.integers(1, 3))
def test_label_bias_bound_on_noise_free_runs(seed, rho, n):
    r"""Spec 5.5: in a noise-free system, the last reward of epoch m satisfies
    ``|y_last - h^T u_m| <= ||omega|| ||A^{H_m - 1}||_2 ||x_start - x_inf(u_m)||`` (the
    ``||A^k||`` form, valid also when rho(A) = 0), because
    ``x_{start+k} - x_inf = A^k (x_start - x_inf)`` under a constant action. Random systems
    with rho(A) = rho; DynLin-UCB's own epochs (learner told the true rho)."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    r0 = spectral_radius(A)
    A = A * (rho / r0) if r0 > 0 else A
    B, C, D = rng.standard_normal((n, 3)), rng.standard_normal((2, n)), rng.standard_normal((2, 3))
    env = DynamicalLinearBandit(A, B, C, D, synthetic_dlb(0.01, 0).features, 0.0, 0)
    info = {**env.env_info(), "n_steps": 600, "rho": max(env.rho, 0.05),
            "phi": env.phi if np.isfinite(env.phi) else 10.0}
    L = make_dynlin_ucb(info, seed, config="logT")
    norms = {}
    while L.t < 600:
        a = L.act()
        if L.remaining == L.epochs[-1][1]:
            x_start, Hm = env.x.copy(), L.epochs[-1][1]
        y = env.pull(a)
        L.update(a, y)
        if L.remaining == 0:
            if Hm not in norms:
                norms[Hm] = np.linalg.norm(np.linalg.matrix_power(A, Hm - 1), 2)
            gap = np.linalg.norm(x_start - env.steady_state(env.features[a]))
            assert abs(y - env.means[a]) <= np.linalg.norm(env.omega) * norms[Hm] * gap + 1e-10


def test_label_bias_paper_form_on_instances():
    r"""The paper-form bound ``|y_last - h^T u| <= Omega Phi rho^{H_m - 1} ||x_start - x_inf||``
    (spec 1.3) on the two instances (Phi as computed by the reference, max over 999 powers)."""
    for make in (synthetic_dlb, realdata_dlb):
        base = make(0.01, 0)
        env = DynamicalLinearBandit(base.A, base.B, base.C, base.D, base.features, 0.0, 0)
        L = make_dynlin_ucb({**base.env_info(), "n_steps": 3000}, 1, config="1")
        while L.t < 3000:
            a = L.act()
            if L.remaining == L.epochs[-1][1]:
                x_start, Hm = env.x.copy(), L.epochs[-1][1]
            y = env.pull(a)
            L.update(a, y)
            if L.remaining == 0:
                bound = env.omega_norm * env.phi * env.rho ** (Hm - 1) * np.linalg.norm(
                    x_start - env.steady_state(env.features[a]))
                assert abs(y - env.means[a]) <= bound * (1 + 1e-9) + 1e-12


def test_upper_bound_order_symbolic():
    r"""Spec 3.1 item 4: ``H_M * beta_T * sqrt(d M log T)`` with ``H_M ~ log T/(1 - rho)``,
    ``beta_T ~ sqrt(d) + log T/(1 - rho)`` and ``M <= T`` is ``O~(d sqrt(T)/(1-rho)^2)`` in
    this crude form; with ``M ~ T (1 - rho)/log T`` epochs (each of length
    ``~ log T/(1 - rho)``) the product is ``d sqrt(T) (1 - rho)^{-3/2}`` up to logs, the
    order of :data:`mdpkit.bounds.dlb.DYNLIN_UCB_UPPER`."""
    from mdpkit.bounds.dlb import DYNLIN_UCB_UPPER
    T, d, r, Lg = sp.symbols("T d rho L", positive=True)
    H = Lg / (1 - r)
    M = T * (1 - r) / Lg
    beta = sp.sqrt(d) * Lg / (1 - r)          # the larger of the two terms, d >= 1
    expr = H * beta * sp.sqrt(d * M * Lg)
    ratio = sp.simplify(expr / DYNLIN_UCB_UPPER.expr.subs({sp.Symbol("T", positive=True, real=True): T,
                                                            sp.Symbol("d", positive=True, real=True): d,
                                                            sp.Symbol("rho", nonnegative=True, real=True): r}))
    # ratio is a pure power of the log factor L: no T, d or rho left
    assert ratio.free_symbols <= {Lg}

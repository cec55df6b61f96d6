r"""Inequalities behind DynLin-UCB's analysis (docs/papers/dynlin-ucb.md#radius-and-epochs,
#theory).

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
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.algorithms import _dlb_kernels as K
from mdpkit.algorithms.dynlin_ucb import epoch_schedule, make_dynlin_ucb
from mdpkit.envs.dlb import DynamicalLinearBandit, realdata_dlb, spectral_radius, synthetic_dlb

SETTINGS = settings(max_examples=40, deadline=None)


# ----------------------------------------------------------------------------- schedule
@SETTINGS
@given(st.integers(1, 99), st.integers(2, 100), st.integers(1, 10**6))
def test_epoch_length_bracket_exact(p, q, m):
    r"""dynlin-ucb.md#radius-and-epochs: ``rho^{H_m} < 1/m <= rho^{H_m - 1}`` for rational ``rho = p/q < 1``,
    checked in exact rational arithmetic (``fractions.Fraction``), including exact powers
    ``m = rho^{-k}`` where a plain floating floor can be off by one."""
    if p >= q:
        p, q = q - 1, q
    if p == 0:
        return
    rho = Fraction(p, q)
    H = K.epoch_length(m, p / q, 0.0)
    assert rho**H < Fraction(1, m) <= rho ** (H - 1)


def _near_powers(p, q, kmax, mmax):
    """Integers at and around (q/p)^k, k = 1..kmax: the exact powers when p = 1, else the
    integers nearest to the (irrational-free but non-integer) powers, and their neighbours."""
    out = set()
    for k in range(1, kmax + 1):
        lo = q**k // p**k
        for m in (lo - 1, lo, lo + 1, lo + 2):
            if 1 <= m <= mmax:
                out.add(m)
    return sorted(out)


def test_epoch_length_lemma_at_exact_powers():
    r"""Epoch-length lemma ``rho^{H_m} < 1/m <= rho^{H_m - 1}`` for rho in {0.1, 0.5, 0.9}
    (and 0.2, the synthetic instance's rho), at the exact powers ``m = rho^{-k}`` (rho = 0.1:
    10^k; 0.5: 2^k; 0.2: 5^k) and their neighbours, and for rho = 0.9 at the integers next
    to (10/9)^k, up to m = 10^9. The lemma is decided exactly (``Fraction``) on the H_m that
    mdpkit's kernel returns for the float rho, and at the exact powers also by value:
    ``H_{q^k} = k + 1``. At rho = 0.1, m = 10^3 a plain float floor gives 3 instead of 4."""
    for p, q in ((1, 10), (1, 2), (9, 10), (1, 5)):
        rho = Fraction(p, q)
        kmax = 200 if p == 9 else 40
        for m in _near_powers(p, q, kmax, 10**9):
            H = K.epoch_length(m, p / q, 0.0)
            assert rho**H < Fraction(1, m) <= rho ** (H - 1), (p, q, m, H)
        if p == 1:
            for k in range(0, 30):
                if q**k <= 10**9:
                    assert K.epoch_length(q**k, 1 / q, 0.0) == k + 1


@SETTINGS
@given(st.floats(0.01, 0.95), st.integers(1, 200_000))
def test_epochs_cover_and_count(rho, T):
    r"""dynlin-ucb.md#theory: the epochs partition [1, T]; their number satisfies
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


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(
        [Fraction(1, 10), Fraction(1, 5), Fraction(1, 2), Fraction(2, 3), Fraction(9, 10)]
    ),
    st.integers(2, 100_000),
)
def test_longest_epoch_vs_one_minus_rho(rho, T):
    r"""dynlin-ucb.md#theory: the longest epoch of mdpkit's schedule over T rounds satisfies
    ``H_M <= 1 + log(M)/log(1/rho) <= 1 + log(M)/(1 - rho)`` -- the source of the
    ``(1 - rho)^{-1}`` factor. The first inequality is equivalent to
    ``rho^{H_M - 1} >= 1/M``, decided exactly (Fractions) on mdpkit's H_M and M; the second
    uses ``log(1/rho) >= 1 - rho``, evaluated with sympy at mdpkit's rho."""
    s = epoch_schedule(T, float(rho), 0.0)
    M = len(s)
    HM = int(K.epoch_length(M, float(rho), 0.0)) if M > 1 else 1
    assert int(s.max()) <= HM
    assert rho ** (HM - 1) >= Fraction(1, M)
    r = sp.Rational(rho.numerator, rho.denominator)
    assert sp.log(1 / r).evalf(30) >= (1 - r)
    assert HM <= 1 + math.log(M) / float(1 - rho) + 1e-12


def test_harmonic_sum_below_mdpkit_transient_term():
    r"""dynlin-ucb.md#theory: the summed label biases ``c sum_{m <= M} 1/m`` over the M epochs
    started by round t are covered by the transient term of mdpkit's beta_t,
    ``(c_b/sqrt(lam)) (1 + log(t + 1))``: with c_h = 0, sigma~ = 0, lam = 1, c_b = 1 the
    kernel's ``beta_dynlin(t, ...)`` must be >= the exact harmonic number H_M (Fractions)
    for every t <= 3000 and M = the number of epochs mdpkit's schedule starts within t
    rounds (rho = 0.2). A beta written with log(t + 1) instead of log(e (t + 1)) fails at
    t = 1."""
    Hn, M = Fraction(0), 0
    starts = np.concatenate([[0], np.cumsum(epoch_schedule(3000, 0.2, 0.0))])
    for t in range(1, 3001):
        while M < len(starts) - 1 and starts[M] < t:
            M += 1
            Hn += Fraction(1, M)
        beta = K.beta_dynlin(float(t), 1.0, 0.0, 1.0, 0.0, 0.0, 3, 1.0)
        assert beta >= float(Hn) - 1e-12, (t, M, beta, float(Hn))


# ----------------------------------------------------------------------------- label bias on runs
def _assert_regressed_on(L, labels):
    """The labels whose bias is bounded are the ones the LEARNER regressed on: its ridge
    statistics equal ``V = lam I + sum u u^T``, ``b = sum u y`` over the epoch-end (arm,
    reward) pairs recorded by the caller, and its estimate is ``V^{-1} b`` (numpy)."""
    X = L.X
    V = L.lam * np.eye(X.shape[1])
    b = np.zeros(X.shape[1])
    for a, y in labels:
        V += np.outer(X[a], X[a])
        b += X[a] * y
    assert L.n_updates == len(labels)
    np.testing.assert_allclose(L.V, V, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(L.b, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(L.hhat, np.linalg.solve(V, b), rtol=1e-7, atol=1e-9)


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10**6), st.floats(0.0, 0.9), st.integers(1, 3))
def test_label_bias_bound_on_noise_free_runs(seed, rho, n):
    r"""dynlin-ucb.md#theory: in a noise-free system, the last reward of epoch m satisfies
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
    info = {
        **env.env_info(),
        "n_steps": 600,
        "rho": max(env.rho, 0.05),
        "phi": env.phi if np.isfinite(env.phi) else 10.0,
    }
    L = make_dynlin_ucb(info, seed, config="logT")
    norms = {}
    labels = []
    while L.t < 600:
        a = L.act()
        if L.remaining == L.epochs[-1][1]:
            x_start, Hm = env.x.copy(), L.epochs[-1][1]
        y = env.pull(a)
        L.update(a, y)
        if L.remaining == 0:
            labels.append((a, y))
            if Hm not in norms:
                norms[Hm] = np.linalg.norm(np.linalg.matrix_power(A, Hm - 1), 2)
            gap = np.linalg.norm(x_start - env.steady_state(env.features[a]))
            assert abs(y - env.means[a]) <= np.linalg.norm(env.omega) * norms[Hm] * gap + 1e-10
    _assert_regressed_on(L, labels)


def test_label_bias_paper_form_on_instances():
    r"""The paper-form bound ``|y_last - h^T u| <= Omega Phi rho^{H_m - 1} ||x_start - x_inf||``
    (dynlin-ucb.md#model) on the two instances (Phi as computed by the reference, max over 999 powers)."""
    for make in (synthetic_dlb, realdata_dlb):
        base = make(0.01, 0)
        env = DynamicalLinearBandit(base.A, base.B, base.C, base.D, base.features, 0.0, 0)
        L = make_dynlin_ucb({**base.env_info(), "n_steps": 3000}, 1, config="1")
        labels = []
        while L.t < 3000:
            a = L.act()
            if L.remaining == L.epochs[-1][1]:
                x_start, Hm = env.x.copy(), L.epochs[-1][1]
            y = env.pull(a)
            L.update(a, y)
            if L.remaining == 0:
                labels.append((a, y))
                bound = (
                    env.omega_norm
                    * env.phi
                    * env.rho ** (Hm - 1)
                    * np.linalg.norm(x_start - env.steady_state(env.features[a]))
                )
                assert abs(y - env.means[a]) <= bound * (1 + 1e-9) + 1e-12
        _assert_regressed_on(L, labels)


def test_upper_bound_order_symbolic():
    r"""dynlin-ucb.md#theory: ``H_M * beta_T * sqrt(d M log T)`` with ``H_M ~ log T/(1 - rho)``,
    ``beta_T ~ sqrt(d) + log T/(1 - rho)`` and ``M <= T`` is ``O~(d sqrt(T)/(1-rho)^2)`` in
    this crude form; with ``M ~ T (1 - rho)/log T`` epochs (each of length
    ``~ log T/(1 - rho)``) the product is ``d sqrt(T) (1 - rho)^{-3/2}`` up to logs, the
    order of :data:`mdpkit.bounds.dlb.DYNLIN_UCB_UPPER`."""
    from mdpkit.bounds.dlb import DYNLIN_UCB_UPPER

    T, d, r, Lg = sp.symbols("T d rho L", positive=True)
    H = Lg / (1 - r)
    M = T * (1 - r) / Lg
    beta = sp.sqrt(d) * Lg / (1 - r)  # the larger of the two terms, d >= 1
    expr = H * beta * sp.sqrt(d * M * Lg)
    ratio = sp.simplify(
        expr
        / DYNLIN_UCB_UPPER.expr.subs(
            {
                sp.Symbol("T", positive=True, real=True): T,
                sp.Symbol("d", positive=True, real=True): d,
                sp.Symbol("rho", nonnegative=True, real=True): r,
            }
        )
    )
    # ratio is a pure power of the log factor L: no T, d or rho left
    assert ratio.free_symbols <= {Lg}

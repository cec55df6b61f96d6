"""mdpkit.bounds: the Bound type and the classical bounds (spec classical_baselines.md 1, 2, 5)."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import mdpkit.bounds as B
from mdpkit.bounds import Bound


# ------------------------------------------------------------------ the type
def test_bound_type_evaluate_and_curve():
    n, k = sp.symbols("n k", positive=True)
    b = Bound("demo", sp.sqrt(k * n) + 1, (n, k), reference="r", exact=True, x_symbol="n")
    assert b(n=9, k=4) == 7.0
    np.testing.assert_allclose(b.curve([1, 4, 9], k=1), [2.0, 3.0, 4.0])
    assert b.evaluate is not None and b.x_name == "n" and not b.dashed
    assert b.subs(k=1) == sp.sqrt(n) + 1


def test_bound_type_errors():
    n, k = sp.symbols("n k", positive=True)
    with pytest.raises(ValueError, match="not in symbols"):
        Bound("x", n * k, (n,), reference="r", exact=True, x_symbol=n)
    with pytest.raises(ValueError, match="x_symbol"):
        Bound("x", n, (n,), reference="r", exact=True, x_symbol="K")
    with pytest.raises(ValueError, match="contradicts"):
        Bound("x", n, (n,), reference="r", exact=True, x_symbol=n, tag="order")
    with pytest.raises(TypeError, match="exact"):
        Bound("x", n, (n,), reference="r", exact=1, x_symbol=n)
    b = Bound("x", sp.log(n - k), (n, k), reference="r", exact=False, x_symbol=n)
    with pytest.raises(ValueError, match="missing"):
        b(n=3)
    with pytest.raises(ValueError, match="unknown"):
        b(n=3, k=1, z=2)
    with pytest.raises(ValueError, match="not finite"):
        b(n=1, k=2)
    with pytest.raises(ValueError, match="x array"):
        b.curve([3.0], n=3, k=1)
    with pytest.raises(TypeError, match="real number"):
        b(n="3", k=1)
    with pytest.raises(ValueError, match="unknown bound"):
        B.get("nope")


def test_tags_map_to_exact_and_dashing():
    for b in B.ALL_BOUNDS.values():
        assert b.exact == (b.tag in ("exact", "derived"))
        assert b.dashed == (not b.exact)
        assert b.reference and b.x_name in ("n", "T", "t", "K")
    assert B.UCBVI_CH.exact and not B.UCBVI_BF.exact and not B.PSRL.exact
    assert B.KARMED_LOWER.kind == "lower" and B.KARMED_LOWER.exact
    assert B.TABULAR_LOWER_INHOMOGENEOUS.kind == "lower" and not B.TABULAR_LOWER_INHOMOGENEOUS.exact
    assert B.get("ucbvi_ch") is B.UCBVI_CH


# ------------------------------------------------------- values vs the formulas
def test_values_match_spec_formulas():
    ln = np.log
    # UCB1, Thm 1
    assert B.UCB1(n=1000, sum_inv_gap=12.5, sum_gap=1.3) == pytest.approx(
        8 * ln(1000) * 12.5 + (1 + np.pi ** 2 / 3) * 1.3, rel=1e-14)
    assert B.UCB1_WORST_CASE(n=1000, k=5, sum_gap=1.3) == pytest.approx(
        np.sqrt(32 * 5 * 1000 * ln(1000)) + (1 + np.pi ** 2 / 3) * 1.3, rel=1e-14)
    assert B.SUCCESSIVE_ELIMINATION(T=500, k=3, sum_inv_gap=4.0, sum_gap=0.9) == pytest.approx(
        0.9 + 32 * ln(500) * 4.0 + 6 / 500 ** 2, rel=1e-14)
    assert B.SUCCESSIVE_ELIMINATION_WORST_CASE(T=500, k=3) == pytest.approx(
        8 * np.sqrt(2 * 3 * 500 * ln(500)) + 3 + 6 / 500 ** 2, rel=1e-14)
    # OFUL Thm 3 as printed
    n, d, lam, L, R, S, dl = 1000, 5, 2.0, 1.5, 0.5, 3.0, 0.05
    exp = 4 * np.sqrt(n * d * ln(lam + n * L / d)) * (
        np.sqrt(lam) * S + R * np.sqrt(2 * ln(1 / dl) + d * ln(1 + n * L / (lam * d))))
    assert B.OFUL_REGRET(n=n, d=d, lam=lam, L=L, R=R, S_theta=S, delta=dl) == pytest.approx(exp, rel=1e-13)
    assert B.OFUL_BETA(t=n, d=d, lam=lam, L=L, R=R, S_theta=S, delta=dl) == pytest.approx(
        R * np.sqrt(d * ln((1 + n * L ** 2 / lam) / dl)) + np.sqrt(lam) * S, rel=1e-13)
    # UCBVI-CH Thm 1, L = ln(5 S A T / delta), T = K H
    K, S_, A, H, dl = 1000, 6, 2, 20, 0.1
    T = K * H
    Lu = ln(5 * S_ * A * T / dl)
    assert B.UCBVI_CH(K=K, S=S_, A=A, H=H, delta=dl) == pytest.approx(
        20 * H * Lu * np.sqrt(S_ * A * T) + 250 * H ** 2 * S_ ** 2 * A * Lu ** 2, rel=1e-13)
    assert B.ucbvi_log_factor(S_, A, K, H, dl) == pytest.approx(Lu, rel=1e-15)
    assert B.UCBVI_BF(K=K, S=S_, A=A, H=H) == pytest.approx(
        np.sqrt(H * S_ * A * T) + H ** 2 * S_ ** 2 * A + H * np.sqrt(T), rel=1e-13)
    assert B.PSRL(K=K, S=S_, A=A, H=H) == pytest.approx(
        H * S_ * np.sqrt(A * T * ln(S_ * A * T)), rel=1e-13)
    # lower bounds (spec 5)
    assert B.KARMED_LOWER(n=2700, k=10) == pytest.approx(np.sqrt(9 * 2700) / 27, rel=1e-14)
    assert B.LINEAR_BANDIT_LOWER(n=100, d=5) == pytest.approx(np.exp(-2) / 8 * 5 * 10, rel=1e-14)
    assert B.TABULAR_LOWER_INHOMOGENEOUS(K=K, S=S_, A=A, H=H) == pytest.approx(
        np.sqrt(H ** 3 * S_ * A * K), rel=1e-14)
    assert B.TABULAR_LOWER_HOMOGENEOUS(K=K, S=S_, A=A, H=H) == pytest.approx(
        np.sqrt(H ** 2 * S_ * A * K), rel=1e-14)


def test_curve_equals_pointwise():
    xs = np.array([10.0, 100.0, 1e4])
    for b, kw in [(B.UCBVI_CH, dict(S=5, A=2, H=10, delta=0.1)),
                  (B.OFUL_REGRET, dict(d=5, lam=1.0, L=1.0, R=1.0, S_theta=1.0, delta=0.05)),
                  (B.KARMED_LOWER, dict(k=4))]:
        c = b.curve(xs, **kw)
        assert c.shape == xs.shape
        for x, v in zip(xs, c):
            assert v == pytest.approx(b(**{b.x_name: x}, **kw), rel=1e-14)
        assert np.all(np.diff(c) > 0)


def test_gap_sums():
    g = B.gap_sums([0.9, 0.5, 0.9, 0.4])
    assert g == {"sum_inv_gap": pytest.approx(1 / 0.4 + 1 / 0.5), "sum_gap": pytest.approx(0.9), "k": 4.0}
    with pytest.raises(ValueError, match="means"):
        B.gap_sums([[0.1]])


# ------------------------------------------------------- derivations (sympy)
def test_worst_case_forms_are_minimised_gap_splits():
    """[derived] worst cases = min over the split Delta_0 of (n Delta_0 + c k ln n / Delta_0):
    c = 8 gives sqrt(32 k n ln n) (UCB1), c = 32 gives 8 sqrt(2 k T ln T) (successive elim.)."""
    D, n, k = sp.symbols("Delta_0 n k", positive=True)
    for c, target in [(8, sp.sqrt(32 * k * n * sp.log(n))), (32, 8 * sp.sqrt(2 * k * n * sp.log(n)))]:
        f = n * D + c * k * sp.log(n) / D
        crit = sp.solve(sp.diff(f, D), D)
        assert len(crit) == 1
        assert sp.simplify(f.subs(D, crit[0]) - target) == 0
        # and it is the spec's split point sqrt(c k ln n / n)
        assert sp.simplify(crit[0] - sp.sqrt(c * k * sp.log(n) / n)) == 0


def test_oful_closed_form_radius_dominates_determinant_form_for_d_ge_2():
    """det(V_t) <= (lambda + t L^2 / d)^d makes beta_t(det) <= the closed form when d >= 2;
    checked on random data. For d = 1 the spec's closed form has d ln(1/delta) = ln(1/delta)
    < 2 ln(1/delta): it is *not* an upper bound (shown below), so the code uses the
    determinant form."""
    rng = np.random.default_rng(0)
    for d in (2, 5):
        X = rng.standard_normal((300, d))
        X /= np.linalg.norm(X, axis=1, keepdims=True) / 0.8   # ||x|| = 0.8 = L
        V = 1.5 * np.eye(d)
        for t in range(300):
            V += np.outer(X[t], X[t])
            ld = np.linalg.slogdet(V)[1]
            det_form = B.oful_beta_det(ld, d, 1.5, 0.7, 2.0, 0.05)
            assert det_form <= B.OFUL_BETA(t=t + 1, d=d, lam=1.5, L=0.8, R=0.7, S_theta=2.0,
                                           delta=0.05) + 1e-12
    # d = 1, t = 0: det form sqrt(2 ln(1/delta)) > closed form sqrt(ln(1/delta))
    assert B.oful_beta_det(0.0, 1, 1.0, 1.0, 0.0, 0.05) > B.OFUL_BETA(
        t=0.0, d=1, lam=1.0, L=1.0, R=1.0, S_theta=0.0, delta=0.05)
    with pytest.raises(ValueError, match="delta"):
        B.oful_beta_det(0.0, 1, 1.0, 1.0, 0.0, 1.5)


def test_lower_bounds_below_upper_bounds():
    """Sanity of orders: each minimax lower bound is below the matching upper bound."""
    for n in (100, 10_000):
        assert B.KARMED_LOWER(n=n, k=5) < B.UCB1_WORST_CASE(n=n, k=5, sum_gap=0.0)
        assert B.LINEAR_BANDIT_LOWER(n=n, d=5) < B.OFUL_REGRET(
            n=n, d=5, lam=1.0, L=1.0, R=1.0, S_theta=1.0, delta=0.05)
    for K in (100, 10_000):
        assert B.TABULAR_LOWER_HOMOGENEOUS(K=K, S=5, A=2, H=10) < B.UCBVI_CH(
            K=K, S=5, A=2, H=10, delta=0.1)

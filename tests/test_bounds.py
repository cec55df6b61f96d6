"""mdpkit.bounds: the Bound type and the classical bounds (docs/papers/classical-baselines.md#bounds)."""

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
        8 * ln(1000) * 12.5 + (1 + np.pi**2 / 3) * 1.3, rel=1e-14
    )
    assert B.UCB1_WORST_CASE(n=1000, k=5, sum_gap=1.3) == pytest.approx(
        np.sqrt(32 * 5 * 1000 * ln(1000)) + (1 + np.pi**2 / 3) * 1.3, rel=1e-14
    )
    assert B.SUCCESSIVE_ELIMINATION(T=500, k=3, sum_inv_gap=4.0, sum_gap=0.9) == pytest.approx(
        0.9 + 32 * ln(500) * 4.0 + 6 / 500**2, rel=1e-14
    )
    assert B.SUCCESSIVE_ELIMINATION_WORST_CASE(T=500, k=3) == pytest.approx(
        8 * np.sqrt(2 * 3 * 500 * ln(500)) + 3 + 6 / 500**2, rel=1e-14
    )
    # OFUL Thm 3 as printed
    n, d, lam, L, R, S, dl = 1000, 5, 2.0, 1.5, 0.5, 3.0, 0.05
    exp = (
        4
        * np.sqrt(n * d * ln(lam + n * L / d))
        * (np.sqrt(lam) * S + R * np.sqrt(2 * ln(1 / dl) + d * ln(1 + n * L / (lam * d))))
    )
    assert B.OFUL_REGRET(n=n, d=d, lam=lam, L=L, R=R, S_theta=S, delta=dl) == pytest.approx(
        exp, rel=1e-13
    )
    assert B.OFUL_BETA(t=n, d=d, lam=lam, L=L, R=R, S_theta=S, delta=dl) == pytest.approx(
        R * np.sqrt(d * ln((1 + n * L**2 / lam) / dl)) + np.sqrt(lam) * S, rel=1e-13
    )
    # UCBVI-CH Thm 1, L = ln(5 S A T / delta), T = K H
    K, S_, A, H, dl = 1000, 6, 2, 20, 0.1
    T = K * H
    Lu = ln(5 * S_ * A * T / dl)
    assert B.UCBVI_CH(K=K, S=S_, A=A, H=H, delta=dl) == pytest.approx(
        20 * H * Lu * np.sqrt(S_ * A * T) + 250 * H**2 * S_**2 * A * Lu**2, rel=1e-13
    )
    assert B.ucbvi_log_factor(S_, A, K, H, dl) == pytest.approx(Lu, rel=1e-15)
    assert B.UCBVI_BF(K=K, S=S_, A=A, H=H) == pytest.approx(
        np.sqrt(H * S_ * A * T) + H**2 * S_**2 * A + H * np.sqrt(T), rel=1e-13
    )
    assert B.PSRL(K=K, S=S_, A=A, H=H) == pytest.approx(
        H * S_ * np.sqrt(A * T * ln(S_ * A * T)), rel=1e-13
    )
    # lower bounds (classical-baselines.md#bounds)
    assert B.KARMED_LOWER(n=2700, k=10) == pytest.approx(np.sqrt(9 * 2700) / 27, rel=1e-14)
    assert B.LINEAR_BANDIT_LOWER(n=100, d=5) == pytest.approx(np.exp(-2) / 8 * 5 * 10, rel=1e-14)
    assert B.TABULAR_LOWER_INHOMOGENEOUS(K=K, S=S_, A=A, H=H) == pytest.approx(
        np.sqrt(H**3 * S_ * A * K), rel=1e-14
    )
    assert B.TABULAR_LOWER_HOMOGENEOUS(K=K, S=S_, A=A, H=H) == pytest.approx(
        np.sqrt(H**2 * S_ * A * K), rel=1e-14
    )


def test_curve_equals_pointwise():
    xs = np.array([10.0, 100.0, 1e4])
    for b, kw in [
        (B.UCBVI_CH, dict(S=5, A=2, H=10, delta=0.1)),
        (B.OFUL_REGRET, dict(d=5, lam=1.0, L=1.0, R=1.0, S_theta=1.0, delta=0.05)),
        (B.KARMED_LOWER, dict(k=4)),
    ]:
        c = b.curve(xs, **kw)
        assert c.shape == xs.shape
        for x, v in zip(xs, c):
            assert v == pytest.approx(b(**{b.x_name: x}, **kw), rel=1e-14)
        assert np.all(np.diff(c) > 0)


def test_gap_sums():
    g = B.gap_sums([0.9, 0.5, 0.9, 0.4])
    assert g == {
        "sum_inv_gap": pytest.approx(1 / 0.4 + 1 / 0.5),
        "sum_gap": pytest.approx(0.9),
        "k": 4.0,
    }
    with pytest.raises(ValueError, match="means"):
        B.gap_sums([[0.1]])


# ------------------------------------------------------- derivations (sympy)
def test_worst_case_forms_are_minimised_gap_splits():
    """[derived] worst cases = min over the split Delta_0 of (n Delta_0 + c k ln n / Delta_0):
    c = 8 gives sqrt(32 k n ln n) (UCB1), c = 32 gives 8 sqrt(2 k T ln T) (successive elim.)."""
    D, n, k = sp.symbols("Delta_0 n k", positive=True)
    for c, target in [
        (8, sp.sqrt(32 * k * n * sp.log(n))),
        (32, 8 * sp.sqrt(2 * k * n * sp.log(n))),
    ]:
        f = n * D + c * k * sp.log(n) / D
        crit = sp.solve(sp.diff(f, D), D)
        assert len(crit) == 1
        assert sp.simplify(f.subs(D, crit[0]) - target) == 0
        # and it is the split point sqrt(c k ln n / n)
        assert sp.simplify(crit[0] - sp.sqrt(c * k * sp.log(n) / n)) == 0


def test_oful_closed_form_radius_dominates_determinant_form_for_d_ge_2():
    """det(V_t) <= (lambda + t L^2 / d)^d makes beta_t(det) <= the closed form when d >= 2;
    checked on random data. For d = 1 the closed form has d ln(1/delta) = ln(1/delta)
    < 2 ln(1/delta): it is *not* an upper bound (shown below), so the code uses the
    determinant form."""
    rng = np.random.default_rng(0)
    for d in (2, 5):
        X = rng.standard_normal((300, d))
        X /= np.linalg.norm(X, axis=1, keepdims=True) / 0.8  # ||x|| = 0.8 = L
        V = 1.5 * np.eye(d)
        for t in range(300):
            V += np.outer(X[t], X[t])
            ld = np.linalg.slogdet(V)[1]
            det_form = B.oful_beta_det(ld, d, 1.5, 0.7, 2.0, 0.05)
            assert (
                det_form
                <= B.OFUL_BETA(t=t + 1, d=d, lam=1.5, L=0.8, R=0.7, S_theta=2.0, delta=0.05) + 1e-12
            )
    # d = 1, t = 0: det form sqrt(2 ln(1/delta)) > closed form sqrt(ln(1/delta))
    assert B.oful_beta_det(0.0, 1, 1.0, 1.0, 0.0, 0.05) > B.OFUL_BETA(
        t=0.0, d=1, lam=1.0, L=1.0, R=1.0, S_theta=0.0, delta=0.05
    )
    with pytest.raises(ValueError, match="delta"):
        B.oful_beta_det(0.0, 1, 1.0, 1.0, 0.0, 1.5)


def test_lower_bounds_below_upper_bounds():
    """Sanity of orders: each minimax lower bound is below the matching upper bound."""
    for n in (100, 10_000):
        assert B.KARMED_LOWER(n=n, k=5) < B.UCB1_WORST_CASE(n=n, k=5, sum_gap=0.0)
        assert B.LINEAR_BANDIT_LOWER(n=n, d=5) < B.OFUL_REGRET(
            n=n, d=5, lam=1.0, L=1.0, R=1.0, S_theta=1.0, delta=0.05
        )
    for K in (100, 10_000):
        assert B.TABULAR_LOWER_HOMOGENEOUS(K=K, S=5, A=2, H=10) < B.UCBVI_CH(
            K=K, S=5, A=2, H=10, delta=0.1
        )


# ------------------------------------------- every Bound object vs its formula
def _all_bound_objects():
    """Every :class:`Bound` instance reachable as a module attribute of ``mdpkit.bounds.*``
    (submodules imported by walking the package), deduplicated by identity."""
    import importlib
    import pkgutil

    import mdpkit.bounds as pkg

    found = {}
    for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
        mod = importlib.import_module(info.name)
        for v in vars(mod).values():
            if isinstance(v, Bound):
                found[id(v)] = v
    return list(found.values())


_ln, _sq = np.log, np.sqrt
# name -> (independent numpy formula written from the reference, points to check)
_FORMULAS_PAPERS = {
    # weighted tallying (docs/papers/weighted-tallying.md): R_T = ceil(log2(T + 1)) computed
    # with integers, L = log(2 K R_T / delta)
    "se_wtb_hp": (
        lambda T, K, M, delta: (
            _sq((16 * _ln(2 * K * _rt(T) / delta) + 1) * K * T) + M * (K * _rt(T) + 1)
        ),
        [dict(T=1000, K=5, M=10, delta=0.01), dict(T=7, K=2, M=1, delta=0.5)],
    ),
    "se_wtb_hp_delta_1_over_T": (
        lambda T, K, M: _sq((16 * _ln(2 * K * _rt(T) * T) + 1) * K * T) + M * (K * _rt(T) + 1),
        [dict(T=1000, K=5, M=10), dict(T=15, K=3, M=4)],
    ),
    "se_wtb_gap": (
        lambda T, K, M, delta, sum_inv_gap, sum_gap: (
            16 * _ln(2 * K * _rt(T) / delta) * sum_inv_gap + sum_gap + M * (K * _rt(T) + 1)
        ),
        [
            dict(T=1000, K=5, M=10, delta=0.01, sum_inv_gap=12.0, sum_gap=1.1),
            dict(T=31, K=2, M=3, delta=0.1, sum_inv_gap=2.0, sum_gap=0.5),
        ],
    ),
    "wtb_upper_order": (
        lambda T, K, m, M: _sq(K * T) + (m + M) * K,
        [dict(T=100, K=3, m=2, M=4), dict(T=1e6, K=10, m=5, M=5)],
    ),
    "wtb_lower_order": (
        lambda T, K, m, M: m * K + M,
        [dict(T=100, K=3, m=2, M=4), dict(T=1e6, K=10, m=5, M=5)],
    ),
    # LSD bandits (docs/papers/lsd-bandits.md)
    "lsd_relaxation_upper": (
        lambda T, M, LPstar: (T + M) * LPstar,
        [dict(T=600, M=4, LPstar=0.44), dict(T=10, M=1, LPstar=1.0)],
    ),
    "lsd_learning_order": (lambda T: T ** (2 / 3), [dict(T=1000), dict(T=3.2e4)]),
    # linear mixture (docs/papers/linear-mixture.md, "Bounds")
    # UCRL2 (docs/papers/ucrl2.md, "Bound"): Jaksch et al. 2010, Thm 2
    "ucrl2": (
        lambda T, D, S, A, delta: 34 * D * S * _sq(A * T * _ln(T / delta)),
        [dict(T=2, D=1.5, S=2, A=2, delta=0.5), dict(T=1e6, D=14.7, S=6, A=2, delta=0.05)],
    ),
    "hf_ucrl_rfe_upper": (
        lambda eps, d, H, K, delta, B: _hf_rfe_upper(eps, d, H, K, delta, B),
        [
            dict(eps=0.1, d=4, H=20, K=1000, delta=0.05, B=1.0),
            dict(eps=0.5, d=2, H=5, K=64, delta=0.1, B=2.0),
        ],
    ),
    "linear_mixture_rf_lower": (
        lambda eps, d: d**2 / eps**2,
        [dict(eps=0.1, d=4), dict(eps=0.3, d=9)],
    ),
    # latent MDPs (docs/papers/latent-mdp.md): order-only shapes
    "lmdp_upper_order": (
        lambda K, Var, M, Gamma, S, A: _sq(Var * M * Gamma * S * A * K),
        [
            dict(K=1000, Var=0.2, M=2, Gamma=3, S=4, A=2),
            dict(K=20000, Var=0.05, M=8, Gamma=2, S=10, A=3),
        ],
    ),
    "lmdp_upper_var_free_order": (
        lambda K, M, Gamma, S, A: _sq(M * Gamma * S * A * K),
        [dict(K=1000, M=2, Gamma=3, S=4, A=2), dict(K=20000, M=8, Gamma=2, S=10, A=3)],
    ),
    "lmdp_lower_order": (
        lambda K, Var, M, S, A: _sq(Var * M * S * A * K),
        [dict(K=1000, Var=0.2, M=2, S=4, A=2), dict(K=20000, Var=0.05, M=8, S=10, A=3)],
    ),
    "kwon_lucrl_order": (
        lambda K, M, S, A, H: S * _sq(M * A * H * K),
        [dict(K=1000, M=2, S=4, A=2, H=5), dict(K=20000, M=8, S=10, A=3, H=20)],
    ),
}


def _rt(T):
    """R_T = ceil(log2(T + 1)) for an integer T >= 1, exactly (bit length of T)."""
    return int(T).bit_length()


def _hf_rfe_upper(eps, d, H, K, delta, B):
    """Sample complexity of HF-UCRL-RFE++ with the theorem's parameters, written from the
    paper page: alpha = H^-1/2, gamma = d^-1/4, lambda = d/B^2."""
    alpha, gamma, lam = H**-0.5, d**-0.25, d / B**2
    eta = _ln(1 + K * H / (alpha**2 * d * lam))
    tau = _ln(32 * (max(_ln(gamma**2 / alpha), 0.0) + 1) * K**2 * H**2 / delta)
    beta = 12 * _sq(d * eta * tau) + 30 * tau / gamma**2 + _sq(lam) * B
    iota = _ln(1 + K * H / (d * lam * alpha**2))
    zeta = 4 * _ln(4 * _ln(K * H) / delta)
    M = np.log2(7 * K * H)
    lead = (
        64 * max(8 * beta * _sq(d * iota), _sq(2 * zeta))
        + 120 * beta * _sq(d * iota) * H * alpha**2
    )
    second = (
        2752 * max(64 * beta**2 * d * iota, 2 * zeta)
        + 24 * zeta
        + 240 * d * iota
        + 240 * beta * gamma**2 * d * iota
        + 120 * beta * d * iota * _sq(M)
    )
    return 16 / eps**2 * lead**2 + 8 / eps * second


_FORMULAS = {
    "ucb1": (
        lambda n, sum_inv_gap, sum_gap: 8 * _ln(n) * sum_inv_gap + (1 + np.pi**2 / 3) * sum_gap,
        [dict(n=10, sum_inv_gap=3.0, sum_gap=0.7), dict(n=1e5, sum_inv_gap=0.5, sum_gap=2.0)],
    ),
    "ucb1_worst_case": (
        lambda n, k, sum_gap: _sq(32 * k * n * _ln(n)) + (1 + np.pi**2 / 3) * sum_gap,
        [dict(n=50, k=3, sum_gap=0.4), dict(n=1e6, k=10, sum_gap=3.0)],
    ),
    "successive_elimination": (
        lambda T, k, sum_inv_gap, sum_gap: sum_gap + 32 * _ln(T) * sum_inv_gap + 2 * k / T**2,
        [
            dict(T=7, k=2, sum_inv_gap=2.0, sum_gap=0.5),
            dict(T=1e5, k=6, sum_inv_gap=9.0, sum_gap=1.5),
        ],
    ),
    "successive_elimination_worst_case": (
        lambda T, k: 8 * _sq(2 * k * T * _ln(T)) + k + 2 * k / T**2,
        [dict(T=7, k=2), dict(T=1e5, k=6)],
    ),
    "oful": (
        lambda n, d, lam, L, R, S_theta, delta: (
            4
            * _sq(n * d * _ln(lam + n * L / d))
            * (_sq(lam) * S_theta + R * _sq(2 * _ln(1 / delta) + d * _ln(1 + n * L / (lam * d))))
        ),
        [
            dict(n=20, d=2, lam=0.5, L=2.0, R=0.3, S_theta=1.0, delta=0.1),
            dict(n=1e5, d=8, lam=3.0, L=1.0, R=1.0, S_theta=2.0, delta=0.01),
        ],
    ),
    "oful_beta": (
        lambda t, d, lam, L, R, S_theta, delta: (
            R * _sq(d * _ln((1 + t * L**2 / lam) / delta)) + _sq(lam) * S_theta
        ),
        [
            dict(t=3, d=2, lam=0.5, L=2.0, R=0.3, S_theta=1.0, delta=0.1),
            dict(t=1e4, d=8, lam=3.0, L=1.0, R=1.0, S_theta=2.0, delta=0.01),
        ],
    ),
    "karmed_lower": (lambda n, k: _sq((k - 1) * n) / 27, [dict(n=10, k=2), dict(n=1e6, k=50)]),
    "linear_bandit_lower": (
        lambda n, d: np.exp(-2) / 8 * d * _sq(n),
        [dict(n=10, d=2), dict(n=1e6, d=7)],
    ),
    "ucbvi_ch": (
        lambda K, S, A, H, delta: (
            20 * H * _ln(5 * S * A * K * H / delta) * _sq(S * A * K * H)
            + 250 * H**2 * S**2 * A * _ln(5 * S * A * K * H / delta) ** 2
        ),
        [dict(K=3, S=2, A=2, H=4, delta=0.3), dict(K=1e5, S=20, A=5, H=30, delta=0.01)],
    ),
    "ucbvi_bf": (
        lambda K, S, A, H: _sq(H * S * A * K * H) + H**2 * S**2 * A + H * _sq(K * H),
        [dict(K=3, S=2, A=2, H=4), dict(K=1e5, S=20, A=5, H=30)],
    ),
    "ucbvi_ch_inhomogeneous": (
        lambda K, S, A, H: _sq(H**4 * S * A * K),
        [dict(K=3, S=2, A=2, H=4), dict(K=1e5, S=20, A=5, H=30)],
    ),
    "ucbvi_bf_inhomogeneous": (
        lambda K, S, A, H: _sq(H**3 * S * A * K),
        [dict(K=3, S=2, A=2, H=4), dict(K=1e5, S=20, A=5, H=30)],
    ),
    "psrl": (
        lambda K, S, A, H: H * S * _sq(A * K * H * _ln(S * A * K * H)),
        [dict(K=3, S=2, A=2, H=4), dict(K=1e5, S=20, A=5, H=30)],
    ),
    "tabular_lower_inhomogeneous": (
        lambda K, S, A, H: _sq(H**3 * S * A * K),
        [dict(K=3, S=2, A=2, H=4), dict(K=1e5, S=20, A=5, H=30)],
    ),
    "tabular_lower_homogeneous": (
        lambda K, S, A, H: _sq(H**2 * S * A * K),
        [dict(K=3, S=2, A=2, H=4), dict(K=1e5, S=20, A=5, H=30)],
    ),
    # Mussi, Metelli, Restelli 2023 (docs/papers page of DynLin-UCB): order-only shapes
    "dynlin_ucb_upper": (
        lambda T, d, rho: d * _sq(T) / (1 - rho) ** 1.5,
        [dict(T=100, d=2, rho=0.1), dict(T=1e6, d=3, rho=0.5), dict(T=1e4, d=5, rho=0.9)],
    ),
    "dlb_lower": (
        lambda T, d, rho: d * _sq(T) / (1 - rho) ** 0.5,
        [dict(T=100, d=2, rho=0.1), dict(T=1e6, d=3, rho=0.5), dict(T=1e4, d=5, rho=0.9)],
    ),
    # Li, Huang, Shen, Yang 2023 (StepMix): order-only shapes and the baseline-only identity
    "stepmix_regret_order": (
        lambda K, S, A, H: _sq(H**3 * S * A * K),
        [dict(K=3, S=2, A=2, H=4), dict(K=1e5, S=20, A=5, H=30)],
    ),
    "epsmix_regret_order": (
        lambda K, S, A, H: _sq(H**3 * S * A * K),
        [dict(K=3, S=2, A=2, H=4), dict(K=1e5, S=20, A=5, H=30)],
    ),
    "stepmix_reconstruction_hoeffding_order": (
        lambda K, S, A, H: _sq(H**4 * S * A * K),
        [dict(K=3, S=2, A=2, H=4), dict(K=1e5, S=20, A=5, H=30)],
    ),
    "baseline_only_regret": (
        lambda K, Delta_b: K * Delta_b,
        [dict(K=7, Delta_b=0.25), dict(K=1e5, Delta_b=0.0)],
    ),
}


_FORMULAS.update(_FORMULAS_PAPERS)


def test_every_bound_matches_its_formula():
    """Every Bound object of ``mdpkit.bounds`` (found by walking the package, so a new bound
    cannot be left out) evaluates to an independent numpy rendering of its formula at two or
    three points, through both ``__call__`` and ``curve``. A bound without an entry in
    ``_FORMULAS`` fails the test: add its formula (from the paper page) when adding it."""
    bounds = _all_bound_objects()
    names = {b.name for b in bounds}
    missing = sorted(names - set(_FORMULAS))
    assert missing == [], f"bounds without an independent formula check: {missing}"
    assert len(bounds) >= 20
    for b in bounds:
        f, points = _FORMULAS[b.name]
        for pt in points:
            assert set(pt) == set(b.free_names), (b.name, sorted(pt))
            want = float(f(**pt))
            assert b(**pt) == pytest.approx(want, rel=1e-12), (b.name, pt)
            rest = {k: v for k, v in pt.items() if k != b.x_name}
            xs = np.array([pt[b.x_name], 2 * pt[b.x_name]])
            np.testing.assert_allclose(
                b.curve(xs, **rest), [f(**{**rest, b.x_name: x}) for x in xs], rtol=1e-12
            )


def test_epoch_oful_bound_formula():
    """``epoch_oful_bound`` = H_M 2 beta sqrt(2 d M log(1 + M U^2 / (d lam))), recomputed."""
    from mdpkit.bounds.dlb import epoch_oful_bound

    for M, HM, beta, d, lam, U in [(10, 3, 2.5, 2, 1.0, 1.0), (41212, 27, 45.3, 6, 13.8, 1.2)]:
        want = HM * 2 * beta * np.sqrt(2 * d * M * np.log(1 + M * U**2 / (d * lam)))
        assert epoch_oful_bound(M, HM, beta, d, lam, U) == pytest.approx(want, rel=1e-13)
    with pytest.raises(ValueError, match="lam"):
        epoch_oful_bound(1, 1, 1.0, 1, 0.0, 1.0)

"""Bounds of weighted tallying bandits (paper page docs/papers/weighted-tallying.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mdpkit.bounds.tallying import (
    SE_WTB_GAP,
    SE_WTB_HP,
    SE_WTB_HP_DELTA_1_OVER_T,
    WTB_LOWER_ORDER,
    WTB_UPPER_ORDER,
    se_wtb_bound,
    se_wtb_gap_bound,
    tallying_gap_sums,
)


def test_explicit_bound_values():
    """sqrt((16L+1)KT) + M(K R_T + 1), L = log(2 K R_T T): the paper page's numbers at
    K = 5, M = 10 (1472 / 4082 / 12422 for T = 1e3 / 1e4 / 1e5)."""
    for T, want in ((1000, 1472.3), (10**4, 4082.2), (10**5, 12422.4)):
        assert se_wtb_bound(T, 5, 10) == pytest.approx(want, abs=0.1)
    R = (1000).bit_length()
    L = math.log(2 * 5 * R * 1000)
    assert se_wtb_bound(1000, 5, 10) == pytest.approx(
        math.sqrt((16 * L + 1) * 5000) + 10 * (5 * R + 1)
    )


def test_sympy_bounds_match_exact_integer_phases():
    """R_T as ceiling(log2(T + 1)) in sympy agrees with T.bit_length() at and around powers of 2."""
    Ts = np.array([1, 2, 3, 4, 7, 8, 15, 16, 1023, 1024, 2**20 - 1, 2**20, 2**28 - 1])
    got = SE_WTB_HP.curve(Ts, K=3, M=2, delta=0.1)
    want = [se_wtb_bound(int(t), 3, 2, 0.1) for t in Ts]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(
        SE_WTB_HP_DELTA_1_OVER_T.curve(Ts, K=3, M=2),
        [se_wtb_bound(int(t), 3, 2) for t in Ts],
        rtol=1e-12,
    )


def test_gap_bound():
    mu = np.array([0.1, 0.3, 0.35, 0.1])
    g = tallying_gap_sums(mu)
    assert g["sum_inv_gap"] == pytest.approx(1 / 0.2 + 1 / 0.25)
    assert g["sum_gap"] == pytest.approx(0.45)
    T = 10**4
    R = T.bit_length()
    L = math.log(2 * 4 * R * T)
    want = 16 * L * (1 / 0.2 + 1 / 0.25) + 0.45 + 7 * (4 * R + 1)
    assert se_wtb_gap_bound(T, mu, 7) == pytest.approx(want)
    assert SE_WTB_GAP(T=T, K=4, M=7, delta=1 / T, **g) == pytest.approx(want)
    assert SE_WTB_GAP.exact and SE_WTB_GAP.tag == "derived"


def test_order_bounds_flags():
    assert not WTB_UPPER_ORDER.exact and WTB_UPPER_ORDER.dashed
    assert WTB_LOWER_ORDER.kind == "lower" and not WTB_LOWER_ORDER.exact
    assert WTB_UPPER_ORDER(T=100, K=4, m=2, M=3) == pytest.approx(20 + 20)
    assert WTB_LOWER_ORDER(T=100, K=4, m=2, M=3) == pytest.approx(11)
    assert SE_WTB_HP.exact and SE_WTB_HP.kind == "upper"


def test_bound_bad_input():
    with pytest.raises(ValueError, match="T must be"):
        se_wtb_bound(0, 3, 2)
    with pytest.raises(ValueError, match="delta"):
        se_wtb_bound(10, 3, 2, delta=2.0)

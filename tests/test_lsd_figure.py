"""Pieces of the ``lsd-bandits`` figure and the LSD bounds (paper page
``docs/papers/lsd-bandits.md``, sections "Figures" and "LP relaxation")."""

from __future__ import annotations

import pytest

from mdpkit.bounds.lsd import LSD_LEARNING_ORDER, LSD_RELAXATION_UPPER, relaxation_bound
from mdpkit.models.lsd import random_lsd
from mdpkit.solvers.lsd_dp import opt_value
from mdpkit.solvers.lsd_lp import solve_lsd_lp

lsd_fig = pytest.importorskip("paper_figures.lsd_bandits")


def test_relaxation_rows_respect_bound():
    df = lsd_fig.relaxation_data(2)
    assert len(df) == 4 * len(lsd_fig._HORIZONS)
    assert (df["slack"] <= 1e-9).all() and (df["g_star"] <= df["LP"] + 1e-9).all()
    assert set(df["monotone"]) == {True, False}


def test_trap_rows_match_prototype():
    """Greedy-trap table: LP* = g* and greedy as in the specification's prototype (exact
    up to tie-breaking noise), rounding within 0.03 of it."""
    df = lsd_fig.trap_data(runs=6).set_index("M")
    for M in (3, 4, 5):
        lp, gr, rd = lsd_fig.PROTOTYPE["greedy_trap"][M]
        assert df.loc[M, "LP"] == pytest.approx(lp, abs=1e-3)
        assert df.loc[M, "g_star"] == pytest.approx(df.loc[M, "LP"], abs=1e-9)
        assert df.loc[M, "greedy"] == pytest.approx(gr, abs=0.005)
        assert abs(df.loc[M, "rounding"] - rd) < 0.03


def test_settings_and_claim_shape():
    q, f = lsd_fig.settings(True), lsd_fig.settings(False)
    assert f["n_ratio"] >= 100 and f["learn_T"] == (2000, 8000, 32000)
    assert q["n_ratio"] < f["n_ratio"]
    c = lsd_fig._claim("x", 1.0, 2.0, True, "f")
    assert set(c) == {"claim", "measured", "threshold", "verdict", "figure"}


def test_relaxation_bound_object():
    """The Bound object and the numeric helper agree and dominate OPT_T."""
    inst = random_lsd(2, 3, 1)
    lp = solve_lsd_lp(inst).value
    for T in (1, 7, 30):
        b = relaxation_bound(T, 3, lp)
        assert LSD_RELAXATION_UPPER(T=T, M=3, LPstar=lp) == pytest.approx(b)
        assert opt_value(inst, T) <= b + 1e-9
    assert LSD_RELAXATION_UPPER.exact and not LSD_LEARNING_ORDER.exact
    with pytest.raises(ValueError, match="T and M must be >= 1"):
        relaxation_bound(0, 1, 0.5)


def test_figure_seed_changes_every_stream_and_none_keeps_the_shipped_ones():
    from paper_figures import lsd_bandits as F

    assert F._root_seed(7, None) == 7 and F._root_seed(1000, None) == 1000
    assert len({F._root_seed(7, s) for s in (1, 2, 3)}) == 3
    assert F._root_seed(7, 1) == F._root_seed(7, 1)  # reproducible
    shipped, again = F.relaxation_data(1), F.relaxation_data(1, seed=None)
    other = F.relaxation_data(1, seed=1)
    assert shipped.equals(again)
    assert not shipped[["k", "M", "LP"]].equals(other[["k", "M", "LP"]])

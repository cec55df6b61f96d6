"""The weighted-tallying figure's claims (contract: list of dicts with claim, measured,
threshold, verdict) computed from a fabricated result with known slopes."""

from __future__ import annotations

import numpy as np
import pytest

from paper_figures.weighted_tallying import LEARNERS, claims, e2_slope, settings


def _rows(cfg, growth):
    rows = []

    def add(exp, series, x, cpr, bound=1e9):
        rows.append(
            {
                "experiment": exp,
                "series": series,
                "x": x,
                "cpr_upper": cpr,
                "cpr_upper_max": cpr,
                "max_ratio_to_bound": cpr / bound,
            }
        )

    for exp, Ts in (("E1", cfg["e1_T"]), ("E3", cfg["e3_T"]), ("E5", cfg["e5_T"])):
        for label, _, _ in LEARNERS + [("SE-WTB (M = m)", None, None)]:
            for T in Ts:
                add(exp, label, T, growth[label](T))
    for M in cfg["M_grid"]:
        add("E2", "SE-WTB", M, 500 + 7.0 * M)
    for K in cfg["e4_K"]:
        for label, _, _ in LEARNERS:
            add("E4", label, K, growth[label](1e5) * K)
    return rows


def test_claims_from_known_curves():
    cfg = settings(True)
    growth = {
        "SE-WTB": lambda T: 100 * T**0.25,
        "SE-WTB (M = m)": lambda T: 90 * T**0.25,
        "Oracle-a*": lambda T: 3.6,
        "SE-naive": lambda T: 0.3 * T,
        "UCB1 (losses)": lambda T: 0.2 * T,
        "EXP3": lambda T: 0.29 * T,
        "Batched-EXP3": lambda T: 2 * T ** (2 / 3),
    }
    res = {"rows": _rows(cfg, growth), "settings": cfg}
    out = claims(res)
    assert len(out) == 23
    for c in out:
        assert set(c) == {"claim", "measured", "threshold", "verdict", "figure"}
        assert isinstance(c["verdict"], bool)
    by = {c["claim"].rsplit(" (", 1)[0]: c for c in out}
    assert by["E1: SE-WTB CPR sublinear"]["measured"] == pytest.approx(0.25)
    assert by["E1: SE-naive CPR linear in T"]["measured"] == pytest.approx(1.0)
    assert by["E5: UCB1 (losses) CPR linear in T"]["measured"] == pytest.approx(1.0)
    assert by["E5: SE-WTB mean CPR <= UCB1 (losses) mean CPR at T = 100000"][
        "measured"
    ] == pytest.approx(100 * 1e5**0.25 / (0.2 * 1e5))
    assert all(c["verdict"] for c in out)
    assert e2_slope(res["rows"], cfg["M_grid"]) == pytest.approx(7.0)
    # a linear SE-WTB fails its sublinearity claim and the comparisons
    growth["SE-WTB"] = lambda T: 0.5 * T
    bad = {
        c["claim"].rsplit(" (", 1)[0]: c
        for c in claims({"rows": _rows(cfg, growth), "settings": cfg})
    }
    assert not bad["E1: SE-WTB CPR sublinear"]["verdict"]
    assert not bad["E1: SE-WTB mean CPR <= SE-naive mean CPR at T = 100000"]["verdict"]
    assert not bad["E5: SE-WTB CPR sublinear"]["verdict"]
    assert np.isclose(bad["E1: SE-WTB CPR sublinear"]["measured"], 1.0)
    # a UCB1 that finds a* (as on E1) fails E5's linearity and comparison claims
    growth["SE-WTB"] = lambda T: 100 * T**0.25
    growth["UCB1 (losses)"] = lambda T: 400.0
    bad = {
        c["claim"].rsplit(" (", 1)[0]: c
        for c in claims({"rows": _rows(cfg, growth), "settings": cfg})
    }
    assert not bad["E5: UCB1 (losses) CPR linear in T"]["verdict"]
    assert not bad["E5: SE-WTB mean CPR <= UCB1 (losses) mean CPR at T = 100000"]["verdict"]
    assert sum(not c["verdict"] for c in bad.values()) == 2


def test_compute_uses_the_root_seed():
    """``reproduce --seed R`` reaches every run: compute(root_seed=R) == run_one(root_seed=R)
    (the runner's streams), and another root seed gives other numbers."""
    from paper_figures.weighted_tallying import compute, run_one, tiny_settings

    cfg = dict(tiny_settings(), e1_seeds=1)
    rows = {s: compute(cfg=cfg, root_seed=s, log=None)["rows"] for s in (0, 4)}
    r4 = next(
        r for r in rows[4] if r["experiment"] == "E4" and r["series"] == "EXP3" and r["x"] == 5
    )
    one = run_one(
        "random-reo-tallying",
        {"K": 5, "m": 5, "M": 10},
        "exp3-losses",
        {},
        cfg["e4_T"],
        0,
        cfg["e4_seeds"],
        root_seed=4,
    )
    assert r4["cpr_upper"] == one["cpr_upper"]
    r0 = next(
        r for r in rows[0] if r["experiment"] == "E4" and r["series"] == "EXP3" and r["x"] == 5
    )
    assert r0["cpr_upper"] != r4["cpr_upper"]

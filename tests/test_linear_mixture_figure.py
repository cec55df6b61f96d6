"""Claims of the ``linear-mixture`` figure on known numbers (docs/papers/linear-mixture.md,
"Figures"): each claim's verdict flips exactly when the run's numbers contradict it.
No randomness: the inputs are fixed tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

lm = pytest.importorskip("paper_figures.linear_mixture")


def _e1(hf_censored=False, floor_k=None):
    rows = []
    for d in (3, 4):
        for eps in (0.2, 0.1):
            rows.append(
                dict(
                    alg="HF-UCRL-RFE++",
                    d=d,
                    eps=eps,
                    K_hat=128.0 * (d - 2),
                    censored=False,
                    seeds=4,
                )
            )
    rows[-1]["censored"] = hf_censored
    for d in (3, 5):
        for eps in (0.1, 0.05):
            rows.append(
                dict(
                    alg="uniform floor",
                    d=d,
                    eps=eps,
                    K_hat=0.03 * (d - 1) ** 2 / eps**2,
                    censored=False,
                    seeds=64,
                )
            )
    if floor_k is not None:
        rows[-1]["K_hat"] = floor_k  # d = 5, eps = 0.05: lower-bound shape 0.01*16/0.0025 = 64
    return pd.DataFrame(rows)


def _e2(hf=(512.0, 362.0), censored=(False, False)):
    rows = [
        dict(alg="HF-UCRL-RFE++", H=H, K_hat=k, censored=c)
        for H, k, c in zip((5, 40), hf, censored)
    ]
    rows += [dict(alg="UCRL-RFE", H=H, K_hat=100.0, censored=False) for H in (5, 40)]
    return pd.DataFrame(rows)


def _e3(hf_hard=(30.0, 40.0), hf_rand=(4.0, 4.2), u_hard=(2.0, 100.0), other=None):
    rows = []
    for alg, fam, vals in (
        ("HF-UCRL-VTR+", "hard", hf_hard),
        ("HF-UCRL-VTR+", "rand", hf_rand),
        ("UCRL-VTR+", "hard", u_hard),
        ("UCRL-VTR+", "rand", (8.0, 0.1)),
    ):
        for H, v in zip((10, 100), vals):
            rows.append(dict(alg=alg, family=fam, c_beta=0.001, H=H, regret=v))
            # the same cells at another c_beta (linear regret, flat): must not enter the slopes
            rows.append(
                dict(
                    alg=alg,
                    family=fam,
                    c_beta=0.1,
                    H=H,
                    regret=500.0 if other is None else other[H],
                )
            )
    return pd.DataFrame(rows)


def _verdicts(**kw):
    args = dict(e1=_e1(), e2=_e2(), e3=_e3())
    args.update(kw)
    out = lm.claims(args["e1"], args["e2"], args["e3"], 0.001, 2**10)
    return [c["verdict"] for c in out], out


def test_all_claims_hold_on_good_numbers():
    v, out = _verdicts()
    assert v == [True] * 6, out
    assert [c["figure"] for c in out] == ["e1", "e1", "e2", "e3", "e3", "e3"]


def test_upper_bound_claim_fails_with_a_censored_cell():
    v, out = _verdicts(e1=_e1(hf_censored=True))
    assert v == [False] + [True] * 5, out
    assert out[0]["measured"] == 1


def test_lower_bound_claim_is_the_minimum_ratio_over_all_cells():
    # 64 = 0.01 (d-1)^2/eps^2 exactly at d = 5, eps = 0.05: holds; one checkpoint below: fails
    assert _verdicts(e1=_e1(floor_k=64.0))[0][1] is True
    v, out = _verdicts(e1=_e1(floor_k=45.0))
    assert v[1] is False and out[1]["measured"] == pytest.approx(45.0 / 6400.0)


def test_horizon_free_e2_slope_threshold():
    # slopes log(1.85)/log(8) = 0.296 (holds) and log(1.9)/log(8) = 0.309 (fails)
    assert _verdicts(e2=_e2(hf=(100.0, 185.0)))[0][2] is True
    v, out = _verdicts(e2=_e2(hf=(100.0, 190.0)))
    assert v[2] is False and out[2]["measured"] == pytest.approx(np.log(1.9) / np.log(8))


def test_e2_censoring_rule():
    # censored at the smallest H: K_hat there is a lower limit, the slope an upper limit: fine
    assert _verdicts(e2=_e2(censored=(True, False)))[0][2] is True
    # censored at a larger H: the slope is not verified
    assert _verdicts(e2=_e2(censored=(False, True)))[0][2] is False


def test_e3_flatness_is_two_sided_and_per_instance():
    assert _verdicts(e3=_e3(hf_hard=(40.0, 10.0)))[0][3] is False  # strongly decreasing
    v = _verdicts(e3=_e3(hf_rand=(4.0, 12.0)))[0]
    assert v[3] is True and v[4] is False
    # other c_beta rows never enter: a steep curve there changes nothing
    assert _verdicts(e3=_e3(other={10: 1.0, 100: 1000.0}))[0] == [True] * 6


def test_e3_contrast_on_hardlm():
    assert _verdicts(e3=_e3(u_hard=(30.0, 40.0)))[0][5] is False
    # UCRL-VTR+ falls with H on RandLM in the fixture: the HardLM contrast ignores it
    assert _verdicts()[0][5] is True


def test_root_seeds_distinct_per_cell_and_default():
    assert lm._root(None, 1100) == 1100
    roots = {lm._root(s, b) for s in (1, 2, 3) for b in (1100, 1200, 3100, 12, 47)}
    assert len(roots) == 15 and not roots & {1100, 1200, 3100, 12, 47}


def test_quick_settings_cover_every_axis():
    for quick in (True, False):
        cfg = lm.settings(quick)
        assert len(cfg["e1_d"]) >= 2 and len(cfg["e1_eps"]) >= 2
        assert len(cfg["e1_floor_d"]) >= 2 and len(cfg["e1_floor_eps"]) >= 2
        assert len(cfg["e2_H"]) >= 2 and len(cfg["e3_H"]) >= 2
        assert set(lm.tiny_settings()) == set(cfg)

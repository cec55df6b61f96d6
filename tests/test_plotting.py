"""Plotting: bootstrap bands, slopes, bounds on the axes, PNG + CSV output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sympy as sp

from mdpkit import plotting
from mdpkit.plotting import BoundCurve, as_bound_curve, k_grid, loglog_slope, regret_summary


def long_frame(values: np.ndarray, algorithm="alg") -> pd.DataFrame:
    """values: (n_seeds, K) cumulative regrets -> the runner's long format."""
    n, K = values.shape
    return pd.DataFrame(
        {
            "algorithm": algorithm,
            "seed": np.repeat(np.arange(n), K),
            "k": np.tile(np.arange(1, K + 1), n),
            "cum_regret": values.ravel(),
        }
    )


def test_k_grid():
    assert np.array_equal(k_grid(50), np.arange(1, 51))
    g = k_grid(100_000, 200)
    assert g[0] == 1 and g[-1] == 100_000 and np.all(np.diff(g) > 0) and len(g) <= 202
    assert (g <= 10).sum() >= 10  # log part samples small k
    assert (g >= 50_000).sum() >= 40  # linear part samples large k


def test_summary_mean_and_band_match_direct_computation():
    from scipy.stats import bootstrap

    rng = np.random.default_rng(1)
    vals = rng.normal(size=(12, 30)).cumsum(axis=1)
    s = regret_summary(long_frame(vals), n_resamples=500, rng=3)
    np.testing.assert_allclose(s["mean"], vals.mean(axis=0), rtol=0, atol=1e-12)
    assert (s["n_seeds"] == 12).all() and np.array_equal(s["k"], np.arange(1, 31))
    # column by column with scipy directly, same rng seed: the vectorised call is identical
    ref = bootstrap(
        (vals,),
        np.mean,
        axis=0,
        vectorized=True,
        n_resamples=500,
        method="percentile",
        rng=np.random.default_rng(3),
    )
    np.testing.assert_allclose(s["lo"], ref.confidence_interval.low, rtol=0, atol=1e-12)
    assert (s["lo"] <= s["mean"]).all() and (s["mean"] <= s["hi"]).all()
    # degenerate data (all seeds equal) gives a zero-width band, not NaN
    const = regret_summary(long_frame(np.tile(np.arange(1.0, 6.0), (4, 1))))
    np.testing.assert_array_equal(const["lo"], const["mean"])
    # one seed: no band
    one = regret_summary(long_frame(vals[:1]))
    assert one["lo"].isna().all()


def test_band_coverage():
    """200 independent columns of N(0, 1) data, 30 seeds; the band is a 95% percentile
    bootstrap interval of the mean.

    * Coverage of 0: Binomial(200, c) with c about 0.94 (the percentile bootstrap slightly
      under-covers at n = 30; c <= 0.95). Lower check >= 172 (4.7 sd below 188): false
      positives < 1e-5. Upper check <= 198: P(Bin(200, 0.95) >= 199) = 4e-4, so a band that
      (almost) always covers -- min-max of the seeds, a 99.9% level -- fails.
    * Width: the half-width over 1.96 s/sqrt(n) (s = the column's own standard deviation,
      computed here) averages 0.995 over the columns with a per-column sd of 0.02 (measured),
      i.e. an sd of 0.0014 for the 200-column mean; asserting |mean - 1| <= 0.03 leaves
      > 17 sd, a false-positive rate < 0.4% by Chebyshev. A 90% band gives 0.84, a 99% band
      1.31.
    """
    rng = np.random.default_rng(11)
    n = 30
    vals = rng.normal(size=(n, 200))
    s = regret_summary(long_frame(vals), n_points=400, rng=0)
    assert len(s) == 200
    covered = ((s["lo"] <= 0) & (0 <= s["hi"])).sum()
    assert 172 <= covered <= 198
    np.testing.assert_allclose(s["mean"].to_numpy(), vals.mean(axis=0), rtol=1e-12, atol=1e-15)
    half = (s["hi"] - s["lo"]).to_numpy() / 2
    normal_half = 1.959964 * vals.std(axis=0) / np.sqrt(n)
    assert abs(np.mean(half / normal_half) - 1.0) <= 0.03


def test_loglog_slope():
    k = np.arange(1, 10_001, dtype=float)
    assert loglog_slope(k, 3 * k**0.5) == pytest.approx(0.5, abs=1e-12)
    # a kink before the last decade does not matter
    y = np.where(k < 1000, k, 1000 * (k / 1000) ** 0.25)
    assert loglog_slope(k, y) == pytest.approx(0.25, abs=1e-12)
    assert np.isnan(loglog_slope([1.0], [1.0]))


def _bound():
    from mdpkit.bounds import Bound

    K, c = sp.symbols("K c", positive=True)
    return Bound("test_sqrt", c * sp.sqrt(K), (K, c), reference="test", exact=False, x_symbol=K)


def test_bound_forms():
    b = as_bound_curve((_bound(), {"c": 2.0}))
    assert not b.exact and "test_sqrt" in b.label
    np.testing.assert_allclose(b(np.array([4.0, 9.0])), [4.0, 6.0])
    fn = lambda k: np.asarray(k) * 2.0  # noqa: E731
    fn.exact, fn.label = True, "lin"
    assert as_bound_curve(fn)(np.array([3.0]))[0] == 6.0
    with pytest.raises(TypeError, match="bound"):
        as_bound_curve(3)
    with pytest.raises(ValueError, match="missing"):
        BoundCurve.from_bound(_bound())  # value of c missing: fails at once
    with pytest.raises(ValueError, match="anchor"):
        BoundCurve(fn, "x", anchor="first")


def test_regret_figure_writes_png_and_csv(tmp_path):
    rng = np.random.default_rng(0)
    K = 500
    a = np.sqrt(np.arange(1, K + 1)) * rng.uniform(0.8, 1.2, size=(5, 1))
    df = pd.concat([long_frame(a, "A"), long_frame(2 * a, "B")], ignore_index=True)
    bounds = [
        BoundCurve(lambda k: 10 * np.sqrt(k), "exact 10 sqrt(k)", exact=True, algorithm="A"),
        BoundCurve.from_bound(_bound(), algorithm="B", anchor="data", c=1.0),
    ]
    fig, data = plotting.regret_figure(df, bounds, tmp_path / "sub" / "fig.png", title="t")
    png, csv = tmp_path / "sub" / "fig.png", tmp_path / "sub" / "fig.csv"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    back = pd.read_csv(csv)
    assert list(back.columns) == plotting.CSV_COLUMNS
    pd.testing.assert_frame_equal(back, data, check_dtype=False)
    reg = back[back.kind == "regret"]
    assert set(reg.series) == {"A", "B"}
    # regret rows: mean over seeds at each k; slope ~ 0.5 for sqrt(k) data
    ka = reg[reg.series == "A"]
    np.testing.assert_allclose(ka["mean"], a.mean(axis=0)[ka["k"] - 1], rtol=1e-12)
    assert ka["slope"].iloc[0] == pytest.approx(0.5, abs=1e-9)
    bnd = back[back.kind == "bound"]
    ex = bnd[bnd.series == "exact 10 sqrt(k)"]
    np.testing.assert_allclose(ex["mean"], 10 * np.sqrt(ex["k"]), rtol=1e-12)
    # the anchored order-only bound passes through B's first mean point
    anc = bnd[bnd.series != "exact 10 sqrt(k)"]
    b_first = reg[reg.series == "B"].iloc[0]
    assert anc["mean"].iloc[0] == pytest.approx(b_first["mean"], rel=1e-12)
    # styles: exact solid, order-only dashed, on every panel
    for ax in fig.axes:
        styles = {ln.get_label().split(" [")[0]: ln.get_linestyle() for ln in ax.get_lines()}
        assert styles["exact 10 sqrt(k)"] == "-"
        assert styles["test_sqrt (upper bound) (order only)"] == "--"


def test_single_panels_and_bound_above_axis(tmp_path):
    vals = np.tile(np.arange(1.0, 101.0), (3, 1)) + np.arange(3)[:, None]
    df = long_frame(vals)
    huge = BoundCurve(lambda k: 1e6 * np.ones_like(k), "huge")
    fig, data = plotting.plot_cumulative_regret(df, [huge], path=tmp_path / "c")
    ax = fig.axes[0]
    assert ax.get_ylim()[1] == pytest.approx(1.5 * data[data.kind == "regret"]["hi"].max())
    assert any("[above the axis]" in ln.get_label() for ln in ax.get_lines())
    assert (tmp_path / "c.png").exists() and (tmp_path / "c.csv").exists()
    fig, data = plotting.plot_regret_over_sqrt(df)
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), vals.mean(0) / np.sqrt(np.arange(1, 101)))
    fig, _ = plotting.plot_loglog(df)
    assert fig.axes[0].get_xscale() == "log" and "slope" in fig.axes[0].get_lines()[0].get_label()


def test_bad_input():
    with pytest.raises(TypeError, match="DataFrame"):
        regret_summary(np.zeros(3))
    with pytest.raises(ValueError, match="lacks columns"):
        regret_summary(pd.DataFrame({"k": [1]}))
    ragged = pd.DataFrame(
        {"algorithm": "a", "seed": [0, 0, 1], "k": [1, 2, 1], "cum_regret": [1.0, 2.0, 1.0]}
    )
    with pytest.raises(ValueError, match="k"):
        regret_summary(ragged)
    twice = pd.concat([long_frame(np.ones((2, 3))), long_frame(np.ones((2, 3)))])
    with pytest.raises(ValueError, match="distinct names"):
        regret_summary(twice)
    with pytest.raises(TypeError, match="path"):
        plotting.save_figure(None, pd.DataFrame(), 3)


def test_bounds_above_clipped_axis_are_marked_in_the_shared_legend():
    vals = np.tile(np.arange(1.0, 101.0), (3, 1)) + np.arange(3)[:, None]  # top about 102
    df = long_frame(vals)
    bounds = [
        BoundCurve(lambda k: 1e6 + 0 * k, "far"),  # > 10x the data: clips
        BoundCurve(lambda k: 400 + 0 * k, "moderate"),  # above 1.5x the data top
        BoundCurve(lambda k: 50 + 0 * k, "inside"),
    ]
    fig, _ = plotting.regret_figure(df, bounds)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "far [above every panel]" in labels  # also > 100x the data: above the log-log panel
    assert "moderate [above the linear panels]" in labels
    assert "inside" in labels
    assert any(lab.startswith("alg (slope") for lab in labels)
    assert all(ax.get_legend() is None for ax in fig.axes)


def test_placed_order_only_shape_does_not_depend_on_the_data():
    """An order-only shape placed at (k0, y0) from constants: same curve whatever the data
    (a shape fitted to the data would move with it), and through (k0, y0) exactly."""
    shape = BoundCurve(lambda k: np.sqrt(k), "sqrt shape", exact=False, anchor=(1.0, 3.0))
    np.testing.assert_allclose(shape(np.array([1.0, 4.0])), [3.0, 6.0], rtol=1e-15)
    rows = []
    for scale in (1.0, 7.0):
        vals = scale * np.sqrt(np.arange(1.0, 201.0))[None, :] * np.array([[0.9], [1.1]])
        _, data = plotting.regret_figure(long_frame(vals), [shape])
        rows.append(data[data.kind == "bound"]["mean"].to_numpy())
    np.testing.assert_array_equal(rows[0], rows[1])
    with pytest.raises(ValueError, match="anchor"):
        BoundCurve(np.sqrt, "x", anchor=(0.0, 1.0))


def test_house_style_fonts_series_styles_and_legend_outside(tmp_path):
    rng = np.random.default_rng(2)
    a = np.sqrt(np.arange(1, 301)) * rng.uniform(0.8, 1.2, size=(4, 1))
    df = pd.concat([long_frame(a, "A"), long_frame(2 * a, "B")], ignore_index=True)
    fig, _ = plotting.regret_figure(
        df, [BoundCurve(lambda k: 5 * np.sqrt(k), "b")], title="t", caption="why the curve is below"
    )
    assert plotting.min_font_size(fig) >= plotting.MIN_FONT_PT
    # one colour per series, none shared with a bound; same style per series on every panel
    for ax in fig.axes:
        lines = {ln.get_label().split(" (slope")[0]: ln for ln in ax.get_lines()}
        assert lines["A"].get_color() != lines["B"].get_color()
        assert lines["b"].get_color() not in (lines["A"].get_color(), lines["B"].get_color())
        assert lines["A"].get_marker() != lines["B"].get_marker()
    assert all(ax.get_legend() is None for ax in fig.axes) and len(fig.legends) == 1
    # the fixed order of a paper gives the same style to a series in every figure
    s1 = plotting.series_styles(["A", "B", "C"])
    fig2, _ = plotting.regret_figure(long_frame(a, "C"), order=["A", "B", "C"])
    assert fig2.axes[0].get_lines()[0].get_color() == s1["C"]["color"]
    assert plotting.BAND_NOTE in fig._suptitle.get_text()


def test_from_csv_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    a = np.sqrt(np.arange(1, 101)) * rng.uniform(0.8, 1.2, size=(3, 1))
    b = [
        BoundCurve(lambda k: 4 * np.sqrt(k), "exact four", exact=True),
        BoundCurve(lambda k: np.sqrt(k), "shape", exact=False, anchor=(1.0, 2.0)),
    ]
    _, data = plotting.regret_figure(long_frame(a, "A"), b, path=tmp_path / "f")
    summary, bounds = plotting.from_csv(pd.read_csv(tmp_path / "f.csv"))
    _, again = plotting.regret_figure(None, bounds, summary=summary)
    pd.testing.assert_frame_equal(again, data, check_dtype=False)
    assert [x.exact for x in bounds] == [True, False]

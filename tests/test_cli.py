"""The ``mdpkit`` command, the figure registry and the demo."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from mdpkit import cli, figures
from mdpkit.algorithms.base import BanditLearner
from mdpkit.experiments import Experiment, register_learner, run
from mdpkit.plotting import regret_figure


class GreedyArm(BanditLearner):
    """Plays each arm once, then the best empirical mean (deterministic given the rewards)."""

    provenance = "test learner"

    def __init__(self, env_info, rng):
        self.n = env_info["n_actions"]
        self.sums = np.zeros(self.n)
        self.counts = np.zeros(self.n)

    def act(self):
        if (self.counts == 0).any():
            return int(np.argmin(self.counts))
        return int(np.argmax(self.sums / self.counts))

    def update(self, a, r):
        self.sums[a] += r
        self.counts[a] += 1


register_learner("t-cli-greedy")(GreedyArm)


def test_list(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "figures:" in out and "envs:" in out and "learners:" in out
    assert "  tabular" in out and "  bernoulli-bandit" in out and "  t-cli-greedy" in out
    assert cli.main(["list", "envs"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("envs:") and "learners:" not in out


def test_run_then_plot(tmp_path, capsys):
    csv = tmp_path / "res.csv"
    pq = tmp_path / "res.parquet"
    args = ["run", "--env", "bernoulli-bandit", "--env-param", "means=[0.2, 0.7]",
            "--learner", "t-cli-greedy", "--steps", "60", "--seeds", "3", "--root-seed", "4",
            "--store", str(tmp_path / "store")]
    assert cli.main(args + ["--out", str(csv)]) == 0
    out = capsys.readouterr().out
    exp = Experiment("bernoulli-bandit", "t-cli-greedy", 60, 3, root_seed=4,
                     env_params={"means": [0.2, 0.7]})
    assert exp.hash in out and "seeds/s" in out
    expected = run(exp)
    back = pd.read_csv(csv)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False, check_exact=False, rtol=1e-15)
    assert cli.main(args + ["--out", str(pq), "--plot", str(tmp_path / "fig")]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(pq), expected, check_exact=True)
    assert (tmp_path / "fig.png").exists() and (tmp_path / "fig.csv").exists()
    # plot from the CSV, and from the store directory
    assert cli.main(["plot", str(csv), "--out", str(tmp_path / "p1")]) == 0
    assert cli.main(["plot", str(tmp_path / "store" / exp.hash), "--panel", "loglog",
                     "--out", str(tmp_path / "p2")]) == 0
    _, data = regret_figure(expected)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "p1.csv"), data, check_dtype=False)
    assert (tmp_path / "p2.png").exists()


def test_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["run", "--env", "x"])  # missing required options
    assert e.value.code == 2
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "x", "--jobs", "0"])
    with pytest.raises(SystemExit):
        cli.main(["run", "--env", "bernoulli-bandit", "--learner", "ucb1", "--steps", "3",
                  "--seeds", "1", "--env-param", "novalue"])
    assert cli.main(["run", "--env", "nope", "--learner", "t-cli-greedy", "--steps", "3",
                     "--seeds", "1"]) == 2
    assert "env='nope' is not a registered env" in capsys.readouterr().err
    assert cli.main(["run", "--env", "bernoulli-bandit", "--env-param", "n_arms=2",
                     "--learner", "t-cli-greedy", "--steps", "0", "--seeds", "1"]) == 2
    assert "n_steps must be >= 1" in capsys.readouterr().err
    assert cli.main(["reproduce", "no-such-figure", "--out", str(tmp_path)]) == 2
    assert "unknown figure" in capsys.readouterr().err
    assert cli.main(["reproduce", "all", "--jobs", "2", "--scheduler", "tcp://x:1"]) == 2
    assert cli.main(["plot", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")]) == 2
    with pytest.raises(ValueError):
        cli.main(["--debug", "plot", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")])


@pytest.fixture
def fake_figures(monkeypatch):
    """Replace the registry by test figures (the real ones are exercised by their owners)."""
    monkeypatch.setattr(figures, "_FIGURES", {})
    monkeypatch.setattr(figures, "_DISCOVERED", True)
    calls = []

    @figures.register_figure("t-good", paper="Test 2024", description="two panels")
    def good(quick, jobs, scheduler, out):
        calls.append((quick, jobs, scheduler, out.name))
        df = run(Experiment("bernoulli-bandit", "t-cli-greedy", 20 if quick else 40, 2,
                            env_params={"means": [0.3, 0.6]}), n_jobs=jobs, scheduler=scheduler)
        regret_figure(df, path=out / "regret")

    def no_csv(quick, jobs, scheduler, out):
        from matplotlib.figure import Figure
        Figure().savefig(out / "lonely.png")

    figures.register_figure("t-no-csv", "Test 2024", no_csv)
    return calls


def test_reproduce(fake_figures, tmp_path, capsys):
    assert cli.main(["reproduce", "t-good", "--quick", "--jobs", "1", "--out", str(tmp_path)]) == 0
    assert fake_figures == [(True, 1, None, "t-good")]
    assert (tmp_path / "t-good" / "regret.png").exists()
    csv = pd.read_csv(tmp_path / "t-good" / "regret.csv")
    assert csv.k.max() == 20  # quick settings reached the figure
    with pytest.raises(RuntimeError, match="without the CSV"):
        figures.reproduce("t-no-csv", out=tmp_path, log=None)
    with pytest.raises(RuntimeError):  # 'all' stops at the failing figure
        figures.reproduce("all", quick=True, out=tmp_path / "all", log=None)
    assert (tmp_path / "all" / "t-good" / "regret.png").exists()
    assert [f.name for f in figures.list_figures()] == ["t-good", "t-no-csv"]
    capsys.readouterr()
    assert cli.main(["list", "figures"]) == 0
    listed = capsys.readouterr().out
    assert "t-good" in listed and "Test 2024 -- two panels" in listed


def test_register_figure_checks(fake_figures):
    def f(quick, jobs, scheduler, out):  # pragma: no cover - never run
        pass

    with pytest.raises(ValueError, match="reserved"):
        figures.register_figure("all", "p", f)
    with pytest.raises(ValueError, match="lowercase"):
        figures.register_figure("Bad Name", "p", f)
    with pytest.raises(TypeError, match="paper"):
        figures.register_figure("x", "", f)
    with pytest.raises(ValueError, match="already registered"):
        figures.register_figure("t-good", "p", f)
    with pytest.raises(ValueError, match="jobs"):
        figures.reproduce("t-good", jobs=0)


def test_demo_compare_rows():
    from mdpkit.demo import compare, format_table
    from mdpkit.models.generators import riverswim
    rows = compare([("rs d", riverswim(4, gamma=0.9)), ("rs h", riverswim(4, horizon=5))])
    assert [r["method"] for r in rows] == ["vi", "pi", "mpi", "lp", "gs", "backward", "lp"]
    for r in rows:
        assert r["converged"] and r["max_abs_err"] <= 1e-7 and r["bound"] >= 0
    assert [r["max_abs_err"] for r in rows if r["method"] in ("pi", "backward")] == [0.0, 0.0]
    table = format_table(rows)
    assert table.count("\n") == len(rows) + 1 and "max|V-V_ref|" in table


def test_console_script():
    out = subprocess.run(["mdpkit", "list", "learners"], capture_output=True, text=True,
                         timeout=120)
    if out.returncode != 0 and "No such file" in out.stderr:  # pragma: no cover
        out = subprocess.run([sys.executable, "-m", "mdpkit.cli", "list", "learners"],
                             capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("learners:")

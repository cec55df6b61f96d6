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
    args = [
        "run",
        "--env",
        "bernoulli-bandit",
        "--env-param",
        "means=[0.2, 0.7]",
        "--learner",
        "t-cli-greedy",
        "--steps",
        "60",
        "--seeds",
        "3",
        "--root-seed",
        "4",
        "--store",
        str(tmp_path / "store"),
    ]
    assert cli.main(args + ["--out", str(csv)]) == 0
    out = capsys.readouterr().out
    exp = Experiment(
        "bernoulli-bandit", "t-cli-greedy", 60, 3, root_seed=4, env_params={"means": [0.2, 0.7]}
    )
    assert exp.hash in out and "seeds/s" in out
    expected = run(exp)
    back = pd.read_csv(csv)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False, check_exact=False, rtol=1e-15)
    assert cli.main(args + ["--out", str(pq), "--plot", str(tmp_path / "fig")]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(pq), expected, check_exact=True)
    assert (tmp_path / "fig.png").exists() and (tmp_path / "fig.csv").exists()
    # plot from the CSV, and from the store directory
    assert cli.main(["plot", str(csv), "--out", str(tmp_path / "p1")]) == 0
    assert (
        cli.main(
            [
                "plot",
                str(tmp_path / "store" / exp.hash),
                "--panel",
                "loglog",
                "--out",
                str(tmp_path / "p2"),
            ]
        )
        == 0
    )
    _, data = regret_figure(expected)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "p1.csv"), data, check_dtype=False)
    assert (tmp_path / "p2.png").exists()
    # plot reads what run --plot wrote (the plotted summary) and redraws the same data
    assert cli.main(["plot", str(tmp_path / "fig.csv"), "--out", str(tmp_path / "p3")]) == 0
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "p3.csv"), pd.read_csv(tmp_path / "fig.csv"), check_dtype=False
    )
    assert (
        cli.main(["plot", str(tmp_path / "fig.csv"), str(csv), "--out", str(tmp_path / "p4")]) == 2
    )


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err  # one line, no traceback
    return err


def test_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["run", "--env", "x"])  # missing required options
    assert e.value.code == 2
    assert "required" in _err(capsys)
    with pytest.raises(SystemExit) as e:
        cli.main(["reproduce", "x", "--jobs", "0"])
    assert e.value.code == 2 and "--jobs must be >= 1" in _err(capsys)
    assert (
        cli.main(
            [
                "run",
                "--env",
                "bernoulli-bandit",
                "--env-param",
                "n_arms=2",
                "--learner",
                "t-cli-greedy",
                "--steps",
                "1",
                "--seeds",
                "1",
                "--out",
                str(tmp_path / "x.txt"),
            ]
        )
        == 2
    )
    assert "--out must end in .csv or .parquet" in _err(capsys)
    assert cli.main(["reproduce", "all", "--jobs", "2", "--scheduler", "tcp://x:1"]) == 2
    assert "not both" in _err(capsys)
    assert cli.main(["plot", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file" in _err(capsys)
    with pytest.raises(ValueError):
        cli.main(["--debug", "plot", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")])
    with pytest.raises(ValueError):  # --debug also after the subcommand
        cli.main(["plot", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o"), "--debug"])


def test_unknown_names_say_did_you_mean(capsys):
    assert (
        cli.main(
            [
                "run",
                "--env",
                "riverswin",
                "--learner",
                "t-cli-greedy",
                "--steps",
                "3",
                "--seeds",
                "1",
            ]
        )
        == 2
    )
    # closest first ('riverswim-average' may follow)
    assert "unknown env 'riverswin'; did you mean 'riverswim'" in _err(capsys)
    assert (
        cli.main(
            [
                "run",
                "--env",
                "bernoulli-bandit",
                "--learner",
                "t-cli-gredy",
                "--steps",
                "3",
                "--seeds",
                "1",
            ]
        )
        == 2
    )
    # the closest registered name comes first (others, e.g. 'lsd-greedy', may follow)
    assert "unknown learner 't-cli-gredy'; did you mean 't-cli-greedy'" in _err(capsys)
    assert cli.main(["reproduce", "stepmixx"]) == 2
    assert "unknown figure 'stepmixx'; did you mean 'stepmix'?" in _err(capsys)
    # '-' for '_' (the registered names are kebab-case)
    assert cli.did_you_mean("t_cli_greedy", ["t-cli-greedy", "ucb1"], "learner").startswith(
        "unknown learner 't_cli_greedy'; did you mean 't-cli-greedy'?"
    )
    assert "did you mean" not in cli.did_you_mean("zzzz", ["ucb1"], "learner")


def _ucbvi_ch() -> str:
    """The registered UCBVI-CH name (kebab-case after the rename, snake_case before)."""
    from mdpkit.experiments.registry import list_learners

    return "ucbvi-ch" if "ucbvi-ch" in list_learners() else "ucbvi_ch"


def test_env_learner_mismatch_is_one_line(capsys):
    assert (
        cli.main(
            ["run", "--env", "riverswim", "--learner", "ucb1", "--steps", "20", "--seeds", "2"]
        )
        == 2
    )
    err = _err(capsys)
    assert "learner 'ucb1'" in err and "env 'riverswim'" in err and "episodic" in err
    assert (
        cli.main(
            [
                "run",
                "--env",
                "bernoulli-bandit",
                "--env-param",
                "n_arms=2",
                "--learner",
                _ucbvi_ch(),
                "--steps",
                "5",
                "--seeds",
                "1",
            ]
        )
        == 2
    )
    err = _err(capsys)
    assert "env 'bernoulli-bandit'" in err and "bandit" in err


def test_bad_env_param(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(
            [
                "run",
                "--env",
                "bernoulli-bandit",
                "--learner",
                "ucb1",
                "--steps",
                "3",
                "--seeds",
                "1",
                "--env-param",
                "novalue",
            ]
        )
    assert e.value.code == 2 and "expected KEY=VALUE" in _err(capsys)
    assert (
        cli.main(
            [
                "run",
                "--env",
                "bernoulli-bandit",
                "--learner",
                "ucb1",
                "--steps",
                "3",
                "--seeds",
                "1",
                "--env-param",
                "meens=[0.1, 0.9]",
            ]
        )
        == 2
    )
    err = _err(capsys)
    assert "has no parameter 'meens'; did you mean 'means'?" in err
    assert (
        cli.main(
            ["run", "--env", "tabular", "--learner", _ucbvi_ch(), "--steps", "3", "--seeds", "1"]
        )
        == 2
    )
    assert "needs mdp" in _err(capsys)
    assert (
        cli.main(
            [
                "run",
                "--env",
                "bernoulli-bandit",
                "--env-param",
                "means=[0.1, 2]",
                "--learner",
                "ucb1",
                "--steps",
                "3",
                "--seeds",
                "1",
            ]
        )
        == 2
    )
    assert "means" in _err(capsys)


def test_discounted_env_from_gamma(capsys):
    """gamma=... asks for the discounted model: no default horizon is injected (the old CLI
    failed with "got both"); the env is then a continuing one, and an episodic learner is
    refused in one line."""
    from mdpkit.experiments.registry import get_env

    params = cli._check_params("env", "riverswim", get_env("riverswim"), {"gamma": 0.9})
    assert params == {"gamma": 0.9, "horizon": None}
    env_model = __import__("mdpkit.models.generators", fromlist=["riverswim"]).riverswim(
        6, gamma=0.9, horizon=None
    )
    assert env_model.gamma == 0.9 and not env_model.is_finite_horizon
    assert (
        cli.main(
            [
                "run",
                "--env",
                "riverswim",
                "--env-param",
                "gamma=0.9",
                "--learner",
                _ucbvi_ch(),
                "--steps",
                "3",
                "--seeds",
                "1",
            ]
        )
        == 2
    )
    err = _err(capsys)
    assert "got both" not in err and "continuing" in err


def test_run_continuing_ucrl2(tmp_path, capsys):
    """UCRL2 runs end to end on a discounted RiverSwim (continuing env from gamma=...) and on
    the average-reward one; the discounted run has the reference columns; mismatches in
    either direction are one-line errors with exit 2."""
    out = tmp_path / "u.csv"
    assert (
        cli.main(
            [
                "run",
                "--env",
                "riverswim",
                "--env-param",
                "gamma=0.9",
                "--learner",
                "ucrl2",
                "--steps",
                "2000",
                "--seeds",
                "2",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    df = pd.read_csv(out)
    assert len(df) == 4000 and {"pseudo_regret", "discounted_reward", "v_star_s0", "epoch"} <= set(
        df.columns
    )
    assert (
        cli.main(
            [
                "run",
                "--env",
                "riverswim-average",
                "--learner",
                "ucrl2",
                "--steps",
                "500",
                "--seeds",
                "2",
            ]
        )
        == 0
    )
    assert "final cumulative regret" in capsys.readouterr().out
    assert (
        cli.main(
            ["run", "--env", "riverswim", "--learner", "ucrl2", "--steps", "5", "--seeds", "1"]
        )
        == 2
    )
    err = _err(capsys)
    assert "ucrl2" in err and "continuing" in err and "episodic" in err
    assert (
        cli.main(
            [
                "run",
                "--env",
                "riverswim-average",
                "--learner",
                "psrl",
                "--steps",
                "5",
                "--seeds",
                "1",
            ]
        )
        == 2
    )
    assert "continuing" in _err(capsys)
    assert (
        cli.main(
            [
                "run",
                "--env",
                "riverswim-average",
                "--env-param",
                "gamma=0.9",
                "--learner",
                "ucrl2",
                "--steps",
                "5",
                "--seeds",
                "1",
            ]
        )
        == 2
    )
    assert "takes no gamma" in _err(capsys)


def test_bad_jobs(capsys):
    for bad, msg in (("0", ">= 1"), ("two", "integer"), ("-3", ">= 1")):
        with pytest.raises(SystemExit) as e:
            cli.main(
                [
                    "run",
                    "--env",
                    "bernoulli-bandit",
                    "--learner",
                    "ucb1",
                    "--steps",
                    "3",
                    "--seeds",
                    "1",
                    "--jobs",
                    bad,
                ]
            )
        assert e.value.code == 2 and msg in _err(capsys)


def test_unreachable_scheduler_times_out_in_one_line(capsys):
    import time

    t0 = time.perf_counter()
    assert (
        cli.main(
            [
                "run",
                "--env",
                "bernoulli-bandit",
                "--env-param",
                "n_arms=2",
                "--learner",
                "ucb1",
                "--steps",
                "3",
                "--seeds",
                "1",
                "--scheduler",
                "tcp://127.0.0.1:9",
                "--scheduler-timeout",
                "1",
            ]
        )
        == 2
    )
    err = _err(capsys)
    assert "cannot reach the Dask scheduler 'tcp://127.0.0.1:9' within 1 s" in err
    assert time.perf_counter() - t0 < 60


def test_one_seed_summary_has_no_nan(capsys):
    assert (
        cli.main(
            [
                "run",
                "--env",
                "bernoulli-bandit",
                "--env-param",
                "means=[0.2, 0.7]",
                "--learner",
                "t-cli-greedy",
                "--steps",
                "30",
                "--seeds",
                "1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "nan" not in out and "one seed" in out


def test_help_lists_registered_names(capsys):
    for argv, names in (
        (
            ["run", "--help"],
            ["riverswim", "bernoulli-bandit", "ucb1", "t-cli-greedy", "--env-param", "--seeds"],
        ),
        (
            ["reproduce", "--help"],
            ["all", "stepmix", "ucbvi-riverswim", "dynlin-ucb", "--seed", "--strict"],
        ),
    ):
        with pytest.raises(SystemExit) as e:
            cli.main(argv)
        assert e.value.code == 0
        out = " ".join(capsys.readouterr().out.split())
        for n in names:
            assert n in out, (argv, n)
    # every option of every subcommand has a help text
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        for a in p._actions:
            if a.dest != "help":
                assert a.help, (name, a.dest)


@pytest.fixture
def fake_figures(monkeypatch):
    """Replace the registry by test figures (the real ones are exercised by their owners)."""
    monkeypatch.setattr(figures, "_FIGURES", {})
    monkeypatch.setattr(figures, "_DISCOVERED", True)
    calls = []

    @figures.register_figure("t-good", paper="Test 2024", description="two panels")
    def good(quick, jobs, scheduler, out):
        calls.append((quick, jobs, scheduler, out.name))
        df = run(
            Experiment(
                "bernoulli-bandit",
                "t-cli-greedy",
                20 if quick else 40,
                2,
                env_params={"means": [0.3, 0.6]},
            ),
            n_jobs=jobs,
            scheduler=scheduler,
        )
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
    """The ``mdpkit`` console script (installed by ``pip install -e .``) and ``python -m
    mdpkit.cli`` print the same learner list. Skipped, not faked, when the script is not on
    PATH (a source checkout used through PYTHONPATH)."""
    import shutil

    from mdpkit.experiments import registry

    mod = subprocess.run(
        [sys.executable, "-m", "mdpkit.cli", "list", "learners"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert mod.returncode == 0, mod.stderr
    assert mod.stdout.startswith("learners:")
    printed = [ln.strip() for ln in mod.stdout.splitlines()[1:] if ln.strip()]
    assert len(printed) >= 10 and printed == sorted(printed)
    known = set(registry.list_learners())  # this process may hold extra test learners
    assert set(printed) <= known
    exe = shutil.which("mdpkit")
    if exe is None:
        pytest.skip("the mdpkit console script is not installed (pip install -e .)")
    out = subprocess.run([exe, "list", "learners"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == mod.stdout

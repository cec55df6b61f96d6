"""The ``mdpkit`` command (argparse; thin wrappers over the library).

::

    mdpkit demo [--quick]
    mdpkit list [figures|envs|learners]
    mdpkit run --env NAME --learner NAME --steps K --seeds N [--root-seed R]
               [--env-param KEY=VALUE ...] [--learner-param KEY=VALUE ...] [--name LABEL]
               [--jobs N | --scheduler ADDRESS] [--store DIR] [--out FILE.csv|FILE.parquet]
               [--plot STEM]
    mdpkit plot INPUT [INPUT ...] --out STEM [--panel all|cumulative|loglog|sqrt] [--title T]
    mdpkit reproduce NAME|all [--quick] [--seed R] [--strict] [--jobs N] [--scheduler ADDRESS]
                     [--out DIR]

``KEY=VALUE`` values are parsed as JSON when they can be (``3``, ``0.1``, ``true``,
``[0.1, 0.9]``), else taken as strings. ``plot`` reads CSV or parquet files written by
``run --out``, the ``STEM.csv`` that ``run --plot`` / ``plot`` write (the plotted summary),
or experiment directories of a store (``DIR/<hash>``).

Exit status: 0 on success; 2 on bad arguments or input errors, as one line on stderr
(unknown names with a "did you mean", an env/learner mismatch, a bad ``--env-param``, a bad
``--jobs``, an unreachable ``--scheduler`` after ``--scheduler-timeout`` seconds);
``reproduce --strict``: 1 when a stated claim fails. ``--debug`` (before or after the
subcommand) shows the traceback instead of the one-line message.

Decisions
---------
* ``--env-param gamma=...`` without ``horizon``: the env's default horizon is not passed, so
  the factory builds the discounted model it describes (an episodic env then says, in one
  line, that it needs a finite horizon).
* An error that is not an input error (a bug) still ends in one line, with exit status 1
  and a pointer to ``--debug``.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import json
import sys
import time
from pathlib import Path

__all__ = ["main", "build_parser", "did_you_mean"]


class CLIError(ValueError):
    """A bad command line (exit status 2, one line)."""


def did_you_mean(name: str, known, what: str) -> str:
    """``unknown <what> 'x'; did you mean 'y'?`` (difflib; ``_``/``-`` variants first)."""
    known = sorted(known)
    alt = [k for k in known if k.replace("_", "-") == name.replace("_", "-")]
    close = alt or difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown {what} {name!r}{hint} (known: {', '.join(known) or '(none)'})"


class _Formatter(argparse.HelpFormatter):
    """Help text wrapped without breaking registered names at their hyphens."""

    def _split_lines(self, text, width):
        import textwrap

        return textwrap.wrap(
            " ".join(text.split()), width, break_on_hyphens=False, break_long_words=False
        )


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (usage is in --help) and hyphen-safe help wrapping."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message):  # pragma: no cover - exercised through main()
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _kv(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    if not key:
        raise argparse.ArgumentTypeError(f"empty key in {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs must be an integer, got {text!r}") from None
    if not (n >= 1 or n == -1):
        raise argparse.ArgumentTypeError(f"--jobs must be >= 1 (or -1 for all cores), got {n}")
    return n


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {n}")
    return n


def _nonneg_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {n}")
    return n


def _seconds(text: str) -> float:
    try:
        t = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not t > 0:
        raise argparse.ArgumentTypeError(f"expected seconds > 0, got {t}")
    return t


def _names(kind: str) -> list[str]:
    try:
        if kind == "env":
            from .experiments.registry import list_envs

            return list_envs()
        if kind == "learner":
            from .experiments.registry import list_learners

            return list_learners()
        from .figures import list_figures

        return [f.name for f in list_figures()]
    except Exception as exc:  # pragma: no cover - a broken module must not hide --help
        return [f"(could not list: {exc})"]


def _wrap(names: list[str]) -> str:
    return ", ".join(names)


def _add_debug(p) -> None:
    p.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error instead of a one-line message",
    )


def _add_parallel(p) -> None:
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="local worker processes (>= 1, or -1 for all cores; default 1)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://host:8786 (instead of --jobs)",
    )
    p.add_argument(
        "--scheduler-timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="give up connecting to --scheduler after this many seconds (default 10)",
    )


def build_parser(with_names: bool = True) -> argparse.ArgumentParser:
    """The argument parser; ``with_names`` lists the registered names in the help texts."""
    envs = _names("env") if with_names else []
    learners = _names("learner") if with_names else []
    figs = _names("figure") if with_names else []
    p = _Parser(
        prog="mdpkit",
        description=(
            "mdpkit: exact MDP models and solvers, RL-theory algorithms, regret experiments "
            "and reproduced paper figures."
        ),
        epilog="Exit status: 0 ok, 1 failed claims with "
        "reproduce --strict (or an internal error), 2 bad input (one-line message).",
    )
    p.add_argument(
        "--debug",
        action="store_true",
        default=False,
        help="show the full traceback of an error instead of a one-line message "
        "(also accepted after the subcommand)",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    d = sub.add_parser("demo", help="solve a few MDPs with every method; print a comparison table")
    d.add_argument("--quick", action="store_true", help="smaller models")
    _add_debug(d)

    ls = sub.add_parser("list", help="list registered figures, envs and learners")
    ls.add_argument(
        "what",
        nargs="?",
        choices=["figures", "envs", "learners", "all"],
        default="all",
        help="what to list (default: all)",
    )
    _add_debug(ls)

    r = sub.add_parser(
        "run",
        help="run one experiment and print a summary",
        description="Run one experiment (seeds in parallel) and print the final "
        "cumulative regret over seeds.",
    )
    r.add_argument("--env", required=True, metavar="NAME", help="registered env: " + _wrap(envs))
    r.add_argument(
        "--learner",
        required=True,
        metavar="NAME",
        help="registered learner (of the env's kind: episodic, bandit or continuing): "
        + _wrap(learners),
    )
    r.add_argument(
        "--steps",
        type=_positive_int,
        required=True,
        metavar="K",
        help="episodes K (episodic env), rounds T (bandit env) or steps T (continuing env)",
    )
    r.add_argument(
        "--seeds",
        type=_positive_int,
        required=True,
        metavar="N",
        help="number of independent runs (seeds 0..N-1 of the root seed)",
    )
    r.add_argument(
        "--root-seed",
        type=_nonneg_int,
        default=0,
        metavar="R",
        help="root of the per-run seed streams (default 0)",
    )
    r.add_argument(
        "--env-param",
        type=_kv,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="env factory keyword, repeatable; VALUE parsed as JSON when it can be "
        "(3, 0.9, true, [0.2, 0.7]), else a string. gamma=G without horizon "
        "asks for the discounted model",
    )
    r.add_argument(
        "--learner-param",
        type=_kv,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="learner factory keyword, repeatable (as --env-param)",
    )
    r.add_argument(
        "--name",
        default=None,
        metavar="LABEL",
        help="label of the run (the 'algorithm' column; default env/learner)",
    )
    _add_parallel(r)
    r.add_argument(
        "--store",
        default=None,
        metavar="DIR",
        help="result store directory (finished seeds are reused)",
    )
    r.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help="write the long results to FILE.csv or FILE.parquet",
    )
    r.add_argument(
        "--plot",
        default=None,
        metavar="STEM",
        help="write STEM.png and STEM.csv (the plotted summary; 'mdpkit plot' reads it)",
    )
    _add_debug(r)

    pl = sub.add_parser("plot", help="plot results written by 'run --out', 'run --plot' or a store")
    pl.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help=".csv / .parquet results of 'run --out', STEM.csv of 'run --plot', or "
        "store experiment directories DIR/<hash>",
    )
    pl.add_argument("--out", required=True, metavar="STEM", help="writes STEM.png and STEM.csv")
    pl.add_argument(
        "--panel",
        choices=["all", "cumulative", "loglog", "sqrt"],
        default="all",
        help="all three panels (default) or one of them",
    )
    pl.add_argument("--title", default=None, help="figure title")
    _add_debug(pl)

    rp = sub.add_parser(
        "reproduce",
        help="reproduce a registered paper figure (or 'all')",
        description="Run a registered figure: PNG + CSV per figure in "
        "OUT/NAME/, the claims of its paper checked on its own "
        "numbers in OUT/claims.csv and printed as a table.",
    )
    rp.add_argument("name", metavar="NAME", help="'all' or a registered figure: " + _wrap(figs))
    rp.add_argument(
        "--quick",
        action="store_true",
        help="small settings (seconds to a minute per figure; CI and the README)",
    )
    rp.add_argument(
        "--seed",
        type=_nonneg_int,
        default=None,
        metavar="R",
        help="root seed for every experiment of the figures that take one "
        "(default: each figure's own)",
    )
    rp.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 1 if a stated claim fails (it is reported either way)",
    )
    _add_parallel(rp)
    rp.add_argument(
        "--out",
        default="figures",
        metavar="DIR",
        help="output directory (default: figures): DIR/NAME/*.png + .csv, DIR/claims.csv",
    )
    _add_debug(rp)
    return p


def _cmd_demo(args) -> int:
    from .demo import main as demo_main

    demo_main(quick=args.quick)
    return 0


def _cmd_list(args) -> int:
    what = args.what
    if what in ("figures", "all"):
        from .figures import list_figures

        print("figures:")
        figs = list_figures()
        for f in figs:
            print(f"  {f.name:<28} {f.paper}" + (f" -- {f.description}" if f.description else ""))
        if not figs:
            print("  (none)")
    if what in ("envs", "all"):
        from .experiments.registry import list_envs

        print("envs:")
        for n in list_envs():
            print(f"  {n}")
    if what in ("learners", "all"):
        from .experiments.registry import list_learners

        print("learners:")
        for n in list_learners():
            print(f"  {n}")
    return 0


def _check_exclusive(args) -> None:
    if args.scheduler is not None and args.jobs != 1:
        raise CLIError("give either --jobs or --scheduler, not both")


def _scheduler(args):
    """Connect to ``--scheduler`` within ``--scheduler-timeout`` seconds; a Client or None."""
    if args.scheduler is None:
        return None
    try:
        import dask
        from distributed import Client
    except ImportError:  # pragma: no cover - dask is a dependency
        raise CLIError("--scheduler needs dask.distributed, which is not installed") from None
    t = args.scheduler_timeout
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": f"{t}s"}):
            return Client(args.scheduler, timeout=f"{t}s")
    except (OSError, TimeoutError, ValueError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CLIError(
            f"cannot reach the Dask scheduler {args.scheduler!r} within {t:g} s ({msg})"
        ) from None


def _factory_params(fn) -> tuple[set, set, bool]:
    """(all keyword names, required names, takes **kwargs) of a factory (rng/env_info excluded)."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    if params and params[0].name in ("rng",):  # learner factories: (env_info, rng, ...)
        params = params[1:]
    names = {q.name for q in params if q.kind in (q.KEYWORD_ONLY, q.POSITIONAL_OR_KEYWORD)}
    required = {
        q.name
        for q in params
        if q.default is q.empty and q.kind in (q.KEYWORD_ONLY, q.POSITIONAL_OR_KEYWORD)
    }
    var = any(q.kind is q.VAR_KEYWORD for q in params)
    return names, required, var


def _check_params(kind: str, name: str, fn, given: dict) -> dict:
    names, required, var = _factory_params(fn)
    if not var:
        for key in given:
            if key not in names:
                close = difflib.get_close_matches(key, sorted(names), n=2, cutoff=0.6)
                hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
                raise CLIError(
                    f"{kind} {name!r} has no parameter {key!r}{hint} "
                    f"(its parameters: {', '.join(sorted(names)) or 'none'})"
                )
    lacking = sorted(required - set(given))
    if lacking:
        raise CLIError(
            f"{kind} {name!r} needs {', '.join(lacking)}, which the command line "
            "cannot give (an object, not a JSON value); build it in Python and call "
            "mdpkit.experiments.run"
            if kind == "env" and "mdp" in lacking
            else f"{kind} {name!r} needs --{kind}-param {lacking[0]}=VALUE"
        )
    params = dict(given)
    if kind == "env" and "gamma" in params and "horizon" not in params and "horizon" in names:
        params["horizon"] = None  # discounted model: no injected default horizon
    return params


def _preflight(env: str, learner: str, env_params: dict, learner_params: dict, n_steps: int):
    """Build env and learner once (seed 0) to turn a mismatch into a one-line error."""
    import numpy as np

    from .experiments.registry import get_env, get_learner

    env_obj = get_env(env)(np.random.default_rng(0), **env_params)
    kind = getattr(env_obj, "kind", None)
    info = dict(env_obj.env_info())
    info["n_steps"] = n_steps
    try:
        obj = get_learner(learner)(info, np.random.default_rng(0), **learner_params)
    except KeyError as exc:
        art = "an" if str(kind)[:1] in "aeiou" else "a"
        raise CLIError(
            f"learner {learner!r} does not fit env {env!r} ({art} {kind} env): it needs "
            f"{exc} in env_info, which this env does not give"
        ) from None
    except (ValueError, TypeError) as exc:
        raise CLIError(f"learner {learner!r} on env {env!r} ({kind}): {exc}") from None
    lkind = getattr(obj, "kind", None)
    if lkind is not None and kind is not None and lkind != kind:
        raise CLIError(f"learner {learner!r} is for {lkind} envs and env {env!r} is {kind}")


def _cmd_run(args) -> int:
    from .experiments import Experiment, run
    from .experiments.registry import get_env, get_learner

    _check_exclusive(args)
    envs, learners = _names("env"), _names("learner")
    if args.env not in envs:
        raise CLIError(did_you_mean(args.env, envs, "env"))
    if args.learner not in learners:
        raise CLIError(did_you_mean(args.learner, learners, "learner"))
    env_params = _check_params("env", args.env, get_env(args.env), dict(args.env_param))
    learner_params = _check_params(
        "learner", args.learner, get_learner(args.learner), dict(args.learner_param)
    )
    if args.out and Path(args.out).suffix not in (".csv", ".parquet"):
        raise CLIError(f"--out must end in .csv or .parquet, got {args.out!r}")
    _preflight(args.env, args.learner, env_params, learner_params, args.steps)
    exp = Experiment(
        args.env,
        args.learner,
        n_steps=args.steps,
        n_seeds=args.seeds,
        root_seed=args.root_seed,
        env_params=env_params,
        learner_params=learner_params,
        name=args.name,
    )
    scheduler = _scheduler(args)
    t0 = time.perf_counter()
    try:
        df = run(exp, n_jobs=args.jobs, scheduler=scheduler, store=args.store)
    finally:
        if scheduler is not None:
            scheduler.close()
    seconds = time.perf_counter() - t0
    final = df.groupby("seed")["cum_regret"].last()
    print(f"{exp.name}  (hash {exp.hash})")
    print(
        f"  {exp.n_seeds} seeds x {exp.n_steps} steps in {seconds:.2f} s "
        f"({exp.n_seeds / seconds:.2f} seeds/s, {exp.n_seeds * exp.n_steps / seconds:,.0f} steps/s)"
    )
    if len(final) > 1:
        spread = (
            f"mean {final.mean():.4g}, sd {final.std(ddof=1):.4g}, "
            f"min {final.min():.4g}, max {final.max():.4g}"
        )
    else:
        spread = f"{final.iloc[0]:.4g} (one seed: no spread)"
    print(f"  final cumulative regret: {spread}")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".parquet":
            df.to_parquet(out, index=False)
        else:
            df.to_csv(out, index=False)
        print(f"  results: {out}")
    if args.plot:
        from .plotting import regret_figure

        regret_figure(df, path=args.plot, title=exp.name)
        print(f"  figure: {args.plot}.png (+ .csv)")
    return 0


def _read_input(path: str):
    """(kind, frame): ``"results"`` (runner rows) or ``"summary"`` (a plotted CSV)."""
    import pandas as pd

    from .plotting import CSV_COLUMNS

    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("seed-*.parquet"))
        if not files:
            raise CLIError(
                f"{path}: no seed-*.parquet files (expected a store experiment directory)"
            )
        return "results", pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    if not p.exists():
        raise CLIError(f"{path}: no such file or directory")
    if p.suffix == ".parquet":
        return "results", pd.read_parquet(p)
    if p.suffix == ".csv":
        df = pd.read_csv(p)
        if set(CSV_COLUMNS[:6]) <= set(df.columns) and "series" in df.columns:
            return "summary", df
        return "results", df
    raise CLIError(f"{path}: expected a .csv or .parquet file or a store directory")


def _cmd_plot(args) -> int:
    import pandas as pd

    from . import plotting

    parts = [_read_input(p) for p in args.inputs]
    kinds = {k for k, _ in parts}
    if len(kinds) > 1:
        raise CLIError(
            "give either results (run --out, store dirs) or plotted CSVs (run --plot), not both"
        )
    df = pd.concat([d for _, d in parts], ignore_index=True)
    if kinds == {"summary"}:
        summary, bounds = plotting.from_csv(df)
        df = None
    else:
        summary, bounds = None, ()
    if args.panel == "all":
        plotting.regret_figure(df, bounds, path=args.out, title=args.title, summary=summary)
    else:
        fn = {
            "cumulative": plotting.plot_cumulative_regret,
            "loglog": plotting.plot_loglog,
            "sqrt": plotting.plot_regret_over_sqrt,
        }[args.panel]
        fn(df, bounds, path=args.out, summary=summary, title=args.title)
    print(f"wrote {args.out}.png and {args.out}.csv")
    return 0


def _cmd_reproduce(args) -> int:
    from .figures import list_figures, reproduce

    _check_exclusive(args)
    names = [f.name for f in list_figures()]
    if args.name != "all" and args.name not in names:
        raise CLIError(did_you_mean(args.name, names + ["all"], "figure"))
    scheduler = _scheduler(args)
    try:
        written = reproduce(
            args.name,
            quick=args.quick,
            jobs=args.jobs,
            scheduler=scheduler,
            out=args.out,
            seed=args.seed,
        )
    finally:
        if scheduler is not None:
            scheduler.close()
    for name, paths in written.items():
        for p in paths:
            print(f"{name}: {p} (+ {p.with_suffix('.csv').name})")
    failing = written.failing
    if len(failing):
        print(
            f"mdpkit reproduce: {len(failing)} claim(s) FAIL (see {written.claims_path})",
            file=sys.stderr,
        )
        if args.strict:
            return 1
    return 0


_COMMANDS = {
    "demo": _cmd_demo,
    "list": _cmd_list,
    "run": _cmd_run,
    "plot": _cmd_plot,
    "reproduce": _cmd_reproduce,
}


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    if isinstance(exc, KeyError):
        text = f"missing key {text}"
    return text or type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        return _COMMANDS[args.command](args)
    except (ValueError, TypeError, KeyError, FileNotFoundError, OSError, TimeoutError) as exc:
        if debug:
            raise
        print(f"mdpkit {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug, not bad input: still one line, status 1
        if debug:
            raise
        print(
            f"mdpkit {args.command}: internal error: {type(exc).__name__}: {_one_line(exc)} "
            "(rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

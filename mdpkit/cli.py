"""The ``mdpkit`` command (argparse; thin wrappers over the library).

::

    mdpkit demo [--quick]
    mdpkit list [figures|envs|learners]
    mdpkit run --env NAME --learner NAME --steps K --seeds N [--root-seed R]
               [--env-param KEY=VALUE ...] [--learner-param KEY=VALUE ...] [--name LABEL]
               [--jobs N | --scheduler ADDRESS] [--store DIR] [--out FILE.csv|FILE.parquet]
               [--plot STEM]
    mdpkit plot INPUT [INPUT ...] --out STEM [--panel all|cumulative|loglog|sqrt] [--title T]
    mdpkit reproduce NAME|all [--quick] [--jobs N] [--scheduler ADDRESS] [--out DIR]

``KEY=VALUE`` values are parsed as JSON when they can be (``3``, ``0.1``, ``true``,
``[0.1, 0.9]``), else taken as strings. ``plot`` reads CSV or parquet files written by
``run --out``, or experiment directories of a store (``DIR/<hash>``).
Exit status: 0 on success, 2 on bad arguments or input errors (one-line message on stderr;
``mdpkit --debug ...`` shows the traceback instead).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

__all__ = ["main", "build_parser"]


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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mdpkit", description=(
        "mdpkit: exact MDP models and solvers, RL-theory algorithms, regret experiments "
        "and reproduced paper figures."))
    p.add_argument("--debug", action="store_true",
                   help="show the full traceback of an error instead of a one-line message")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo", help="solve a few MDPs with every method; print a comparison table")
    d.add_argument("--quick", action="store_true", help="smaller models")

    ls = sub.add_parser("list", help="list registered figures, envs and learners")
    ls.add_argument("what", nargs="?", choices=["figures", "envs", "learners", "all"], default="all")

    r = sub.add_parser("run", help="run one experiment and print a summary")
    r.add_argument("--env", required=True)
    r.add_argument("--learner", required=True)
    r.add_argument("--steps", type=int, required=True, help="episodes K or rounds T")
    r.add_argument("--seeds", type=int, required=True)
    r.add_argument("--root-seed", type=int, default=0)
    r.add_argument("--env-param", type=_kv, action="append", default=[], metavar="KEY=VALUE")
    r.add_argument("--learner-param", type=_kv, action="append", default=[], metavar="KEY=VALUE")
    r.add_argument("--name", default=None, help="label (the 'algorithm' column)")
    r.add_argument("--jobs", type=_jobs, default=1)
    r.add_argument("--scheduler", default=None, help="Dask scheduler address")
    r.add_argument("--store", default=None, help="result store directory")
    r.add_argument("--out", default=None, help="write the long results (.csv or .parquet)")
    r.add_argument("--plot", default=None, metavar="STEM", help="write STEM.png and STEM.csv")

    pl = sub.add_parser("plot", help="plot results written by 'run --out' or a store")
    pl.add_argument("inputs", nargs="+", help=".csv / .parquet files or store experiment dirs")
    pl.add_argument("--out", required=True, metavar="STEM", help="writes STEM.png and STEM.csv")
    pl.add_argument("--panel", choices=["all", "cumulative", "loglog", "sqrt"], default="all")
    pl.add_argument("--title", default=None)

    rp = sub.add_parser("reproduce", help="reproduce a registered paper figure (or 'all')")
    rp.add_argument("name")
    rp.add_argument("--quick", action="store_true", help="small settings (CI, main job)")
    rp.add_argument("--jobs", type=_jobs, default=1)
    rp.add_argument("--scheduler", default=None, help="Dask scheduler address")
    rp.add_argument("--out", default="figures", help="output directory (default: figures)")
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
        raise ValueError("give either --jobs or --scheduler, not both")


def _cmd_run(args) -> int:
    from .experiments import Experiment, run
    _check_exclusive(args)
    exp = Experiment(args.env, args.learner, n_steps=args.steps, n_seeds=args.seeds,
                     root_seed=args.root_seed, env_params=dict(args.env_param),
                     learner_params=dict(args.learner_param), name=args.name)
    t0 = time.perf_counter()
    df = run(exp, n_jobs=args.jobs, scheduler=args.scheduler, store=args.store)
    seconds = time.perf_counter() - t0
    final = df.groupby("seed")["cum_regret"].last()
    print(f"{exp.name}  (hash {exp.hash})")
    print(f"  {exp.n_seeds} seeds x {exp.n_steps} steps in {seconds:.2f} s "
          f"({exp.n_seeds / seconds:.2f} seeds/s, {exp.n_seeds * exp.n_steps / seconds:,.0f} steps/s)")
    sd = final.std(ddof=1) if len(final) > 1 else float("nan")
    print(f"  final cumulative regret: mean {final.mean():.4g}, sd {sd:.4g}, "
          f"min {final.min():.4g}, max {final.max():.4g}")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".parquet":
            df.to_parquet(out, index=False)
        elif out.suffix == ".csv":
            df.to_csv(out, index=False)
        else:
            raise ValueError(f"--out must end in .csv or .parquet, got {args.out!r}")
        print(f"  results: {out}")
    if args.plot:
        from .plotting import regret_figure
        regret_figure(df, path=args.plot, title=exp.name)
        print(f"  figure: {args.plot}.png (+ .csv)")
    return 0


def _read_input(path: str):
    import pandas as pd
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("seed-*.parquet"))
        if not files:
            raise ValueError(f"{path}: no seed-*.parquet files (expected a store experiment directory)")
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    if not p.exists():
        raise ValueError(f"{path}: no such file or directory")
    if p.suffix == ".parquet":
        return pd.read_parquet(p)
    if p.suffix == ".csv":
        return pd.read_csv(p)
    raise ValueError(f"{path}: expected a .csv or .parquet file or a store directory")


def _cmd_plot(args) -> int:
    import pandas as pd

    from . import plotting
    df = pd.concat([_read_input(p) for p in args.inputs], ignore_index=True)
    if args.panel == "all":
        plotting.regret_figure(df, path=args.out, title=args.title)
    else:
        fn = {"cumulative": plotting.plot_cumulative_regret, "loglog": plotting.plot_loglog,
              "sqrt": plotting.plot_regret_over_sqrt}[args.panel]
        fig, _ = fn(df, path=args.out)
        if args.title:
            fig.suptitle(args.title)
            fig.savefig(Path(str(args.out).removesuffix(".png") + ".png"), dpi=120)
    print(f"wrote {args.out}.png and {args.out}.csv")
    return 0


def _cmd_reproduce(args) -> int:
    from .figures import reproduce
    _check_exclusive(args)
    written = reproduce(args.name, quick=args.quick, jobs=args.jobs, scheduler=args.scheduler,
                        out=args.out)
    for name, paths in written.items():
        for p in paths:
            print(f"{name}: {p} (+ {p.with_suffix('.csv').name})")
    return 0


_COMMANDS = {"demo": _cmd_demo, "list": _cmd_list, "run": _cmd_run, "plot": _cmd_plot,
             "reproduce": _cmd_reproduce}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        if args.debug:
            raise
        print(f"mdpkit {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

r"""Mutation harness: plant curated one-line bugs and check that the suite catches each.

Every ``tests/mutation/mutants_*.py`` defines ``MUTANTS``, a list of dicts::

    dict(file="mdpkit/...py",            # path relative to the repository root
         find="exact source text",       # must occur exactly once in ``file``
         replace="mutated text",
         tests=["tests/test_x.py::test_name", ...],   # the tests that must catch it
         why="one line: the real mistake this stands for")

For each mutant the harness copies the repository (only ``mdpkit/``, ``tests/``,
``proofs_check/``, ``paper_figures/``, ``pyproject.toml`` and the small ``examples/``,
``docs/``, ``README.md`` that some tests read; no ``__pycache__``) to a fresh
temporary directory, applies the replacement, and runs the listed tests there with
``python -m pytest -x -q -p no:cacheprovider``. Results:

* ``killed by <test>``: a listed test failed (or errored) -- the bug is caught;
* ``survived``: every listed test passed on the mutated code;
* ``stale``: ``find`` does not occur exactly once in ``file`` (or ``file`` or a listed test
  file is missing) -- a refactor moved the code, so the mutant must be re-pointed;
* ``no tests`` / ``timeout`` / ``error``: the listed tests did not run to a verdict.

Anything but ``killed`` is a failure: the exit code is 1 if some mutant did not get killed,
3 if the time budget ran out before every mutant was run (the report says which), 0 when
every mutant was killed.

Numba: every mutant runs with ``NUMBA_CACHE_DIR`` set to a fresh empty directory inside its
temporary copy, and no ``__pycache__`` is copied. Numba's on-disk cache is keyed by the
source file of the jitted function only, not by the files of the functions it calls, so
re-using the original's cache could run a caller compiled against the *unmutated* callee;
a fresh cache forces every kernel the listed tests touch to be compiled from the mutated
sources. (``NUMBA_DISABLE_JIT=1`` would also be safe but makes the long kernel runs of the
listed tests slower than compiling them; measured in ``tests/mutation/README.md``.)

A baseline run of the union of listed tests on the *unmutated* copy comes first: a mutant
"killed" by a test that fails anyway would prove nothing (``--no-baseline`` skips it).

Usage::

    python tests/mutation/harness.py                  # all mutants, 1 job
    python tests/mutation/harness.py -j 2 --budget 1200
    python tests/mutation/harness.py -k dynlin -k dlb # mutants whose id/file/why match
    python tests/mutation/harness.py --list           # the table of mutants, nothing run
    python tests/mutation/harness.py --check-only     # only the stale check (seconds)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MUTATION_DIR = Path(__file__).resolve().parent
COPY_ITEMS = (
    "mdpkit",
    "tests",
    "proofs_check",
    "paper_figures",
    "pyproject.toml",
    "examples",
    "docs",
    "README.md",
)  # the last three: tests that read them
REQUIRED_KEYS = ("file", "find", "replace", "tests", "why")
PYTEST_ARGS = ("-x", "-q", "-p", "no:cacheprovider")


@dataclass
class Mutant:
    id: str  # "<area>:<index>", e.g. "solvers:3"
    file: str
    find: str
    replace: str
    tests: list
    why: str
    source: str  # the mutants_*.py it came from
    status: str = "not run"
    detail: str = ""
    seconds: float = 0.0
    problems: list = field(default_factory=list)

    @property
    def killed(self) -> bool:
        return self.status == "killed"


# ----------------------------------------------------------------------------- discovery
def load_mutants(mutation_dir: Path = MUTATION_DIR) -> list[Mutant]:
    """Every entry of every ``mutants_*.py`` under ``mutation_dir`` (sorted by file name)."""
    out = []
    for path in sorted(mutation_dir.glob("mutants_*.py")):
        spec = importlib.util.spec_from_file_location(f"_mutants_{path.stem}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        entries = getattr(mod, "MUTANTS", None)
        if not isinstance(entries, list):
            raise TypeError(f"{path.name}: MUTANTS must be a list of dicts")
        area = path.stem[len("mutants_") :]
        for i, e in enumerate(entries):
            if not isinstance(e, dict):
                raise TypeError(
                    f"{path.name}[{i}]: each mutant must be a dict, got {type(e).__name__}"
                )
            missing = [k for k in REQUIRED_KEYS if k not in e]
            if missing:
                raise ValueError(f"{path.name}[{i}]: missing keys {missing}")
            tests = e["tests"]
            if isinstance(tests, str) or not tests or not all(isinstance(t, str) for t in tests):
                raise ValueError(f"{path.name}[{i}]: tests must be a non-empty list of node ids")
            if e["find"] == e["replace"]:
                raise ValueError(f"{path.name}[{i}]: replace equals find (not a mutation)")
            out.append(
                Mutant(
                    f"{area}:{i}",
                    e["file"],
                    e["find"],
                    e["replace"],
                    list(tests),
                    e["why"],
                    path.name,
                )
            )
    return out


def check_static(m: Mutant, root: Path = ROOT) -> None:
    """Stale check: ``find`` occurs exactly once in ``file``; listed test files exist."""
    target = root / m.file
    if not target.is_file():
        m.problems.append(f"file {m.file} does not exist")
    else:
        count = target.read_text().count(m.find)
        if count != 1:
            m.problems.append(f"find occurs {count} times in {m.file} (must be exactly once)")
    for t in m.tests:
        f = t.split("::", 1)[0]
        if not (root / f).is_file():
            m.problems.append(f"test file {f} does not exist")
    if m.problems:
        m.status = "stale"
        m.detail = "; ".join(m.problems)


# ----------------------------------------------------------------------------- running
def _copy_repo(dst: Path, root: Path = ROOT) -> None:
    ignore = shutil.ignore_patterns(
        "__pycache__", "*.pyc", "*.nbi", "*.nbc", ".hypothesis", ".pytest_cache"
    )
    for item in COPY_ITEMS:
        src = root / item
        if src.is_dir():
            shutil.copytree(src, dst / item, ignore=ignore)
        elif src.is_file():
            shutil.copy2(src, dst / item)


def _env_for(workdir: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(workdir)
    env["NUMBA_CACHE_DIR"] = str(workdir / ".numba_cache")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("MKL_NUM_THREADS", "1")
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(workdir / ".hypothesis")
    return env


_FAILED = re.compile(r"^(FAILED|ERROR)\s+(\S+)", re.M)


def _run_pytest(workdir: Path, tests: list, timeout: float):
    cmd = [sys.executable, "-m", "pytest", *PYTEST_ARGS, *tests]
    t0 = time.monotonic()
    try:
        p = subprocess.run(
            cmd, cwd=workdir, env=_env_for(workdir), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None, "", time.monotonic() - t0
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t0


def classify(rc, output: str) -> tuple[str, str]:
    """(status, detail) of one pytest run on a mutated copy."""
    if rc is None:
        return "timeout", "the listed tests did not finish within the per-mutant timeout"
    if rc == 0:
        return "survived", "all listed tests passed"
    hits = _FAILED.findall(output)
    if rc == 1 and hits:
        return "killed", hits[0][1]
    if rc == 2 and hits:  # collection / import error caused by the mutation
        return "killed", f"{hits[0][1]} (error)"
    if rc == 4:
        return "error", "pytest usage error (a listed test id does not exist?): " + output.strip()[
            -300:
        ]
    if rc == 5:
        return "no tests", "no listed test was collected (deselected by a marker?)"
    return ("killed" if rc in (1, 2) else "error"), f"pytest exit {rc}: " + output.strip()[-300:]


def run_mutant(m: Mutant, timeout: float, root: Path = ROOT, keep: bool = False) -> Mutant:
    with tempfile.TemporaryDirectory(prefix="mdpkit-mutant-") as tmp:
        work = Path(tmp)
        _copy_repo(work, root)
        target = work / m.file
        src = target.read_text()
        target.write_text(src.replace(m.find, m.replace, 1))
        rc, out, secs = _run_pytest(work, m.tests, timeout)
        m.status, m.detail = classify(rc, out)
        m.seconds = secs
        if keep:
            shutil.copytree(work, Path(tempfile.gettempdir()) / f"kept-{m.id.replace(':', '-')}")
    return m


def run_baseline(mutants: list, timeout: float, jobs: int = 1, root: Path = ROOT):
    """Run the union of listed tests on an unmutated copy, one pytest per test file (in
    parallel with ``jobs``). Returns (ok, message)."""
    by_file: dict = {}
    for t in sorted({t for m in mutants for t in m.tests}):
        f = t.split("::", 1)[0]
        by_file.setdefault(f, set()).add(t)
    # a whole-file entry covers its node ids
    groups = [sorted({f} if f in ids else ids) for f, ids in sorted(by_file.items())]
    if not groups:
        return True, "no tests"
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mdpkit-mutant-base-") as tmp:
        work = Path(tmp)
        _copy_repo(work, root)

        def one(tests):
            cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests]
            try:
                p = subprocess.run(
                    cmd,
                    cwd=work,
                    env=_env_for(work),
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                )
            except subprocess.TimeoutExpired:
                return tests, None, f"did not finish in {timeout:.0f}s"
            return tests, p.returncode, (p.stdout + p.stderr)[-2000:]

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(one, groups))
    bad = [(t, rc, out) for t, rc, out in results if rc != 0]
    secs = time.monotonic() - t0
    if bad:
        msg = "\n".join(
            f"baseline (unmutated) run of {' '.join(t)}: "
            f"{'timeout' if rc is None else f'exit {rc}'}\n{out}"
            for t, rc, out in bad
        )
        return False, msg
    n = sum(len(g) for g in groups)
    return (
        True,
        f"baseline: {n} listed test ids in {len(groups)} files pass on the unmutated copy ({secs:.0f}s)",
    )


# ----------------------------------------------------------------------------- report
def _short(s: str, n: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


def report(mutants: list, out=sys.stdout) -> None:
    w = max([len(m.id) for m in mutants] + [6])
    print(f"\n{'mutant':<{w}}  {'result':<9} {'secs':>5}  detail / why", file=out)
    print("-" * (w + 80), file=out)
    for m in mutants:
        res = m.status
        secs = f"{m.seconds:5.0f}" if m.seconds else "    -"
        print(f"{m.id:<{w}}  {res:<9} {secs}  {_short(m.detail, 90)}", file=out)
        print(f"{'':<{w}}  {'':<9} {'':>5}  [{m.file}] {_short(m.why, 80)}", file=out)
    run = [m for m in mutants if m.status != "not run"]
    killed = sum(m.killed for m in mutants)
    print("-" * (w + 80), file=out)
    counts = {}
    for m in mutants:
        counts[m.status] = counts.get(m.status, 0) + 1
    print("counts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), file=out)
    rate = killed / len(run) if run else float("nan")
    print(
        f"kill rate: {killed}/{len(run)} run = {100 * rate:.1f}% ({len(mutants)} mutants curated)",
        file=out,
    )


# ----------------------------------------------------------------------------- main
def select(mutants: list, patterns: list) -> list:
    if not patterns:
        return mutants
    pats = [p.lower() for p in patterns]
    return [
        m for m in mutants if any(p in f"{m.id} {m.file} {m.why} {m.source}".lower() for p in pats)
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "-k",
        action="append",
        default=[],
        metavar="TEXT",
        help="run only mutants whose id, file, source or why contains TEXT (repeatable)",
    )
    ap.add_argument("-j", "--jobs", type=int, default=1, help="mutants run in parallel (default 1)")
    ap.add_argument(
        "--budget",
        type=float,
        default=None,
        help="time budget in seconds: no mutant is started after it is spent",
    )
    ap.add_argument(
        "--timeout", type=float, default=600.0, help="per-mutant timeout in seconds (default 600)"
    )
    ap.add_argument(
        "--baseline-timeout",
        type=float,
        default=1200.0,
        help="timeout of each file's baseline run in seconds (default 1200)",
    )
    ap.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the run of the listed tests on the unmutated copy",
    )
    ap.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    ap.add_argument("--check-only", action="store_true", help="only the stale check")
    ap.add_argument("--keep", action="store_true", help="keep each mutated copy (debugging)")
    ap.add_argument(
        "--inconclusive-ok",
        action="store_true",
        help="exit 4 (not 1) when nothing survived but some mutant timed out or "
        "the unmutated baseline failed (CI reports it without failing)",
    )
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error("--jobs must be >= 1")

    t_start = time.monotonic()
    mutants = select(load_mutants(), args.k)
    if not mutants:
        print("no mutant selected", file=sys.stderr)
        return 2
    for m in mutants:
        check_static(m)
    stale = [m for m in mutants if m.status == "stale"]
    if args.list or args.check_only:
        for m in mutants:
            print(f"{m.id:<16} {m.status:<8} {m.file}  {_short(m.why, 70)}")
        print(f"{len(mutants)} mutants, {len(stale)} stale")
        return 1 if stale else 0

    runnable = [m for m in mutants if m.status != "stale"]
    print(
        f"mutation harness: {len(mutants)} mutants ({len(stale)} stale), jobs={args.jobs}, "
        f"budget={args.budget or 'none'}s",
        flush=True,
    )
    if not args.no_baseline and runnable:
        budget_left = None if args.budget is None else args.budget - (time.monotonic() - t_start)
        tmo = (
            args.baseline_timeout
            if budget_left is None
            else max(min(args.baseline_timeout, budget_left), 1.0)
        )
        ok, msg = run_baseline(runnable, tmo, args.jobs)
        print(msg, flush=True)
        if not ok:
            print(
                "== mutation harness: the listed tests fail WITHOUT any mutation; fix them first",
                file=sys.stderr,
            )
            return 4 if args.inconclusive_ok else 1

    def work(m):
        if args.budget is not None and time.monotonic() - t_start > args.budget:
            return m  # stays "not run"
        remaining = None if args.budget is None else args.budget - (time.monotonic() - t_start)
        tmo = args.timeout if remaining is None else max(min(args.timeout, remaining), 1.0)
        run_mutant(m, tmo, keep=args.keep)
        if m.status == "timeout" and remaining is not None and tmo < args.timeout:
            m.status, m.detail = "not run", "stopped by the time budget"
        print(f"  {m.id:<16} {m.status:<9} {m.seconds:5.0f}s  {_short(m.detail, 70)}", flush=True)
        return m

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(work, runnable))

    report(mutants)
    not_run = [m for m in mutants if m.status == "not run"]
    elapsed = time.monotonic() - t_start
    print(f"elapsed {elapsed:.0f}s")
    bad = [m for m in mutants if m.status not in ("killed", "not run")]
    if bad:
        print(
            f"== mutation harness: {len(bad)} mutant(s) not killed: "
            + ", ".join(f"{m.id} ({m.status})" for m in bad),
            file=sys.stderr,
        )
        survived = [m for m in bad if m.status in ("survived", "stale", "no tests")]
        return 4 if (args.inconclusive_ok and not survived) else 1
    if not_run:
        print(
            f"== mutation harness NOT finished: {len(not_run)} mutant(s) not run within the "
            f"budget: " + ", ".join(m.id for m in not_run),
            file=sys.stderr,
        )
        return 3
    print("== mutation harness: every curated mutant killed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

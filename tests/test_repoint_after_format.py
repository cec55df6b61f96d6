"""The re-pointing tool ``tests/mutation/repoint_after_format.py``: on a tiny repository with
unformatted code it re-points mutants so that, after ``ruff format``, each still plants
exactly the same bug, and it refuses (exit 1, files untouched) the mutants it cannot carry
over: stale, a mutation that does not parse, a mutation that formatting erases."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("ruff")


def _tool():
    path = ROOT / "tests" / "mutation" / "repoint_after_format.py"
    spec = importlib.util.spec_from_file_location("_mdpkit_repoint_after_format", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look the module up while building the class
    spec.loader.exec_module(mod)
    return mod


R = _tool()

PYPROJECT = '[tool.ruff]\nline-length = 100\n\n[tool.ruff.format]\nquote-style = "double"\n'

# unformatted on purpose: single quotes, a call split by hand, a missing blank line,
# an operator without spaces, a long line ruff will split
MODULE = """\
import math
def f(a,b):
    x = math.sqrt(a**2+
                  b ** 2)   # hypotenuse
    return x
def g(values):
    total = 0
    for v in values:
        total+=v
    return total
def h(a):
    return {'alpha': a, 'beta': 2*a, 'gamma': 3*a, 'delta': 4*a, 'epsilon': 5*a, 'zeta': 6*a, 'eta': 7*a}
def k(a):
    return a+1
def m(a):
    total = 0
    return total + a
"""

MUTANTS = '''\
"""Mutants of the tiny repository."""

_T = "tests/test_pkg.py"

MUTANTS = [
    # a find that spans two lines
    dict(file="pkg/mod.py",
         find="    x = math.sqrt(a**2+\\n                  b ** 2)",
         replace="    x = math.sqrt(a**2+\\n                  2 * b ** 2)",
         tests=[f"{_T}::test_f"],
         why="hypotenuse with 2 b^2"),
    # a replace that adds a line
    dict(file="pkg/mod.py",
         find="        total+=v",
         replace="        total+=v\\n        total+=v",
         tests=[_T],
         why="every value counted twice"),
    # a partial-line find inside a line that ruff splits
    dict(file="pkg/mod.py",
         find="'delta': 4*a",
         replace="'delta': 5*a",
         tests=[_T],
         why="delta scaled by 5"),
    # left as it is: the same text after formatting
    dict(file="pkg/mod.py", find="    return total + a", replace="    return total - a",
         tests=[_T], why="sign"),
]
'''


def _repo(tmp_path: Path, mutants: str = MUTANTS, module: str = MODULE) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(module)
    (tmp_path / "tests" / "mutation").mkdir(parents=True)
    (tmp_path / "tests" / "mutation" / "mutants_x.py").write_text(mutants)
    return tmp_path


def test_repointed_mutants_plant_the_same_bug_after_formatting(tmp_path, capsys):
    root = _repo(tmp_path)
    mfile = root / "tests" / "mutation" / "mutants_x.py"
    before = R.load(mfile)
    src = (root / "pkg" / "mod.py").read_text()
    # what each mutant means: the formatted mutated module
    expected = [
        R.ruff_format(src.replace(m["find"], m["replace"], 1), "pkg/mod.py", root) for m in before
    ]
    assert R.main(["--root", str(root), "--apply"]) == 0
    out = capsys.readouterr().out
    assert "re-pointed 3" in out and "kept 1" in out
    # format the tree, as the procedure does
    formatted = R.ruff_format(src, "pkg/mod.py", root)
    assert formatted != src
    (root / "pkg" / "mod.py").write_text(formatted)
    after = R.load(mfile)
    assert len(after) == len(before)
    for old, new, exp in zip(before, after, expected):
        assert {k: v for k, v in old.items() if k not in ("find", "replace")} == {
            k: v for k, v in new.items() if k not in ("find", "replace")
        }
        assert formatted.count(new["find"]) == 1
        assert formatted.replace(new["find"], new["replace"], 1) == exp
    assert after[3] == before[3]  # kept as it was
    assert after[0]["find"] != before[0]["find"]  # the multi-line one was re-pointed
    assert after[1]["replace"].count("\n") == after[1]["find"].count("\n") + 1  # adds a line
    # the rewritten mutants file: comments and helper constants kept, and already formatted
    text = mfile.read_text()
    assert "# a find that spans two lines" in text and '_T = "tests/test_pkg.py"' in text
    assert R.ruff_format(text, "tests/mutation/mutants_x.py", root) == text
    # a second run on the formatted tree changes nothing
    assert R.main(["--root", str(root)]) == 0
    assert "kept 4" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("find", "replace", "status"),
    [
        ("    return a+1", "    return a+", "format-error"),  # mutation is a syntax error
        ("    return a+1", "    return a + 1", "equivalent"),  # formatting erases the mutation
        ("    return a+2", "    return a+3", "stale"),  # find not in the file
        ("    total = 0", "    total = 1", "stale"),  # find not unique
    ],
)
def test_mutants_that_cannot_be_carried_over_are_reported_and_nothing_written(
    tmp_path, capsys, find, replace, status
):
    bad = (
        f"MUTANTS = [dict(file='pkg/mod.py', find={find!r}, replace={replace!r}, "
        "tests=['t.py'], why='w'),\n"
        "    dict(file='pkg/mod.py', find=\"'delta': 4*a\", replace=\"'delta': 5*a\", "
        "tests=['t.py'], why='ok')]\n"
    )
    root = _repo(tmp_path, mutants=bad)
    mfile = root / "tests" / "mutation" / "mutants_x.py"
    assert R.main(["--root", str(root)]) == 1  # dry run
    err = capsys.readouterr().err
    assert f"x:0 [{status}]" in err and "need a hand-made fix" in err
    assert R.main(["--root", str(root), "--apply"]) == 1
    # the good mutant of the file is rewritten, the bad one is left for the hand-made fix
    after = R.load(mfile)
    assert after[0]["find"] == find and after[0]["replace"] == replace
    assert after[1]["find"] != "'delta': 4*a"


def test_a_non_literal_find_is_reported_not_guessed(tmp_path, capsys):
    bad = (
        "F = \"'delta': 4*a\"\n"
        "MUTANTS = [dict(file='pkg/mod.py', find=F, replace=\"'delta': 5*a\", "
        "tests=['t.py'], why='w')]\n"
    )
    root = _repo(tmp_path, mutants=bad)
    mfile = root / "tests" / "mutation" / "mutants_x.py"
    assert R.main(["--root", str(root), "--apply"]) == 1
    assert "not plain string literals" in capsys.readouterr().err
    assert mfile.read_text() == bad


def test_literals_round_trip():
    for s in ['a"b\\c\tρ\x01', "x\n  y\n", "q", "'single' and \"double\""]:
        lit = R.py_literal(s, 8)
        assert ast.literal_eval(lit) == s

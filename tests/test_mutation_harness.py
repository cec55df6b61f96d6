"""The mutation harness (``tests/mutation/harness.py``): its curated list is well formed and
not stale, and it tells a killed mutant from a surviving one on a tiny repository."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _harness():
    spec = importlib.util.spec_from_file_location(
        "_mdpkit_mutation_harness", ROOT / "tests" / "mutation" / "harness.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look the module up while building the class
    spec.loader.exec_module(mod)
    return mod


H = _harness()


def test_curated_mutants_are_well_formed_and_not_stale():
    """Every entry of every ``tests/mutation/mutants_*.py`` has the five keys, its ``find``
    occurs exactly once in its file and its test files exist: a refactor that moves the
    mutated code makes this fail (re-point the entry), so mutants cannot silently vanish.
    At least 30 are curated and every area of the issue has some."""
    mutants = H.load_mutants()
    for m in mutants:
        H.check_static(m)
    stale = [f"{m.id}: {m.detail}" for m in mutants if m.status == "stale"]
    assert stale == []
    assert len(mutants) >= 30
    areas = {m.source for m in mutants}
    assert {
        "mutants_solvers.py",
        "mutants_models.py",
        "mutants_runner_store.py",
        "mutants_bounds.py",
        "mutants_learners.py",
    } <= areas
    ids = [m.id for m in mutants]
    assert len(set(ids)) == len(ids)


def test_bad_entries_are_refused(tmp_path):
    (tmp_path / "mutants_x.py").write_text(
        "MUTANTS = [dict(file='a.py', find='x', replace='x', tests=['t.py'], why='w')]\n"
    )
    with pytest.raises(ValueError, match="replace equals find"):
        H.load_mutants(tmp_path)
    (tmp_path / "mutants_x.py").write_text(
        "MUTANTS = [dict(file='a.py', find='x', tests=['t'], why='w')]\n"
    )
    with pytest.raises(ValueError, match="missing keys"):
        H.load_mutants(tmp_path)
    (tmp_path / "mutants_x.py").write_text(
        "MUTANTS = [dict(file='a.py', find='x', replace='y', tests='t.py', why='w')]\n"
    )
    with pytest.raises(ValueError, match="tests"):
        H.load_mutants(tmp_path)


def test_stale_check_counts_occurrences(tmp_path):
    (tmp_path / "mdpkit").mkdir()
    (tmp_path / "mdpkit" / "m.py").write_text("a = 1\na = 1\nb = 2\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_m.py").write_text("")
    for find, stale in (("a = 1", True), ("b = 2", False), ("c = 3", True)):
        m = H.Mutant("x:0", "mdpkit/m.py", find, "z", ["tests/test_m.py"], "w", "mutants_x.py")
        H.check_static(m, tmp_path)
        assert (m.status == "stale") == stale, find
    m = H.Mutant("x:1", "mdpkit/m.py", "b = 2", "z", ["tests/test_nope.py::t"], "w", "mutants_x.py")
    H.check_static(m, tmp_path)
    assert m.status == "stale" and "test_nope" in m.detail


def test_classify_pytest_outcomes():
    assert H.classify(0, "")[0] == "survived"
    st, det = H.classify(1, "FAILED tests/test_a.py::test_b - AssertionError\n")
    assert st == "killed" and det == "tests/test_a.py::test_b"
    assert H.classify(2, "ERROR tests/test_a.py - ImportError\n")[0] == "killed"
    assert H.classify(None, "")[0] == "timeout"
    assert H.classify(5, "")[0] == "no tests"
    assert H.classify(4, "ERROR: not found")[0] == "error"


def test_end_to_end_killed_and_survived(tmp_path):
    """On a two-file repository: a mutant the test sees is killed (and names the test), one
    it cannot see survives, and the original file is untouched afterwards."""
    pkg = tmp_path / "mdpkit"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    src = "def add(a, b):\n    return a + b\n\n\ndef unused():\n    return 1\n"
    (pkg / "arith.py").write_text(src)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_arith.py").write_text(
        "from mdpkit.arith import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    )
    killed = H.Mutant(
        "t:0",
        "mdpkit/arith.py",
        "    return a + b",
        "    return a - b",
        ["tests/test_arith.py::test_add"],
        "sign",
        "mutants_t.py",
    )
    survived = H.Mutant(
        "t:1",
        "mdpkit/arith.py",
        "    return 1",
        "    return 2",
        ["tests/test_arith.py::test_add"],
        "unseen",
        "mutants_t.py",
    )
    for m in (killed, survived):
        H.check_static(m, tmp_path)
        H.run_mutant(m, timeout=120, root=tmp_path)
    assert killed.status == "killed" and killed.detail == "tests/test_arith.py::test_add"
    assert survived.status == "survived"
    assert (pkg / "arith.py").read_text() == src

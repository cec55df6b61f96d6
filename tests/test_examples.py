"""Execute every teaching notebook in ``examples/`` (jupytext percent scripts) with quick
settings: ``runpy.run_path(path, init_globals={"QUICK": True})`` in a temporary directory.
Notebooks read ``QUICK = globals().get("QUICK", False)``."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.py"))


def test_examples_exist():
    assert EXAMPLES, "examples/ holds no notebook"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_notebook_runs_quick(path, tmp_path, monkeypatch):
    text = path.read_text()
    assert "# %%" in text, f"{path.name} is not in jupytext percent format"
    assert 'QUICK = globals().get("QUICK", False)' in text, f"{path.name} ignores QUICK"
    jupytext = pytest.importorskip("jupytext")
    nb = jupytext.reads(text, fmt="py:percent")
    kinds = {c.cell_type for c in nb.cells}
    assert {"markdown", "code"} <= kinds
    monkeypatch.chdir(tmp_path)
    ns = runpy.run_path(str(path), init_globals={"QUICK": True}, run_name="__main__")
    assert ns["QUICK"] is True
    # every PNG a notebook writes has its data beside it
    for png in tmp_path.rglob("*.png"):
        assert png.with_suffix(".csv").exists(), f"{png.name} written without its CSV"

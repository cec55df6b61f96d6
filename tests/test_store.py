"""Result store: resume, atomic writes (SIGKILL mid-run), load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mdpkit.algorithms.base import BanditLearner
from mdpkit.experiments import Experiment, load, register_learner, run, stored_seeds
from mdpkit.experiments import store as store_mod

BUILT: list[int] = []


class CountingArm(BanditLearner):
    """Random arms from its stream; counts constructions; sleeps when MDPKIT_TEST_SLOW is set."""

    provenance = "test learner"

    def __init__(self, env_info, rng):
        self.n, self.rng = env_info["n_actions"], rng
        BUILT.append(1)
        self.slow = float(os.environ.get("MDPKIT_TEST_SLOW", "0"))

    def act(self):
        if self.slow:
            time.sleep(self.slow)
        return int(self.rng.integers(self.n))

    def update(self, a, r):
        pass

    def info(self):
        return {"z": float(self.rng.random())}


register_learner("t-counting-arm")(CountingArm)


def experiment(n_seeds=6, n_steps=50):
    return Experiment(
        "gaussian-bandit",
        "t-counting-arm",
        n_steps=n_steps,
        n_seeds=n_seeds,
        env_params={"means": [0.1, 0.4, 0.35]},
    )


def test_rerun_computes_only_missing_seeds(tmp_path):
    exp = experiment()
    BUILT.clear()
    first = run(exp, store=tmp_path)
    assert len(BUILT) == 6
    d = tmp_path / exp.hash
    assert sorted(p.name for p in d.glob("seed-*.parquet")) == [
        f"seed-{i:06d}.parquet" for i in range(6)
    ]
    assert (d / "experiment.json").exists()
    BUILT.clear()
    again = run(exp, store=tmp_path)
    assert BUILT == []
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    pd.testing.assert_frame_equal(first, load(tmp_path, exp), check_exact=True)
    (d / "seed-000003.parquet").unlink()
    BUILT.clear()
    third = run(exp, store=tmp_path)
    assert len(BUILT) == 1
    pd.testing.assert_frame_equal(first, third, check_exact=True)
    # more seeds: the stored ones are reused (n_seeds is not part of the hash)
    BUILT.clear()
    more = run(exp.replace(n_seeds=8), store=tmp_path)
    assert len(BUILT) == 2
    pd.testing.assert_frame_equal(
        first, more[more.seed < 6].reset_index(drop=True), check_exact=True
    )
    assert stored_seeds(tmp_path, exp.replace(n_seeds=8)) == list(range(8))


def test_load_errors_and_partial(tmp_path):
    exp = experiment(n_seeds=3)
    with pytest.raises(FileNotFoundError, match="lacks 3 of 3"):
        load(tmp_path, exp)
    run(exp.replace(n_seeds=2), store=tmp_path)
    with pytest.raises(FileNotFoundError, match="seeds 2"):
        load(tmp_path, exp)
    part = load(tmp_path, exp, allow_missing=True)
    assert sorted(part.seed.unique()) == [0, 1]
    with pytest.raises(TypeError, match="store"):
        run(exp, store=3)
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        run(exp, store=f)
    with pytest.raises(TypeError, match="experiment"):
        load(tmp_path, "x")


def test_temp_files_are_ignored_and_stale_ones_removed(tmp_path):
    exp = experiment(n_seeds=2)
    d = store_mod.prepare(tmp_path, exp)
    # a stale temp file of a dead process (pid 2**22 + 1 is above the default pid_max of
    # most systems; skip if it happens to exist) and a half-written one of this process
    dead = 2**22 + 1
    try:
        os.kill(dead, 0)
        pytest.skip("pid used for a dead process exists")
    except ProcessLookupError:
        pass
    stale = d / f".seed-000000.parquet.{dead}.abcd1234.tmp"
    stale.write_bytes(b"garbage")
    mine = d / f".seed-000001.parquet.{os.getpid()}.abcd1234.tmp"
    mine.write_bytes(b"garbage")
    assert stored_seeds(tmp_path, exp) == []
    df = run(exp, store=tmp_path)
    assert not stale.exists() and mine.exists()
    pd.testing.assert_frame_equal(df, load(tmp_path, exp), check_exact=True)


CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    import test_store
    from mdpkit.experiments import run
    run(test_store.experiment(n_seeds={n}, n_steps={k}), store={store!r})
    print("finished")
""")


def test_sigkill_mid_run_then_resume_is_identical(tmp_path):
    n, k = 8, 40
    exp = experiment(n_seeds=n, n_steps=k)
    store = tmp_path / "store"
    env = dict(os.environ, MDPKIT_TEST_SLOW="0.005")  # ~0.2 s per seed in the child
    code = CHILD.format(tests=str(Path(__file__).parent), n=n, k=k, store=str(store))
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    d = store / exp.hash
    deadline = time.time() + 60
    try:
        while time.time() < deadline:
            if d.is_dir() and len(list(d.glob("seed-*.parquet"))) >= 2:
                break
            if proc.poll() is not None:
                pytest.fail(f"child ended early: {proc.stderr.read().decode()}")
            time.sleep(0.01)
        else:
            pytest.fail("child wrote no seed within 60 s")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done = stored_seeds(store, exp)
    assert 2 <= len(done) < n, done
    for s in done:  # every file present is complete and readable
        frame = pd.read_parquet(d / f"seed-{s:06d}.parquet")
        assert len(frame) == k and (frame.seed == s).all()
    BUILT.clear()
    resumed = run(exp, store=store)
    assert len(BUILT) == n - len(done)
    reference = run(exp, store=tmp_path / "other")
    pd.testing.assert_frame_equal(resumed, reference, check_exact=True)
    assert not list(d.glob(".*.tmp"))  # the killed child's temp file (if any) was removed


def test_atomic_write_leaves_no_file_when_writing_fails(tmp_path):
    exp = experiment(n_seeds=1)
    store_mod.prepare(tmp_path, exp)

    class Boom(pd.DataFrame):
        def to_parquet(self, path, **kw):
            Path(path).write_bytes(b"partial")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store_mod.write_seed(tmp_path, exp, 0, Boom({"a": np.arange(3)}))
    assert list((tmp_path / exp.hash).glob("*parquet*")) == []


def test_stored_seeds_and_load_stay_within_n_seeds(tmp_path):
    """A store holding seeds 0..4 answers for an experiment with n_seeds = 2 with seeds 0, 1
    only (n_seeds is not part of the hash, so the directory is shared)."""
    exp = experiment(n_seeds=5)
    run(exp, store=tmp_path)
    small = exp.replace(n_seeds=2)
    assert stored_seeds(tmp_path, small) == [0, 1]
    assert sorted(load(tmp_path, small)["seed"].unique()) == [0, 1]
    assert stored_seeds(tmp_path, exp) == list(range(5))

"""The store verifies what it reads: one test per corruption kind (the frame equals an
uncorrupted run's, the bad file was reported by path and replaced), labels from the current
experiment, and parameters frozen so the hash always describes what runs."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mdpkit.algorithms.base import BanditLearner
from mdpkit.experiments import Experiment, load, register_learner, run, stored_seeds
from mdpkit.experiments import store as store_mod
from mdpkit.experiments.store import StoreIntegrityWarning, verify_seed_file


class RelArm(BanditLearner):
    """Random arms from its stream, with an info column."""

    provenance = "test learner"

    def __init__(self, env_info, rng, weights=None):
        self.n, self.rng = env_info["n_actions"], rng
        self.w = None if weights is None else np.asarray(weights, dtype=float)

    def act(self):
        if self.w is None:
            return int(self.rng.integers(self.n))
        return int(self.rng.choice(self.n, p=self.w / self.w.sum()))

    def update(self, a, r):
        pass

    def info(self):
        return {"z": float(self.rng.random())}


register_learner("t-rel-arm")(RelArm)


def _exp(n_seeds=4, n_steps=40, name=None, means=(0.1, 0.4, 0.35)):
    return Experiment(
        "gaussian-bandit",
        "t-rel-arm",
        n_steps=n_steps,
        n_seeds=n_seeds,
        env_params={"means": list(means)},
        name=name,
    )


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The uncorrupted frame, computed once without a store."""
    return run(_exp())


def _table(path):
    return pq.read_table(path)


def _rewrite(path, table):
    pq.write_table(table, path)


def _other_seed(d, p):
    shutil.copyfile(d / "seed-000001.parquet", p)


def _fewer_rows(d, p):
    _rewrite(p, _table(p).slice(0, 30))  # record kept, rows dropped


def _edited_value(d, p):
    t = _table(p)
    i = t.column_names.index("regret")
    col = t.column("regret").to_numpy().copy()
    col[7] += 0.5
    _rewrite(p, t.set_column(i, "regret", pa.array(col)))


def _extra_column(d, p):
    t = _table(p)
    _rewrite(p, t.append_column("extra", pa.array(np.zeros(t.num_rows))))


def _bit_flips(d, p):
    b = bytearray(p.read_bytes())
    for j in range(len(b) // 3, len(b) // 3 + 40, 5):  # inside the data pages
        b[j] ^= 0x55
    p.write_bytes(bytes(b))


def _truncated(d, p):
    b = p.read_bytes()
    p.write_bytes(b[: len(b) // 2])


def _empty(d, p):
    p.write_bytes(b"")


def _no_record(d, p):
    df = pd.read_parquet(p)
    df.attrs = {}
    df.to_parquet(p, index=False)  # same data, written by plain pandas without the record


def _other_experiment(d, p):
    other = _exp(means=(0.2, 0.3, 0.5))
    odir = d.parent
    run(other.replace(n_seeds=3), store=odir)
    shutil.copyfile(odir / other.hash / "seed-000002.parquet", p)


CORRUPTIONS = {
    "other-seed": _other_seed,
    "fewer-rows": _fewer_rows,
    "edited-value": _edited_value,
    "extra-column": _extra_column,
    "bit-flips": _bit_flips,
    "truncated": _truncated,
    "empty": _empty,
    "no-record": _no_record,
    "other-experiment": _other_experiment,
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_each_corruption_is_reported_recomputed_and_replaced(tmp_path, clean, kind):
    exp = _exp()
    first = run(exp, store=tmp_path)
    pd.testing.assert_frame_equal(first, clean, check_exact=True)
    d = tmp_path / exp.hash
    bad = d / "seed-000002.parquet"
    CORRUPTIONS[kind](d, bad)
    assert verify_seed_file(bad, exp, 2)[0] is None
    with pytest.warns(StoreIntegrityWarning, match=r"seed-000002\.parquet") as rec:
        with pytest.raises(FileNotFoundError, match="seeds 2"):
            load(tmp_path, exp)  # never used by load
    assert len(rec) == 1
    with pytest.warns(StoreIntegrityWarning, match=r"seed-000002\.parquet"):
        again = run(exp, store=tmp_path)
    pd.testing.assert_frame_equal(again, clean, check_exact=True)
    frame, why = verify_seed_file(bad, exp, 2)  # replaced by a valid file
    assert why is None
    pd.testing.assert_frame_equal(
        frame, clean[clean.seed == 2].reset_index(drop=True), check_exact=True
    )
    pd.testing.assert_frame_equal(load(tmp_path, exp), clean, check_exact=True)


def test_directory_named_like_a_seed_file_is_an_error(tmp_path):
    exp = _exp(n_seeds=2)
    store_mod.prepare(tmp_path, exp)
    (tmp_path / exp.hash / "seed-000001.parquet").mkdir()
    with pytest.raises(IsADirectoryError, match="seed-000001.parquet"):
        run(exp, store=tmp_path)
    with pytest.raises(IsADirectoryError, match="seed-000001.parquet"):
        stored_seeds(tmp_path, exp)


def test_labels_come_from_the_current_experiment(tmp_path):
    run(_exp(name="old-label"), store=tmp_path)
    new = _exp(name="new-label", n_seeds=6)
    df = run(new, store=tmp_path)
    assert set(df.algorithm) == {"new-label"}
    assert set(load(tmp_path, new).algorithm) == {"new-label"}


def test_parameters_are_deep_frozen(tmp_path):
    exp = Experiment(
        "gaussian-bandit",
        "t-rel-arm",
        n_steps=30,
        n_seeds=2,
        env_params={"means": [0.1, 0.4, 0.35]},
        learner_params={"weights": np.array([1.0, 1.0, 1.0])},
    )
    h = exp.hash
    for mutate in (
        lambda: exp.env_params["means"].append(0.9),
        lambda: exp.env_params["means"].__setitem__(0, 0.9),
        lambda: exp.env_params.__setitem__("means", [0.9]),
    ):
        with pytest.raises(TypeError, match="immutable"):
            mutate()
    w = exp.learner_params["weights"]
    with pytest.raises(ValueError):
        w[0] = 100.0
    with pytest.raises(ValueError):
        w.setflags(write=True)
    assert exp.hash == h and list(exp.env_params["means"]) == [0.1, 0.4, 0.35]
    # the caller's own objects are copies: changing them changes nothing in the experiment
    params = {"means": [0.1, 0.4, 0.35]}
    exp2 = Experiment("gaussian-bandit", "t-rel-arm", n_steps=30, n_seeds=2, env_params=params)
    params["means"][0] = 0.9
    assert list(exp2.env_params["means"]) == [0.1, 0.4, 0.35]
    pd.testing.assert_frame_equal(run(exp2), run(exp2.replace()), check_exact=True)

"""Fast path == generic loop, for every registered learner (one source of truth).

Each ``tests/cases_*.py`` module defines ``FAST_GENERIC_CASES = {"learner-name":
dict(env="env-name", env_params={...}, learner_params={...}, n_steps=int)}`` (optional
``exact=True``: bit-identical columns, else within 1e-12). Every case runs through the
runner twice, with ``fast=True`` and ``fast=False`` in the learner parameters, and the two
frames must have the same columns in the same order and the same numbers. A learner whose
compiled ``fast_run`` re-implemented a decision or update rule instead of calling the
learner's own compiled functions would drift from its act/update path and fail here.
``test_every_registered_learner_has_a_case`` makes a new learner without a case fail.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from mdpkit.experiments import Experiment, run_seed
from mdpkit.experiments.registry import get_learner, list_learners
from mdpkit.experiments.runner import uses_fast_path

_KEYS = {"env", "env_params", "learner_params", "n_steps", "exact"}


def _collect() -> dict[str, dict]:
    cases: dict[str, dict] = {}
    for path in sorted(Path(__file__).parent.glob("cases_*.py")):
        spec = importlib.util.spec_from_file_location(f"_fast_generic_{path.stem}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name, case in mod.FAST_GENERIC_CASES.items():
            if name in cases:
                raise ValueError(f"learner {name!r} has a case in two modules ({path.name})")
            unknown = set(case) - _KEYS
            if unknown or "env" not in case or "n_steps" not in case:
                raise ValueError(f"{path.name}: case {name!r} has keys {sorted(case)}")
            cases[name] = case
    return cases


CASES = _collect()
# conservative learners: the generic path lacks the columns value/constraint_ok and EpsMix's
# generic regret is the coin-drawn policy's; removed by the single decision path
_KNOWN_GAPS: set[str] = set()


def _frames(name: str, case: dict, seed: int = 0):
    out = {}
    for fast in (True, False):
        params = dict(case.get("learner_params", {}))
        params["fast"] = fast
        exp = Experiment(
            case["env"],
            name,
            n_steps=case["n_steps"],
            n_seeds=seed + 1,
            root_seed=20261206,
            env_params=case.get("env_params", {}),
            learner_params=params,
        )
        out[fast] = run_seed(exp, seed)
    return out[True], out[False]


def _shipped_learners() -> set[str]:
    """Learners registered by mdpkit itself (tests may register their own throw-away ones)."""
    return {n for n in list_learners() if get_learner(n).__module__.startswith("mdpkit.")}


def test_every_registered_learner_has_a_case():
    missing = sorted(_shipped_learners() - set(CASES))
    assert not missing, f"learners without a fast/generic case in tests/cases_*.py: {missing}"
    unknown = sorted(set(CASES) - _shipped_learners())
    assert not unknown, f"cases for learners that are not registered: {unknown}"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True)) if n in _KNOWN_GAPS else n
        for n in sorted(CASES)
    ],
)
def test_fast_equals_generic(name):
    case = CASES[name]
    fast, generic = _frames(name, case)
    assert list(fast.columns) == list(generic.columns)
    assert len(fast) == case["n_steps"]
    for col in fast.columns:
        a, b = fast[col].to_numpy(), generic[col].to_numpy()
        if col == "algorithm" or case.get("exact", False):
            np.testing.assert_array_equal(a, b, err_msg=f"{name}: column {col!r}")
        else:
            np.testing.assert_allclose(
                a, b, rtol=0.0, atol=1e-12, err_msg=f"{name}: column {col!r}"
            )
    # the case must be informative: some regret and some reward variation
    assert np.isfinite(fast["regret"]).all() and np.isfinite(fast["reward"]).all()


def test_switch_selects_the_path():
    """``fast=False`` must select the generic loop even for a learner with ``fast_run``."""
    from mdpkit.envs.episodic import make_riverswim

    env = make_riverswim(0, S=4, horizon=5)
    info = {**env.env_info(), "n_steps": 3}
    assert uses_fast_path(get_learner("psrl")(info, 1))
    assert not uses_fast_path(get_learner("psrl")(info, 1, fast=False))
    with pytest.raises(TypeError, match="fast"):
        get_learner("psrl")(info, 1, fast="no")

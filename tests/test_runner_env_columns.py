"""The runner's env-side column hook ``env.extra_columns(cols)`` (runner module docstring,
step 4): called once per run on both paths, appended after the learner's columns, checked
for shape and name clashes. The weighted-tallying env uses it for its CPR columns
(``tests/test_tallying_env.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from mdpkit.experiments import Experiment, run_seed
from mdpkit.experiments.registry import get_env


def _factory(extra):
    """bernoulli-bandit env whose ``extra_columns`` returns ``extra(cols)``."""

    def make(rng, **params):
        env = get_env("bernoulli-bandit")(rng, **params)
        env.calls = []

        def hook(cols):
            env.calls.append(sorted(cols))
            return extra(cols)

        env.extra_columns = hook
        return env

    return make


EXP = dict(env="bernoulli-bandit", n_steps=60, n_seeds=1, env_params={"means": [0.2, 0.6, 0.5]})


@pytest.mark.parametrize("fast", [True, False])
def test_hook_columns_appended_on_both_paths(fast):
    exp = Experiment(learner="ucb1", learner_params={"fast": fast}, **EXP)
    made = []

    def factory(rng, **params):
        env = _factory(
            lambda c: {"twice_regret": 2.0 * c["regret"], "cum_reward": np.cumsum(c["reward"])}
        )(rng, **params)
        made.append(env)
        return env

    frame = run_seed(exp, 0, env_factory=factory)
    plain = run_seed(exp, 0)
    assert list(frame.columns) == list(plain.columns) + ["twice_regret", "cum_reward"]
    np.testing.assert_array_equal(frame["twice_regret"], 2.0 * plain["regret"])
    np.testing.assert_array_equal(frame["cum_reward"], np.cumsum(plain["reward"]))
    # called once, on the run's own columns (regret, reward, the learner's info columns)
    assert made[0].calls == [sorted(["regret", "reward", *plain.columns[6:]])]


def test_hook_cannot_mutate_the_run_columns():
    exp = Experiment(learner="ucb1", **EXP)

    def vandal(cols):
        cols["regret"][:] = -1.0
        return {}

    frame = run_seed(exp, 0, env_factory=_factory(vandal))
    assert (frame["regret"] >= 0).all()


@pytest.mark.parametrize(
    "extra, match",
    [
        (lambda c: {"regret": c["regret"]}, "clashes"),
        (lambda c: {"cum_regret": c["regret"]}, "clashes"),
        (lambda c: {"x": c["regret"][:-1]}, r"shape \(59,\), expected \(60,\)"),
        (lambda c: [c["regret"]], "must return a dict"),
    ],
)
def test_hook_bad_output(extra, match):
    exp = Experiment(learner="ucb1", **EXP)
    with pytest.raises((ValueError, TypeError), match=match):
        run_seed(exp, 0, env_factory=_factory(extra))


@pytest.mark.parametrize("fast", [True, False])
def test_hook_cannot_shadow_a_learner_column(fast):
    """successive-elimination records ``n_active``; an env column of that name is refused."""
    exp = Experiment(learner="successive-elimination", learner_params={"fast": fast}, **EXP)
    assert "n_active" in run_seed(exp, 0).columns
    with pytest.raises(ValueError, match="'n_active' clashes"):
        run_seed(exp, 0, env_factory=_factory(lambda c: {"n_active": np.zeros(60)}))

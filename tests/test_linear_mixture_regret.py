"""HF-UCRL-VTR+ and UCRL-VTR+ runner learners on the "linear-mixture" env
(docs/papers/linear-mixture.md, "Baselines")."""

import numpy as np
import pytest
from cases_linear_mixture import FAST_GENERIC_CASES

from mdpkit.experiments import Experiment, run
from mdpkit.experiments.registry import get_env, get_learner


def _frames(name, case):
    out = []
    for fast in (True, False):
        ex = Experiment(
            case["env"],
            name,
            case["n_steps"],
            2,
            root_seed=3,
            env_params=case["env_params"],
            learner_params=dict(case["learner_params"], fast=fast),
        )
        out.append(run(ex, progress=False))
    return out


@pytest.mark.parametrize("name", sorted(FAST_GENERIC_CASES))
def test_fast_equals_generic_runner(name):
    a, b = _frames(name, FAST_GENERIC_CASES[name])
    assert list(a.columns) == list(b.columns)
    np.testing.assert_allclose(a["regret"].to_numpy(), b["regret"].to_numpy(), atol=1e-12, rtol=0)
    np.testing.assert_array_equal(a["reward"].to_numpy(), b["reward"].to_numpy())


@pytest.mark.parametrize("name", ["hf-ucrl-vtr-plus", "ucrl-vtr-plus"])
def test_learns_hard_instance(name):
    """On HardLM(d=3) with the task reward, the per-episode regret of the last quarter is
    below that of the first quarter and below half the gap of the worst first action.
    (c_beta = 0.001: with larger radii the optimistic Q saturates at 1 for every action
    and the lowest-index action is played for hundreds of episodes.)"""
    env = get_env("linear-mixture")(
        np.random.default_rng(0), family="hard", H=5, d=3, Delta=0.2, mdp_seed=0
    )
    info = dict(env.env_info(), n_steps=400)
    learner = get_learner(name)(info, np.random.default_rng(1), c_beta=0.001)
    out = learner.fast_run(env, 400, env.rng)
    reg = out["regret"]
    assert np.all(reg >= -1e-12)
    worst = 2 * 0.2 * 2 * 4 / 5  # 2 Delta w (H-1)/H with w = d-1 = 2 sign errors
    assert reg[-100:].mean() < 0.5 * worst
    assert reg[-100:].mean() <= reg[:100].mean()


def test_env_info_and_bad_input():
    env = get_env("linear-mixture")(0, family="rand", H=4, S=4, A=2, d=3)
    info = env.env_info()
    assert info["phi"].shape == (4, 2, 4, 3) and info["s1"] == 0
    np.testing.assert_allclose(info["phi"] @ env.model.theta, env.mdp.P, atol=1e-12)
    with pytest.raises(ValueError, match="family"):
        get_env("linear-mixture")(0, family="other")
    bad = dict(info, n_steps=5)
    with pytest.raises(ValueError, match="delta"):
        get_learner("hf-ucrl-vtr-plus")(bad, 0, delta=1.5)
    del bad["phi"]
    with pytest.raises(ValueError, match="phi"):
        get_learner("ucrl-vtr-plus")(bad, 0)

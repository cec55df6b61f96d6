"""Bandit environments: rewards, oracle, factories, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from mdpkit.envs.bandits import BernoulliBandit, GaussianBandit, LinearBandit
from mdpkit.experiments.registry import get_env


def test_bernoulli_rewards_and_oracle():
    """20,000 pulls per arm: |mean - p| <= 0.015 fails with probability < 1e-5 per arm
    (sd <= 0.0036, margin > 4.2 sd), so < 1e-4 overall."""
    means = [0.1, 0.5, 0.85]
    env = BernoulliBandit(means, rng=3)
    assert env.kind == "bandit" and env.n_actions == 3
    assert env.best_mean == 0.85 and env.best_arm == 2
    assert [env.pseudo_regret(a) for a in range(3)] == [0.85 - 0.1, 0.85 - 0.5, 0.0]
    for a, p in enumerate(means):
        r = np.array([env.pull(a) for _ in range(20_000)])
        assert set(np.unique(r)) <= {0.0, 1.0}
        assert abs(r.mean() - p) <= 0.015
    assert env.env_info() == {"kind": "bandit", "n_actions": 3, "reward_range": (0.0, 1.0)}


def test_same_seed_same_rewards():
    a = BernoulliBandit([0.3, 0.6], rng=11)
    b = BernoulliBandit([0.3, 0.6], rng=np.random.default_rng(11))
    assert [a.pull(i % 2) for i in range(200)] == [b.pull(i % 2) for i in range(200)]


def test_gaussian_rewards():
    """5,000 pulls, sigma = 2: |mean - mu| <= 0.15 (5.3 sd) and |sd - 2| <= 0.15 (about 7.5
    standard errors of the sd); false-positive rate < 1e-6."""
    env = GaussianBandit([0.0, 1.5], rng=0, sigma=2.0)
    r = np.array([env.pull(1) for _ in range(5000)])
    assert abs(r.mean() - 1.5) <= 0.15 and abs(r.std() - 2.0) <= 0.15
    assert env.pseudo_regret(0) == 1.5 and env.pseudo_regret(1) == 0.0
    assert env.env_info()["noise_std"] == 2.0
    zero = GaussianBandit([0.25], rng=0, sigma=0.0)
    assert zero.pull(0) == 0.25


def test_linear_bandit():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    theta = np.array([0.2, 0.5])
    env = LinearBandit(X, theta, rng=1, noise_std=0.0)
    np.testing.assert_allclose(env.means, X @ theta, rtol=0, atol=0)
    assert env.best_arm == 2 and env.best_mean == pytest.approx(0.52, abs=1e-15)
    assert env.pseudo_regret(0) == pytest.approx(0.32, abs=1e-15)
    assert env.pull(1) == 0.5
    info = env.env_info()
    assert info["d"] == 2 and info["n_actions"] == 3 and np.array_equal(info["features"], X)
    assert not info["features"].flags.writeable


def test_factories():
    rng = np.random.default_rng(5)
    b = get_env("bernoulli-bandit")(rng, n_arms=4)
    assert b.n_actions == 4 and ((0 <= b.means) & (b.means <= 1)).all()
    b2 = get_env("bernoulli-bandit")(np.random.default_rng(5), n_arms=4)
    np.testing.assert_array_equal(b.means, b2.means)
    g = get_env("gaussian-bandit")(0, means=[1.0, 2.0], sigma=0.5)
    assert g.sigma == 0.5 and g.best_mean == 2.0
    lin = get_env("linear-bandit")(np.random.default_rng(2), n_actions=7, d=3, theta_norm=0.5)
    np.testing.assert_allclose(np.linalg.norm(lin.features, axis=1), 1.0, rtol=1e-12)
    assert np.linalg.norm(lin.theta) == pytest.approx(0.5, rel=1e-12)
    assert (np.abs(lin.means) <= 0.5 + 1e-12).all()
    with pytest.raises(ValueError, match="exactly one"):
        get_env("bernoulli-bandit")(0, means=[0.5], n_arms=1)
    with pytest.raises(ValueError, match="exactly one"):
        get_env("gaussian-bandit")(0)
    with pytest.raises(ValueError, match="not both"):
        get_env("linear-bandit")(0, features=np.eye(2), d=2)


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda: BernoulliBandit([0.5, 1.2], 0), ValueError, r"means\[1\] = 1.2"),
        (lambda: BernoulliBandit([[0.5]], 0), ValueError, "shape"),
        (lambda: BernoulliBandit([], 0), ValueError, "n_arms >= 1"),
        (lambda: BernoulliBandit([np.nan], 0), ValueError, "finite"),
        (lambda: BernoulliBandit(["a"], 0), TypeError, "means"),
        (lambda: BernoulliBandit([0.5], None), TypeError, "rng"),
        (lambda: GaussianBandit([0.0], 0, sigma=-1.0), ValueError, "sigma"),
        (lambda: GaussianBandit([0.0], 0, sigma="1"), TypeError, "sigma"),
        (lambda: LinearBandit(np.eye(2), [1.0], 0), ValueError, "theta"),
        (lambda: LinearBandit([1.0, 2.0], [1.0], 0), ValueError, "features"),
        (lambda: LinearBandit(np.eye(2), [1.0, np.inf], 0), ValueError, "finite"),
        (lambda: LinearBandit(np.eye(2), [1.0, 0.0], 0, noise_std=np.nan), ValueError, "noise_std"),
    ],
)
def test_bad_construction(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_bad_arms():
    env = BernoulliBandit([0.5, 0.6], rng=0)
    with pytest.raises(ValueError, match=r"\[0, n_actions=2\)"):
        env.pull(2)
    with pytest.raises(ValueError, match="arm"):
        env.pseudo_regret(-1)
    with pytest.raises(TypeError, match="integer"):
        env.pull(1.0)
    with pytest.raises(TypeError, match="integer"):
        env.pull(True)
    assert env.pull(np.int64(1)) in (0.0, 1.0)

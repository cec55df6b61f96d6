"""TabularMDPEnv: gymnasium checker, seeding, truncation, and sampling against the exact model.

Statistical tests use fixed seeds and state their false-positive rates (for a random seed).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from scipy import stats

from mdpkit import TabularMDP
from mdpkit.envs import TabularMDPEnv
from mdpkit.models.generators import random_mdp, random_sparse_mdp, riverswim

MODELS = {
    "dense_discounted": lambda: random_mdp(6, 3, gamma=0.9, rng=0),
    "dense_finite": lambda: random_mdp(6, 3, horizon=4, rng=1),
    "step_dependent": lambda: random_mdp(5, 2, horizon=3, rng=2, step_dependent=True),
    "sparse_finite": lambda: random_sparse_mdp(40, 3, 4, horizon=5, rng=3),
    "sparse_discounted": lambda: random_sparse_mdp(40, 3, 4, gamma=0.9, rng=4),
}


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("render_mode", [None, "ansi"])
def test_passes_gymnasium_env_checker(name, render_mode):
    env = TabularMDPEnv(MODELS[name](), render_mode=render_mode)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    # the only acceptable remark: no registered spec to re-create the env with other modes
    other = [str(w.message) for w in caught if "spec" not in str(w.message)]
    assert other == []
    assert env.observation_space.n == env.mdp.S and env.action_space.n == env.mdp.A


def test_seeding_reproducible_and_seed_dependent():
    env = TabularMDPEnv(random_sparse_mdp(100, 2, 10, gamma=0.9, rng=0), max_episode_steps=50)

    def rollout(seed):
        s, _ = env.reset(seed=seed)
        traj = [s]
        for t in range(50):
            s, r, term, trunc, info = env.step(t % 2)
            traj.append(s)
            assert not term and info["step"] == t + 1
        assert trunc
        return traj

    assert rollout(3) == rollout(3)
    assert rollout(3) != rollout(4)  # 51 states from 10 successors each: equal w.p. ~0

    # reset() without a seed keeps the generator: two seeded runs of "reset, reset, steps" agree
    def twice(seed):
        env.reset(seed=seed)
        env.reset()
        return [env.step(0)[0] for _ in range(20)]

    assert twice(5) == twice(5)


def test_finite_horizon_truncates_after_H_and_uses_step_index():
    """A step-dependent model whose step h moves deterministically to state h+1 and pays h+1."""
    S, A, H = 4, 2, 3
    P = np.zeros((H, S, A, S))
    R = np.zeros((H, S, A))
    for h in range(H):
        P[h, :, :, h + 1] = 1.0
        R[h] = h + 1.0
    mdp = TabularMDP(P, R, horizon=H, mu=np.eye(S)[0])
    env = TabularMDPEnv(mdp)
    s, info = env.reset(seed=0)
    assert s == 0 and info == {"step": 0}
    for h in range(H):
        s, r, term, trunc, info = env.step(1)
        assert (s, r, term, trunc) == (h + 1, h + 1.0, False, h == H - 1)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    assert env.reset(seed=1)[0] == 0 and env.t == 0


def test_discounted_is_not_truncated_by_default():
    env = TabularMDPEnv(riverswim(gamma=0.9))
    env.reset(seed=0)
    for _ in range(1000):
        _, _, term, trunc, _ = env.step(1)
        assert not term and not trunc
    env = TabularMDPEnv(riverswim(gamma=0.9), max_episode_steps=7)
    env.reset(seed=0)
    flags = [env.step(0)[3] for _ in range(7)]
    assert flags == [False] * 6 + [True]


@pytest.mark.parametrize("sparse", [False, True])
def test_next_state_frequencies_match_P(sparse):
    """Chi-square goodness of fit of 20,000 draws from P(.|s, a) for 3 pairs.

    Each test at level 1e-6 (false-positive rate <= 3e-6 in all); also checks that states
    with probability 0 are never drawn.
    """
    mdp = (
        random_sparse_mdp(12, 2, 5, gamma=0.9, rng=21)
        if sparse
        else random_mdp(6, 2, gamma=0.9, rng=22)
    )
    env = TabularMDPEnv(mdp)
    Pd = mdp.dense_P()
    env.reset(seed=123)
    n = 20_000
    for s, a in ((0, 0), (1, 1), (mdp.S - 1, 0)):
        counts = np.zeros(mdp.S)
        for _ in range(n):  # test loop over samples, not library code
            env.reset(options={"state": s})
            counts[env.step(a)[0]] += 1
        p = Pd[s, a]
        assert counts[p == 0].sum() == 0
        support = p > 0
        chi2 = ((counts[support] - n * p[support]) ** 2 / (n * p[support])).sum()
        assert chi2 < stats.chi2.ppf(1 - 1e-6, df=support.sum() - 1)


def test_initial_state_distribution_matches_mu():
    """Chi-square at level 1e-6 on 20,000 resets (false-positive rate 1e-6)."""
    mu = np.array([0.1, 0.0, 0.6, 0.3])
    mdp = random_mdp(4, 2, gamma=0.5, rng=0).replace(mu=mu)
    env = TabularMDPEnv(mdp)
    env.reset(seed=5)
    counts = np.bincount([env.reset()[0] for _ in range(20_000)], minlength=4)
    assert counts[1] == 0
    e = 20_000 * mu[mu > 0]
    assert ((counts[mu > 0] - e) ** 2 / e).sum() < stats.chi2.ppf(1 - 1e-6, df=2)


def test_monte_carlo_return_matches_exact_policy_value():
    """Average return of 4,000 episodes vs the exact value mu . V^pi_0 (mdpkit.evaluate).

    Returns lie in [0, H] (rewards in [0, 1)); Hoeffding at delta = 1e-6 gives the margin
    H * sqrt(log(2/delta) / (2 n)) (false-positive rate <= 1e-6).
    """
    evaluate = pytest.importorskip("mdpkit.solvers").evaluate
    H = 5
    mdp = random_mdp(6, 3, horizon=H, rng=7, step_dependent=True)
    policy = np.random.default_rng(0).integers(0, 3, size=(H, 6))
    exact = float(mdp.mu @ evaluate(mdp, policy)[0])
    env = TabularMDPEnv(mdp)
    env.reset(seed=9)
    n = 4000
    total = 0.0
    for _ in range(n):
        s, _ = env.reset()
        for h in range(H):
            s, r, _, trunc, _ = env.step(int(policy[h, s]))
            total += r
        assert trunc
    margin = H * np.sqrt(np.log(2 / 1e-6) / (2 * n))
    assert abs(total / n - exact) < margin


def test_argument_and_usage_errors():
    mdp = riverswim(horizon=3)
    with pytest.raises(TypeError, match="mdp must be a TabularMDP"):
        TabularMDPEnv("riverswim")
    with pytest.raises(ValueError, match="render_mode"):
        TabularMDPEnv(mdp, render_mode="human")
    with pytest.raises(ValueError, match="max_episode_steps is for discounted"):
        TabularMDPEnv(mdp, max_episode_steps=5)
    with pytest.raises(ValueError, match="max_episode_steps must be >= 1"):
        TabularMDPEnv(riverswim(gamma=0.9), max_episode_steps=0)
    env = TabularMDPEnv(mdp, render_mode="ansi")
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(2)
    with pytest.raises(ValueError, match=r"options\['state'\]"):
        env.reset(options={"state": 6})
    assert env.reset(options={"state": 4})[0] == 4
    assert env.render() == "step 0/3, state 4 of 6\n"

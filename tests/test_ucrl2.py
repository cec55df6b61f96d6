"""UCRL2 (mdpkit.algorithms.ucrl2), the continuing env and the runner's continuing kind.

Checks: the env's sampling scheme and oracle (g* from RVI, discounted reference columns);
the runner's columns; the confidence radii and the doubling epoch rule recomputed in numpy
from the played trajectory; fast == generic on a discounted env; learning on a small
RiverSwim (greedy policy optimal, average reward near g*); the Thm 2 bound along runs;
bad input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mdpkit import TabularMDP, solve
from mdpkit.algorithms.ucrl2 import UCRL2, reward_radius, transition_radius
from mdpkit.bounds.ucrl2 import UCRL2_THM2
from mdpkit.envs.continuing import ContinuingTabularEnv
from mdpkit.experiments import Experiment, interact, run_seed
from mdpkit.experiments.registry import get_env, get_learner
from mdpkit.models.generators import riverswim
from mdpkit.solvers.extended_vi import diameter


def _avg_river(S=4):
    m = riverswim(S, gamma=0.9)
    return TabularMDP(m.P, m.R, criterion="average", mu=m.mu)


def test_env_sampling_scheme_and_oracle():
    mdp = _avg_river(4)
    env = ContinuingTabularEnv(mdp, 7, reward_dist="bernoulli")
    ref = np.random.default_rng(7)
    cdf = np.cumsum(mdp.P, axis=-1)
    s = env.reset()
    assert s == 0  # mu = delta_0
    ref.random()
    for a in [1, 1, 0, 1, 1, 1, 0, 1]:
        r, s2 = env.step(s, a)
        v, u = ref.random(), ref.random()
        assert r == (1.0 if v < mdp.R[s, a] else 0.0)
        assert s2 == int(np.searchsorted(cdf[s, a], u * cdf[s, a, -1], side="right"))
        s = s2
    assert env.gain_star == pytest.approx(solve(mdp, method="pi").gain, abs=1e-10)
    cols = env.oracle_columns(np.array([1.0, 0.0]), np.array([0.5, 0.25]))
    np.testing.assert_allclose(cols["regret"], env.gain_star - np.array([1.0, 0.0]))
    np.testing.assert_allclose(cols["pseudo_regret"], env.gain_star - np.array([0.5, 0.25]))
    assert set(cols) == {"regret", "pseudo_regret"}


def test_env_discounted_reference_columns():
    mdp = riverswim(4, gamma=0.8)
    env = ContinuingTabularEnv(mdp, 0)
    s0 = env.reset()
    V = solve(mdp, tol=1e-12).V
    cols = env.oracle_columns(np.array([1.0, 1.0, 0.5]), np.zeros(3))
    np.testing.assert_allclose(cols["discounted_reward"], [1.0, 0.8, 0.32])
    np.testing.assert_allclose(cols["v_star_s0"], V[s0], rtol=1e-8)
    # g* is that of the average-reward model with the same (P, R)
    assert env.gain_star == pytest.approx(ContinuingTabularEnv(_avg_river(4), 0).gain_star)


def test_env_refusals():
    with pytest.raises(ValueError, match="finite-horizon"):
        ContinuingTabularEnv(riverswim(3, horizon=5), 0)
    with pytest.raises(ValueError, match="reward_dist"):
        ContinuingTabularEnv(_avg_river(3), 0, reward_dist="gauss")
    # two absorbing states with different rewards: optimal gain not constant
    P = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    with pytest.raises(ValueError, match="constant optimal gain"):
        ContinuingTabularEnv(TabularMDP(P, np.array([[0.0], [1.0]]), criterion="average"), 0)


def test_radii_formulas():
    S, A, t, d = 6, 2, 1234.0, 0.05
    for n in (0.0, 1.0, 17.0):
        assert reward_radius(S, A, t, d, n) == pytest.approx(
            np.sqrt(7 * np.log(2 * S * A * t / d) / (2 * max(1.0, n))), rel=1e-14
        )
        assert transition_radius(S, A, t, d, n) == pytest.approx(
            np.sqrt(14 * S * np.log(2 * A * t / d) / max(1.0, n)), rel=1e-14
        )


def _trajectory(T=4000, S=4, seed=3):
    env = ContinuingTabularEnv(_avg_river(S), seed, reward_dist="bernoulli")
    ln = UCRL2(S, 2, 0, delta=0.1, fast=False)
    s = env.reset()
    traj, epochs, snaps = [], [], []
    for _ in range(T):
        before = ln.n_epochs
        a = ln.act(s)
        if ln.n_epochs != before:
            snaps.append(
                (
                    len(traj),
                    ln.state.model.p_rad.copy(),
                    ln.state.model.r_tilde.copy(),
                    ln.state.policy.copy(),
                )
            )
        r, s2 = env.step(s, a)
        ln.update(s, a, r, s2)
        traj.append((s, a, r, s2))
        epochs.append(ln.n_epochs)
        s = s2
    return traj, np.array(epochs), snaps, ln


def test_epoch_rule_and_radii_recomputed_from_the_trajectory():
    """Epoch boundaries and each epoch's plausible set, recomputed in numpy from the played
    steps: a new epoch starts at step t exactly when the pair (s_t, pi_k(s_t)) of the current
    policy has as many visits in the current epoch as max(1, visits before the epoch); radii
    and optimistic rewards use t_k and the counts before t_k; the action played is the new
    epoch's policy."""
    S, A, delta = 4, 2, 0.1
    traj, epochs, snaps, ln = _trajectory()
    starts = [i for i, _, _, _ in snaps]
    assert starts[0] == 0 and len(starts) == epochs[-1] >= 5
    N = np.zeros((S, A))
    nu = np.zeros((S, A))
    Rsum = np.zeros((S, A))
    expect_starts = []
    pol = None
    for t, (s, a, r, s2) in enumerate(traj):
        if t == 0 or nu[s, pol[s]] >= max(1.0, N[s, pol[s]]):
            N += nu
            nu[:] = 0
            expect_starts.append(t)
            k = len(expect_starts) - 1
            _, p_rad, r_tilde, pol = snaps[k]
            tk = t + 1
            n1 = np.maximum(1.0, N)
            np.testing.assert_allclose(
                p_rad, np.sqrt(14 * S * np.log(2 * A * tk / delta) / n1), rtol=1e-13
            )
            r_hat = np.where(N > 0, Rsum / n1, 0.0)
            np.testing.assert_allclose(
                r_tilde, r_hat + np.sqrt(7 * np.log(2 * S * A * tk / delta) / (2 * n1)), rtol=1e-13
            )
        assert a == pol[s]
        nu[s, a] += 1
        Rsum[s, a] += r
    assert expect_starts == starts
    # the counts the learner keeps are those of the trajectory
    Nsas = np.zeros((S, A, S))
    for s, a, _, s2 in traj:
        Nsas[s, a, s2] += 1
    np.testing.assert_array_equal(ln.state.Nsas, Nsas)


def test_fast_equals_generic_on_a_discounted_env():
    exps = [
        Experiment(
            "riverswim",
            "ucrl2",
            n_steps=1500,
            n_seeds=1,
            env_params={"S": 3, "gamma": 0.9, "horizon": None},
            learner_params={"fast": f},
        )
        for f in (True, False)
    ]
    fast, gen = (run_seed(e, 0) for e in exps)
    assert (
        list(fast.columns)
        == list(gen.columns)
        == [
            "algorithm",
            "seed",
            "k",
            "regret",
            "cum_regret",
            "reward",
            "pseudo_regret",
            "discounted_reward",
            "v_star_s0",
            "epoch",
            "optimistic_gain",
        ]
    )
    for col in fast.columns[3:]:
        np.testing.assert_array_equal(fast[col].to_numpy(), gen[col].to_numpy(), err_msg=col)
    # the regret column is T g* - sum of rewards
    env = get_env("riverswim")(np.random.default_rng(0), S=3, gamma=0.9, horizon=None)
    T = len(fast)
    assert fast.cum_regret.iloc[-1] == pytest.approx(
        T * env.gain_star - fast.reward.sum(), abs=1e-8
    )


def test_learns_small_riverswim_and_respects_thm2():
    """On RiverSwim S = 3 (deterministic rewards) after 1e5 steps: the last epoch's policy
    is the optimal one (always right), the average reward of the last tenth is within 0.02
    of g*, and the regret stays below the Thm 2 bound at every step (the bound is far above:
    a sanity check, not a sharp test). Deterministic given the seeds."""
    T = 100_000
    mdp = _avg_river(3)
    D = diameter(mdp)
    for seed in range(2):
        env = ContinuingTabularEnv(mdp, seed)
        ln = get_learner("ucrl2")(
            env.env_info() | {"n_steps": T}, np.random.default_rng(seed), delta=0.05
        )
        cols = interact(env, ln, T)
        opt = solve(mdp, method="pi").policy
        np.testing.assert_array_equal(ln.state.policy, opt)
        assert abs(cols["reward"][-T // 10 :].mean() - env.gain_star) < 0.02
        t = np.arange(2, T + 1)
        bound = UCRL2_THM2.curve(t, D=D, S=3, A=2, delta=0.05)
        assert (np.cumsum(cols["regret"])[1:] <= bound).all()


def test_bad_input():
    with pytest.raises(ValueError, match="continuing"):
        get_learner("ucrl2")({"kind": "episodic", "S": 2, "A": 2, "H": 3}, 0)
    with pytest.raises(ValueError, match="delta"):
        UCRL2(2, 2, 0, delta=1.0)
    with pytest.raises(ValueError, match="use_known_rewards"):
        UCRL2(2, 2, 0, use_known_rewards=True)
    ln = UCRL2(2, 2, 0)
    ln.act(0)
    with pytest.raises(ValueError, match=r"rewards in \[0, 1\]"):
        ln.update(0, 0, 1.5, 1)


def test_known_rewards_and_mask():
    """use_known_rewards puts the true R in the plausible set (reward radius 0); a masked
    action is never played."""
    mdp = _avg_river(3)
    env = ContinuingTabularEnv(mdp, 1, rewards_known=True)
    ln = get_learner("ucrl2")(env.env_info(), 0, use_known_rewards=True, fast=False)
    interact(env, ln, 200)
    np.testing.assert_array_equal(ln.state.model.r_tilde, mdp.R)
    mask = np.array([[True, True], [False, True], [True, True]])
    env = ContinuingTabularEnv(
        TabularMDP(mdp.P, mdp.R, criterion="average", mu=mdp.mu, action_mask=mask), 1
    )
    ln = get_learner("ucrl2")(env.env_info(), 0, fast=False)
    s = env.reset()
    for _ in range(500):
        a = ln.act(s)
        assert mask[s, a]
        r, s2 = env.step(s, a)
        ln.update(s, a, r, s2)
        s = s2


def test_figure_claims_on_known_numbers():
    """The figure's claims evaluate the frame's own numbers: a sqrt(T) regret with reward at
    g* and optimistic gains above g* holds every claim; a linear regret, a low reward and
    one optimistic gain below g* fail the corresponding claims."""
    from paper_figures import ucrl2_riverswim as fig

    T, g_star, D, S = 1000, 0.4, 5.0, 4
    k = np.arange(1, T + 1)
    rows = []
    for s in range(2):
        rows.append(
            pd.DataFrame(
                {
                    "algorithm": fig.LABEL,
                    "seed": s,
                    "k": k,
                    "cum_regret": 3 * np.sqrt(k),
                    "reward": np.full(T, g_star),
                    "optimistic_gain": np.full(T, g_star + 0.01),
                }
            )
        )
    good = pd.concat(rows, ignore_index=True)
    assert [c["verdict"] for c in fig.claims(good, S, g_star, D)] == [True] * 4
    bad = good.assign(cum_regret=good.k * 0.39, reward=0.3)
    bad.loc[5, "optimistic_gain"] = g_star - 1e-6
    cl = fig.claims(bad, S, g_star, D)
    assert [c["verdict"] for c in cl] == [True, False, False, False]
    assert cl[2]["measured"] == pytest.approx(0.75)
    # Thm 2 ratio recomputed
    want = np.max(3 * np.sqrt(k[1:]) / (34 * D * S * np.sqrt(2 * k[1:] * np.log(k[1:] / 0.05))))
    assert fig.claims(good, S, g_star, D)[0]["measured"] == pytest.approx(want, rel=1e-12)

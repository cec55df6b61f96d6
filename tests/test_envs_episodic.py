"""EpisodicTabularEnv: sampling, oracle values, the documented random-number contract."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from mdpkit import TabularMDP
from mdpkit.envs.episodic import EpisodicTabularEnv
from mdpkit.experiments.registry import get_env


def small_mdp(seed=0, S=3, A=2, H=3, sparse=False, step_dependent=False):
    rng = np.random.default_rng(seed)
    shape = (H, S, A) if step_dependent else (S, A)
    P = rng.dirichlet(np.ones(S), size=shape)
    P[..., 0, 1, :] = 0.0  # a zero-probability successor must never be drawn
    P[..., 0, 1, 0] = 0.3
    P[..., 0, 1, 2] = 0.7
    R = rng.random((S, A))
    mu = np.array([0.5, 0.0, 0.5])[:S]
    if sparse:
        P = sp.csr_matrix(P.reshape(S * A, S))
    return TabularMDP(P, R, horizon=H, mu=mu)


def brute_force_value(mdp, pi):
    """mu @ V^pi_0 by enumerating trajectories; pi int (H, S) or float (H, S, A)."""
    P, R, H, S, A = mdp.dense_P(), mdp.R, mdp.H, mdp.S, mdp.A
    probs = pi if pi.dtype.kind == "f" else np.eye(A)[pi]
    total = 0.0
    for states in itertools.product(range(S), repeat=H):
        for actions in itertools.product(range(A), repeat=H):
            p = mdp.mu[states[0]]
            r = 0.0
            for h in range(H):
                p *= probs[h, states[h], actions[h]]
                r += R[states[h], actions[h]]
                if h + 1 < H:
                    Ph = P[h] if P.ndim == 4 else P
                    p *= Ph[states[h], actions[h], states[h + 1]]
            total += p * r
    return total


def test_oracle_matches_brute_force():
    mdp = small_mdp()
    env = EpisodicTabularEnv(mdp, rng=0)
    H, S, A = mdp.H, mdp.S, mdp.A
    values = [
        brute_force_value(mdp, np.array(p).reshape(H, S))
        for p in itertools.product(range(A), repeat=H * S)
    ]
    assert env.optimal_value == pytest.approx(max(values), abs=1e-12)
    assert env.policy_value(env.optimal_policy) == env.optimal_value
    pi = np.random.default_rng(1).integers(A, size=(H, S))
    assert env.policy_value(pi) == pytest.approx(brute_force_value(mdp, pi), abs=1e-12)
    stoch = np.random.default_rng(2).dirichlet(np.ones(A), size=(H, S))
    assert env.policy_value(stoch) == pytest.approx(brute_force_value(mdp, stoch), abs=1e-12)
    # stationary policy broadcast over steps
    assert env.policy_value(pi[0]) == pytest.approx(
        brute_force_value(mdp, np.tile(pi[0], (H, 1))), abs=1e-12
    )
    # the last-policy cache never returns a stale value
    v1 = env.policy_value(pi)
    pi2 = pi.copy()
    pi2[0, 0] = 1 - pi2[0, 0]
    assert env.policy_value(pi2) == pytest.approx(brute_force_value(mdp, pi2), abs=1e-12)
    assert env.policy_value(pi) == v1


def test_step_dependent_oracle():
    mdp = small_mdp(step_dependent=True)
    env = EpisodicTabularEnv(mdp, rng=0)
    pi = np.random.default_rng(5).integers(2, size=(3, 3))
    assert env.policy_value(pi) == pytest.approx(brute_force_value(mdp, pi), abs=1e-12)
    assert env.env_info()["step_dependent_P"] is True


def replay(mdp, seed, steps, bernoulli=False):
    """The documented sampling contract, written independently (dense P)."""
    rng = np.random.default_rng(seed)
    P = mdp.dense_P()
    out = []
    cdf_mu = np.cumsum(mdp.mu)
    s = int(np.searchsorted(cdf_mu, rng.random() * cdf_mu[-1], side="right"))
    out.append(s)
    for h, a in steps:
        if bernoulli:
            r = 1.0 if rng.random() < mdp.R[s, a] else 0.0
        else:
            r = mdp.R[s, a]
        row = np.cumsum(P[h, s, a] if P.ndim == 4 else P[s, a])
        s = int(np.searchsorted(row, rng.random() * row[-1], side="right"))
        out.append((r, s))
    return out


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("bernoulli", [False, True])
def test_sampling_contract(sparse, bernoulli):
    mdp = small_mdp(sparse=sparse)
    env = EpisodicTabularEnv(
        mdp, rng=np.random.default_rng(9), reward_dist="bernoulli" if bernoulli else "deterministic"
    )
    steps = [(h % 3, (h // 3) % 2) for h in range(60)]
    got = [env.reset()]
    s = got[0]
    for h, a in steps:
        r, s = env.step(h, s, a)
        got.append((r, s))
    assert got == replay(small_mdp(sparse=False), 9, steps, bernoulli)


def test_transition_frequencies_and_zero_probability():
    """30,000 draws of (s=0, a=1): P = (0.3, 0, 0.7). The count of state 2 is Binomial(30000,
    0.7), sd 79; asserting within 400 (5 sd) has false-positive rate < 1e-6. State 1 has
    probability 0 and must never appear."""
    for sparse in (False, True):
        env = EpisodicTabularEnv(small_mdp(sparse=sparse), rng=4)
        draws = np.array([env.step(0, 0, 1)[1] for _ in range(30_000)])
        assert (draws != 1).all()
        assert abs((draws == 2).sum() - 21_000) <= 400
        starts = np.array([env.reset() for _ in range(2000)])
        assert set(np.unique(starts)) == {0, 2}  # mu(1) = 0


def test_env_info_and_factories():
    mdp = small_mdp()
    env = EpisodicTabularEnv(mdp, rng=0)
    info = env.env_info()
    assert (info["S"], info["A"], info["H"], info["kind"]) == (3, 2, 3, "episodic")
    assert np.array_equal(info["R"], mdp.R)
    assert "R" not in EpisodicTabularEnv(mdp, rng=0, rewards_known=False).env_info()
    rs = get_env("riverswim")(0, S=5, horizon=7)
    assert (rs.S, rs.A, rs.H) == (5, 2, 7)
    a = get_env("random-mdp")(np.random.default_rng(1), S=4, A=2, horizon=3, mdp_seed=5)
    b = get_env("random-mdp")(np.random.default_rng(2), S=4, A=2, horizon=3, mdp_seed=5)
    c = get_env("random-mdp")(np.random.default_rng(2), S=4, A=2, horizon=3)
    assert a.mdp == b.mdp and not (a.mdp == c.mdp)
    sp_env = get_env("random-sparse-mdp")(0, S=20, A=2, n_successors=3, horizon=4)
    assert sp_env.mdp.is_sparse


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda m: EpisodicTabularEnv("x", 0), TypeError, "TabularMDP"),
        (
            lambda m: EpisodicTabularEnv(TabularMDP(np.ones((1, 1, 1)), [[0.0]], gamma=0.9), 0),
            ValueError,
            "finite-horizon",
        ),
        (lambda m: EpisodicTabularEnv(m, 0, reward_dist="gauss"), ValueError, "reward_dist"),
        (
            lambda m: EpisodicTabularEnv(
                m.replace(R=2 * np.ones((3, 2))), 0, reward_dist="bernoulli"
            ),
            ValueError,
            r"\[0, 1\]",
        ),
        (lambda m: EpisodicTabularEnv(m, None), TypeError, "rng"),
        (lambda m: EpisodicTabularEnv(m, 0).step(3, 0, 0), ValueError, "h must be"),
        (lambda m: EpisodicTabularEnv(m, 0).step(0, 3, 0), ValueError, "s must be"),
        (lambda m: EpisodicTabularEnv(m, 0).step(0, 0, 2), ValueError, "a must be"),
        (
            lambda m: EpisodicTabularEnv(m, 0).policy_value(np.zeros((3, 3), dtype=np.int64) + 2),
            ValueError,
            "not an action",
        ),
        (
            lambda m: EpisodicTabularEnv(m, 0).policy_value(np.full((3, 3, 2), 0.6)),
            ValueError,
            "sums to",
        ),
        (
            lambda m: EpisodicTabularEnv(m, 0).policy_value(np.zeros((2, 3), dtype=np.int64)),
            ValueError,
            "shape",
        ),
    ],
)
def test_bad_input(make, exc, match):
    with pytest.raises(exc, match=match):
        make(small_mdp())


def test_step_dependent_sampling_uses_the_step_s_kernel():
    """Step-dependent P_h: the successor drawn at step h follows P_h, not P_0. Here P_0
    sends every (s, a) to state 0 and P_1 to state S - 1 (deterministically), so the
    samples decide it exactly."""
    S, A, H = 3, 2, 2
    P = np.zeros((H, S, A, S))
    P[0, :, :, 0] = 1.0
    P[1, :, :, S - 1] = 1.0
    env = EpisodicTabularEnv(TabularMDP(P, np.zeros((H, S, A)), horizon=H), 0)
    for s in range(S):
        for a in range(A):
            assert env.step(0, s, a)[1] == 0
            assert env.step(1, s, a)[1] == S - 1


@pytest.mark.parametrize("kind", ["episodic", "continuing"])
def test_reward_options_are_checked_by_both_tabular_envs(kind):
    from mdpkit.envs.continuing import ContinuingTabularEnv

    P = np.full((2, 2, 2), 0.5)
    R = np.array([[0.0, 1.0], [0.5, 1.5]])  # 1.5: not a Bernoulli mean
    kw = {"horizon": 3} if kind == "episodic" else {"gamma": 0.9}
    Env = EpisodicTabularEnv if kind == "episodic" else ContinuingTabularEnv
    mdp = TabularMDP(P, R, **kw)
    Env(mdp, 0, reward_dist="deterministic")  # fine
    with pytest.raises(ValueError, match=r"reward_dist='bernoulli' needs every R in \[0, 1\]"):
        Env(mdp, 0, reward_dist="bernoulli")
    Env(TabularMDP(P, R / 1.5, **kw), 0, reward_dist="bernoulli")  # R in [0, 1]: fine
    with pytest.raises(ValueError, match="reward_dist must be 'deterministic' or 'bernoulli'"):
        Env(mdp, 0, reward_dist="gaussian")
    with pytest.raises(TypeError, match="rewards_known must be a bool"):
        Env(mdp, 0, rewards_known="yes")

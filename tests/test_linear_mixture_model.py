"""LinearMixtureMDP, generators and exact features (docs/papers/linear-mixture.md,
"Setting" and "Checks")."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit import evaluate, solve
from mdpkit.models.linear_mixture import (
    LinearMixtureMDP,
    check_rewards,
    hard_lm,
    max_phi_norm,
    max_trajectory_reward,
    rand_lm,
)


def _instance(S, A, d, H, seed):
    return rand_lm(S, A, d, H, rng=seed, corridor=S >= 3)


inst = st.tuples(
    st.integers(3, 6),
    st.integers(2, 4),
    st.integers(2, 5),
    st.integers(2, 8),
    st.integers(0, 10**6),
)


@settings(max_examples=25, deadline=None)
@given(inst, st.integers(0, 10**6))
def test_linear_mixture_consistency(args, vseed):
    """<phi_V(s,a), theta*> == sum_s' P(s'|s,a) V(s') and the norm conditions."""
    m = _instance(*args)
    V = np.random.default_rng(vseed).random(m.S)
    lhs = m.phi_V(V) @ m.theta
    np.testing.assert_allclose(lhs, m.P @ V, atol=1e-10)
    assert np.linalg.norm(m.theta) <= m.B + 1e-12
    # norm bound by brute force over the vertices, independently of max_phi_norm
    for v in itertools.product((0.0, 1.0), repeat=m.S):
        assert np.linalg.norm(m.phi_V(np.array(v)), axis=-1).max() <= 1 + 1e-12
    # RandLM reaches the bound exactly at V = 1
    assert max_phi_norm(m.phi)[0] == pytest.approx(1.0, abs=1e-12)


def test_phi_V_batch_matches_single():
    m = rand_lm(5, 3, 3, 4, rng=0)
    Vs = np.random.default_rng(1).random((4, 5))
    np.testing.assert_allclose(m.phi_V(Vs), np.stack([m.phi_V(v) for v in Vs]), atol=1e-15)


def test_to_tabular_exact_and_solvable():
    m = rand_lm(6, 3, 4, 10, rng=3)
    R = np.random.default_rng(0).random((6, 3)) / 10
    t = m.to_tabular(R)
    np.testing.assert_array_equal(t.P, m.P)
    assert t.H == 10 and t.mu[m.s1] == 1.0
    res = solve(t, method="backward")
    V = evaluate(t, np.asarray(res.policy))
    np.testing.assert_allclose(V[0], res.V[0], atol=1e-12)


@pytest.mark.parametrize("d", [2, 3, 5])
def test_hard_lm_values(d):
    """V^pi_1(x1) = ((H-1)/H)(delta0 + <mu, a_1>) for the task reward (closed form)."""
    H, Delta = 10, 0.05
    m, info = hard_lm(d, H, Delta, rng=d)
    t = m.to_tabular(info["task"])
    V = solve(t, method="backward").V
    best = (H - 1) / H * (info["delta0"] + (d - 1) * Delta)
    assert V[0][0] == pytest.approx(best, abs=1e-12)
    for a in range(m.A):
        pi = np.zeros((H, 3), dtype=np.int64)
        pi[0, 0] = a
        v = evaluate(t, pi)[0][0]
        assert v == pytest.approx(
            (H - 1) / H * (info["delta0"] + info["actions"][a] @ info["mu"]), abs=1e-12
        )
    assert max_phi_norm(m.phi)[0] <= 1 + 1e-12


def test_max_trajectory_reward():
    m, info = hard_lm(3, 6, 0.1, rng=0)
    assert max_trajectory_reward(m.P, info["task"], 0) == pytest.approx(5 / 6)
    r = np.zeros((6, 3, 4))
    r[:, 0, :] = 0.5  # x1 only at step 0
    assert max_trajectory_reward(m.P, r, 0) == pytest.approx(0.5)


# ------------------------------------------------------------------ bad input, named
def test_bad_theta_not_distribution():
    m = rand_lm(4, 2, 3, 3, rng=0)
    with pytest.raises(ValueError, match=r"not a distribution.*\(s, a\)"):
        LinearMixtureMDP(m.phi, m.theta * 1.1, horizon=3)


def test_bad_theta_negative_mixture():
    m = rand_lm(4, 2, 3, 3, rng=0)
    th = np.array(m.theta)
    th[0] = -1.0
    th[1] += 1.0 + m.theta[0]
    with pytest.raises(ValueError, match="P\\[.*< 0"):
        LinearMixtureMDP(m.phi, th, horizon=3, check_norm=False)


def test_bad_feature_norm():
    m = rand_lm(4, 2, 3, 3, rng=0)
    with pytest.raises(ValueError, match=r"\|\|phi_V\(s, a\)\|\|_2 <= 1"):
        LinearMixtureMDP(m.phi * 2, m.theta / 2, horizon=3)


def test_bad_theta_norm_B():
    m = rand_lm(4, 2, 3, 3, rng=0)
    with pytest.raises(ValueError, match="B ="):
        LinearMixtureMDP(m.phi, m.theta, horizon=3, B=0.5)


def test_bad_shapes_and_s1():
    m = rand_lm(4, 2, 3, 3, rng=0)
    with pytest.raises(ValueError, match="theta must have shape"):
        LinearMixtureMDP(m.phi, m.theta[:2], horizon=3)
    with pytest.raises(ValueError, match="phi must have shape"):
        LinearMixtureMDP(m.phi[0], m.theta, horizon=3)
    with pytest.raises(ValueError, match="s1"):
        LinearMixtureMDP(m.phi, m.theta, horizon=3, s1=9)
    with pytest.raises(TypeError, match="horizon"):
        LinearMixtureMDP(m.phi, m.theta, horizon=2.5)


def test_bad_rewards_total_exceeds_one():
    m = rand_lm(4, 2, 3, 5, rng=0)
    with pytest.raises(ValueError, match="R has a trajectory total reward"):
        m.to_tabular(np.full((4, 2), 0.3))
    with pytest.raises(ValueError, match="negative"):
        check_rewards(-np.ones((4, 2)), 5, 4, 2)


def test_bad_hard_lm_delta():
    with pytest.raises(ValueError, match=r"\(d-1\) Delta"):
        hard_lm(5, 10, 0.2)
    with pytest.raises(ValueError, match="mu"):
        hard_lm(3, 10, 0.1, mu=[0.1, 0.2])

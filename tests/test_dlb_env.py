"""Tests of the dynamical linear bandit environment (docs/papers/dynlin-ucb.md#model,
#instances, #theory)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.envs.dlb import (
    DynamicalLinearBandit,
    budget_actions,
    cumulative_markov,
    phi_constant,
    realdata_dlb,
    simulate_constant,
    spectral_radius,
    synthetic_dlb,
)


# ----------------------------------------------------------------------------- strategies
@st.composite
def systems(draw, max_dim=4):
    """Random (A, B, C, D, u) with rho(A) in [0, 0.95] (dynlin-ucb.md#model)."""
    n = draw(st.integers(1, max_dim))
    d = draw(st.integers(1, max_dim))
    m = draw(st.integers(1, max_dim))
    seed = draw(st.integers(0, 2**31 - 1))
    rho = draw(st.floats(0.0, 0.95))
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    r = spectral_radius(A)
    A = A * (rho / r) if r > 0 else A * 0.0
    B, C, D = rng.standard_normal((n, d)), rng.standard_normal((m, n)), rng.standard_normal((m, d))
    U = rng.standard_normal((3, d))
    return A, B, C, D, U


# ----------------------------------------------------------------------------- 5.1
@settings(max_examples=25, deadline=None)
@given(systems())
def test_steady_state_closed_form_vs_noise_free_simulation(sys_):
    """|y_t - h^T u| <= ||omega|| ||A^{t-1}||_2 ||x_inf(u)|| along a noise-free run from
    x_1 = 0 holding u (dynlin-ucb.md#model); the time average tends to h^T u."""
    A, B, C, D, U = sys_
    env = DynamicalLinearBandit(A, B, C, D, U, 0.0, 0)
    n = A.shape[0]
    T = 150
    norms = np.empty(T)
    P = np.eye(n)
    for t in range(T):
        norms[t] = np.linalg.norm(P, 2)  # ||A^t||_2
        P = P @ A
    for k in range(U.shape[0]):
        y = simulate_constant(A, env.omega, np.zeros(n), env.Bu[k], env.thetau[k], T)
        target = env.h @ U[k]
        x_inf = env.steady_state(U[k])
        bound = np.linalg.norm(env.omega) * norms * np.linalg.norm(x_inf)
        assert np.all(np.abs(y - target) <= bound + 1e-9 * (1 + abs(target)))
        # the time average converges: |mean_t y - h^T u| <= mean_t of the bound
        assert abs(y.mean() - target) <= bound.mean() + 1e-9 * (1 + abs(target))


@settings(max_examples=30, deadline=None)
@given(systems())
def test_h_equals_truncated_markov_series(sys_):
    """h = theta + sum_{k>=0} B^T (A^T)^k omega, truncation error <= ||omega|| ||B|| sum_{k>K} ||A^k||."""
    A, B, C, D, U = sys_
    env = DynamicalLinearBandit(A, B, C, D, U, 0.0, 0)
    Kt = 200
    Hk = env.markov_parameters(Kt)
    P = np.linalg.matrix_power(A, Kt - 1)
    tail = 0.0
    for _ in range(600):
        tail += np.linalg.norm(P, 2)
        P = P @ A
    err = np.linalg.norm(Hk.sum(axis=0) - env.h)
    assert err <= np.linalg.norm(env.omega) * np.linalg.norm(B, 2) * tail + 1e-9 * (
        1 + np.linalg.norm(env.h)
    )


def test_h_formula_against_direct_inverse():
    """h = 1^T (D + C (I - A)^{-1} B) (the reference's MARKOV), on both instances."""
    for env in (synthetic_dlb(0.01, 0), realdata_dlb(0.01, 0)):
        M = env.D + env.C @ np.linalg.inv(np.eye(3) - env.A) @ env.B
        np.testing.assert_allclose(env.h, np.ones(3) @ M, rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------------------- 5.2
def test_synthetic_instance_values():
    """dynlin-ucb.md#instances: u* = (1, .5, 0), J* = 0.8125, myopic (0, 1, .5), gap min 0.03125, constants."""
    env = synthetic_dlb(0.01, 0)
    np.testing.assert_allclose(env.h, [0.5625, 0.5, 1 / 9], atol=1e-12)
    np.testing.assert_array_equal(env.u_star, [1.0, 0.5, 0.0])
    assert env.best_mean == pytest.approx(0.8125, abs=1e-12)
    np.testing.assert_array_equal(env.features[env.myopic_arm], [0.0, 1.0, 0.5])
    assert np.sort(env.gaps)[1] == pytest.approx(0.03125, abs=1e-12)
    assert env.gaps[env.myopic_arm] == pytest.approx(0.8125 - 0.555556, abs=1e-6)
    assert env.rho == pytest.approx(0.2) and env.phi == pytest.approx(1.0)
    assert env.B_norm == pytest.approx(0.45) and env.omega_norm == pytest.approx(1.00499, abs=1e-5)
    assert env.theta_norm == pytest.approx(0.50990, abs=1e-5)
    assert env.U_bar == pytest.approx(1.1180, abs=1e-4)


def test_realdata_instance_values():
    """dynlin-ucb.md#instances: u* = (1, 0, .5), J* = 0.304586 (1e-6), rho = 0.66689, Phi = 2.7812,
    h = (0.25153, -0.03630, 0.10612), runner-up 0.23338, myopic (0.5, 1, 0) J = 0.08947."""
    env = realdata_dlb(0.01, 0)
    np.testing.assert_array_equal(env.u_star, [1.0, 0.0, 0.5])
    assert env.best_mean == pytest.approx(0.304586, abs=1e-6)
    assert env.rho == pytest.approx(0.66689, abs=1e-5)
    assert env.phi == pytest.approx(2.7812, abs=1e-4)
    np.testing.assert_allclose(env.h, [0.25153, -0.03630, 0.10612], atol=1e-5)
    assert np.sort(env.means)[-2] == pytest.approx(0.23338, abs=1e-5)
    np.testing.assert_array_equal(env.features[env.myopic_arm], [0.5, 1.0, 0.0])
    assert env.means[env.myopic_arm] == pytest.approx(0.08947, abs=1e-5)


@pytest.mark.parametrize("make", [synthetic_dlb, realdata_dlb])
def test_optimal_action_equals_brute_force_long_run_average(make):
    """argmax h^T u == argmax of the simulated long-run average of each constant action."""
    env = make(0.01, 0)
    T = 4000
    avgs = [
        simulate_constant(env.A, env.omega, np.zeros(3), env.Bu[k], env.thetau[k], T).mean()
        for k in range(env.n_actions)
    ]
    assert int(np.argmax(avgs)) == env.best_arm
    # averages within the transient's total size / T of h^T u
    np.testing.assert_allclose(avgs, env.means, atol=20 / T)


@settings(max_examples=25, deadline=None)
@given(systems())
def test_best_arm_brute_force_random_systems(sys_):
    A, B, C, D, U = sys_
    env = DynamicalLinearBandit(A, B, C, D, U, 0.0, 0)
    T = 3000
    avgs = np.array(
        [
            simulate_constant(A, env.omega, np.zeros(A.shape[0]), env.Bu[k], env.thetau[k], T)[-1]
            for k in range(U.shape[0])
        ]
    )
    # the last noise-free reward is within 1e-6 of h^T u (rho <= 0.95, T = 3000) unless Phi is huge
    np.testing.assert_allclose(avgs, env.means, atol=1e-6 * (1 + np.abs(env.means).max()))


def test_budget_actions_are_the_six_vertices_in_reference_order():
    X = budget_actions()
    expected = np.array(
        [[0, 0.5, 1], [0, 1, 0.5], [0.5, 0, 1], [0.5, 1, 0], [1, 0, 0.5], [1, 0.5, 0]]
    )
    np.testing.assert_array_equal(X, expected)


# ----------------------------------------------------------------------------- dynamics
def test_pull_follows_the_system_equations():
    """y_t = <omega, x_t> + <theta, u_t> + sigma 1^T z_out; x_{t+1} = A x_t + B u_t + sigma z_state,
    reproduced with plain numpy from the same standard normals."""
    env = realdata_dlb(0.05, 11)
    rng = np.random.default_rng(11)
    x = np.zeros(3)
    for t in range(200):
        a = t % env.n_actions
        z = rng.standard_normal(6)
        u = env.features[a]
        y_ref = np.ones(3) @ (env.C @ x + env.D @ u + 0.05 * z[3:])
        x = env.A @ x + env.B @ u + 0.05 * z[:3]
        assert env.pull(a) == pytest.approx(y_ref, abs=1e-12)
        np.testing.assert_allclose(env.x, x, atol=1e-12)


def test_noise_stream_equals_draw_noise():
    """T pulls consume exactly rng.standard_normal((T, n + m))."""
    e1, e2 = synthetic_dlb(0.1, 5), synthetic_dlb(0.1, 5)
    for _ in range(10):
        e1.pull(0)
    Z = e2.draw_noise(10)
    assert np.array_equal(e1.rng.standard_normal(4), e2.rng.standard_normal(4))
    assert Z.shape == (10, 6)


def test_reward_noise_variance_is_m_sigma2():
    """With C = 0 the reward is theta^T u + 1^T eta: variance m sigma^2 (dynlin-ucb.md#model).

    Statistical: 40 000 samples, relative s.d. of the sample variance sqrt(2/n) = 0.7%;
    tolerance 5% is > 7 s.d. (false-positive rate < 1e-11); fixed seed."""
    env = DynamicalLinearBandit(
        np.zeros((3, 3)), np.zeros((3, 3)), np.zeros((3, 3)), np.eye(3), budget_actions(), 0.2, 3
    )
    y = np.array([env.pull(5) for _ in range(40000)])
    assert y.var() == pytest.approx(3 * 0.04, rel=0.05)
    assert y.mean() == pytest.approx(1.5, abs=5 * np.sqrt(0.12 / 40000))


def test_expected_regret_transient_closed_form():
    """Holding u from x_1 = 0, sum_t (h^T u - E y_t) = omega^T (I - A)^{-1} x_inf(u) (dynlin-ucb.md#model);
    the shadow state after pulls equals the expected-reward sequence."""
    for env in (synthetic_dlb(0.01, 0), realdata_dlb(0.01, 0)):
        k = env.best_arm
        r = env.expected_regret(np.full(3000, k))
        x_inf = env.steady_state(env.u_star)
        total = env.omega @ np.linalg.solve(np.eye(3) - env.A, x_inf)
        assert r.sum() == pytest.approx(total, abs=1e-9)
        acts = np.arange(50) % env.n_actions
        ey = env.best_mean - env.expected_regret(acts)
        got = []
        for a in acts:
            env.pull(int(a))
            got.append(env.last_expected_reward)
        np.testing.assert_allclose(got, ey, atol=1e-12)


def test_pseudo_regret_is_gap_and_vector_actions():
    env = realdata_dlb(0.01, 0)
    for a in range(env.n_actions):
        assert env.pseudo_regret(a) == pytest.approx(env.best_mean - env.means[a], abs=1e-15)
        assert env.pseudo_regret(a) >= 0
    assert env.pseudo_regret(env.features[2]) == pytest.approx(env.pseudo_regret(2), abs=1e-15)
    env.pull(np.array([0.1, 0.2, 0.3]))


def test_phi_constant_known_cases():
    """Phi = 1 for diagonal / normal A; >1 for a non-normal Jordan block; 1 for A = 0."""
    assert phi_constant(np.diag([0.5, -0.3])) == pytest.approx(1.0)
    J = np.array([[0.5, 1.0], [0.0, 0.5]])
    # ||J^i|| / 0.5^i = ||[[1, 2i], [0, 1]]||, max at i = 999 -> about 2 * 999
    assert phi_constant(J) == pytest.approx(
        np.linalg.norm(np.array([[1, 2 * 999], [0, 1]]), 2), rel=1e-9
    )
    assert phi_constant(np.zeros((2, 2))) == 1.0
    assert phi_constant(np.array([[0.0, 1.0], [0.0, 0.0]])) == np.inf


def test_cumulative_markov_matches_env():
    env = realdata_dlb(0.01, 0)
    np.testing.assert_allclose(cumulative_markov(env.A, env.B, env.omega, env.theta), env.h)


# ----------------------------------------------------------------------------- bad input
def _mats():
    M = synthetic_dlb(0.01, 0)
    return dict(A=M.A, B=M.B, C=M.C, D=M.D, actions=M.features, sigma=0.01, rng=0)


@pytest.mark.parametrize(
    "key,value,match",
    [
        ("A", np.diag([1.0, 0.2, 0.1]), "A must be stable"),
        ("A", np.diag([1.5, 0.2, 0.1]), "A must be stable"),
        ("A", np.ones((3, 2)), "A must be square"),
        ("A", np.array([[np.nan, 0, 0], [0, 0, 0], [0, 0, 0]]), "A must be finite"),
        ("B", np.ones((2, 3)), "B must have shape"),
        ("C", np.ones((3, 2)), "C must have shape"),
        ("C", np.full((3, 3), np.nan), "C must be finite"),
        ("D", np.ones((2, 3)), "D must have shape"),
        ("actions", np.ones((4, 2)), "actions must have shape"),
        ("actions", np.array([[np.nan, 0, 0]]), "actions must be finite"),
        ("sigma", -0.1, "sigma must be"),
        ("sigma", float("nan"), "sigma must be"),
    ],
)
def test_bad_inputs_raise_value_error_naming_argument(key, value, match):
    kw = _mats()
    kw[key] = value
    with pytest.raises(ValueError, match=match):
        DynamicalLinearBandit(
            kw.pop("A"),
            kw.pop("B"),
            kw.pop("C"),
            kw.pop("D"),
            kw.pop("actions"),
            kw.pop("sigma"),
            kw.pop("rng"),
        )


def test_bad_actions_in_pull():
    env = synthetic_dlb(0.01, 0)
    with pytest.raises(ValueError, match="a must be"):
        env.pull(6)
    with pytest.raises(ValueError, match="a must be"):
        env.pull(np.array([1.0, np.nan, 0.0]))
    with pytest.raises(ValueError, match="actions must be"):
        env.expected_regret(np.array([0.5, 1.0]))


def test_registered_factories():
    from mdpkit.experiments.registry import get_env

    e = get_env("dlb-synthetic")(np.random.default_rng(0), sigma=0.1)
    assert e.sigma == 0.1 and e.best_mean == pytest.approx(0.8125)
    r = get_env("dlb-realdata")(0)
    assert "expert" in r.env_info() and r.env_info()["rho"] == pytest.approx(0.66689, abs=1e-5)


@pytest.mark.parametrize("make", [synthetic_dlb, realdata_dlb])
def test_noise_free_reward_within_1e8_after_transient(make):
    """dynlin-ucb.md#model: holding any arm from x_1 = 0, |E y_t - h^T u| < 1e-8 once
    t >= log(1e-10)/log(rho) + 10 (the +10 absorbs Omega Phi ||x_inf||, <= 6 here)."""
    env = make(0.01, 0)
    t0 = int(np.ceil(np.log(1e-10) / np.log(env.rho))) + 10
    for k in range(env.n_actions):
        y = simulate_constant(env.A, env.omega, np.zeros(3), env.Bu[k], env.thetau[k], t0 + 200)
        assert np.all(np.abs(y[t0 - 1 :] - env.means[k]) < 1e-8)
        assert abs(y[t0 - 1 :].mean() - env.means[k]) < 1e-8

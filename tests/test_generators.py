"""Seeded generators: reproducibility, exact structure, distributions, known optimal policies.

Statistical tests use fixed seeds; each states its false-positive rate (for a correct
generator and a *random* seed) and asserts with the margin derived from it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

from mdpkit.models.generators import chain, gridworld, random_mdp, random_sparse_mdp, riverswim


def _numpy_vi(P, R, gamma, tol=1e-12):
    """Independent reference: plain sup-norm value iteration on dense (S, A, S)."""
    V = np.zeros(P.shape[0])
    while True:
        Q = R + gamma * P @ V
        V_new = Q.max(axis=1)
        if np.max(np.abs(V_new - V)) < tol * (1 - gamma):
            return V_new, Q.argmax(axis=1)
        V = V_new


def _numpy_backward(P, R, H):
    V = np.zeros(P.shape[0])
    pols = []
    for _ in range(H):
        Q = R + P @ V
        V = Q.max(axis=1)
        pols.append(Q.argmax(axis=1))
    return V, pols[::-1]


# ---------------------------------------------------------------- reproducibility
@pytest.mark.parametrize(
    "make",
    [
        lambda rng: random_mdp(6, 3, gamma=0.9, rng=rng),
        lambda rng: random_mdp(4, 2, horizon=3, rng=rng, step_dependent=True, alpha=0.05),
        lambda rng: random_sparse_mdp(50, 3, 4, gamma=0.9, rng=rng),
        lambda rng: random_sparse_mdp(30, 2, 30, horizon=5, rng=rng, alpha=0.05),
    ],
)
def test_same_seed_same_model(make):
    assert make(7) == make(7)
    assert make(7) == make(np.random.default_rng(7))
    assert make(np.random.SeedSequence(7)) == make(np.random.default_rng(np.random.SeedSequence(7)))
    assert not make(7) == make(8)


def test_rng_is_required_and_checked():
    with pytest.raises(TypeError, match="rng"):
        random_mdp(3, 2, gamma=0.9, rng=None)
    with pytest.raises(TypeError, match="rng"):
        random_sparse_mdp(3, 2, 1, gamma=0.9, rng="0")
    with pytest.raises(TypeError):
        random_mdp(3, 2, gamma=0.9)  # rng is a required keyword


# ------------------------------------------------------------------- random dense
def test_random_mdp_shapes_and_settings():
    m = random_mdp(5, 3, gamma=0.8, rng=0)
    assert (m.S, m.A, m.gamma, m.is_sparse, m.P.shape, m.R.shape) == (
        5,
        3,
        0.8,
        False,
        (5, 3, 5),
        (5, 3),
    )
    f = random_mdp(5, 3, horizon=4, rng=0)
    assert f.H == 4 and not f.step_dependent_P and f.R.shape == (5, 3)
    sd = random_mdp(5, 3, horizon=4, rng=0, step_dependent=True)
    assert (
        sd.step_dependent_P
        and sd.step_dependent_R
        and sd.P.shape == (4, 5, 3, 5)
        and sd.R.shape == (4, 5, 3)
    )
    assert not np.array_equal(sd.P[0], sd.P[1])  # independent per step
    for mdp in (m, f, sd):
        assert np.all((mdp.R >= 0) & (mdp.R < 1))
        assert np.max(np.abs(mdp.P.sum(-1) - 1)) <= 1e-14
    np.testing.assert_allclose(m.mu, 0.2)


def test_random_mdp_dirichlet_moments():
    """Entries of Dirichlet(alpha * 1_S) rows: mean 1/S, variance (1/S)(1-1/S)/(S alpha + 1).

    n = 12,000 rows. Mean: 6 standard errors (false-positive rate < 2e-9 by the normal
    approximation). Variance: relative margin 12%, the sample-variance standard error
    being about 2% here (> 5 standard errors, rate < 1e-6). Two alphas are told apart:
    their variances differ by a factor 1.7.
    """
    S = 4
    for alpha, seed in ((0.5, 1), (1.0, 2)):
        P = random_mdp(S, 3000, gamma=0.5, rng=seed, alpha=alpha).P.reshape(-1, S)
        x = P[:, 0]
        var = (1 / S) * (1 - 1 / S) / (S * alpha + 1)
        assert abs(x.mean() - 1 / S) < 6 * np.sqrt(var / x.size)
        assert abs(x.var() / var - 1) < 0.12


def test_small_alpha_is_nearly_deterministic():
    P = random_mdp(10, 50, gamma=0.5, rng=3, alpha=0.01).P
    assert np.median(P.max(axis=-1)) > 0.9
    assert np.max(np.abs(P.sum(-1) - 1)) <= 1e-14


def test_random_mdp_argument_errors():
    with pytest.raises(ValueError, match="S must be >= 1"):
        random_mdp(0, 2, gamma=0.5, rng=0)
    with pytest.raises(TypeError, match="A must be an integer"):
        random_mdp(2, 2.0, gamma=0.5, rng=0)
    with pytest.raises(ValueError, match="alpha must be >"):
        random_mdp(2, 2, gamma=0.5, rng=0, alpha=0.0)
    with pytest.raises(ValueError, match="alpha must be finite"):
        random_mdp(2, 2, gamma=0.5, rng=0, alpha=np.inf)
    with pytest.raises(ValueError, match="step_dependent=True needs"):
        random_mdp(2, 2, gamma=0.5, rng=0, step_dependent=True)
    # gamma and horizon together: a discounted finite-horizon model
    both = random_mdp(2, 2, gamma=0.5, horizon=3, rng=0)
    assert both.is_finite_horizon and both.gamma == 0.5 and not both.is_discounted
    with pytest.raises(ValueError, match="got neither"):
        random_mdp(2, 2, rng=0)
    with pytest.raises(ValueError, match="gamma must lie"):
        random_mdp(2, 2, gamma=1.0, rng=0)


# ------------------------------------------------------------------- random sparse
@pytest.mark.parametrize("S,A,k", [(1, 1, 1), (7, 3, 1), (7, 3, 7), (40, 2, 5), (100, 4, 40)])
def test_random_sparse_structure(S, A, k):
    m = random_sparse_mdp(S, A, k, gamma=0.9, rng=S + k)
    P = m.P
    assert m.is_sparse and P.shape == (S * A, S) and P.nnz == S * A * k
    np.testing.assert_array_equal(np.diff(P.indptr), k)
    cols = P.indices.reshape(S * A, k)
    assert np.all(np.diff(cols, axis=1) > 0)  # distinct and sorted
    assert cols.min() >= 0 and cols.max() < S
    sums = np.add.reduceat(P.data, P.indptr[:-1])
    assert np.max(np.abs(sums - 1)) <= 1e-14
    assert np.all(P.data > 0)
    assert m.R.shape == (S, A) and np.all((m.R >= 0) & (m.R < 1))


def test_random_sparse_successor_sets_are_uniform():
    """Floyd's sampling gives every k-subset the same probability.

    S = 5, k = 2: the 10 subsets, 12,000 rows -> chi-square with 9 degrees of freedom;
    threshold at the 1 - 1e-6 quantile (false-positive rate 1e-6). A biased sampler (e.g.
    always including the last state after a collision, or sorted consecutive picks) fails.
    """
    S, k = 5, 2
    m = random_sparse_mdp(S, 2400, k, gamma=0.5, rng=11)
    cols = m.P.indices.reshape(-1, k)
    code = cols[:, 0] * S + cols[:, 1]
    subsets = [a * S + b for a, b in itertools.combinations(range(S), 2)]
    counts = np.array([(code == c).sum() for c in subsets])
    assert counts.sum() == cols.shape[0]
    expected = cols.shape[0] / len(subsets)
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < stats.chi2.ppf(1 - 1e-6, df=len(subsets) - 1)


def test_random_sparse_large_is_built():
    m = random_sparse_mdp(100_000, 4, 5, gamma=0.99, rng=0)
    assert m.nnz == 2_000_000 and m.P.indices.dtype == np.int64
    assert m.P.has_canonical_format


def test_random_sparse_argument_errors():
    with pytest.raises(ValueError, match="n_successors must be <= S"):
        random_sparse_mdp(3, 2, 4, gamma=0.5, rng=0)
    with pytest.raises(ValueError, match="n_successors must be >= 1"):
        random_sparse_mdp(3, 2, 0, gamma=0.5, rng=0)
    with pytest.raises(ValueError, match="alpha"):
        random_sparse_mdp(3, 2, 1, gamma=0.5, rng=0, alpha=-1.0)


# ---------------------------------------------------------------------- RiverSwim
def test_riverswim_numbers():
    """Osband, Russo & Van Roy (2013) numbers, entry by entry."""
    S = 6
    m = riverswim(S, gamma=0.95)
    P = m.P
    left = np.zeros((S, S))
    left[0, 0] = 1
    for s in range(1, S):
        left[s, s - 1] = 1
    np.testing.assert_array_equal(P[:, 0], left)
    right = np.zeros((S, S))
    right[0, :2] = [0.4, 0.6]
    for s in range(1, S - 1):
        right[s, s - 1 : s + 2] = [0.05, 0.6, 0.35]
    right[S - 1, S - 2 :] = [0.4, 0.6]
    np.testing.assert_allclose(P[:, 1], right, atol=1e-15)
    R = np.zeros((S, 2))
    R[0, 0], R[S - 1, 1] = 0.005, 1.0
    np.testing.assert_array_equal(m.R, R)
    np.testing.assert_array_equal(m.mu, np.eye(S)[0])


def test_riverswim_optimal_policies():
    """Far-sighted: always swim right; myopic (gamma = 0.5): take the sure 0.005 at s = 0."""
    for gamma, pol0 in ((0.95, 1), (0.5, 0)):
        m = riverswim(gamma=gamma)
        _, pol = _numpy_vi(m.P, m.R, gamma)
        assert pol[0] == pol0 and np.all(pol[2:] == 1)
    f = riverswim(horizon=20)
    _, pols = _numpy_backward(f.P, f.R, 20)
    assert np.all(pols[0] == 1)  # with 20 steps left, right everywhere
    assert pols[-1][0] == 0 and pols[-1][-1] == 1  # last step: grab the immediate reward


def test_riverswim_sparse_and_size():
    d = riverswim(50, horizon=10)
    s = riverswim(50, horizon=10, sparse=True)
    assert s.is_sparse and s.nnz == 50 + 3 * 48 + 2 + 2
    np.testing.assert_array_equal(s.dense_P(), d.P)
    with pytest.raises(ValueError, match="S must be >= 2"):
        riverswim(1, gamma=0.9)


# -------------------------------------------------------------------------- chain
def test_chain_transitions_and_rewards():
    slip = 0.2
    m = chain(gamma=0.9)
    S = 5
    for s in range(S):
        fwd = min(s + 1, S - 1)
        expect_f = np.zeros(S)
        expect_f[fwd] += 1 - slip
        expect_f[0] += slip
        expect_b = np.zeros(S)
        expect_b[0] += 1 - slip
        expect_b[fwd] += slip
        np.testing.assert_allclose(m.P[s, 0], expect_f, atol=1e-15)
        np.testing.assert_allclose(m.P[s, 1], expect_b, atol=1e-15)
    end = np.arange(S) == S - 1
    np.testing.assert_allclose(m.R[:, 0], 0.8 * 10 * end + 0.2 * 2)
    np.testing.assert_allclose(m.R[:, 1], 0.8 * 2 + 0.2 * 10 * end)


def test_chain_optimal_policy_depends_on_gamma():
    """Known property: far-sighted agents go forward everywhere; myopic ones go back at the start."""
    m = chain(gamma=0.99)
    V, pol = _numpy_vi(m.P, m.R, 0.99)
    assert np.all(pol == 0)
    m = chain(gamma=0.5)
    _, pol = _numpy_vi(m.P, m.R, 0.5)
    assert pol[0] == 1 and pol[-1] == 0
    with pytest.raises(ValueError, match="slip must be <= 1"):
        chain(gamma=0.5, slip=1.5)


def test_chain_agrees_with_mdpkit_solver():
    solve = pytest.importorskip("mdpkit.solvers").solve
    m = chain(S=8, gamma=0.95, sparse=True)
    V_ref, pol_ref = _numpy_vi(m.dense_P(), m.R, 0.95)
    res = solve(m, tol=1e-10)
    np.testing.assert_allclose(res.V, V_ref, atol=1e-8)
    np.testing.assert_array_equal(res.policy, pol_ref)


# ---------------------------------------------------------------------- gridworld
def test_gridworld_deterministic_values():
    """slip = 0: entering the goal at step d pays gamma^(d-1); V*(cell) = gamma^(manhattan - 1)."""
    gamma = 0.9
    m = gridworld((3, 4), slip=0.0, gamma=gamma)
    V, _ = _numpy_vi(m.P, m.R, gamma)
    r, c = np.divmod(np.arange(12), 4)
    d = (2 - r) + (3 - c)
    expected = np.where(d > 0, gamma ** (d - 1.0), 0.0)
    np.testing.assert_allclose(V, expected, atol=1e-9)
    np.testing.assert_array_equal(m.mu, np.eye(12)[0])
    # finite horizon: reachable within H steps or not
    f = gridworld((3, 4), slip=0.0, horizon=4)
    V0, _ = _numpy_backward(f.P, f.R, 4)
    np.testing.assert_array_equal(V0, ((d > 0) & (d <= 4)).astype(float))


def test_gridworld_slip_walls_and_goal():
    m = gridworld((3, 3), slip=0.2, gamma=0.9, walls=[(1, 1)], goal=(2, 2), start=(0, 0))
    P = m.P
    # up from the top-left corner: blocked (0.8) or left slip (0.1) -> stay; right slip -> (0, 1)
    np.testing.assert_allclose(P[0, 0, [0, 1]], [0.9, 0.1])
    # down from (0, 1): into the wall (1, 1) -> stay 0.8; slips left/right 0.1 each
    np.testing.assert_allclose(P[1, 2, [0, 1, 2]], [0.1, 0.8, 0.1])
    wall, goal = 4, 8
    np.testing.assert_array_equal(
        P[:, :, wall].sum(axis=1)[np.arange(9) != wall], 0.0
    )  # never entered
    np.testing.assert_array_equal(P[goal, :, goal], 1.0)  # absorbing
    np.testing.assert_array_equal(m.R[goal], 0.0)
    # reward = goal_reward * probability of entering the goal
    expected_R = P[:, :, goal].copy()
    expected_R[goal] = 0.0
    np.testing.assert_allclose(m.R, expected_R)
    assert m.R[5, 2] == pytest.approx(0.8)  # (1, 2) down into the goal
    assert np.max(np.abs(P.sum(-1) - 1)) <= 1e-15


def test_gridworld_sparse_matches_dense_and_errors():
    d = gridworld((4, 5), slip=0.3, horizon=6, walls=[(1, 1), (2, 3)])
    s = gridworld((4, 5), slip=0.3, horizon=6, walls=[(1, 1), (2, 3)], sparse=True)
    np.testing.assert_allclose(s.dense_P(), d.P, atol=1e-15)
    np.testing.assert_array_equal(s.R, d.R)
    assert isinstance(s.P, sp.csr_matrix) and np.all(s.P.data > 0)
    with pytest.raises(ValueError, match="goal"):
        gridworld((2, 2), slip=0.1, gamma=0.9, goal=(2, 0))
    with pytest.raises(ValueError, match="walls must not contain the goal"):
        gridworld((2, 2), slip=0.1, gamma=0.9, walls=[(1, 1)])
    with pytest.raises(ValueError, match="slip must be >= 0"):
        gridworld((2, 2), slip=-0.1, gamma=0.9)
    with pytest.raises(TypeError, match="shape"):
        gridworld(4, slip=0.1, gamma=0.9)

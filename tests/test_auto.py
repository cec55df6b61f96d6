"""Method "auto" (the default of ``solve``): dense -> CSR conversion of mostly-zero models,
the two-engine value iteration of small discounted models, and dispatch per criterion.
Every certified claim is checked against exact policy-iteration values."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.models.generators import riverswim
from mdpkit.models.tabular import TabularMDP
from mdpkit.solvers import auto as au
from mdpkit.solvers import evaluate, solve
from mdpkit.solvers._dense_to_csr import fill_csr, row_counts
from mdpkit.utils import ConvergenceWarning


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 9), m=st.integers(1, 9), seed=st.integers(0, 2**32 - 1))
def test_dense_to_csr_kernels_match_scipy(n, m, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((n, m)) * (rng.random((n, m)) < 0.4)
    indptr = row_counts(X)
    indices = np.empty(indptr[-1], dtype=np.int64)
    data = np.empty(indptr[-1])
    fill_csr(X, indptr, indices, data)
    ref = sp.csr_matrix(X)
    assert np.array_equal(indptr, ref.indptr) and np.array_equal(indices, ref.indices)
    assert np.array_equal(data, ref.data)


def _unchecked(mdp):
    """The same dense model built with ``validate=False``: no CSR twin is made, so method
    "auto" converts it itself (the path of models the constructor does not pre-check)."""
    m = TabularMDP(mdp.P, mdp.R, gamma=mdp.gamma, mu=mdp.mu, validate=False)
    assert m.csr_twin is None and not m.is_sparse
    return m


def test_sparse_twin_converts_mostly_zero_dense_only():
    dense = _unchecked(riverswim(200, gamma=0.99))  # 80,000 entries, 0.7% non-zero
    twin, storage = au.sparse_twin(dense)
    assert storage == "csr (converted)" and twin.is_sparse
    assert np.array_equal(twin.dense_P(), dense.P) and np.array_equal(twin.R, dense.R)
    assert twin.gamma == dense.gamma and np.array_equal(twin.mu, dense.mu)
    # below SMALL_NNZ entries: kept dense
    assert au.sparse_twin(riverswim(100, gamma=0.99))[1] == "dense"
    # a model with a dense row block (density above DENSITY_MAX): kept dense
    rng = np.random.default_rng(0)
    S, A = 200, 2
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < 2 * au.DENSITY_MAX)
    P[:, :, 0] += 1e-3
    P /= P.sum(-1, keepdims=True)
    m = TabularMDP(P, rng.random((S, A)), gamma=0.9)
    assert m.csr_twin is None and au.sparse_twin(m)[1] == "dense"
    assert au.sparse_twin(_unchecked(m))[1] == "dense"
    # the sample says sparse but the full count says dense (dense rows between samples)
    n = S * A
    rows = np.unique(np.linspace(0, n - 1, min(n, au.SAMPLE_ROWS)).astype(np.int64))
    P2 = np.full((n, S), 1.0 / S)
    P2[rows] = 0.0
    P2[rows, 0] = 1.0
    m = TabularMDP(P2.reshape(S, A, S), rng.random((S, A)), gamma=0.9)
    assert au.density_estimate(m.P.reshape(n, S)) <= 1.5 * au.DENSITY_MAX
    assert m.csr_twin is None and au.sparse_twin(m)[1] == "dense"
    assert au.sparse_twin(_unchecked(m))[1] == "dense"


def test_sparse_twin_uses_the_models_csr_twin():
    given = riverswim(200, gamma=0.99, sparse=True).dense_P()
    R = np.random.default_rng(3).random((200, 2))
    dense = TabularMDP(given, R, gamma=0.99)
    assert dense.csr_twin is not None and not dense.is_sparse
    twin, storage = au.sparse_twin(dense)
    assert storage == "csr (twin)" and twin.is_sparse
    assert (twin.P != dense.csr_twin).nnz == 0
    assert np.array_equal(twin.dense_P(), given) and np.array_equal(dense.P, given)
    ref = solve(_unchecked(dense))
    res = solve(dense)
    assert res.extras["auto"]["storage"] == "csr (twin)"
    assert np.array_equal(res.policy, ref.policy) and np.array_equal(res.V, ref.V)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("gamma", [0.9, 0.999])
def test_default_solve_is_certified(sparse, gamma):
    mdp = riverswim(200, gamma=gamma, sparse=sparse)
    res = solve(mdp)
    assert res.converged and res.bound <= 1e-6 and res.method == "vi"
    auto = res.extras["auto"]
    assert auto["storage"] == ("csr" if sparse else "csr (twin)")
    assert sum(n for _, n in auto["stages"]) == res.n_iter
    exact = solve(mdp, method="pi")
    loss = float((exact.V - evaluate(mdp, res.policy)).max())
    assert loss <= res.bound + 1e-12
    assert np.abs(res.V - exact.V).max() <= res.extras["value_error_bound"] + 1e-12
    if gamma == 0.999:  # slowly mixing: more than the numpy stage
        assert [e for e, _ in auto["stages"]] == ["numpy", "numba"]
        assert auto["stages"][0][1] == au.NUMPY_SWEEPS


def test_default_solve_fast_mixing_stays_on_numpy():
    rng = np.random.default_rng(1)
    P = rng.random((5, 2, 5))
    P /= P.sum(-1, keepdims=True)
    res = solve(TabularMDP(P, rng.random((5, 2)), gamma=0.9))
    assert res.extras["auto"] == {"storage": "dense", "stages": [("numpy", res.n_iter)]}
    assert res.n_iter <= au.NUMPY_SWEEPS


def test_auto_respects_max_iter_and_warns():
    mdp = riverswim(50, gamma=0.999, sparse=True)
    with pytest.warns(ConvergenceWarning):
        res = solve(mdp, max_iter=10)
    assert not res.converged and res.n_iter == 10
    with pytest.warns(ConvergenceWarning):
        res = solve(mdp, max_iter=100)
    assert not res.converged and res.n_iter == 100
    assert res.extras["auto"]["stages"] == [
        ("numpy", au.NUMPY_SWEEPS),
        ("numba", 100 - au.NUMPY_SWEEPS),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        assert solve(mdp).converged


def test_auto_with_action_mask_and_other_criteria():
    base = riverswim(200, gamma=0.99)
    mask = np.ones((200, 2), dtype=bool)
    mask[100:150, 1] = False  # no swimming right in the middle
    m = base.replace(action_mask=mask)
    res = solve(m)
    assert res.extras["auto"]["storage"] == "csr (twin)"
    assert mask[np.arange(200), res.policy].all()
    assert np.isneginf(res.Q[~mask]).all()
    exact = solve(m, method="pi")
    assert float((exact.V - evaluate(m, res.policy)).max()) <= res.bound + 1e-12
    # finite horizon and average reward: the setting's method on the converted model
    fh = riverswim(200, horizon=30)
    r_auto, r_back = solve(fh), solve(fh, method="backward")
    assert r_auto.method == "backward" and r_auto.extras["auto"]["storage"] == "csr (twin)"
    assert np.allclose(r_auto.V, r_back.V, rtol=0, atol=1e-12)
    assert np.array_equal(r_auto.policy[0], r_back.policy[0])
    avg = TabularMDP(base.P, base.R, criterion="average")
    r_auto, r_rvi = solve(avg), solve(avg, method="rvi")
    assert r_auto.method == "rvi" and abs(r_auto.gain - r_rvi.gain) <= 2e-6


def test_auto_total_reward_is_policy_iteration_on_the_converted_model():
    # a 300-state corridor to an absorbing exit at 0, cost 1 per step: V(s) = -(steps to 0)
    S = 300
    P = np.zeros((S, 2, S))
    s = np.arange(1, S)
    P[s, 0, s - 1] = 1.0  # left
    P[s, 1, np.minimum(s + 1, S - 1)] = 1.0  # right
    P[0, :, 0] = 1.0
    R = -np.ones((S, 2))
    R[0] = 0.0
    m = TabularMDP(P, R, criterion="total", terminal=[0])
    res = solve(m)
    assert res.method == "pi" and res.extras["auto"]["storage"] == "csr (twin)"
    assert np.array_equal(res.V, -np.arange(S, dtype=float))
    assert (res.policy[1:] == 0).all()

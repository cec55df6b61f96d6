"""A large mostly-zero dense P is stored as its CSR twin (``TabularMDP.csr_twin``): checked and
copied to CSR in one compiled pass, dense again for its user (``P`` rebuilt on first access).
Each test compares with the same model built without the twin (``validate=False`` or a
model kept dense) or with an independent scipy conversion."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit import TabularMDP
from mdpkit.models import _validate, tabular
from mdpkit.models.generators import chain, gridworld, riverswim
from mdpkit.solvers import evaluate, solve


def _mostly_zero(S=200, A=2, k=3, seed=0, large=True):
    """(P, R): dense (S, A, S) with k successors per pair (density k/S); by default 80,000
    entries (``large``: at least DENSE_NUMBA_MIN_SIZE)."""
    rng = np.random.default_rng(seed)
    P = np.zeros((S, A, S))
    for s in range(S):
        for a in range(A):
            nxt = rng.choice(S, size=k, replace=False)
            P[s, a, nxt] = rng.dirichlet(np.ones(k))
    assert (P.size >= tabular.DENSE_NUMBA_MIN_SIZE) == large and k <= tabular.DENSITY_MAX * S
    return P, rng.random((S, A))


def test_twin_is_the_scipy_csr_of_p_and_p_is_exact():
    P, R = _mostly_zero()
    mdp = TabularMDP(P, R, gamma=0.9)
    twin = mdp.csr_twin
    ref = sp.csr_matrix(P.reshape(-1, P.shape[-1]))
    assert not mdp.is_sparse and twin is not None
    assert repr(mdp) == f"TabularMDP(S=200, A=2, gamma=0.9, dense, CSR twin nnz={ref.nnz})"
    assert np.array_equal(twin.indptr, ref.indptr) and np.array_equal(twin.indices, ref.indices)
    assert np.array_equal(twin.data, ref.data)
    assert mdp.nnz == P.size and not mdp.step_dependent_P
    assert np.array_equal(mdp.P, P) and mdp.P.shape == P.shape
    assert not mdp.P.flags.writeable and mdp.P is mdp.P  # built once, kept
    assert np.array_equal(mdp.dense_P(), P) and np.array_equal(mdp.P_at(), P)
    assert (mdp.sparse_P() != ref).nnz == 0
    # the same model kept dense (no pre-check: no twin) is equal and solves the same
    plain = TabularMDP(P, R, gamma=0.9, validate=False)
    assert plain.csr_twin is None and plain == mdp and mdp == plain
    assert np.array_equal(solve(mdp).policy, solve(plain).policy)


def test_copy_true_twin_is_private_copy_false_keeps_the_callers_array():
    P, R = _mostly_zero()
    mdp = TabularMDP(P, R, gamma=0.9)
    assert P.flags.writeable
    keep = P.copy()
    P[0, 0, :] = 1.0 / P.shape[-1]  # later writes are not seen
    assert np.array_equal(mdp.P, keep) and not np.shares_memory(mdp.P, P)
    P = keep
    own = TabularMDP(P, R, gamma=0.9, copy=False)
    assert own.csr_twin is not None and np.shares_memory(own.P, P)
    assert not P.flags.writeable and own == mdp


@pytest.mark.parametrize(
    "fault, match",
    [
        (lambda P: P.__setitem__((7, 1, 5), np.nan), r"P\[7, 1, 5\] is nan"),
        (lambda P: P.__setitem__((7, 1, 5), -np.inf), r"P\[7, 1, 5\] is -inf"),
        (
            lambda P: P.__setitem__(
                (9, 1, slice(None)), np.r_[-0.25, 1.25, np.zeros(P.shape[-1] - 2)]
            ),
            r"P\[9, 1, 0\] = -0.25 is negative",
        ),
        (lambda P: P.__setitem__((150, 0, 3), P[150, 0, 3] + 1e-9), r"P\[150, 0, :\] sums to"),
        (lambda P: P.__setitem__((199, 1, slice(None)), 0.0), r"P\[199, 1, :\] sums to 0.0"),
    ],
)
def test_faults_in_a_mostly_zero_model_give_the_numpy_messages(fault, match):
    P, R = _mostly_zero()
    fault(P)
    assert _validate.first_suspect_row(P.reshape(-1, P.shape[-1]), 1e-10) >= 0
    for copy in (True, False):
        with pytest.raises(ValueError, match=match):
            TabularMDP(P, R, gamma=0.9, copy=copy)
    assert P.flags.writeable


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 40),
    m=st.integers(1, 30),
    frac=st.floats(0.0, 0.5),
    capacity=st.integers(0, 200),
    seed=st.integers(0, 2**32 - 1),
)
def test_check_rows_to_csr_matches_scipy_and_the_row_check(n, m, frac, capacity, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((n, m)) * (rng.random((n, m)) < frac)
    X[np.arange(n), rng.integers(0, m, n)] += 1.0
    X /= X.sum(1, keepdims=True)
    if rng.random() < 0.3:  # one faulty row
        X[rng.integers(n), rng.integers(m)] += rng.choice([1e-8, -2.0, np.nan])
    indptr = np.empty(n + 1, dtype=np.int64)
    indices = np.empty(capacity, dtype=np.int64)
    data = np.empty(capacity)
    got = _validate.check_rows_to_csr(X, 1e-10, indptr, indices, data)
    first = _validate.first_suspect_row(X, 1e-10)
    ref = sp.csr_matrix(X)
    upto = n if first < 0 else first  # rows before the first suspect one
    if int(ref.indptr[upto]) > capacity or (first >= 0 and ref.indptr[first + 1] > capacity):
        # over capacity before the suspect row was finished
        assert got in (_validate.OVER_CAPACITY, _validate.SUSPECT_ROW)
        if first < 0 or int(ref.indptr[first]) > capacity:
            assert got == _validate.OVER_CAPACITY
        return
    if first >= 0:
        assert got == _validate.SUSPECT_ROW
        return
    assert got == ref.nnz
    assert np.array_equal(indptr, ref.indptr)
    assert np.array_equal(indices[:got], ref.indices) and np.array_equal(data[:got], ref.data)
    back = np.zeros((n, m))
    _validate.scatter_csr(indptr, indices, data, back)
    assert np.array_equal(back, X)


def test_density_threshold_decides_the_twin():
    """At most DENSITY_MAX non-zeros: twin; one more non-zero: kept dense."""
    S, A = 200, 2
    k = int(tabular.DENSITY_MAX * S)  # 20 successors per pair: exactly the threshold
    P, R = _mostly_zero(S, A, k)
    assert TabularMDP(P, R, gamma=0.9).csr_twin is not None
    Q = P.copy()
    row = Q[5, 1]
    j = int(np.flatnonzero(row == 0)[0])
    i = int(np.flatnonzero(row)[0])
    row[j], row[i] = row[i] / 2, row[i] / 2  # one more non-zero, same row sum
    m = TabularMDP(Q, R, gamma=0.9)
    assert m.csr_twin is None and np.array_equal(m.P, Q)
    # below DENSE_NUMBA_MIN_SIZE entries: never a twin
    P_small, R_small = _mostly_zero(150, 2, 3, large=False)
    assert TabularMDP(P_small, R_small, gamma=0.9).csr_twin is None


def test_pickle_and_replace_keep_a_twin_model_dense():
    P, R = _mostly_zero()
    mdp = TabularMDP(P, R, gamma=0.9)
    back = pickle.loads(pickle.dumps(mdp))
    assert back == mdp and not back.is_sparse and back.csr_twin is not None
    P2, _ = _mostly_zero(seed=1)
    assert TabularMDP(P2, R, gamma=0.9) != mdp  # twins compared entry by entry
    assert np.array_equal(back.P, P)
    other = mdp.replace(gamma=0.5)
    assert not other.is_sparse and other.gamma == 0.5 and other.csr_twin is not None
    assert np.array_equal(other.P, P) and np.array_equal(other.R, R)
    mask = np.ones(R.shape, dtype=bool)
    mask[3, 0] = False
    masked = mdp.replace(action_mask=mask)
    assert np.array_equal(masked.action_mask, mask) and not masked.is_sparse
    res = solve(masked)
    assert res.policy[3] == 1
    fh = mdp.replace(gamma=None, horizon=4, action_mask=np.broadcast_to(mask, (4,) + mask.shape))
    assert fh.action_mask.shape == (4,) + mask.shape and fh.csr_twin is not None


@pytest.mark.parametrize(
    "build",
    [
        lambda sparse: riverswim(200, gamma=0.95, sparse=sparse),
        lambda sparse: chain(300, gamma=0.95, sparse=sparse),
        lambda sparse: gridworld((12, 12), slip=0.1, gamma=0.95, sparse=sparse),
    ],
)
def test_generators_dense_models_equal_their_sparse_versions(build):
    dense, sparse = build(False), build(True)
    assert not dense.is_sparse and dense.csr_twin is not None
    assert np.array_equal(dense.P, sparse.dense_P())
    assert (dense.csr_twin != sparse.P).nnz == 0
    assert np.array_equal(dense.R, sparse.R) and np.array_equal(dense.mu, sparse.mu)
    pol = solve(dense).policy
    assert np.allclose(evaluate(dense, pol), evaluate(sparse, pol), rtol=0, atol=1e-9)


def test_total_reward_model_with_a_twin_checks_its_terminal_states():
    S = 300
    P = np.zeros((S, 2, S))
    s = np.arange(1, S)
    P[s, 0, s - 1] = 1.0
    P[s, 1, np.minimum(s + 1, S - 1)] = 1.0
    P[0, :, 0] = 1.0
    R = -np.ones((S, 2))
    R[0] = 0.0
    m = TabularMDP(P, R, criterion="total", terminal=[0])
    assert m.csr_twin is not None
    with pytest.raises(ValueError, match="terminal state 5 must be absorbing"):
        TabularMDP(
            P, np.where(np.arange(S)[:, None] == 5, 0.0, R), criterion="total", terminal=[0, 5]
        )


def test_evaluate_and_occupancy_use_the_twin():
    """Above DENSE_THRESHOLD states the policy system of a twin model is built from its CSR
    rows (sparse Krylov), as for the CSR model itself: the same numbers bit for bit, and the
    same values as the dense path within its certified error."""
    from mdpkit.solvers.discounted_evaluation import DENSE_THRESHOLD
    from mdpkit.solvers.discounted_evaluation import occupancy_discounted as occupancy

    S = DENSE_THRESHOLD + 500
    dense, sparse = riverswim(S, gamma=0.9), riverswim(S, gamma=0.9, sparse=True)
    plain = TabularMDP(dense.P, dense.R, gamma=0.9, mu=dense.mu, validate=False)
    assert dense.csr_twin is not None and plain.csr_twin is None
    pol = np.random.default_rng(0).integers(0, 2, S)
    V = evaluate(dense, pol)
    assert np.array_equal(V, evaluate(sparse, pol))
    assert np.allclose(V, evaluate(plain, pol), rtol=0, atol=1e-9)
    stoch = np.full((S, 2), 0.5)
    assert np.array_equal(occupancy(dense, stoch), occupancy(sparse, stoch))
    assert np.allclose(occupancy(dense, stoch), occupancy(plain, stoch), rtol=0, atol=1e-9)

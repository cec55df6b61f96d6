"""numba kernels of mdpkit.solvers._kernels against their plain-numpy references.

Each test would fail for a kernel that drops an action of a block of four, mishandles the
remainder actions (A not a multiple of 4), reads the wrong CSR segment, breaks the stopping
rule or the modified-policy-iteration ping-pong of buffers.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.solvers import _kernels as K
from mdpkit.solvers import vi


def _random_dense(rng, S, A, zeros=0.5):
    P = rng.dirichlet(np.ones(S), size=(S, A))
    P[rng.random((S, A, S)) < zeros] = 0.0
    P[:, :, 0] += 1e-3  # keep every row non-empty
    P /= P.sum(axis=2, keepdims=True)
    R = rng.normal(size=(S, A))
    return P, R


def _csr(P):
    S, A, _ = P.shape
    M = sp.csr_matrix(P.reshape(S * A, S))
    M.sort_indices()
    return M.indptr.astype(np.int64), M.indices.astype(np.int64), M.data


@settings(max_examples=40, deadline=None)
@given(
    S=st.integers(1, 9),
    A=st.integers(1, 11),
    seed=st.integers(0, 2**32 - 1),
    gamma=st.floats(0.0, 0.99),
)
def test_bellman_dense_and_csr_match_reference(S, A, seed, gamma):
    rng = np.random.default_rng(seed)
    P, R = _random_dense(rng, S, A)
    V = rng.normal(size=S) * 10
    Q_ref, TV_ref = K.bellman_dense_ref(P, R, gamma, V)
    Q = np.empty((S, A))
    TV = np.empty(S)
    dmin, dmax = K.bellman_dense(P, R, gamma, V, Q, TV)
    np.testing.assert_allclose(Q, Q_ref, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(TV, TV_ref, rtol=1e-13, atol=1e-12)
    assert dmin == pytest.approx((TV_ref - V).min(), abs=1e-11)
    assert dmax == pytest.approx((TV_ref - V).max(), abs=1e-11)

    # CSR: scipy product + numba epilogue, against the segment-sum numpy reference
    indptr, indices, data = _csr(P)
    Qc_ref, TVc_ref = K.bellman_csr_ref(indptr, indices, data, R, gamma, V)
    np.testing.assert_allclose(Qc_ref, Q_ref, rtol=1e-13, atol=1e-12)  # the two references agree
    PV = sp.csr_matrix((data, indices, indptr), shape=(S * A, S)) @ V
    Qc = np.empty((S, A))
    TVc = np.empty(S)
    cmin, cmax = K.bellman_epilogue(PV, R, gamma, V, Qc, TVc)
    np.testing.assert_allclose(Qc, Qc_ref, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(TVc, TVc_ref, rtol=1e-13, atol=1e-12)
    # no fastmath in the epilogue: bit-identical to numpy on the same product
    Q_np = R + gamma * PV.reshape(S, A)
    assert np.array_equal(Qc, Q_np) and np.array_equal(TVc, Q_np.max(axis=1))
    assert cmin == (TVc - V).min() and cmax == (TVc - V).max()
    assert cmin == pytest.approx(dmin, abs=1e-11) and cmax == pytest.approx(dmax, abs=1e-11)


def test_bellman_epilogue_ties_and_extremes():
    """First maximising action wins; d_min/d_max come from the right states."""
    R = np.array([[1.0, 3.0, 3.0, 0.0], [-2.0, -5.0, -1.0, -1.0]])
    PV = np.array([0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.0])  # row 0, action 3: 0 + 0.5*10 = 5
    V = np.array([1.0, 0.0])
    Q = np.empty((2, 4))
    TV = np.empty(2)
    dmin, dmax = K.bellman_epilogue(PV, R, 0.5, V, Q, TV)
    np.testing.assert_array_equal(Q, [[1.0, 3.0, 3.0, 5.0], [-2.0, -5.0, -1.0, -1.0]])
    np.testing.assert_array_equal(TV, [5.0, -1.0])
    assert (dmin, dmax) == (-1.0, 4.0)
    pol = np.empty(2, dtype=np.int64)
    K.argmax_rows(Q, pol)
    np.testing.assert_array_equal(pol, [3, 2])  # ties (-1, -1) -> smaller index 2


@settings(max_examples=30, deadline=None)
@given(S=st.integers(1, 9), A=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_policy_sweeps_match_reference(S, A, seed):
    rng = np.random.default_rng(seed)
    P, R = _random_dense(rng, S, A)
    pol = rng.integers(0, A, size=S).astype(np.int64)
    V = rng.normal(size=S)
    ref = K.policy_sweep_dense_ref(P, R, 0.9, pol, V)
    out = np.empty(S)
    K.policy_sweep_dense(P, R, 0.9, pol, V, out)
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-13)
    indptr, indices, data = _csr(P)
    ref_c = K.policy_sweep_csr_ref(indptr, indices, data, R, 0.9, pol, V)
    np.testing.assert_allclose(ref_c, ref, rtol=1e-13, atol=1e-13)
    out_c = np.empty(S)
    K.policy_sweep_csr(indptr, indices, data, R, 0.9, pol, V, out_c)
    np.testing.assert_allclose(out_c, ref_c, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("rule", [K.RULE_SPAN, K.RULE_SUPNORM])
@pytest.mark.parametrize("m", [0, 1, 3])
@pytest.mark.parametrize("A", [1, 3, 4, 6])
def test_vi_loops_match_reference(rule, m, A):
    rng = np.random.default_rng(100 * A + 10 * m + rule)
    S = 12
    P, R = _random_dense(rng, S, A, zeros=0.7)
    gamma, tol = 0.9, 1e-7
    V0 = np.zeros(S)
    ref = K.vi_loop_ref(P, R, gamma, V0, 10_000, rule, tol, m)
    dense = K.vi_loop_dense(P, R, gamma, V0, 10_000, rule, tol, m)
    indptr, indices, data = _csr(P)
    Pc = sp.csr_matrix((data, indices, indptr), shape=(S * A, S))
    csr = vi.vi_loop_csr(Pc, R, gamma, V0, 10_000, rule, tol, m)
    if m == 0:  # same scipy product, no fastmath epilogue: bit-identical to the numpy engine
        npy = vi.vi_loop_numpy(Pc, R, gamma, V0, 10_000, rule, tol, m)
        for i in (0, 1, 2):
            assert np.array_equal(csr[i], npy[i])
        assert csr[3:] == npy[3:]
    assert ref[6] and dense[6] and csr[6]  # converged
    for out in (dense, csr):
        assert out[3] == ref[3]  # same number of sweeps
        for i in (0, 1, 2):  # V_n, TV_n, Q_n
            np.testing.assert_allclose(out[i], ref[i], rtol=1e-11, atol=1e-11)
        assert out[4] == pytest.approx(ref[4], abs=1e-10) and out[5] == pytest.approx(
            ref[5], abs=1e-10
        )
    # the rule really holds at the stop and not one sweep earlier
    c = gamma / (1 - gamma)
    stat = (
        (lambda lo, hi: c * (hi - lo))
        if rule == K.RULE_SPAN
        else (lambda lo, hi: 2 * c * max(abs(lo), abs(hi)))
    )
    assert stat(ref[4], ref[5]) <= tol
    if ref[3] > 1:
        prev = K.vi_loop_ref(P, R, gamma, V0, ref[3] - 1, rule, tol, m)
        assert not prev[6] and stat(prev[4], prev[5]) > tol


def test_vi_loop_respects_max_iter():
    rng = np.random.default_rng(7)
    P, R = _random_dense(rng, 10, 3)
    ref = K.vi_loop_ref(P, R, 0.99, np.zeros(10), 3, K.RULE_SUPNORM, 1e-12, 0)
    Pc = sp.csr_matrix((lambda ip, ix, d: (d, ix, ip))(*_csr(P)), shape=(30, 10))
    for out in (
        K.vi_loop_dense(P, R, 0.99, np.zeros(10), 3, K.RULE_SUPNORM, 1e-12, 0),
        vi.vi_loop_csr(Pc, R, 0.99, np.zeros(10), 3, K.RULE_SUPNORM, 1e-12, 0),
    ):
        assert out[3] == 3 and not out[6]
        np.testing.assert_allclose(out[1], ref[1], rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(S=st.integers(1, 60), seed=st.integers(0, 2**32 - 1), gamma=st.floats(0.0, 0.99))
def test_bicgstab_matches_reference_and_solves(S, seed, gamma):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(S, 0.3), size=S)
    P[rng.random((S, S)) < 0.6] = 0.0
    P[np.arange(S), rng.integers(0, S, size=S)] += 0.1
    P /= P.sum(axis=1, keepdims=True)
    M = sp.csr_matrix(np.eye(S) - gamma * P)
    b = rng.normal(size=S)
    x0 = rng.normal(size=S)
    exact = np.linalg.solve(M.toarray(), b)
    atol = 1e-11
    ind = M.indptr.astype(np.int64), M.indices.astype(np.int64), M.data
    y = np.empty(S)
    K.csr_matvec(*ind, x0, y)
    np.testing.assert_allclose(y, M @ x0, rtol=1e-13, atol=1e-13)
    x, code, it = K.bicgstab_csr(*ind, b, x0, atol, 500)
    xr, code_r, it_r = K.bicgstab_ref(M, b, x0, atol, 500)
    xd, code_d, it_d = K.bicgstab_dense(M.toarray(), b, x0, atol, 500)
    assert code == code_r == code_d == 0
    assert abs(it - it_r) <= 1 and abs(it_d - it_r) <= 1  # same recurrences up to rounding
    np.testing.assert_allclose(xd, exact, atol=1e-8 / (1 - gamma))
    yd = np.empty(S)
    K.dense_matvec(M.toarray(), x0, yd)
    np.testing.assert_allclose(yd, M @ x0, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(x, exact, atol=1e-8 / (1 - gamma))
    np.testing.assert_allclose(xr, exact, atol=1e-8 / (1 - gamma))


@pytest.mark.parametrize("A", [1, 3])
def test_policy_system_csr_matches_reference(A):
    rng = np.random.default_rng(A)
    S = 15
    P, _ = _random_dense(rng, S, A, zeros=0.6)
    P[np.arange(S), 0, np.arange(S)] += 0.5  # self-loops: duplicate diagonal entries
    P /= P.sum(axis=2, keepdims=True)
    indptr, indices, data = _csr(P)
    pol = rng.integers(0, A, size=S).astype(np.int64)
    ip, ind, dat = K.policy_system_csr(indptr, indices, data, A, pol, 0.9)
    M = sp.csr_matrix((dat, ind, ip), shape=(S, S)).toarray()
    np.testing.assert_allclose(M, K.policy_system_ref(P.reshape(S * A, S), pol, 0.9), atol=1e-15)
    np.testing.assert_allclose(
        M, K.policy_system_ref(sp.csr_matrix(P.reshape(S * A, S)), pol, 0.9), atol=1e-15
    )


@pytest.mark.parametrize("A", [1, 3, 4])
@pytest.mark.parametrize("step_R", [False, True])
@pytest.mark.parametrize("itype", [np.int32, np.int64])
def test_backward_csr_kernels_match_numpy_twin_exactly(A, step_R, itype):
    """The fused CSR backward-induction kernel (V, policy) and the deferred Q kernel equal the
    scipy twin bit for bit (same additions in stored order, first-max ties), incl. exact
    ties, for int32 and int64 indices."""
    from mdpkit.solvers import _finite_horizon_kernels as F

    rng = np.random.default_rng(10 * A + step_R)
    S, H = 9, 6
    P, _ = _random_dense(rng, S, A)
    # rewards on a coarse grid so that exact ties between actions occur
    R = rng.integers(0, 3, size=(H, S, A) if step_R else (S, A)).astype(float)
    indptr, indices, data = _csr(P)
    Pc = sp.csr_matrix((data, indices, indptr), shape=(S * A, S))
    V, Q, pol = np.empty((H, S)), np.empty((H, S, A)), np.empty((H, S), dtype=np.int64)
    R3 = np.ascontiguousarray(R if step_R else R[None])
    csr = indptr.astype(itype), indices.astype(itype), data
    F.backward_csr(*csr, R3, H, V, pol, np.empty((1, 0, 0)), False)
    F.q_values_csr(*csr, R3, V, Q)
    Vr, Qr, polr = F.backward_numpy(Pc, R, H)
    assert np.array_equal(V, Vr) and np.array_equal(Q, Qr) and np.array_equal(pol, polr)
    V2, Q2, pol2 = np.empty_like(V), np.full_like(Q, np.nan), np.empty_like(pol)
    F.backward_csr(*csr, R3, H, V2, pol2, Q2, True)  # Q stored during the solve
    assert np.array_equal(V2, Vr) and np.array_equal(Q2, Qr) and np.array_equal(pol2, polr)
    assert np.array_equal(Q[H - 1], R3[-1])  # last step: V_H = 0
    if A > 1:
        assert (Q.max(axis=2, keepdims=True) == Q).sum(axis=2).max() > 1  # ties were exercised
    # independent check of one step against the dense einsum
    np.testing.assert_allclose(
        Q[0], R3[0] + np.einsum("sat,t->sa", P, V[1]), rtol=1e-13, atol=1e-12
    )


@pytest.mark.parametrize("A", [1, 3, 5])
@pytest.mark.parametrize("step", [False, True])
def test_backward_dense_kernels_match_numpy_twin(A, step):
    """The fused dense kernel (eight-stream product, branch-free max) equals the numpy twin
    to rounding, stationary and step-dependent P and R, with exact reward ties; V is its Q
    at the policy exactly. S*A = 11, 33, 55: below, at and above multiples of 8 rows."""
    from mdpkit.solvers import _finite_horizon_kernels as F

    rng = np.random.default_rng(100 + 10 * A + step)
    S, H = 11, 7
    P = np.stack([_random_dense(rng, S, A)[0] for _ in range(H if step else 1)])
    R = rng.integers(0, 3, size=(H if step else 1, S, A)).astype(float)
    V, Q, pol = np.empty((H, S)), np.empty((H, S, A)), np.empty((H, S), dtype=np.int64)
    F.backward_dense(P.reshape(P.shape[0], S * A, S), R, H, V, Q, pol)
    Vr, Qr, _ = F.backward_numpy(P if step else P[0], R if step else R[0], H)
    np.testing.assert_allclose(Q, Qr, rtol=1e-14, atol=1e-13)
    np.testing.assert_allclose(V, Vr, rtol=1e-14, atol=1e-13)
    # the policy is greedy for Q and picks the first maximiser among exact ties
    # (R on an integer grid; at the last step Q = R exactly, so ties are certain for A > 1)
    if A > 1:
        assert (Q[-1] == Q[-1].max(axis=1, keepdims=True)).sum(axis=1).max() > 1
    assert np.array_equal(Q[np.arange(H)[:, None], np.arange(S)[None], pol], V)
    assert np.array_equal(pol, Q.argmax(axis=2))


@pytest.mark.parametrize("n", [1, 7, 8, 9, 23, 64, 131])
def test_matvec_8_streams_matches_blas(n):
    """The eight-stream product covers every row once (n below, at and above multiples of
    8, including the n - 8*(n//8) remainder rows) and equals BLAS to rounding."""
    from mdpkit.solvers import _finite_horizon_kernels as F

    rng = np.random.default_rng(n)
    M = rng.random((n, 37))
    x = rng.normal(size=37)
    out = np.full(n, np.nan)
    F._matvec_8_streams(M, x, out)
    np.testing.assert_allclose(out, M @ x, rtol=1e-13, atol=1e-13)

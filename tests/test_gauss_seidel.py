"""Gauss-Seidel value iteration: certified bound against exact PI values, dense and CSR,
with masks; the numba sweep against a plain-Python reference sweep."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.models.tabular import TabularMDP
from mdpkit.solvers import evaluate, solve
from mdpkit.solvers.gs import gs_sweep_csr, gs_sweep_dense
from mdpkit.utils import ConvergenceWarning


def ref_sweep(P, R, gamma, V):
    V = V.copy()
    for s in range(R.shape[0]):
        V[s] = max(R[s, a] + gamma * P[s, a] @ V for a in range(R.shape[1]))
    return V


@settings(max_examples=20, deadline=None)
@given(
    S=st.integers(1, 7),
    A=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    gamma=st.sampled_from([0.0, 0.5, 0.9, 0.99]),
    sparse=st.booleans(),
)
def test_gs_certificate_is_true(S, A, seed, gamma, sparse):
    rng = np.random.default_rng(seed)
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < 0.5) + 1e-3
    P /= P.sum(axis=2, keepdims=True)
    R = rng.normal(size=(S, A))
    m = TabularMDP(sp.csr_matrix(P.reshape(S * A, S)) if sparse else P, R, gamma=gamma)
    V_star = solve(m, method="pi").V
    for tol in (1e-3, 1e-8):
        res = solve(m, method="gs", tol=tol)
        assert res.converged and res.bound <= tol
        loss = float((V_star - evaluate(m, res.policy)).max())
        assert loss <= res.bound + 1e-9
    # the compiled sweep equals the reference sweep
    V0 = rng.normal(size=S)
    V1 = V0.copy()
    if sparse:
        Pc = m.P
        gs_sweep_csr(Pc.indptr, Pc.indices, Pc.data, np.ascontiguousarray(R), gamma, V1)
    else:
        gs_sweep_dense(np.ascontiguousarray(P), np.ascontiguousarray(R), gamma, V1)
    np.testing.assert_allclose(V1, ref_sweep(P, R, gamma, V0), rtol=1e-12, atol=1e-12)


def test_gs_with_mask_and_cap():
    P = np.zeros((2, 2, 2))
    P[0, 0] = [0.5, 0.5]
    P[0, 1] = [0.0, 1.0]
    P[1, :, 1] = 1.0
    R = np.array([[5.0, 10.0], [-1.0, 0.0]])
    m = TabularMDP(P, R, gamma=0.95, action_mask=np.array([[True, True], [True, False]]))
    res = solve(m, method="gs", tol=1e-9)
    np.testing.assert_allclose(res.V, [-60 / 7, -20], atol=1e-8)
    rng = np.random.default_rng(0)
    P2 = rng.random((6, 3, 6))
    P2 /= P2.sum(axis=2, keepdims=True)
    hard = TabularMDP(P2, rng.normal(size=(6, 3)), gamma=0.99)
    with pytest.warns(ConvergenceWarning, match="gs: reached max_iter=2"):
        r = solve(hard, method="gs", tol=1e-12, max_iter=2)
    assert not r.converged and r.bound > 1e-12 and r.n_iter == 2
    with pytest.raises(TypeError, match="unknown option"):
        solve(m, method="gs", damping=True)

"""Discounted finite horizon (``TabularMDP(..., gamma=g, horizon=H)``): pymdptoolbox's
``FiniteHorizon`` values, the limits gamma = 1 (undiscounted) and H -> infinity
(discounted), evaluation/occupancy consistency, every engine and storage."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.models.tabular import TabularMDP
from mdpkit.solvers import evaluate, occupancy, q_from_v, solve


def random_model(rng, S, A):
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < 0.6) + 1e-3
    P /= P.sum(-1, keepdims=True)
    return P, rng.normal(size=(S, A))


@pytest.mark.parametrize("discount,N", [(0.9, 3), (0.96, 10), (0.5, 1)])
def test_matches_pymdptoolbox_finite_horizon_on_forest(discount, N):
    pytest.importorskip("mdptoolbox")
    from mdptoolbox import example
    from mdptoolbox import mdp as mm

    P, R = example.forest()  # P (A, S, S), R (S, A)
    fh = mm.FiniteHorizon(P, R, discount, N)
    fh.run()
    Pd = np.transpose(P, (1, 0, 2))
    m = TabularMDP(Pd, R, gamma=discount, horizon=N)
    assert m.is_finite_horizon and not m.is_discounted and m.gamma == discount
    csr = TabularMDP(sp.csr_matrix(Pd.reshape(-1, Pd.shape[0])), R, gamma=discount, horizon=N)
    for model in (m, csr):
        for method in ("backward", "auto"):
            for engine in ("numpy", "numba"):
                res = solve(model, method=method, engine=engine)
                # pymdptoolbox: V[:, n] is the value with N - n steps to go (policy likewise)
                assert np.allclose(res.V.T, fh.V[:, :N], rtol=0, atol=1e-12)
                assert np.array_equal(res.policy.T, fh.policy)
                assert np.allclose(res.Q, q_from_v(model, res.V), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="method 'lp' is for undiscounted"):
        solve(m, method="lp")


def reference_backward(P, R, gamma, H):
    """Discounted finite-horizon backward induction written out in numpy (independent of
    mdpkit): ``V_H = 0``, ``Q_h = R + gamma P V_{h+1}``, ``V_h = max_a Q_h``."""
    S, A = R.shape
    V = np.zeros((H + 1, S))
    Q = np.zeros((H, S, A))
    for h in range(H - 1, -1, -1):
        Q[h] = R + gamma * P @ V[h + 1]
        V[h] = Q[h].max(axis=1)
    return V[:H], Q


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9])
@pytest.mark.parametrize("sparse", [False, True])
def test_discounted_backward_matches_independent_recursion(gamma, sparse):
    """Runs without pymdptoolbox (not a dependency): every engine and method, dense and
    CSR, against :func:`reference_backward` on random models (no ties: normal rewards)."""
    rng = np.random.default_rng(int(gamma * 10) + 7 * sparse)
    for S, A, H in [(5, 3, 6), (8, 2, 4), (1, 2, 3)]:
        P, R = random_model(rng, S, A)
        Vref, Qref = reference_backward(P, R, gamma, H)
        Pm = sp.csr_matrix(P.reshape(S * A, S)) if sparse else P
        m = TabularMDP(Pm, R, gamma=gamma, horizon=H)
        for method in ("backward", "auto"):
            for engine in ("numpy", "numba"):
                res = solve(m, method=method, engine=engine)
                assert np.allclose(res.V, Vref, rtol=0, atol=1e-12)
                assert np.allclose(res.Q, Qref, rtol=0, atol=1e-12)
                assert np.array_equal(res.policy, Qref.argmax(axis=2))


@settings(max_examples=10, deadline=None)
@given(
    S=st.integers(1, 6),
    A=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    gamma=st.sampled_from([0.0, 0.5, 0.9]),
    sparse=st.booleans(),
)
def test_long_horizon_tends_to_discounted_and_gamma_one_is_undiscounted(S, A, seed, gamma, sparse):
    rng = np.random.default_rng(seed)
    P, R = random_model(rng, S, A)
    Pm = sp.csr_matrix(P.reshape(S * A, S)) if sparse else P
    # H large: |V_0^H - V*| <= gamma^H max|R| / (1 - gamma)
    H = 200
    fh = solve(TabularMDP(Pm, R, gamma=gamma, horizon=H), method="backward")
    vstar = solve(TabularMDP(Pm, R, gamma=gamma), method="pi").V
    assert np.abs(fh.V[0] - vstar).max() <= gamma**H * np.abs(R).max() / (1 - gamma) + 1e-9
    # gamma = 1 gives the undiscounted model's numbers exactly (multiplying by 1.0 is exact)
    H = 7
    one = TabularMDP(Pm, R, gamma=1.0, horizon=H)
    und = TabularMDP(Pm, R, horizon=H)
    for engine in ("numpy", "numba"):
        a, b = solve(one, engine=engine), solve(und, engine=engine)
        assert np.array_equal(a.V, b.V) and np.array_equal(a.policy, b.policy)
    # evaluation, occupancy and q_from_v agree with backward induction
    m = TabularMDP(Pm, R, gamma=gamma, horizon=H)
    res = solve(m)
    for engine in ("numpy", "numba"):
        V = evaluate(m, res.policy, engine=engine)
        assert np.allclose(V, res.V, rtol=0, atol=1e-10)
        D = occupancy(m, res.policy, engine=engine)
        # d_h carries gamma^h: total mass gamma^h, and mu^T V_0 = sum_h <R, d_h>
        assert np.allclose(D.sum(axis=(1, 2)), gamma ** np.arange(H), rtol=0, atol=1e-12)
        assert abs(m.mu @ res.V[0] - float((D * R[None]).sum())) <= 1e-9
    assert np.allclose(q_from_v(m, res.V), res.Q, rtol=0, atol=1e-12)
    # a stochastic policy: evaluation vs a plain numpy recursion
    W = rng.random((H, S, A))
    W /= W.sum(-1, keepdims=True)
    Vn = np.zeros(S)
    for h in range(H - 1, -1, -1):
        Vn = (W[h] * (R + gamma * P @ Vn)).sum(-1)
    assert np.allclose(evaluate(m, W)[0], Vn, rtol=0, atol=1e-10)


def test_discounted_finite_horizon_input_checks():
    P = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    R = np.ones((2, 1))
    with pytest.raises(ValueError, match=r"gamma must lie in \[0, 1\] for a discounted finite"):
        TabularMDP(P, R, gamma=1.5, horizon=3)
    with pytest.raises(ValueError, match="horizon must be >= 1"):
        TabularMDP(P, R, gamma=0.5, horizon=0)
    with pytest.raises(ValueError, match='criterion="discounted" is infinite-horizon'):
        TabularMDP(P, R, gamma=0.5, horizon=3, criterion="discounted")
    m = TabularMDP(P, R, gamma=0.5, horizon=3, criterion="finite")
    assert m.criterion == "finite" and "gamma=0.5" in repr(m)
    assert m.replace(R=2 * R).gamma == 0.5
    assert np.allclose(solve(m).V[:, 0], [1.75, 1.5, 1.0])

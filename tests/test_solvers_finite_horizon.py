"""Finite-horizon solvers: backward induction (numba vs numpy twin), finite-horizon LP and
brute force over all deterministic Markov policies agree; dense, CSR and step-dependent
storage agree; evaluation and occupancy measures are exact and satisfy the flow constraints.

The brute force and the evaluation reference below are written here, independently of
``mdpkit.solvers`` (plain per-step numpy), so that they cannot share a bug with the kernels.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit import TabularMDP
from mdpkit.solvers import _finite_horizon_kernels as K
from mdpkit.solvers.backward import (
    backward_induction,
    evaluate_finite,
    occupancy_finite,
    q_from_v_finite,
)
from mdpkit.solvers.lp import solve_lp

SETTINGS = settings(max_examples=25, deadline=None)


# --------------------------------------------------------------------------- helpers
def random_fh(seed, S, A, H, *, step_P=False, step_R=True, sparse=False, mu_zeros=False, alpha=0.5):
    """Random finite-horizon model (Dirichlet(alpha) rows; alpha < 1 gives near-zero entries)."""
    rng = np.random.default_rng(seed)
    shape = (H, S, A) if step_P else (S, A)
    P = rng.dirichlet(np.full(S, alpha), size=shape)
    if sparse:
        P[P < 0.15] = 0.0  # real zeros, then renormalise
        P[..., 0] += P.sum(-1) == 0
        P /= P.sum(-1, keepdims=True)
    R = rng.normal(size=(H, S, A) if step_R else (S, A))
    mu = rng.dirichlet(np.ones(S))
    if mu_zeros and S > 1:
        mu[rng.random(S) < 0.5] = 0.0
        if mu.sum() == 0:
            mu[0] = 1.0
        mu /= mu.sum()
    if sparse:
        P = sp.csr_matrix(P.reshape(S * A, S))
    return TabularMDP(P, R, horizon=H, mu=mu)


def ref_eval(Pd, R, pi, H):
    """Reference V (H, S) of a stochastic policy pi (H, S, A), per-step numpy, Pd (H, S, A, S)."""
    S = pi.shape[1]
    V = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        Q = R[h] + np.einsum("sat,t->sa", Pd[h], V[h + 1])
        V[h] = (pi[h] * Q).sum(axis=1)
    return V[:H]


def full_arrays(mdp):
    """Dense (H, S, A, S) P and (H, S, A) R of a finite-horizon model."""
    H, S, A = mdp.H, mdp.S, mdp.A
    Pd = mdp.dense_P()
    Pd = Pd if Pd.ndim == 4 else np.broadcast_to(Pd, (H, S, A, S))
    R = mdp.R if mdp.R.ndim == 3 else np.broadcast_to(mdp.R, (H, S, A))
    return np.asarray(Pd), np.asarray(R)


def brute_force(mdp):
    """V*_h(s) as the maximum over all A^(H*S) deterministic Markov policies."""
    H, S, A = mdp.H, mdp.S, mdp.A
    Pd, R = full_arrays(mdp)
    best = np.full((H, S), -np.inf)
    for flat in itertools.product(range(A), repeat=H * S):
        pol = np.array(flat).reshape(H, S)
        pi = np.eye(A)[pol]
        best = np.maximum(best, ref_eval(Pd, R, pi, H))
    return best


def fh_models(max_S=3, max_A=2, max_H=3, max_policies=512):
    @st.composite
    def strat(draw):
        S = draw(st.integers(1, max_S))
        A = draw(st.integers(1, max_A))
        H = draw(st.integers(1, max_H))
        while A ** (H * S) > max_policies:
            H -= 1
            if H == 0:
                H, S = 1, S - 1
        kind = draw(st.sampled_from(["dense", "step", "csr"]))
        return random_fh(
            draw(st.integers(0, 2**32 - 1)),
            S,
            A,
            H,
            step_P=kind == "step",
            sparse=kind == "csr",
            step_R=draw(st.booleans()),
            mu_zeros=draw(st.booleans()),
        )

    return strat()


def assert_greedy(Q, pol, tol=1e-10):
    """pol picks a maximiser of Q on every (h, s) (robust to near-ties)."""
    chosen = np.take_along_axis(Q, pol[..., None], axis=-1)[..., 0]
    assert np.all(chosen >= Q.max(axis=-1) - tol)


# ------------------------------------------------------------------------------ tests
@SETTINGS
@given(fh_models())
def test_backward_lp_bruteforce_agree(mdp):
    res = backward_induction(mdp, engine="numba")
    Vb = brute_force(mdp)
    np.testing.assert_allclose(backward_induction(mdp, engine="numpy").V, Vb, atol=1e-8, rtol=0)
    assert res.V.shape == (mdp.H, mdp.S) and res.Q.shape == (mdp.H, mdp.S, mdp.A)
    assert res.policy.shape == (mdp.H, mdp.S) and res.policy.dtype == np.int64
    np.testing.assert_allclose(res.V, Vb, atol=1e-8, rtol=0)
    assert res.bound == 0.0 and res.converged and res.n_iter == mdp.H
    lp = solve_lp(mdp)
    np.testing.assert_allclose(lp.V, Vb, atol=1e-8, rtol=0)
    np.testing.assert_allclose(lp.extras["V_lp"], Vb, atol=1e-8, rtol=0)
    # the LP policy is optimal: its exact value (independent reference) is V*
    Pd, R = full_arrays(mdp)
    np.testing.assert_allclose(ref_eval(Pd, R, np.eye(mdp.A)[lp.policy], mdp.H), Vb, atol=1e-8)
    assert lp.bound <= 1e-9 and lp.converged
    # the LP occupancy: one distribution per step, flow constraints, value identity
    d = lp.occupancy
    np.testing.assert_allclose(d.sum(axis=(1, 2)), 1.0, atol=1e-12)
    assert (d >= 0).all()
    np.testing.assert_allclose(d[0].sum(axis=1), mdp.mu, atol=1e-12)
    for h in range(mdp.H - 1):
        np.testing.assert_allclose(
            d[h + 1].sum(axis=1), np.einsum("sa,sat->t", d[h], Pd[h]), atol=1e-12
        )
    assert abs((d * R).sum() - mdp.mu @ Vb[0]) < 1e-8


@SETTINGS
@given(fh_models(max_S=4, max_A=3, max_H=4, max_policies=10**9))
def test_numba_matches_numpy_twin(mdp):
    res = backward_induction(mdp, engine="numba")
    assert res.extras["engine"] == "numba"
    V, Q, pol = K.backward_numpy(mdp.P, mdp.R, mdp.H)
    np.testing.assert_allclose(res.V, V, atol=1e-10, rtol=0)
    np.testing.assert_allclose(res.Q, Q, atol=1e-10, rtol=0)
    assert_greedy(Q, res.policy)
    ref = backward_induction(mdp, engine="numpy")
    np.testing.assert_array_equal(ref.V, V)
    # Q is consistent with V
    np.testing.assert_allclose(q_from_v_finite(mdp, res.V), res.Q, atol=1e-10)
    np.testing.assert_allclose(res.V, res.Q.max(axis=2), atol=0)


@pytest.mark.parametrize("S,A,H", [(37, 7, 6), (20, 4, 3), (9, 1, 5), (16, 5, 1)])
def test_numba_vs_numpy_larger(S, A, H):
    """Sizes exercising the four-action unrolled loop and its remainder."""
    for kind in ("dense", "step", "csr"):
        mdp = random_fh(S * 100 + A, S, A, H, step_P=kind == "step", sparse=kind == "csr")
        res = backward_induction(mdp, engine="numba")
        V, Q, _ = K.backward_numpy(mdp.P, mdp.R, H)
        np.testing.assert_allclose(res.Q, Q, atol=1e-10, rtol=0)
        np.testing.assert_allclose(res.V, V, atol=1e-10, rtol=0)
        assert_greedy(Q, res.policy)
        rng = np.random.default_rng(S)
        pi = rng.dirichlet(np.ones(A), size=(H, S))
        np.testing.assert_allclose(
            evaluate_finite(mdp, pi, engine="numba"), K.eval_numpy(mdp.P, mdp.R, pi, H), atol=1e-10
        )
        np.testing.assert_allclose(
            occupancy_finite(mdp, pi, engine="numba"), K.occ_numpy(mdp.P, pi, mdp.mu, H), atol=1e-12
        )


@pytest.mark.parametrize("H", [1, 5, 2 * K.Q_STEP_BLOCK + 5])  # two full step blocks and a rest
def test_numba_csr_q_is_deferred_and_exact(H):
    """On CSR models the numba engine computes Q on first access: before it, nothing is
    stored and repr says so; after it, Q is the twin's bit for bit, V is Q at the returned
    policy exactly, and pickling a result with Q still deferred computes it."""
    import pickle

    S, A = 23, 3
    mdp = random_fh(7, S, A, H, sparse=True)
    res = backward_induction(mdp, engine="numba")
    assert not res.q_computed and res._Q is None
    assert "computed on first access" in repr(res)
    blob = pickle.dumps(res)  # computes Q: the deferred callable is not pickled
    assert res.q_computed
    Q = res.Q
    assert Q.shape == (H, S, A) and res.Q is Q  # computed once, then kept
    _, Qr, _ = K.backward_numpy(mdp.P, mdp.R, H)
    assert np.array_equal(Q, Qr)
    assert np.array_equal(np.take_along_axis(Q, res.policy[..., None], axis=2)[..., 0], res.V)
    back = pickle.loads(blob)
    assert back.q_computed and np.array_equal(back.Q, Q) and np.array_equal(back.V, res.V)
    assert back.keys() == res.keys() and back.method == "backward"
    res.Q = np.zeros_like(Q)  # plain assignment replaces it
    assert res.q_computed and not res.Q.any()
    eager = backward_induction(mdp, engine="numba", eager_q=True)
    assert eager.q_computed and np.array_equal(eager.Q, Q) and np.array_equal(eager.V, res.V)
    with pytest.raises(TypeError, match="eager_q"):
        backward_induction(mdp, engine="numba", eager_q="yes")


@SETTINGS
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 5),
    st.integers(1, 4),
    st.integers(1, 5),
    st.sampled_from(["numba", "numpy"]),
)
def test_dense_csr_stepdependent_agree(seed, S, A, H, engine):
    dense = random_fh(seed, S, A, H, sparse=False)
    P = dense.P
    csr = TabularMDP(sp.csr_matrix(P.reshape(S * A, S)), dense.R, horizon=H, mu=dense.mu)
    step = TabularMDP(np.broadcast_to(P, (H, S, A, S)).copy(), dense.R, horizon=H, mu=dense.mu)
    r = [backward_induction(m, engine=engine) for m in (dense, csr, step)]
    for other in r[1:]:
        np.testing.assert_allclose(other.V, r[0].V, atol=1e-12)
        np.testing.assert_allclose(other.Q, r[0].Q, atol=1e-12)
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.ones(A), size=(H, S))
    for f in (evaluate_finite, occupancy_finite):
        outs = [f(m, pi, engine=engine) for m in (dense, csr, step)]
        np.testing.assert_allclose(outs[1], outs[0], atol=1e-12)
        np.testing.assert_allclose(outs[2], outs[0], atol=1e-12)


@SETTINGS
@given(
    fh_models(max_S=4, max_A=3, max_H=4, max_policies=10**9),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["numba", "numpy"]),
)
def test_evaluate_and_occupancy(mdp, seed, engine):
    H, S, A = mdp.H, mdp.S, mdp.A
    rng = np.random.default_rng(seed)
    Pd, R = full_arrays(mdp)
    pi = rng.dirichlet(np.ones(A), size=(H, S))
    V = evaluate_finite(mdp, pi, engine=engine)
    np.testing.assert_allclose(V, ref_eval(Pd, R, pi, H), atol=1e-10)
    d = occupancy_finite(mdp, pi, engine=engine)
    assert d.shape == (H, S, A) and (d >= 0).all()
    np.testing.assert_allclose(d.sum(axis=(1, 2)), 1.0, atol=1e-12)
    np.testing.assert_allclose(d[0], mdp.mu[:, None] * pi[0], atol=1e-14)
    for h in range(H - 1):
        rho = np.einsum("sa,sat->t", d[h], Pd[h])
        np.testing.assert_allclose(d[h + 1], rho[:, None] * pi[h + 1], atol=1e-12)
    assert abs((d * R).sum() - mdp.mu @ V[0]) < 1e-10
    # deterministic (H, S) equals its one-hot stochastic version; stationary (S,) broadcasts
    pol = rng.integers(0, A, size=(H, S))
    np.testing.assert_allclose(
        evaluate_finite(mdp, pol), evaluate_finite(mdp, np.eye(A)[pol]), atol=1e-12
    )
    np.testing.assert_allclose(
        occupancy_finite(mdp, pol), occupancy_finite(mdp, np.eye(A)[pol]), atol=1e-14
    )
    stat = rng.integers(0, A, size=S)
    np.testing.assert_allclose(
        evaluate_finite(mdp, stat), evaluate_finite(mdp, np.tile(stat, (H, 1))), atol=1e-12
    )
    pis = rng.dirichlet(np.ones(A), size=S)
    np.testing.assert_allclose(
        occupancy_finite(mdp, pis),
        occupancy_finite(mdp, np.broadcast_to(pis, (H, S, A)).copy()),
        atol=1e-14,
    )
    # optimal policy: evaluation of the backward-induction policy is V*
    res = backward_induction(mdp)
    np.testing.assert_allclose(evaluate_finite(mdp, res.policy), res.V, atol=1e-10)
    assert np.all(V <= res.V + 1e-10)


def test_auto_engine_choice():
    from mdpkit.solvers.backward import SMALL_NNZ

    small = random_fh(1, 4, 2, 3)
    assert backward_induction(small).extras["engine"] == "numpy"
    S = int(np.sqrt(SMALL_NNZ / 2)) + 2
    big = random_fh(1, S, 2, 3)
    assert big.nnz > SMALL_NNZ
    assert backward_induction(big).extras["engine"] == "numba"
    np.testing.assert_allclose(
        backward_induction(big).V, backward_induction(big, engine="numpy").V, atol=1e-10
    )


def test_optimal_value_example_by_hand():
    """Two states, two actions, H = 2: hand-computed optimum."""
    # state 0: action 0 stays (reward 1), action 1 moves to state 1 (reward 0);
    # state 1: absorbing, reward 3 for both actions.
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = 1
    P[0, 1, 1] = 1
    P[1, :, 1] = 1
    R = np.array([[1.0, 0.0], [3.0, 3.0]])
    mdp = TabularMDP(P, R, horizon=2)
    res = backward_induction(mdp)
    # last step: V_1 = (1, 3); first step: Q_0(0) = (1 + 1, 0 + 3) -> move
    np.testing.assert_allclose(res.V, [[3.0, 6.0], [1.0, 3.0]])
    np.testing.assert_array_equal(res.policy[:, 0], [1, 0])


def test_bad_input():
    disc = TabularMDP(np.ones((2, 1, 2)) / 2, np.zeros((2, 1)), gamma=0.9)
    with pytest.raises(ValueError, match="finite-horizon"):
        backward_induction(disc)
    with pytest.raises(ValueError, match="finite-horizon"):
        evaluate_finite(disc, np.zeros(2, dtype=int))
    mdp = random_fh(0, 3, 2, 4)
    with pytest.raises(ValueError, match="max_iter"):
        backward_induction(mdp, max_iter=3)
    with pytest.raises(TypeError, match="unknown options"):
        backward_induction(mdp, foo=1)
    with pytest.raises(ValueError, match="engine"):
        backward_induction(mdp, engine="cuda")
    with pytest.raises(ValueError, match="engine"):
        evaluate_finite(mdp, np.zeros(3, dtype=int), engine="cuda")
    with pytest.raises(ValueError, match="policy"):
        evaluate_finite(mdp, np.full((4, 3), 2))
    with pytest.raises(ValueError, match="policy"):
        occupancy_finite(mdp, np.full((4, 3, 2), 0.6))
    with pytest.raises(ValueError, match="mu"):
        occupancy_finite(mdp, np.zeros((4, 3), dtype=int), mu=np.ones(3))
    with pytest.raises(ValueError, match="V must have shape"):
        q_from_v_finite(mdp, np.zeros((3, 3)))


def test_solve_dispatch_if_available():
    """Through the public front door (owned by the solvers API): same numbers."""
    api = pytest.importorskip("mdpkit.solvers.api")
    mdp = random_fh(5, 4, 3, 5, step_P=True)
    r = api.solve(mdp)
    np.testing.assert_allclose(r.V, backward_induction(mdp).V, atol=0)
    np.testing.assert_allclose(api.evaluate(mdp, r.policy), r.V, atol=1e-12)
    np.testing.assert_allclose(
        api.occupancy(mdp, r.policy), occupancy_finite(mdp, r.policy), atol=0
    )

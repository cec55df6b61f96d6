"""Converters: pymdptoolbox layout, QuantEcon DiscreteDP (real and duck-typed), gymnasium toy text."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdpkit import TabularMDP
from mdpkit.models.convert import (
    from_gymnasium_toy_text,
    from_pymdptoolbox,
    from_quantecon,
    quantecon_arrays,
    to_pymdptoolbox,
    to_quantecon,
)
from mdpkit.models.generators import random_mdp, random_sparse_mdp
from mdpkit.testing import tabular_mdps

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
stationary = tabular_mdps(sparse=None, step_dependent=False)


def _same(m1: TabularMDP, m2: TabularMDP):
    assert (m1.S, m1.A, m1.gamma, m1.H) == (m2.S, m2.A, m2.gamma, m2.H)
    np.testing.assert_array_equal(m1.dense_P(), m2.dense_P())
    np.testing.assert_array_equal(m1.R, m2.R)
    np.testing.assert_array_equal(m1.mu, m2.mu)


# ------------------------------------------------------------------ pymdptoolbox
@FAST
@given(stationary)
def test_pymdptoolbox_layout_and_round_trip(mdp):
    T, R = to_pymdptoolbox(mdp)
    Pd = mdp.dense_P()
    if mdp.is_sparse:
        assert isinstance(T, list) and len(T) == mdp.A and all(sp.issparse(t) for t in T)
        Tdense = np.stack([t.toarray() for t in T])
    else:
        Tdense = T
        assert T.shape == (mdp.A, mdp.S, mdp.S)
    for a in range(mdp.A):
        np.testing.assert_array_equal(Tdense[a], Pd[:, a, :])
    np.testing.assert_array_equal(R, mdp.R)
    back = from_pymdptoolbox(T, R, gamma=mdp.gamma, horizon=mdp.H, mu=mdp.mu)
    assert back.is_sparse == mdp.is_sparse
    _same(back, mdp)
    # forced the other storage
    other = from_pymdptoolbox(
        T, R, gamma=mdp.gamma, horizon=mdp.H, mu=mdp.mu, sparse=not mdp.is_sparse
    )
    assert other.is_sparse != mdp.is_sparse
    _same(other, mdp)


def test_pymdptoolbox_reward_forms():
    rng = np.random.default_rng(0)
    mdp = random_mdp(4, 3, gamma=0.9, rng=rng)
    T, _ = to_pymdptoolbox(mdp)
    # (S,) state rewards
    r_s = rng.random(4)
    np.testing.assert_array_equal(
        from_pymdptoolbox(T, r_s, gamma=0.9).R, np.repeat(r_s[:, None], 3, axis=1)
    )
    # (A, S, S) transition rewards -> expectation, checked with explicit loops
    r_ass = rng.normal(size=(3, 4, 4))
    expected = np.array(
        [[sum(T[a, s, t] * r_ass[a, s, t] for t in range(4)) for a in range(3)] for s in range(4)]
    )
    np.testing.assert_allclose(from_pymdptoolbox(T, r_ass, gamma=0.9).R, expected, atol=1e-14)
    # lists of sparse matrices for both, and a dense-transitions / sparse-rewards mix
    Ts = [sp.csr_matrix(T[a]) for a in range(3)]
    Rs = [sp.csr_matrix(r_ass[a]) for a in range(3)]
    np.testing.assert_allclose(from_pymdptoolbox(Ts, Rs, gamma=0.9).R, expected, atol=1e-14)
    np.testing.assert_allclose(from_pymdptoolbox(T, Rs, gamma=0.9).R, expected, atol=1e-14)
    np.testing.assert_allclose(
        from_pymdptoolbox(Ts, list(r_ass), gamma=0.9).R, expected, atol=1e-14
    )
    # object array of matrices (pymdptoolbox's own sparse container)
    obj = np.empty(3, dtype=object)
    for a in range(3):
        obj[a] = Ts[a]
    _same(from_pymdptoolbox(obj, mdp.R, gamma=0.9), mdp)


def test_pymdptoolbox_errors():
    mdp = random_mdp(3, 2, horizon=2, rng=1, step_dependent=True)
    with pytest.raises(ValueError, match="step-dependent"):
        to_pymdptoolbox(mdp)
    T = np.full((2, 3, 3), 1 / 3)
    with pytest.raises(ValueError, match=r"transitions must have shape \(A, S, S\)"):
        from_pymdptoolbox(np.ones((2, 3, 4)) / 4, np.zeros((3, 2)), gamma=0.5)
    with pytest.raises(ValueError, match=r"transitions\[1\] has shape"):
        from_pymdptoolbox([np.eye(3), np.eye(2)], np.zeros((3, 2)), gamma=0.5)
    with pytest.raises(ValueError, match="reward must have shape"):
        from_pymdptoolbox(T, np.zeros((2, 3)), gamma=0.5)
    with pytest.raises(ValueError, match="transitions is empty"):
        from_pymdptoolbox([], np.zeros((3, 2)), gamma=0.5)
    bad = T.copy()
    bad[1, 2, 0] += 0.1  # P[s=2, a=1, :] sums to 1.1
    with pytest.raises(ValueError, match=r"P\[2, 1, :\] sums to"):
        from_pymdptoolbox(bad, np.zeros((3, 2)), gamma=0.5)


# -------------------------------------------------------------------- QuantEcon
@FAST
@given(
    tabular_mdps(sparse=None, step_dependent=False, finite_horizon=False),
    st.sampled_from(["product", "sa_pairs"]),
)
def test_quantecon_duck_typed_round_trip(mdp, form):
    arrays = quantecon_arrays(mdp, form=form)
    assert arrays["beta"] == mdp.gamma
    if form == "product":
        assert arrays["R"].shape == (mdp.S, mdp.A) and arrays["Q"].shape == (mdp.S, mdp.A, mdp.S)
    else:
        assert arrays["R"].shape == (mdp.S * mdp.A,)
        np.testing.assert_array_equal(
            arrays["s_indices"] * mdp.A + arrays["a_indices"], np.arange(mdp.S * mdp.A)
        )
    back = from_quantecon(
        SimpleNamespace(**{"s_indices": None, "a_indices": None, **arrays}), mu=mdp.mu
    )
    _same(back, mdp)


def test_quantecon_pair_form_unsorted_missing_and_infeasible():
    mdp = random_sparse_mdp(6, 3, 2, gamma=0.9, rng=4)
    arr = quantecon_arrays(mdp, form="sa_pairs")
    perm = np.random.default_rng(0).permutation(18)
    shuffled = SimpleNamespace(
        R=arr["R"][perm],
        Q=arr["Q"][perm],
        beta=0.9,
        s_indices=arr["s_indices"][perm],
        a_indices=arr["a_indices"][perm],
    )
    back = from_quantecon(shuffled, mu=mdp.mu)
    assert back.is_sparse
    _same(back, mdp)
    dense_q = SimpleNamespace(**{**vars(shuffled), "Q": shuffled.Q.toarray()})
    _same(from_quantecon(dense_q, mu=mdp.mu), mdp)
    # drop pair (s=4, a=1): refused, or a self-loop paying infeasible_reward
    keep = np.flatnonzero(~((arr["s_indices"] == 4) & (arr["a_indices"] == 1)))
    missing = SimpleNamespace(
        R=arr["R"][keep],
        Q=arr["Q"][keep],
        beta=0.9,
        s_indices=arr["s_indices"][keep],
        a_indices=arr["a_indices"][keep],
    )
    masked = from_quantecon(missing)
    assert masked.action_mask[4, 1] == False and masked.action_mask.sum() == 17  # noqa: E712
    again = quantecon_arrays(masked, form="sa_pairs")
    assert (
        again["R"].shape == (17,)
        and not ((again["s_indices"] == 4) & (again["a_indices"] == 1)).any()
    )
    _same(from_quantecon(SimpleNamespace(**again)), masked)
    assert from_quantecon(SimpleNamespace(**again)) == masked  # mask included
    filled = from_quantecon(missing, infeasible_reward=-5.0)
    np.testing.assert_array_equal(filled.dense_P()[4, 1], np.eye(6)[4])
    assert filled.R[4, 1] == -5.0
    mask = np.ones((6, 3), dtype=bool)
    mask[4, 1] = False
    np.testing.assert_array_equal(filled.dense_P()[mask], mdp.dense_P()[mask])
    # duplicates refused
    dup = SimpleNamespace(
        R=np.zeros(2),
        Q=np.ones((2, 1)),
        beta=0.5,
        s_indices=np.array([0, 0]),
        a_indices=np.array([0, 0]),
    )
    with pytest.raises(ValueError, match=r"pair \(0, 0\) more than once"):
        from_quantecon(dup)


def test_quantecon_product_form_infeasible_and_beta():
    R = np.array([[1.0, -np.inf], [0.0, 2.0]])
    Q = np.zeros((2, 2, 2))
    Q[0, 0, 1] = Q[1, 0, 0] = Q[1, 1, 1] = 1.0
    ddp = SimpleNamespace(R=R, Q=Q, beta=0.8)
    masked = from_quantecon(ddp)
    assert masked.action_mask.tolist() == [[True, False], [True, True]]
    back = quantecon_arrays(masked)
    np.testing.assert_array_equal(back["R"], R)
    assert from_quantecon(SimpleNamespace(**back)) == masked
    none_left = SimpleNamespace(R=np.array([[-np.inf, -np.inf], [0.0, 2.0]]), Q=Q, beta=0.8)
    with pytest.raises(ValueError, match="no feasible action in state 0"):
        from_quantecon(none_left)
    m = from_quantecon(ddp, infeasible_reward=-100.0)
    np.testing.assert_array_equal(m.P[0, 1], [1.0, 0.0])
    assert m.R[0, 1] == -100.0 and m.gamma == 0.8
    with pytest.raises(ValueError, match="ddp.beta == 1"):
        from_quantecon(SimpleNamespace(R=np.zeros((2, 2)), Q=np.full((2, 2, 2), 0.5), beta=1.0))
    f = from_quantecon(
        SimpleNamespace(R=np.zeros((2, 2)), Q=np.full((2, 2, 2), 0.5), beta=1), horizon=4
    )
    assert f.H == 4 and f.gamma is None
    with pytest.raises(ValueError, match="needs ddp.beta == 1"):
        from_quantecon(ddp, horizon=4)
    with pytest.raises(TypeError, match="missing Q"):
        from_quantecon(SimpleNamespace(R=R, beta=0.5))


def test_quantecon_real_discretedp():
    """Round trip through quantecon itself, and its policy iteration agrees with ours."""
    qe = pytest.importorskip("quantecon")
    for mdp, form in (
        (random_mdp(8, 3, gamma=0.9, rng=5), "product"),
        (random_mdp(8, 3, gamma=0.9, rng=6), "sa_pairs"),
        (random_sparse_mdp(30, 3, 4, gamma=0.95, rng=7), "sa_pairs"),
    ):
        ddp = to_quantecon(mdp, form=form)
        assert isinstance(ddp, qe.markov.DiscreteDP)
        _same(from_quantecon(ddp, mu=mdp.mu), mdp)
        res = ddp.solve(method="policy_iteration")
        # independent check: exact value of quantecon's policy by a linear solve on our model
        Pd = mdp.dense_P()
        pol = res.sigma
        P_pi = Pd[np.arange(mdp.S), pol]
        r_pi = mdp.R[np.arange(mdp.S), pol]
        V_pi = np.linalg.solve(np.eye(mdp.S) - mdp.gamma * P_pi, r_pi)
        np.testing.assert_allclose(res.v, V_pi, atol=1e-8)
        # the Bellman optimality residual of quantecon's V on our model is ~0
        Q = mdp.R + mdp.gamma * Pd @ res.v
        np.testing.assert_allclose(Q.max(axis=1), res.v, atol=1e-8)
    # quantecon sorts unsorted pairs itself; we read its sorted attributes back
    mdp = random_mdp(5, 2, gamma=0.7, rng=8)
    arr = quantecon_arrays(mdp, form="sa_pairs")
    perm = np.random.default_rng(1).permutation(10)
    ddp = qe.markov.DiscreteDP(
        arr["R"][perm], arr["Q"][perm], 0.7, arr["s_indices"][perm], arr["a_indices"][perm]
    )
    _same(from_quantecon(ddp, mu=mdp.mu), mdp)


def test_to_quantecon_refuses_step_dependent():
    mdp = random_mdp(3, 2, horizon=2, rng=1, step_dependent=True)
    with pytest.raises(ValueError, match="step-dependent"):
        quantecon_arrays(mdp)
    with pytest.raises(ValueError, match="form must be"):
        quantecon_arrays(random_mdp(3, 2, gamma=0.5, rng=1), form="pairs")
    f = quantecon_arrays(random_mdp(3, 2, horizon=2, rng=1))
    assert f["beta"] == 1.0


# -------------------------------------------------------------- gymnasium toy text
def _dict_backward(table, S, A, H, mu):
    """Independent reference: finite-horizon optimal value straight from the toy-text dict,
    treating terminated transitions as the end of the episode."""
    V = np.zeros(S)
    for _ in range(H):
        Q = np.zeros((S, A))
        for s in range(S):
            for a in range(A):
                for p, s2, r, term in table[s][a]:
                    Q[s, a] += p * (r + (0.0 if term else V[s2]))
        V = Q.max(axis=1)
    return float(mu @ V)


@pytest.mark.parametrize(
    "env_id,kwargs",
    [
        ("FrozenLake-v1", {"is_slippery": True}),
        ("FrozenLake-v1", {"is_slippery": False}),
        ("CliffWalking-v1", {}),
    ],
)
def test_toy_text_envs_exact(env_id, kwargs):
    gym = pytest.importorskip("gymnasium")
    env = gym.make(env_id, **kwargs)
    table = env.unwrapped.P
    S, A = len(table), len(table[0])
    H = 12
    m = from_gymnasium_toy_text(env, horizon=H)
    assert m.S == S + 1 and m.A == A  # one absorbing state appended
    np.testing.assert_array_equal(m.mu[:S], env.unwrapped.initial_state_distrib)
    assert m.mu[S] == 0.0
    Pd = m.dense_P()
    np.testing.assert_array_equal(Pd[S, :, S], 1.0)
    np.testing.assert_array_equal(m.R[S], 0.0)
    for s in (0, S // 2, S - 1):
        for a in range(A):
            expect = np.zeros(S + 1)
            rew = 0.0
            for p, s2, r, term in table[s][a]:
                expect[S if term else s2] += p
                rew += p * r
            np.testing.assert_allclose(Pd[s, a], expect, atol=1e-15)
            assert m.R[s, a] == pytest.approx(rew, abs=1e-15)
    # optimal H-step value under mu: backward induction on the model vs on the raw dict
    V = np.zeros(S + 1)
    for _ in range(H):
        V = (m.R + Pd @ V).max(axis=1)
    assert float(m.mu @ V) == pytest.approx(_dict_backward(table, S, A, H, m.mu[:S]), abs=1e-12)
    # sparse storage gives the same model
    _same(from_gymnasium_toy_text(env, horizon=H, sparse=True), m)


def test_toy_text_taxi_sparse():
    gym = pytest.importorskip("gymnasium")
    env = gym.make("Taxi-v4") if "Taxi-v4" in gym.registry else gym.make("Taxi-v3")
    m = from_gymnasium_toy_text(env, gamma=0.95, sparse=True)
    assert m.is_sparse and m.S == 501 and m.A == 6
    assert m.nnz < m.S * m.A * 3  # stays sparse


def test_toy_text_dict_merging_and_termination():
    table = {
        0: {
            0: [(0.25, 1, 1.0, False), (0.25, 1, 3.0, False), (0.5, 0, -1.0, True)],
            1: [(1.0, 1, 0.0, False)],
        },
        1: {0: [(1.0, 1, 0.0, True)], 1: [(0.5, 0, 2.0, False), (0.5, 0, 2.0, False)]},
    }
    m = from_gymnasium_toy_text(table, gamma=0.9)
    assert m.S == 3
    np.testing.assert_array_equal(m.P[0, 0], [0.0, 0.5, 0.5])  # duplicates merged; terminal -> 2
    np.testing.assert_array_equal(m.P[1, 0], [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(m.P[1, 1], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(m.R, [[0.25 + 0.75 - 0.5, 0.0], [0.0, 2.0], [0.0, 0.0]])
    np.testing.assert_array_equal(m.mu, [0.5, 0.5, 0.0])
    # no termination: no extra state
    plain = {0: {0: [(1.0, 1, 1.0, False)]}, 1: {0: [(1.0, 0, 0.0, False)]}}
    assert from_gymnasium_toy_text(plain, horizon=3).S == 2


def test_toy_text_errors():
    with pytest.raises(ValueError, match="no states"):
        from_gymnasium_toy_text({}, gamma=0.5)
    with pytest.raises(ValueError, match=r"env_or_P\[1\] must have actions exactly 0..1"):
        from_gymnasium_toy_text(
            {0: {0: [(1.0, 0, 0, False)], 1: [(1.0, 0, 0, False)]}, 1: {0: [(1.0, 0, 0, False)]}},
            gamma=0.5,
        )
    with pytest.raises(ValueError, match="s_next=5 outside"):
        from_gymnasium_toy_text({0: {0: [(1.0, 5, 0, False)]}}, gamma=0.5)
    with pytest.raises(ValueError, match=r"P\[0, 0, :\] sums to"):
        from_gymnasium_toy_text({0: {0: [(0.5, 0, 0, False)]}}, gamma=0.5)
    with pytest.raises(TypeError, match="env_or_P must be"):
        from_gymnasium_toy_text(object(), gamma=0.5)


def test_pymdptoolbox_sequence_reward_rule():
    """pymdptoolbox's rule for a list/tuple reward: length A = per-action (S, S) matrices,
    any other length = a state vector; bad shapes are ValueErrors, never AttributeErrors."""
    rng = np.random.default_rng(3)
    T = rng.random((2, 5, 5))
    T /= T.sum(axis=2, keepdims=True)
    # R = (0, 1, 0, 1, 0): 5 states, 2 actions -> a state vector
    mdp = from_pymdptoolbox(T, (0, 1, 0, 1, 0), gamma=0.9)
    np.testing.assert_array_equal(mdp.R, np.repeat(np.array([0, 1, 0, 1, 0.0])[:, None], 2, axis=1))
    np.testing.assert_array_equal(from_pymdptoolbox(T, [0, 1, 0, 1, 0], gamma=0.9).R, mdp.R)
    # a length-A list of nested Python lists (S, S) -> transition rewards, by explicit loops
    r_ass = rng.normal(size=(2, 5, 5))
    expected = np.array(
        [[sum(T[a, s, t] * r_ass[a, s, t] for t in range(5)) for a in range(2)] for s in range(5)]
    )
    got = from_pymdptoolbox(T, [r_ass[0].tolist(), r_ass[1].tolist()], gamma=0.9).R
    np.testing.assert_allclose(got, expected, atol=1e-14)
    # pymdptoolbox's small example (S = A = 2): as an ndarray it is (S, A) ...
    P_small = np.array([[[0.5, 0.5], [0.8, 0.2]], [[0, 1], [0.1, 0.9]]])
    R_small = [[5, 10], [-1, 2]]
    np.testing.assert_array_equal(
        from_pymdptoolbox(P_small, np.array(R_small), gamma=0.9).R, R_small
    )
    # ... as a list of length A it is matrices, whose rows have the wrong shape: ValueError
    with pytest.raises(
        ValueError, match=r"per-action \(S, S\) matrices.*reward\[0\] has shape \(2,\)"
    ):
        from_pymdptoolbox(P_small, R_small, gamma=0.9)
    # a sequence of another length that is not (S,)
    with pytest.raises(ValueError, match=r"state vector of shape \(S,\) = \(5,\)"):
        from_pymdptoolbox(T, (0, 1, 0), gamma=0.9)
    with pytest.raises(ValueError, match=r"state vector"):
        from_pymdptoolbox(T, [[1, 2, 3]] * 5, gamma=0.9)


def test_converters_refuse_what_the_other_tool_cannot_represent():
    P = np.full((2, 2, 2), 0.5)
    R = np.zeros((2, 2))
    masked = TabularMDP(P, R, gamma=0.9, action_mask=np.array([[True, False], [True, True]]))
    with pytest.raises(ValueError, match="pymdptoolbox has no per-state action sets"):
        to_pymdptoolbox(masked)
    with pytest.raises(ValueError, match="no average-reward criterion"):
        quantecon_arrays(TabularMDP(P, R, criterion="average"))

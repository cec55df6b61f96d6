"""Constrained MDPs (cvxpy occupancy LP): non-binding budgets give the unconstrained
optimum; binding budgets are met exactly by the returned policy (exact occupancy), whose
reward equals an independent HiGHS LP optimum and beats every deterministic policy within
budget (brute force); infeasible budgets and bad input raise clear errors.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from mdpkit import TabularMDP
from mdpkit.solvers.constrained import InfeasibleBudgetError, solve_constrained
from mdpkit.solvers.lp import solve_lp

SETTINGS = settings(max_examples=8, deadline=None)


def random_mdp(seed, S, A, *, gamma=0.9, H=None, sparse=False):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(S, 0.7), size=(S, A))
    R = rng.random((H, S, A) if H else (S, A))
    mu = rng.dirichlet(np.ones(S))
    if sparse:
        P = sp.csr_matrix(P.reshape(S * A, S))
    if H:
        return TabularMDP(P, R, horizon=H, mu=mu)
    return TabularMDP(P, R, gamma=gamma, mu=mu)


def det_values(mdp, pol, r):
    """mu-value of deterministic stationary pol for reward table r (S, A) / (H, S, A); own code."""
    S = mdp.S
    P = mdp.dense_P()
    idx = np.arange(S)
    if mdp.is_discounted:
        V = np.linalg.solve(np.eye(S) - mdp.gamma * P[idx, pol], r[idx, pol])
        return mdp.mu @ V
    V = np.zeros(S)
    for h in range(mdp.H - 1, -1, -1):
        rh = r[h] if r.ndim == 3 else r
        V = rh[idx, pol[h]] + P[idx, pol[h]] @ V
    return mdp.mu @ V


def all_det_policies(mdp):
    if mdp.is_discounted:
        return (np.array(p) for p in itertools.product(range(mdp.A), repeat=mdp.S))
    return (
        np.array(p).reshape(mdp.H, mdp.S)
        for p in itertools.product(range(mdp.A), repeat=mdp.H * mdp.S)
    )


def flow_system(mdp):
    """Independent occupancy-LP equality constraints (dense numpy)."""
    S, A = mdp.S, mdp.A
    P = mdp.dense_P()
    if mdp.is_discounted:
        Aeq = np.zeros((S, S * A))
        for s in range(S):
            Aeq[s, s * A : (s + 1) * A] = 1.0
        Aeq -= mdp.gamma * P.reshape(S * A, S).T
        return Aeq, mdp.mu
    H = mdp.H
    Aeq = np.zeros((H * S, H * S * A))
    for h in range(H):
        for s in range(S):
            Aeq[h * S + s, h * S * A + s * A : h * S * A + (s + 1) * A] = 1.0
        if h:
            Aeq[h * S : (h + 1) * S, (h - 1) * S * A : h * S * A] -= P.reshape(S * A, S).T
    b = np.zeros(H * S)
    b[:S] = mdp.mu
    return Aeq, b


def reference_cmdp(mdp, C, b):
    """Constrained optimum by scipy HiGHS on the dense dual form (independent of cvxpy)."""
    Aeq, beq = flow_system(mdp)
    H = mdp.H or 1
    R = np.broadcast_to(mdp.R, (H, mdp.S, mdp.A)) if mdp.is_finite_horizon else mdp.R
    Cf = (
        C
        if (mdp.is_discounted or C.ndim == 4)
        else np.broadcast_to(C[:, None], (C.shape[0], H, mdp.S, mdp.A))
    )
    res = linprog(
        -np.ravel(R),
        A_ub=Cf.reshape(C.shape[0], -1),
        b_ub=b,
        A_eq=Aeq,
        b_eq=beq,
        bounds=(0, None),
        method="highs",
    )
    assert res.status == 0
    return -res.fun


def check_result(mdp, res, C, b):
    """Exact occupancy is a valid flow, value/costs consistent, budgets met."""
    d = res.occupancy
    Aeq, beq = flow_system(mdp)
    np.testing.assert_allclose(Aeq @ d.ravel(), beq, atol=1e-10)
    assert (d >= 0).all()
    np.testing.assert_allclose(res.policy.sum(axis=-1), 1.0, atol=1e-12)
    H = mdp.H or 1
    R = np.broadcast_to(mdp.R, (H, mdp.S, mdp.A)) if mdp.is_finite_horizon else mdp.R
    np.testing.assert_allclose((np.asarray(R) * d).sum(), res.value, atol=1e-10)
    V0 = res.V if mdp.is_discounted else res.V[0]
    np.testing.assert_allclose(mdp.mu @ V0, res.value, atol=1e-10)
    Cf = (
        C
        if (mdp.is_discounted or C.ndim == 4)
        else np.broadcast_to(C[:, None], (C.shape[0], H, mdp.S, mdp.A))
    )
    np.testing.assert_allclose(Cf.reshape(C.shape[0], -1) @ d.ravel(), res.costs, atol=1e-10)
    assert np.all(res.costs <= b + 1e-7)
    assert res.max_violation <= 1e-7


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.sampled_from([None, 2]))
def test_nonbinding_budget_equals_unconstrained(seed, H):
    mdp = random_mdp(seed, 3, 2, H=H)
    C = np.random.default_rng(seed + 1).random((2, mdp.S, mdp.A))
    b = np.full(2, 1e3)
    res = solve_constrained(mdp, C, b)
    check_result(mdp, res, C, b)
    lp = solve_lp(mdp)
    V0 = lp.V if mdp.is_discounted else lp.V[0]
    assert abs(res.value - mdp.mu @ V0) < 1e-7


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.sampled_from([None, 2]), st.floats(0.1, 0.9))
def test_binding_budget(seed, H, frac):
    """Budget strictly between the least achievable cost and the unconstrained optimum's cost."""
    mdp = random_mdp(seed, 3, 2, H=H)
    shape = (1, H, mdp.S, mdp.A) if H else (1, mdp.S, mdp.A)
    C = np.random.default_rng(seed + 1).random(shape)
    free = solve_constrained(mdp, C, [1e3])
    Aeq, beq = flow_system(mdp)
    cmin = linprog(C.ravel(), A_eq=Aeq, b_eq=beq, bounds=(0, None), method="highs").fun
    b = np.array([cmin + frac * (free.costs[0] - cmin)])
    res = solve_constrained(mdp, C, b)
    check_result(mdp, res, C, b)
    ref = reference_cmdp(mdp, C, b)
    assert abs(res.value - ref) < 1e-7
    assert res.value <= free.value + 1e-9
    if free.costs[0] - cmin > 1e-6:  # really binding: the budget is used up
        assert abs(res.costs[0] - b[0]) < 1e-7
    # at least as good as every deterministic Markov policy within budget (brute force)
    r = mdp.R
    for pol in all_det_policies(mdp):
        if det_values(mdp, pol, C[0]) <= b[0]:
            assert det_values(mdp, pol, r) <= res.value + 1e-8


@pytest.mark.parametrize("H", [None, 3])
def test_teaching_problem_duals_lagrangian(H):
    """build_occupancy_problem: flow duals = V*, budget dual = Lagrange multiplier lambda with
    constrained optimum = max_pi J_{R - lambda c}(pi) + lambda b (Altman 1999, ch. 3), the
    right side computed by the HiGHS LP solver on the model with reward R - lambda c."""
    from mdpkit.solvers.constrained import build_occupancy_problem

    mdp = random_mdp(8, 4, 3, H=H)
    lp = solve_lp(mdp)
    prob, d, cons = build_occupancy_problem(mdp)
    prob.solve(solver="HIGHS")
    np.testing.assert_allclose(
        np.ravel(cons["flow"].dual_value)[: mdp.S], lp.V if H is None else lp.V[0], atol=1e-7
    )
    C = np.random.default_rng(8).random((1, mdp.S, mdp.A))
    free = solve_constrained(mdp, C, [1e3])
    b = [0.5 * free.costs[0] + 0.5 * reference_min_cost(mdp, C)]
    prob, d, cons = build_occupancy_problem(mdp, C, b)
    prob.solve(solver="HIGHS")
    lam = float(np.ravel(cons["budget"].dual_value)[0])
    assert lam >= -1e-9
    lag = mdp.replace(R=mdp.R - lam * C[0])
    lv = solve_lp(lag).V
    lv0 = lv if H is None else lv[0]
    assert abs(prob.value - (mdp.mu @ lv0 + lam * b[0])) < 1e-7
    assert abs(prob.value - solve_constrained(mdp, C, b).value) < 1e-7


def reference_min_cost(mdp, C):
    Aeq, beq = flow_system(mdp)
    H = mdp.H or 1
    Cf = C if mdp.is_discounted else np.broadcast_to(C[:, None], (1, H, mdp.S, mdp.A))
    return linprog(Cf.ravel(), A_eq=Aeq, b_eq=beq, bounds=(0, None), method="highs").fun


def test_binding_budget_needs_randomisation():
    """Two actions in a one-state MDP: reward (1, 0), cost (1, 0), budget half-way -> mixing."""
    P = np.ones((1, 2, 1))
    mdp = TabularMDP(P, np.array([[1.0, 0.0]]), gamma=0.5)
    C = np.array([[[1.0, 0.0]]])
    res = solve_constrained(mdp, C, [1.0])  # max cost 2, budget 1 -> pi(a=0) = 1/2
    np.testing.assert_allclose(res.policy, [[0.5, 0.5]], atol=1e-8)
    np.testing.assert_allclose(res.value, 1.0, atol=1e-8)
    np.testing.assert_allclose(res.costs, [1.0], atol=1e-8)
    # the best deterministic policy within budget only gets 0
    assert res.value > 0.99


def test_stepdependent_costs_and_sparse_model():
    mdp = random_mdp(3, 4, 3, H=3, sparse=True)
    rng = np.random.default_rng(0)
    C = rng.random((2, 3, 4, 3))
    free = solve_constrained(mdp, C, [1e3, 1e3])
    b = free.costs * 0.8
    try:
        res = solve_constrained(mdp, C, b)
    except InfeasibleBudgetError:
        pytest.skip("random budgets infeasible")  # pragma: no cover
    check_result(mdp, res, C, b)
    assert abs(res.value - reference_cmdp(mdp, C, b)) < 1e-7


def test_other_solver_clarabel():
    mdp = random_mdp(1, 3, 2)
    C = np.random.default_rng(1).random((1, 3, 2))
    free = solve_constrained(mdp, C, [1e3])
    b = [free.costs[0] * 0.9]
    res = solve_constrained(mdp, C, b, solver="CLARABEL")
    assert res.solver == "CLARABEL"
    assert abs(res.value - reference_cmdp(mdp, C, np.array(b))) < 1e-6
    assert res.max_violation <= 1e-6


def test_infeasible_budget_raises():
    mdp = random_mdp(2, 3, 2)
    C = np.ones((1, 3, 2))  # every policy costs exactly 1/(1-gamma) = 10
    with pytest.raises(InfeasibleBudgetError, match="least achievable cost 10"):
        solve_constrained(mdp, C, [9.0])
    assert issubclass(InfeasibleBudgetError, ValueError)
    res = solve_constrained(mdp, C, [10.0 + 1e-9])
    np.testing.assert_allclose(res.costs, [10.0], atol=1e-9)


@pytest.mark.parametrize(
    "costs,budgets,match",
    [
        (np.ones((3, 2)), [1.0], "costs must have shape"),
        (np.ones((1, 2, 2)), [1.0], "costs must have shape"),
        (np.ones((1, 4, 3, 2)), [1.0], "costs must have shape"),  # 4-D on a discounted model
        (np.ones((2, 3, 2)), [1.0], "budgets must have shape"),
        (np.ones((1, 3, 2)), 1.0, "budgets must have shape"),
        (np.full((1, 3, 2), np.nan), [1.0], r"costs\[0, 0, 0\] is nan"),
        (np.ones((1, 3, 2)), [np.inf], r"budgets\[0\] is inf"),
        (np.ones((1, 3, 2)), [np.nan], "budgets"),
    ],
)
def test_bad_input(costs, budgets, match):
    mdp = random_mdp(0, 3, 2)
    with pytest.raises(ValueError, match=match):
        solve_constrained(mdp, costs, budgets)


def test_bad_input_finite_horizon_shape():
    mdp = random_mdp(0, 3, 2, H=4)
    with pytest.raises(ValueError, match="costs must have shape"):
        solve_constrained(mdp, np.ones((1, 3, 3, 2)), [1.0])
    with pytest.raises(TypeError, match="costs"):
        solve_constrained(mdp, [["a"]], [1.0])

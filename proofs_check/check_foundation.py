r"""Exact checks of the foundational MDP lemmas on hypothesis-generated MDPs.

Each ``test_*`` function states a lemma in its docstring (with a reference) and evaluates it
on mdpkit's OUTPUTS (``evaluate``, ``occupancy``, ``q_from_v``, ``solve_lp``, value
iteration's iterates and certificates) against an independent side written here from
scratch: plain numpy linear solves, the LP matrices built here, and V* by exhaustive
enumeration of the deterministic policies (:func:`enumerate_vstar`). Identities are asserted
to 1e-9 (inequalities: with a 1e-9 slack for rounding). With mdpkit's solvers replaced by
wrong ones, each check fails.

Notation: discounted occupancy :math:`d^\pi_\mu(s,a) = \sum_t\gamma^t\Pr^\pi_\mu(s_t=s,
a_t=a)` (total mass :math:`1/(1-\gamma)`, *not* normalised), so that
:math:`V^\pi(\mu) = \langle R, d^\pi_\mu\rangle`; finite horizon
:math:`d_h(s,a) = \Pr^\pi_\mu(s_h=s, a_h=a)`.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mdpkit.solvers.api import evaluate, occupancy, q_from_v, solve
from mdpkit.solvers.lp import discounted_lp_matrices, solve_lp
from mdpkit.testing import tabular_mdps
from mdpkit.testing.strategies import distributions, policies

SETTINGS = settings(max_examples=30, deadline=None)
TOL = 1e-9


# --------------------------------------------------------------- independent numpy side
def stoch(mdp, pol):
    """Policy as action probabilities: (S, A) discounted, (H, S, A) finite horizon."""
    pol = np.asarray(pol)
    if pol.dtype.kind in "iu":
        pol = np.eye(mdp.A)[pol]
    if mdp.is_finite_horizon and pol.ndim == 2:
        pol = np.broadcast_to(pol, (mdp.H, mdp.S, mdp.A))
    return np.asarray(pol, dtype=np.float64)


def disc_value(P, R, g, pi):
    S = R.shape[0]
    P_pi = np.einsum("sa,sat->st", pi, P)
    return np.linalg.solve(np.eye(S) - g * P_pi, (pi * R).sum(1))


def disc_occupancy(P, g, pi, mu):
    S = mu.shape[0]
    P_pi = np.einsum("sa,sat->st", pi, P)
    rho = np.linalg.solve((np.eye(S) - g * P_pi).T, mu)
    return rho[:, None] * pi


def fh_arrays(mdp):
    H, S, A = mdp.H, mdp.S, mdp.A
    P = mdp.dense_P()
    P = np.broadcast_to(P, (H, S, A, S)) if P.ndim == 3 else P
    R = np.broadcast_to(mdp.R, (H, S, A)) if mdp.R.ndim == 2 else mdp.R
    return np.asarray(P), np.asarray(R)


def fh_value(P, R, pi):
    """V (H+1, S) with V[H] = 0 and Q (H, S, A) of pi (H, S, A)."""
    H, S, A = R.shape
    V = np.zeros((H + 1, S))
    Q = np.zeros((H, S, A))
    for h in range(H - 1, -1, -1):
        Q[h] = R[h] + P[h] @ V[h + 1]
        V[h] = (pi[h] * Q[h]).sum(1)
    return V, Q


def fh_occupancy(P, pi, mu):
    H = pi.shape[0]
    d = np.zeros(pi.shape)
    rho = mu.copy()
    for h in range(H):
        d[h] = rho[:, None] * pi[h]
        rho = np.einsum("sa,sat->t", d[h], P[h])
    return d


def bellman(P, R, g, V):
    return (R + g * P @ V).max(axis=1)


def enumerate_vstar(P, R, g):
    """V* = max over all A^S deterministic stationary policies of their values (own numpy
    solves); returns (V*, list of optimal policies' values). Exact up to the linear solves."""
    import itertools

    S, A = R.shape
    best = np.full(S, -np.inf)
    for pol in itertools.product(range(A), repeat=S):
        best = np.maximum(best, disc_value(P, R, g, np.eye(A)[list(pol)]))
    return best


def lp_matrices_numpy(P, R, g):
    """Rows (s, a) in the order s * A + a: ``M = E - gamma P`` (S*A, S) and ``r = R`` (S*A,)."""
    S, A = R.shape
    E = np.repeat(np.eye(S), A, axis=0)
    return E - g * P.reshape(S * A, S), R.reshape(S * A)


def close(a, b, tol=TOL):
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    assert np.all(np.abs(a - b) <= tol * scale), (a, b, np.max(np.abs(a - b)))


# -------------------------------------------------------------- performance difference
@SETTINGS
@given(st.data())
def test_performance_difference_lemma_discounted(data):
    r"""Performance-difference lemma (Kakade & Langford 2002, Lemma 6.1).

    For any policies :math:`\pi, \pi'` and initial distribution :math:`\mu`,

    .. math::
        V^{\pi'}(\mu) - V^{\pi}(\mu) = \sum_{s,a} d^{\pi'}_\mu(s,a)\, A^\pi(s,a),
        \qquad A^\pi(s,a) = Q^\pi(s,a) - V^\pi(s),

    i.e. :math:`\frac{1}{1-\gamma}\mathbb E_{s\sim \bar d^{\pi'}_\mu, a\sim\pi'(s)}[A^\pi(s,a)]`
    with the normalised occupancy :math:`\bar d = (1-\gamma) d`.
    """
    mdp = data.draw(tabular_mdps(max_S=5, max_A=3, finite_horizon=False, sparse=None))
    p1, p2 = data.draw(policies(mdp)), data.draw(policies(mdp))
    pi, pi2 = stoch(mdp, p1), stoch(mdp, p2)
    P, R, g, mu = mdp.dense_P(), mdp.R, mdp.gamma, mdp.mu
    V1, V2 = disc_value(P, R, g, pi), disc_value(P, R, g, pi2)
    close(evaluate(mdp, p1), V1)
    close(evaluate(mdp, p2), V2)
    lhs = mu @ evaluate(mdp, p2) - mu @ evaluate(mdp, p1)
    Adv = R + g * P @ V1 - V1[:, None]
    d2 = disc_occupancy(P, g, pi2, mu)
    close(occupancy(mdp, p2), d2)
    rhs = (d2 * Adv).sum()
    close(lhs, rhs)
    # the normalised form
    close(lhs, ((1 - g) * d2 * Adv).sum() / (1 - g))


@SETTINGS
@given(st.data())
def test_performance_difference_lemma_finite_horizon(data):
    r"""Finite-horizon performance difference (Kakade & Langford 2002; Kakade 2003, ch. 5).

    .. math::
        V^{\pi'}_0(\mu) - V^\pi_0(\mu) = \sum_{h=0}^{H-1} \sum_{s,a} d^{\pi'}_h(s,a)
        \big(Q^\pi_h(s,a) - V^\pi_h(s)\big),\quad Q^\pi_h = R_h + P_h V^\pi_{h+1},\ V_H = 0.
    """
    mdp = data.draw(tabular_mdps(max_S=4, max_A=3, max_H=4, discounted=False, sparse=None))
    p1, p2 = data.draw(policies(mdp)), data.draw(policies(mdp))
    pi, pi2 = stoch(mdp, p1), stoch(mdp, p2)
    P, R = fh_arrays(mdp)
    V1, Q1 = fh_value(P, R, pi)
    V2, _ = fh_value(P, R, pi2)
    close(evaluate(mdp, p1), V1[:-1])
    d2 = fh_occupancy(P, pi2, mdp.mu)
    close(occupancy(mdp, p2), d2)
    lhs = mdp.mu @ evaluate(mdp, p2)[0] - mdp.mu @ evaluate(mdp, p1)[0]
    close(lhs, mdp.mu @ (V2[0] - V1[0]))
    rhs = (d2 * (Q1 - V1[:-1, :, None])).sum()
    close(lhs, rhs)


# ------------------------------------------------------------------ simulation lemma
@SETTINGS
@given(st.data())
def test_simulation_lemma_discounted(data):
    r"""Simulation / value-difference lemma (Kearns & Singh 2002, Lemma 4 for the bound;
    exact form e.g. Agarwal, Jiang, Kakade & Sun 2021, *RL: Theory and Algorithms*, Lemma 2.2).

    For one policy :math:`\pi` in two models :math:`(P, R)` and :math:`(\hat P, \hat R)`:

    .. math::
        \hat V^\pi - V^\pi = (I - \gamma\hat P_\pi)^{-1}\big[(\hat r_\pi - r_\pi)
        + \gamma(\hat P_\pi - P_\pi) V^\pi\big],

    equivalently :math:`\hat V^\pi(\mu) - V^\pi(\mu) = \sum_{s,a}\hat d^\pi_\mu(s,a)
    [(\hat R - R)(s,a) + \gamma (\hat P - P)(\cdot|s,a)^\top V^\pi]`; hence
    :math:`\|\hat V^\pi - V^\pi\|_\infty \le (\|\hat R - R\|_\infty + \gamma
    \max_{s,a}\|\hat P(\cdot|s,a) - P(\cdot|s,a)\|_1 \|V^\pi\|_\infty)/(1-\gamma)`.
    """
    mdp = data.draw(tabular_mdps(max_S=5, max_A=3, finite_horizon=False))
    S, A, g, mu = mdp.S, mdp.A, mdp.gamma, mdp.mu
    P2 = data.draw(distributions((S, A, S)))
    R2 = data.draw(hnp.arrays(np.float64, (S, A), elements=st.floats(-1, 1)))
    hat = mdp.replace(P=P2, R=R2)
    p = data.draw(policies(mdp))
    pi = stoch(mdp, p)
    P, R = mdp.dense_P(), mdp.R
    V, Vh = evaluate(mdp, p), evaluate(hat, p)
    close(V, disc_value(P, R, g, pi))
    close(Vh, disc_value(P2, R2, g, pi))
    Ppi = np.einsum("sa,sat->st", pi, P)
    Ppi2 = np.einsum("sa,sat->st", pi, P2)
    rhs_vec = np.linalg.solve(np.eye(S) - g * Ppi2, (pi * (R2 - R)).sum(1) + g * (Ppi2 - Ppi) @ V)
    close(Vh - V, rhs_vec)
    dh = disc_occupancy(P2, g, pi, mu)
    close(mu @ (Vh - V), (dh * ((R2 - R) + g * (P2 - P) @ V)).sum())
    eps_r = np.abs(R2 - R).max()
    eps_p = np.abs(P2 - P).sum(-1).max()
    assert np.abs(Vh - V).max() <= (eps_r + g * eps_p * np.abs(V).max()) / (1 - g) + TOL


@SETTINGS
@given(st.data())
def test_simulation_lemma_finite_horizon(data):
    r"""Finite-horizon simulation lemma (Kearns & Singh 2002; exact telescoping form as in
    Azar, Osband & Munos 2017, eq. for UCBVI's regret decomposition).

    .. math::
        \hat V^\pi_0(\mu) - V^\pi_0(\mu) = \sum_{h=0}^{H-1}\sum_{s,a}\hat d^\pi_h(s,a)\big[
        (\hat R_h - R_h)(s,a) + (\hat P_h - P_h)(\cdot|s,a)^\top V^\pi_{h+1}\big].
    """
    mdp = data.draw(tabular_mdps(max_S=4, max_A=3, max_H=4, discounted=False, step_dependent=True))
    H, S, A = mdp.H, mdp.S, mdp.A
    P2 = data.draw(distributions((H, S, A, S)))
    R2 = data.draw(hnp.arrays(np.float64, (H, S, A), elements=st.floats(-1, 1)))
    hat = mdp.replace(P=P2, R=R2)
    p = data.draw(policies(mdp))
    pi = stoch(mdp, p)
    P, R = fh_arrays(mdp)
    V, _ = fh_value(P, R, pi)
    Vh, _ = fh_value(P2, R2, pi)
    close(evaluate(hat, p), Vh[:-1])
    dh = fh_occupancy(P2, pi, mdp.mu)
    rhs = sum((dh[h] * ((R2[h] - R[h]) + (P2[h] - P[h]) @ V[h + 1])).sum() for h in range(H))
    close(mdp.mu @ (Vh[0] - V[0]), rhs)


# -------------------------------------------------------------------- LP duality
@SETTINGS
@given(tabular_mdps(max_S=5, max_A=3, finite_horizon=False, sparse=None))
def test_lp_strong_duality(mdp):
    r"""LP strong duality and complementary slackness (Puterman 1994, Thm 6.9.1; duality
    theorem e.g. Bertsimas & Tsitsiklis 1997, Thms 4.4 and 4.5).

    Primal :math:`\min_V w^\top V` s.t. :math:`(E - \gamma P)V \ge R`; dual
    :math:`\max_{d\ge0} \langle R, d\rangle` s.t. :math:`(E-\gamma P)^\top d = w`.
    At optima: :math:`w^\top V^* = \langle R, d^*\rangle` (strong duality),
    :math:`d^*(s,a)\,[(E-\gamma P)V^* - R](s,a) = 0` for all (s, a) (complementary slackness),
    :math:`V^*` is the Bellman fixed point, and :math:`\sum d^* = \sum_s w(s)/(1-\gamma)`.
    """
    res = solve_lp(mdp)
    M, r = lp_matrices_numpy(mdp.dense_P(), mdp.R, mdp.gamma)  # built here, not mdpkit's
    M_lib, r_lib = discounted_lp_matrices(mdp)
    close(np.asarray(M_lib.todense()) if hasattr(M_lib, "todense") else M_lib, M)
    close(r_lib, r)
    w = res.extras["weight"]
    V = res.extras["V_lp"]
    d = (
        res.occupancy
        if res.extras["occupancy_source"] == "lp_marginals"
        else res.extras["occupancy_weight"]
    )
    d = d.ravel()
    g = mdp.gamma
    slack = M @ V - r
    assert slack.min() >= -TOL  # primal feasible
    assert d.min() >= 0  # dual feasible
    close(M.T @ d, w)
    close(w @ V, r @ d)  # strong duality
    assert np.abs(d * slack).max() <= TOL  # complementary slackness
    close(d.sum(), w.sum() / (1 - g))
    close(bellman(mdp.dense_P(), mdp.R, g, V), V)  # V* is the fixed point
    # an independent solve of the dual LP (dense, scipy HiGHS) reaches the same optimum
    from scipy.optimize import linprog

    dual = linprog(
        -r,
        A_eq=M.T,
        b_eq=w,
        bounds=(0, None),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    assert dual.status == 0
    close(-dual.fun, w @ V)
    # and under mu: mu^T V* = <R, d_mu> for the returned occupancy
    close(mdp.mu @ res.V, (res.occupancy * mdp.R).sum())


@SETTINGS
@given(tabular_mdps(max_S=4, max_A=3, finite_horizon=False, sparse=None))
def test_lp_certificate_and_values_against_enumeration(mdp):
    r"""Optimality of the LP's answer (Puterman 1994, Thm 6.9.1): mdpkit's ``solve_lp``
    returns V = V* and an optimal policy, where V* is computed here by enumerating all A^S
    deterministic policies (own numpy solves); its certificate ``bound`` is an upper bound
    on ``max_s V*(s) - V^pi(s)`` with V^pi also solved here; and the returned occupancy
    satisfies ``mu^T V^pi = <R, d>`` with d the numpy occupancy of the returned policy."""
    P, R, g = mdp.dense_P(), mdp.R, mdp.gamma
    vstar = enumerate_vstar(P, R, g)
    res = solve_lp(mdp)
    close(res.V, vstar)
    Vpi = disc_value(P, R, g, np.eye(mdp.A)[res.policy])
    close(Vpi, vstar)
    assert (vstar - Vpi).max() <= res.bound + TOL
    assert res.bound <= 1e-6 * max(1.0, np.abs(vstar).max())
    close(res.occupancy, disc_occupancy(P, g, np.eye(mdp.A)[res.policy], mdp.mu))


@SETTINGS
@given(tabular_mdps(max_S=4, max_A=3, max_H=4, discounted=False, sparse=None))
def test_lp_strong_duality_finite_horizon(mdp):
    r"""Strong duality of the finite-horizon occupancy LP (Puterman 1994, ch. 4 with the LP
        duality theorem; e.g. Bertsimas & Tsitsiklis 1997, Thm 4.4).

        Primal (occupancies, inflow :math:`w_h > 0`):
        :math:`\max \sum_h\langle R_h, d_h
    angle` s.t. :math:`\sum_a d_0(\cdot,a) = w_0`,
        :math:`\sum_a d_{h+1}(\cdot,a) - P_h^	op d_h = w_{h+1}`, :math:`d \ge 0`.
        Dual: :math:`\min \sum_h w_h^	op V_h` s.t. :math:`V_h(s) \ge R_h(s,a) + P_h(\cdot|s,a)^	op
        V_{h+1}` (:math:`V_H = 0`). At optima the objectives are equal, complementary slackness
        holds, and :math:`V_h = V^*_h` (backward induction).
    """
    from mdpkit.solvers.backward import backward_induction

    res = solve_lp(mdp)
    d = res.extras["occupancy_weight"]
    V = res.extras["V_lp"]
    w = res.extras["inflow"]
    P, R = fh_arrays(mdp)
    H = mdp.H
    Vn = np.vstack([V[1:], np.zeros((1, mdp.S))])
    slack = V[:, :, None] - (R + np.einsum("hsat,ht->hsa", P, Vn))
    assert slack.min() >= -TOL  # dual feasible
    assert d.min() >= 0
    close(d[0].sum(1), w[0])  # primal feasible (flow)
    for h in range(H - 1):
        close(d[h + 1].sum(1) - np.einsum("sa,sat->t", d[h], P[h]), w[h + 1])
    close((R * d).sum(), (w * V).sum())  # strong duality
    assert np.abs(d * slack).max() <= TOL  # complementary slackness
    close(V, backward_induction(mdp).V)


# --------------------------------------------------------------------- contraction
@SETTINGS
@given(st.data())
def test_bellman_optimality_operator_is_gamma_contraction(data):
    r"""The Bellman optimality operator is a :math:`\gamma`-contraction in sup norm
    (Puterman 1994, Prop. 6.2.4; Bertsekas & Tsitsiklis 1996, Prop. 2.4):

    .. math::
        \|TU - TV\|_\infty \le \gamma\|U - V\|_\infty,\qquad
        (TV)(s) = \max_a R(s,a) + \gamma\sum_{s'}P(s'|s,a)V(s'),

    with equality for :math:`U = V + c\mathbf 1` (so the constant cannot be improved).
    The policy operator :math:`T^\pi` satisfies the same inequality.
    """
    mdp = data.draw(tabular_mdps(max_S=6, max_A=3, finite_horizon=False, sparse=None))
    S, g = mdp.S, mdp.gamma
    vec = hnp.arrays(np.float64, (S,), elements=st.floats(-10, 10))
    U, V = data.draw(vec), data.draw(vec)
    P, R = mdp.dense_P(), mdp.R
    # mdpkit's operator: T V = max_a q_from_v(mdp, V)
    TU, TV = q_from_v(mdp, U).max(axis=1), q_from_v(mdp, V).max(axis=1)
    close(TU, bellman(P, R, g, U))  # independent numpy rendering
    assert np.abs(TU - TV).max() <= g * np.abs(U - V).max() + TOL
    c = data.draw(st.floats(-5, 5))
    close(np.abs(q_from_v(mdp, V + c).max(axis=1) - TV).max(), g * abs(c))
    pi = stoch(mdp, data.draw(policies(mdp)))
    TpU = (pi * q_from_v(mdp, U)).sum(1)
    TpV = (pi * q_from_v(mdp, V)).sum(1)
    close(TpU, (pi * (R + g * P @ U)).sum(1))
    assert np.abs(TpU - TpV).max() <= g * np.abs(U - V).max() + TOL


# ---------------------------------------------------------------- VI error bounds
@SETTINGS
@given(st.data())
def test_value_iteration_error_bounds(data):
    r"""Value-iteration error bounds (Puterman 1994, Thm 6.3.1 and its proof; Williams &
    Baird 1993 for the greedy-policy bound). With :math:`V_{n+1} = TV_n`:

    1. :math:`\|V_n - V^*\|_\infty \le \gamma^n\|V_0 - V^*\|_\infty`;
    2. stopping rule: :math:`\|V_{n+1} - V^*\|_\infty \le \frac{\gamma}{1-\gamma}
       \|V_{n+1} - V_n\|_\infty`;
    3. the greedy policy :math:`\pi_{n+1}` w.r.t. :math:`V_{n+1}` satisfies
       :math:`\|V^* - V^{\pi_{n+1}}\|_\infty \le \frac{2\gamma}{1-\gamma}\|V_{n+1} - V_n\|_\infty`.

    Both sides: the iterates are mdpkit's (``value_iteration`` with ``max_iter = n`` and the
    sup-norm rule returns ``T^n V_0``; checked against n numpy Bellman sweeps), V* is
    computed here by enumerating the deterministic policies, greedy values by numpy
    solves. mdpkit's certified ``bound`` and ``value_error_bound`` of a converged run are
    checked against the same V*, for both stopping rules.
    """
    import warnings

    from mdpkit.solvers.vi import value_iteration
    from mdpkit.utils import ConvergenceWarning

    mdp = data.draw(
        tabular_mdps(max_S=4, max_A=3, finite_horizon=False, sparse=None, max_gamma=0.95)
    )
    S, g = mdp.S, mdp.gamma
    P, R = mdp.dense_P(), mdp.R
    Vstar = enumerate_vstar(P, R, g)
    scale = max(1.0, np.abs(Vstar).max())
    V0 = data.draw(hnp.arrays(np.float64, (S,), elements=st.floats(-20, 20)))
    e0 = np.abs(V0 - Vstar).max()
    prev, own = V0, V0
    for n in range(1, 16):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            Vn = value_iteration(mdp, tol=1e-300, max_iter=n, stopping="supnorm", V0=V0).V
        own = bellman(P, R, g, own)
        close(Vn, own, tol=1e-12)
        err = np.abs(Vn - Vstar).max()
        assert err <= g**n * e0 + TOL * max(1.0, e0)
        step = np.abs(Vn - prev).max()
        assert err <= g / (1 - g) * step + TOL * scale
        greedy = (R + g * P @ Vn).argmax(axis=1)
        Vg = disc_value(P, R, g, np.eye(mdp.A)[greedy])
        assert np.abs(Vstar - Vg).max() <= 2 * g / (1 - g) * step + TOL * scale
        prev = Vn
    # mdpkit's VI: its certificates hold against the enumerated V*
    for stopping in ("span", "supnorm"):
        res = solve(mdp, "vi", tol=1e-6, stopping=stopping)
        Vpol = disc_value(P, R, g, np.eye(mdp.A)[res.policy])
        assert (Vstar - Vpol).max() <= res.bound + TOL * scale
        assert np.abs(res.V - Vstar).max() <= res.extras["value_error_bound"] + TOL * scale
        assert res.bound <= 1e-6

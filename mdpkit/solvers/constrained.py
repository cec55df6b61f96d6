r"""Constrained MDPs by the occupancy-measure LP, formulated in cvxpy.

A constrained MDP (Altman 1999) adds m cost functions :math:`c_i(s,a)` and budgets
:math:`b_i`; we look for a (possibly stochastic) policy maximising the expected reward
subject to :math:`J_{c_i}(\pi) \le b_i`. In occupancy measures the problem is an LP
(Altman 1999, ch. 3 discounted, ch. 4 finite horizon; Puterman 1994, sec. 6.9 for m = 0):

Discounted, :math:`d(s,a) = \sum_t \gamma^t \Pr^\pi_\mu(s_t=s, a_t=a)`:

.. math::
    \max_{d\ge 0} \langle R, d\rangle \ \text{s.t.}\
    \sum_a d(s',a) - \gamma\sum_{s,a}P(s'|s,a)d(s,a) = \mu(s')\ \forall s',\quad
    \langle c_i, d\rangle \le b_i\ \forall i.

Finite horizon, :math:`d_h(s,a) = \Pr^\pi_\mu(s_h=s, a_h=a)`:
:math:`\max \sum_h\langle R_h, d_h\rangle` s.t. :math:`\sum_a d_0(s,a) = \mu(s)`,
:math:`\sum_a d_{h+1}(s',a) = \sum_{s,a} P_h(s'|s,a) d_h(s,a)`,
:math:`\sum_h \langle c_{i,h}, d_h\rangle \le b_i`.

Every feasible d is the occupancy of the stationary (resp. Markov) policy
:math:`\pi(a|s) = d(s,a)/\sum_{a'} d(s,a')` (Altman 1999, Thm 3.1 / Puterman 1994
Thm 6.9.1), so the optimum of the LP is the optimum over all policies; with m binding
constraints an optimal basic solution randomises in at most m states (Altman 1999,
Thm 3.8), which is why the optimal policy may be stochastic.

Units: costs are in the same units as rewards and values, i.e. the *discounted sum*
:math:`J_c = E[\sum_t \gamma^t c(s_t,a_t)] = \langle c, d\rangle` (not normalised by
:math:`1-\gamma`), or the sum over the H steps for finite horizon.

Decisions
---------
* cvxpy is imported inside the functions (``import mdpkit`` must stay fast).
* ``solver=None`` uses cvxpy's HIGHS interface when installed (an LP vertex, accurate to
  ~1e-9), else CLARABEL; the name used is reported in ``result.solver``. Any cvxpy solver
  name can be given.
* Read-off policy: ``pi(.|s) = d(s,.)/sum_a d(s,a)`` after clipping solver noise below 0;
  where the occupancy is numerically zero (``sum_a d(s,a) <= 1e-12 * total``, states the
  policy never reaches from ``mu``) the policy is uniform -- any choice there leaves value
  and costs unchanged.
* The returned ``occupancy``, ``value``, ``V`` and ``costs`` are recomputed *exactly* from
  the returned policy (linear solve / forward recursion), not copied from the solver, so
  they are those of the policy a user would run; the solver's own numbers are kept in
  ``occupancy_lp`` and ``objective``. ``max_violation = max_i (costs_i - b_i)^+`` exposes
  any solver-tolerance violation of the budgets (~1e-9 with HiGHS).
* Infeasible budgets raise :class:`InfeasibleBudgetError` (a ``ValueError``) naming, for
  each constraint, the least achievable cost (computed by one extra HiGHS LP each) -- a
  budget below it can never be met.

References
----------
Altman, E. (1999). Constrained Markov Decision Processes. Chapman & Hall/CRC.
Puterman, M. L. (1994). Markov Decision Processes, sec. 6.9 and ch. 4.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = [
    "solve_constrained",
    "ConstrainedResult",
    "InfeasibleBudgetError",
    "build_occupancy_problem",
]

provenance = (
    "Occupancy-measure LP of constrained MDPs (Altman 1999, ch. 3-4) in cvxpy; results "
    "re-evaluated exactly; tested against the unconstrained HiGHS LP and brute force over "
    "deterministic policies."
)

_ZERO_OCC_RTOL = 1e-12


class InfeasibleBudgetError(ValueError):
    """No policy meets all the expected-cost budgets."""


class ConstrainedResult:
    """Output of :func:`solve_constrained`.

    Attributes
    ----------
    policy : ndarray, shape (S, A) discounted or (H, S, A) finite horizon
        Optimal (possibly stochastic) policy, rows sum to 1.
    occupancy : ndarray, shape (S, A) or (H, S, A)
        Exact occupancy measure of ``policy`` under ``mdp.mu`` (sums to 1/(1-gamma), or to
        1 at each step).
    value : float
        Expected reward ``<R, occupancy>`` = ``mu @ V`` (resp. ``mu @ V[0]``).
    V : ndarray, shape (S,) or (H, S)
        Exact value function of ``policy``.
    costs : ndarray, shape (m,)
        Exact expected costs ``<c_i, occupancy>`` of ``policy``.
    budgets : ndarray, shape (m,)
    max_violation : float
        ``max(0, max_i costs_i - budgets_i)`` (solver tolerance; 0 when m = 0).
    objective : float
        The solver's optimal objective value.
    occupancy_lp : ndarray
        The solver's raw occupancy variable (same shape as ``occupancy``).
    status, solver : str
        cvxpy status and solver name.
    """

    __slots__ = (
        "policy",
        "occupancy",
        "value",
        "V",
        "costs",
        "budgets",
        "max_violation",
        "objective",
        "occupancy_lp",
        "status",
        "solver",
    )

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw[k])

    def __repr__(self) -> str:
        return (
            f"ConstrainedResult(value={self.value:.6g}, costs={np.round(self.costs, 6)}, "
            f"budgets={self.budgets}, max_violation={self.max_violation:.2g}, "
            f"status={self.status!r}, solver={self.solver!r}, policy shape={self.policy.shape})"
        )


def _check_mdp(mdp):
    from ..models.tabular import TabularMDP

    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")


def _check_costs(mdp, costs, budgets):
    """Return costs as (m, S*A) or (m, H*S*A) float and budgets (m,)."""
    S, A, H = mdp.S, mdp.A, mdp.H
    from ..models.tabular import as_real_array

    C = as_real_array(costs, "costs", finite=False)
    b = as_real_array(budgets, "budgets", finite=False)
    if C.shape == (0,):  # ``costs=[]``: no constraint (m = 0)
        C = np.zeros((0, S, A))
    ok = [(S, A)] if mdp.is_discounted else [(S, A), (H, S, A)]
    if C.ndim < 1 or C.shape[1:] not in ok:
        want = " or ".join("(m, " + ", ".join(map(str, s)) + ")" for s in ok)
        raise ValueError(f"costs must have shape {want}, got {C.shape}")
    m = C.shape[0]
    if b.shape != (m,):
        raise ValueError(f"budgets must have shape (m,) = ({m},) to match costs, got {b.shape}")
    bad = ~np.isfinite(C)
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        raise ValueError(f"costs[{', '.join(map(str, i))}] is {C[i]}, costs must be finite")
    bad = ~np.isfinite(b)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"budgets[{i}] is {b[i]}, budgets must be finite")
    if mdp.is_finite_horizon and C.ndim == 3:
        C = np.broadcast_to(C[:, None], (m, H, S, A))
    return C.reshape(m, int(np.prod(C.shape[1:]))), b


def _flow(mdp):
    """Equality constraints ``A_eq d = b_eq`` and reward vector of the occupancy LP (under mu)."""
    from .lp import discounted_lp_matrices, finite_horizon_lp_matrices

    mu = np.asarray(mdp.mu, dtype=np.float64)
    if mdp.is_discounted:
        M, r = discounted_lp_matrices(mdp)
        return M.T.tocsr(), mu, r
    A_eq, r = finite_horizon_lp_matrices(mdp)
    b_eq = np.zeros(mdp.H * mdp.S)
    b_eq[: mdp.S] = mu
    return A_eq, b_eq, r


def build_occupancy_problem(mdp, costs=None, budgets=None):
    """The cvxpy occupancy LP (for teaching and inspection).

    Parameters
    ----------
    mdp : TabularMDP
    costs : ndarray, shape (m, S, A) or (m, H, S, A), optional
    budgets : ndarray, shape (m,), optional

    Returns
    -------
    problem : cvxpy.Problem
        ``maximize <R, d>`` subject to ``flow`` (equalities) and ``budget`` (inequalities).
    d : cvxpy.Variable, shape (S*A,) or (H*S*A,), non-negative
        Flattened occupancy (index ``s*A + a`` / ``h*S*A + s*A + a``).
    constraints : dict
        ``{"flow": ..., "budget": ... or None}`` cvxpy constraint objects. After solving,
        ``flow.dual_value`` is the value function of the Lagrangian reward
        ``R - sum_i lambda_i c_i`` (V* when m = 0; pinned on states reached from ``mu``),
        flattened (S,) or (H*S,), and ``budget.dual_value`` the multipliers
        ``lambda >= 0`` (Altman 1999, ch. 3: the constrained optimum equals
        ``max_pi J_{R - lambda c}(pi) + lambda . b``).
    """
    import cvxpy as cp

    _check_mdp(mdp)
    if (costs is None) != (budgets is None):
        raise ValueError("give both costs and budgets, or neither")
    if costs is None:
        C = np.zeros((0, mdp.S * mdp.A * (mdp.H or 1)))
        b = np.zeros(0)
    else:
        C, b = _check_costs(mdp, costs, budgets)
    A_eq, b_eq, r = _flow(mdp)
    d = cp.Variable(r.size, nonneg=True, name="d")
    flow = A_eq @ d == b_eq
    cons = [flow]
    budget = None
    if C.shape[0]:
        budget = sp.csr_matrix(C) @ d <= b
        cons.append(budget)
    problem = cp.Problem(cp.Maximize(r @ d), cons)
    return problem, d, {"flow": flow, "budget": budget}


def _min_costs(mdp, C):
    """Least achievable expected cost of each constraint (HiGHS), for the infeasibility message."""
    from scipy.optimize import linprog

    A_eq, b_eq, _ = _flow(mdp)
    out = []
    for c in C:
        res = linprog(c, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        out.append(float(res.fun) if res.status == 0 else float("nan"))
    return np.array(out)


def _policy_from_occupancy(d):
    """pi(a|s) = d(s,a)/sum_a d(s,a); uniform where the occupancy is numerically zero."""
    d = np.maximum(d, 0.0)
    mass = d.sum(axis=-1, keepdims=True)
    total = mass.sum(axis=-2, keepdims=True)
    zero = mass <= _ZERO_OCC_RTOL * total
    A = d.shape[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        pi = np.where(zero, 1.0 / A, d / np.where(zero, 1.0, mass))
    pi /= pi.sum(axis=-1, keepdims=True)
    return pi


def _exact_discounted(mdp, pi):
    """Exact V (S,) and occupancy (S, A) under mu of a stationary stochastic policy."""
    S, A, g = mdp.S, mdp.A, mdp.gamma
    Psa = mdp.sparse_P()
    W = sp.csr_matrix(
        (pi.ravel(), np.arange(S * A), np.arange(0, S * A + 1, A)), shape=(S, S * A)
    )  # row s: pi(.|s) on columns s*A + a
    P_pi = (W @ Psa).toarray()
    r_pi = (pi * np.asarray(mdp.R)).sum(axis=1)
    Mat = np.eye(S) - g * P_pi
    V = np.linalg.solve(Mat, r_pi)
    rho = np.linalg.solve(Mat.T, np.asarray(mdp.mu))
    return V, np.maximum(rho, 0.0)[:, None] * pi


def solve_constrained(mdp, costs, budgets, *, solver=None) -> ConstrainedResult:
    """Maximise expected reward subject to expected-cost budgets (constrained MDP).

    Parameters
    ----------
    mdp : TabularMDP
        Discounted or finite horizon (dense, step-dependent or CSR P).
    costs : array-like, shape (m, S, A), or (m, H, S, A) for finite horizon; or None
        Cost functions c_i(s, a) (resp. c_{i,h}(s, a)); (m, S, A) is stationary. m = 0
        (``costs`` of shape (0, S, A), ``[]`` or None with ``budgets`` None) is the
        unconstrained occupancy LP.
    budgets : array-like, shape (m,); or None
        Budgets b_i on the expected (discounted / summed) costs under ``mdp.mu``.
    solver : str, optional
        cvxpy solver name; default HIGHS if installed, else CLARABEL.

    Returns
    -------
    ConstrainedResult

    Raises
    ------
    ValueError
        ``costs``/``budgets`` of wrong shape or with NaN/inf (message names the argument).
    InfeasibleBudgetError (subclass of ValueError)
        No policy meets the budgets; the message gives each constraint's least achievable
        cost.
    RuntimeError
        The solver failed for another reason.
    """
    import cvxpy as cp

    _check_mdp(mdp)
    if (costs is None) != (budgets is None):
        raise ValueError("give both costs and budgets, or neither (m = 0 constraints)")
    if costs is None:
        costs, budgets = np.zeros((0, mdp.S, mdp.A)), np.zeros(0)
    C, b = _check_costs(mdp, costs, budgets)
    if solver is None:
        solver = "HIGHS" if "HIGHS" in cp.installed_solvers() else "CLARABEL"
    problem, d, _ = build_occupancy_problem(
        mdp,
        C.reshape((C.shape[0],) + ((mdp.H,) if mdp.is_finite_horizon else ()) + (mdp.S, mdp.A)),
        b,
    )
    try:
        problem.solve(solver=solver)
    except cp.error.SolverError as exc:
        raise RuntimeError(f"cvxpy solver {solver} failed: {exc}") from exc
    status = problem.status
    if status in ("infeasible", "infeasible_inaccurate"):
        lo = _min_costs(mdp, C)
        detail = ", ".join(
            f"constraint {i}: budget {b[i]:.6g}, least achievable cost {lo[i]:.6g}"
            for i in range(len(b))
        )
        raise InfeasibleBudgetError(f"budgets are infeasible: no policy meets them ({detail})")
    if status not in ("optimal", "optimal_inaccurate") or d.value is None:
        raise RuntimeError(f"cvxpy solver {solver} returned status {status!r}")
    S, A = mdp.S, mdp.A
    if mdp.is_discounted:
        d_lp = np.asarray(d.value, dtype=np.float64).reshape(S, A)
        pi = _policy_from_occupancy(d_lp)
        V, occ = _exact_discounted(mdp, pi)
        value = float(np.asarray(mdp.mu) @ V)
    else:
        from .backward import evaluate_finite, occupancy_finite

        d_lp = np.asarray(d.value, dtype=np.float64).reshape(mdp.H, S, A)
        pi = _policy_from_occupancy(d_lp)
        V = evaluate_finite(mdp, pi)
        occ = occupancy_finite(mdp, pi)
        value = float(np.asarray(mdp.mu) @ V[0])
    cost_vals = C @ occ.ravel()
    viol = float(max(0.0, (cost_vals - b).max())) if b.size else 0.0
    return ConstrainedResult(
        policy=pi,
        occupancy=occ,
        value=value,
        V=V,
        costs=cost_vals,
        budgets=b,
        max_violation=viol,
        objective=float(problem.value),
        occupancy_lp=d_lp,
        status=status,
        solver=solver,
    )

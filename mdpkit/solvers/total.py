r"""Undiscounted total reward with terminal states (stochastic shortest path).

A ``TabularMDP(P, R, criterion="total", terminal=T)`` has absorbing zero-reward terminal
states T; :math:`V^\pi(s) = \mathbb E^\pi[\sum_{t \ge 0} R(s_t, a_t) \mid s_0 = s]`. A
policy is *proper* when it reaches T with probability 1 from every state.

Well-posedness (:func:`check_ssp`, run by every solver here): the optimal value is
finite and value / policy iteration are valid under the two conditions of Bertsekas &
Tsitsiklis (1991): (i) a proper policy exists -- every state reaches T under some policy
(checked by backward reachability); (ii) every improper policy collects reward
:math:`-\infty` from some state. (ii) holds iff every *end component* outside T (a set of
states with actions that never leave it, strongly connected) has a negative optimal
average reward; the maximal end components are found by iterated pruning and strongly
connected components, and the optimal gain of each by relative value iteration
(:mod:`mdpkit.solvers.average`) with its certified bounds. A component whose certified
upper bound is not below ``-ssp_tol`` is refused (ValueError naming its states): with a
positive gain some policy never terminates and collects unbounded reward; with gain 0 the
total reward of non-terminating behaviour is not defined.

Methods (through :func:`mdpkit.solve`):

* ``"pi"`` (default) -- :func:`policy_iteration_total`: starts from a proper policy built
  by backward reachability, evaluates exactly (one linear solve on the non-terminal
  states), improves keeping the current action on ties; exact (``bound = 0``).
* ``"vi"`` -- :func:`value_iteration_total`: Gauss-Jacobi value iteration from 0 until the
  sup-norm change is below ``tol``, then the greedy policy is evaluated exactly and
  improved until stable (the same exact steps as "pi"), so the result is exact as well.

Evaluation: :func:`evaluate_total` (an improper policy is a ValueError naming the
states that never terminate), :func:`occupancy_total` (expected visits before
termination).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..models.tabular import TabularMDP
from ..utils import ConvergenceWarning
from ._mask import respects_action_mask
from ._policy import as_policy
from .average import _P2, _check_options, _policy_chain, check_criterion, relative_value_iteration
from .result import SolveResult

__all__ = [
    "check_ssp",
    "maximal_end_components",
    "proper_policy",
    "evaluate_total",
    "occupancy_total",
    "policy_iteration_total",
    "value_iteration_total",
]

provenance = (
    "SSP conditions and PI/VI of Bertsekas & Tsitsiklis (1991) [R]; end-component test with "
    "certified RVI gains [D]"
)

#: a maximal end component must have a certified optimal gain below -SSP_TOL
SSP_TOL = 1e-9
VI_MAX_ITER = 1_000_000


def _check_total(mdp) -> None:
    check_criterion(mdp, "total", 'a total-reward model (criterion="total", terminal=...)')


def _terminal_mask(mdp) -> np.ndarray:
    m = np.zeros(mdp.S, dtype=bool)
    m[mdp.terminal] = True
    return m


def _fmt_states(idx) -> str:
    idx = np.asarray(idx)
    return str(idx[:10].tolist())[:-1] + (", ...]" if idx.size > 10 else "]")


# ------------------------------------------------------------------ structure
def proper_policy(mdp) -> np.ndarray:
    """A deterministic proper policy, int (S,), built by backward reachability from the
    terminal states (each state picks an action reaching, with positive probability, a
    state closer to termination). ValueError naming the states that cannot reach a
    terminal state under any policy."""
    _check_total(mdp)
    if mdp.action_mask is not None:
        from ._mask import effective_model

        eff, src = effective_model(mdp)
        return src[np.arange(mdp.S), proper_policy(eff)]
    S, A = mdp.S, mdp.A
    P2 = sp.csr_matrix(_P2(mdp))
    reached = _terminal_mask(mdp)
    pol = np.zeros(S, dtype=np.int64)
    while True:
        hits = (P2 @ reached.astype(np.float64)).reshape(S, A) > 0
        new = ~reached & hits.any(axis=1)
        if not new.any():
            break
        pol[new] = hits[new].argmax(axis=1)
        reached |= new
    if not reached.all():
        bad = np.flatnonzero(~reached)
        raise ValueError(
            f'criterion="total": states {_fmt_states(bad)} cannot reach a terminal state under '
            f"any policy, so their total reward is not finite; make some of them terminal or "
            f"add transitions to a terminal state"
        )
    return pol


def maximal_end_components(mdp):
    """Maximal end components among the non-terminal states.

    Returns
    -------
    list of (states, allowed) : states int ndarray, allowed bool (len(states), A) -- the
        actions that keep the process inside the component.
    """
    _check_total(mdp)
    S, A = mdp.S, mdp.A
    P2 = sp.csr_matrix(_P2(mdp))
    coo = P2.tocoo()
    keep = coo.data > 0
    rows, cols = coo.row[keep], coo.col[keep]
    src = rows // A
    alive = ~_terminal_mask(mdp)
    allowed = np.repeat(alive[:, None], A, axis=1)
    if mdp.action_mask is not None:
        allowed &= mdp.action_mask
    labels = np.zeros(S, dtype=np.int64)
    while True:
        before = allowed.copy()
        # actions that may leave the alive set
        leave = np.zeros(S * A, dtype=bool)
        leave[rows[~alive[cols]]] = True
        allowed &= ~leave.reshape(S, A)
        alive &= allowed.any(axis=1)
        allowed &= alive[:, None]
        # strongly connected components of the graph of allowed actions
        on = allowed.reshape(-1)[rows]
        G = sp.csr_matrix((np.ones(int(on.sum())), (src[on], cols[on])), shape=(S, S))
        _, labels = connected_components(G, directed=True, connection="strong")
        cross = np.zeros(S * A, dtype=bool)
        cross[rows[labels[cols] != labels[src]]] = True
        allowed &= ~cross.reshape(S, A)
        alive &= allowed.any(axis=1)
        allowed &= alive[:, None]
        if np.array_equal(before, allowed):
            break
    out = []
    for lab in np.unique(labels[alive]):
        states = np.flatnonzero(alive & (labels == lab))
        out.append((states, allowed[states]))
    return sorted(out, key=lambda c: int(c[0][0]))


def _component_gain(mdp, states, allowed, tol):
    """Certified bounds (lo, hi) on the optimal gain of the sub-MDP of one end component."""
    n, A = states.size, mdp.A
    P = (
        mdp.dense_P()[np.ix_(states, np.arange(A), states)]
        if not mdp.is_sparse
        else _sub_sparse(mdp, states)
    )
    R = np.array(mdp.R[states], dtype=np.float64)
    # a disallowed action is replaced by a copy of an allowed one (same state)
    first = allowed.argmax(axis=1)
    src_a = np.where(allowed, np.arange(A)[None, :], first[:, None])
    P = P[np.arange(n)[:, None], src_a]
    R = R[np.arange(n)[:, None], src_a]
    sub = TabularMDP(P, R, criterion="average", validate=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        r = relative_value_iteration(sub, tol=tol, max_iter=max(10_000, 100 * n), tau=0.5)
    return r.extras["gain_lower"], r.extras["gain_upper"]


def _sub_sparse(mdp, states):
    A = mdp.A
    rows = (states[:, None] * A + np.arange(A)[None, :]).reshape(-1)
    sub = mdp.P[rows][:, states].toarray()
    return sub.reshape(states.size, A, states.size)


def check_ssp(mdp, *, ssp_tol: float = SSP_TOL) -> None:
    """Raise a ValueError unless the optimal total reward is finite and the SSP conditions
    hold (module docstring); returns None when they do."""
    _check_total(mdp)
    proper_policy(mdp)
    for states, allowed in maximal_end_components(mdp):
        lo, hi = _component_gain(mdp, states, allowed, tol=ssp_tol)
        if hi >= -ssp_tol:
            what = (
                "positive average reward, so the optimal total reward is +inf"
                if lo > ssp_tol
                else "an average reward that is not certified negative (a non-terminating "
                "cycle of zero total reward leaves the total reward undefined)"
            )
            raise ValueError(
                f'criterion="total": a policy can stay forever in the non-terminal states '
                f"{_fmt_states(states)} (it never terminates) with {what}: optimal gain in "
                f"[{lo:.6g}, {hi:.6g}]. Give those states negative rewards or a way out only"
            )


# ------------------------------------------------------------------ evaluation
def _proper_or_raise(mdp, P_pi, what):
    reached = _terminal_mask(mdp)
    G = sp.csr_matrix(P_pi)
    while True:
        new = ~reached & (G @ reached.astype(np.float64) > 0)
        if not new.any():
            break
        reached |= new
    if not reached.all():
        raise ValueError(
            f"{what} is improper: from states {_fmt_states(np.flatnonzero(~reached))} "
            f"it never reaches a terminal state"
        )


def _solve_nonterminal(mdp, P_pi, b, transpose=False):
    N = np.flatnonzero(~_terminal_mask(mdp))
    out = np.zeros(mdp.S)
    if N.size == 0:
        return out
    if sp.issparse(P_pi):
        M = sp.identity(N.size, format="csc") - sp.csr_matrix(P_pi)[N][:, N].tocsc()
        if transpose:
            M = M.T.tocsc()
        from scipy.sparse.linalg import spsolve

        out[N] = spsolve(M, b[N])
    else:
        M = np.eye(N.size) - np.asarray(P_pi)[np.ix_(N, N)]
        out[N] = np.linalg.solve(M.T if transpose else M, b[N])
    return out


def evaluate_total(mdp, policy) -> np.ndarray:
    """Exact total reward of a proper policy, shape (S,) (0 on terminal states).

    ValueError when the policy is improper (names the states that never terminate)."""
    _check_total(mdp)
    P_pi, r_pi, _ = _policy_chain(mdp, policy)
    _proper_or_raise(mdp, P_pi, "the policy")
    return _solve_nonterminal(mdp, P_pi, r_pi)


def occupancy_total(mdp, policy) -> np.ndarray:
    """Expected number of visits to (s, a) before termination from ``mdp.mu``, shape (S, A)
    (0 on terminal states)."""
    _check_total(mdp)
    P_pi, _, pi = _policy_chain(mdp, policy)
    _proper_or_raise(mdp, P_pi, "the policy")
    rho = _solve_nonterminal(mdp, P_pi, np.asarray(mdp.mu, dtype=np.float64), transpose=True)
    return rho[:, None] * pi


# ------------------------------------------------------------------ solvers
def _pi_steps(mdp, pol, max_iter, method):
    n_iter, converged = 0, False
    P2 = _P2(mdp)
    while True:
        P_pi, r_pi, _ = _policy_chain(mdp, pol)
        _proper_or_raise(mdp, P_pi, f"policy iteration's policy {_fmt_states(pol)}")
        V = _solve_nonterminal(mdp, P_pi, r_pi)
        Q = mdp.R + (P2 @ V).reshape(mdp.S, mdp.A)
        best = Q.max(axis=1)
        slack = 1e-12 * max(1.0, float(np.abs(best).max()))
        new = np.where(Q[np.arange(mdp.S), pol] >= best - slack, pol, Q.argmax(axis=1))
        n_iter += 1
        if np.array_equal(new, pol):
            converged = True
            break
        if n_iter >= max_iter:
            warnings.warn(
                f"{method}: total-reward policy iteration stopped at max_iter="
                f"{max_iter} without a stable policy",
                ConvergenceWarning,
                stacklevel=3,
            )
            break
        pol = new
    return pol, V, Q, n_iter, converged


@respects_action_mask
def policy_iteration_total(
    mdp, *, tol: float = 1e-6, max_iter: int | None = None, **options
) -> SolveResult:
    """Policy iteration for a stochastic shortest path (module docstring). Options:
    ``policy0`` (a proper deterministic policy, default from :func:`proper_policy`),
    ``ssp_tol``. ``tol`` is unused (exact method)."""
    _check_total(mdp)
    _check_options(options, {"policy0", "ssp_tol"}, "pi")
    check_ssp(mdp, ssp_tol=options.get("ssp_tol", SSP_TOL))
    if options.get("policy0") is None:
        pol = proper_policy(mdp)
    else:
        kind, pol = as_policy(mdp, options["policy0"], "policy0")
        if kind != "deterministic":
            raise ValueError("policy0 must be a deterministic policy, int (S,)")
        pol = np.array(pol, dtype=np.int64)
    cap = max_iter if max_iter is not None else 10 * mdp.S * mdp.A + 10
    pol, V, Q, n_iter, converged = _pi_steps(mdp, pol, cap, "pi")
    return SolveResult(
        V=V,
        Q=Q,
        policy=pol,
        converged=converged,
        n_iter=n_iter,
        method="pi",
        bound=0.0 if converged else np.inf,
    )


@respects_action_mask
def value_iteration_total(
    mdp, *, tol: float = 1e-6, max_iter: int | None = None, **options
) -> SolveResult:
    """Value iteration for a stochastic shortest path, finished by exact policy steps
    (module docstring). Options: ``ssp_tol``."""
    _check_total(mdp)
    _check_options(options, {"ssp_tol"}, "vi")
    check_ssp(mdp, ssp_tol=options.get("ssp_tol", SSP_TOL))
    S, A = mdp.S, mdp.A
    P2 = _P2(mdp)
    V = np.zeros(S)
    cap = VI_MAX_ITER if max_iter is None else max_iter
    sweeps = 0
    while sweeps < cap:
        Q = mdp.R + (P2 @ V).reshape(S, A)
        TV = Q.max(axis=1)
        sweeps += 1
        delta = float(np.abs(TV - V).max())
        V = TV
        if delta <= tol:
            break
    else:
        warnings.warn(
            f"vi: total-reward value iteration stopped at max_iter={cap} (change "
            f"{delta:.3e} > tol={tol:.3e}); finishing with exact policy steps",
            ConvergenceWarning,
            stacklevel=2,
        )
    pol = Q.argmax(axis=1).astype(np.int64)
    try:
        _proper_or_raise(mdp, _policy_chain(mdp, pol)[0], "greedy")
    except ValueError:
        pol = proper_policy(mdp)  # VI stopped early on an improper greedy policy
    pol, V, Q, n_pi, converged = _pi_steps(mdp, pol, 10 * S * A + 10, "vi")
    return SolveResult(
        V=V,
        Q=Q,
        policy=pol,
        converged=converged,
        n_iter=sweeps,
        method="vi",
        bound=0.0 if converged else np.inf,
        extras={"pi_steps": n_pi},
    )

r"""Average-reward (long-run gain) planning for ``TabularMDP(..., criterion="average")``.

The gain of a stationary policy d is :math:`g^d(s) = \lim_N \frac1N \mathbb E^d[\sum_{t<N}
R(s_t, a_t) \mid s_0 = s]`; its bias h solves :math:`g + h = r_d + P_d h` (unique up to an
additive constant when the chain of d has a single recurrent class: a *unichain* policy).
The optimality equation is :math:`g + h(s) = \max_a [R(s, a) + \sum_{s'} P(s'|s, a) h(s')]`.

Methods (all through :func:`mdpkit.solve`, which picks "rvi" by default for average models):

* ``"rvi"`` -- :func:`relative_value_iteration`. Relative value iteration with the span
  certificate: for any V, with ``d`` greedy for ``TV``, ``min_s (TV - V)(s) <= g^d(s)`` for
  every s and ``g*(s) <= max_s (TV - V)(s)`` (Puterman 1994, Thm 8.5.5), so the policy
  returned is ``bound = max(TV - V) - min(TV - V)``-optimal in gain, whatever the chain
  structure. Convergence of the span needs aperiodicity: unless every ``P(s|s, a) > 0``,
  RVI runs on the aperiodicity transform ``P' = tau P + (1 - tau) I`` (same R), which has
  the same gain for every policy and bias ``h / tau`` (Puterman 1994, Sec. 8.5.4);
  ``tau = 0.5`` by default then. The bias returned is that of the original model.
* ``"pi"`` -- :func:`policy_iteration_average`. Unichain policy iteration: exact
  evaluation of ``(g, h)`` with ``h[ref_state] = 0`` (one sparse or dense linear solve),
  improvement on ``R + P h`` keeping the current action on ties. A policy whose chain has
  more than one recurrent class makes that system singular: ValueError naming the policy
  and its classes (the model is multichain).
* ``"lp"`` -- :func:`solve_lp_average`. The unichain primal LP ``min g`` s.t.
  ``g + h(s) >= R(s, a) + P(.|s, a) h`` (h at ``ref_state`` fixed to 0) solved by HiGHS;
  its dual is the stationary state-action occupancy ``x`` (``x >= 0``, sums to 1, flow
  balance), returned as ``occupancy``. The policy takes the dual's action on states
  with occupancy and is then improved by the unichain PI above until stable, so the bias
  returned is the exact bias of the returned policy.

Decisions
---------
* ``SolveResult`` for an average model: ``gain`` (float, the gain of the returned policy,
  the same for every state), ``V`` the bias h (S,) with ``h[ref_state] = 0``,
  ``Q = R + P h - gain`` (so ``max_a Q = h`` at the optimum), ``bound`` a certified upper
  bound on ``g* - gain``.
* Multichain models (optimal gain not constant) are refused by the unichain methods
  "pi" and "lp" with a ValueError as soon as a policy with several recurrent classes is
  met. RVI's certificate stays valid there but its span does not reach ``tol``: it stops
  at ``max_iter`` with a ConvergenceWarning.
* :func:`is_unichain` without a policy enumerates the A**S deterministic policies (the
  question is NP-hard in general: Tsitsiklis 2007, "NP-hardness of checking the unichain
  condition in average cost MDPs") and refuses above ``max_policies``;
  :func:`is_communicating` is exact and polynomial (strong connectivity of the graph
  with an edge s -> s' when some action moves there with positive probability).
"""

from __future__ import annotations

import itertools
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..models.tabular import TabularMDP
from ..utils import ConvergenceWarning
from ._mask import respects_action_mask
from ._policy import as_policy
from .result import SolveResult
from .vi import check_options

__all__ = [
    "relative_value_iteration",
    "policy_iteration_average",
    "solve_lp_average",
    "evaluate_average",
    "recurrent_classes",
    "is_unichain",
    "is_communicating",
]

provenance = (
    "textbook average-reward RVI, unichain PI and the gain-bias LP (Puterman 1994, Ch. 8) [R]; "
    "span certificate Puterman Thm 8.5.5 [R]; dual-to-policy rule followed by PI steps [D]"
)

#: default sweep cap of relative value iteration (reaching it warns)
RVI_MAX_ITER = 100_000


# --------------------------------------------------------------------------- checks
def check_criterion(mdp, criterion: str, what: str) -> None:
    """TypeError unless ``mdp`` is a TabularMDP, ValueError unless its criterion is
    ``criterion`` (``what`` describes the expected model in the message). Shared by the
    average- and total-reward modules."""
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a mdpkit.TabularMDP, got {type(mdp).__name__}")
    if mdp.criterion != criterion:
        raise ValueError(f"mdp must be {what}, got criterion={mdp.criterion!r}")


def _check_average(mdp) -> None:
    check_criterion(mdp, "average", 'an average-reward model (criterion="average")')


_check_options = check_options  # the one unknown-option check of the solver methods


def _check_state(ref_state, S: int) -> int:
    if isinstance(ref_state, (bool, np.bool_)) or not isinstance(ref_state, numbers.Integral):
        raise TypeError(f"ref_state must be an integer, got {type(ref_state).__name__}")
    if not 0 <= ref_state < S:
        raise ValueError(f"ref_state must lie in [0, S) = [0, {S}), got {ref_state}")
    return int(ref_state)


def _P2(mdp):
    """P as a 2-D (S*A, S) operator: a reshaped view (dense) or the CSR matrix."""
    return mdp.P if mdp.is_sparse else mdp.P.reshape(mdp.S * mdp.A, mdp.S)


def _selector(mdp, pi: np.ndarray) -> sp.csr_matrix:
    """(S, S*A) CSR matrix D with ``D[s, s*A + a] = pi(a | s)``; ``P_pi = D @ P2``."""
    S, A = mdp.S, mdp.A
    return sp.csr_matrix(
        (pi.reshape(-1), np.arange(S * A), np.arange(0, S * A + 1, A)), shape=(S, S * A)
    )


def _policy_chain(mdp, policy, name="policy"):
    """``(P_pi, r_pi, pi)``: P_pi (S, S) CSR or dense, r_pi (S,), pi (S, A) stochastic."""
    kind, arr = as_policy(mdp, policy, name)
    S, A = mdp.S, mdp.A
    if kind == "deterministic":
        pi = np.zeros((S, A))
        pi[np.arange(S), arr] = 1.0
    else:
        pi = np.asarray(arr, dtype=np.float64)
    D = _selector(mdp, pi)
    P_pi = D @ _P2(mdp)
    if not sp.issparse(P_pi):
        P_pi = np.asarray(P_pi)
    r_pi = np.einsum("sa,sa->s", pi, mdp.R)
    return P_pi, r_pi, pi


# ------------------------------------------------------------------- chain structure
def recurrent_classes(P_chain) -> list[np.ndarray]:
    """Recurrent classes of a Markov chain: its closed strongly connected components.

    Parameters
    ----------
    P_chain : ndarray or scipy.sparse matrix, shape (S, S)
        Row-stochastic transition matrix.

    Returns
    -------
    list of int ndarrays, the states of each recurrent class (sorted by smallest state).
    """
    G = sp.csr_matrix(P_chain)
    G.eliminate_zeros()
    n, labels = connected_components(G, directed=True, connection="strong")
    coo = G.tocoo()
    leaves = labels[coo.row] != labels[coo.col]
    open_ = np.zeros(n, dtype=bool)
    open_[labels[coo.row[leaves]]] = True
    closed = np.flatnonzero(~open_)
    classes = [np.flatnonzero(labels == c) for c in closed]
    return sorted(classes, key=lambda c: int(c[0]))


def _unichain_or_raise(mdp, P_pi, what: str) -> None:
    classes = recurrent_classes(P_pi)
    if len(classes) > 1:
        shown = "; ".join(str(c[:8].tolist()) + ("..." if c.size > 8 else "") for c in classes[:4])
        raise ValueError(
            f"the model is multichain: {what} has {len(classes)} recurrent classes (states "
            f"{shown}); this method is for unichain models only. Use method='rvi' "
            f"(its gain certificate is valid for any model) or check with is_unichain()"
        )


def is_communicating(mdp) -> bool:
    """True when every state can reach every other under some policy (exact).

    Strong connectivity of the graph with an edge s -> s' iff ``P(s'|s, a) > 0`` for some a.
    """
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a mdpkit.TabularMDP, got {type(mdp).__name__}")
    if mdp.step_dependent_P:
        raise ValueError("is_communicating needs a stationary P; this model's P is step-dependent")
    S, A = mdp.S, mdp.A
    avail = np.ones((S, A)) if mdp.action_mask is None else mdp.action_mask.astype(np.float64)
    union = _selector(mdp, avail) @ sp.csr_matrix(_P2(mdp))
    n, _ = connected_components(union, directed=True, connection="strong")
    return n == 1


def is_unichain(mdp, policy=None, *, max_policies: int = 4096) -> bool:
    """Whether a policy (or every deterministic stationary policy) has one recurrent class.

    Parameters
    ----------
    mdp : TabularMDP, stationary P
    policy : ndarray, optional
        Deterministic int (S,) or stochastic float (S, A): check that policy's chain only.
    max_policies : int
        Without ``policy`` the A**S deterministic policies are enumerated (the general
        question is NP-hard); above this count a ValueError is raised.
    """
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a mdpkit.TabularMDP, got {type(mdp).__name__}")
    if mdp.step_dependent_P:
        raise ValueError("is_unichain needs a stationary P; this model's P is step-dependent")
    if policy is not None:
        P_pi, _, _ = _policy_chain(mdp, policy)
        return len(recurrent_classes(P_pi)) == 1
    S, A = mdp.S, mdp.A
    mask = np.ones((S, A), dtype=bool) if mdp.action_mask is None else mdp.action_mask
    choices = [np.flatnonzero(mask[s]).tolist() for s in range(S)]
    count = int(np.prod([len(c) for c in choices], dtype=float))
    if count > max_policies:
        raise ValueError(
            f"is_unichain without a policy enumerates all {count:.3g} (A**S = {A}**{S} without a "
            f"mask) deterministic "
            f"policies (deciding the unichain condition is NP-hard in general), more than "
            f"max_policies={max_policies}; pass policy= or raise max_policies"
        )
    for pol in itertools.product(*choices):
        P_pi, _, _ = _policy_chain(mdp, np.array(pol, dtype=np.int64))
        if len(recurrent_classes(P_pi)) != 1:
            return False
    return True


# ------------------------------------------------------------------------ evaluation
def _solve_gain_bias(P_pi, r_pi, ref: int):
    """Solve ``g + h = r + P h``, ``h[ref] = 0`` (column ``ref`` of I - P replaced by ones)."""
    S = r_pi.shape[0]
    if sp.issparse(P_pi):
        M = sp.lil_matrix(sp.identity(S, format="csr") - P_pi)
        M[:, ref] = np.ones((S, 1))
        from scipy.sparse.linalg import spsolve

        x = spsolve(sp.csc_matrix(M), r_pi)
    else:
        M = np.eye(S) - P_pi
        M[:, ref] = 1.0
        x = np.linalg.solve(M, r_pi)
    g = float(x[ref])
    h = np.array(x, dtype=np.float64)
    h[ref] = 0.0
    return g, h


def evaluate_average(mdp, policy, *, ref_state: int = 0):
    """Gain and bias of a unichain policy.

    Parameters
    ----------
    mdp : TabularMDP, criterion "average"
    policy : ndarray, int (S,) or float (S, A)
    ref_state : int
        The bias is normalised by ``h[ref_state] = 0``.

    Returns
    -------
    gain : float
    bias : ndarray, shape (S,)

    Raises
    ------
    ValueError
        The policy's chain has several recurrent classes (named in the message).
    """
    _check_average(mdp)
    ref = _check_state(ref_state, mdp.S)
    P_pi, r_pi, _ = _policy_chain(mdp, policy)
    _unichain_or_raise(mdp, P_pi, "the policy")
    return _solve_gain_bias(P_pi, r_pi, ref)


def _improve(mdp, h, pol):
    """Greedy actions on ``R + P h``, keeping ``pol`` where it is within 1e-12 (relative)
    of the best; returns ``(new_pol, Qh, Th)``."""
    Qh = mdp.R + (_P2(mdp) @ h).reshape(mdp.S, mdp.A)
    Th = Qh.max(axis=1)
    cur = Qh[np.arange(mdp.S), pol]
    slack = 1e-12 * max(1.0, float(np.abs(Th).max()))
    keep = cur >= Th - slack
    new = np.where(keep, pol, Qh.argmax(axis=1))
    return new, Qh, Th


def _pi_loop(mdp, pol, ref, max_iter, method):
    n_iter = 0
    converged = False
    while True:
        P_pi, r_pi, _ = _policy_chain(mdp, pol)
        _unichain_or_raise(mdp, P_pi, f"policy {pol[:12].tolist()}{'...' if mdp.S > 12 else ''}")
        g, h = _solve_gain_bias(P_pi, r_pi, ref)
        new, Qh, Th = _improve(mdp, h, pol)
        n_iter += 1
        if np.array_equal(new, pol):
            converged = True
            break
        if n_iter >= max_iter:
            warnings.warn(
                f"{method}: average-reward policy iteration stopped at max_iter="
                f"{max_iter} without a stable policy",
                ConvergenceWarning,
                stacklevel=3,
            )
            break
        pol = new
    bound = max(0.0, float((Th - h).max()) - g)  # g* <= max(Th - h)
    return pol, g, h, Qh - g, n_iter, converged, bound


@respects_action_mask
def policy_iteration_average(
    mdp, *, tol: float = 1e-6, max_iter: int | None = None, **options
) -> SolveResult:
    """Unichain average-reward policy iteration (module docstring).

    Options: ``policy0`` (int (S,), default greedy on R), ``ref_state`` (default 0).
    ``tol`` is not used by the exact method (accepted for the common signature).
    """
    _check_average(mdp)
    _check_options(options, {"policy0", "ref_state"}, "pi")
    ref = _check_state(options.get("ref_state", 0), mdp.S)
    if options.get("policy0") is None:
        pol = np.asarray(mdp.R).argmax(axis=1).astype(np.int64)
    else:
        kind, pol = as_policy(mdp, options["policy0"], "policy0")
        if kind != "deterministic":
            raise ValueError("policy0 must be a deterministic policy, int (S,)")
        pol = np.array(pol, dtype=np.int64)
    cap = max_iter if max_iter is not None else 10 * mdp.S * mdp.A + 10
    pol, g, h, Q, n_iter, converged, bound = _pi_loop(mdp, pol, ref, cap, "pi")
    return SolveResult(
        V=h,
        Q=Q,
        policy=pol,
        converged=converged,
        n_iter=n_iter,
        method="pi",
        bound=bound,
        extras={"ref_state": ref},
        gain=g,
    )


# ----------------------------------------------------------------------------- RVI
def _rvi_sweep(mdp, V, tau, Q, TV):
    """``Q = R + tau P V + (1 - tau) V[s]``, ``TV = max_a Q`` in place."""
    from . import _kernels as K

    R = np.ascontiguousarray(mdp.R, dtype=np.float64)
    if mdp.is_sparse:
        K.bellman_epilogue(mdp.P @ V, R, tau, V, Q, TV)
    else:
        K.bellman_dense(np.ascontiguousarray(mdp.P), R, tau, V, Q, TV)
    if tau != 1.0:
        shift = (1.0 - tau) * V
        Q += shift[:, None]
        TV += shift


@respects_action_mask
def relative_value_iteration(
    mdp, *, tol: float = 1e-6, max_iter: int | None = None, **options
) -> SolveResult:
    """Relative value iteration with the span certificate on the gain (module docstring).

    Options
    -------
    tau : float in (0, 1], optional
        Aperiodicity transform ``P' = tau P + (1 - tau) I``. Default: 1 when every
        ``P(s|s, a) > 0`` (the model is aperiodic under every policy), else 0.5.
    ref_state : int, default 0
        State whose relative value is kept at 0.
    V0 : ndarray (S,), optional
        Starting relative values (default 0).

    Stops when ``max(TV - V) - min(TV - V) <= tol``; ``bound`` is that span (a certified
    bound on ``g* - gain``), ``gain`` the midpoint of the two certified bounds.
    """
    _check_average(mdp)
    _check_options(options, {"tau", "ref_state", "V0"}, "rvi")
    S, A = mdp.S, mdp.A
    ref = _check_state(options.get("ref_state", 0), S)
    tau = options.get("tau")
    if tau is None:
        tau = 1.0 if _self_loops_positive(mdp) else 0.5
    else:
        if isinstance(tau, (bool, np.bool_)) or not isinstance(tau, numbers.Real):
            raise TypeError(f"tau must be a real number, got {type(tau).__name__}")
        tau = float(tau)
        if not 0.0 < tau <= 1.0:
            raise ValueError(f"tau must lie in (0, 1], got {tau}")
    if options.get("V0") is None:
        V = np.zeros(S)
    else:
        from ..models.tabular import as_real_array

        V = np.array(as_real_array(options["V0"], "V0", shape=(S,)), dtype=np.float64)
    cap = RVI_MAX_ITER if max_iter is None else max_iter
    Q = np.empty((S, A))
    TV = np.empty(S)
    converged = False
    n_iter = 0
    lo = hi = np.nan
    while n_iter < cap:
        _rvi_sweep(mdp, V, tau, Q, TV)
        n_iter += 1
        d = TV - V
        lo, hi = float(d.min()), float(d.max())
        if hi - lo <= tol:
            converged = True
            break
        V = TV - TV[ref]
    if not converged:
        warnings.warn(
            f"rvi: relative value iteration stopped at max_iter={cap} with gain "
            f"span {hi - lo:.3e} > tol={tol:.3e} (periodic or multichain model?)",
            ConvergenceWarning,
            stacklevel=2,
        )
    pol = Q.argmax(axis=1).astype(np.int64)
    h = tau * (TV - TV[ref])
    gain = 0.5 * (lo + hi)
    Qh = mdp.R + (_P2(mdp) @ h).reshape(S, A) - gain
    return SolveResult(
        V=h,
        Q=Qh,
        policy=pol,
        converged=converged,
        n_iter=n_iter,
        method="rvi",
        bound=hi - lo,
        extras={"tau": tau, "ref_state": ref, "gain_lower": lo, "gain_upper": hi},
        gain=gain,
    )


def _self_loops_positive(mdp) -> bool:
    S, A = mdp.S, mdp.A
    if mdp.is_sparse:
        diag = np.asarray(mdp.P[np.arange(S * A), np.repeat(np.arange(S), A)]).ravel()
    else:
        diag = mdp.P[np.arange(S), :, np.arange(S)]
    return bool((diag > 0).all())


# ------------------------------------------------------------------------------ LP
@respects_action_mask
def solve_lp_average(
    mdp, *, tol: float = 1e-6, max_iter: int | None = None, **options
) -> SolveResult:
    """Unichain average-reward LP with HiGHS (module docstring).

    Options: ``ref_state`` (default 0), ``highs_options`` (dict passed to HiGHS),
    ``lp_method`` (default "highs"). ``occupancy`` of the result is the dual: the
    stationary state-action distribution of an optimal policy, shape (S, A), sums to 1.
    """
    _check_average(mdp)
    _check_options(options, {"ref_state", "highs_options", "lp_method"}, "lp")
    from .lp import _highs

    S, A = mdp.S, mdp.A
    ref = _check_state(options.get("ref_state", 0), S)
    P2 = sp.csr_matrix(_P2(mdp))
    E = sp.csr_matrix(
        (np.ones(S * A), np.repeat(np.arange(S), A), np.arange(S * A + 1)), shape=(S * A, S)
    )
    # -g - h(s) + P(.|s,a) h <= -R(s,a)
    A_ub = sp.hstack([sp.csr_matrix(-np.ones((S * A, 1))), P2 - E], format="csr")
    b_ub = -np.asarray(mdp.R, dtype=np.float64).reshape(S * A)
    c = np.zeros(S + 1)
    c[0] = 1.0
    bounds = [(None, None)] * (S + 1)
    bounds[1 + ref] = (0.0, 0.0)
    res = _highs(
        c,
        A_ub=A_ub,
        b_ub=b_ub,
        bounds=bounds,
        max_iter=max_iter,
        highs_options=options.get("highs_options"),
        lp_method=options.get("lp_method", "highs"),
    )
    g_lp = float(res.x[0])
    x = np.clip(-np.asarray(res.ineqlin.marginals), 0.0, None).reshape(S, A)
    h_lp = np.asarray(res.x[1:])
    occ_s = x.sum(axis=1)
    greedy = (mdp.R + (P2 @ h_lp).reshape(S, A)).argmax(axis=1)
    pol = np.where(occ_s > 1e-12, x.argmax(axis=1), greedy).astype(np.int64)
    pol, g, h, Q, n_iter, converged, bound = _pi_loop(mdp, pol, ref, 10 * S * A + 10, "lp")
    return SolveResult(
        V=h,
        Q=Q,
        policy=pol,
        converged=converged,
        n_iter=n_iter,
        method="lp",
        bound=bound,
        occupancy=x,
        extras={
            "ref_state": ref,
            "lp_gain": g_lp,
            "pi_steps_after_lp": n_iter - 1,
            "lp_method": res.method_used,
        },
        gain=g,
    )

r"""Front door of the exact solvers: :func:`solve`, :func:`evaluate`, :func:`occupancy`, :func:`q_from_v`.

Method registry (``docs/ARCHITECTURE.md``): each method is a function
``fn(mdp, *, tol, max_iter, **options) -> SolveResult`` in its own module, imported only
when used (so ``import mdpkit.solvers`` does not import scipy.optimize or cvxpy):

=============  ===================  ==========================================
setting        method               function
=============  ===================  ==========================================
any            ``"auto"`` (default) :func:`mdpkit.solvers.auto.solve_auto`
discounted     ``"vi"``            :func:`mdpkit.solvers.vi.value_iteration`
discounted     ``"pi"``            :func:`mdpkit.solvers.pi.policy_iteration`
discounted     ``"mpi"``           :func:`mdpkit.solvers.pi.modified_policy_iteration`
discounted     ``"lp"``            :func:`mdpkit.solvers.lp.solve_lp`
discounted     ``"gs"``            :func:`mdpkit.solvers.gs.gauss_seidel_value_iteration`
finite horizon ``"backward"``      :func:`mdpkit.solvers.backward.backward_induction`
finite horizon ``"lp"``            :func:`mdpkit.solvers.lp.solve_lp`
average        ``"rvi"``           :func:`mdpkit.solvers.average.relative_value_iteration`
average        ``"pi"``            :func:`mdpkit.solvers.average.policy_iteration_average`
average        ``"lp"``            :func:`mdpkit.solvers.average.solve_lp_average`
total          ``"pi"``            :func:`mdpkit.solvers.total.policy_iteration_total`
total          ``"vi"``            :func:`mdpkit.solvers.total.value_iteration_total`
=============  ===================  ==========================================

``"auto"`` (the default of every setting): a mostly-zero dense P (at most 10% non-zeros,
at least 65,536 entries) is converted to CSR and solved with the sparse kernels; then
discounted models get value iteration (numpy engine for the first 64 sweeps of a small
model, the compiled engine after that or for large models), finite-horizon models
backward induction, average-reward models "rvi", total-reward models "pi". The rule and
its measurements: :mod:`mdpkit.solvers.auto`.

Guarantees of each result: see :class:`mdpkit.solvers.result.SolveResult` (``bound`` is a
certified upper bound on ``max_s V*(s) - V^policy(s)``) and the method modules.

Decisions
---------
* ``tol`` must be a finite real > 0 and ``max_iter`` a positive int or None (method
  default, derived from the model); both are checked here once for all methods.
* A method name valid only in the other setting (e.g. ``"backward"`` on a discounted model)
  is a ValueError that lists the valid methods for this model's setting.
* Unknown keyword options are refused by each method with a TypeError naming them.
* ``method`` must be a str (a list is a TypeError, not "unhashable type"); the vectors a
  user hands in (``V`` of :func:`q_from_v`, the Krylov warm start ``x0`` of
  :func:`evaluate`, ``V0`` of the iterative methods) must hold finite real numbers of the
  right shape (complex, numeric strings and masked entries refused, the error names the
  argument and the first bad index).
"""

from __future__ import annotations

import importlib
import numbers

import numpy as np

from ..models.tabular import TabularMDP, as_real_array
from .result import SolveResult

__all__ = ["solve", "evaluate", "occupancy", "q_from_v", "METHODS", "DEFAULT_METHOD"]

METHODS = {
    "discounted": {
        "vi": ("mdpkit.solvers.vi", "value_iteration"),
        "pi": ("mdpkit.solvers.pi", "policy_iteration"),
        "mpi": ("mdpkit.solvers.pi", "modified_policy_iteration"),
        "lp": ("mdpkit.solvers.lp", "solve_lp"),
        "gs": ("mdpkit.solvers.gs", "gauss_seidel_value_iteration"),
        "auto": ("mdpkit.solvers.auto", "solve_auto"),
    },
    "finite_horizon": {
        "backward": ("mdpkit.solvers.backward", "backward_induction"),
        "lp": ("mdpkit.solvers.lp", "solve_lp"),
        "auto": ("mdpkit.solvers.auto", "solve_auto"),
    },
    "average": {
        "rvi": ("mdpkit.solvers.average", "relative_value_iteration"),
        "pi": ("mdpkit.solvers.average", "policy_iteration_average"),
        "lp": ("mdpkit.solvers.average", "solve_lp_average"),
        "auto": ("mdpkit.solvers.auto", "solve_auto"),
    },
    "total": {
        "pi": ("mdpkit.solvers.total", "policy_iteration_total"),
        "vi": ("mdpkit.solvers.total", "value_iteration_total"),
        "auto": ("mdpkit.solvers.auto", "solve_auto"),
    },
}
DEFAULT_METHOD = {
    "discounted": "auto",
    "finite_horizon": "auto",
    "average": "auto",
    "total": "auto",
}


def _check_mdp(mdp):
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a mdpkit.TabularMDP, got {type(mdp).__name__}")
    if mdp.is_average:
        return "average"
    if mdp.is_total:
        return "total"
    return "discounted" if mdp.is_discounted else "finite_horizon"


def _not_average(mdp, what: str, instead: str) -> str:
    setting = _check_mdp(mdp)
    if setting == "average":
        raise ValueError(
            f"{what} is defined for discounted and finite-horizon models; for an "
            f'average-reward model (criterion="average") use {instead}'
        )
    return setting


def _check_tol(tol) -> float:
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real):
        raise TypeError(f"tol must be a real number, got {type(tol).__name__}")
    tol = float(tol)
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a finite number > 0, got {tol}")
    return tol


def _check_max_iter(max_iter):
    if max_iter is None:
        return None
    if isinstance(max_iter, (bool, np.bool_)) or not isinstance(max_iter, numbers.Integral):
        raise TypeError(
            f"max_iter must be a positive integer or None, got {type(max_iter).__name__}"
        )
    if max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer or None, got {max_iter}")
    return int(max_iter)


def solve(
    mdp, method: str | None = None, tol: float = 1e-6, max_iter: int | None = None, **options
) -> SolveResult:
    """Solve a TabularMDP exactly (up to a certified tolerance).

    Parameters
    ----------
    mdp : TabularMDP
    method : str or None
        "auto" (default, every setting: storage and method chosen from the model's size,
        sparsity and gamma, see :mod:`mdpkit.solvers.auto`). Discounted: "vi", "pi",
        "mpi", "lp", "gs" (Gauss-Seidel). Finite horizon: "backward", "lp". Average
        reward: "rvi", "pi", "lp" (unichain). Total reward with terminal states: "pi", "vi".
    tol : float > 0, default 1e-6
        Method tolerance; for "vi"/"mpi" the returned policy is certified ``tol``-optimal.
    max_iter : int >= 1 or None
        Iteration cap (method default when None). Reaching it gives ``converged=False``
        and a :class:`mdpkit.utils.ConvergenceWarning`.
    **options
        Method-specific options (see each method's docstring).

    Returns
    -------
    SolveResult
        ``V``, ``Q``, ``policy``, ``converged``, ``n_iter``, ``method``, ``bound``,
        ``occupancy`` (LP), ``extras``.

    Raises
    ------
    TypeError
        ``mdp`` not a TabularMDP; non-numeric tol/max_iter; unknown options.
    ValueError
        Unknown method or one not valid for the model's setting; ``tol`` not finite > 0;
        ``max_iter`` < 1.
    """
    setting = _check_mdp(mdp)
    if method is None:
        method = DEFAULT_METHOD[setting]
    valid = METHODS[setting]
    if not isinstance(method, str):
        raise TypeError(
            f"method must be a str (one of {sorted(valid)}) or None, got "
            f"{type(method).__name__} {method!r}"
        )
    if not isinstance(method, str) or method not in valid:
        other = [k for k, v in METHODS.items() if k != setting and method in v]
        why = f" (it is a {other[0].replace('_', ' ')} method)" if other else ""
        raise ValueError(
            f"method {method!r} is not valid for a {setting.replace('_', ' ')} model{why}; "
            f"valid methods: {sorted(valid)}"
        )
    tol = _check_tol(tol)
    max_iter = _check_max_iter(max_iter)
    module, name = valid[method]
    fn = getattr(importlib.import_module(module), name)
    return fn(mdp, tol=tol, max_iter=max_iter, **options)


def evaluate(mdp, policy, **options) -> np.ndarray:
    """Exact value of a policy.

    Parameters
    ----------
    mdp : TabularMDP
    policy : ndarray
        Deterministic int (S,) / (H, S), or stochastic float (S, A) / (H, S, A).
    **options
        Discounted: ``solver`` ("auto" | "direct" | "krylov"), ``x0`` (Krylov warm start);
        see :func:`mdpkit.solvers.discounted_evaluation.evaluate_discounted`.

    Returns
    -------
    V : ndarray, shape (S,) discounted or total reward (a proper policy only; 0 on
        terminal states), or (H, S) finite horizon (``V[h]`` at step h).
    """
    setting = _not_average(mdp, "evaluate", "mdpkit.solvers.average.evaluate_average")
    if setting == "total":
        from .total import evaluate_total

        return evaluate_total(mdp, policy, **options)
    if setting == "discounted":
        from .discounted_evaluation import evaluate_discounted

        if options.get("x0") is not None:
            options["x0"] = as_real_array(options["x0"], "x0", shape=(mdp.S,))
        return evaluate_discounted(mdp, policy, **options)
    from .backward import evaluate_finite

    return evaluate_finite(mdp, policy, **options)


def occupancy(mdp, policy, **options) -> np.ndarray:
    """State-action occupancy measure of a policy under ``mdp.mu``.

    Returns
    -------
    d : ndarray
        Discounted: (S, A), ``d(s, a) = sum_t gamma^t Pr(s_t = s, a_t = a)``, sums to
        1/(1-gamma). Finite horizon: (H, S, A), one distribution per step. Total reward:
        (S, A), expected visits before termination (a proper policy only).
    """
    setting = _not_average(
        mdp,
        "occupancy",
        "solve(mdp, method='lp').occupancy (stationary occupancy of an optimal policy)",
    )
    if setting == "total":
        from .total import occupancy_total

        return occupancy_total(mdp, policy, **options)
    if setting == "discounted":
        from .discounted_evaluation import occupancy_discounted

        return occupancy_discounted(mdp, policy, **options)
    from .backward import occupancy_finite

    return occupancy_finite(mdp, policy, **options)


def q_from_v(mdp, V) -> np.ndarray:
    """``Q = R + gamma P V`` (S, A) discounted; ``Q[h] = R_h + P_h V[h+1]`` (H, S, A) finite
    horizon; ``Q = R + P V`` total reward. ``-inf`` on pairs unavailable by ``action_mask``."""
    setting = _not_average(mdp, "q_from_v", "solve(mdp).Q (R + P h - gain)")
    if setting == "total":
        V = as_real_array(V, "V", shape=(mdp.S,))
        P2 = mdp.P if mdp.is_sparse else mdp.P.reshape(mdp.S * mdp.A, mdp.S)
        Q = mdp.R + (P2 @ V).reshape(mdp.S, mdp.A)
    else:
        from .discounted_evaluation import q_from_v as _q

        shape = (mdp.S,) if setting == "discounted" else (mdp.H, mdp.S)
        Q = _q(mdp, as_real_array(V, "V", shape=shape))
    if mdp.action_mask is not None:  # unavailable pairs: -inf
        Q = np.array(Q, dtype=np.float64)
        Q[..., ~mdp.action_mask] = -np.inf
    return Q

r"""Value iteration for discounted MDPs, with certified stopping (MacQueen / Puterman bounds).

Method ``"vi"`` of :func:`mdpkit.solve`: :func:`value_iteration`. The sweeps run in numba
(:mod:`mdpkit.solvers._kernels`): on dense P (S, A, S) each sweep is one compiled call; on
CSR P (S*A, S) one scipy product ``P @ V`` plus one numba epilogue (Decisions). The loop
around the sweeps, with its rules, is :func:`mdpkit.solvers._vi_rules.run_loop`.

Math
----
Bellman optimality operator :math:`(TV)(s) = \max_a R(s,a) + \gamma \sum_{s'} P(s'|s,a) V(s')`,
policy operator :math:`T_\pi V = r_\pi + \gamma P_\pi V`. Both are monotone and satisfy
:math:`T(V + k\mathbf 1) = TV + \gamma k \mathbf 1`. Iterate :math:`V_{n+1} = T V_n` from
:math:`V_0` (default the constant :math:`\min R / (1-\gamma)`, so that :math:`TV_0 \ge V_0`).

Stopping rule and certificates (default ``stopping="span"``)
-------------------------------------------------------------
Let :math:`d = TV_n - V_n`, :math:`c = \gamma/(1-\gamma)`, :math:`\pi` greedy for
:math:`V_n` (so :math:`T_\pi V_n = T V_n`).

1. *MacQueen bounds on V\** (Puterman 1994, §6.6.3). From :math:`V_n + d_{\min} \le TV_n`,
   monotonicity and the shift rule give by induction
   :math:`\gamma^{k-1} d_{\min} \le T^k V_n - T^{k-1} V_n \le \gamma^{k-1} d_{\max}`; summing
   over :math:`k \ge 2` (:math:`T^k V_n \to V^*`):
   :math:`TV_n + c\, d_{\min} \le V^* \le TV_n + c\, d_{\max}`.
2. *The same bounds on V^pi.* :math:`T_\pi` is also monotone with the shift rule and
   :math:`T_\pi V_n = TV_n`, so the identical argument with :math:`T_\pi^k V_n \to V^\pi`
   gives :math:`TV_n + c\, d_{\min} \le V^\pi \le TV_n + c\, d_{\max}`.
3. Hence, componentwise, :math:`V^* - V^\pi \le c\,(d_{\max} - d_{\min}) = c\,\mathrm{sp}(d)`:
   this is the returned ``bound``. The returned value is the midpoint
   :math:`V = TV_n + c\,(d_{\max}+d_{\min})/2`, so :math:`\|V - V^*\|_\infty \le c\,\mathrm{sp}(d)/2`
   (``extras["value_error_bound"]``).
4. *Q.* :math:`Q^* = R + \gamma P V^*` and :math:`P\,TV_n = P V_n + P d` with
   :math:`P d \in [d_{\min}, d_{\max}]`, so with :math:`Q_n = R + \gamma P V_n`:
   :math:`Q^* \in Q_n + (\gamma + \gamma c)[d_{\min}, d_{\max}] = Q_n + c[d_{\min}, d_{\max}]`.
   The returned ``Q = Q_n + c (d_{\max}+d_{\min})/2`` is within :math:`c\,\mathrm{sp}(d)/2` of
   :math:`Q^*`, and ``V = Q.max(1)``, ``policy = Q.argmax(1)`` (= :math:`\pi`) are
   consistent without an extra sweep.

The loop stops as soon as :math:`c\,\mathrm{sp}(d) \le` ``tol``: the policy is certified
``tol``-optimal and ``V`` is within ``tol/2`` of V\*. The span contracts at least by
:math:`\gamma` per sweep (Puterman Thm 6.6.2), usually much faster on ergodic models
(5–35 sweeps where the sup-norm rule needs ~1,900 at gamma = 0.99).

Textbook rule (``stopping="supnorm"``, for teaching): stop when
:math:`2c\,\|d\|_\infty \le` ``tol``; return :math:`V = TV_n` (no correction),
:math:`Q = Q_n`, and ``bound`` :math:`= 2\gamma\|d\|_\infty/(1-\gamma)`, the Williams & Baird
(1993) bound for the policy greedy with respect to :math:`V_n`
(Puterman Thm 6.3.1 stops at the same point). ``extras["span_bound"]`` holds the
(always smaller) span certificate for comparison.

Rounding (why ``bound`` holds in floating point)
-------------------------------------------------
The certificates above hold in exact arithmetic; the loop computes ``d`` in float64.
Two measures make the returned ``bound`` an upper bound on the true gap all the same:

* **Centring.** With the span rule the loop runs on rewards ``R - r0`` (``r0`` the
  midrange of R) and subtracts the midrange of every next iterate (including ``V0``).
  Neither changes the greedy policies or the span of ``d`` (``T(V + k1) = TV + gamma k1``),
  and ``V*`` is recovered as ``V*_centred + r0/(1-gamma)`` at the end, so rounding happens
  at the scale of V's *variation*, not of V: a warm start ``V0 = 1e17`` no longer swallows
  the span (it used to give ``bound = 0`` with a policy suboptimal by 1.8).
* **A rounding term.** Each computed entry of ``d`` and ``TV`` is within
  ``delta = (n_row + 4) eps (max|V_n| + max|TV_n| + max|R - r0|)`` of the exact one
  (``n_row`` terms per dot product with non-negative weights summing to ~1, then three
  roundings; ``eps`` = 2.2e-16; any summation order). Then, with the computed extremes,
  :math:`V^* - V^\pi \le c\,(d_{\max} - d_{\min}) + 2\delta(c + 1/(1-\gamma))`, bounded by
  ``bound = c (dmax - dmin) + 4 delta / (1 - gamma)`` (a greedy action may be wrong by
  ``2 delta``; ``d`` and ``TV`` are off by ``delta``; the centring of R costs less than
  ``delta``). The stopping test uses this bound; ``extras["rounding_delta"]`` reports
  ``delta``, ``extras["value_error_bound"] = bound/2 + delta + 2 eps max|V|``.

Periodic chains
---------------
The span contracts by only gamma per sweep on a periodic chain (eigenvalue -1 of
:math:`P_\pi`): a 2-state swap at gamma = 0.999999 needed ~3e7 sweeps (60 s). The
damped update :math:`V \leftarrow (1-\alpha) V + \alpha T V` (value iteration on the
aperiodicity-transformed model :math:`\tilde P = \tau I + (1-\tau) P`,
:math:`\tilde\gamma = 1 - \alpha(1-\gamma)`, same V* and policies) maps an eigenvalue
:math:`\lambda` to :math:`1 - \alpha + \alpha\lambda`: -1 to ~0 with :math:`\alpha = 1/2`, but a
fast mode 0.1 to 0.55, so it is not always better. ``damping="auto"`` (default, span rule)
therefore *tries* it: after ``WINDOW = 8`` consecutive sweeps shrinking the span by less
than ``SLOW_RATIO = 0.95``, it runs ``WINDOW + 1`` damped sweeps and keeps damping if
their mean contraction was better than the plain window's, else returns to plain sweeps
for good. The certificate is computed from each ``(V_n, TV_n)`` as before, so it is
unaffected. Damped sweeps contract the span by at least :math:`\tilde\gamma`
(:math:`sp(T\tilde V - \tilde V)` is a seminorm argument). ``damping="off"`` disables it;
the sup-norm rule (textbook) never damps.

Iteration cap
-------------
Default ``max_iter`` is derived from gamma and tol: the span (and the sup norm) of ``d``
contracts at least by :math:`\tilde\gamma = (1+\gamma)/2` per sweep (plain or damped),
so with :math:`s_0` a bound on the first ``d`` computed from ``R`` and ``V_0``, the rule
(with half of ``tol`` left to the rounding term) is met after at most
:math:`n^* = \lceil \log(\mathrm{tol}/(2 c\,s_0)) / \log\tilde\gamma \rceil + 1` sweeps in
exact arithmetic. The default is ``2 n* + 100 + 2 WINDOW``. A default cap above
``SWEEP_WARN = 1e7`` sweeps is announced up front by a ConvergenceWarning (at
gamma = 1 - 1e-9 it is ~1e11). Reaching the cap gives ``converged=False`` and a
:class:`mdpkit.utils.ConvergenceWarning` stating the achieved (valid) bound. When ``tol``
is below what float64 can certify, the loop does not spin until the cap: if the
statistic makes no new minimum for ``STALL_SWEEPS = 20`` sweeps while below
``FLOOR_REL * max|TV| + 2 delta`` (~1000 ulps), it stops with ``converged=False``,
``extras["floor_hit"] = True`` and a ConvergenceWarning saying so.

Decisions
---------
* The certificates include the floating-point error of the sweep ("Rounding").
* One loop for every engine: :func:`mdpkit.solvers._vi_rules.run_loop` (a Python step
  per sweep, a few microseconds) drives engine-specific array operations (numpy, or the
  compiled ``bellman_dense`` / ``bellman_epilogue`` / ``policy_sweep_*``), so the stopping,
  cap, floor, centring and damping rules exist once. The dense loop used to be compiled
  whole; a compiled loop calling the rules would embed them in its numba cache, which
  numba does not invalidate when the rules' file changes.
* Ties in the greedy policy are broken towards the smallest action index.
* Options: ``stopping`` ("span" | "supnorm"), ``V0`` (warm start, shape (S,)),
  ``engine`` ("auto" | "numba" | "numpy").
* Two engines run the same loop: the compiled numba kernels, and a numpy loop
  (:func:`vi_loop_numpy`, one ``P @ V`` product per sweep). ``engine="auto"`` takes numpy
  for models with at most ``SMALL_NNZ = 65,536`` stored transition entries: a fresh
  process would otherwise spend ~1 s initialising numba's typing registries to load even a
  cached kernel, more than numpy needs for the whole solve at that size. Larger models use
  numba. Both engines are tested against each other; results agree to rounding.
* CSR sweeps of the numba engine (:func:`vi_loop_csr`): scipy does the product
  ``PV = P @ V`` on the model's own CSR arrays (int64 indices as stored; an int32 copy
  measured within noise, 1.8-2.1 ms either way at S = 1e5) and one numba pass over (s, a)
  does the epilogue ``Q = R + gamma PV``, ``TV = max_a Q``, ``d_min``/``d_max`` of
  ``TV - V``. A fused numba CSR loop was tried first and is slower: its gather costs ~2 ns
  per stored entry against ~1 ns for scipy's ``csr_matvec`` on the same arrays (S = 1e5,
  A = 4, 5 successors: 4.0 ms per fused sweep, 2.39 ms split, ~45% -> ~90% of read
  bandwidth; benchmarks/RESULTS.md, Findings 1). The loop over sweeps is therefore Python
  (a few microseconds per sweep, never a loop over states). scipy's product is serial, so
  the solver stays single-threaded. The stopping rule, cap, rounding-floor test and
  warm start are exactly those of the dense loop (the same ``run_loop``); ``Q`` equals the numpy
  engine's bit for bit for the same ``V``.

References
----------
M. L. Puterman, *Markov Decision Processes*, Wiley 1994, §6.3 (value iteration), §6.6.3
(bounds of MacQueen 1966 / Porteus 1971), Thm 6.6.2 (span contraction).
R. J. Williams and L. C. Baird, *Tight performance bounds on greedy policies based on
imperfect value functions*, Northeastern Univ. tech. report NU-CCS-93-14, 1993.
J. MacQueen, *A modified dynamic programming method for Markovian decision problems*,
J. Math. Anal. Appl. 14, 1966.

provenance: textbook algorithms; bounds re-derived above (verified against an exact linear
solve in ``tests/test_solvers_discounted.py``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..utils import ConvergenceWarning
from . import _vi_rules as _rules
from ._mask import respects_action_mask
from .result import SolveResult

__all__ = [
    "value_iteration",
    "default_max_iter",
    "initial_value",
    "run_vi_loop",
    "bellman",
    "vi_loop_numpy",
    "vi_loop_csr",
    "resolve_engine",
    "STOPPING_RULES",
    "SMALL_NNZ",
]

provenance = "textbook value iteration; MacQueen/Puterman span bounds re-derived (module docstring)"

# same codes as mdpkit.solvers._kernels.RULE_SPAN / RULE_SUPNORM (one source: _vi_rules)
RULE_SPAN = _rules.RULE_SPAN
RULE_SUPNORM = _rules.RULE_SUPNORM
STOPPING_RULES = {"span": RULE_SPAN, "supnorm": RULE_SUPNORM}
SMALL_NNZ = 65_536
STALL_SWEEPS = _rules.STALL_SWEEPS
FLOOR_REL = _rules.FLOOR_REL
#: default caps above this many sweeps are announced up front (ConvergenceWarning)
SWEEP_WARN = 10_000_000
ENGINES = ("auto", "numba", "numpy")


def check_options(options: dict, allowed: set, method: str) -> None:
    unknown = set(options) - allowed
    if unknown:
        raise TypeError(
            f"unknown option(s) {sorted(unknown)} for method {method!r}; "
            f"valid options: {sorted(allowed) or 'none'}"
        )


def initial_value(mdp, V0=None) -> np.ndarray:
    """Starting vector: ``V0`` validated (shape (S,), finite) or ``min R / (1-gamma)``."""
    if V0 is None:
        return np.full(mdp.S, float(mdp.R.min()) / (1.0 - mdp.gamma))
    from ..models.tabular import as_real_array

    return as_real_array(V0, "V0", shape=(mdp.S,))


def default_max_iter(mdp, tol: float, V0: np.ndarray, rule: int) -> int:
    """``2 n* + 100 + 2 WINDOW`` sweeps, n* the exact-arithmetic bound of the module
    docstring at the damped rate ``(1 + gamma) / 2`` (the slowest a damped sweep contracts)
    and for half of ``tol`` (the other half is left to the rounding term)."""
    gamma = mdp.gamma
    if gamma == 0.0:
        return 101
    R = mdp.R
    c = gamma / (1.0 - gamma)
    span_R = float(R.max()) - float(R.min())
    span_V0 = float(V0.max()) - float(V0.min())
    if rule == RULE_SPAN:
        # hi - lo written without cancelling the (possibly huge, e.g. 1e16) level of V0
        s0 = span_R + (1.0 + gamma) * span_V0
    else:
        lo = float(R.min()) + gamma * float(V0.min()) - float(V0.max())
        hi = float(R.max()) + gamma * float(V0.max()) - float(V0.min())
        s0 = 2.0 * max(abs(lo), abs(hi))
    target = 0.5 * tol
    if not s0 > 0 or c * s0 <= target:
        return 101 + 2 * _rules.WINDOW
    n_star = math.ceil(math.log(target / (c * s0)) / math.log1p(-_rules.ALPHA * (1.0 - gamma))) + 1
    return 2 * n_star + 100 + 2 * _rules.WINDOW


def announce_budget(method: str, max_iter: int, gamma: float, tol: float) -> None:
    """Warn up front when a default sweep cap exceeds ``SWEEP_WARN`` (module docstring)."""
    if max_iter > SWEEP_WARN:
        warnings.warn(
            f"{method}: gamma={gamma!r} and tol={tol:g} allow up to {max_iter:.3g} sweeps "
            f"(default cap); a slowly mixing model may take that long. Consider "
            "method='pi' (exact, a few linear solves) or a looser tol",
            ConvergenceWarning,
            stacklevel=4,
        )


def resolve_engine(mdp, engine) -> str:
    """``"numba"`` or ``"numpy"``; "auto" picks numpy for models with at most SMALL_NNZ
    stored transition entries (module docstring, Decisions)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    if engine == "auto":
        return "numpy" if mdp.nnz <= SMALL_NNZ else "numba"
    return engine


def kernel_arrays(mdp):
    """``("dense", (P,))`` or ``("csr", (indptr, indices, data))`` plus C-contiguous R.

    The CSR arrays are the model's own (int64 indices, no copy)."""
    R = np.ascontiguousarray(mdp.R, dtype=np.float64)
    if mdp.is_sparse:
        P = mdp.P
        return "csr", (P.indptr, P.indices, P.data), R
    return "dense", (np.ascontiguousarray(mdp.P),), R


def _P2(mdp):
    """P as a 2-D (S*A, S) operator: a reshaped view (dense) or the CSR matrix."""
    return mdp.P if mdp.is_sparse else mdp.P.reshape(mdp.S * mdp.A, mdp.S)


def bellman(mdp, V, engine="auto"):
    """One Bellman sweep: returns ``(Q, TV)``, ``Q = R + gamma P V`` (S, A), ``TV = max_a Q``."""
    V = np.ascontiguousarray(V, dtype=np.float64)
    if resolve_engine(mdp, engine) == "numpy":
        Q = mdp.R + mdp.gamma * (_P2(mdp) @ V).reshape(mdp.S, mdp.A)
        return Q, Q.max(axis=1)
    from . import _kernels as K

    kind, P_args, R = kernel_arrays(mdp)
    Q = np.empty((mdp.S, mdp.A))
    TV = np.empty(mdp.S)
    if kind == "csr":
        K.bellman_epilogue(mdp.P @ V, R, float(mdp.gamma), V, Q, TV)
    else:
        K.bellman_dense(*P_args, R, float(mdp.gamma), V, Q, TV)
    return Q, TV


def _centred(u, rule):
    return u - (0.5 * float(u.max()) + 0.5 * float(u.min())) if rule == RULE_SPAN else u


class _NumpyOps:
    """numpy array operations of :func:`mdpkit.solvers._vi_rules.run_loop`; ``P2`` is
    (S*A, S), dense or CSR."""

    def __init__(self, P2, R, gamma):
        self.P2, self.R, self.gamma = P2, R, gamma
        self.n_actions = R.shape[1]
        S = R.shape[0]
        self._rows, self._idx = np.arange(S) * R.shape[1], np.arange(S)

    def sweep(self, V, Q, W):
        S, A = self.R.shape
        np.add(self.R, self.gamma * (self.P2 @ V).reshape(S, A), out=Q)
        Q.max(axis=1, out=W)
        d = W - V
        return float(d.min()), float(d.max())

    def policy_sweep(self, pol, u, out):
        rows = self._rows + pol
        out[:] = self.R[self._idx, pol] + self.gamma * (self.P2[rows] @ u)

    @staticmethod
    def argmax(Q, pol):
        pol[:] = Q.argmax(axis=1)

    @staticmethod
    def maxabs(x):
        return float(np.abs(x).max(initial=0.0))

    @staticmethod
    def centre(x):
        x -= 0.5 * float(x.max()) + 0.5 * float(x.min())
        return float(np.abs(x).max(initial=0.0))

    @staticmethod
    def damp(old, new, alpha):
        new[:] = (1.0 - alpha) * old + alpha * new

    @staticmethod
    def empty(shape):
        return np.empty(shape)

    @staticmethod
    def empty_int(n):
        return np.empty(n, dtype=np.int64)


class _CsrOps(_NumpyOps):
    """numba engine on CSR: scipy's product plus the compiled epilogue per Bellman sweep,
    compiled partial-evaluation sweeps (module docstring, Decisions)."""

    def __init__(self, P, R, gamma):
        from . import _kernels as K

        super().__init__(P, R, gamma)
        self.K = K
        self.argmax, self.maxabs, self.centre, self.damp = (
            K.argmax_rows,
            K._maxabs,
            K._centre,
            K._damp,
        )

    def sweep(self, V, Q, W):
        return self.K.bellman_epilogue(self.P2 @ V, self.R, self.gamma, V, Q, W)

    def policy_sweep(self, pol, u, out):
        P = self.P2
        self.K.policy_sweep_csr(P.indptr, P.indices, P.data, self.R, self.gamma, pol, u, out)


def _run(ops, R, gamma, V0, max_iter, rule, tol, m, err_coef, allow_damping):
    return _rules.run_loop(
        ops,
        np.array(V0, dtype=np.float64),
        int(max_iter),
        int(rule),
        float(gamma),
        float(tol),
        int(m),
        float(err_coef),
        bool(allow_damping),
        float(np.abs(R).max(initial=0.0)),
    )


def vi_loop_numpy(P2, R, gamma, V0, max_iter, rule, tol, m, err_coef=0.0, allow_damping=True):
    """numpy engine (``P2`` (S*A, S) dense or CSR): the loop
    :func:`mdpkit.solvers._vi_rules.run_loop` with numpy operations. Same outputs
    ``(V_n, TV_n, Q_n, n_iter, dmin, dmax, converged, floor_hit, delta)`` and rules as the
    compiled engines. Used for small models (no numba start-up cost) and in the tests."""
    R = np.asarray(R, dtype=np.float64)
    return _run(
        _NumpyOps(P2, R, float(gamma)),
        R,
        gamma,
        V0,
        max_iter,
        rule,
        tol,
        m,
        err_coef,
        allow_damping,
    )


def vi_loop_csr(P, R, gamma, V0, max_iter, rule, tol, m, err_coef=0.0, allow_damping=True):
    """numba engine on CSR (``P`` scipy CSR (S*A, S), ``R`` C-contiguous (S, A)): the loop
    :func:`mdpkit.solvers._vi_rules.run_loop` with one scipy ``P @ V`` and one compiled
    epilogue per Bellman sweep, compiled partial-evaluation sweeps. Same outputs and rules
    as the other engines."""
    R = np.ascontiguousarray(R, dtype=np.float64)
    return _run(
        _CsrOps(P, R, float(gamma)), R, gamma, V0, max_iter, rule, tol, m, err_coef, allow_damping
    )


def _row_terms(mdp) -> int:
    """Most terms of one row's dot product ``P(.|s, a) . V`` (for the rounding bound)."""
    if mdp.is_sparse:
        ip = mdp.P.indptr
        return int(np.diff(ip).max(initial=0))
    return mdp.S


def run_vi_loop(mdp, V0, max_iter, rule, tol, m, engine="auto", allow_damping=True):
    """Run the (modified) VI loop with the chosen engine on the *centred* problem.

    Returns the raw loop outputs plus ``r0``: the loop runs on rewards ``R - r0``
    (``r0`` the midrange of R) and, with the span rule, from ``V0`` minus its midrange;
    :func:`finish` adds ``r0 / (1 - gamma)`` back (module docstring, "Rounding")."""
    R = np.asarray(mdp.R, dtype=np.float64)
    r0 = 0.5 * float(R.max()) + 0.5 * float(R.min()) if rule == RULE_SPAN else 0.0
    Rc = np.ascontiguousarray(R - r0) if r0 != 0.0 else np.ascontiguousarray(R)
    V0 = _centred(np.asarray(V0, dtype=np.float64), rule).copy()
    err_coef = (_row_terms(mdp) + 4) * _rules.EPS
    g = float(mdp.gamma)
    args = (g, V0, int(max_iter), int(rule), float(tol), int(m), err_coef, bool(allow_damping))
    if resolve_engine(mdp, engine) == "numpy":
        raw = vi_loop_numpy(_P2(mdp), Rc, *args)
    elif mdp.is_sparse:
        raw = vi_loop_csr(mdp.P, Rc, *args)
    else:
        from . import _kernels as K

        raw = K.vi_loop_dense(np.ascontiguousarray(mdp.P), Rc, *args)
    return tuple(raw) + (r0,)


def finish(mdp, raw, rule, method, max_iter, tol, extras=None) -> SolveResult:
    """Assemble a :class:`SolveResult` from a VI-type loop (certificates: module docstring)."""
    V_n, TV, Q_n, n_iter, dmin, dmax, converged, floor_hit, delta, r0 = raw
    gamma = mdp.gamma
    c = gamma / (1.0 - gamma)
    level = r0 / (1.0 - gamma)  # the loop ran on R - r0: add the constant back
    span_bound = _rules.certified_bound(RULE_SPAN, c, gamma, dmin, dmax, delta)
    policy = np.argmax(Q_n, axis=1).astype(np.int64)
    ex = {
        "stopping": "span" if rule == RULE_SPAN else "supnorm",
        "d_min": dmin,
        "d_max": dmax,
        "span_bound": span_bound,
        "rounding_delta": delta,
        "reward_offset": r0,
        "tol": tol,
        "max_iter": max_iter,
    }
    bound = _rules.certified_bound(rule, c, gamma, dmin, dmax, delta)
    if rule == RULE_SPAN:
        shift = c * 0.5 * (dmax + dmin) + level
        Q = Q_n + shift
        V = TV + shift
        ex["value_error_bound"] = 0.5 * bound + delta + 2.0 * _rules.EPS * float(np.abs(V).max())
    else:
        Q = Q_n + level
        V = TV + level
        ex["value_error_bound"] = 0.5 * bound + delta + 2.0 * _rules.EPS * float(np.abs(V).max())
    if extras:
        ex.update(extras)
    ex["floor_hit"] = bool(floor_hit)
    if not converged:
        if floor_hit:
            why = (
                f"stopped after {n_iter} sweeps: the {ex['stopping']} statistic stagnated at "
                f"the float64 rounding floor, above what tol={tol:g} needs"
            )
        else:
            why = (
                f"reached max_iter={max_iter} sweeps before the {ex['stopping']} stopping "
                f"rule (tol={tol:g})"
            )
        warnings.warn(
            f"{method}: {why}; returning converged=False with certified bound {bound:.3g} on "
            "max_s V*(s) - V^policy(s)",
            ConvergenceWarning,
            stacklevel=4,
        )
    return SolveResult(
        V=V,
        Q=Q,
        policy=policy,
        converged=converged,
        n_iter=n_iter,
        method=method,
        bound=bound,
        extras=ex,
    )


@respects_action_mask
def value_iteration(
    mdp, *, tol: float = 1e-6, max_iter: int | None = None, **options
) -> SolveResult:
    """Value iteration with a certified stopping rule (discounted models).

    Parameters
    ----------
    mdp : TabularMDP
        Discounted model, dense P (S, A, S) or CSR (S*A, S).
    tol : float > 0
        Target: the greedy policy is certified ``tol``-optimal
        (``max_s V*(s) - V^policy(s) <= bound <= tol``) and ``|V - V*| <= tol/2``
        (span rule). With ``stopping="supnorm"`` the Williams–Baird bound is ``<= tol``.
    max_iter : int or None
        Cap on Bellman sweeps; default derived from gamma and tol (module docstring).
    stopping : {"span", "supnorm"}, default "span"
    V0 : ndarray, shape (S,), optional
        Starting vector (warm start).
    damping : {"auto", "off"}, default "auto"
        "auto": when plain sweeps contract slowly, try damped sweeps and keep them if they
        contract faster (periodic chains; module docstring, "Periodic chains").
    engine : {"auto", "numba", "numpy"}, default "auto"
        "auto": numpy for models with at most ``SMALL_NNZ`` (65,536) stored transition
        entries, numba otherwise.

    Returns
    -------
    SolveResult
        ``V`` (S,), ``Q`` (S, A), ``policy`` (S,), ``bound`` (certificate), ``n_iter`` sweeps,
        ``extras``: ``stopping``, ``d_min``, ``d_max``, ``span_bound``, ``value_error_bound``.
    """
    check_options(options, {"stopping", "V0", "engine", "damping"}, "vi")
    rule = check_stopping(options.get("stopping", "span"))
    damping = check_damping(options.get("damping", "auto"))
    V0 = initial_value(mdp, options.get("V0"))
    if max_iter is None:
        max_iter = default_max_iter(mdp, tol, V0, rule)
        announce_budget("vi", max_iter, mdp.gamma, tol)
    engine = resolve_engine(mdp, options.get("engine", "auto"))
    raw = run_vi_loop(mdp, V0, max_iter, rule, tol, 0, engine, damping == "auto")
    return finish(mdp, raw, rule, "vi", max_iter, tol, extras={"engine": engine})


def check_stopping(stopping) -> int:
    if not isinstance(stopping, str) or stopping not in STOPPING_RULES:
        raise ValueError(f"stopping must be one of {sorted(STOPPING_RULES)}, got {stopping!r}")
    return STOPPING_RULES[stopping]


def check_damping(damping) -> str:
    if not isinstance(damping, str) or damping not in ("auto", "off"):
        raise ValueError(f"damping must be 'auto' or 'off', got {damping!r}")
    return damping

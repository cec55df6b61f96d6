r"""Shared machinery of conservative exploration (docs/papers/stepmix.md#empirical-model,
#optimistic-planning, #policyeva).

Paper: D. Li, R. Huang, C. Shen, J. Yang, "Near-optimal Conservative Exploration in
Reinforcement Learning under Episode-wise Constraints", ICML 2023 (arXiv:2306.06265).

Contents
--------
* :class:`EmpiricalModel` — counts ``N_h(s,a)``, ``N_h(s,a,s')`` and ``P̂``
  (stepmix.md#empirical-model).
* :func:`log_term` — ``L = ln(6 S A H K / δ)`` (stepmix.md#empirical-model).
* :func:`optimistic_planning` — UCBVI-style optimistic backward induction
  (stepmix.md#optimistic-planning), Hoeffding bonus ``c_b H sqrt(L / (2 n⁺))`` by default,
  ``bonus="bernstein"`` for the UCBVI-BF bonus (classical-baselines.md#algorithms-as-implemented,
  per-step counts).
* :func:`policy_eva` — pessimistic evaluation of an arbitrary policy (stepmix.md#policyeva,
  "PolicyEva"), with the L1 radius ``β(n) = sqrt((2/n)(S ln 2 + L))``, valid uniformly over
  policies.
* Step-switch family and step mixtures (stepmix.md#stepmix): :func:`step_switch_policy`,
  :func:`step_mixture_policy`, :func:`switch_lower_bounds`, :func:`stepmix_select`;
  EpsMix's ε (stepmix.md#epsmix): :func:`epsmix_epsilon`.
* :class:`ConservativeLearner` — the episodic-learner base shared by StepMix, EpsMix and the
  comparators (act / update / info, and the compiled whole-loop ``fast_run``).

Index conventions: steps are 0-indexed ``h = 0..H-1`` (the 1-indexed ``h = 1..H`` of the usual
formulas); value tables have shape (H+1, S) with ``V[H] = 0``. The remaining-horizon cap
``H - h + 1`` of the 1-indexed formulas is ``H - h`` here and the pessimism factor ``(H - h)`` is
``H - h - 1``.

Provenance
----------
[V] the setting (tabular, episodic, step-dependent P, known baseline, episode-wise
constraint), the existence of a policy-evaluation subroutine ("Policy Eva", Algorithm 3).
[R] every formula of this module: L, the Hoeffding/Bernstein bonuses, the L1 radius, the
clipping rules (n = 0: optimistic Q = H - h + 1, pessimistic future value 0), ties -> smallest
action index. No author code exists.

Decisions (left open by what could be read of the paper)
--------------------------------------------------------
* The initial-state distribution ``mu`` is known to the agent; the certified bound is
  ``mu · V_1`` (a fixed ``s_1`` is ``mu = e_{s_1}``).
* Rewards are deterministic and known by default (stepmix.md#decisions). Flag
  ``rewards="unknown"`` (stepmix.md#decisions): the agent estimates ``r̂_h(s,a)`` from the realised
  rewards (Bernoulli draws with ``reward_dist="bernoulli"`` envs) and uses
  ``r̂ + sqrt(L/2n)`` in the optimistic planner and ``max(0, r̂ − sqrt(L/2n))`` (0 when n = 0)
  in PolicyEva; one more union-bound event (m = 4 in ``L = ln(2 m SAHK/δ)``).
* Flag ``baseline_value_known=False`` (stepmix.md#decisions): ``thr_k = (1 − α) Ū_k(π^b)`` where Ū
  is the optimistic (stepmix.md#optimistic-planning) evaluation of the fixed π^b (a valid UCB:
  Hoeffding on a fixed function), and ``LB_0 = PolicyEva(π^b)``; one more event. The budget
  comparator keeps V^b known.
* Bernstein bonus at the last step: there is no next-step value, so the variance and the
  correction term (which needs ``N'_{H+1}``) are 0 and only ``14 H L / (3 n)`` remains.
* Counts are float64 arrays (exact for counts < 2^53).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...envs.sampling import episode_tables, episode_uniforms
from ...utils import as_generator
from ..base import EpisodicLearner, PolicyMixture, check_fast
from . import _kernels as kr

__all__ = [
    "EmpiricalModel",
    "log_term",
    "l1_radius",
    "optimistic_planning",
    "OptimisticPlan",
    "policy_eva",
    "step_switch_policy",
    "step_mixture_policy",
    "switch_lower_bounds",
    "switch_upper_bounds",
    "stepmix_select",
    "epsmix_epsilon",
    "check_alpha",
    "check_delta",
    "check_baseline_policy",
    "ConservativeLearner",
    "PROVENANCE_MACHINERY",
]

PROVENANCE_MACHINERY = (
    "machinery (stepmix.md#empirical-model, #optimistic-planning, #policyeva): [V] setting and existence of a policy-evaluation "
    "subroutine; [R] empirical model, L = ln(6SAHK/delta), Hoeffding bonus H sqrt(L/2n) "
    "(Bernstein option = UCBVI-BF form), L1 pessimism beta(n) = sqrt(2(S ln2 + L)/n)."
)

_BONUS = {"hoeffding": kr.BONUS_HOEFFDING, "bernstein": kr.BONUS_BERNSTEIN}
_ORDER = {"opt_first": 0, "base_first": 1}
_SELECT = {"max_h": 0, "max_ucb": 1}


# --------------------------------------------------------------------------- checks
def _real(x, name):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def check_alpha(alpha, name: str = "alpha", allow_zero: bool = False) -> float:
    """Tolerance α ∈ (0, 1] (``allow_zero``: [0, 1], for the stepmix.md#checks degenerate check)."""
    a = _real(alpha, name)
    lo_ok = a >= 0.0 if allow_zero else a > 0.0
    if not (lo_ok and a <= 1.0):
        interval = "[0, 1]" if allow_zero else "(0, 1]"
        raise ValueError(f"{name} must lie in {interval}, got {a}")
    return a


def check_delta(delta, name: str = "delta") -> float:
    """Confidence δ ∈ (0, 1)."""
    d = _real(delta, name)
    if not (0.0 < d < 1.0):
        raise ValueError(f"{name} must lie in (0, 1), got {d}")
    return d


def check_baseline_policy(
    policy, H: int, S: int, A: int, name: str = "baseline_policy"
) -> np.ndarray:
    """Baseline policy as a float (H, S, A) table.

    Accepts an int (H, S) deterministic policy or a float (H, S, A) stochastic one (rows
    summing to 1 within 1e-10). Anything else raises ``ValueError`` naming ``name``.
    """
    if policy is None:
        raise ValueError(f"{name} is required (int (H, S) or float (H, S, A)), got None")
    arr = np.asarray(policy)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise ValueError(
            f"{name} must be an int (H, S) or float (H, S, A) array, got dtype {arr.dtype}"
        )
    if arr.dtype.kind in "iu":
        if arr.shape != (H, S):
            raise ValueError(
                f"{name} (deterministic) must have shape (H, S) = {(H, S)}, got {arr.shape}"
            )
        if (arr < 0).any() or (arr >= A).any():
            raise ValueError(f"{name} has an action outside [0, A={A})")
        out = np.zeros((H, S, A))
        np.put_along_axis(out, arr[..., None].astype(np.int64), 1.0, axis=-1)
        return out
    if arr.shape != (H, S, A):
        raise ValueError(
            f"{name} (stochastic) must have shape (H, S, A) = {(H, S, A)}, got {arr.shape}"
        )
    arr = np.array(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or (arr < 0).any():
        raise ValueError(f"{name} must hold finite non-negative probabilities")
    if np.abs(arr.sum(-1) - 1.0).max() > 1e-10:
        raise ValueError(f"{name} rows must sum to 1 (tolerance 1e-10)")
    return arr


def _choice(value, table, name):
    if value not in table:
        raise ValueError(f"{name} must be one of {sorted(table)}, got {value!r}")
    return table[value]


# --------------------------------------------------------------------------- model
def log_term(S: int, A: int, H: int, K: int, delta: float, n_events: int = 3) -> float:
    """``L = ln(2 m S A H K / δ)`` with m = ``n_events`` concentration events (δ/m each).

    The default (stepmix.md#empirical-model) is m = 3: ``L = ln(6 S A H K / δ)``. The optional flags
    add one event each (unknown rewards; V^b not known, whose UCB is one more Hoeffding event).
    """
    delta = check_delta(delta)
    if (
        isinstance(n_events, (bool, np.bool_))
        or not isinstance(n_events, numbers.Integral)
        or n_events < 1
    ):
        raise ValueError(f"n_events must be an integer >= 1, got {n_events!r}")
    for v, nm in ((S, "S"), (A, "A"), (H, "H"), (K, "K")):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"{nm} must be an integer >= 1, got {v!r}")
    return float(np.log(2.0 * n_events * S * A * H * K / delta))


def l1_radius(n, S: int, L: float):
    """``β(n) = sqrt((2/n)(S ln 2 + L))`` (stepmix.md#policyeva, Weissman et al. 2003), n >= 1."""
    n = np.asarray(n, dtype=np.float64)
    return np.sqrt((2.0 / n) * (S * np.log(2.0) + L))


class EmpiricalModel:
    """Visit counts and empirical transitions of stepmix.md#empirical-model.

    Attributes
    ----------
    N : ndarray, shape (H, S, A), float64
        ``N_h(s, a)``.
    Nsas : ndarray, shape (H, S, A, S), float64
        ``N_h(s, a, s')``.
    """

    def __init__(self, S: int, A: int, H: int):
        self.S, self.A, self.H = int(S), int(A), int(H)
        self.N = np.zeros((H, S, A))
        self.Nsas = np.zeros((H, S, A, S))

    def add(self, h: int, s: int, a: int, s_next: int) -> None:
        """Record one transition at step ``h``."""
        self.N[h, s, a] += 1.0
        self.Nsas[h, s, a, s_next] += 1.0

    def add_trajectories(self, states, actions, next_states) -> None:
        """Record whole trajectories: int arrays (n, H) of s_h, a_h and s_{h+1}."""
        states = np.asarray(states, dtype=np.int64)
        actions = np.asarray(actions, dtype=np.int64)
        nxt = np.asarray(next_states, dtype=np.int64)
        hh = np.broadcast_to(np.arange(self.H), states.shape)
        np.add.at(self.N, (hh, states, actions), 1.0)
        np.add.at(self.Nsas, (hh, states, actions, nxt), 1.0)

    def p_hat(self) -> np.ndarray:
        """``P̂_h(s'|s,a)`` (H, S, A, S); rows of unvisited (h, s, a) are all zero (undefined)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            P = self.Nsas / self.N[..., None]
        P[self.N == 0] = 0.0
        return P

    def copy(self) -> EmpiricalModel:
        m = EmpiricalModel(self.S, self.A, self.H)
        m.N = self.N.copy()
        m.Nsas = self.Nsas.copy()
        return m


@dataclass(frozen=True)
class OptimisticPlan:
    """Result of :func:`optimistic_planning`: ``Q`` (H, S, A), ``V`` (H+1, S), ``policy`` (H, S) int."""

    Q: np.ndarray
    V: np.ndarray
    policy: np.ndarray


def _R3(R, H):
    R = np.asarray(R, dtype=np.float64)
    if R.ndim == 2:
        R = np.broadcast_to(R, (H,) + R.shape)
    return np.ascontiguousarray(R)


def optimistic_planning(
    R, model: EmpiricalModel, L: float, *, bonus: str = "hoeffding", bonus_scale: float = 1.0
) -> OptimisticPlan:
    """Optimistic planning of stepmix.md#optimistic-planning on the empirical model.

    Parameters
    ----------
    R : ndarray, shape (H, S, A) or (S, A)
        Known rewards in [0, 1].
    model : EmpiricalModel
    L : float
        Log term (:func:`log_term`).
    bonus : {"hoeffding", "bernstein"}
    bonus_scale : float >= 0
        ``c_b``; 1.0 is the theory value (anything else is a "heuristic" run).
    """
    kind = _choice(bonus, _BONUS, "bonus")
    c = _real(bonus_scale, "bonus_scale")
    if c < 0:
        raise ValueError(f"bonus_scale must be >= 0, got {c}")
    Q, V, pi = kr.optimistic_plan(_R3(R, model.H), model.N, model.Nsas, float(L), kind, c)
    return OptimisticPlan(Q, V, pi)


def policy_eva(R, model: EmpiricalModel, policy, L: float) -> np.ndarray:
    """``PolicyEva(π)`` of stepmix.md#policyeva: pessimistic values ``V`` (H+1, S) of a policy.

    ``policy`` : int (H, S) or float (H, S, A). The certified bound at the start is
    ``mu @ V[0]``. On the event ``‖P̂_h(·|s,a) − P_h(·|s,a)‖₁ ≤ β(n)`` for all (h, s, a),
    ``V[h] <= V^π_h`` for every policy simultaneously.
    """
    pol = check_baseline_policy(policy, model.H, model.S, model.A, name="policy")
    return kr.pess_eval(_R3(R, model.H), model.N, model.Nsas, pol, float(L))


def step_switch_policy(pik, pib, h: int, order: str = "opt_first") -> np.ndarray:
    """π^{(h)} (stepmix.md#stepmix) as float (H, S, A): π^k on the first h steps, π^b after (opt_first)."""
    pib = np.ascontiguousarray(pib, dtype=np.float64)
    H = pib.shape[0]
    if not (0 <= h <= H):
        raise ValueError(f"h must lie in [0, H={H}], got {h}")
    return kr.switch_policy(
        np.asarray(pik, dtype=np.int64), pib, _choice(order, _ORDER, "order"), int(h)
    )


def step_mixture_policy(pik, pib, h: int, rho: float, order: str = "opt_first") -> np.ndarray:
    """Step mixture (h, ρ) of stepmix.md#stepmix as a Markov float (H, S, A) policy (h in 0..H-1, ρ in [0,1])."""
    pib = np.ascontiguousarray(pib, dtype=np.float64)
    H = pib.shape[0]
    if not (0 <= h < H):
        raise ValueError(f"h must lie in [0, H-1={H - 1}], got {h}")
    rho = _real(rho, "rho")
    if not (0.0 <= rho <= 1.0):
        raise ValueError(f"rho must lie in [0, 1], got {rho}")
    return kr.mixture_policy(
        np.asarray(pik, dtype=np.int64), pib, _choice(order, _ORDER, "order"), int(h), rho
    )


def switch_lower_bounds(R, model, pik, pib, mu, L, order="opt_first") -> np.ndarray:
    """``LB_h = mu · PolicyEva(π^{(h)})_1`` for h = 0..H, shape (H+1,)."""
    return kr.switch_lbs(
        _R3(R, model.H),
        model.N,
        model.Nsas,
        np.asarray(pik, dtype=np.int64),
        np.ascontiguousarray(pib, dtype=np.float64),
        np.asarray(mu, dtype=np.float64),
        float(L),
        _choice(order, _ORDER, "order"),
    )


def switch_upper_bounds(
    R, model, pik, pib, mu, L, order="opt_first", bonus="hoeffding", bonus_scale=1.0
) -> np.ndarray:
    """``Ū_h`` = optimistic evaluation of π^{(h)} at the start, h = 0..H (rule "max_ucb")."""
    return kr.switch_ubs(
        _R3(R, model.H),
        model.N,
        model.Nsas,
        np.asarray(pik, dtype=np.int64),
        np.ascontiguousarray(pib, dtype=np.float64),
        np.asarray(mu, dtype=np.float64),
        float(L),
        _choice(order, _ORDER, "order"),
        _choice(bonus, _BONUS, "bonus"),
        float(bonus_scale),
    )


def stepmix_select(LB, thr: float, rule: str = "max_h", UB=None):
    """Mixture choice of stepmix.md#stepmix. Returns ``(full, hstar, rho)``.

    ``full`` True: deploy π^k. ``hstar = -1``: nothing certified (learned baseline only).
    Rule "max_h": the largest certified h, ρ = (LB_h* − thr)/(LB_h* − LB_h*+1) ∈ [0, 1).
    Rule "max_ucb": among certified (h, ρ), maximise ρŪ_{h+1} + (1−ρ)Ū_h (needs ``UB``).
    """
    LB = np.asarray(LB, dtype=np.float64)
    code = _choice(rule, _SELECT, "stepmix_select")
    if code == 0:
        return kr.select_max_h(LB, float(thr))
    if UB is None:
        raise ValueError("UB is required for stepmix_select='max_ucb'")
    return kr.select_max_ucb(LB, np.asarray(UB, dtype=np.float64), float(thr))


def epsmix_epsilon(lb: float, lb0: float, thr: float) -> float:
    """EpsMix's ε (stepmix.md#epsmix): 1 if ``lb >= thr``, else ``(lb0 − thr)/(lb0 − lb)``; 0 if ``lb0 < thr``.

    With ``lb0 = V^b`` and ``thr = (1−α)V^b``: ε = α V^b/(V^b − LB) ∈ [α, 1) since LB >= 0.
    """
    if lb >= thr:
        return 1.0
    if lb0 < thr:
        return 0.0
    return (lb0 - thr) / (lb0 - lb)


# --------------------------------------------------------------------------- learner base
class ConservativeLearner(EpisodicLearner):
    """Episodic learner base shared by StepMix, EpsMix and the comparators of stepmix.md#comparators.

    Parameters (keyword)
    --------------------
    env_info : dict
        Needs ``S, A, H, R`` (known rewards, (H, S, A) or (S, A)), ``n_steps`` (K, or give
        ``K``), ``mu`` (initial distribution; default: state 0, stepmix.md#setting), and — unless
        overridden by ``baseline_policy`` / ``baseline_value`` — ``baseline_policy`` and
        ``baseline_value`` (the scalar V^b, known; stepmix.md#decisions).
    rng : Generator or int
        The learner's own stream (mixture coins, baseline actions).
    alpha : float in (0, 1]
        Tolerance; threshold ``(1 − α) V^b``. ``gamma_tol`` (= 1 − α) is accepted instead
        (stepmix.md#decisions: both names).
    delta : float in (0, 1)
    bonus : {"hoeffding", "bernstein"}, bonus_scale : float
    K : int, optional
        Number of episodes in ``L`` (default ``env_info["n_steps"]``).
    fast : bool, default True
        Expose the compiled whole-loop :meth:`fast_run` to the runner.
    """

    ALG: ClassVar[int] = -1
    allow_alpha_zero: ClassVar[bool] = False

    def __init__(
        self,
        env_info: dict,
        rng,
        *,
        alpha=0.1,
        delta=0.05,
        bonus="hoeffding",
        bonus_scale=1.0,
        K=None,
        baseline_policy=None,
        baseline_value=None,
        gamma_tol=None,
        order="opt_first",
        stepmix_select="max_h",
        fast=True,
        init_model: EmpiricalModel | None = None,
        thr=None,
        lb0_exact=True,
        rewards="known",
        baseline_value_known=True,
        init_reward_sums=None,
    ):
        self.rng = as_generator(rng)
        try:
            S, A, H = int(env_info["S"]), int(env_info["A"]), int(env_info["H"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"env_info must give S, A and H of an episodic env: {exc}") from None
        self.S, self.A, self.H = S, A, H
        if rewards not in ("known", "unknown"):
            raise ValueError(f"rewards must be 'known' or 'unknown', got {rewards!r}")
        self.rewards = rewards
        self.rewards_known = rewards == "known"
        if self.rewards_known:
            if env_info.get("R") is None:
                raise ValueError(
                    "env_info['R'] is required with rewards='known' (stepmix.md#decisions); "
                    "pass rewards='unknown' to estimate them"
                )
            self.R = np.array(_R3(env_info["R"], H))
        else:
            self.R = np.zeros((H, S, A))
        self._Ro = self.R.copy()
        self._Rp = self.R.copy()
        self.Rsum = (
            np.zeros((H, S, A))
            if init_reward_sums is None
            else np.array(init_reward_sums, dtype=np.float64).reshape(H, S, A).copy()
        )
        if not isinstance(baseline_value_known, (bool, np.bool_)):
            raise TypeError("baseline_value_known must be a bool")
        self.baseline_value_known = bool(baseline_value_known)
        self.thr_ucb = not self.baseline_value_known
        if gamma_tol is not None:
            if alpha not in (None, 0.1):
                raise ValueError("give only one of alpha and gamma_tol (= 1 - alpha)")
            alpha = 1.0 - _real(gamma_tol, "gamma_tol")
        self.alpha = check_alpha(alpha, allow_zero=self.allow_alpha_zero)
        self.delta = check_delta(delta)
        self.bonus = bonus
        self._bonus_kind = _choice(bonus, _BONUS, "bonus")
        self.bonus_scale = _real(bonus_scale, "bonus_scale")
        if self.bonus_scale < 0:
            raise ValueError(f"bonus_scale must be >= 0, got {self.bonus_scale}")
        #: stepmix.md#optimistic-planning: a shrunk (or inflated) bonus makes the run "heuristic"
        #: (the regret theorem no longer applies; safety does not depend on it)
        self.heuristic = self.bonus_scale != 1.0
        self.order = order
        self._order = _choice(order, _ORDER, "order")
        self.stepmix_select = stepmix_select
        self._select = _choice(stepmix_select, _SELECT, "stepmix_select")
        K = env_info.get("n_steps") if K is None else K
        if K is None:
            raise ValueError(
                "K (number of episodes, used in L) is required: pass K or env_info['n_steps']"
            )
        if isinstance(K, (bool, np.bool_)) or not isinstance(K, numbers.Integral) or K < 1:
            raise ValueError(f"K must be an integer >= 1, got {K!r}")
        self.K = int(K)
        self.n_events = 3 + (not self.rewards_known) + self.thr_ucb
        self.L = log_term(S, A, H, self.K, self.delta, self.n_events)
        mu = env_info.get("mu")
        if mu is None:
            mu = np.zeros(S)
            mu[0] = 1.0
        self.mu = np.ascontiguousarray(mu, dtype=np.float64)
        if self.mu.shape != (S,):
            raise ValueError(f"env_info['mu'] must have shape (S,) = ({S},), got {self.mu.shape}")
        pib = env_info.get("baseline_policy") if baseline_policy is None else baseline_policy
        self.pib = np.ascontiguousarray(check_baseline_policy(pib, H, S, A))
        self._cpib = np.cumsum(self.pib, axis=-1)
        vb = env_info.get("baseline_value") if baseline_value is None else baseline_value
        if vb is None:
            if self.baseline_value_known:
                raise ValueError(
                    "baseline_value (the scalar V^b, known: stepmix.md#setting) is required, "
                    "or pass baseline_value_known=False"
                )
            vb = float("nan")
        self.Vb = _real(vb, "baseline_value") if vb == vb else float("nan")
        self.lb0_exact = bool(lb0_exact) and self.baseline_value_known
        if self.thr_ucb and self.ALG == kr.ALG_BUDGET:
            raise ValueError("baseline_value_known=False is not defined for the budget comparator")
        self.thr = (1.0 - self.alpha) * self.Vb if thr is None else _real(thr, "thr")
        self.model = init_model.copy() if init_model is not None else EmpiricalModel(S, A, H)
        self.fast = check_fast(fast)
        self._info: dict[str, float] = {}
        self._decision = None
        self._modes = np.zeros(H, dtype=np.int64)
        self._data = kr.AgentData(
            self.model.N,
            self.model.Nsas,
            self.Rsum,
            self._Ro,
            self._Rp,
            self.pib,
            self._cpib,
            self.mu,
            np.array([self.thr, 0.0]),
        )

    @property
    def settings(self) -> kr.Settings:
        """The constants of the compiled decision (:class:`_kernels.Settings`)."""
        return kr.Settings(
            int(self.ALG),
            float(self.L),
            float(self.alpha),
            int(self._bonus_kind),
            float(self.bonus_scale),
            int(self._order),
            int(self._select),
            bool(self.lb0_exact),
            float(self.Vb) if self.Vb == self.Vb else 0.0,
            bool(self.rewards_known),
            bool(self.thr_ucb),
        )

    # ------------------------------------------------------------- decision
    def begin_episode(self) -> np.ndarray | PolicyMixture:
        """Decide the episode (:func:`_kernels.decide`, the same compiled rule as the fast
        path) and return the deployment: a Markov policy, or for an episode-level coin
        with 0 < eps < 1 (EpsMix) the :class:`PolicyMixture` of pi^k and pi^b."""
        if self._data.N is not self.model.N:  # the model was replaced (e.g. copied in)
            self._data = self._data._replace(N=self.model.N, Nsas=self.model.Nsas)
        d = kr.decide(self.settings, self._data)
        self._decision = d
        self.thr = float(d.thr)
        plays = kr.plays_policy(d.eps, self.rng.random() if kr.needs_coin(d.eps) else 0.0)
        self._modes = d.step_mode if plays else np.full(self.H, kr.STEP_BASE, dtype=np.int64)
        self._info = {
            "lb": float(d.lb),
            "mix": float(d.mix),
            "vbar": float(d.vbar),
            "fully_optimistic": float(d.full),
            "uncertified": float(d.uncertified),
            "threshold": float(d.thr),
        }
        if d.eps >= 1.0:
            return d.policy
        if d.eps <= 0.0:
            return self.pib
        return PolicyMixture(
            (float(d.eps), 1.0 - float(d.eps)), (d.policy, self.pib), 0 if plays else 1
        )

    def act(self, h: int, s: int) -> int:
        md = self._modes[h]
        if md == kr.STEP_COIN:
            md = (
                kr.STEP_OPT
                if kr.coin_follows_opt(self.rng.random(), self._decision.rho)
                else kr.STEP_BASE
            )
        if md == kr.STEP_OPT:
            return int(self._decision.pik[h, s])
        return int(kr.sample_index(self._cpib[h, s], self.rng.random()))

    def update(self, h: int, s: int, a: int, r: float, s_next: int) -> None:
        kr.count_step(self._data, h, s, a, float(r), s_next)

    def info(self) -> dict[str, float]:
        return dict(self._info)

    # ------------------------------------------------------------- evaluation
    def _true_threshold(self, env) -> float:
        # true threshold of the constraint: (1 - alpha) V^{pi^b} of the env's baseline (the
        # behaviour policy in the learned-baseline case, stepmix.md#learned-baseline); for an env
        # that does not name a baseline, the exact value (oracle) of the baseline policy the agent
        # was given
        vb_true = getattr(env, "baseline_value", None)
        if vb_true is None:
            vb_true = env.policy_value(self.pib)
        return (1.0 - self.alpha) * float(vb_true)

    def evaluation_columns(self, env, value):
        """Oracle columns of an episode (called by the runner, and by :meth:`fast_run` on
        whole arrays): ``value`` (exact value of the deployment) and ``constraint_ok``
        (value >= true threshold - 1e-9). Never read by the learner."""
        value = np.asarray(value, dtype=np.float64)
        ok = (value >= self._true_threshold(env) - 1e-9).astype(np.float64)
        if value.ndim == 0:
            return {"value": float(value), "constraint_ok": float(ok)}
        return {"value": value, "constraint_ok": ok}

    # ------------------------------------------------------------- fast path
    def fast_run(self, env, n_steps: int, rng) -> dict:
        """Whole-loop compiled run (``mdpkit.algorithms.base``, "Fast path").

        :func:`_kernels.run_episodes`: the same :func:`_kernels.decide` as
        :meth:`begin_episode`, the env's sampling (:mod:`mdpkit.envs.sampling`, uniforms
        from the env stream ``rng``) and the learner's own uniforms from its stream in the
        order the generic loop consumes them.

        Returns the columns ``regret, reward, lb, mix, vbar, fully_optimistic,
        uncertified, threshold`` and the evaluation columns ``value`` (exact value of the
        deployed, possibly mixed, policy) and ``constraint_ok``: the generic loop's columns.
        """
        out = self._fast(env, n_steps, rng)
        out.pop("states")
        out.pop("actions")
        return out

    def _fast(self, env, n_steps, rng):
        rng = as_generator(rng)
        tab = episode_tables(env, (self.S, self.A, self.H), step_dependent=True)
        u_env = episode_uniforms(rng, n_steps, self.H, tab.bernoulli)
        u_agent = self.rng.random(n_steps * (self.H + 1))
        value, lbs, mix, vbar, reward, thrs, full, unc, states, actions = kr.run_episodes(
            self.settings, self._data, tab, u_env, u_agent
        )
        self.thr = float(self._data.scalars[0])
        out = {
            "regret": float(env.optimal_value) - value,
            "reward": reward,
            "lb": lbs,
            "mix": mix,
            "vbar": vbar,
            "fully_optimistic": full.astype(np.float64),
            "uncertified": unc.astype(np.float64),
            "threshold": thrs,
        }
        out.update(self.evaluation_columns(env, value))
        out["states"] = states
        out["actions"] = actions
        return out

r"""UCRL2 (Jaksch, Ortner & Auer 2010, "Near-optimal regret bounds for reinforcement
learning", JMLR 11); ``docs/papers/ucrl2.md``.

Setting
-------
Average reward, continuing interaction (no resets) with a communicating MDP, S states, A
actions, rewards in [0, 1]; regret ``Delta(T) = T g* - sum_{t <= T} r_t`` (the runner's
``cum_regret`` on a continuing env, :mod:`mdpkit.envs.continuing`). Bound:
:data:`mdpkit.bounds.ucrl2.UCRL2_THM2`.

Algorithm as implemented
------------------------
Epoch k starts at step ``t_k`` (1-based). ``N_k(s, a)`` = visits before ``t_k``;
``p_hat``, ``r_hat`` the empirical means of those visits. Plausible set (natural log):

.. math:: |\tilde r(s,a) - \hat r(s,a)| \le \sqrt{\frac{7 \ln(2 S A t_k/\delta)}
          {2 \max(1, N_k(s,a))}}, \qquad \|\tilde p(\cdot|s,a) - \hat p(\cdot|s,a)\|_1
          \le \sqrt{\frac{14 S \ln(2 A t_k/\delta)}{\max(1, N_k(s,a))}}.

Extended value iteration (:mod:`mdpkit.solvers.extended_vi`) from ``u_0 = 0`` to
``sp(u_{i+1} - u_i) < 1/sqrt(t_k)`` gives the optimistic policy ``pi_k``, played until a
pair's visits in the epoch reach ``nu_k(s, a) = max(1, N_k(s, a))`` for the pair about to
be played (the doubling rule): then epoch k + 1 starts at that step.

Decisions
---------
* Unvisited pairs: ``p_hat`` uniform and ``r_hat = 0`` (any centre is equivalent: the
  radius exceeds 2, the diameter of the simplex in L1, whenever ``N = 0``).
* ``use_known_rewards=True`` uses ``env_info["R"]`` with reward radius 0 (not the paper's
  algorithm; off by default).
* The decision rule (:func:`ucrl2_act`: epoch check, new epoch, greedy action) and the
  update (:func:`ucrl2_update`) are compiled functions called by both :meth:`UCRL2.act` /
  :meth:`UCRL2.update` and the compiled loop of :meth:`UCRL2.fast_run`.
* EVI runs at most ``evi_max_iter`` sweeps per epoch; an epoch that stops there is counted
  (``n_evi_capped``) and a :class:`~mdpkit.utils.ConvergenceWarning` is emitted.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import NamedTuple

import numpy as np
from numba import njit

from ..bounds.ucrl2 import UCRL2_THM2
from ..envs.sampling import continuing_step, step_uniforms
from ..experiments.registry import register_learner
from ..solvers.extended_vi import EVI_MAX_ITER, PlausibleSet, evi_kernel
from ..utils import ConvergenceWarning, as_generator, check_positive_int
from .base import check_fast

__all__ = ["UCRL2", "UCRL2State", "ucrl2_act", "ucrl2_update", "reward_radius", "transition_radius"]

#: constants of the confidence radii (Jaksch et al. 2010, Sec. 3, eq. (3)-(4))
REWARD_RADIUS_CONST = 7.0 / 2.0
TRANSITION_RADIUS_CONST = 14.0

#: status codes of the compiled loop
OK = 0
BAD_REWARD = 1


@njit(cache=True)
def reward_radius(S, A, t_k, delta, n):
    """``sqrt(7 ln(2 S A t_k / delta) / (2 max(1, n)))``."""
    return math.sqrt(REWARD_RADIUS_CONST * math.log(2.0 * S * A * t_k / delta) / max(1.0, n))


@njit(cache=True)
def transition_radius(S, A, t_k, delta, n):
    """``sqrt(14 S ln(2 A t_k / delta) / max(1, n))``."""
    return math.sqrt(TRANSITION_RADIUS_CONST * S * math.log(2.0 * A * t_k / delta) / max(1.0, n))


class UCRL2State(NamedTuple):
    """The learner's mutable arrays (all updated in place by the compiled rules)."""

    N: np.ndarray  #: (S, A) visits before the current epoch, N_k
    nu: np.ndarray  #: (S, A) visits within the current epoch, nu_k
    Nsas: np.ndarray  #: (S, A, S) transition counts (all steps so far)
    Rsum: np.ndarray  #: (S, A) sums of the rewards observed
    policy: np.ndarray  #: (S,) int64, the epoch's optimistic policy
    u: np.ndarray  #: (S,) EVI values of the last epoch
    model: PlausibleSet  #: plausible set of the current epoch (p_hat, r_tilde, p_rad, mask)
    counters: np.ndarray  #: int64 (4,): steps done, epochs started, EVI sweeps, capped EVIs
    gains: np.ndarray  #: (2,) certified optimistic gain interval of the current epoch


class UCRL2Params(NamedTuple):
    """Constants of a run."""

    delta: float
    R_known: np.ndarray  #: (S, A) known mean rewards (used iff known)
    known: bool
    evi_max_iter: int


@njit(cache=True)
def _new_epoch(st, prm):
    """Start an epoch at step t_k = steps done + 1: fold nu into N, rebuild the plausible set,
    run EVI to 1/sqrt(t_k)."""
    S, A = st.N.shape
    for s in range(S):
        for a in range(A):
            st.N[s, a] += st.nu[s, a]
            st.nu[s, a] = 0.0
    t_k = float(st.counters[0] + 1)
    m = st.model
    for s in range(S):
        for a in range(A):
            n = st.N[s, a]
            if n > 0:
                for y in range(S):
                    m.p_hat[s, a, y] = st.Nsas[s, a, y] / n
                r_hat = st.Rsum[s, a] / n
            else:
                for y in range(S):
                    m.p_hat[s, a, y] = 1.0 / S
                r_hat = 0.0
            if prm.known:
                m.r_tilde[s, a] = prm.R_known[s, a]
            else:
                m.r_tilde[s, a] = r_hat + reward_radius(S, A, t_k, prm.delta, n)
            m.p_rad[s, a] = transition_radius(S, A, t_k, prm.delta, n)
    for y in range(S):
        st.u[y] = 0.0
    n_iter, converged, lo, hi = evi_kernel(
        m, 1.0 / math.sqrt(t_k), prm.evi_max_iter, 1.0, st.u, st.policy
    )
    st.counters[1] += 1
    st.counters[2] += n_iter
    if not converged:
        st.counters[3] += 1
    st.gains[0] = lo
    st.gains[1] = hi


@njit(cache=True)
def ucrl2_act(st, prm, s):
    """The decision rule at state ``s``: start a new epoch when none has started or when the
    pair about to be played has ``nu_k(s, a) >= max(1, N_k(s, a))``; return the action."""
    a = st.policy[s]
    if st.counters[1] == 0 or st.nu[s, a] >= max(1.0, st.N[s, a]):
        _new_epoch(st, prm)
        a = st.policy[s]
    return a


@njit(cache=True)
def ucrl2_update(st, s, a, r, s2):
    """Record one step; returns :data:`BAD_REWARD` (nothing recorded) for r outside [0, 1]."""
    if r < 0.0 or r > 1.0:
        return BAD_REWARD
    st.nu[s, a] += 1.0
    st.Nsas[s, a, s2] += 1.0
    st.Rsum[s, a] += r
    st.counters[0] += 1
    return OK


@njit(cache=True)
def _run_steps(st, prm, tables, u, s, reward, mean, epoch, gain, offset):
    """Steps ``offset .. offset + len(u) - 1`` of a run from state ``s`` with the env's
    uniforms ``u`` (rows); fills the columns in place. Returns ``(state, status)``."""
    for i in range(u.shape[0]):
        a = ucrl2_act(st, prm, s)
        r, s2 = continuing_step(tables.cdf_P[s, a], tables.R[s, a], tables.bernoulli, u[i])
        if ucrl2_update(st, s, a, r, s2) != OK:
            return s, BAD_REWARD
        reward[offset + i] = r
        mean[offset + i] = tables.R[s, a]
        epoch[offset + i] = st.counters[1]
        gain[offset + i] = st.gains[1]
        s = s2
    return s, OK


class UCRL2:
    """UCRL2 on a continuing tabular env.

    Parameters
    ----------
    S, A : int
    rng : Generator or int
        The learner's own stream (UCRL2 is deterministic: kept for the protocol).
    delta : float in (0, 1), default 0.05
        Confidence parameter.
    R : ndarray (S, A), optional
        Known mean rewards, used only with ``use_known_rewards=True``.
    use_known_rewards : bool, default False
    action_mask : bool ndarray (S, A), optional
        Available actions (EVI never picks an unavailable one).
    evi_max_iter : int, default :data:`~mdpkit.solvers.extended_vi.EVI_MAX_ITER`
    fast : bool, default True
        The runner's switch: True plays :meth:`fast_run`, False the generic loop.

    Attributes
    ----------
    state : UCRL2State
    """

    kind = "continuing"
    bounds = (UCRL2_THM2,)
    provenance = (
        "Confidence radii (constants 7/2 and 14, log(2SAt_k/delta), log(2At_k/delta)), "
        "EVI with the sorted L1-ball inner maximum, stopping at 1/sqrt(t_k), and the "
        "doubling epoch rule: Jaksch, Ortner & Auer 2010, Fig. 1-2 and Sec. 3 [V, as "
        "restated on the paper page]; regret T g* - sum r_t and Thm 2 bound [V]; centre of "
        "unvisited pairs, tie rules, known-reward option, EVI cap [D]"
    )

    def __init__(
        self,
        S,
        A,
        rng,
        *,
        delta=0.05,
        R=None,
        use_known_rewards=False,
        action_mask=None,
        evi_max_iter=EVI_MAX_ITER,
        fast=True,
    ):
        self.S = check_positive_int(S, "S")
        self.A = check_positive_int(A, "A")
        self.rng = as_generator(rng)
        if (
            isinstance(delta, (bool, np.bool_))
            or not isinstance(delta, numbers.Real)
            or not 0 < delta < 1
        ):
            raise ValueError(f"delta must be a real number in (0, 1), got {delta!r}")
        if not isinstance(use_known_rewards, (bool, np.bool_)):
            raise TypeError(
                f"use_known_rewards must be a bool, got {type(use_known_rewards).__name__}"
            )
        self.fast = check_fast(fast)
        self.delta = float(delta)
        S, A = self.S, self.A
        if use_known_rewards:
            if R is None:
                raise ValueError("use_known_rewards=True needs R (the env must give its rewards)")
            R_known = np.array(R, dtype=np.float64)
            if R_known.shape != (S, A) or not np.all(np.isfinite(R_known)):
                raise ValueError(f"R must be a finite array of shape {(S, A)}")
        else:
            R_known = np.zeros((S, A))
        if action_mask is None:
            mask = np.ones((S, A), dtype=np.bool_)
        else:
            mask = np.array(action_mask, dtype=np.bool_)
            if mask.shape != (S, A) or not mask.any(axis=1).all():
                raise ValueError(
                    f"action_mask must be bool (S, A) = {(S, A)} with an available "
                    "action in every state"
                )
        self.params = UCRL2Params(
            self.delta,
            R_known,
            bool(use_known_rewards),
            check_positive_int(evi_max_iter, "evi_max_iter"),
        )
        model = PlausibleSet(np.zeros((S, A, S)), np.zeros((S, A)), np.zeros((S, A)), mask)
        self.state = UCRL2State(
            np.zeros((S, A)),
            np.zeros((S, A)),
            np.zeros((S, A, S)),
            np.zeros((S, A)),
            np.zeros(S, dtype=np.int64),
            np.zeros(S),
            model,
            np.zeros(4, dtype=np.int64),
            np.zeros(2),
        )
        self._warned = 0

    # ------------------------------------------------------------------ protocol
    def act(self, s: int) -> int:
        if not 0 <= s < self.S:
            raise ValueError(f"s must be in [0, S={self.S}), got {s}")
        a = int(ucrl2_act(self.state, self.params, int(s)))
        self._warn_capped()
        return a

    def update(self, s: int, a: int, r: float, s_next: int) -> None:
        if ucrl2_update(self.state, int(s), int(a), float(r), int(s_next)) != OK:
            raise ValueError(f"UCRL2 needs rewards in [0, 1], got r={r}")

    def info(self) -> dict:
        """``epoch``: index (from 1) of the epoch the step was played in;
        ``optimistic_gain``: that epoch's certified upper bound on the optimistic gain
        (EVI's ``max_s(u_{i+1} - u_i)``), >= g* whenever the true model is plausible."""
        return {
            "epoch": float(self.state.counters[1]),
            "optimistic_gain": float(self.state.gains[1]),
        }

    @property
    def n_epochs(self) -> int:
        return int(self.state.counters[1])

    def _warn_capped(self) -> None:
        capped = int(self.state.counters[3])
        if capped > self._warned:
            self._warned = capped
            warnings.warn(
                f"UCRL2: extended value iteration reached evi_max_iter="
                f"{self.params.evi_max_iter} in {capped} epoch(s); the policy of such "
                "an epoch is optimistic only up to the span reached",
                ConvergenceWarning,
                stacklevel=3,
            )

    # -------------------------------------------------------------- fast path
    def fast_run(self, env, n_steps: int, rng, chunk: int = 65536) -> dict:
        """Run ``n_steps`` steps against the continuing ``env`` in one compiled loop per
        chunk of uniforms; the same columns and numbers as the generic loop."""
        from ..envs.continuing import ContinuingTabularEnv

        if not isinstance(env, ContinuingTabularEnv):
            raise TypeError(
                f"UCRL2.fast_run needs a ContinuingTabularEnv, got {type(env).__name__}"
            )
        if (env.S, env.A) != (self.S, self.A):
            raise ValueError(f"env has (S, A) = {(env.S, env.A)}, the learner {(self.S, self.A)}")
        T = check_positive_int(n_steps, "n_steps")
        rng = as_generator(rng)
        reward = np.empty(T)
        mean = np.empty(T)
        epoch = np.empty(T)
        gain = np.empty(T)
        s = env.reset()
        done = 0
        while done < T:
            m = min(chunk, T - done)
            u = step_uniforms(rng, m, env.tables.bernoulli)
            s, status = _run_steps(
                self.state, self.params, env.tables, u, s, reward, mean, epoch, gain, done
            )
            if status != OK:
                raise ValueError("UCRL2 needs rewards in [0, 1]")
            done += m
        self._warn_capped()
        out = env.oracle_columns(reward, mean)
        return {
            "regret": out.pop("regret"),
            "reward": reward,
            **out,
            "epoch": epoch,
            "optimistic_gain": gain,
        }


@register_learner("ucrl2")
def make_ucrl2(
    env_info: dict,
    rng,
    *,
    delta: float = 0.05,
    use_known_rewards: bool = False,
    evi_max_iter: int = EVI_MAX_ITER,
    fast: bool = True,
) -> UCRL2:
    """UCRL2 for a continuing env (``env_info["kind"] == "continuing"``)."""
    kind = env_info.get("kind")
    if kind != "continuing":
        raise ValueError(
            f"ucrl2 is an average-reward learner for continuing envs, got an env of kind {kind!r}"
        )
    return UCRL2(
        env_info["S"],
        env_info["A"],
        rng,
        delta=delta,
        R=env_info.get("R"),
        use_known_rewards=use_known_rewards,
        action_mask=env_info.get("action_mask"),
        evi_max_iter=evi_max_iter,
        fast=fast,
    )

r"""UCBVI-CH and UCBVI-BF (Azar, Osband, Munos 2017, "Minimax regret bounds for reinforcement
learning"); docs/papers/classical-baselines.md#algorithms-as-implemented.

Setting
-------
Episodic MDP with S states, A actions, horizon H, per-step rewards in [0, 1] (known mean
reward R, or estimated), K episodes, T = K H steps, values in [0, H]. Regret(K) =
sum_k V*_0(mu) - V^{pi_k}_0(mu) (the runner computes it exactly from the env's oracle).

Algorithm (both variants). At the start of episode k, with counts N_k(x, a), N_k(x, a, y)
over all previous steps, P_hat_k(y | x, a) = N_k(x, a, y) / N_k(x, a), and V_{k,H} = 0
(steps 0-based, h = 0..H-1):

.. math::

    Q_{k,h}(x,a) = \min\{Q_{k-1,h}(x,a),\ H,\ R(x,a) + \hat P_k V_{k,h+1}(x,a) + b_{k,h}(x,a)\}
    \ \text{if } N_k(x,a) > 0, \quad H \text{ otherwise};\qquad
    V_{k,h}(x) = \max_a Q_{k,h}(x,a),

with :math:`L = \ln(5 S A T / \delta)` and the bonuses

* CH: :math:`b = 7 H L \sqrt{1/N_k(x,a)}`;
* BF: :math:`b = \sqrt{8 L\,\mathrm{Var}_{y\sim\hat P}[V_{k,h+1}(y)]/N}
  + 14 H L/(3N) + \sqrt{8 \sum_y \hat P(y) \min\{10^4 H^3 S^2 A L^2 / N'_{k,h+1}(y), H^2\}/N}`,
  :math:`N'_{k,h+1}(y)` = earlier visits of y at step h+1.

The learner acts greedily with respect to Q_k (ties: lowest action index). Bounds:
:data:`mdpkit.bounds.UCBVI_CH` (exact, Thm 1) and :data:`mdpkit.bounds.UCBVI_BF` (order).

Decisions (classical-baselines.md#decisions)
--------------------------------------------
* ``homogeneous=True`` (the paper's setting) pools counts over steps; ``False`` keeps
  per-(h, x, a) counts (inhomogeneous P_h). Default: pooled unless the env says its
  P is step-dependent (``env_info["step_dependent_P"]``).
* ``L = ln(5 S A T / delta)`` (classical-baselines.md#provenance; not the ``5 H S A T`` variant); T
  = K H with K = ``env_info["n_steps"]`` (or the ``K`` parameter). Default ``delta = 0.1``.
* Rewards: ``env_info["R"]`` (known mean rewards, the paper's setting) when present;
  otherwise the empirical mean reward of the (pooled) counts, with no extra reward bonus.
* BF correction term at the last step (h = H-1): 0, since V_{k,H} = V*_H = 0 and the term
  bounds an error in V_{k,h+1} - V*_{h+1}; N'_{k,h+1}(y) = 0 gives the cap H^2.
* The empirical variance is computed in two passes (sum_y P_hat (V - P_hat V)^2), so it is
  never negative by rounding.
* ``bonus_scale`` (default 1.0 = the paper's constants, "theory") multiplies the bonus; any
  other value is a "tuned" configuration and is labelled so in figures
  (classical-baselines.md#decisions). With the theory constants the bonus exceeds H until N(x, a) >
  (7 H L / H)^2 = (7 L)^2 visits (about 2.4e4 for L = 22), so Q stays at H for long runs: UCBVI then
  keeps exploring.
* Fast path (:meth:`UCBVI.fast_run`): one numba kernel per chunk of episodes, calling the
  same planning kernel as the generic loop, so Q values and policies are bit-identical
  (the kernels use fastmath reassociation for vectorised dot products; that changes
  rounding in the last bits, identically for both paths).
  It draws the environment's uniforms exactly as
  :class:`mdpkit.envs.episodic.EpisodicTabularEnv` does (see its docstring), so
  ``fast_run`` and the generic loop with the same env stream give the same regret arrays.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..bounds.classical import (
    TABULAR_LOWER_HOMOGENEOUS,
    TABULAR_LOWER_INHOMOGENEOUS,
    UCBVI_BF,
    UCBVI_BF_INHOMOGENEOUS,
    UCBVI_CH,
    UCBVI_CH_INHOMOGENEOUS,
)
from ..envs.sampling import episode_tables, episode_uniforms
from ..experiments.registry import register_learner
from ..utils import as_generator, check_positive_int
from . import _tabular_episode_kernels as _k
from .base import EpisodicLearner, check_fast, known_rewards

__all__ = ["UCBVI", "ucbvi_log_factor"]


def ucbvi_log_factor(S: int, A: int, K: int, H: int, delta: float) -> float:
    """``L = ln(5 S A T / delta)``, ``T = K H`` (classical-baselines.md#algorithms-as-implemented)."""
    return float(np.log(5.0 * S * A * K * H / delta))


class UCBVI(EpisodicLearner):
    """UCBVI-CH / UCBVI-BF learner.

    Parameters
    ----------
    S, A, H : int
        States, actions, horizon.
    K : int
        Number of episodes of the run (enters L through T = K H).
    variant : {"ch", "bf"}
    delta : float in (0, 1), default 0.1
    R : ndarray, shape (S, A) or (H, S, A), optional
        Known mean rewards in [0, 1]; None: empirical means.
    homogeneous : bool, default True
        Pool counts over steps (paper's setting) or keep them per step.
    bonus_scale : float >= 0, default 1.0
        Multiplies the bonus. 1.0 is the paper's ("theory") configuration; any other value
        is a "tuned" configuration and must be labelled as such (classical-baselines.md#decisions).
    fast : bool, default True
        The runner's switch: True plays :meth:`fast_run`, False the generic loop (same
        numbers; for checks and benchmarks).

    Attributes
    ----------
    Q : ndarray (H, S, A)    optimistic Q of the current episode
    V : ndarray (H + 1, S)
    policy : ndarray int (H, S)
    L : float
    """

    #: Bound objects this learner is checked against (mdpkit.bounds).
    bounds = (
        UCBVI_CH,
        UCBVI_BF,
        UCBVI_CH_INHOMOGENEOUS,
        UCBVI_BF_INHOMOGENEOUS,
        TABULAR_LOWER_HOMOGENEOUS,
        TABULAR_LOWER_INHOMOGENEOUS,
    )

    provenance = (
        "Recipe, CH bonus 7 H L sqrt(1/N), monotone min with Q_{k-1,h}, clipping at H and Thm 1 "
        "bound: classical-baselines.md#algorithms-as-implemented [exact as transcribed there]. BF bonus constants "
        "(8, 14/3, 10^4) were "
        "not re-checked against the paper here [R]. L = ln(5SAT/delta) (classical-baselines.md#provenance; paper versions "
        "differ). Inhomogeneous (per-step counts) option, reward estimation, BF last-step "
        "correction = 0: decisions of this module [D]."
    )

    def __init__(
        self,
        S,
        A,
        H,
        K,
        *,
        variant="ch",
        delta=0.1,
        R=None,
        homogeneous=True,
        bonus_scale=1.0,
        fast=True,
    ):
        self.S = check_positive_int(S, "S")
        self.A = check_positive_int(A, "A")
        self.H = check_positive_int(H, "H")
        self.K = check_positive_int(K, "K")
        if variant not in ("ch", "bf"):
            raise ValueError(f"variant must be 'ch' or 'bf', got {variant!r}")
        if isinstance(delta, bool) or not isinstance(delta, numbers.Real) or not (0 < delta < 1):
            raise ValueError(f"delta must be a real number in (0, 1), got {delta!r}")
        if not isinstance(homogeneous, (bool, np.bool_)):
            raise TypeError(f"homogeneous must be a bool, got {type(homogeneous).__name__}")
        if (
            isinstance(bonus_scale, (bool, np.bool_))
            or not isinstance(bonus_scale, numbers.Real)
            or not (np.isfinite(bonus_scale) and bonus_scale >= 0)
        ):
            raise ValueError(f"bonus_scale must be a finite real >= 0, got {bonus_scale!r}")
        self.bonus_scale = float(bonus_scale)
        self.fast = check_fast(fast)
        self.variant = variant
        self.delta = float(delta)
        self.homogeneous = bool(homogeneous)
        self._variant_code = _k.VARIANT_CH if variant == "ch" else _k.VARIANT_BF
        S, A, H = self.S, self.A, self.H
        if R is None:
            self.R_known = np.zeros((H, S, A))
            self.use_known = False
        else:
            self.R_known = known_rewards(R, S, A, H, unit_interval=True)
            self.use_known = True
        self.L = ucbvi_log_factor(S, A, self.K, H, self.delta)
        G = 1 if self.homogeneous else H
        self.N_sa = np.zeros((G, S, A))
        self.N_say = np.zeros((G, S, A, S))
        self.R_sum = np.zeros((G, S, A))
        self.N_visit = np.zeros((H, S))
        self.Q = np.full((H, S, A), float(H))
        self.V = np.zeros((H + 1, S))
        self.policy = np.zeros((H, S), dtype=np.int64)
        self.episode = 0
        # grouped views of the same arrays, passed to the compiled kernels
        self._counts = _k.Counts(self.N_sa, self.N_say, self.R_sum, self.N_visit)
        self._plan = _k.Plan(self.Q, self.V, self.policy)
        self._cfg = _k.Config(
            self.R_known,
            self.use_known,
            H,
            self.L,
            self._variant_code,
            self.homogeneous,
            self.bonus_scale,
        )

    # ----------------------------------------------------------- generic loop
    def bonus(self, h: int, x: int, a: int) -> float:
        """The bonus b_{k,h}(x, a) with the current counts and V (for tests/inspection).

        Pure numpy transcription of the formulas in the module docstring, independent of the
        numba kernel, without ``bonus_scale``. Returns inf when N(x, a) = 0 (Q is then H).
        """
        g = 0 if self.homogeneous else h
        n = self.N_sa[g, x, a]
        if n == 0:
            return float("inf")
        H, L = float(self.H), self.L
        if self.variant == "ch":
            return 7.0 * H * L * np.sqrt(1.0 / n)
        p = self.N_say[g, x, a] / n
        v = self.V[h + 1]
        var = float(p @ (v - p @ v) ** 2)
        if h == self.H - 1:
            corr = 0.0
        else:
            nv = self.N_visit[h + 1]
            with np.errstate(divide="ignore"):
                m = np.where(nv > 0, 1e4 * H**3 * self.S**2 * self.A * L**2 / nv, np.inf)
            corr = float(p @ np.minimum(m, H * H))
        return float(np.sqrt(8 * L * var / n) + 14 * H * L / (3 * n) + np.sqrt(8 * corr / n))

    def begin_episode(self) -> np.ndarray:
        _k.plan(self._plan, self._counts, self._cfg)
        return self.policy.copy()

    def act(self, h: int, s: int) -> int:
        return int(self.policy[h, s])

    def update(self, h: int, s: int, a: int, r: float, s_next: int) -> None:
        _k.update_step(self._counts, self._cfg, h, s, a, float(r), s_next)

    def end_episode(self) -> None:
        self.episode += 1

    # -------------------------------------------------------------- fast path
    def fast_run(self, env, n_steps: int, rng, chunk: int = 2048) -> dict:
        """Run ``n_steps`` episodes against ``env`` in compiled code.

        Gives the same numbers as the generic loop (``begin_episode``; ``env.reset``;
        ``act``/``env.step``/``update`` for h < H; ``end_episode``) driven by an env whose
        stream is ``rng``: the uniforms are drawn from ``rng`` in blocks of ``chunk``
        episodes, in the order the env draws them (:mod:`mdpkit.envs.sampling`), and
        planning and counting use the same numba kernels. Regrets agree to rounding (~1e-14; the exact evaluation
        sums in a different order), policies and rewards exactly.

        Parameters
        ----------
        env : EpisodicTabularEnv
            Provides ``mdp`` (true P, R, mu), ``optimal_value``, ``optimal_policy`` and
            ``reward_dist``.
        n_steps : int
            Number of episodes K.
        rng : Generator or int
            The environment's random stream (``env.rng`` for the runner).
        chunk : int
            Episodes per kernel call (memory of the pre-drawn uniforms).

        Returns
        -------
        dict with ``"regret"`` (K,) exact V*_0(mu) - V^{pi_k}_0(mu) and ``"reward"`` (K,)
        realised episode rewards.
        """
        K = check_positive_int(n_steps, "n_steps")
        chunk = check_positive_int(chunk, "chunk")
        rng = as_generator(rng)
        tab = episode_tables(env, (self.S, self.A, self.H))
        vstar = float(env.optimal_value)
        pi_star = np.ascontiguousarray(env.optimal_policy, dtype=np.int64)
        regret = np.empty(K)
        reward = np.empty(K)
        done = 0
        while done < K:
            m = min(chunk, K - done)
            U = episode_uniforms(rng, m, self.H, tab.bernoulli)
            _k.run_chunk(
                self._plan,
                self._counts,
                self._cfg,
                tab,
                U,
                vstar,
                pi_star,
                regret[done : done + m],
                reward[done : done + m],
            )
            done += m
        self.episode += K
        return {"regret": regret, "reward": reward}


def _learner_from_env_info(env_info: dict, variant: str, params: dict) -> UCBVI:
    if env_info.get("kind", "episodic") != "episodic":
        raise ValueError(f"UCBVI needs an episodic env, got kind={env_info.get('kind')!r}")
    params = dict(params)
    K = params.pop("K", env_info.get("n_steps"))
    if K is None:
        raise ValueError("UCBVI needs the number of episodes: env_info['n_steps'] or K=...")
    homogeneous = params.pop("homogeneous", None)
    if homogeneous is None:
        homogeneous = not bool(env_info.get("step_dependent_P", False))
    R = params.pop("R", env_info.get("R"))
    return UCBVI(
        env_info["S"],
        env_info["A"],
        env_info["H"],
        K,
        variant=variant,
        R=R,
        homogeneous=homogeneous,
        **params,
    )


@register_learner("ucbvi-ch")
def make_ucbvi_ch(env_info: dict, rng, **params) -> UCBVI:
    """UCBVI-CH (deterministic: ``rng`` is not used). Params: delta, homogeneous, K, R."""
    as_generator(rng)
    return _learner_from_env_info(env_info, "ch", params)


@register_learner("ucbvi-bf")
def make_ucbvi_bf(env_info: dict, rng, **params) -> UCBVI:
    """UCBVI-BF (deterministic: ``rng`` is not used). Params: delta, homogeneous, K, R."""
    as_generator(rng)
    return _learner_from_env_info(env_info, "bf", params)

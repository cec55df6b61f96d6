r"""The latent-MDP learner object shared by every algorithm of
``docs/papers/latent-mdp.md`` ("Algorithms"): statistics with the doubling schedule, a
history-tree plan of the learner's model refreshed only when frozen statistics change,
node-greedy decisions under empirical beliefs. The algorithms differ only in the backup
(bonus) function and the roots (context-blind or told the context), and in how revealed
contexts are mapped to the learner's contexts.

The object's ``begin_episode`` / ``end_episode`` and its ``fast_run`` call the same compiled
functions (:mod:`mdpkit.algorithms.latent._kernels`), so both paths give identical numbers.
"""

from __future__ import annotations

import numbers

import numpy as np

from ...solvers.latent import LatentPolicy
from ...utils import as_generator
from . import _kernels as K

__all__ = ["LatentLearner", "make_latent_learner", "PROVENANCE_COMMON"]

PROVENANCE_COMMON = (
    "Setting, context in hindsight, the variance/log term iota = 2 ln(2MSAHK/delta), the existence "
    "of a model-optimistic and a value-optimistic solver with truncation at 1: read in the paper's "
    "abstract and setup section [V]. Per-context models refreshed when a count doubles (MVP-style), "
    "entrywise empirical-Bernstein intervals, the exact bonus, node-greedy decisions under empirical "
    "beliefs, Laplace weights: reconstructed [R]/[D] (the algorithm "
    "boxes could not be read; no code exists). Rewards are learned (optimistic 1 until observed); "
    "the learner knows the finite set of reward values (to index histories)."
)


def _pos_real(x, name, low=0.0, high=np.inf, low_open=True):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    x = float(x)
    if not (np.isfinite(x) and (x > low if low_open else x >= low) and x <= high):
        raise ValueError(f"{name} must be in {'(' if low_open else '['}{low}, {high}], got {x}")
    return x


class LatentLearner:
    """Latent-MDP learner (one instance per run); see the module docstring.

    Parameters
    ----------
    env_info : dict
        From a ``latent-episodic`` env (``M, S, A, H, reward_values, oracle, n_steps``).
    rng : Generator or seed
        The learner's stream (these learners are deterministic and draw nothing).
    rule : BonusRule
        The algorithm's backup coefficients (:mod:`mdpkit.algorithms.latent._kernels`).
    oracle : bool
        Roots per context (the learner is told the context at the start).
    pooled : bool
        Context-agnostic: one learner context, every revealed context mapped to it, rewards
        not used to index histories.
    delta : float in (0, 1)
    beta : float > 0
        Scale of iota in every bonus (theory value 1).
    key_tol : float in (0, 1)
        Belief rounding of the learner's tree keys.
    max_nodes : int
        Refuse (ValueError) when a plan needs more nodes.
    fast : bool
        Runner switch: use :meth:`fast_run`.
    """

    kind = "latent-episodic"
    provenance = PROVENANCE_COMMON

    def __init__(
        self,
        env_info,
        rng,
        *,
        rule,
        oracle=False,
        pooled=False,
        delta=0.05,
        beta=1.0,
        key_tol=1e-6,
        max_nodes=2_000_000,
        fast=True,
    ):
        if not isinstance(env_info, dict) or env_info.get("kind") != "latent-episodic":
            raise ValueError(
                "env_info must come from a 'latent-episodic' env (kind='latent-episodic')"
            )
        self.rng = as_generator(rng)
        self.M, self.S, self.A, self.H = (int(env_info[k]) for k in ("M", "S", "A", "H"))
        self.K = int(env_info.get("n_steps", 1))
        self.delta = _pos_real(delta, "delta", 0.0, 1.0)
        self.beta = _pos_real(beta, "beta")
        self.key_tol = _pos_real(key_tol, "key_tol", 0.0, 1.0)
        if (
            isinstance(max_nodes, (bool, np.bool_))
            or not isinstance(max_nodes, numbers.Integral)
            or max_nodes < 1
        ):
            raise ValueError(f"max_nodes must be a positive integer, got {max_nodes!r}")
        if not isinstance(fast, (bool, np.bool_)):
            raise TypeError(f"fast must be a bool, got {type(fast).__name__}")
        self.fast = bool(fast)
        self.reward_values = np.asarray(env_info["reward_values"], dtype=np.float64)
        self.pooled = bool(pooled)
        Ml = 1 if pooled else self.M
        self.iota = K.log_term(
            self.M, self.S, self.A, self.H, max(self.K, 1), self.delta, self.beta
        )
        self.cfg = K.LatentConfig(self.iota, 1.0 / self.key_tol, int(max_nodes))
        ctx_map = np.zeros(self.M, np.int64) if pooled else np.arange(self.M, dtype=np.int64)
        match = np.zeros(0) if pooled else self.reward_values.copy()
        reveal = np.eye(Ml) if oracle else np.ones((1, Ml))
        self.oracle = bool(oracle)
        self.spec = K.LearnerSpec(match, ctx_map, len(self.reward_values), reveal, rule)
        self.stats = K.new_stats(Ml, self.S, self.A)
        self.policy: LatentPolicy | None = None
        self.vbar = np.nan
        self._row = None
        self._reset_episode()

    # ------------------------------------------------------------------ protocol
    def _reset_episode(self):
        self._states = np.zeros(self.H + 1, np.int64)
        self._actions = np.zeros(self.H, np.int64)
        self._rewards = np.zeros(self.H)
        self._node = -1

    def _plan(self):
        status, tree, act, root_env, vbar = K.plan_step(self.stats, self.cfg, self.spec, self.H)
        if status != 0:
            raise ValueError(
                f"the learner's history tree needs more than max_nodes="
                f"{self.cfg.max_nodes} nodes; raise max_nodes or use a smaller H"
            )
        self.policy = LatentPolicy(
            root_env, tree.node_s, act, tree.child, tree.level_start, self.reward_values
        )
        self.vbar = float(vbar)

    def begin_episode(self) -> LatentPolicy:
        """Replan if frozen statistics changed; return the committed :class:`LatentPolicy`."""
        if self.stats.counters[K.CHANGED] != 0 or self.policy is None:
            self._plan()
        self._reset_episode()
        self._row = None
        return self.policy

    def observe_context(self, m: int) -> None:
        """Only the oracle-context learner may be told the context at the start."""
        raise RuntimeError(
            f"{type(self).__name__} does not take the context before the episode ends"
        )

    def act(self, h: int, s: int) -> int:
        if h == 0:
            self._node = int(self.policy.root[0 if self._row is None else self._row, s])
            self._states[0] = s
        return int(self.policy.act[self._node])

    def update(self, h: int, s: int, a: int, r: float, s_next: int) -> None:
        self._actions[h] = a
        self._rewards[h] = r
        self._states[h + 1] = s_next
        if h + 1 < self.H:
            self._node = self.policy.next_node(self._node, a, r, s_next)

    def end_episode(self, context: int) -> None:
        """The episode's context, revealed after it: update the statistics."""
        m = int(context)
        if not 0 <= m < self.M:
            raise ValueError(f"context must be in [0, M={self.M}), got {context!r}")
        K.stats_update(
            self.stats, int(self.spec.ctx_map[m]), self._states, self._actions, self._rewards
        )

    def info(self) -> dict:
        return {"vbar": self.vbar, "plans": float(self.stats.counters[K.PLANS])}

    # ------------------------------------------------------------------ fast path
    def fast_run(self, env, n_steps: int, rng) -> dict:
        """Whole run in one compiled loop (same step functions as the object's methods)."""
        if getattr(env, "kind", None) != "latent-episodic":
            raise TypeError("fast_run needs a latent-episodic env")
        if self.stats.counters[K.EPISODES] != 0:
            raise RuntimeError("fast_run needs a fresh learner")
        if self.oracle and not env.oracle:
            raise ValueError("the oracle-context learner needs an env built with oracle=True")
        lm = env.lmdp
        U = rng.random((n_steps, lm.H + 2))
        model = K.TrueModel(lm.P, lm.R, lm.nu, lm.w, lm.ridx, float(env.optimal_value))
        status, regret, reward, vbar, plans = K.run_episodes(
            model, U, self.stats, self.cfg, self.spec
        )
        if status != 0:
            raise ValueError(
                f"the learner's history tree needs more than max_nodes="
                f"{self.cfg.max_nodes} nodes; raise max_nodes or use a smaller H"
            )
        return {"regret": regret, "reward": reward, "vbar": vbar, "plans": plans}


def make_latent_learner(cls, env_info, rng, **params):
    """Build ``cls(env_info, rng, **params)`` after checking the env kind."""
    if not isinstance(env_info, dict) or env_info.get("kind") != "latent-episodic":
        raise ValueError(
            f"{cls.__name__} needs a 'latent-episodic' env, got kind="
            f"{env_info.get('kind') if isinstance(env_info, dict) else None!r}"
        )
    return cls(env_info, rng, **params)

r"""Latent-MDP environment with context in hindsight, and its interaction loop
(``docs/papers/latent-mdp.md``, "Protocol").

:class:`LatentEpisodicEnv` has ``kind = "latent-episodic"``. Episode k::

    pol = learner.begin_episode()            # LatentPolicy: history-dependent, fixed for the episode
    regret_k = env.optimal_value - env.policy_value(pol)      # exact
    s = env.reset()                          # draws the hidden context m and s_1 ~ nu_m
    [learner.observe_context(env.context)]   # only for an env built with oracle=True
    for h in range(H):
        a = learner.act(h, s)                # must be pol's action at the current history
        r, s2 = env.step(h, s, a)
        learner.update(h, s, a, r, s2)
        s = s2
    m = env.end_episode()                    # the context is revealed now
    learner.end_episode(m)

The loop is :func:`latent_loop`; :func:`run_latent_seed` is what the experiment runner
calls for this kind (fast path ``learner.fast_run(env, K, env.rng)`` when
``learner.fast`` is true and ``fast_run`` is callable).

Context in hindsight, enforced: the context of the current episode is kept in a private
slot and ``env.context`` raises ``RuntimeError`` between ``reset`` and ``end_episode``
(unless the env was built with ``oracle=True``, which only the oracle-context baseline
uses); the learner's ``act``/``update`` never receive it.

Sampling scheme (shared with the compiled fast paths): each episode draws
``u = rng.random(H + 2)`` at ``reset``; ``u[0]`` picks the context (inverse CDF of ``w``),
``u[1]`` the initial state, ``u[2 + h]`` the next state of step h
(:func:`mdpkit.solvers._latent_kernels.sample_index`).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..experiments.registry import register_env
from ..models.latent import LatentMDP, bandit_tree, random_lmdp, tiger
from ..solvers import _latent_kernels as LK
from ..solvers.latent import LatentPolicy, plan, policy_value
from ..utils import as_generator

__all__ = ["LatentEpisodicEnv", "latent_loop", "run_latent_seed"]


class LatentEpisodicEnv:
    """Episodic interaction with a :class:`~mdpkit.models.latent.LatentMDP`, with oracle.

    Parameters
    ----------
    lmdp : LatentMDP
    rng : Generator or int seed
        The environment's stream (contexts, initial states, transitions).
    oracle : bool, default False
        Reveal the context at the start of the episode (``env.context`` readable after
        ``reset``); only for the oracle-context baseline, which is not an LMDP algorithm.

    Attributes
    ----------
    kind : "latent-episodic"
    optimal_value : float
        ``V*`` over history-dependent policies (exact planner, computed on first use).
    """

    kind = "latent-episodic"

    def __init__(self, lmdp: LatentMDP, rng, *, oracle: bool = False):
        if not isinstance(lmdp, LatentMDP):
            raise TypeError(f"lmdp must be a LatentMDP, got {type(lmdp).__name__}")
        if not isinstance(oracle, (bool, np.bool_)):
            raise TypeError(f"oracle must be a bool, got {type(oracle).__name__}")
        self.lmdp = lmdp
        self.rng = as_generator(rng)
        self.oracle = bool(oracle)
        self.M, self.S, self.A, self.H = lmdp.M, lmdp.S, lmdp.A, lmdp.H
        self._v_star = None
        self._last_policy = None
        self._last_value = None
        self.__m = -1  # hidden context of the running episode
        self.__revealed = None
        self._u = None
        self._h = -1
        self._s = -1

    # ------------------------------------------------------------------ oracle
    def env_info(self) -> dict:
        """What a learner may know: kind, M, S, A, H, the set of reward values, oracle."""
        return {
            "kind": self.kind,
            "M": self.M,
            "S": self.S,
            "A": self.A,
            "H": self.H,
            "reward_values": self.lmdp.reward_values.copy(),
            "oracle": self.oracle,
        }

    @property
    def optimal_value(self) -> float:
        if self._v_star is None:
            self._v_star = plan(self.lmdp).v_star
        return self._v_star

    def policy_value(self, policy: LatentPolicy) -> float:
        """Exact ``V^pi`` (cached for the last policy object)."""
        if policy is not self._last_policy:
            self._last_value = policy_value(self.lmdp, policy)
            self._last_policy = policy
        return self._last_value

    # ------------------------------------------------------------------ episodes
    @property
    def in_episode(self) -> bool:
        return self._h >= 0

    @property
    def context(self) -> int:
        """The context of the last episode; ``RuntimeError`` while an episode runs (the
        context is revealed only by :meth:`end_episode`), unless ``oracle=True``."""
        if self.in_episode:
            if self.oracle:
                return self.__m
            raise RuntimeError("the context is hidden until the episode ends (end_episode())")
        if self.__revealed is None:
            raise RuntimeError("no episode has ended yet")
        return self.__revealed

    def reset(self) -> int:
        """Start an episode: draw the hidden context and the initial state; returns s_1."""
        if self.in_episode:
            raise RuntimeError("reset() called during an episode; call end_episode() first")
        u = self.rng.random(self.H + 2)
        self._u = u
        m = int(LK.sample_index(self.lmdp.w, u[0]))
        s = int(LK.sample_index(self.lmdp.nu[m], u[1]))
        self.__m = m
        self.__revealed = None
        self._h, self._s = 0, s
        return s

    def step(self, h: int, s: int, a: int) -> tuple[float, int]:
        """Reward and next state of step ``h`` (0-based) from ``s`` with action ``a``."""
        if not self.in_episode:
            raise RuntimeError("step() outside an episode; call reset() first")
        if h != self._h or s != self._s:
            raise ValueError(
                f"step(h={h}, s={s}) does not continue the episode "
                f"(expected h={self._h}, s={self._s})"
            )
        if h >= self.H:
            raise RuntimeError(f"the episode has H={self.H} steps; call end_episode()")
        if (
            isinstance(a, (bool, np.bool_))
            or not isinstance(a, numbers.Integral)
            or not 0 <= a < self.A
        ):
            raise ValueError(f"a must be an action in [0, A={self.A}), got {a!r}")
        m = self.__m
        r = float(self.lmdp.R[m, s, a])
        s2 = int(LK.sample_index(self.lmdp.P[m, s, a], self._u[2 + h]))
        self._h, self._s = h + 1, s2
        return r, s2

    def end_episode(self) -> int:
        """End the episode (after H steps) and reveal its context."""
        if self._h != self.H:
            raise RuntimeError(f"end_episode() after {self._h} of H={self.H} steps")
        self._h = -1
        self.__revealed = self.__m
        return self.__m

    def __repr__(self):
        return f"LatentEpisodicEnv({self.lmdp!r}, oracle={self.oracle})"


# ----------------------------------------------------------------------------- loop
def latent_loop(env: LatentEpisodicEnv, learner, K: int):
    """The generic loop (module docstring). Returns ``regret, reward`` (K,) and the info rows.

    Checks every action against the committed policy (``RuntimeError`` otherwise) by
    following the policy's own node along the history.
    """
    regret = np.empty(K)
    reward = np.empty(K)
    rows: list = []
    name = type(learner).__name__
    v_star = env.optimal_value
    for k in range(K):
        pol = learner.begin_episode()
        if not isinstance(pol, LatentPolicy):
            raise TypeError(
                f"{name}.begin_episode() must return a LatentPolicy, got {type(pol).__name__}"
            )
        if not env.oracle and not pol.context_blind:
            raise RuntimeError(
                f"{name} committed a policy whose first node depends on the hidden context"
            )
        regret[k] = v_star - env.policy_value(pol)
        s = env.reset()
        row = 0
        if env.oracle:
            row = env.context
            learner.observe_context(row)
        node = int(pol.root[row, s])
        total = 0.0
        for h in range(env.H):
            a = learner.act(h, s)
            if a != pol.act[node]:
                raise RuntimeError(
                    f"{name}.act({h}, {s}) returned {a}, not the committed "
                    f"policy's action {pol.act[node]} in episode {k + 1}"
                )
            r, s2 = env.step(h, s, a)
            learner.update(h, s, a, r, s2)
            if h + 1 < env.H:
                node = pol.next_node(node, a, r, s2)
            total += r
            s = s2
        learner.end_episode(env.end_episode())
        reward[k] = total
        info = learner.info() if hasattr(learner, "info") else None
        if info:
            rows.append((k, info))
    return regret, reward, rows


def run_latent_seed(env, learner_factory, learner_params: dict, K: int, learner_rng):
    """Build the learner and run K episodes; returns ``(regret, reward, info_columns)``.

    Used by the experiment runner for ``kind == "latent-episodic"`` envs.
    """
    env_info = dict(env.env_info())
    env_info["n_steps"] = K
    learner = learner_factory(env_info, learner_rng, **learner_params)
    fast = getattr(learner, "fast_run", None)
    if getattr(learner, "fast", False) and callable(fast):
        cols = {k: np.asarray(v, dtype=np.float64) for k, v in fast(env, K, env.rng).items()}
        for key in ("regret", "reward"):
            if key not in cols or cols[key].shape != (K,):
                raise ValueError(
                    f"{type(learner).__name__}.fast_run must return {key!r} of shape ({K},)"
                )
        return cols.pop("regret"), cols.pop("reward"), cols
    regret, reward, rows = latent_loop(env, learner, K)
    cols: dict = {}
    for k, info in rows:
        for key, value in info.items():
            cols.setdefault(key, np.full(K, np.nan))[k] = float(value)
    return regret, reward, cols


# ----------------------------------------------------------------------------- factories
@register_env("latent-bandit-tree")
def make_latent_bandit_tree(
    rng,
    *,
    M: int = 2,
    Sb: int = 4,
    A: int = 2,
    H: int = 8,
    v: float = 0.2,
    eps: float = 0.1,
    instance_seed: int = 0,
    deterministic: bool = False,
    noise: bool = False,
    shared_arm: bool = False,
    pad_to: int | None = None,
    oracle: bool = False,
) -> LatentEpisodicEnv:
    """Bandit-tree LMDP (:func:`mdpkit.models.latent.bandit_tree`)."""
    lm = bandit_tree(
        M,
        Sb,
        A,
        H,
        v,
        eps,
        instance_seed,
        deterministic=deterministic,
        noise=noise,
        shared_arm=shared_arm,
        pad_to=pad_to,
    )
    return LatentEpisodicEnv(lm, rng, oracle=oracle)


@register_env("latent-tiger")
def make_latent_tiger(
    rng, *, accuracy: float = 0.7, H: int = 4, oracle: bool = False
) -> LatentEpisodicEnv:
    """The two-listen tiger LMDP (:func:`mdpkit.models.latent.tiger`)."""
    return LatentEpisodicEnv(tiger(accuracy, H), rng, oracle=oracle)


@register_env("latent-random")
def make_latent_random(
    rng,
    *,
    M: int = 2,
    S: int = 3,
    A: int = 2,
    H: int = 3,
    instance_seed: int = 0,
    deterministic: bool = False,
    oracle: bool = False,
) -> LatentEpisodicEnv:
    """A random LMDP (:func:`mdpkit.models.latent.random_lmdp`, drawn from ``instance_seed``)."""
    lm = random_lmdp(np.random.default_rng(instance_seed), M, S, A, H, deterministic=deterministic)
    return LatentEpisodicEnv(lm, rng, oracle=oracle)

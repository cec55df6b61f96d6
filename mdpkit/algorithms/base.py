r"""Learner protocols: :class:`EpisodicLearner` and :class:`BanditLearner`.

A learner is a small object driven by the runner (:func:`mdpkit.experiments.run`), which
owns the interaction loop and computes regret from the environment's oracle, so that regret
is computed the same exact way for every algorithm (``docs/ARCHITECTURE.md``, "Learners").

Construction
------------
Every learner is built by a factory registered with
:func:`mdpkit.experiments.registry.register_learner`::

    @register_learner("my-learner")
    def make(env_info: dict, rng: np.random.Generator, **params) -> MyLearner: ...

``env_info`` is what the learner may know about the environment, from ``env.env_info()``
plus ``"n_steps"`` (K episodes or T rounds of the run). Episodic envs give ``kind="episodic"``,
``S``, ``A``, ``H``, ``reward_dist``, ``step_dependent_P``, and ``R`` (the expected reward
table, (S, A) or (H, S, A)) when the rewards are known; bandit envs give ``kind="bandit"``, ``n_actions`` and, for linear bandits,
``features`` (n_actions, d) and ``noise_std``. ``rng`` is the learner's own random stream
(separate from the environment's): a learner never draws from any other source.

Call order, episodic (episode k = 1..K)::

    pi = learner.begin_episode()    # policy committed for this episode
    s = env.reset()
    for h in range(H):
        a = learner.act(h, s)       # must be an action the committed policy can take at (h, s)
        r, s2 = env.step(h, s, a)
        learner.update(h, s, a, r, s2)
        s = s2
    learner.end_episode()
    row = learner.info()            # optional extra columns for episode k

``pi`` is an int array (H, S) (deterministic) or a float array (H, S, A) (stochastic, rows
sum to 1); a stationary (S,) / (S, A) policy is broadcast over steps; or a
:class:`PolicyMixture` (an episode-level mixture of such policies, e.g. EpsMix's coin between
pi^k and the baseline), whose regret is ``optimal_value - sum_i w_i policy_value(pi_i)`` and
whose actions are checked against the policy drawn for the episode. The regret of episode
k is ``env.optimal_value - env.policy_value(pi)``: for a learner that randomises, ``pi`` is
the policy it actually committed to for that episode (e.g. PSRL's greedy policy for its
sampled model), so the regret is exact and not a Monte-Carlo estimate. The runner checks
that every action is allowed by ``pi`` (``pi[h, s] == a``, or ``pi[h, s, a] > 0``) and
raises ``RuntimeError`` otherwise: a learner whose actions disagree with its committed
policy would get the wrong regret.

Call order, bandit (round t = 1..T)::

    a = learner.act()
    regret_t = env.pseudo_regret(a)   # by the runner
    r = env.pull(a)
    learner.update(a, r)
    row = learner.info()            # optional extra columns for round t

Regret of round t is ``env.pseudo_regret(a)``, asked just before ``env.pull(a)`` (so a
non-stationary environment answers for the state in which the action was chosen).

Optional ``evaluation_columns(env, value) -> dict[str, float]``: oracle columns of the
episode (e.g. the exact value and whether a constraint held), called by the runner after
``info()`` with the exact value of the committed policy; the runner owns the oracle, the
learner only formats the record (its fast path returns the same columns).

Optional ``info() -> dict[str, float]``: extra per-episode / per-round columns of the
result (e.g. a mixture parameter, a certified lower bound). Keys must be the same every
call (a missing key becomes NaN) and must not clash with the runner's own columns
(``algorithm, seed, k, regret, cum_regret, reward``).

Fast path
---------
Every learner factory takes a keyword ``fast: bool = True`` and stores it as
``learner.fast`` (the switch). A learner may define ``fast_run(env, n_steps, rng) ->
dict[str, ndarray]``. When ``learner.fast`` is true and ``fast_run`` is callable
(:func:`mdpkit.experiments.runner.uses_fast_path`), the runner (:func:`mdpkit.interact`)
calls it *instead of* the generic Python loop, once per seed, right after constructing the
learner; with ``fast=False`` it runs the generic act/update loop. It must run the whole interaction (typically one
``numba`` kernel over all episodes/rounds) and return arrays of length ``n_steps``:

* ``"regret"`` (float): exact per-episode regret ``V*_0(mu) - V^{pi_k}_0(mu)`` (episodic) or
  per-round pseudo-regret (bandit), computed from the same oracle quantities the generic
  loop uses (``env.mdp``, ``env.optimal_value``; ``env.means`` / ``env.best_mean``);
* ``"reward"`` (float): realised reward of the episode (sum over its H steps) / round;
* any other key: an ``info()`` column.

``rng`` is the *environment's* random stream (the Generator the env was built with): the
kernel draws the environment's randomness (initial states, transitions, reward noise) from
it (or from seeds drawn from it); the learner's own randomness comes from the generator its
factory received. A fast path should consume the environment's stream exactly as the
env's documented sampling scheme does, so that it reproduces the generic loop.

One source of truth: the decision and update rules of a learner exist once, as compiled
functions that both ``act``/``update`` (or ``begin_episode``) and ``fast_run`` call; the
fast path only removes the Python call overhead. ``tests/test_fast_equals_generic.py`` runs
every registered learner (cases collected from ``tests/cases_*.py``) through the runner
with ``fast=True`` and ``fast=False`` and asserts the same columns and the same numbers
(bit for bit, or within 1e-12 where the summation order differs), and that every
registered learner has a case.

Provenance
----------
Every learner class sets ``provenance: str``: which parts were verified in the paper, which
come from the authors' code, which were reconstructed (see ``docs/CONTRIBUTING.md``).
"""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

__all__ = [
    "EpisodicLearner",
    "BanditLearner",
    "RESERVED_COLUMNS",
    "known_rewards",
    "check_fast",
    "with_fast_switch",
    "PolicyMixture",
]

#: Columns written by the runner; ``info()`` keys must avoid them.
RESERVED_COLUMNS = ("algorithm", "seed", "k", "regret", "cum_regret", "reward")


def known_rewards(R, S: int, A: int, H: int, *, unit_interval: bool = False) -> np.ndarray:
    """Reward table a learner is told, as a fresh C-contiguous float array of shape (H, S, A).

    ``R`` of shape (S, A) is repeated over the H steps. Raises ValueError naming ``R`` for a
    wrong shape, non-finite entries, or (``unit_interval=True``) entries outside [0, 1].
    """
    R = np.asarray(R, dtype=np.float64)
    if R.shape == (S, A):
        R = np.broadcast_to(R, (H, S, A))
    if R.shape != (H, S, A):
        raise ValueError(
            f"R must have shape (S, A) = {(S, A)} or (H, S, A) = {(H, S, A)}, got {R.shape}"
        )
    if not np.all(np.isfinite(R)):
        raise ValueError("R must be finite")
    if unit_interval and (R.min() < 0 or R.max() > 1):
        raise ValueError("R must have values in [0, 1] (the learner's setting)")
    return np.array(R, order="C")


@dataclass(frozen=True)
class PolicyMixture:
    """An episode-level mixture of Markov policies, committed by ``begin_episode``.

    With probability ``weights[i]`` the whole episode follows ``policies[i]``; ``played`` is
    the index the learner drew for this episode (its actions must follow that policy). Its
    exact value is ``sum_i weights[i] V^{policies[i]}`` (an episode-level mixture of Markov
    policies is in general not a Markov policy), which the runner uses for the regret.

    Attributes
    ----------
    weights : tuple of float, non-negative, summing to 1 (within 1e-12)
    policies : tuple of ndarray, each int (H, S) or float (H, S, A)
    played : int, index into ``policies``
    """

    weights: tuple
    policies: tuple
    played: int

    def __post_init__(self):
        w = np.asarray(self.weights, dtype=np.float64)
        if w.ndim != 1 or w.size != len(self.policies) or w.size < 1:
            raise ValueError("weights and policies must be sequences of the same length >= 1")
        if not np.all(np.isfinite(w)) or (w < 0).any() or abs(w.sum() - 1.0) > 1e-12:
            raise ValueError(f"weights must be non-negative and sum to 1, got {self.weights}")
        if not 0 <= self.played < w.size:
            raise ValueError(f"played must index policies, got {self.played}")


def check_fast(fast) -> bool:
    """The fast-path switch of a learner factory, as a bool (``TypeError`` if not a bool)."""
    if not isinstance(fast, (bool, np.bool_)):
        raise TypeError(f"fast must be a bool, got {type(fast).__name__}")
    return bool(fast)


def with_fast_switch(factory: Callable) -> Callable:
    """Give a learner factory the keyword ``fast: bool = True`` and store it on the learner.

    ``factory(env_info, rng, **params)`` becomes ``factory(env_info, rng, *, fast=True,
    **params)`` returning the same learner with ``learner.fast = fast``.
    """

    @functools.wraps(factory)
    def wrapped(env_info: dict, rng, *, fast: bool = True, **params):
        learner = factory(env_info, rng, **params)
        learner.fast = check_fast(fast)
        return learner

    sig = inspect.signature(factory)
    params = [p for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
    fast_param = inspect.Parameter(
        "fast", inspect.Parameter.KEYWORD_ONLY, default=True, annotation="bool"
    )
    tail = [p for p in sig.parameters.values() if p.kind is p.VAR_KEYWORD]
    wrapped.__signature__ = sig.replace(parameters=[*params, fast_param, *tail])
    return wrapped


class _Learner(ABC):  # noqa: B024 (abstract methods live in the two subclasses)
    #: Which parts are verified in the paper [V]/[A], from the authors' code [C], or
    #: reconstructed [R]/[D]. Subclasses must override it.
    provenance: ClassVar[str] = ""
    #: The fast-path switch (module docstring, "Fast path"); factories set it per learner.
    fast: bool = True

    def info(self) -> dict[str, float]:
        """Extra columns for the current episode / round (default: none)."""
        return {}

    # ``fast_run(env, n_steps, rng) -> dict[str, ndarray]`` is optional; it is deliberately
    # not defined here so that ``getattr(learner, "fast_run", None)`` tells the runner
    # whether a learner has one.


class EpisodicLearner(_Learner):
    """Base class of episodic tabular learners (call order in the module docstring).

    Subclasses implement :meth:`begin_episode`, :meth:`act` and :meth:`update`;
    :meth:`end_episode` and :meth:`info` are optional.
    """

    kind: ClassVar[str] = "episodic"

    @abstractmethod
    def begin_episode(self) -> np.ndarray:
        """Start an episode and return the policy committed for it.

        Returns
        -------
        pi : ndarray, int (H, S) or float (H, S, A)
            (a stationary (S,) int or (S, A) float policy is accepted and broadcast).
        """

    @abstractmethod
    def act(self, h: int, s: int) -> int:
        """Action at step ``h`` (0-based) in state ``s``; must be allowed by the committed policy."""

    @abstractmethod
    def update(self, h: int, s: int, a: int, r: float, s_next: int) -> None:
        """Observe the transition ``(s, a) -> s_next`` with reward ``r`` at step ``h``."""

    def end_episode(self) -> None:
        """Called after the H-th ``update`` of the episode (default: nothing)."""


class BanditLearner(_Learner):
    """Base class of bandit learners: ``a = act(); r = env.pull(a); update(a, r)``."""

    kind: ClassVar[str] = "bandit"

    @abstractmethod
    def act(self) -> int:
        """Arm (index in ``[0, n_actions)``) to pull this round."""

    @abstractmethod
    def update(self, a: int, r: float) -> None:
        """Observe reward ``r`` of arm ``a``."""

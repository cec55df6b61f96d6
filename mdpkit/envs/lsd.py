r"""Last-switch-dependent (LSD) bandit environment (Bernoulli payoffs, exact oracle).

Paper page: ``docs/papers/lsd-bandits.md`` (section "Environment"). Model and state codes:
:mod:`mdpkit.models.lsd`.

Interface: the runner's ``"bandit"`` kind. With ``exactly_one=False`` (default: at most one
pull per round) the actions are ``0..k-1`` (pull that arm) and ``k`` (**no pull**: every arm
idles, reward 0), so ``n_actions = k + 1``; with ``exactly_one=True`` there is no idle
action and ``n_actions = k``.

Randomness: every :meth:`LSDBandit.pull` (the idle action included) draws exactly one
uniform ``u`` from the environment's Generator; the reward is ``1.0`` if ``u < f_a(s_a)``
else ``0.0``. A run of T rounds therefore consumes ``rng.random(T)``, which the learners'
``fast_run`` kernels use to give the same trajectory as the generic loop.

Regret columns. ``pseudo_regret(a) = gain - f_a(s_a)`` (``0`` payoff for idling), so the
cumulative regret is ``T gain - sum_t f_{a_t}(s_t)``; ``gain`` is ``g*`` (the exact optimal
long-run gain, by the joint-state DP, default) or the LP value ``LP* >= g*`` (``benchmark=
"lp"``, for instances too large for the DP, such as Laforgue et al.'s). The regret against
the full-information counterpart is the difference of two runs' ``mean_reward`` columns
(same seeds), formed by the experiments, not by the env. Cumulative regret against g* can
be slightly negative early on: all arms start rested, ``OPT_T`` can exceed ``T g*``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..experiments.registry import register_env
from ..models.lsd import (
    LSDInstance,
    greedy_trap,
    laforgue_trick_csb_og,
    laforgue_trick_og,
    random_monotone,
    state_value,
)
from ..utils import as_generator

__all__ = ["LSDBandit", "lsd_advance", "lsd_mean", "lsd_pull", "mean_rewards_of"]


@njit(cache=True)
def lsd_advance(codes, a, M):
    """Advance every arm's state code in place after action ``a`` (``a >= k``: no pull)."""
    k = codes.shape[0]
    for i in range(k):
        c = codes[i]
        if i == a:
            codes[i] = (c + 1 if c + 1 < 2 * M else 2 * M - 1) if c >= M else M
        else:
            codes[i] = 0 if c >= M else (c + 1 if c + 1 < M else M - 1)


@njit(cache=True)
def lsd_mean(f, codes, a):
    """Mean payoff of action ``a`` in the joint state ``codes`` (0 for the idle action)."""
    if a >= f.shape[0]:
        return 0.0
    return f[a, codes[a]]


@njit(cache=True)
def lsd_pull(f, codes, a, u, M):
    """One round: returns ``(reward, mean)`` with ``reward = 1.0 if u < mean``, then advances
    the codes. The environment's sampling rule, shared by :class:`LSDBandit` and every
    ``fast_run`` kernel."""
    mu = lsd_mean(f, codes, a)
    r = 1.0 if u < mu else 0.0
    lsd_advance(codes, a, M)
    return r, mu


@njit(cache=True)
def mean_rewards_of(f, actions, M):
    """Mean payoff of every round along an action sequence from the initial state, (T,)."""
    k = f.shape[0]
    codes = np.full(k, M - 1, dtype=np.int64)
    out = np.empty(actions.shape[0])
    for t in range(actions.shape[0]):
        a = actions[t]
        out[t] = lsd_mean(f, codes, a)
        lsd_advance(codes, a, M)
    return out


class LSDBandit:
    """LSD bandit with Bernoulli payoffs and an exact oracle (module docstring).

    Parameters
    ----------
    instance : LSDInstance
    rng : Generator or int      the environment's stream (one uniform per round)
    exactly_one : bool          forbid idling (no "no pull" action)
    benchmark : {"g*", "lp"}    what ``gain`` (the regret reference) is

    Attributes
    ----------
    k, M, n_actions : int
    f : ndarray (k, 2M)         mean payoffs by state code
    codes : int64 (k,)          current state codes (initially all ``-M``)
    gain : float                g* or LP*
    lp_value : float            LP* (always computed)
    """

    kind = "bandit"

    def __init__(
        self, instance: LSDInstance, rng, *, exactly_one: bool = False, benchmark: str = "g*"
    ):
        if not isinstance(instance, LSDInstance):
            raise TypeError(f"instance must be an LSDInstance, got {type(instance).__name__}")
        if not isinstance(exactly_one, (bool, np.bool_)):
            raise TypeError(f"exactly_one must be a bool, got {type(exactly_one).__name__}")
        if benchmark not in ("g*", "lp"):
            raise ValueError(f"benchmark must be 'g*' or 'lp', got {benchmark!r}")
        from ..solvers.lsd_lp import solve_lsd_lp

        self.instance = instance
        self.name = instance.name
        self.k, self.M = instance.k, instance.M
        self.f = np.ascontiguousarray(instance.f)
        self.exactly_one = bool(exactly_one)
        self.n_actions = self.k if self.exactly_one else self.k + 1
        self.idle_action = None if self.exactly_one else self.k
        self.rng = as_generator(rng)
        self.lp_value = solve_lsd_lp(instance).value
        self.benchmark = benchmark
        if benchmark == "g*":
            from ..solvers.lsd_dp import optimal_gain

            try:
                self.gain = optimal_gain(instance, self.exactly_one)
            except ValueError as exc:
                raise ValueError(
                    f"benchmark='g*' needs the exact DP, which refuses this "
                    f"instance ({exc}); pass benchmark='lp'"
                ) from None
        else:
            self.gain = self.lp_value
        self.reset()

    def reset(self):
        """All arms back to ``-M``; returns None."""
        self.codes = np.full(self.k, self.M - 1, dtype=np.int64)
        self.t = 0
        self.last_mean = np.nan

    @property
    def states(self) -> np.ndarray:
        """Signed states of the arms, int (k,)."""
        return np.array([state_value(c, self.M) for c in self.codes], dtype=np.int64)

    def _check_action(self, a) -> int:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"a must be an integer action, got {type(a).__name__}")
        if not 0 <= a < self.n_actions:
            raise ValueError(f"a must be in [0, {self.n_actions}), got {a}")
        return int(a)

    def mean(self, a) -> float:
        """Mean payoff of action ``a`` in the current state."""
        return float(lsd_mean(self.f, self.codes, self._check_action(a)))

    def pull(self, a) -> float:
        """Play action ``a`` (arm index, or ``k`` = no pull); returns the Bernoulli reward."""
        a = self._check_action(a)
        u = self.rng.random()
        r, mu = lsd_pull(self.f, self.codes, a, u, self.M)
        self.last_mean = float(mu)
        self.t += 1
        return float(r)

    def pseudo_regret(self, a) -> float:
        """``gain - f_a(s_a)`` in the current state (idle: ``gain``)."""
        return self.gain - self.mean(a)

    def env_info(self) -> dict:
        """Arms, cap M, idle convention; ``oracle_f`` (true means) for the full-information
        planners and oracle baselines only."""
        return {
            "kind": "bandit",
            "n_actions": self.n_actions,
            "lsd": True,
            "n_arms": self.k,
            "M": self.M,
            "exactly_one": self.exactly_one,
            "oracle_f": self.f.copy(),
            "gain": self.gain,
        }

    def __repr__(self):
        return (
            f"LSDBandit(name={self.name!r}, k={self.k}, M={self.M}, exactly_one="
            f"{self.exactly_one}, {self.benchmark}={self.gain:.6g})"
        )


# --------------------------------------------------------------------------- registry
@register_env("lsd")
def make_lsd(rng, *, f, exactly_one=False, benchmark="g*") -> LSDBandit:
    """LSD bandit from an explicit payoff table ``f`` (k, 2M) (state codes of
    :mod:`mdpkit.models.lsd`)."""
    return LSDBandit(
        LSDInstance(np.asarray(f, dtype=np.float64)),
        as_generator(rng),
        exactly_one=exactly_one,
        benchmark=benchmark,
    )


@register_env("lsd-random-monotone")
def make_lsd_random_monotone(
    rng, *, k=3, M=3, instance_seed=0, scale=False, exactly_one=False
) -> LSDBandit:
    """Random monotone instance drawn from ``instance_seed`` (the env's own stream only
    drives the payoff noise)."""
    inst = random_monotone(k, M, instance_seed, scale=scale)
    return LSDBandit(inst, as_generator(rng), exactly_one=exactly_one)


@register_env("lsd-greedy-trap")
def make_lsd_greedy_trap(rng, *, M=3, exactly_one=False) -> LSDBandit:
    """The two-arm family where one-step greedy is strictly suboptimal."""
    return LSDBandit(greedy_trap(M), as_generator(rng), exactly_one=exactly_one)


@register_env("lsd-laforgue")
def make_lsd_laforgue(rng, *, which="trick-csb-og", exactly_one=False) -> LSDBandit:
    """Laforgue et al.'s spiky instances (``which`` = ``"trick-csb-og"``: k = 5, M = 8;
    ``"trick-og"``: k = 2, M = 9), regret against LP* (too large for the DP)."""
    if which == "trick-csb-og":
        inst = laforgue_trick_csb_og()
    elif which == "trick-og":
        inst = laforgue_trick_og()
    else:
        raise ValueError(f"which must be 'trick-csb-og' or 'trick-og', got {which!r}")
    return LSDBandit(inst, as_generator(rng), exactly_one=exactly_one, benchmark="lp")

r"""Shared machinery of the LSD learners: argument checks, the env check of ``fast_run``,
and :class:`PlanLearner`, the block loop "table -> LP -> drawn plans -> rounding" that
LP-UCB, its full-information counterpart and explore-then-commit share.

Paper page: ``docs/papers/lsd-bandits.md`` (section "Learning").

Random-number design (identical for every plan-based learner, so that a learner and its
full-information counterpart built from the same seed see the same draws): at the start of
every planning block the learner draws ``rng.random(2k + 1 + B)`` from its own Generator:
``k`` plan uniforms, ``k`` phase uniforms, one common uniform (correlated phases), then one
tie uniform per round of the block (``B`` of them even for a truncated last block). The
environment's stream gives one uniform per round (:mod:`mdpkit.envs.lsd`).
"""

from __future__ import annotations

import math

import numpy as np

from ...solvers.lsd_lp import LPSolution, solve_lsd_lp_table
from ...utils import as_generator, check_positive_int
from ..base import BanditLearner
from . import _kernels as K

__all__ = ["PlanLearner", "default_block", "lsd_info", "check_fast_env", "PHASE_MODES"]

PHASE_MODES = {"independent": K.PHASE_INDEPENDENT, "correlated": K.PHASE_CORRELATED}


def default_block(T: int) -> int:
    """``B = 4 ceil(T^(1/3))`` (re-planning period of the learning experiments), with an
    exact integer cube root (``T = 8000`` gives ``4 * 20``)."""
    T = check_positive_int(T, "T")
    c = max(1, int(round(T ** (1.0 / 3.0))))
    while c**3 < T:
        c += 1
    while c > 1 and (c - 1) ** 3 >= T:
        c -= 1
    return 4 * c


def lsd_info(env_info: dict, *, oracle: bool = False):
    """(k, M, T, exactly_one[, f]) from ``env_info`` of an LSD env; ValueError otherwise."""
    if not env_info.get("lsd", False):
        raise ValueError(
            "env_info must come from an LSD bandit env (mdpkit.envs.lsd): 'lsd' key missing"
        )
    k = check_positive_int(env_info["n_arms"], "env_info['n_arms']")
    M = check_positive_int(env_info["M"], "env_info['M']")
    T = check_positive_int(env_info["n_steps"], "env_info['n_steps']")
    eo = bool(env_info["exactly_one"])
    if not oracle:
        return k, M, T, eo
    f = np.asarray(env_info["oracle_f"], dtype=np.float64)
    if f.shape != (k, 2 * M):
        raise ValueError(f"env_info['oracle_f'] must have shape {(k, 2 * M)}, got {f.shape}")
    return k, M, T, eo, f


def check_fast_env(env, learner, n_steps: int) -> int:
    """Validate the env handed to ``fast_run``: an unplayed LSD env of the learner's shape."""
    for attr in ("f", "k", "M", "gain", "exactly_one"):
        if not hasattr(env, attr):
            raise TypeError(f"env must be an LSDBandit (missing {attr!r})")
    if getattr(env, "t", 0) != 0:
        raise ValueError("env must be fresh (no pull before fast_run)")
    if (env.k, env.M, bool(env.exactly_one)) != (learner.k, learner.M, learner.exactly_one):
        raise ValueError(
            f"env has (k, M, exactly_one) = {(env.k, env.M, env.exactly_one)}, the "
            f"learner {(learner.k, learner.M, learner.exactly_one)}"
        )
    T = check_positive_int(n_steps, "n_steps")
    if T > learner.T:
        raise ValueError(f"n_steps = {T} exceeds the learner's horizon {learner.T}")
    return T


def check_fast_flag(fast) -> bool:
    if not isinstance(fast, (bool, np.bool_)):
        raise TypeError(f"fast must be a bool, got {type(fast).__name__}")
    return bool(fast)


class PlanLearner(BanditLearner):
    """Block loop of the LP-based planners and learners (subclasses give the table).

    Parameters
    ----------
    k, M : int            arms and state cap
    horizon : int         T
    rng                   the learner's stream
    block : int, optional re-planning period B (default ``4 ceil(T^(1/3))``)
    exactly_one : bool    forbid idling (filler rule of the rounding)
    phase_mode : {"independent", "correlated"}
    fast : bool           use :meth:`fast_run` in the runner

    Subclasses implement ``_table()`` (payoff table of the next block, (k, 2M)) and may set
    ``self._constant_table = True`` (the LP is then solved once and reused) and
    ``self.schedule`` (forced exploration actions played before the first block).
    """

    def __init__(
        self,
        k,
        M,
        horizon,
        rng,
        *,
        block=None,
        exactly_one=False,
        phase_mode="independent",
        fast=True,
    ):
        self.k = check_positive_int(k, "k")
        self.M = check_positive_int(M, "M")
        self.T = check_positive_int(horizon, "horizon")
        self.B = default_block(self.T) if block is None else check_positive_int(block, "block")
        if not isinstance(exactly_one, (bool, np.bool_)):
            raise TypeError(f"exactly_one must be a bool, got {type(exactly_one).__name__}")
        self.exactly_one = bool(exactly_one)
        if phase_mode not in PHASE_MODES:
            raise ValueError(f"phase_mode must be one of {sorted(PHASE_MODES)}, got {phase_mode!r}")
        self.phase_mode = phase_mode
        self.fast = check_fast_flag(fast)
        self.rng = as_generator(rng)
        self.stats = K.new_stats(self.k, self.M)
        self.rs = K.new_round_state(self.k, self.M)
        self.plan = K.new_plan(self.k)
        self.schedule = np.zeros(0, dtype=np.int64)
        self._constant_table = False
        self._lp_cache: LPSolution | None = None
        self.t = 0
        self.block_start = 0
        self.block_end = 0
        self.pay = np.zeros((self.k, 2 * self.M))
        self.tie_u = np.zeros(self.B)
        self.n_lp = 0
        self.lp_values: list = []
        self._pending = None

    # ------------------------------------------------------------------ hooks
    def _table(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------------ blocks
    def _solve(self, pay) -> LPSolution:
        if self._constant_table and self._lp_cache is not None:
            return self._lp_cache
        sol = solve_lsd_lp_table(pay)
        self.n_lp += 1
        if self._constant_table:
            self._lp_cache = sol
        return sol

    def _start_block(self) -> None:
        k = self.k
        pay = np.ascontiguousarray(self._table(), dtype=np.float64)
        sol = self._solve(pay)
        d = self.rng.random(2 * k + 1 + self.B)
        K.draw_plan(
            sol,
            d[:k],
            d[k : 2 * k],
            d[2 * k],
            PHASE_MODES[self.phase_mode],
            self.t,
            self.plan,
            self.rs,
        )
        self.tie_u = d[2 * k + 1 :]
        self.pay = pay
        self.lp_values.append(sol.value)
        self.block_start = self.t
        self.block_end = min(self.t + self.B, self.T)

    # ------------------------------------------------------------------ protocol
    def act(self) -> int:
        if self.t >= self.T:
            raise RuntimeError(f"act() called after the horizon T = {self.T}")
        if self.t < self.schedule.shape[0]:
            a = int(self.schedule[self.t])
            self._pending = (a, K.ROUND_EXPLORE, float("nan"))
            return a
        if self.t >= self.block_end:
            self._start_block()
        a, kind, margin = K.rounding_choose(
            self.t,
            self.plan,
            self.rs,
            self.pay,
            self.tie_u[self.t - self.block_start],
            self.exactly_one,
        )
        self._pending = (int(a), int(kind), float(margin))
        return int(a)

    def update(self, a, r) -> None:
        if self._pending is None or a != self._pending[0]:
            raise ValueError(f"a = {a} is not the action returned by act()")
        r = float(r)
        if not math.isfinite(r):
            raise ValueError(f"r must be finite, got {r}")
        kind = self._pending[1]
        K.observe(self.stats, self.rs.codes, a, r)
        if kind == K.ROUND_EXPLORE:
            K.explore_commit(self.rs, a, self.M)
        else:
            K.rounding_commit(self.plan, self.rs, a, kind, self.M)
        self.t += 1
        self._last = self._pending
        self._pending = None

    def info(self) -> dict:
        _, kind, margin = self._last
        return {"round_kind": float(kind), "mirror_margin": margin}

    # ------------------------------------------------------------------ fast path
    def fast_run(self, env, n_steps, rng) -> dict:
        """The whole run: forced exploration (if any) then, per block, the table, the LP
        (HiGHS, in Python) and one compiled block kernel; same numbers as act/update.

        Returns
        -------
        dict of (n_steps,) arrays: ``regret`` (``gain - mean payoff``), ``reward``,
        ``round_kind``, ``mirror_margin``.
        """
        T = check_fast_env(env, self, n_steps)
        env_u = as_generator(rng).random(T)
        out = (np.zeros(T, np.int64), np.zeros(T), np.zeros(T), np.zeros(T, np.int64), np.zeros(T))
        E = min(self.schedule.shape[0], T)
        if E:
            K.run_schedule(0, self.schedule[:E], self.rs, self.stats, env.f, env_u, out)
            self.t = E
        while self.t < T:
            self._start_block()
            n = min(self.block_end, T) - self.t
            K.run_plan_block(
                self.t,
                n,
                self.plan,
                self.rs,
                self.stats,
                self.pay,
                env.f,
                env_u,
                self.tie_u,
                self.exactly_one,
                out,
            )
            self.t += n
        acts, rew, mean, kinds, margins = out
        self.actions = acts
        return {
            "regret": env.gain - mean,
            "reward": rew,
            "round_kind": kinds.astype(np.float64),
            "mirror_margin": margins,
        }

r"""Pure planning with the LP rounding: compiled simulation and its mirroring log.

Paper page: ``docs/papers/lsd-bandits.md`` (section "Rounding with virtual states").
:func:`simulate` solves the LP (or takes a solution), draws the random numbers with the
same design as the plan-based learners (``rng.random(2k + 1 + B)`` per planning block,
then the environment's ``T`` uniforms from ``env_rng``), and runs
:func:`mdpkit.algorithms.lsd._kernels.simulate_rounding`. With ``block=None`` there is
one planning block (``B = T``).

The mirroring invariant: every pull of a cyclic arm made by the rounding has
``f_w(real state) >= f_w(virtual state)`` on monotone payoffs (real idle time >= the
planned delta at a block start, real streak = virtual position inside a block). The
result reports the per-pull margins, the number of violations (``< -1e-12``) and the first
one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...models.lsd import LSDInstance, check_monotone
from ...solvers.lsd_lp import LPSolution, solve_lsd_lp
from ...utils import as_generator, check_positive_int
from . import _kernels as K
from ._base import PHASE_MODES

__all__ = ["RoundingRun", "simulate", "mirror_report", "virtual_activity"]


@dataclass
class RoundingRun:
    """Result of :func:`simulate` (arrays of shape (T,)).

    actions : int64 (k = idle); reward : realised Bernoulli rewards (all 0 when
    ``sample_rewards=False``); mean : mean payoff of each round's action; kind : ROUND_*
    codes; margin : mirroring margin of cyclic pulls (NaN otherwise); lp : LP solution.
    """

    actions: np.ndarray
    reward: np.ndarray
    mean: np.ndarray
    kind: np.ndarray
    margin: np.ndarray
    lp: LPSolution

    @property
    def total_mean(self) -> float:
        """``sum_t f_{a_t}(s_t)``: the run's expected payoff given its actions."""
        return float(self.mean.sum())

    def mirror(self, tol: float = K.MIRROR_TOL) -> dict:
        return mirror_report(self.margin, self.actions, tol)


def _lp_tuple(lp: LPSolution) -> LPSolution:
    """The solution with float64 C-contiguous arrays (one compiled signature)."""
    return LPSolution(
        float(lp.value),
        np.ascontiguousarray(lp.x, dtype=np.float64),
        np.ascontiguousarray(lp.y, dtype=np.float64),
        np.ascontiguousarray(lp.q, dtype=np.float64),
    )


def mirror_report(margin: np.ndarray, actions: np.ndarray, tol: float = K.MIRROR_TOL) -> dict:
    """Count of checked cyclic pulls, violations (``margin < -tol``), the minimum margin and
    the first violating round (``-1`` if none)."""
    checked = ~np.isnan(margin)
    bad = checked & (margin < -tol)
    first = int(np.argmax(bad)) if bad.any() else -1
    return {
        "checked": int(checked.sum()),
        "violations": int(bad.sum()),
        "min_margin": float(np.nanmin(margin)) if checked.any() else float("nan"),
        "first_violation_round": first,
        "first_violation_arm": int(actions[first]) if first >= 0 else -1,
    }


def simulate(
    inst: LSDInstance,
    T: int,
    rng,
    *,
    block: int | None = None,
    phase_mode: str = "independent",
    exactly_one: bool = False,
    lp: LPSolution | None = None,
    env_rng=None,
    sample_rewards: bool = True,
    require_monotone: bool = False,
) -> RoundingRun:
    """Run the rounding for ``T`` rounds from the initial state (module docstring).

    Parameters
    ----------
    inst : LSDInstance
    T : int
    rng : Generator or seed      the planner's stream (plans, phases, ties)
    block : int, optional        re-planning period B (default T: pure planning)
    phase_mode : {"independent", "correlated"}
    exactly_one : bool           forbid idling (filler rule)
    lp : LPSolution, optional    reuse a solution of :func:`solve_lsd_lp`
    env_rng : Generator or seed  reward noise (``T`` uniforms); default: drawn from ``rng``
                                 after the plan draws
    sample_rewards : bool        False skips the Bernoulli draws (rewards all 0)
    require_monotone : bool      raise ValueError (naming the first violating state) on a
                                 non-monotone instance
    """
    if not isinstance(inst, LSDInstance):
        raise TypeError(f"inst must be an LSDInstance, got {type(inst).__name__}")
    if require_monotone:
        check_monotone(inst, "inst")
    T = check_positive_int(T, "T")
    B = T if block is None else check_positive_int(block, "block")
    if phase_mode not in PHASE_MODES:
        raise ValueError(f"phase_mode must be one of {sorted(PHASE_MODES)}, got {phase_mode!r}")
    g = as_generator(rng)
    sol = solve_lsd_lp(inst) if lp is None else lp
    k = inst.k
    n_blocks = -(-T // B)
    draws = g.random((n_blocks, 2 * k + 1 + B))
    if sample_rewards:
        env_u = (as_generator(env_rng, "env_rng") if env_rng is not None else g).random(T)
    else:
        env_u = np.full(T, 2.0)
    f = np.ascontiguousarray(inst.f)
    acts, rew, mean, kinds, margins = K.simulate_rounding(
        _lp_tuple(sol), (f, f), T, B, PHASE_MODES[phase_mode], bool(exactly_one), draws, env_u
    )
    return RoundingRun(acts, rew, mean, kinds, margins, sol)


def virtual_activity(
    lp: LPSolution, T: int, block: int, rng, phase_mode: str = "independent"
) -> np.ndarray:
    """Per planning block, the fraction of rounds each arm is virtually active (plans drawn
    as in :func:`simulate` from ``rng``): float (n_blocks, k). Its expectation is the LP
    activity share ``q_i``."""
    T = check_positive_int(T, "T")
    B = check_positive_int(block, "block")
    k = lp.y.shape[0]
    n_blocks = -(-T // B)
    draws = as_generator(rng).random((n_blocks, 2 * k + 1 + B))
    return K.virtual_activity(_lp_tuple(lp), T, B, PHASE_MODES[phase_mode], draws)

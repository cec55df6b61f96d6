r"""Shared parts of the reward-free explorers for linear mixture MDPs (paper page
``docs/papers/linear-mixture.md``, sections "HF-UCRL-RFE++ as implemented", "c_beta" and
"Measuring sample complexity"): the base class :class:`RewardFreeExplorer` (exploration
in segments, planning phase, logs), input checks and the reward dictionary.
"""

from __future__ import annotations

import numbers

import numpy as np

from ...models.linear_mixture import LinearMixtureMDP, check_rewards
from ...utils import as_generator
from . import _kernels as kn

__all__ = ["RewardFreeExplorer", "check_unit_open", "reward_dictionary", "env_uniforms"]


def check_unit_open(value, name: str) -> float:
    """``value`` as a float in the open interval (0, 1), else ValueError naming ``name``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if not 0.0 < v < 1.0:
        raise ValueError(f"{name} must be in (0, 1), got {v}")
    return v


def check_positive(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {v}")
    return v


def check_int(value, name: str, low: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def reward_dictionary(
    model: LinearMixtureMDP,
    n: int,
    rng,
    *,
    state_indicators=True,
    terminal_indicators=True,
    action_sets=None,
) -> np.ndarray:
    """A finite reward dictionary ``R_dict`` (n, H, S, A), every member with trajectory
    totals <= 1: state indicators ``1{s = s_j}/H``, terminal indicators
    ``1{s = s_j}`` at the last step, action-set indicators ``1{a in A_j}/H`` (``action_sets``:
    list of boolean masks of length A), then random dense ``g(s, a)/H``, ``g ~ U[0,1]``,
    until ``n`` members (members beyond ``n`` are dropped, in this order)."""
    H, S, A = model.H, model.S, model.A
    n = check_int(n, "n", 1)
    g = as_generator(rng)
    out = []
    if state_indicators:
        for s in range(S):
            r = np.zeros((H, S, A))
            r[:, s, :] = 1.0 / H
            out.append(r)
    if terminal_indicators:
        for s in range(S):
            r = np.zeros((H, S, A))
            r[H - 1, s, :] = 1.0
            out.append(r)
    for mask in action_sets or ():
        r = np.zeros((H, S, A))
        r[:, :, np.asarray(mask, dtype=bool)] = 1.0 / H
        out.append(r)
    while len(out) < n:
        out.append(g.random((S, A))[None].repeat(H, 0) / H)
    R = np.array(out[:n])
    for i in range(n):
        check_rewards(R[i], H, S, A, P=model.P, s1=model.s1, name=f"R_dict[{i}]")
    return R


def env_uniforms(rng: np.random.Generator, n: int, H: int) -> np.ndarray:
    """The environment's uniforms for ``n`` episodes, shape (n, H+1): column 0 is the
    reset draw (the start state is fixed, so it is unused), column h+1 the draw of step h
    (the order of :class:`mdpkit.envs.EpisodicTabularEnv`)."""
    return rng.random((n, H + 1))


class RewardFreeExplorer:
    """Base class: exploration for ``K`` episodes in segments, then planning for any reward.

    Subclasses implement ``_run(n, u_env, u_learner, logs, fast)`` (``n`` episodes with the
    env uniforms (n, H+1) and learner uniforms (n, L)), ``planning_kernel()`` (the signed
    kernel (S, A, S) of the planning parameter), and set ``LOG_COLUMNS``.

    Parameters
    ----------
    model : LinearMixtureMDP
        The instance; the explorer reads only ``phi``, ``s1``, ``H``, ``B`` (known), and the
        true kernel only to sample transitions (``cdf``).
    K : int
        Exploration budget (radii that need the budget use it).
    rng : Generator or int
        The explorer's own random stream (ties, random actions).
    c_beta : float > 0
        Multiplier of every confidence radius (1 = theory).
    delta : float in (0, 1)
    fast : bool, default True
        Run each segment as one compiled loop; False: per-step Python loop over the same
        compiled kernels (identical results).
    """

    LOG_COLUMNS: tuple = ()
    N_LEARNER_UNIFORMS = 1
    name = "explorer"
    provenance = ""

    def __init__(self, model, K, rng, *, c_beta=1.0, delta=0.05, fast=True):
        if not isinstance(model, LinearMixtureMDP):
            raise TypeError(f"model must be a LinearMixtureMDP, got {type(model).__name__}")
        self.model = model
        self.K = check_int(K, "K", 1)
        self.rng = as_generator(rng)
        self.c_beta = check_positive(c_beta, "c_beta")
        self.delta = check_unit_open(delta, "delta")
        if not isinstance(fast, (bool, np.bool_)):
            raise TypeError(f"fast must be a bool, got {type(fast).__name__}")
        self.fast = bool(fast)
        self.k = 0
        self.phi = np.ascontiguousarray(model.phi)
        self.cdf = np.cumsum(model.P, axis=-1)
        self.logs = {c: [] for c in self.LOG_COLUMNS}

    def explore(self, n: int, env_rng) -> None:
        """Run ``n`` more exploration episodes (``k + n <= K``) with environment stream
        ``env_rng``."""
        n = check_int(n, "n", 0)
        if self.k + n > self.K:
            raise ValueError(
                f"n = {n} episodes would exceed the budget K = {self.K} (done {self.k})"
            )
        if n == 0:
            return
        u_env = env_uniforms(as_generator(env_rng, "env_rng"), n, self.model.H)
        u_l = self.rng.random((n, self.N_LEARNER_UNIFORMS))
        logs = np.full((n, len(self.LOG_COLUMNS)), np.nan)
        self._run(n, u_env, u_l, logs, self.fast)
        self.k += n
        for i, c in enumerate(self.LOG_COLUMNS):
            self.logs[c].append(logs[:, i])

    def log_frame(self) -> dict:
        """Per-episode logs, each an array of length ``k``."""
        return {c: (np.concatenate(v) if v else np.empty(0)) for c, v in self.logs.items()}

    def planning_kernel(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def plan(self, R) -> np.ndarray:
        """Planning phase: greedy policy (H, S) of the clipped DP under the planning
        parameter for reward ``R`` ((S, A) or (H, S, A), trajectory totals <= 1)."""
        m = self.model
        R = check_rewards(R, m.H, m.S, m.A, P=m.P, s1=m.s1)
        V = np.empty((m.H + 1, m.S))
        pi = np.empty((m.H, m.S), dtype=np.int64)
        kn.greedy_plan(self.planning_kernel(), R, V, pi)
        return pi

    def gaps(self, R_eval: np.ndarray) -> np.ndarray:
        """Exact planning gaps ``V*_1(s1; r) - V^{pi_r}_1(s1; r)`` for every reward of
        ``R_eval`` (n, H, S, A) (rewards are checked once by the caller)."""
        out = np.empty(R_eval.shape[0])
        kn.planning_gaps(
            self.model.P, self.planning_kernel(), np.ascontiguousarray(R_eval), self.model.s1, out
        )
        return out

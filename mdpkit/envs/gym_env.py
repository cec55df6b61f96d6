r"""A ``gymnasium.Env`` simulating a :class:`~mdpkit.models.tabular.TabularMDP`.

The env keeps the exact model in ``env.mdp``, so exact oracle quantities (optimal values,
policy values, occupancy measures) are computed on the very model being sampled.

Decisions
---------
* Observations are state indices in ``Discrete(S)``, actions in ``Discrete(A)``.
* The reward of a step is the model's expected reward ``R_h(s, a)`` (deterministic): a
  TabularMDP stores only expectations.
* ``terminated`` is always False: a TabularMDP has no terminal states (absorbing states are
  ordinary states). A finite-horizon model is *truncated* after H steps (``truncated=True``
  on step H); step h = 0..H-1 uses ``P_h`` and ``R_h`` for step-dependent models. A
  discounted model is never truncated unless ``max_episode_steps`` is given. Stepping after
  truncation, or before ``reset``, raises ``RuntimeError``.
* Randomness: ``reset(seed=...)`` seeds ``self.np_random`` (gymnasium rules); the initial
  state is drawn from ``mdp.mu`` and successors from ``P(. | s, a)`` with that generator,
  by inverse-CDF sampling over the row (its stored entries for a sparse model).
  ``reset(options={"state": s})`` starts in a given state instead.
* Step ``info`` holds ``{"step": t}``, the number of steps taken in the episode so far.
"""

from __future__ import annotations

import numbers

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from ..models.tabular import TabularMDP

__all__ = ["TabularMDPEnv"]


class TabularMDPEnv(gym.Env):
    """Gymnasium env sampling a :class:`TabularMDP`; passes ``gymnasium.utils.env_checker.check_env``.

    Parameters
    ----------
    mdp : TabularMDP
        Dense or sparse, discounted or finite-horizon (step-dependent allowed).
    render_mode : {None, "ansi"}
        "ansi": :meth:`render` returns a one-line text description of the current state.
    max_episode_steps : int >= 1, optional
        Discounted models only: truncate after this many steps (default: never).

    Attributes
    ----------
    mdp : TabularMDP
        The exact model (oracle).
    observation_space : Discrete(S)
    action_space : Discrete(A)
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, mdp, *, render_mode=None, max_episode_steps=None):
        if not isinstance(mdp, TabularMDP):
            raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        if max_episode_steps is not None:
            if mdp.is_finite_horizon:
                raise ValueError(
                    "max_episode_steps is for discounted models; a finite-horizon model is "
                    f"truncated after its horizon H={mdp.H}"
                )
            if isinstance(max_episode_steps, (bool, np.bool_)) or not isinstance(
                max_episode_steps, numbers.Integral
            ):
                raise TypeError(
                    f"max_episode_steps must be an integer, got {type(max_episode_steps).__name__}"
                )
            if max_episode_steps < 1:
                raise ValueError(f"max_episode_steps must be >= 1, got {max_episode_steps}")
            max_episode_steps = int(max_episode_steps)
        self.mdp = mdp
        self.render_mode = render_mode
        self.max_episode_steps = mdp.H if mdp.is_finite_horizon else max_episode_steps
        self.observation_space = spaces.Discrete(mdp.S)
        self.action_space = spaces.Discrete(mdp.A)
        self._mu_cdf = np.cumsum(mdp.mu)
        self._state = None
        self._t = 0
        self._done = True

    # ----------------------------------------------------------------- sampling
    def _sample(self, cdf_source: np.ndarray, support: np.ndarray | None) -> int:
        cdf = np.cumsum(cdf_source)
        u = self.np_random.random() * cdf[-1]
        k = int(np.searchsorted(cdf, u, side="right"))  # u < cdf[-1], so k <= len - 1
        return int(support[k]) if support is not None else k

    def _next_state(self, h: int, s: int, a: int) -> int:
        P = self.mdp.P_at(h) if self.mdp.step_dependent_P else self.mdp.P
        if self.mdp.is_sparse:
            row = s * self.mdp.A + a
            lo, hi = P.indptr[row], P.indptr[row + 1]
            return self._sample(P.data[lo:hi], P.indices[lo:hi])
        return self._sample(P[s, a], None)

    # ---------------------------------------------------------------- gym API
    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        start = None if options is None else options.get("state")
        if start is not None:
            if (
                isinstance(start, (bool, np.bool_))
                or not isinstance(start, numbers.Integral)
                or not 0 <= start < self.mdp.S
            ):
                raise ValueError(
                    f"options['state'] must be a state index in [0, {self.mdp.S}), got {start!r}"
                )
            self._state = int(start)
        else:
            u = self.np_random.random() * self._mu_cdf[-1]
            self._state = int(np.searchsorted(self._mu_cdf, u, side="right"))
        self._t = 0
        self._done = False
        return self._state, self._info(self._state)

    def _mask_at(self, h: int):
        """(S, A) available actions at step h (a step-dependent mask is read at step h;
        past the horizon, the last step's), or None."""
        m = self.mdp.action_mask
        if m is None or m.ndim == 2:
            return m
        return m[min(h, m.shape[0] - 1)]

    def _info(self, s: int) -> dict:
        """``{"step": t}``, plus ``"action_mask"`` (int8 (A,), gymnasium's convention) when the
        model has unavailable actions."""
        info = {"step": self._t}
        mask = self._mask_at(self._t)
        if mask is not None:
            info["action_mask"] = mask[s].astype(np.int8)
        return info

    def step(self, action):
        if self._state is None:
            raise RuntimeError("call reset() before step()")
        if self._done:
            raise RuntimeError(
                "the episode ended (truncated or terminated): call reset() before stepping again"
            )
        if not self.action_space.contains(action):
            raise ValueError(f"action must be an int in [0, {self.mdp.A}), got {action!r}")
        a = int(action)
        h = self._t
        s = self._state
        mask = self._mask_at(h)
        if mask is not None and not mask[s, a]:
            at = f"{h}, " if self.mdp.action_mask.ndim == 3 else ""
            raise ValueError(
                f"action {a} is unavailable in state {s} (action_mask[{at}{s}, {a}] is False)"
            )
        reward = (
            float(self.mdp.R_at(h)[s, a]) if self.mdp.step_dependent_R else float(self.mdp.R[s, a])
        )
        s_next = self._next_state(h, s, a)
        self._state = s_next
        self._t += 1
        truncated = self.max_episode_steps is not None and self._t >= self.max_episode_steps
        # total-reward models: reaching a terminal state ends the episode
        terminated = bool(self.mdp.is_total and s_next in self.mdp.terminal)
        self._done = truncated or terminated
        return s_next, reward, terminated, truncated and not terminated, self._info(s_next)

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='ansi'")
            return None
        if self._state is None:
            return "TabularMDPEnv: not reset\n"
        horizon = f"/{self.max_episode_steps}" if self.max_episode_steps is not None else ""
        return f"step {self._t}{horizon}, state {self._state} of {self.mdp.S}\n"

    @property
    def state(self) -> int | None:
        """Current state index (None before the first reset)."""
        return self._state

    @property
    def t(self) -> int:
        """Steps taken in the current episode."""
        return self._t

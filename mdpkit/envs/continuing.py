r"""Continuing (non-episodic) interaction with a stationary :class:`~mdpkit.TabularMDP`,
with its oracle (``docs/papers/ucrl2.md``, "Setting").

``ContinuingTabularEnv(mdp, rng)``: ``reset()`` draws :math:`s_0 \sim \mu` once, then
``step(s, a)`` returns ``(r, s_next)`` forever (no episodes, no resets). ``kind =
"continuing"``; the runner (:func:`mdpkit.interact`) plays T steps and asks the env for its
oracle columns (:meth:`ContinuingTabularEnv.oracle_columns`).

Oracle and columns (decisions)
------------------------------
* The reference is the optimal long-run average reward g* of the model's (P, R) (the
  average-reward criterion, whatever the model's own criterion), computed by mdpkit's
  relative value iteration to a certified gain interval of width <= 1e-11 (``gain_star`` is
  its midpoint). A model whose optimal gain is not constant (RVI does not certify) is
  refused. Columns of step t (1-based):

  - ``regret`` = ``g* - r_t`` with ``r_t`` the realised reward, so that ``cum_regret`` at T is
    the regret ``T g* - sum_{t <= T} r_t`` of Jaksch et al. (2010);
  - ``pseudo_regret`` = ``g* - R(s_t, a_t)`` (expected reward of the pair played);
  - for a discounted model (``gamma`` given) also ``discounted_reward`` = ``gamma^(t-1) r_t``
    (its sum over the run is the realised discounted return from s_0, truncated at T) and
    ``v_star_s0`` = ``V*(s_0)`` from :func:`mdpkit.solve` (the same value on every row), the
    discounted reference.

* Models: criterion "average" or "discounted", stationary P and R, dense or CSR (the
  sampling tables are dense, S*A*S floats). Finite-horizon and total-reward models are
  refused (use the episodic env).
* Sampling (a stable contract, :mod:`mdpkit.envs.sampling`): ``reset()`` draws one uniform
  for s_0 by inversion of ``cumsum(mu)``; ``step`` draws, for Bernoulli rewards, one
  uniform ``v`` (reward ``1.0 if v < R(s, a) else 0.0``), then one uniform for the next
  state by inversion of the row's cumulative sums (:func:`~mdpkit.envs.sampling.continuing_step`).
"""

from __future__ import annotations

import numpy as np

from ..models.tabular import TabularMDP
from ..utils import as_generator
from .episodic import check_reward_options
from .sampling import ContinuingTables, dense_row_cdf, draw_index

__all__ = ["ContinuingTabularEnv", "optimal_gain"]

#: certified width of the gain interval used as the reference g*
GAIN_TOL = 1e-11


def optimal_gain(mdp: TabularMDP) -> float:
    """Optimal average reward g* of the (P, R) of a stationary model (any criterion but
    finite horizon), by relative value iteration to a certified interval of width
    :data:`GAIN_TOL`; ``ValueError`` when RVI cannot certify a constant optimal gain."""
    import warnings

    from ..solvers import solve
    from ..utils import ConvergenceWarning

    avg = (
        mdp
        if mdp.is_average
        else TabularMDP(mdp.P, mdp.R, criterion="average", mu=mdp.mu, action_mask=mdp.action_mask)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = solve(avg, method="rvi", tol=GAIN_TOL)
    if not res.converged:
        raise ValueError(
            "mdp: relative value iteration could not certify a constant optimal gain "
            f"(span {res.bound:.3e} after {res.n_iter} sweeps); a continuing env needs a model "
            "whose optimal gain is the same from every state (e.g. communicating)"
        )
    return float(res.gain)


class ContinuingTabularEnv:
    """Continuing environment of a stationary :class:`~mdpkit.TabularMDP`, with oracle.

    Parameters
    ----------
    mdp : TabularMDP
        criterion "average" or "discounted"; stationary P and R.
    rng : Generator or int
        The environment's random stream (initial state, transitions, reward draws).
    reward_dist : {"deterministic", "bernoulli"}, default "deterministic"
    rewards_known : bool, default False
        Whether ``env_info()`` gives the learner the expected rewards ``R`` (UCRL2 learns
        them, as in its paper).

    Attributes
    ----------
    kind : str
        ``"continuing"``.
    S, A : int
    gain_star : float
        Optimal average reward g* (module docstring).
    gamma : float or None
        The discount of a discounted model (reference columns), else None.
    V_star : ndarray (S,) or None
        Optimal discounted values of a discounted model.
    s0 : int or None
        The initial state drawn by the last ``reset()``.
    """

    kind = "continuing"

    def __init__(
        self,
        mdp: TabularMDP,
        rng,
        *,
        reward_dist: str = "deterministic",
        rewards_known: bool = False,
    ):
        if not isinstance(mdp, TabularMDP):
            raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
        if mdp.criterion not in ("average", "discounted"):
            raise ValueError(
                "mdp must be an average-reward or a discounted model for a continuing env, got "
                f"criterion={mdp.criterion!r} (a finite-horizon model needs the episodic env)"
            )
        if mdp.step_dependent_P or mdp.R.ndim != 2:
            raise ValueError("mdp must have a stationary P and R for a continuing env")
        check_reward_options(mdp.R, reward_dist, rewards_known)
        self.mdp = mdp
        self.rng = as_generator(rng)
        self.reward_dist = reward_dist
        self.rewards_known = bool(rewards_known)
        self.S, self.A = mdp.S, mdp.A
        self.tables = ContinuingTables(
            np.ascontiguousarray(mdp.R, dtype=np.float64),
            dense_row_cdf(mdp),
            reward_dist == "bernoulli",
        )
        self._mu_cdf = np.cumsum(mdp.mu)
        self.gain_star = optimal_gain(mdp)
        self.gamma = mdp.gamma if mdp.is_discounted else None
        if self.gamma is not None:
            from ..solvers import solve

            self.V_star = np.asarray(solve(mdp, tol=1e-10).V, dtype=np.float64)
            self.V_star.setflags(write=False)
        else:
            self.V_star = None
        self.s0 = None

    # ----------------------------------------------------------------- interaction
    def env_info(self) -> dict:
        """What a learner may know: kind, S, A, reward_dist, the action mask (None if all
        actions are available), and R when ``rewards_known``."""
        info = {
            "kind": "continuing",
            "S": self.S,
            "A": self.A,
            "reward_dist": self.reward_dist,
            "action_mask": self.mdp.action_mask,
        }
        if self.rewards_known:
            info["R"] = self.mdp.R
        return info

    def reset(self) -> int:
        """Draw the initial state ``s_0 ~ mu`` (once per run)."""
        self.s0 = int(draw_index(self._mu_cdf, self.rng.random()))
        return self.s0

    def step(self, s: int, a: int) -> tuple[float, int]:
        """Take action ``a`` in state ``s``; returns ``(reward, next_state)``."""
        if not 0 <= s < self.S:
            raise ValueError(f"s must be in [0, S={self.S}), got {s}")
        if not 0 <= a < self.A:
            raise ValueError(f"a must be in [0, A={self.A}), got {a}")
        r_mean = self.tables.R[s, a]
        if self.tables.bernoulli:
            r = 1.0 if self.rng.random() < r_mean else 0.0
        else:
            r = float(r_mean)
        return r, int(draw_index(self.tables.cdf_P[s, a], self.rng.random()))

    def mean_reward(self, s: int, a: int) -> float:
        """Expected reward ``R(s, a)``."""
        return float(self.tables.R[s, a])

    # ----------------------------------------------------------------------- oracle
    def oracle_columns(self, reward: np.ndarray, mean_reward: np.ndarray) -> dict:
        """The runner's columns of a run (module docstring), from the realised rewards and
        the expected rewards of the pairs played, both (T,): ``regret``, ``pseudo_regret``
        and, for a discounted model, ``discounted_reward`` and ``v_star_s0``."""
        reward = np.asarray(reward, dtype=np.float64)
        mean_reward = np.asarray(mean_reward, dtype=np.float64)
        out = {"regret": self.gain_star - reward, "pseudo_regret": self.gain_star - mean_reward}
        if self.gamma is not None:
            if self.s0 is None:
                raise RuntimeError("oracle_columns needs the initial state: call reset() first")
            out["discounted_reward"] = (
                self.gamma ** np.arange(reward.size, dtype=np.float64) * reward
            )
            out["v_star_s0"] = np.full(reward.size, self.V_star[self.s0])
        return out

    def __repr__(self):
        return f"ContinuingTabularEnv({self.mdp!r}, reward_dist={self.reward_dist!r})"


# ---------------------------------------------------------------------- registered factories
from ..experiments.registry import register_env  # noqa: E402


@register_env("riverswim-average")
def make_riverswim_average(
    rng, *, S: int = 6, reward_dist: str = "deterministic", **model_params
) -> ContinuingTabularEnv:
    """RiverSwim (:func:`mdpkit.models.generators.riverswim`) as an average-reward model,
    played as a continuing env from the left bank."""
    from ..models.generators import riverswim

    clash = sorted({"gamma", "horizon"} & set(model_params))
    if clash:
        raise ValueError(
            f"riverswim-average takes no {clash[0]} (an average-reward model); use "
            "env 'riverswim' with gamma= for the discounted one"
        )
    m = riverswim(S, gamma=0.5, **model_params)  # gamma only to build; replaced below
    avg = TabularMDP(m.P, m.R, criterion="average", mu=m.mu)
    return ContinuingTabularEnv(avg, rng, reward_dist=reward_dist)


def continuing_riverswim(
    rng, *, S: int, gamma: float, reward_dist: str = "deterministic", **model_params
) -> ContinuingTabularEnv:
    """Discounted RiverSwim played as a continuing env (the env ``riverswim`` with
    ``gamma`` and no ``horizon``)."""
    from ..models.generators import riverswim

    return ContinuingTabularEnv(
        riverswim(S, gamma=gamma, **model_params), rng, reward_dist=reward_dist
    )

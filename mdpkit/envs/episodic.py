r"""Episodic interaction with a finite-horizon :class:`~mdpkit.TabularMDP`, with its oracle.

``EpisodicTabularEnv(mdp, rng)`` (``docs/ARCHITECTURE.md``, "Environments"): ``reset()``
draws :math:`s_0 \sim \mu`, ``step(h, s, a)`` returns ``(r, s_next)`` with
:math:`s_{next} \sim P_h(\cdot \mid s, a)`. The oracle gives exact values under :math:`\mu`:
``optimal_value`` :math:`= \sum_s \mu(s) V^*_0(s)` and ``policy_value(pi)``
:math:`= \sum_s \mu(s) V^\pi_0(s)`, so the runner's per-episode regret
``optimal_value - policy_value(pi_k)`` is exact (no Monte-Carlo).

Decisions
---------
* Steps are 0-based (``h = 0, ..., H-1``) as in the models; the paper's step 1 is ``h = 0``.
* Rewards: ``reward_dist="deterministic"`` (default) returns ``R_h(s, a)``;
  ``"bernoulli"`` returns a draw of Bernoulli(``R_h(s, a)``) (needs R in [0, 1]); the
  regret uses the expected rewards in both cases.
* Oracle: ``mdpkit.solve(mdp, method="backward")`` gives the optimal policy and
  ``mdpkit.evaluate`` every value; ``optimal_value`` is the value of that optimal policy
  computed by the same evaluator as ``policy_value``, so a learner playing it has regret
  exactly 0.0 (not a rounding residue).
* Sampling (a stable contract: compiled fast paths replay it with the same kernels, see
  :mod:`mdpkit.envs.sampling`). All draws come from ``rng`` in this order:
  ``reset()`` draws one uniform ``u`` and returns ``searchsorted(cumsum(mu), u * total,
  side="right")``; ``step(h, s, a)`` draws, when ``reward_dist="bernoulli"``, one uniform
  ``v`` (reward ``1.0 if v < R_h(s, a) else 0.0``), then one uniform ``u`` for the next
  state, inverted in the same way through the row's cumulative sums (``u * total`` can only
  land on a successor of positive probability). Dense rows use ``cumsum(P, axis=-1)``;
  CSR rows the cumulative sums of their non-zeros (global ``cumsum`` of ``P.data`` minus
  the total before the row; memory O(nnz), never densified).
* ``policy_value`` keeps the last evaluated policy and its value: a learner that commits to
  the same policy in consecutive episodes costs one array comparison per episode.
"""

from __future__ import annotations

import numpy as np

from ..models.tabular import TabularMDP
from ..utils import as_generator
from .sampling import csr_row_cumsums, draw_index


def check_reward_options(R: np.ndarray, reward_dist, rewards_known) -> None:
    """Shared checks of the tabular envs' reward options: ``reward_dist`` is
    "deterministic" or "bernoulli" (the latter needs every ``R`` in [0, 1]) and
    ``rewards_known`` is a bool."""
    if reward_dist not in ("deterministic", "bernoulli"):
        raise ValueError(f"reward_dist must be 'deterministic' or 'bernoulli', got {reward_dist!r}")
    if reward_dist == "bernoulli" and ((R < 0).any() or (R > 1).any()):
        raise ValueError("reward_dist='bernoulli' needs every R in [0, 1]")
    if not isinstance(rewards_known, (bool, np.bool_)):
        raise TypeError(f"rewards_known must be a bool, got {type(rewards_known).__name__}")


__all__ = ["EpisodicTabularEnv", "backward_induction", "evaluate_finite_horizon"]


def backward_induction(mdp: TabularMDP) -> tuple[np.ndarray, np.ndarray]:
    """Optimal values and policy of a finite-horizon model (``mdpkit.solve``, "backward").

    Returns
    -------
    V : ndarray, shape (H, S)
        ``V[h, s] = V*_h(s)``.
    policy : ndarray, int64, shape (H, S)
    """
    from ..solvers import solve

    res = solve(mdp, method="backward")
    return np.asarray(res.V), np.asarray(res.policy, dtype=np.int64)


def evaluate_finite_horizon(mdp: TabularMDP, kind: str | None, pi: np.ndarray) -> np.ndarray:
    """Exact values ``V^pi_h(s)``, shape (H, S) (``mdpkit.evaluate``; ``kind`` is unused,
    the policy's dtype decides: int (H, S) deterministic, float (H, S, A) stochastic)."""
    from ..solvers import evaluate

    return np.asarray(evaluate(mdp, pi))


class EpisodicTabularEnv:
    """Episodic environment of a finite-horizon :class:`~mdpkit.TabularMDP`, with oracle.

    Parameters
    ----------
    mdp : TabularMDP
        Finite-horizon model (``mdp.H`` steps per episode), dense or sparse, stationary or
        step-dependent.
    rng : Generator or int
        The environment's random stream (initial states, transitions, reward draws).
    reward_dist : {"deterministic", "bernoulli"}, default "deterministic"
        Realised reward of step h: ``R_h(s, a)``, or a Bernoulli(``R_h(s, a)``) draw.
    rewards_known : bool, default True
        Whether ``env_info()`` gives the learner the expected reward table ``R``.

    Attributes
    ----------
    kind : str
        ``"episodic"``.
    S, A, H : int
    mdp : TabularMDP
    rng : Generator
    optimal_value : float
        ``mu @ V*_0``.
    V_star : ndarray, shape (H, S)
    optimal_policy : ndarray, int64, shape (H, S)
    """

    kind = "episodic"

    def __init__(
        self,
        mdp: TabularMDP,
        rng,
        *,
        reward_dist: str = "deterministic",
        rewards_known: bool = True,
    ):
        if not isinstance(mdp, TabularMDP):
            raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
        if not mdp.is_finite_horizon:
            raise ValueError(
                "mdp must be a finite-horizon model (horizon=H) for an episodic env; "
                f"got a discounted model (gamma={mdp.gamma})"
            )
        check_reward_options(mdp.R, reward_dist, rewards_known)
        self.mdp = mdp
        self.rng = as_generator(rng)
        self.reward_dist = reward_dist
        self.rewards_known = bool(rewards_known)
        self.S, self.A, self.H = mdp.S, mdp.A, mdp.H
        self._mu_cdf = np.cumsum(mdp.mu)
        if mdp.is_sparse:
            P = mdp.P
            self._row_cum = csr_row_cumsums(P.indptr, P.data)
            self._indptr = P.indptr
            self._indices = P.indices
            self._cdf = None
        else:
            self._cdf = np.cumsum(mdp.P, axis=-1)
        self._R = mdp.R
        _, pi = backward_induction(mdp)
        self.optimal_policy = pi
        self.optimal_policy.setflags(write=False)
        self.V_star = evaluate_finite_horizon(mdp, None, pi)
        self.V_star.setflags(write=False)
        self.optimal_value = float(mdp.mu @ self.V_star[0])
        self._last_key = None
        self._last_value = None

    # ----------------------------------------------------------------- interaction
    def env_info(self) -> dict:
        """What a learner may know: kind, S, A, H, reward_dist, step_dependent_P, and R (the
        expected rewards, (S, A) or (H, S, A)) when ``rewards_known``."""
        info = {
            "kind": "episodic",
            "S": self.S,
            "A": self.A,
            "H": self.H,
            "reward_dist": self.reward_dist,
            "step_dependent_P": self.mdp.step_dependent_P,
        }
        if self.rewards_known:
            info["R"] = self.mdp.R
        return info

    def reset(self) -> int:
        """Draw the initial state ``s_0 ~ mu``."""
        return int(draw_index(self._mu_cdf, self.rng.random()))

    def step(self, h: int, s: int, a: int) -> tuple[float, int]:
        """Take action ``a`` in state ``s`` at step ``h``; returns ``(reward, next_state)``."""
        if not 0 <= h < self.H:
            raise ValueError(f"h must be in [0, H={self.H}), got {h}")
        if not 0 <= s < self.S:
            raise ValueError(f"s must be in [0, S={self.S}), got {s}")
        if not 0 <= a < self.A:
            raise ValueError(f"a must be in [0, A={self.A}), got {a}")
        r_mean = self._R[h, s, a] if self._R.ndim == 3 else self._R[s, a]
        if self.reward_dist == "bernoulli":
            r = 1.0 if self.rng.random() < r_mean else 0.0
        else:
            r = float(r_mean)
        if self._cdf is not None:
            row = self._cdf[h, s, a] if self._cdf.ndim == 4 else self._cdf[s, a]
            s2 = int(draw_index(row, self.rng.random()))
        else:
            i = s * self.A + a
            lo, hi = self._indptr[i], self._indptr[i + 1]
            s2 = int(self._indices[lo + draw_index(self._row_cum[lo:hi], self.rng.random())])
        return r, s2

    # ----------------------------------------------------------------------- oracle
    def policy_value(self, policy) -> float:
        """Exact value ``mu @ V^pi_0`` of an (H, S) int or (H, S, A) float policy.

        A stationary (S,) int / (S, A) float policy is broadcast over the H steps.

        Raises
        ------
        TypeError, ValueError
            Policy of the wrong dtype or shape, actions outside [0, A), rows not summing
            to 1 (raised by :func:`mdpkit.evaluate`).
        """
        arr = np.asarray(policy)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        if key == self._last_key:
            return self._last_value
        V = evaluate_finite_horizon(self.mdp, None, arr)
        value = float(self.mdp.mu @ V[0])
        self._last_key, self._last_value = key, value
        return value

    def policy_values(self, policy) -> np.ndarray:
        """Exact ``V^pi_h(s)``, shape (H, S)."""
        return evaluate_finite_horizon(self.mdp, None, policy)

    def __repr__(self):
        return f"EpisodicTabularEnv({self.mdp!r}, reward_dist={self.reward_dist!r})"


# ---------------------------------------------------------------------- registered factories
from ..experiments.registry import register_env  # noqa: E402


@register_env("tabular")
def make_tabular(
    rng, *, mdp: TabularMDP, reward_dist: str = "deterministic", rewards_known: bool = True
) -> EpisodicTabularEnv:
    """Episodic env of a given finite-horizon ``mdp`` (hashed through its arrays)."""
    return EpisodicTabularEnv(mdp, rng, reward_dist=reward_dist, rewards_known=rewards_known)


def _model_rng(rng, mdp_seed):
    """The MDP is drawn from ``mdp_seed`` when given (same model for every seed), else from
    the env stream (a new model per seed: averages over the generator's distribution)."""
    if mdp_seed is None:
        return as_generator(rng)
    return as_generator(mdp_seed, "mdp_seed")


@register_env("riverswim")
def make_riverswim(
    rng, *, S: int = 6, horizon: int = 20, reward_dist: str = "deterministic", **model_params
) -> EpisodicTabularEnv:
    """RiverSwim (:func:`mdpkit.models.generators.riverswim`), finite horizon ``horizon``;
    with ``gamma`` and ``horizon=None``, the discounted model played as a continuing env
    (:func:`mdpkit.envs.continuing.continuing_riverswim`)."""
    if horizon is None and model_params.get("gamma") is not None:
        from .continuing import continuing_riverswim

        return continuing_riverswim(rng, S=S, reward_dist=reward_dist, **model_params)
    from ..models.generators import riverswim

    return EpisodicTabularEnv(
        riverswim(S, horizon=horizon, **model_params), rng, reward_dist=reward_dist
    )


@register_env("chain")
def make_chain(
    rng, *, S: int = 5, horizon: int = 20, reward_dist: str = "deterministic", **model_params
) -> EpisodicTabularEnv:
    """Chain (:func:`mdpkit.models.generators.chain`), finite horizon ``horizon``."""
    from ..models.generators import chain

    return EpisodicTabularEnv(
        chain(S, horizon=horizon, **model_params), rng, reward_dist=reward_dist
    )


@register_env("random-mdp")
def make_random_mdp(
    rng,
    *,
    S: int,
    A: int,
    horizon: int,
    mdp_seed: int | None = None,
    reward_dist: str = "deterministic",
    **model_params,
) -> EpisodicTabularEnv:
    """Random dense MDP (:func:`mdpkit.models.generators.random_mdp`); one fixed model when
    ``mdp_seed`` is given, else a new one per seed drawn from the env stream."""
    from ..models.generators import random_mdp

    mdp = random_mdp(S, A, horizon=horizon, rng=_model_rng(rng, mdp_seed), **model_params)
    return EpisodicTabularEnv(mdp, rng, reward_dist=reward_dist)


@register_env("random-sparse-mdp")
def make_random_sparse_mdp(
    rng,
    *,
    S: int,
    A: int,
    n_successors: int,
    horizon: int,
    mdp_seed: int | None = None,
    reward_dist: str = "deterministic",
    **model_params,
) -> EpisodicTabularEnv:
    """Random CSR MDP (:func:`mdpkit.models.generators.random_sparse_mdp`); ``mdp_seed`` as
    for ``"random-mdp"``."""
    from ..models.generators import random_sparse_mdp

    mdp = random_sparse_mdp(
        S, A, n_successors, horizon=horizon, rng=_model_rng(rng, mdp_seed), **model_params
    )
    return EpisodicTabularEnv(mdp, rng, reward_dist=reward_dist)

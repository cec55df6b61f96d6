r"""The episode-wise conservative setting (``docs/papers/stepmix.md#setting``).

Li, Huang, Shen, Yang, "Near-optimal Conservative Exploration in Reinforcement Learning
under Episode-wise Constraints", ICML 2023.

:func:`make_conservative_instance` draws the synthetic instance of the paper's experiment
(stepmix.md#figures-mdpkit-reproduce-stepmix) and
:class:`ConservativeEnv` wraps it as an :class:`~mdpkit.envs.episodic.EpisodicTabularEnv`
that also knows the baseline policy ``π^b``, its value ``V^b`` and (optionally) an offline
dataset of trajectories of ``π^b`` (stepmix.md#learned-baseline).

Instance
--------
* S = 5, A = 5, H = 3 [V]; ``r_h(s,a) ~ U[0,1]`` i.i.d. [V]; ``P_h(·|s,a) ~ Dirichlet(1,…,1)``
  independently per (h, s, a) [V: "drawn from the simplex"; R: Dirichlet(1)].
* Fixed initial state ``s_1 = 0`` [R] (``mu = e_0``).
* Baseline [R]: ``π^b_h(·|s) = (1−λ) 1{a = π*_h(s)} + λ Uniform(A)``, λ found by bisection so
  that ``V^b = c V*`` (default c = 0.6); if the uniform policy already exceeds ``c V*``, the
  uniform part is replaced by the per-(h, s) worst action ``argmin_a Q*_h(s, a)``.
  ``V^b / V*`` is logged in :attr:`ConservativeEnv.baseline_ratio`.
* Threshold: ``(1 − α) V^b`` (:meth:`ConservativeEnv.threshold`).

Decisions
---------
* Draw order from the instance generator: ``R = rng.random((H, S, A))``, then
  ``P = rng.dirichlet(ones(S), size=(H, S, A))``.
* Bisection on λ ∈ [0, 1] to absolute tolerance 1e-13 on λ (60 halvings); the achieved
  ratio is exact up to the continuity of V in λ (|ratio − c| < 1e-9 checked, else
  ``ValueError``).
* The offline dataset (stepmix.md#learned-baseline) is drawn from a generator seeded by one
  draw of the env's stream, so each run gets its own dataset and the same seed gives the same
  dataset.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..models.tabular import TabularMDP
from ..utils import as_generator
from .episodic import EpisodicTabularEnv, backward_induction, evaluate_finite_horizon

__all__ = [
    "ConservativeInstance",
    "make_conservative_instance",
    "ConservativeEnv",
    "sample_trajectories",
]


class ConservativeInstance:
    """A conservative-exploration instance: ``mdp``, ``baseline_policy`` (H, S, A),
    ``baseline_value`` V^b, ``optimal_value`` V*, ``baseline_ratio`` V^b/V*, ``lam``,
    ``mixing`` ("uniform" or "worst")."""

    def __init__(self, mdp, baseline_policy, baseline_value, optimal_value, lam, mixing):
        self.mdp = mdp
        self.baseline_policy = baseline_policy
        self.baseline_value = float(baseline_value)
        self.optimal_value = float(optimal_value)
        self.baseline_ratio = self.baseline_value / self.optimal_value
        self.lam = float(lam)
        self.mixing = mixing


def _policy_value(mdp, pol):
    return float(mdp.mu @ evaluate_finite_horizon(mdp, "stochastic", pol)[0])


def make_conservative_instance(
    rng, *, S: int = 5, A: int = 5, H: int = 3, baseline_ratio: float = 0.6
) -> ConservativeInstance:
    """Draw the instance of the experiment and its baseline with ``V^b = baseline_ratio · V*``.

    Parameters
    ----------
    rng : Generator or int
        Instance stream ("env_seed").
    S, A, H : int >= 1
    baseline_ratio : float in (0, 1]
        c of the instance above (stepmix.md#figures-mdpkit-reproduce-stepmix).
    """
    for v, nm in ((S, "S"), (A, "A"), (H, "H")):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"{nm} must be an integer >= 1, got {v!r}")
    if isinstance(baseline_ratio, (bool, np.bool_)) or not isinstance(baseline_ratio, numbers.Real):
        raise TypeError(
            f"baseline_ratio must be a real number, got {type(baseline_ratio).__name__}"
        )
    c = float(baseline_ratio)
    if not (0.0 < c <= 1.0):
        raise ValueError(f"baseline_ratio must lie in (0, 1], got {c}")
    g = as_generator(rng)
    R = g.random((H, S, A))
    P = g.dirichlet(np.ones(S), size=(H, S, A))
    P /= P.sum(-1, keepdims=True)  # exact row sums within the model's 1e-10 tolerance
    mu = np.zeros(S)
    mu[0] = 1.0
    mdp = TabularMDP(P, R, horizon=H, mu=mu)
    Vstar_tab, pistar = backward_induction(mdp)
    vstar = float(mu @ Vstar_tab[0])
    target = c * vstar
    star = np.zeros((H, S, A))
    np.put_along_axis(star, pistar[..., None], 1.0, axis=-1)
    uniform = np.full((H, S, A), 1.0 / A)
    other, mixing = uniform, "uniform"
    if _policy_value(mdp, uniform) > target:
        # worst action w.r.t. Q*
        Vn = np.zeros(S)
        worst = np.zeros((H, S, A))
        for h in range(H - 1, -1, -1):
            Q = R[h] + P[h] @ Vn
            np.put_along_axis(worst[h], np.argmin(Q, axis=1)[:, None], 1.0, axis=-1)
            Vn = Vstar_tab[h]
        other, mixing = worst, "worst"
        if _policy_value(mdp, worst) > target:
            raise ValueError(
                f"baseline_ratio={c} is below what mixing pi* with the worst action reaches "
                f"({_policy_value(mdp, worst) / vstar:.4f}); choose a larger baseline_ratio"
            )
    lo, hi = 0.0, 1.0  # value(lo) >= target >= value(hi)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _policy_value(mdp, (1 - mid) * star + mid * other) >= target:
            lo = mid
        else:
            hi = mid
    lam = lo
    pib = (1 - lam) * star + lam * other
    vb = _policy_value(mdp, pib)
    if abs(vb - target) > 1e-9 * max(1.0, vstar):
        raise ValueError(f"bisection for the baseline failed: V^b = {vb}, target {target}")
    pib.setflags(write=False)
    return ConservativeInstance(mdp, pib, vb, vstar, lam, mixing)


def sample_trajectories(mdp: TabularMDP, policy, n: int, rng):
    """``n`` trajectories of a stochastic policy (H, S, A) on ``mdp`` (vectorised).

    The inversion is the env's (:func:`mdpkit.envs.sampling.draw_index`): the count of
    cumulative sums ``<= u * total`` is ``searchsorted(cdf, u * total, side="right")``,
    vectorised over the ``n`` trajectories (state, then action, then next state per step).

    Returns a dict of int arrays ``states, actions, next_states`` (n, H) and float
    ``rewards`` (n, H) (expected rewards, deterministic in this setting).
    """
    g = as_generator(rng)
    H, S, A = mdp.H, mdp.S, mdp.A
    P = mdp.dense_P()
    if P.ndim == 3:
        P = np.broadcast_to(P, (H, S, A, S))
    R = mdp.R if mdp.R.ndim == 3 else np.broadcast_to(mdp.R, (H, S, A))
    pol = np.asarray(policy, dtype=np.float64)
    states = np.zeros((n, H), dtype=np.int64)
    actions = np.zeros((n, H), dtype=np.int64)
    nxt = np.zeros((n, H), dtype=np.int64)
    cmu = np.cumsum(mdp.mu)
    s = np.minimum(np.searchsorted(cmu, g.random(n) * cmu[-1], side="right"), S - 1)
    for h in range(H):
        cp = np.cumsum(pol[h][s], axis=1)
        a = np.minimum((g.random(n)[:, None] * cp[:, -1:] >= cp).sum(1), A - 1)
        cP = np.cumsum(P[h][s, a], axis=1)
        s2 = np.minimum((g.random(n)[:, None] * cP[:, -1:] >= cP).sum(1), S - 1)
        states[:, h], actions[:, h], nxt[:, h] = s, a, s2
        s = s2
    rewards = R[np.arange(H)[None, :], states, actions]
    return {"states": states, "actions": actions, "next_states": nxt, "rewards": rewards}


class ConservativeEnv(EpisodicTabularEnv):
    """Episodic env of a :class:`ConservativeInstance`, with the baseline in ``env_info``.

    Parameters
    ----------
    instance : ConservativeInstance
    rng : Generator or int
        The environment stream.
    dataset_size : int >= 0
        Number of offline trajectories of ``π^b`` (the behaviour policy,
        stepmix.md#learned-baseline) put in ``env_info()["offline_dataset"]``; 0 for none.
    expose_baseline : bool
        Whether ``env_info()`` gives ``baseline_policy`` and ``baseline_value`` (known
        baseline, stepmix.md#setting); False for the learned-baseline setting.
    reward_dist, rewards_known
        As :class:`~mdpkit.envs.episodic.EpisodicTabularEnv` (stepmix.md#decisions, unknown rewards:
        Bernoulli rewards, unknown to the agent). Offline datasets always record expected rewards.

    Attributes
    ----------
    baseline_policy, baseline_value, baseline_ratio, instance
    """

    def __init__(
        self,
        instance: ConservativeInstance,
        rng,
        *,
        dataset_size: int = 0,
        expose_baseline: bool = True,
        reward_dist: str = "deterministic",
        rewards_known: bool = True,
    ):
        rng = as_generator(rng)
        super().__init__(instance.mdp, rng, reward_dist=reward_dist, rewards_known=rewards_known)
        if (
            isinstance(dataset_size, (bool, np.bool_))
            or not isinstance(dataset_size, numbers.Integral)
            or dataset_size < 0
        ):
            raise ValueError(f"dataset_size must be an integer >= 0, got {dataset_size!r}")
        self.instance = instance
        self.baseline_policy = instance.baseline_policy
        self.baseline_value = instance.baseline_value
        self.baseline_ratio = instance.baseline_ratio
        self.expose_baseline = bool(expose_baseline)
        self.dataset = None
        if dataset_size > 0:
            ds_rng = np.random.default_rng(int(self.rng.integers(2**63)))
            self.dataset = sample_trajectories(
                instance.mdp, instance.baseline_policy, int(dataset_size), ds_rng
            )

    def threshold(self, alpha: float) -> float:
        """``(1 − α) V^b``."""
        return (1.0 - float(alpha)) * self.baseline_value

    def env_info(self) -> dict:
        info = super().env_info()
        info["mu"] = self.mdp.mu
        if self.expose_baseline:
            info["baseline_policy"] = self.baseline_policy
            info["baseline_value"] = self.baseline_value
        if self.dataset is not None:
            info["offline_dataset"] = self.dataset
        return info


# ---------------------------------------------------------------------- registered factory
from ..experiments.registry import register_env  # noqa: E402

_INSTANCE_CACHE: dict = {}


def conservative_instance(
    env_seed: int = 0, S: int = 5, A: int = 5, H: int = 3, baseline_ratio: float = 0.6
) -> ConservativeInstance:
    """Cached :func:`make_conservative_instance` keyed by its arguments."""
    key = (int(env_seed), S, A, H, float(baseline_ratio))
    inst = _INSTANCE_CACHE.get(key)
    if inst is None:
        inst = make_conservative_instance(
            int(env_seed), S=S, A=A, H=H, baseline_ratio=baseline_ratio
        )
        _INSTANCE_CACHE[key] = inst
    return inst


@register_env("conservative-synthetic")
def make_conservative_env(
    rng,
    *,
    env_seed: int = 0,
    S: int = 5,
    A: int = 5,
    H: int = 3,
    baseline_ratio: float = 0.6,
    dataset_size: int = 0,
    expose_baseline: bool = True,
    reward_dist: str = "deterministic",
    rewards_known: bool = True,
) -> ConservativeEnv:
    """The experiment's instance drawn from ``env_seed`` (same for every run), interaction from ``rng``."""
    inst = conservative_instance(env_seed, S, A, H, baseline_ratio)
    return ConservativeEnv(
        inst,
        rng,
        dataset_size=dataset_size,
        expose_baseline=expose_baseline,
        reward_dist=reward_dist,
        rewards_known=rewards_known,
    )

"""Episodic env of a linear mixture MDP (paper page ``docs/papers/linear-mixture.md``,
"Baselines"): the :class:`~mdpkit.envs.EpisodicTabularEnv` of the exact
``to_tabular()`` conversion, whose ``env_info()`` also gives the known features ``phi``
(S, A, S, d), the norm bound ``B`` and the start state ``s1``. Registered as
``"linear-mixture"``.
"""

from __future__ import annotations

from ..experiments.registry import register_env
from ..models.linear_mixture import LinearMixtureMDP, hard_lm, rand_lm
from ..utils import as_generator
from .episodic import EpisodicTabularEnv

__all__ = ["LinearMixtureEnv", "make_linear_mixture"]


class LinearMixtureEnv(EpisodicTabularEnv):
    """EpisodicTabularEnv of ``model.to_tabular(R)`` plus the known features.

    Parameters
    ----------
    model : LinearMixtureMDP
    R : ndarray, shape (S, A) or (H, S, A)
        Known deterministic rewards with trajectory totals <= 1.
    rng : Generator or int
    """

    def __init__(self, model: LinearMixtureMDP, R, rng):
        if not isinstance(model, LinearMixtureMDP):
            raise TypeError(f"model must be a LinearMixtureMDP, got {type(model).__name__}")
        super().__init__(model.to_tabular(R), rng)
        self.model = model

    def env_info(self) -> dict:
        info = super().env_info()
        info.update(phi=self.model.phi, B=self.model.B, s1=self.model.s1, d=self.model.d)
        return info


@register_env("linear-mixture")
def make_linear_mixture(
    rng,
    *,
    family: str = "rand",
    H: int = 10,
    S: int = 6,
    A: int = 3,
    d: int = 4,
    Delta: float = 0.05,
    mdp_seed: int = 0,
) -> LinearMixtureEnv:
    """``family="rand"``: RandLM(S, A, d) with corridor and a dense reward g(s,a)/H;
    ``family="hard"``: HardLM(d, H, Delta) with the task reward ``1{s = x3}/H``. The model
    and reward come from ``mdp_seed`` (same instance for every seed)."""
    g = as_generator(mdp_seed, "mdp_seed")
    if family == "rand":
        model = rand_lm(S, A, d, H, rng=g)
        R = g.random((S, A)) / H
    elif family == "hard":
        model, info = hard_lm(d, H, Delta, rng=g)
        R = info["task"]
    else:
        raise ValueError(f"family must be 'rand' or 'hard', got {family!r}")
    return LinearMixtureEnv(model, R, rng)

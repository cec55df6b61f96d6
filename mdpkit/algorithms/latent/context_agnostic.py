"""Context-agnostic tabular VO (``docs/papers/latent-mdp.md``, "Baselines"): pools every
context into one MDP on the states (revealed contexts are ignored, rewards are averaged), so
its policy is Markov in (step, state). Linear regret when the optimal LMDP policy needs the
history."""

from __future__ import annotations

from ...experiments.registry import register_learner
from . import _kernels as K
from .common import PROVENANCE_COMMON, LatentLearner, make_latent_learner

__all__ = ["ContextAgnostic", "make_context_agnostic"]


class ContextAgnostic(LatentLearner):
    provenance = PROVENANCE_COMMON + " Pooled-context comparator of the testbed [D]."

    def __init__(self, env_info, rng, **kw):
        super().__init__(env_info, rng, rule=K.VO_RULE, pooled=True, **kw)


@register_learner("lmdp-context-agnostic")
def make_context_agnostic(env_info, rng, **params) -> ContextAgnostic:
    """Context-agnostic pooled VO (params: delta, beta, key_tol, max_nodes, fast)."""
    return make_latent_learner(ContextAgnostic, env_info, rng, **params)

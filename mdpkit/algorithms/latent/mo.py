"""MO: the model-optimistic latent-MDP learner, rectangular relaxation
(``docs/papers/latent-mdp.md``, "Algorithms").

``min(1, R + max_{q in CI} q.v)`` with the maximising model chosen per history node
(exact water-filling over the entrywise empirical-Bernstein box intersected with the
simplex): a tractable relaxation of the paper's joint maximisation over one model.
"""

from __future__ import annotations

from ...experiments.registry import register_learner
from . import _kernels as K
from .common import PROVENANCE_COMMON, LatentLearner, make_latent_learner

__all__ = ["MO", "make_mo"]


class MO(LatentLearner):
    provenance = PROVENANCE_COMMON + (
        " MO: the paper's joint maximisation over a single model is "
        "replaced by a per-node (rectangular) maximisation [D]."
    )

    def __init__(self, env_info, rng, **kw):
        super().__init__(env_info, rng, rule=K.MO_RULE, **kw)


@register_learner("lmdp-mo")
def make_mo(env_info, rng, **params) -> MO:
    """MO-relaxed (params: delta, beta, key_tol, max_nodes, fast)."""
    return make_latent_learner(MO, env_info, rng, **params)

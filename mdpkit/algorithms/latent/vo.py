"""VO: the value-optimistic latent-MDP learner (``docs/papers/latent-mdp.md``, "Algorithms").

Optimistic alpha recursion ``min(1, R + p^.v + sqrt(2 |supp p^| V(p^, v) iota / n) +
(7 iota / 3n) sum_s' |v(s') - p^.v|)`` (1 when n = 0), node-greedy decisions under empirical
beliefs; rules in :mod:`mdpkit.algorithms.latent._kernels`.
"""

from __future__ import annotations

from ...experiments.registry import register_learner
from . import _kernels as K
from .common import PROVENANCE_COMMON, LatentLearner, make_latent_learner

__all__ = ["VO", "make_vo"]


class VO(LatentLearner):
    provenance = PROVENANCE_COMMON + (
        " VO bonus: closed form that upper-bounds every model of the "
        "entrywise interval (Cauchy-Schwarz over the empirical support) [D]."
    )

    def __init__(self, env_info, rng, **kw):
        super().__init__(env_info, rng, rule=K.VO_RULE, **kw)


@register_learner("lmdp-vo")
def make_vo(env_info, rng, **params) -> VO:
    """VO (params: delta, beta, key_tol, max_nodes, fast)."""
    return make_latent_learner(VO, env_info, rng, **params)

"""Hoeffding-VO: the horizon- and S-dependent comparator (``docs/papers/latent-mdp.md``,
"Baselines"): the same engine as VO with the bonus ``sqrt(2 S iota / n)`` (no variance term),
in the spirit of Kwon et al.'s L-UCRL."""

from __future__ import annotations

from ...experiments.registry import register_learner
from . import _kernels as K
from .common import PROVENANCE_COMMON, LatentLearner, make_latent_learner

__all__ = ["HoeffdingVO", "make_hoeffding_vo"]


class HoeffdingVO(LatentLearner):
    provenance = PROVENANCE_COMMON + (
        " Hoeffding bonus sqrt(2 S iota/n): a comparator designed for "
        "this testbed, not Kwon et al.'s exact algorithm [D]."
    )

    def __init__(self, env_info, rng, **kw):
        super().__init__(env_info, rng, rule=K.HOEFFDING_RULE, **kw)


@register_learner("lmdp-hoeffding-vo")
def make_hoeffding_vo(env_info, rng, **params) -> HoeffdingVO:
    """Hoeffding-VO (params: delta, beta, key_tol, max_nodes, fast)."""
    return make_latent_learner(HoeffdingVO, env_info, rng, **params)

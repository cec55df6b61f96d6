"""Expert baseline of the DynLin-UCB real-data experiment (docs/papers/dynlin-ucb.md#baselines).

Expert [``dlb-expert``]: the fixed allocation proportional to the config's spend vector,
shares clipped to [0, 1/1.5] with the clipped mass redistributed over the others (the
reference's one-pass clip-and-rescale), times 1.5. Not an element of U: ``act`` returns the
action *vector*. Provenance: :attr:`FixedAction.provenance` (allocation rule from the
reference ``ExpertAgent`` [C]).
"""

from __future__ import annotations

import numpy as np

from ...experiments.registry import register_learner
from ..base import with_fast_switch
from ..dynlin_ucb import _info_get
from .fixed_action import FixedAction


def expert_allocation(spend, daily_budget=1.5, max_camp=1.0, min_camp=0.0) -> np.ndarray:
    """The reference ``ExpertAgent`` allocation (dynlin-ucb.md#baselines): shares of ``spend`` clipped to
    ``[min_camp/max_camp, max_camp/daily_budget]``, the unclipped shares rescaled so that the
    shares sum to 1, times ``daily_budget`` (one pass, as in the reference); shape (p,)."""
    s = np.asarray(spend, dtype=np.float64)
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s < 0) or s.sum() <= 0:
        raise ValueError("spend must be a non-empty finite non-negative vector with positive sum")
    s = s / s.sum()
    lo, hi = min_camp / max_camp, max_camp / daily_budget
    clipped = (s < lo) | (s > hi)
    s = np.clip(s, lo, hi)
    free = ~clipped
    if free.any() and s[free].sum() > 0:
        s[free] *= (1.0 - s[clipped].sum()) / s[free].sum()
    return s * daily_budget


@register_learner("dlb-expert")
@with_fast_switch
def make_expert(env_info, rng, *, spend=None) -> FixedAction:
    """Expert of the real-data experiment (dynlin-ucb.md#baselines); ``spend`` defaults to env_info['expert']."""
    if spend is None:
        spend = _info_get(env_info, "expert")
    return FixedAction(expert_allocation(spend), label="Expert")

r"""ISI-CombUCB1 (Laforgue et al.): CombUCB1 on blocks of ``d + 1`` pulls whose first pull
of each arm inside a block is neither valued in the block objective nor used for
estimation (its delay depends on the previous block).

Paper page: ``docs/papers/lsd-bandits.md`` (section "Laforgue et al.'s baselines").
Implementation: :class:`mdpkit.algorithms.lsd.comb_ucb1.CombUCB1` with ``first_weight = 0``.
"""

from __future__ import annotations

from ...experiments.registry import register_learner
from ._base import lsd_info
from .comb_ucb1 import CombUCB1

__all__ = ["ISICombUCB1", "make_isi_comb_ucb1"]


class ISICombUCB1(CombUCB1):
    """ISI-CombUCB1 on blocks of ``block`` pulls (Laforgue: ``d + 1``)."""

    provenance = (
        "ISI-CombUCB1: blocks of d + 1, first pulls excluded from objective and "
        "estimation, index and initial value as CombUCB1: Laforgue, Clerici, "
        "Cesa-Bianchi, Gilad-Bachrach 2022, released code [C]; exact enumeration "
        "of block sequences [D]."
    )

    def __init__(self, k, M, horizon, rng=None, *, block=4, exactly_one=False, fast=True):
        super().__init__(
            k, M, horizon, rng, block=block, first_weight=0.0, exactly_one=exactly_one, fast=fast
        )


@register_learner("lsd-isi-combucb1")
def make_isi_comb_ucb1(env_info, rng, *, block=4, fast=True) -> ISICombUCB1:
    """ISI-CombUCB1 on blocks of ``block`` pulls."""
    k, M, T, eo = lsd_info(env_info)
    return ISICombUCB1(k, M, T, rng, block=block, exactly_one=eo, fast=fast)

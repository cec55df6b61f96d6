"""Oracle-context learner (``docs/papers/latent-mdp.md``, "Baselines"): told the context at
the start of each episode, it runs the VO recursion as M separate Markov problems (one-hot
beliefs). Not an LMDP algorithm (its regret can be negative): a lower envelope. Needs an env
built with ``oracle=True``."""

from __future__ import annotations

from ...experiments.registry import register_learner
from . import _kernels as K
from .common import PROVENANCE_COMMON, LatentLearner, make_latent_learner

__all__ = ["OracleContext", "make_oracle_context"]


class OracleContext(LatentLearner):
    provenance = PROVENANCE_COMMON + " Oracle-context comparator of the testbed [D]."

    def __init__(self, env_info, rng, **kw):
        if not env_info.get("oracle", False):
            raise ValueError("the oracle-context learner needs an env built with oracle=True")
        super().__init__(env_info, rng, rule=K.VO_RULE, oracle=True, **kw)

    def observe_context(self, m: int) -> None:
        """Context of the episode, given at its start (oracle env only)."""
        if not 0 <= int(m) < self.M:
            raise ValueError(f"m must be in [0, M={self.M}), got {m!r}")
        self._row = int(m)


@register_learner("lmdp-oracle-context")
def make_oracle_context(env_info, rng, **params) -> OracleContext:
    """Oracle-context VO (params: delta, beta, key_tol, max_nodes, fast)."""
    return make_latent_learner(OracleContext, env_info, rng, **params)

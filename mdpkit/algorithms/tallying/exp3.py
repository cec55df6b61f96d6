r"""EXP3 on losses (baseline; Auer et al. 2002, loss form): ``p_a ∝ exp(-eta Lhat_a)``,
importance-weighted loss estimates ``Lhat_a += l / p_a`` for the played arm,
``eta = sqrt(2 ln K / (T K))``. The arm is drawn by inverse CDF from one uniform of the
learner's stream per decision. Paper page ``docs/papers/weighted-tallying.md``
("Baselines").
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from ...envs.tallying import env_step
from ...experiments.registry import register_learner
from ...utils import as_generator, check_positive_int
from ._common import TallyingLearner, check_bool, horizon_of

__all__ = [
    "EXP3Losses",
    "EXP3State",
    "exp3_sample",
    "exp3_feed",
    "run_exp3",
    "make_exp3_losses",
    "exp3_eta",
]


class EXP3State(NamedTuple):
    lhat: np.ndarray  # float (K,): cumulative importance-weighted loss estimates
    p: np.ndarray  # float (K,): distribution of the last draw


def exp3_eta(K: int, n_rounds: int) -> float:
    """``sqrt(2 ln K / (n K))`` (ln K = 0 for K = 1 gives eta = 0)."""
    return math.sqrt(2.0 * math.log(K) / (n_rounds * K))


def init_exp3(K: int) -> EXP3State:
    return EXP3State(np.zeros(K), np.full(K, 1.0 / K))


@njit(cache=True)
def exp3_sample(st, eta, u):
    """Set ``st.p`` from the estimates and return the arm of uniform ``u`` (inverse CDF)."""
    K = st.lhat.shape[0]
    lo = st.lhat.min()
    tot = 0.0
    for a in range(K):
        st.p[a] = math.exp(-eta * (st.lhat[a] - lo))
        tot += st.p[a]
    for a in range(K):
        st.p[a] /= tot
    c = 0.0
    for a in range(K):
        c += st.p[a]
        if u < c:
            return a
    return K - 1


@njit(cache=True)
def exp3_feed(st, a, loss):
    """Importance-weighted update with the probability of the last draw."""
    st.lhat[a] += loss / st.p[a]


@njit(cache=True)
def run_exp3(data, hist, io, st, eta, us):
    """Whole run over ``io.draws``; fills ``io`` (see ``_common.RunArrays``)."""
    T = io.draws.shape[0]
    for t in range(T):
        a = exp3_sample(st, eta, us[t])
        y, f, loss = env_step(data, hist, a, io.draws[t])
        io.regret[t] = f - data.mu_star
        r = 1.0 - loss
        io.reward[t] = r
        io.tally[t] = y
        exp3_feed(st, a, 1.0 - r)


class EXP3Losses(TallyingLearner):
    """EXP3 with losses (module docstring)."""

    provenance = (
        "Baseline proposed for the experiments [P]; EXP3 (Auer et al. 2002) with "
        "losses and eta = sqrt(2 ln K/(TK)) as on the paper page [R]."
    )

    def __init__(self, n_actions, T, rng, *, eta=None, fast=True):
        K = check_positive_int(n_actions, "n_actions")
        self.n_actions, self.T = K, check_positive_int(T, "T")
        self.eta = exp3_eta(K, self.T) if eta is None else float(eta)
        if not (math.isfinite(self.eta) and self.eta >= 0):
            raise ValueError(f"eta must be finite and >= 0, got {eta}")
        self.rng = as_generator(rng)
        self.fast = check_bool(fast, "fast")
        self.state = init_exp3(K)

    def act(self) -> int:
        return int(exp3_sample(self.state, self.eta, self.rng.random()))

    def update(self, a: int, r: float) -> None:
        exp3_feed(self.state, int(a), 1.0 - float(r))

    def _run(self, data, hist, io):
        us = self.rng.random(io.draws.shape[0])
        run_exp3(data, hist, io, self.state, self.eta, us)


@register_learner("exp3-losses")
def make_exp3_losses(env_info: dict, rng, *, T=None, eta=None, fast=True) -> EXP3Losses:
    """EXP3 on losses; its uniforms come from the learner's ``rng``."""
    return EXP3Losses(
        env_info["n_actions"], horizon_of(env_info, T, "exp3-losses"), rng, eta=eta, fast=fast
    )

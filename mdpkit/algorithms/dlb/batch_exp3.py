r"""Batch-EXP3 baseline of the DynLin-UCB experiments (docs/papers/dynlin-ucb.md#baselines).

Batch-EXP3 [``dlb-batch-exp3``]: EXP3 on batches of ``tau = ceil(log M_T / log(1/rho))``
rounds (M_T = DynLin-UCB epochs covering T), batch-mean reward, T/tau in gamma. One uniform
per batch is drawn from the learner's Generator, in ``act`` and ``fast_run`` alike.

``reference_quirks`` (default False = clean version): with quirks, the reward window of each
EXP3 update is the reference's (updates after rounds ``1, 1 + tau, 1 + 2 tau, ...`` on the sum
of the rewards since the previous update divided by tau, credited to the arm of the current
batch, so a window straddles two batches and the first one holds 2 rounds); clean: one update
per batch on the mean of its own tau rewards. (Found in the reference code.)
"""

from __future__ import annotations

import math

import numpy as np

from ...experiments.registry import register_learner
from ...utils import as_generator, check_positive_int
from .. import _dlb_kernels as K
from ..base import with_fast_switch
from ..dynlin_ucb import _check_fresh_env, _info_get, n_epochs_to_cover
from .exp3 import Exp3, _exp3_M, exp3_rate
from .reference_config import _PROV_CODE


class BatchExp3(Exp3):
    """Batch-EXP3 (Dekel et al. 2012 style; dynlin-ucb.md#baselines): EXP3 over batches of ``tau`` rounds.

    Parameters as :class:`Exp3` plus ``tau`` (batch size) and ``reference_quirks``
    (reward window of the reference code, see the module docstring).
    """

    provenance = (
        _PROV_CODE + "batching: Dekel, Tewari, Arora 2012 as in the reference's "
        "BatchExp3Agent; its off-by-one reward window is reproduced only under "
        "reference_quirks [C]."
    )

    def __init__(self, n_actions, rng, *, gamma, eta, M, tau, reference_quirks=False):
        super().__init__(n_actions, rng, gamma=gamma, eta=eta, M=M)
        self.tau = check_positive_int(tau, "tau")
        self.quirks = bool(reference_quirks)
        self.t = 0
        self.acc = 0.0
        self.label = f"Batch-EXP3 (tau={self.tau})"

    def act(self) -> int:
        if self.t % self.tau == 0:
            self.arm = int(K.sample_from(self.p, self.rng.random()))
        return self.arm

    def update(self, a, r) -> None:
        if a != self.arm:
            raise ValueError(f"a = {a} is not the arm returned by act() ({self.arm})")
        self.acc += float(r)
        if K.batch_exp3_is_update_round(self.t, self.tau, self.quirks):
            mean = self.acc / self.tau
            self.G[a] += ((mean + 2.0 * self.M) / (4.0 * self.M)) / self.p[a]
            self.p = K.exp3_probabilities(self.G, self.eta, self.gamma)
            self.acc = 0.0
        self.t += 1

    def fast_run(self, env, n_steps, rng) -> dict:
        T = check_positive_int(n_steps, "n_steps")
        _check_fresh_env(env, self)
        Z = as_generator(rng).standard_normal((T, env.n + env.m))
        U = self.rng.random(-(-T // self.tau))
        acts, rew = K.run_batch_exp3(
            K.dlb_system(env), Z, U, self.eta, self.gamma, self.M, self.tau, self.quirks
        )
        return {
            "regret": env.gaps[acts].astype(np.float64),
            "reward": rew,
            "action": acts.astype(np.float64),
        }


def batch_size(T: int, rho: float) -> int:
    """``tau = ceil(log M_T / log(1/rho))`` (dynlin-ucb.md#baselines); 1 when rho = 0."""
    if rho <= 0.0:
        return 1
    M_T = n_epochs_to_cover(T, rho)
    return max(1, math.ceil(math.log(M_T) / math.log(1.0 / rho)))


@register_learner("dlb-batch-exp3")
@with_fast_switch
def make_batch_exp3(env_info, rng, *, reference_quirks=False) -> BatchExp3:
    """Batch-EXP3 as configured in the reference (dynlin-ucb.md#baselines): tau from the DynLin-UCB
    schedule, T/tau in gamma."""
    T = check_positive_int(_info_get(env_info, "n_steps"), "env_info['n_steps']")
    Kn = int(_info_get(env_info, "n_actions"))
    tau = batch_size(T, float(_info_get(env_info, "rho")))
    g = exp3_rate(Kn, T / tau)
    return BatchExp3(
        Kn,
        rng,
        gamma=g,
        eta=g / Kn,
        M=_exp3_M(env_info),
        tau=tau,
        reference_quirks=reference_quirks,
    )

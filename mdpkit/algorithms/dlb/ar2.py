r"""AR2 baseline of the DynLin-UCB experiments (docs/papers/dynlin-ucb.md#baselines).

AR2 [``dlb-ar2``]: Chen et al. (arXiv 2210.16386) over the K arms with alpha = rho,
``Delta_ep = ceil(K alpha^{-3} sigma^{-3})``,
``c0 = sqrt(4 log(1/(alpha sigma)) + 4 log Delta_ep + 2 log(4K))``, ``c1 = 24 c0``
(dynlin-ucb.md#baselines for the state machine).

``reference_quirks`` (default False = clean version): with quirks, arms are never removed from
the triggered set (the reference's behaviour, so after the first trigger the agent alternates
forever between ``i_sup`` and the earliest-triggered arms); clean: a triggered arm leaves the
set when it is explored, and the set is emptied at a restart. No truncation ``B(.)`` in either
version.

rho is the real ``max |eig(A)|`` (dynlin-ucb.md#model; the reference passes complex values on the
real-data system). Tie-breaks use one uniform per round from the learner's Generator, in
``act`` and ``fast_run`` alike.
"""

from __future__ import annotations

import math

import numpy as np

from ...experiments.registry import register_learner
from ...utils import as_generator, check_positive_int
from .. import _dlb_kernels as K
from ..base import BanditLearner, with_fast_switch
from ..dynlin_ucb import _check_fresh_env, _info_get, _real
from .reference_config import _PROV_CODE


class AR2(BanditLearner):
    """AR2 (Chen et al., arXiv 2210.16386) in the reference's form (dynlin-ucb.md#baselines).

    Parameters
    ----------
    n_actions : int; rng
    alpha : float in (0, 1)   AR coefficient (the reference uses rho(A))
    sigma : float > 0         noise level
    epoch_size : int          restart period Delta_ep
    c0 : float                c1 = 24 c0
    reference_quirks : bool   never remove arms from the triggered set (dynlin-ucb.md#baselines)
    """

    provenance = (
        _PROV_CODE + "state machine of dynlin-ucb.md#baselines from the reference AR2Agent [C]; "
        "the clean variant (explored arms leave the triggered set) follows the "
        "paper's description as recalled [R]."
    )

    def __init__(self, n_actions, rng, *, alpha, sigma, epoch_size, c0, reference_quirks=False):
        self.n_actions = check_positive_int(n_actions, "n_actions")
        self.alpha = _real(alpha, "alpha", low=0.0, high=1.0, low_open=True, high_open=True)
        self.sigma = _real(sigma, "sigma", low=0.0)
        self.epoch_size = check_positive_int(epoch_size, "epoch_size")
        self.c1 = 24.0 * _real(c0, "c0", low=0.0)
        self.c1sig = self.c1 * self.sigma
        self.quirks = bool(reference_quirks)
        self.rng = as_generator(rng)
        Kn = self.n_actions
        self.est = np.full(Kn, np.inf)
        self.tau = np.full(Kn, np.inf)
        self.tau_trig = np.full(Kn, np.inf)
        self.trig = np.zeros(Kn, dtype=np.int8)
        self.s = 1
        self.t0 = 1
        self.last = -1
        self.last_last = -1
        self.arm = 0
        self.label = "AR2"

    def act(self) -> int:
        u = self.rng.random()
        a = int(
            K.ar2_choose(
                self.t0,
                self.s,
                self.n_actions,
                self.epoch_size,
                self.est,
                self.tau,
                self.tau_trig,
                self.trig,
                self.last,
                self.last_last,
                self.alpha,
                self.c1sig,
                u,
                self.quirks,
            )
        )
        self.last_last = self.last
        self.last = a
        self.arm = a
        return a

    def update(self, a, r) -> None:
        if a != self.arm:
            raise ValueError(f"a = {a} is not the arm returned by act() ({self.arm})")
        self.s = int(
            K.ar2_update(
                self.t0,
                self.s,
                self.n_actions,
                self.epoch_size,
                self.est,
                self.tau,
                self.tau_trig,
                self.trig,
                a,
                float(r),
                self.alpha,
                self.quirks,
            )
        )
        self.t0 += 1

    def info(self) -> dict:
        return {"action": float(self.arm)}

    def fast_run(self, env, n_steps, rng) -> dict:
        T = check_positive_int(n_steps, "n_steps")
        _check_fresh_env(env, self)
        Z = as_generator(rng).standard_normal((T, env.n + env.m))
        U = self.rng.random(T)
        acts, rew = K.run_ar2(
            K.dlb_system(env), Z, U, self.alpha, self.epoch_size, self.c1sig, self.quirks
        )
        return {
            "regret": env.gaps[acts].astype(np.float64),
            "reward": rew,
            "action": acts.astype(np.float64),
        }


def ar2_parameters(n_actions: int, alpha: float, sigma: float) -> dict:
    """``Delta_ep`` and ``c0`` of the reference configuration (dynlin-ucb.md#baselines)."""
    ep = math.ceil(n_actions * alpha**-3 * sigma**-3)
    c0 = math.sqrt(
        4 * math.log(1 / (alpha * sigma)) + 4 * math.log(ep) + 2 * math.log(4 * n_actions)
    )
    return {"epoch_size": ep, "c0": c0}


@register_learner("dlb-ar2")
@with_fast_switch
def make_ar2(env_info, rng, *, reference_quirks=False) -> AR2:
    """AR2 with alpha = rho(A) and sigma = noise sigma (dynlin-ucb.md#baselines)."""
    Kn = int(_info_get(env_info, "n_actions"))
    alpha = float(_info_get(env_info, "rho"))
    sigma = float(_info_get(env_info, "sigma"))
    if not 0 < alpha < 1 or not sigma > 0:
        raise ValueError(f"AR2 needs 0 < rho < 1 and sigma > 0, got rho={alpha}, sigma={sigma}")
    p = ar2_parameters(Kn, alpha, sigma)
    return AR2(
        Kn,
        rng,
        alpha=alpha,
        sigma=sigma,
        epoch_size=p["epoch_size"],
        c0=p["c0"],
        reference_quirks=reference_quirks,
    )

r"""EXP3 baseline of the DynLin-UCB experiments (docs/papers/dynlin-ucb.md#baselines).

EXP3 [``dlb-exp3``]: ``gamma = min(1, sqrt(K ln K / ((e-1) 2T/3)))``, ``eta = gamma/K``,
reward rescaled ``(y + 2M)/(4M)``, ``M = (Theta + Omega ||B|| / (1 - rho)) U``.

rho is the real ``max |eig(A)|`` (dynlin-ucb.md#model). One uniform per round is drawn from the
learner's Generator, in ``act`` and in ``fast_run`` alike, so the two paths give identical numbers.
Probabilities are computed with the largest exponent subtracted (identical mathematically to
the reference's plain exponentials).
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


def _exp3_M(env_info):
    """``M = (Theta + Omega ||B|| / (1 - rho)) U`` (dynlin-ucb.md#baselines, EXP3 reward scale)."""
    rho = float(_info_get(env_info, "rho"))
    return (
        _info_get(env_info, "theta_norm")
        + _info_get(env_info, "omega_norm") * _info_get(env_info, "B_norm") / (1.0 - rho)
    ) * _info_get(env_info, "U_bar")


class Exp3(BanditLearner):
    """EXP3 with the reference's reward rescaling (dynlin-ucb.md#baselines).

    Parameters
    ----------
    n_actions : int; rng
    gamma : float in (0, 1]   exploration mixture
    eta : float > 0           learning rate on the cumulative importance-weighted gains
    M : float > 0             reward scale: rewards mapped by ``(y + 2M)/(4M)``
    """

    provenance = (
        _PROV_CODE + "algorithm: Auer et al. 2002 EXP3 in the reference's "
        "Exp3Agent form (softmax of eta G mixed with gamma/K) [C]."
    )

    def __init__(self, n_actions, rng, *, gamma, eta, M):
        self.n_actions = check_positive_int(n_actions, "n_actions")
        self.gamma = _real(gamma, "gamma", low=0.0, high=1.0)
        self.eta = _real(eta, "eta", low=0.0)
        self.M = _real(M, "M", low=0.0, low_open=True)
        self.rng = as_generator(rng)
        self.G = np.zeros(self.n_actions)
        self.p = np.full(self.n_actions, 1.0 / self.n_actions)
        self.arm = 0
        self.label = "EXP3"

    def act(self) -> int:
        self.arm = int(K.sample_from(self.p, self.rng.random()))
        return self.arm

    def update(self, a, r) -> None:
        if a != self.arm:
            raise ValueError(f"a = {a} is not the arm returned by act() ({self.arm})")
        self.G[a] += ((float(r) + 2.0 * self.M) / (4.0 * self.M)) / self.p[a]
        self.p = K.exp3_probabilities(self.G, self.eta, self.gamma)

    def info(self) -> dict:
        return {"action": float(self.arm)}

    def fast_run(self, env, n_steps, rng) -> dict:
        """Whole run in one kernel; same columns and numbers as act/update."""
        T = check_positive_int(n_steps, "n_steps")
        _check_fresh_env(env, self)
        Z = as_generator(rng).standard_normal((T, env.n + env.m))
        U = self.rng.random(T)
        acts, rew = K.run_exp3(K.dlb_system(env), Z, U, self.eta, self.gamma, self.M)
        return {
            "regret": env.gaps[acts].astype(np.float64),
            "reward": rew,
            "action": acts.astype(np.float64),
        }


def exp3_rate(n_actions: int, T: float) -> float:
    """``gamma = min(1, sqrt(K ln K / ((e - 1) 2T/3)))`` (dynlin-ucb.md#baselines)."""
    return min(1.0, math.sqrt(n_actions * math.log(n_actions) / ((math.e - 1) * 2 * T / 3)))


@register_learner("dlb-exp3")
@with_fast_switch
def make_exp3(env_info, rng) -> Exp3:
    """EXP3 as configured in the reference (dynlin-ucb.md#baselines)."""
    T = check_positive_int(_info_get(env_info, "n_steps"), "env_info['n_steps']")
    Kn = int(_info_get(env_info, "n_actions"))
    g = exp3_rate(Kn, T)
    return Exp3(Kn, rng, gamma=g, eta=g / Kn, M=_exp3_M(env_info))

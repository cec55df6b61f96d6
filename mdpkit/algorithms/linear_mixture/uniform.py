r"""Uniform-exploration floor for linear mixture MDPs (paper page
``docs/papers/linear-mixture.md``, section "Baselines"): uniformly random actions, an
unweighted ridge value-targeted regression, plug-in planning.

Step h of episode k: ``a ~ U{0..A-1}`` (the explorer's stream), ``s' ~ P(.|s, a)``; the
regression target is the indicator ``1{s' = j}`` of a target state ``j`` with feature
``phi_{e_j}(s, a) = phi(j | s, a)``. ``target`` is a fixed state (``1{s' = x3}`` on the
lower-bound instance) or ``"cycle"`` (``j = (k H + h) mod S``). ``lambda = d/B^2``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import _kernels as kn
from .common import RewardFreeExplorer, check_int

__all__ = ["UniformVTR", "uniform_step", "uniform_run"]


@njit(cache=True)
def uniform_step(phi, cdf, lad, s, a, j, u):
    """Act ``a``, sample with uniform ``u``, add ``(phi(j|s,a), 1{s' = j})``. Returns s'."""
    s2 = kn.sample_next(cdf, s, a, u)
    x = phi[s, a, j].copy()
    kn.vtr_add(lad, 0, x, 1.0 if s2 == j else 0.0, 1.0)
    return s2


@njit(cache=True)
def uniform_run(phi, cdf, lad, s1, acts, targets, u_env):
    n, H1 = u_env.shape
    for i in range(n):
        s = s1
        for h in range(H1 - 1):
            s = uniform_step(phi, cdf, lad, s, acts[i, h], targets[i, h], u_env[i, h + 1])
        kn.ladder_end_episode(lad)


class UniformVTR(RewardFreeExplorer):
    """Uniform random actions + ridge VTR + plug-in planning (module docstring)."""

    LOG_COLUMNS = ()
    name = "uniform-vtr"
    provenance = "[D] designed floor (uniform design, ridge VTR, plug-in planning)"

    def __init__(self, model, K, rng, *, target="cycle", c_beta=1.0, delta=0.05, fast=True):
        super().__init__(model, K, rng, c_beta=c_beta, delta=delta, fast=fast)
        if isinstance(target, str):
            if target != "cycle":
                raise ValueError(f"target must be 'cycle' or a state index, got {target!r}")
        else:
            target = check_int(target, "target", 0)
            if target >= model.S:
                raise ValueError(f"target must be a state in [0, S={model.S}), got {target}")
        self.target = target
        self.N_LEARNER_UNIFORMS = model.H
        self.lad = kn.new_ladder(1, model.d, model.d / model.B**2)

    def _run(self, n, u_env, u_l, logs, fast):
        m = self.model
        acts = np.minimum((u_l * m.A).astype(np.int64), m.A - 1)
        if self.target == "cycle":
            kk = (self.k + np.arange(n))[:, None] * m.H + np.arange(m.H)[None, :]
            targets = (kk % m.S).astype(np.int64)
        else:
            targets = np.full((n, m.H), self.target, dtype=np.int64)
        if fast:
            uniform_run(self.phi, self.cdf, self.lad, m.s1, acts, targets, u_env)
            return
        for i in range(n):
            s = m.s1
            for h in range(m.H):
                s = uniform_step(
                    self.phi, self.cdf, self.lad, s, acts[i, h], targets[i, h], u_env[i, h + 1]
                )
            kn.ladder_end_episode(self.lad)

    def planning_kernel(self) -> np.ndarray:
        return self.phi @ self.lad.theta[0]

r"""UCRL-RFE and UCRL-RFE+ (reward-free, H-dependent baselines of the dissertation chapter
that contains the HF-UCRL-RFE++ paper), paper page ``docs/papers/linear-mixture.md``,
section "Baselines".

Both explore with an optimistic plan for a pseudo reward of the current uncertainty:

* ``m(s, a) = max_{f in {0,1}^S} ||phi_f(s, a)||_{Sigma^-1}`` (exact vertex enumeration;
  the maximum over the box ``[0, c]^S`` is ``c m(s, a)`` at the vertex ``c f*(s, a)``);
* pseudo reward ``r_h(s, a) = min{1, (2 beta / H) (H - 1 - h) m(s, a)}`` (0-based h; the
  target box at step h is ``[0, H - 1 - h]``);
* ``PLAN``: ``Q_h = [r_h + <phi_{V_{h+1}}, theta> + beta ||phi_{V_{h+1}}||_{Sigma^-1}]_{[0, 1]}``
  (``V_max = 1`` under total reward <= 1 [D]), greedy;
* regression target ``u_h(s') = (H - 1 - h) f*(s_h, a_h)(s')`` with feature
  ``(H - 1 - h) phi_{f*}(s_h, a_h)``.

UCRL-RFE: one unweighted ridge, ``lambda = B^-2``, ``beta = H sqrt(d log(3 (1 + K H^3 B^2)/delta)) + 1``.
UCRL-RFE+ (Bernstein): three regressions on the same targets -- weighted ``theta^``
(weights ``1/nu^2``), unweighted ``theta~`` on ``u^2``, unweighted ``theta_check`` -- with
``nu^2 = max{H^2/d, [<phi_{u^2}, theta~>]_{[0,H^2]} - [<phi_u, theta^>]_{[0,H]}^2 + E}``,
``E = min{H^2, beta~ ||phi_{u^2}||_{Sigma~^-1}} + min{H^2, 2 H beta_check ||phi_u||_{Sigma_check^-1}}``;
it plans with ``(theta^, Sigma^, beta^)``. Radii as in the page; every radius times ``c_beta``.
Planning phase: the greedy policy of the clipped DP under ``theta`` (RFE) / ``theta^`` (RFE+).
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import numpy as np
from numba import njit

from . import _kernels as kn
from .common import RewardFreeExplorer

__all__ = [
    "UCRLRFE",
    "UCRLRFEPlus",
    "RFEConsts",
    "rfe_plan",
    "rfe_step",
    "rfe_plus_step",
    "rfe_run",
    "rfe_plus_run",
]


class RFEConsts(NamedTuple):
    beta: float  # planning radius (beta, or beta^ for RFE+)
    beta_check: float  # RFE+ only
    beta_tilde: float  # RFE+ only
    s1: int
    replan_every: int


@njit(cache=True)
def rfe_plan(phi, verts, lad, consts, r, V, pi, fstar, buf):
    """Pseudo reward from the vertex enumeration under ``lad.Sdot_inv[0]``, then the
    optimistic clipped DP with bonus ``beta ||phi_V||``; fills ``pi`` (H, S), ``fstar``
    (S, A) vertex indices, ``r`` (H, S, A)."""
    H, S = pi.shape
    A = phi.shape[1]
    Sinv = lad.Sdot_inv[0]
    beta = consts.beta
    msa = np.empty((S, A))
    for s in range(S):
        for a in range(A):
            best = -1.0
            bi = 0
            for v in range(verts.shape[0]):
                kn.phi_v(phi, s, a, verts[v], buf)
                q = kn.mahal(buf, Sinv)
                if q > best:
                    best = q
                    bi = v
            msa[s, a] = best
            fstar[s, a] = bi
    for h in range(H):
        c = 2.0 * beta / H * (H - 1 - h)
        for s in range(S):
            for a in range(A):
                x = c * msa[s, a]
                r[h, s, a] = 1.0 if x > 1.0 else x
    for s in range(S):
        V[H, s] = 0.0
    theta = lad.theta[0]
    for h in range(H - 1, -1, -1):
        for s in range(S):
            bq = -1.0
            ba = 0
            for a in range(A):
                kn.phi_v(phi, s, a, V[h + 1], buf)
                q = r[h, s, a] + beta * kn.mahal(buf, Sinv)
                for i in range(buf.shape[0]):
                    q += buf[i] * theta[i]
                q = 0.0 if q < 0.0 else (1.0 if q > 1.0 else q)
                if q > bq:
                    bq = q
                    ba = a
            V[h, s] = bq
            pi[h, s] = ba


@njit(cache=True)
def rfe_step(phi, cdf, verts, lad, pi, fstar, h, s, u):
    """UCRL-RFE step: act, sample, unweighted ridge on the vertex target. Returns s'."""
    H = pi.shape[0]
    a = pi[h, s]
    s2 = kn.sample_next(cdf, s, a, u)
    c = float(H - 1 - h)
    if c > 0.0:
        x = np.empty(phi.shape[3])
        kn.phi_v(phi, s, a, verts[fstar[s, a]], x)
        for i in range(x.shape[0]):
            x[i] *= c
        kn.vtr_add(lad, 0, x, c * verts[fstar[s, a], s2], 1.0)
    return s2


@njit(cache=True)
def rfe_plus_step(phi, cdf, verts, lad, consts, pi, fstar, h, s, u, stats):
    """UCRL-RFE+ step: the three regressions (levels 0 = weighted theta^, 1 = theta~ on
    u^2, 2 = theta_check) with the Bernstein weight ``nu^2``. ``stats[0]`` accumulates the
    steps where the variance term exceeded the floor ``H^2/d``. Returns s'."""
    H = pi.shape[0]
    d = phi.shape[3]
    a = pi[h, s]
    s2 = kn.sample_next(cdf, s, a, u)
    c = float(H - 1 - h)
    if c > 0.0:
        f = verts[fstar[s, a]]
        x = np.empty(d)
        x2 = np.empty(d)
        kn.phi_v(phi, s, a, f, x)
        for i in range(d):
            x2[i] = c * c * x[i]  # phi_{u^2} with u = c f, f in {0,1}^S
            x[i] *= c
        y = c * f[s2]
        Hf = float(H)
        m2 = 0.0
        m1 = 0.0
        for i in range(d):
            m2 += x2[i] * lad.theta[1, i]
            m1 += x[i] * lad.theta[0, i]
        m2 = min(max(m2, 0.0), Hf * Hf)
        m1 = min(max(m1, 0.0), Hf)
        E = min(Hf * Hf, consts.beta_tilde * kn.mahal(x2, lad.Sdot_inv[1])) + min(
            Hf * Hf, 2.0 * Hf * consts.beta_check * kn.mahal(x, lad.Sdot_inv[2])
        )
        nu2 = m2 - m1 * m1 + E
        floor = Hf * Hf / d
        if nu2 > floor:
            stats[0] += 1.0
        else:
            nu2 = floor
        kn.vtr_add(lad, 0, x, y, nu2)
        kn.vtr_add(lad, 1, x2, y * y, 1.0)
        kn.vtr_add(lad, 2, x, y, 1.0)
    return s2


@njit(cache=True)
def rfe_run(phi, cdf, verts, lad, consts, r, V, pi, fstar, k0, u_env, logs):
    n, H1 = u_env.shape
    H = H1 - 1
    buf = np.empty(phi.shape[3])
    for i in range(n):
        if (k0 + i) % consts.replan_every == 0:
            rfe_plan(phi, verts, lad, consts, r, V, pi, fstar, buf)
        s = consts.s1
        for h in range(H):
            s = rfe_step(phi, cdf, verts, lad, pi, fstar, h, s, u_env[i, h + 1])
        kn.ladder_end_episode(lad)
        logs[i, 0] = V[0, consts.s1]


@njit(cache=True)
def rfe_plus_run(phi, cdf, verts, lad, consts, r, V, pi, fstar, k0, u_env, logs):
    n, H1 = u_env.shape
    H = H1 - 1
    buf = np.empty(phi.shape[3])
    stats = np.zeros(1)
    for i in range(n):
        if (k0 + i) % consts.replan_every == 0:
            rfe_plan(phi, verts, lad, consts, r, V, pi, fstar, buf)
        s = consts.s1
        stats[0] = 0.0
        for h in range(H):
            s = rfe_plus_step(phi, cdf, verts, lad, consts, pi, fstar, h, s, u_env[i, h + 1], stats)
        kn.ladder_end_episode(lad)
        logs[i, 0] = V[0, consts.s1]
        logs[i, 1] = stats[0] / H


def _log3(K, H, delta):
    return math.log(48 * K**2 * H**2 / delta)


class UCRLRFE(RewardFreeExplorer):
    """UCRL-RFE (module docstring). ``replan_every`` as for HF-UCRL-RFE++.

    Log column ``optimism``: ``V_1(s1)`` of the exploration plan (pseudo reward + bonus).
    """

    LOG_COLUMNS = ("optimism",)
    N_LEARNER_UNIFORMS = 1
    name = "ucrl-rfe"
    provenance = (
        "[V] pseudo reward, PLAN, vertex target, beta and lambda (dissertation "
        "chapter, Hoeffding version); [D] V_max = 1 under total reward <= 1, exact "
        "vertex enumeration of {0,1}^S, periodic replanning"
    )

    def __init__(self, model, K, rng, *, c_beta=1.0, delta=0.05, replan_every=1, fast=True):
        super().__init__(model, K, rng, c_beta=c_beta, delta=delta, fast=fast)
        m = model
        from .common import check_int

        self.replan_every = check_int(replan_every, "replan_every", 1)
        if m.S > 16:
            raise ValueError(f"vertex enumeration needs S <= 16, got S = {m.S}")
        self.verts = np.array(list(itertools.product((0.0, 1.0), repeat=m.S)))
        self.lam = 1.0 / m.B**2
        self.lad = kn.new_ladder(self._levels(), m.d, self.lam)
        self.consts = self._consts()
        self.r = np.zeros((m.H, m.S, m.A))
        self.V = np.zeros((m.H + 1, m.S))
        self.pi = np.zeros((m.H, m.S), np.int64)
        self.fstar = np.zeros((m.S, m.A), np.int64)

    def _levels(self):
        return 1

    def _consts(self):
        m = self.model
        beta = m.H * math.sqrt(m.d * math.log(3 * (1 + self.K * m.H**3 * m.B**2) / self.delta)) + 1
        return RFEConsts(self.c_beta * beta, 0.0, 0.0, m.s1, self.replan_every)

    def _args(self):
        return (
            self.phi,
            self.cdf,
            self.verts,
            self.lad,
            self.consts,
            self.r,
            self.V,
            self.pi,
            self.fstar,
        )

    def _plan(self, buf):
        """The planning step of the generic loop (the compiled runs plan inside)."""
        rfe_plan(
            self.phi, self.verts, self.lad, self.consts, self.r, self.V, self.pi, self.fstar, buf
        )

    def _run(self, n, u_env, u_l, logs, fast):
        if fast:
            rfe_run(*self._args(), self.k, u_env, logs)
            return
        buf = np.empty(self.model.d)
        for i in range(n):
            if (self.k + i) % self.replan_every == 0:
                self._plan(buf)
            s = self.model.s1
            for h in range(self.model.H):
                s = rfe_step(
                    self.phi,
                    self.cdf,
                    self.verts,
                    self.lad,
                    self.pi,
                    self.fstar,
                    h,
                    s,
                    u_env[i, h + 1],
                )
            kn.ladder_end_episode(self.lad)
            logs[i, 0] = self.V[0, self.model.s1]

    def planning_kernel(self) -> np.ndarray:
        return self.phi @ self.lad.theta[0]


class UCRLRFEPlus(UCRLRFE):
    """UCRL-RFE+ (Bernstein weights; module docstring). Log columns ``optimism`` and
    ``var_frac`` (fraction of steps where the variance estimate exceeded ``H^2/d``)."""

    LOG_COLUMNS = ("optimism", "var_frac")
    name = "ucrl-rfe-plus"
    provenance = (
        "[V] three regressions, weight nu^2 with floor H^2/d, radii beta^, "
        "beta_check, beta~ (dissertation chapter, UCRL-VTR+ adaptation); "
        "[R] exploration with (theta^, Sigma^, beta^); [D] as UCRL-RFE"
    )

    def _levels(self):
        return 3

    def _consts(self):
        m = self.model
        K, H, d = self.K, m.H, m.d
        L = _log3(K, H, self.delta)
        lk = math.log(1 + K * H * m.B**2)
        b_hat = 8 * math.sqrt(d * lk * L) + 4 * math.sqrt(d) * L + 1
        b_chk = 8 * d * math.sqrt(lk * L) + 4 * math.sqrt(d) * L + 1
        b_til = 8 * H**2 * math.sqrt(d * lk * L) + 4 * H**2 * L + 1
        c = self.c_beta
        return RFEConsts(c * b_hat, c * b_chk, c * b_til, m.s1, self.replan_every)

    def _run(self, n, u_env, u_l, logs, fast):
        if fast:
            rfe_plus_run(*self._args(), self.k, u_env, logs)
            return
        buf = np.empty(self.model.d)
        H = self.model.H
        for i in range(n):
            if (self.k + i) % self.replan_every == 0:
                self._plan(buf)
            s = self.model.s1
            stats = np.zeros(1)
            for h in range(H):
                s = rfe_plus_step(
                    self.phi,
                    self.cdf,
                    self.verts,
                    self.lad,
                    self.consts,
                    self.pi,
                    self.fstar,
                    h,
                    s,
                    u_env[i, h + 1],
                    stats,
                )
            kn.ladder_end_episode(self.lad)
            logs[i, 0] = self.V[0, self.model.s1]
            logs[i, 1] = stats[0] / H

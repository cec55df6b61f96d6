r"""Numba kernels for dynamical linear bandits (DLB): system simulation, epoch bookkeeping,
UCB index computation, and whole-run kernels per agent family.

Paper page: ``docs/papers/dynlin-ucb.md`` (its sections are cited per function as
``dynlin-ucb.md#<section>``).

Design
------
Every learner of :mod:`mdpkit.algorithms.dynlin_ucb` and :mod:`mdpkit.algorithms.dlb`
has two execution paths that must give *identical* numbers:

* the generic ``act`` / ``update`` loop driven by the runner, and
* ``fast_run`` which calls one whole-run kernel below.

To make the identity structural, both paths call the *same* small ``@njit`` step functions
(:func:`dlb_step`, :func:`ucb_argmax`, :func:`sherman_morrison_update`, the ``beta_*``
functions, :func:`epoch_length`, the EXP3 / AR2 steps). The whole-run kernels are plain
loops over these functions. The environment noise is drawn *outside* the kernels from the
environment's Generator, as one standard normal vector of length ``n + m`` per round, in the
same order as :meth:`mdpkit.envs.dlb.DynamicalLinearBandit.pull` draws it; the learners'
own uniforms are drawn from the learner's Generator, one per decision, in the same order as
their ``act`` draws them.

The system step itself (:func:`dlb_step`) lives in :mod:`mdpkit.envs.dlb` (imports point
down: the environment must not import a learner module) and is re-exported here.

System convention (dynlin-ucb.md#model): the reward of round t uses the pre-update state,
``y_t = <omega, x_t> + <theta, u_t> + sigma_out * 1^T z_out``, then
``x_{t+1} = A x_t + B u_t + sigma_state * z_state``. Per-arm quantities ``Bu[k] = B u_k``
and ``thetau[k] = <theta, u_k>`` are precomputed once (numpy) and passed in.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from ..envs.dlb import dlb_shadow_step, dlb_step, simulate_constant, transient_expected_rewards  # noqa: F401

__all__ = [
    "dlb_step",
    "dlb_shadow_step",
    "simulate_constant",
    "transient_expected_rewards",
    "epoch_length",
    "beta_dynlin",
    "beta_linucb_fed",
    "beta_dlinucb_fed",
    "ucb_argmax",
    "ucb_argmax_dlin",
    "sherman_morrison_update",
    "inverse_small",
    "run_linear_family",
    "run_dlin_russac",
    "exp3_probabilities",
    "sample_from",
    "run_exp3",
    "run_batch_exp3",
    "ar2_choose",
    "ar2_update",
    "run_ar2",
    "run_fixed",
    "BETA_DYNLIN",
    "BETA_LINUCB_FED",
    "BETA_DLINUCB_FED",
    "BETA_CONST",
    "BETA_MODES",
]

# beta modes of run_linear_family
BETA_DYNLIN = (
    0  # dynlin-ucb.md#radius-and-epochs: c_h sqrt(lam) + c_b/sqrt(lam) log(e(t+1)) + noise term
)
BETA_LINUCB_FED = 1  # dynlin-ucb.md#baselines "Lin-UCB (lam = log T)": no transient term
BETA_DLINUCB_FED = (
    2  # dynlin-ucb.md#baselines "D-Lin-UCB (lam = log T)": discounted log-det term only
)
BETA_CONST = 3  # dynlin-ucb.md#baselines "Lin-UCB (lam = 1)" (LinUCBAgent): constant beta
BETA_MODES = (BETA_DYNLIN, BETA_LINUCB_FED, BETA_DLINUCB_FED, BETA_CONST)


# --------------------------------------------------------------------------- epochs
@njit(cache=True)
def epoch_length(m, rho_bar, eps):
    """Length ``H_m`` of epoch m >= 1 (dynlin-ucb.md#radius-and-epochs): ``1 + floor(log m / log(1/rho_bar))``.

    Equals 1 when ``rho_bar < eps`` (the algorithm is then Lin-UCB). The ``1e-12`` guard
    makes exact powers ``m = rho_bar^{-k}`` land on the side required by
    ``rho_bar^{H_m} < 1/m <= rho_bar^{H_m - 1}`` (dynlin-ucb.md#radius-and-epochs).
    """
    if rho_bar < eps or m <= 1:
        return 1
    return 1 + int(math.floor(math.log(m) / math.log(1.0 / rho_bar) + 1e-12))


# --------------------------------------------------------------------------- betas
@njit(cache=True)
def beta_dynlin(t, lam, c_h, c_b, sig2_tilde, log_inv_delta, d, U_bar):
    """beta_t of DynLin-UCB (dynlin-ucb.md#radius-and-epochs); ``t`` = rounds elapsed."""
    return (
        c_h * math.sqrt(lam)
        + c_b / math.sqrt(lam) * (1.0 + math.log(t + 1.0))
        + math.sqrt(
            2.0
            * sig2_tilde
            * (log_inv_delta + 0.5 * d * math.log(1.0 + t * U_bar * U_bar / (d * lam)))
        )
    )


@njit(cache=True)
def beta_linucb_fed(t, lam, c_h, sig2_tilde, log_inv_delta, d, U_bar):
    """beta_t of "Lin-UCB (lam = log T)" fed DLB constants (dynlin-ucb.md#baselines): no transient term."""
    return c_h * math.sqrt(lam) + math.sqrt(
        2.0 * sig2_tilde * (log_inv_delta + 0.5 * d * math.log(1.0 + t * U_bar * U_bar / (d * lam)))
    )


@njit(cache=True)
def beta_dlinucb_fed(t, lam, c_h, sig2_tilde, log_inv_delta, d, U_bar, gamma):
    """beta_t of "D-Lin-UCB (lam = log T)" (dynlin-ucb.md#baselines): discounted log-det factor."""
    g2t = gamma ** (2.0 * t)
    inner = 1.0 + (t * U_bar * U_bar / (d * lam)) * (1.0 - g2t) / (1.0 - gamma * gamma)
    return c_h * math.sqrt(lam) + math.sqrt(
        2.0 * sig2_tilde * (log_inv_delta + 0.5 * d * math.log(inner))
    )


class DLBSystem(NamedTuple):
    """The environment's side of a whole DLB run (oracle arrays of
    :class:`mdpkit.envs.dlb.DynamicalLinearBandit`)."""

    A: np.ndarray  #: (n, n) state matrix
    omega: np.ndarray  #: (n,) state-to-reward weights
    Bu: np.ndarray  #: (K, n) B u_a for every arm
    thetau: np.ndarray  #: (K,) theta^T u_a for every arm
    gaps: np.ndarray  #: (K,) steady-state gaps
    sigma_state: float  #: state noise level
    sigma_out: float  #: reward noise level


def dlb_system(env) -> DLBSystem:
    """The :class:`DLBSystem` of a ``DynamicalLinearBandit``."""
    return DLBSystem(
        env.A, env.omega, env.Bu, env.thetau, env.gaps, float(env.state_sigma), float(env.sigma)
    )


class LinearFamilyConfig(NamedTuple):
    """Constants of a learner of the linear family (DynLin-UCB, Lin-UCB, D-Lin-UCB log T)."""

    first_action: int  #: arm of the first epoch
    first_len: int  #: length of epoch 1 when rho_bar >= eps (1 or 2)
    rho_bar: float  #: upper bound on rho(A)
    eps: float  #: rho_bar < eps gives length-1 epochs (Lin-UCB)
    lam: float  #: ridge regularisation
    beta_mode: int  #: BETA_DYNLIN / BETA_LINUCB_FED / BETA_DLINUCB_FED / BETA_CONST
    c_h: float
    c_b: float
    sig2_tilde: float
    log_inv_delta: float
    U_bar: float
    gamma: float
    beta_const: float
    beta_scale: float  #: multiplies beta_t


@njit(cache=True)
def family_beta(cfg, t, d):
    """The confidence radius of the linear family at ``t`` rounds elapsed, times
    ``cfg.beta_scale`` (the one formula used by ``act`` and by :func:`run_linear_family`)."""
    return (
        _beta(
            cfg.beta_mode,
            t,
            cfg.lam,
            cfg.c_h,
            cfg.c_b,
            cfg.sig2_tilde,
            cfg.log_inv_delta,
            d,
            cfg.U_bar,
            cfg.gamma,
            cfg.beta_const,
        )
        * cfg.beta_scale
    )


@njit(cache=True)
def _beta(mode, t, lam, c_h, c_b, sig2_tilde, log_inv_delta, d, U_bar, gamma, beta_const):
    if mode == BETA_DYNLIN:
        return beta_dynlin(t, lam, c_h, c_b, sig2_tilde, log_inv_delta, d, U_bar)
    if mode == BETA_LINUCB_FED:
        return beta_linucb_fed(t, lam, c_h, sig2_tilde, log_inv_delta, d, U_bar)
    if mode == BETA_DLINUCB_FED:
        return beta_dlinucb_fed(t, lam, c_h, sig2_tilde, log_inv_delta, d, U_bar, gamma)
    if mode == BETA_CONST:
        return beta_const
    raise ValueError("beta_mode must be one of the BETA_* constants (BETA_MODES)")


# --------------------------------------------------------------------------- linear algebra
@njit(cache=True)
def ucb_argmax(X, hhat, Vinv, beta):
    """``argmax_k <hhat, x_k> + beta sqrt(x_k^T Vinv x_k)``, ties to the first index.

    Parameters
    ----------
    X : ndarray, shape (K, d); hhat : ndarray, shape (d,); Vinv : ndarray, shape (d, d)
    """
    K, d = X.shape
    best = -np.inf
    arg = 0
    for k in range(K):
        mean = 0.0
        quad = 0.0
        for i in range(d):
            mean += X[k, i] * hhat[i]
            acc = 0.0
            for j in range(d):
                acc += Vinv[i, j] * X[k, j]
            quad += X[k, i] * acc
        if quad < 0.0:
            quad = 0.0
        val = mean + beta * math.sqrt(quad)
        if val > best:
            best = val
            arg = k
    return arg


@njit(cache=True)
def sherman_morrison_update(Vinv, V, b, hhat, u, y):
    """Rank-one update ``V <- V + u u^T``, ``b <- b + u y``, ``hhat <- V^{-1} b`` (in place),
    with ``V^{-1}`` kept by Sherman-Morrison (dynlin-ucb.md#radius-and-epochs).

    Returns ``u^T V_old^{-1} u`` (the squared width of u before the update).
    """
    d = u.shape[0]
    Vu = np.empty(d)
    for i in range(d):
        acc = 0.0
        for j in range(d):
            acc += Vinv[i, j] * u[j]
        Vu[i] = acc
    q = 0.0
    for i in range(d):
        q += u[i] * Vu[i]
    denom = 1.0 + q
    for i in range(d):
        for j in range(d):
            Vinv[i, j] -= Vu[i] * Vu[j] / denom
            V[i, j] += u[i] * u[j]
        b[i] += u[i] * y
    for i in range(d):
        acc = 0.0
        for j in range(d):
            acc += Vinv[i, j] * b[j]
        hhat[i] = acc
    return q


@njit(cache=True)
def inverse_small(M):
    """Inverse of a small SPD matrix by Gauss-Jordan with partial pivoting."""
    d = M.shape[0]
    a = M.copy()
    inv = np.eye(d)
    for c in range(d):
        p = c
        for r in range(c + 1, d):
            if abs(a[r, c]) > abs(a[p, c]):
                p = r
        if p != c:
            for j in range(d):
                tmp = a[c, j]
                a[c, j] = a[p, j]
                a[p, j] = tmp
                tmp = inv[c, j]
                inv[c, j] = inv[p, j]
                inv[p, j] = tmp
        piv = a[c, c]
        for j in range(d):
            a[c, j] /= piv
            inv[c, j] /= piv
        for r in range(d):
            if r != c:
                f = a[r, c]
                if f != 0.0:
                    for j in range(d):
                        a[r, j] -= f * a[c, j]
                        inv[r, j] -= f * inv[c, j]
    return inv


@njit(cache=True)
def _vnorm_err(V, hhat, h):
    """``||hhat - h||_V``."""
    d = h.shape[0]
    s = 0.0
    for i in range(d):
        for j in range(d):
            s += (hhat[i] - h[i]) * V[i, j] * (hhat[j] - h[j])
    return math.sqrt(max(s, 0.0))


# --------------------------------------------------------------------------- linear family
@njit(cache=True)
def run_linear_family(system, cfg, Z, X, h_true, record):
    """Whole run of the OFUL-at-epoch-level family (dynlin-ucb.md#radius-and-epochs, #baselines): DynLin-UCB (both
    configurations), Lin-UCB (both), D-Lin-UCB (lam = log T).

    The first epoch plays ``first_action``; each later epoch m plays the UCB argmax with
    beta at the current round count and lasts ``epoch_length(m, rho_bar, eps)`` rounds
    (truncated at T). Only the last reward of an epoch enters the regression.
    ``rho_bar < eps`` gives length-1 epochs (Lin-UCB); ``first_len`` (1 or 2) is the length
    of epoch 1 when ``rho_bar >= eps`` (dynlin-ucb.md#radius-and-epochs).

    Parameters
    ----------
    system : DLBSystem
    cfg : LinearFamilyConfig
    Z : (T, n + m) standard normals of the environment
    X : (K, d) action features
    h_true : (d,) the true cumulative Markov parameter (only for the coverage statistics)
    record : bool, keep per-epoch logs

    Returns
    -------
    actions : int64 (T,), rewards : float (T,), stats : float (6,)
        stats = [n_epochs, n_updates, min over epochs of (beta_{t_m} - ||hhat_m - h||_{V_m}),
                 sum_m min(2 max gap, 2 beta ||u_m||_{V^{-1}_{m-1}}) (dynlin-ucb.md#theory), max
                 epoch length, 0]
    ep_start : int64 (M,), ep_len : int64 (M,), ep_action : int64 (M,), ep_beta : float (M,)
        per-epoch logs (length 1 dummies when ``record`` is False)
    """
    A, omega, Bu, thetau, gaps = system.A, system.omega, system.Bu, system.thetau, system.gaps
    sigma_state, sigma_out = system.sigma_state, system.sigma_out
    first_action, first_len, rho_bar, eps, lam = (
        cfg.first_action,
        cfg.first_len,
        cfg.rho_bar,
        cfg.eps,
        cfg.lam,
    )
    T = Z.shape[0]
    K, d = X.shape
    n = A.shape[0]
    x = np.zeros(n)
    buf = np.empty(n)
    Vinv = np.eye(d) / lam
    V = np.eye(d) * lam
    b = np.zeros(d)
    hhat = np.zeros(d)
    actions = np.empty(T, dtype=np.int64)
    rewards = np.empty(T)
    cap = T if record else 1
    ep_start = np.zeros(cap, dtype=np.int64)
    ep_len = np.zeros(cap, dtype=np.int64)
    ep_action = np.zeros(cap, dtype=np.int64)
    ep_beta = np.zeros(cap)
    max_gap = 0.0
    for k in range(K):
        if gaps[k] > max_gap:
            max_gap = gaps[k]
    stats = np.zeros(6)
    min_margin = np.inf
    width_sum = 0.0
    max_len = 0
    t = 0
    m = 0
    n_updates = 0
    while t < T:
        m += 1
        if m == 1:
            a = first_action
            beta = family_beta(cfg, t, d)
            L = first_len if rho_bar >= eps else 1
        else:
            beta = family_beta(cfg, t, d)
            a = ucb_argmax(X, hhat, Vinv, beta)
            L = epoch_length(m, rho_bar, eps)
        if L > T - t:
            L = T - t
        if L > max_len:
            max_len = L
        if record:
            ep_start[m - 1] = t
            ep_len[m - 1] = L
            ep_action[m - 1] = a
            ep_beta[m - 1] = beta
        y = 0.0
        for _ in range(L):
            y = dlb_step(A, omega, x, Bu[a], thetau[a], sigma_state, sigma_out, Z[t], buf)
            actions[t] = a
            rewards[t] = y
            t += 1
        # the epoch's last reward is the only regression label (dynlin-ucb.md#radius-and-epochs)
        q = sherman_morrison_update(Vinv, V, b, hhat, X[a], y)
        n_updates += 1
        w = 2.0 * beta * math.sqrt(q)
        width_sum += min(2.0 * max_gap, w)
        beta_next = family_beta(cfg, t, d)
        margin = beta_next - _vnorm_err(V, hhat, h_true)
        if margin < min_margin:
            min_margin = margin
    stats[0] = m
    stats[1] = n_updates
    stats[2] = min_margin
    stats[3] = width_sum
    stats[4] = max_len
    return (
        actions,
        rewards,
        stats,
        ep_start[:m] if record else ep_start,
        ep_len[:m] if record else ep_len,
        ep_action[:m] if record else ep_action,
        ep_beta[:m] if record else ep_beta,
    )


# --------------------------------------------------------------------------- D-Lin-UCB
@njit(cache=True)
def dlin_index_argmax(X, hhat, Vinv, Vt, beta):
    """``argmax_k <x_k, hhat> + beta sqrt(x_k^T V^{-1} Vtilde V^{-1} x_k)`` (dynlin-ucb.md#baselines)."""
    K, d = X.shape
    best = -np.inf
    arg = 0
    w = np.empty(d)
    for k in range(K):
        mean = 0.0
        for i in range(d):
            mean += X[k, i] * hhat[i]
            acc = 0.0
            for j in range(d):
                acc += Vinv[i, j] * X[k, j]
            w[i] = acc
        quad = 0.0
        for i in range(d):
            acc = 0.0
            for j in range(d):
                acc += Vt[i, j] * w[j]
            quad += w[i] * acc
        if quad < 0.0:
            quad = 0.0
        val = mean + beta * math.sqrt(quad)
        if val > best:
            best = val
            arg = k
    return arg


ucb_argmax_dlin = dlin_index_argmax


@njit(cache=True)
def dlin_beta(t, lam, gamma, theta_norm, sigma, log_T, d, norm_bound):
    """beta_t of D-Lin-UCB (Russac et al. 2019) as configured in the reference (dynlin-ucb.md#baselines)."""
    lam_t = gamma ** (-float(t)) * lam
    inner = 1.0 + norm_bound * norm_bound * (1.0 - gamma ** (2.0 * t)) / (
        d * lam_t * (1.0 - gamma * gamma)
    )
    return theta_norm * math.sqrt(lam_t) + sigma * math.sqrt(2.0 * log_T + d * math.log(inner))


@njit(cache=True)
def dlin_update(V, Vt, b, u, y, t, lam, gamma):
    """D-Lin-UCB update after round t (0-based rounds elapsed before it, dynlin-ucb.md#baselines):
    ``V <- gV + uu^T + (1-g) lam_t I``, ``Vt <- g^2 Vt + uu^T + (1-g^2) lam_t I``,
    ``b <- g b + u y``, with ``lam_t = g^{-t} lam``. Returns ``V^{-1}`` and ``hhat``."""
    d = u.shape[0]
    lam_t = gamma ** (-float(t)) * lam
    g2 = gamma * gamma
    for i in range(d):
        for j in range(d):
            V[i, j] = gamma * V[i, j] + u[i] * u[j]
            Vt[i, j] = g2 * Vt[i, j] + u[i] * u[j]
        V[i, i] += (1.0 - gamma) * lam_t
        Vt[i, i] += (1.0 - g2) * lam_t
        b[i] = gamma * b[i] + u[i] * y
    Vinv = inverse_small(V)
    hhat = np.empty(d)
    for i in range(d):
        acc = 0.0
        for j in range(d):
            acc += Vinv[i, j] * b[j]
        hhat[i] = acc
    return Vinv, hhat


@njit(cache=True)
def run_dlin_russac(
    system, Z, X, first_action, lam, gamma, theta_norm, sigma, log_T, norm_bound, beta_scale
):
    """Whole run of D-Lin-UCB (lam = 1) (Russac et al. 2019, dynlin-ucb.md#baselines); returns
    ``(actions int64 (T,), rewards (T,))``."""
    A, omega, Bu, thetau = system.A, system.omega, system.Bu, system.thetau
    sigma_state, sigma_out = system.sigma_state, system.sigma_out
    T = Z.shape[0]
    K, d = X.shape
    n = A.shape[0]
    x = np.zeros(n)
    buf = np.empty(n)
    V = np.eye(d) * lam
    Vt = np.eye(d) * lam
    Vinv = np.eye(d) / lam
    b = np.zeros(d)
    hhat = np.zeros(d)
    actions = np.empty(T, dtype=np.int64)
    rewards = np.empty(T)
    for t in range(T):
        if t == 0:
            a = first_action
        else:
            beta = dlin_beta(t, lam, gamma, theta_norm, sigma, log_T, d, norm_bound) * beta_scale
            a = dlin_index_argmax(X, hhat, Vinv, Vt, beta)
        y = dlb_step(A, omega, x, Bu[a], thetau[a], sigma_state, sigma_out, Z[t], buf)
        actions[t] = a
        rewards[t] = y
        Vinv, hhat = dlin_update(V, Vt, b, X[a], y, t, lam, gamma)
    return actions, rewards


# --------------------------------------------------------------------------- EXP3
@njit(cache=True)
def exp3_probabilities(G, eta, gamma):
    """``(1 - gamma) softmax(eta G) + gamma / K`` (dynlin-ucb.md#baselines), computed with the max
    subtracted (mathematically identical to the reference's plain exponentials)."""
    K = G.shape[0]
    mx = -np.inf
    for k in range(K):
        if eta * G[k] > mx:
            mx = eta * G[k]
    p = np.empty(K)
    s = 0.0
    for k in range(K):
        p[k] = math.exp(eta * G[k] - mx)
        s += p[k]
    for k in range(K):
        p[k] = (1.0 - gamma) * p[k] / s + gamma / K
    return p


@njit(cache=True)
def sample_from(p, u):
    """Inverse-CDF sample of a categorical distribution from one uniform ``u`` in [0, 1)."""
    K = p.shape[0]
    tot = 0.0
    for k in range(K):
        tot += p[k]
    c = 0.0
    thr = u * tot
    for k in range(K):
        c += p[k]
        if thr < c:
            return k
    return K - 1


@njit(cache=True)
def run_exp3(system, Z, U, eta, gamma, M):
    """Whole run of EXP3 (dynlin-ucb.md#baselines); ``U`` (T,) uniforms of the learner, one per round."""
    A, omega, Bu, thetau = system.A, system.omega, system.Bu, system.thetau
    sigma_state, sigma_out = system.sigma_state, system.sigma_out
    T = Z.shape[0]
    K = Bu.shape[0]
    n = A.shape[0]
    x = np.zeros(n)
    buf = np.empty(n)
    G = np.zeros(K)
    p = np.full(K, 1.0 / K)
    actions = np.empty(T, dtype=np.int64)
    rewards = np.empty(T)
    for t in range(T):
        a = sample_from(p, U[t])
        y = dlb_step(A, omega, x, Bu[a], thetau[a], sigma_state, sigma_out, Z[t], buf)
        actions[t] = a
        rewards[t] = y
        G[a] += ((y + 2.0 * M) / (4.0 * M)) / p[a]
        p = exp3_probabilities(G, eta, gamma)
    return actions, rewards


@njit(cache=True)
def batch_exp3_is_update_round(t, tau, quirks):
    """Whether the batch feedback is used after round t (0-based).

    Clean: after the last round of each batch, ``t % tau == tau - 1``. Reference quirk
    (authors' ``BatchExp3Agent``): after rounds ``t = 1 + k tau``, i.e. the first window is
    rounds {0, 1} and later windows straddle two batches (see the dlb.batch_exp3 docstring).
    """
    if quirks:
        return t >= 1 and t % tau == 1 % tau
    return t % tau == tau - 1


@njit(cache=True)
def run_batch_exp3(system, Z, U, eta, gamma, M, tau, quirks):
    """Whole run of Batch-EXP3 (dynlin-ucb.md#baselines): a new draw at rounds ``t % tau == 0``; the
    batch-mean reward (sum / tau) enters the EXP3 update. ``U`` has one uniform per batch."""
    A, omega, Bu, thetau = system.A, system.omega, system.Bu, system.thetau
    sigma_state, sigma_out = system.sigma_state, system.sigma_out
    T = Z.shape[0]
    K = Bu.shape[0]
    n = A.shape[0]
    x = np.zeros(n)
    buf = np.empty(n)
    G = np.zeros(K)
    p = np.full(K, 1.0 / K)
    actions = np.empty(T, dtype=np.int64)
    rewards = np.empty(T)
    acc = 0.0
    a = 0
    for t in range(T):
        if t % tau == 0:
            a = sample_from(p, U[t // tau])
        y = dlb_step(A, omega, x, Bu[a], thetau[a], sigma_state, sigma_out, Z[t], buf)
        actions[t] = a
        rewards[t] = y
        acc += y
        if batch_exp3_is_update_round(t, tau, quirks):
            r = acc / tau
            G[a] += ((r + 2.0 * M) / (4.0 * M)) / p[a]
            p = exp3_probabilities(G, eta, gamma)
            acc = 0.0
    return actions, rewards


# --------------------------------------------------------------------------- AR2
@njit(cache=True)
def ar2_choose(
    t0, s, K, epoch_size, est, tau, tau_trig, trig, last, last_last, alpha, c1sig, u, quirks
):
    """AR2 arm choice at 1-based round ``t0`` (dynlin-ucb.md#baselines), in place on ``tau_trig`` / ``trig``.

    ``trig`` : int8 (K,) membership of the triggered set. ``u`` one uniform of the learner.
    Returns the arm.
    """
    start = K + (s - 1) * epoch_size
    if t0 <= start:
        return start - t0
    if est[last] >= est[last_last]:
        i_sup = last
    else:
        i_sup = last_last
    a2 = alpha * alpha
    for i in range(K):
        if i != i_sup and trig[i] == 0:
            thr = c1sig * math.sqrt(
                max(a2 - alpha ** (2.0 * (t0 - tau[i] + 1.0)), 0.0) / (1.0 - a2)
            )
            if est[i_sup] - est[i] <= thr:
                trig[i] = 1
                tau_trig[i] = t0
    n_trig = 0
    for i in range(K):
        n_trig += trig[i]
    if n_trig > 0 and t0 % 2 == 1:
        mn = np.inf
        for i in range(K):
            if trig[i] == 1 and tau_trig[i] < mn:
                mn = tau_trig[i]
        cnt = 0
        for i in range(K):
            if trig[i] == 1 and tau_trig[i] == mn:
                cnt += 1
        pick = int(u * cnt)
        if pick >= cnt:
            pick = cnt - 1
        for i in range(K):
            if trig[i] == 1 and tau_trig[i] == mn:
                if pick == 0:
                    if not quirks:
                        # clean version: a triggered arm leaves the set once explored
                        trig[i] = 0
                        tau_trig[i] = np.inf
                    return i
                pick -= 1
    return i_sup


@njit(cache=True)
def ar2_update(t0, s, K, epoch_size, est, tau, tau_trig, trig, a, X_obs, alpha, quirks):
    """AR2 update after round ``t0`` (dynlin-ucb.md#baselines), in place; returns the new epoch index s.

    Clean version only: the triggered set is emptied when a new epoch (restart) begins; the
    reference never does (its reset line is unreachable). Never reached when the epoch
    size exceeds T, as in every configuration of dynlin-ucb.md#instances.
    """
    tau[a] = t0
    if t0 < K + (s - 1) * epoch_size:
        est[a] = alpha ** (K - 1) * X_obs
    else:
        est[a] = alpha * X_obs
        for i in range(K):
            if i != a:
                est[i] *= alpha
        if t0 % epoch_size == 0:
            s += 1
            if not quirks:
                for i in range(K):
                    trig[i] = 0
                    tau_trig[i] = np.inf
    return s


@njit(cache=True)
def run_ar2(system, Z, U, alpha, epoch_size, c1sig, quirks):
    """Whole run of AR2 (dynlin-ucb.md#baselines); ``U`` one learner uniform per round."""
    A, omega, Bu, thetau = system.A, system.omega, system.Bu, system.thetau
    sigma_state, sigma_out = system.sigma_state, system.sigma_out
    T = Z.shape[0]
    K = Bu.shape[0]
    n = A.shape[0]
    x = np.zeros(n)
    buf = np.empty(n)
    est = np.full(K, np.inf)
    tau = np.full(K, np.inf)
    tau_trig = np.full(K, np.inf)
    trig = np.zeros(K, dtype=np.int8)
    actions = np.empty(T, dtype=np.int64)
    rewards = np.empty(T)
    s = 1
    last = -1
    last_last = -1
    for t in range(T):
        t0 = t + 1
        a = ar2_choose(
            t0,
            s,
            K,
            epoch_size,
            est,
            tau,
            tau_trig,
            trig,
            last,
            last_last,
            alpha,
            c1sig,
            U[t],
            quirks,
        )
        last_last = last
        last = a
        y = dlb_step(A, omega, x, Bu[a], thetau[a], sigma_state, sigma_out, Z[t], buf)
        actions[t] = a
        rewards[t] = y
        s = ar2_update(t0, s, K, epoch_size, est, tau, tau_trig, trig, a, y, alpha, quirks)
    return actions, rewards


# --------------------------------------------------------------------------- fixed action
@njit(cache=True)
def run_fixed(A, omega, Bu_a, thetau_a, sigma_state, sigma_out, Z):
    """Whole run holding one action (Clairvoyant / Expert); returns rewards (T,)."""
    T = Z.shape[0]
    x = np.zeros(A.shape[0])
    buf = np.empty(A.shape[0])
    rewards = np.empty(T)
    for t in range(T):
        rewards[t] = dlb_step(A, omega, x, Bu_a, thetau_a, sigma_state, sigma_out, Z[t], buf)
    return rewards

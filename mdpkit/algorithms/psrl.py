r"""PSRL, posterior sampling for reinforcement learning (Osband, Russo, Van Roy 2013,
"(More) efficient reinforcement learning via posterior sampling");
docs/papers/classical-baselines.md#algorithms-as-implemented.

Setting
-------
Episodic MDP, S states, A actions, episode length tau = H, per-step rewards in [0, 1],
K episodes, T = K H. Regret of episode k: V*_0(mu) - V^{pi_k}_0(mu), with pi_k the greedy
policy of the MDP sampled for episode k (the runner evaluates exactly that policy).

Algorithm. Prior Dirichlet(alpha_0 1_S) on every P(. | s, a) (per step h when the model is
inhomogeneous) and Beta(1, 1) on every mean reward (when rewards are not known). Each
episode: sample

.. math:: \tilde P(\cdot\mid s,a) \sim \mathrm{Dir}(\alpha_0 1_S + N(s,a,\cdot)),\qquad
          \tilde r(s,a) \sim \mathrm{Beta}(1 + \textstyle\sum r,\ 1 + \sum (1 - r)),

solve the sampled MDP by backward induction, act greedily (ties: lowest index) for the H
steps, then add the episode's transitions and rewards to the posterior. Bound:
:data:`mdpkit.bounds.PSRL` (Bayesian regret, order only).

Decisions
---------
* ``alpha0 = 1`` by default (1, or 1/S for sparse dynamics; a parameter).
* Known rewards (``env_info["R"]``, mdpkit's default) are used as they are, only P is
  sampled. Unknown rewards: Beta(1, 1) prior updated by (r, 1 - r), exact Bernoulli
  conjugacy for r in {0, 1} and its usual fractional extension for r in [0, 1].
* ``homogeneous=True`` (default) pools transitions over steps (one posterior per (s, a));
  ``False`` keeps one per (h, s, a).
* Dirichlet draws are normalised Gamma(alpha, 1) draws from the learner's own ``rng``
  (``Generator.standard_gamma``), all rows at once, in C order over (g, s, a, s').
* Fast path (:meth:`PSRL.fast_run`): per episode, the posterior draw in numpy from the
  learner's stream (exactly as :meth:`PSRL.begin_episode`), then one numba kernel solves the
  sampled MDP, evaluates the committed policy exactly on the true model and plays the
  episode with the env's own sampling kernels (:mod:`mdpkit.envs.sampling`). The generic loop solves with the same
  kernel, so both paths give the same policies, regrets (to rounding) and rewards.
"""

from __future__ import annotations

import numbers

import numpy as np
from numba import njit

from ..bounds.classical import PSRL as PSRL_BOUND
from ..bounds.classical import TABULAR_LOWER_HOMOGENEOUS
from ..envs.sampling import episode_start, episode_step, episode_tables, episode_uniforms
from ..experiments.registry import register_learner
from ..utils import as_generator, check_positive_int
from ._tabular_episode_kernels import FASTMATH_FLAGS, committed_regret
from .base import EpisodicLearner, check_fast, known_rewards

__all__ = ["PSRL"]


@njit(cache=True, fastmath=FASTMATH_FLAGS)
def solve_sampled_kernel(P, R, Q, pi, V):
    """Backward induction on a sampled model, in place.

    P : (G, S, A, S) with G in {1, H}; R : (H, S, A); Q : (H, S, A); pi : (H, S) int64;
    V : (2, S) scratch. Ties: lowest action index (as ``numpy.argmax``).
    """
    H, S, A = R.shape
    cur = 0
    for y in range(S):
        V[cur, y] = 0.0
    for h in range(H - 1, -1, -1):
        g = 0 if P.shape[0] == 1 else h
        nxt = cur
        cur = 1 - cur
        for x in range(S):
            best = -np.inf
            besta = 0
            for a in range(A):
                acc = 0.0
                for y in range(S):
                    acc += P[g, x, a, y] * V[nxt, y]
                q = R[h, x, a] + acc
                Q[h, x, a] = q
                if q > best:
                    best = q
                    besta = a
            pi[h, x] = besta
            V[cur, x] = best


@njit(cache=True)
def posterior_update(N_say, r_alpha, r_beta, learn_rewards, pooled, h, s, a, r, s2):
    """The posterior update after one step: Dirichlet counts, and the fractional Beta
    update of the reward posterior when rewards are learned. Returns 1 when a learned
    reward lies outside [0, 1] (nothing is updated then), else 0."""
    g = 0 if pooled else h
    if learn_rewards and (r < 0.0 or r > 1.0):
        return 1
    N_say[g, s, a, s2] += 1.0
    if learn_rewards:
        r_alpha[g, s, a] += r
        r_beta[g, s, a] += 1.0 - r
    return 0


@njit(cache=True)
def _play_episode(
    pi, N_say, r_alpha, r_beta, learn_rewards, pooled, tables, u, vstar, pi_star, W, Vbuf
):
    """Exact regret of ``pi`` and one episode with the env's uniforms ``u``; updates the
    posterior (:func:`posterior_update`). ``tables``: :class:`mdpkit.envs.sampling.EpisodeTables`.

    Returns (regret, reward, status); status 1 = a reward outside [0, 1] with learned rewards.
    """
    H = pi.shape[0]
    GP = tables.cdf_P.shape[0]
    regret = committed_regret(pi, tables, vstar, pi_star, W, Vbuf)
    s, j = episode_start(tables.cdf_mu, u)
    tot = 0.0
    for h in range(H):
        a = pi[h, s]
        gp = 0 if GP == 1 else h
        r, s2, j = episode_step(tables.cdf_P[gp, s, a], tables.R3[h, s, a], tables.bernoulli, u, j)
        if posterior_update(N_say, r_alpha, r_beta, learn_rewards, pooled, h, s, a, r, s2):
            return regret, tot, 1
        tot += r
        s = s2
    return regret, tot, 0


class PSRL(EpisodicLearner):
    """Posterior sampling RL with Dirichlet transition posteriors.

    Parameters
    ----------
    S, A, H : int
    rng : Generator or int
        The learner's own stream (posterior draws).
    alpha0 : float > 0, default 1.0
        Dirichlet prior parameter (same on every successor).
    R : ndarray, shape (S, A) or (H, S, A), optional
        Known mean rewards; None: Beta(1, 1) posteriors.
    homogeneous : bool, default True
    fast : bool, default True
        The runner's switch: True plays :meth:`fast_run`, False the generic loop.

    Attributes
    ----------
    N_say : ndarray (G, S, A, S)   transition counts (G = 1 pooled, else H)
    r_alpha, r_beta : ndarray (G, S, A)   Beta posterior parameters of the rewards
    P_sample : ndarray (G, S, A, S)        the MDP sampled for the current episode
    R_sample : ndarray (H, S, A)
    policy : ndarray int (H, S)
    """

    #: Bound objects this learner is checked against (mdpkit.bounds).
    bounds = (PSRL_BOUND, TABULAR_LOWER_HOMOGENEOUS)

    provenance = (
        "Algorithm (sample, solve, act greedily for an episode, update) and the Bayesian "
        "O(tau S sqrt(A T log(SAT))) bound: classical-baselines.md#algorithms-as-implemented [order]. Dirichlet(1) prior and Beta(1,1) "
        "rewards: the same page. Known-reward shortcut, fractional Beta update, pooling over steps: "
        "decisions [D]."
    )

    def __init__(self, S, A, H, rng, *, alpha0=1.0, R=None, homogeneous=True, fast=True):
        self.S = check_positive_int(S, "S")
        self.A = check_positive_int(A, "A")
        self.H = check_positive_int(H, "H")
        self.rng = as_generator(rng)
        if (
            isinstance(alpha0, (bool, np.bool_))
            or not isinstance(alpha0, numbers.Real)
            or not (np.isfinite(alpha0) and alpha0 > 0)
        ):
            raise ValueError(f"alpha0 must be a finite real > 0, got {alpha0!r}")
        if not isinstance(homogeneous, (bool, np.bool_)):
            raise TypeError(f"homogeneous must be a bool, got {type(homogeneous).__name__}")
        self.fast = check_fast(fast)
        self.alpha0 = float(alpha0)
        self.homogeneous = bool(homogeneous)
        S, A, H = self.S, self.A, self.H
        G = 1 if self.homogeneous else H
        if R is None:
            self.R_known = None
        else:
            self.R_known = known_rewards(R, S, A, H)
        self.N_say = np.zeros((G, S, A, S))
        self.r_alpha = np.ones((G, S, A))
        self.r_beta = np.ones((G, S, A))
        self.P_sample = np.empty((G, S, A, S))
        self.R_sample = np.empty((H, S, A))
        self.Q = np.empty((H, S, A))
        self.policy = np.zeros((H, S), dtype=np.int64)
        self._Vbuf = np.empty((2, S))

    # ---------------------------------------------------------------- posterior
    def posterior_dirichlet(self) -> np.ndarray:
        """Dirichlet parameters alpha0 + N(s, a, .), shape (G, S, A, S)."""
        return self.alpha0 + self.N_say

    def sample_model(self) -> tuple[np.ndarray, np.ndarray]:
        """Draw (P_tilde (G, S, A, S), R_tilde (H, S, A)) from the posterior."""
        g = self.rng.standard_gamma(self.posterior_dirichlet())
        tot = g.sum(axis=-1, keepdims=True)
        if not np.all(tot > 0):  # all Gamma draws underflowed: no valid sample
            raise FloatingPointError("Dirichlet draw underflowed to a zero row; increase alpha0")
        P = g / tot
        if self.R_known is not None:
            R = self.R_known
        else:
            r = self.rng.beta(self.r_alpha, self.r_beta)
            R = np.broadcast_to(r, (self.H, self.S, self.A)) if self.homogeneous else r
        return P, np.asarray(R)

    @staticmethod
    def solve_sampled(P, R, H):
        """Numpy backward induction on a sampled model (the reference of
        :func:`solve_sampled_kernel`); returns (Q (H, S, A), policy (H, S))."""
        S, A = R.shape[1], R.shape[2]
        Q = np.empty((H, S, A))
        pi = np.empty((H, S), dtype=np.int64)
        V = np.zeros(S)
        for h in range(H - 1, -1, -1):
            Ph = P[0] if P.shape[0] == 1 else P[h]
            Q[h] = R[h] + Ph @ V
            pi[h] = np.argmax(Q[h], axis=1)
            V = Q[h][np.arange(S), pi[h]]
        return Q, pi

    # ------------------------------------------------------------ protocol
    def begin_episode(self) -> np.ndarray:
        P, R = self.sample_model()
        self.P_sample[...] = P
        self.R_sample[...] = R
        solve_sampled_kernel(self.P_sample, self.R_sample, self.Q, self.policy, self._Vbuf)
        return self.policy.copy()

    def act(self, h: int, s: int) -> int:
        return int(self.policy[h, s])

    def update(self, h: int, s: int, a: int, r: float, s_next: int) -> None:
        if posterior_update(
            self.N_say,
            self.r_alpha,
            self.r_beta,
            self.R_known is None,
            self.homogeneous,
            h,
            s,
            a,
            float(r),
            s_next,
        ):
            raise ValueError(f"PSRL's Beta reward posterior needs rewards in [0, 1], got r={r}")

    # -------------------------------------------------------------- fast path
    def fast_run(self, env, n_steps: int, rng, chunk: int = 2048) -> dict:
        """Run ``n_steps`` episodes against ``env``: numpy posterior draws, numba episodes.

        Same numbers as the generic loop with the env's stream ``rng`` and this learner's
        own stream (policies, rewards exactly; regrets to rounding).

        Returns
        -------
        dict with ``"regret"`` (K,) and ``"reward"`` (K,).
        """
        K = check_positive_int(n_steps, "n_steps")
        chunk = check_positive_int(chunk, "chunk")
        rng = as_generator(rng)
        tab = episode_tables(env, (self.S, self.A, self.H))
        vstar = float(env.optimal_value)
        pi_star = np.ascontiguousarray(env.optimal_policy, dtype=np.int64)
        learn = self.R_known is None
        regret = np.empty(K)
        reward = np.empty(K)
        W = np.empty((self.H, self.S, self.A))
        Vbuf = np.empty((self.H, self.S))
        done = 0
        while done < K:
            m = min(chunk, K - done)
            U = episode_uniforms(rng, m, self.H, tab.bernoulli)
            for i in range(m):
                self.begin_episode()
                reg, rew, status = _play_episode(
                    self.policy,
                    self.N_say,
                    self.r_alpha,
                    self.r_beta,
                    learn,
                    self.homogeneous,
                    tab,
                    U[i],
                    vstar,
                    pi_star,
                    W,
                    Vbuf,
                )
                if status:
                    raise ValueError("PSRL's Beta reward posterior needs rewards in [0, 1]")
                regret[done + i] = reg
                reward[done + i] = rew
            done += m
        return {"regret": regret, "reward": reward}


@register_learner("psrl")
def make_psrl(env_info: dict, rng, **params) -> PSRL:
    """PSRL. Params: alpha0 (default 1), homogeneous (default: pooled unless
    ``env_info["step_dependent_P"]``), R (default ``env_info["R"]`` if known)."""
    if env_info.get("kind", "episodic") != "episodic":
        raise ValueError(f"PSRL needs an episodic env, got kind={env_info.get('kind')!r}")
    params = dict(params)
    homogeneous = params.pop("homogeneous", None)
    if homogeneous is None:
        homogeneous = not bool(env_info.get("step_dependent_P", False))
    R = params.pop("R", env_info.get("R"))
    return PSRL(
        env_info["S"], env_info["A"], env_info["H"], rng, R=R, homogeneous=homogeneous, **params
    )

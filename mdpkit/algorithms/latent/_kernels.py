r"""Compiled rules shared by the latent-MDP learners (``docs/papers/latent-mdp.md``,
"Algorithms"): one source of truth for the statistics, the bonuses, the planning step and
the whole-run loop. The learner objects' ``begin_episode``/``end_episode`` and their
``fast_run`` call the same functions below.

Groups
------
``LatentStats`` (arrays, updated in place): running counts ``N`` (Ml, S, A), ``Nsas``
(Ml, S, A, S), reward sums ``Rsum`` (Ml, S, A); frozen ``n`` (Ml, S, A), ``Phat``
(Ml, S, A, S), ``Rhat`` (Ml, S, A) refreshed when ``N`` reaches a power of two (checked at
every increment); ``refreshes`` (Ml, S, A); context counts ``C`` (Ml,), initial-state
counts ``I`` (Ml, S); frozen ``nu_hat`` (Ml, S) (refreshed when ``C_m`` reaches a power of
two) and ``w_hat`` (Ml,) (refreshed when the number of finished episodes reaches a power of
two: ``w_hat = (C + 1) / (k + Ml)``); ``counters`` int64 [episodes done, changed, plans].

``LearnerSpec``: ``match_values`` (rewards the learner matches its reward estimates
against to index children; empty for the context-agnostic learner), ``ctx_map`` (M,) int64
(env context -> learner context), ``nR`` (reward indices of the env, children per (a, s')),
``reveal`` (Mr, Ml) float (root rows: ``ones((1, Ml))`` for a context-blind learner, the
identity for the oracle, which is told the context), ``rule`` (the
:class:`~mdpkit.solvers._latent_kernels.BonusRule` of the algorithm).

``TrueModel``: the env's ``P, R, nu, w, ridx`` and ``v_star`` (for the exact regret).

``LatentConfig`` (constants): ``iota`` (log term times the bonus scale), ``key_scale`` (1 / belief rounding of
the learner's tree), ``max_nodes``.

Learner contexts ``Ml``: M for the contextual learners; 1 for the context-agnostic learner,
which maps every revealed context to 0 (``ctx_map``).
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from ...solvers._latent_kernels import BonusRule, backup_tree, build_tree, fsc_value, rollout

LatentStats = namedtuple(
    "LatentStats",
    [
        "N",
        "Nsas",
        "Rsum",
        "n",
        "Phat",
        "Rhat",
        "refreshes",
        "C",
        "I",
        "nu_hat",
        "w_hat",
        "counters",
    ],
)
LatentConfig = namedtuple("LatentConfig", ["iota", "key_scale", "max_nodes"])
LearnerSpec = namedtuple("LearnerSpec", ["match_values", "ctx_map", "nR", "reveal", "rule"])
TrueModel = namedtuple("TrueModel", ["P", "R", "nu", "w", "ridx", "v_star"])

#: indices into ``LatentStats.counters``
EPISODES, CHANGED, PLANS = 0, 1, 2


def new_stats(Ml: int, S: int, A: int) -> LatentStats:
    """Empty statistics: uniform ``nu_hat`` and ``w_hat``, ``changed`` set (plan at k = 1)."""
    return LatentStats(
        np.zeros((Ml, S, A), np.int64),
        np.zeros((Ml, S, A, S), np.int64),
        np.zeros((Ml, S, A)),
        np.zeros((Ml, S, A), np.int64),
        np.zeros((Ml, S, A, S)),
        np.ones((Ml, S, A)),
        np.zeros((Ml, S, A), np.int64),
        np.zeros(Ml, np.int64),
        np.zeros((Ml, S), np.int64),
        np.full((Ml, S), 1.0 / S),
        np.full(Ml, 1.0 / Ml),
        np.array([0, 1, 0], np.int64),
    )


def log_term(M: int, S: int, A: int, H: int, K: int, delta: float, beta: float) -> float:
    """``beta * 2 ln(2 M S A H K / delta)`` (the paper's iota, scaled by ``beta``)."""
    return beta * 2.0 * math.log(2.0 * M * S * A * H * K / delta)


@njit(cache=True)
def _is_pow2(x):
    return x > 0 and (x & (x - 1)) == 0


@njit(cache=True)
def stats_update(st, m, states, actions, rewards):
    """Add the episode (context ``m`` of the learner, revealed after it) to the statistics.

    Every increment of ``N[m, s, a]`` is checked against the doubling trigger (an (s, a)
    can repeat within an episode); a refresh freezes ``n``, ``Phat``, ``Rhat`` and marks
    the statistics changed (the policy is recomputed at the next episode).
    """
    H = actions.shape[0]
    S = st.Phat.shape[3]
    for t in range(H):
        s = states[t]
        a = actions[t]
        s2 = states[t + 1]
        st.N[m, s, a] += 1
        st.Nsas[m, s, a, s2] += 1
        st.Rsum[m, s, a] += rewards[t]
        cnt = st.N[m, s, a]
        if _is_pow2(cnt):
            st.n[m, s, a] = cnt
            for x in range(S):
                st.Phat[m, s, a, x] = st.Nsas[m, s, a, x] / cnt
            st.Rhat[m, s, a] = st.Rsum[m, s, a] / cnt
            st.refreshes[m, s, a] += 1
            st.counters[CHANGED] = 1
    st.C[m] += 1
    st.I[m, states[0]] += 1
    if _is_pow2(st.C[m]):
        for x in range(S):
            st.nu_hat[m, x] = st.I[m, x] / st.C[m]
        st.counters[CHANGED] = 1
    st.counters[EPISODES] += 1
    k = st.counters[EPISODES]
    if _is_pow2(k):
        Ml = st.C.shape[0]
        for x in range(Ml):
            st.w_hat[x] = (st.C[x] + 1.0) / (k + Ml)
        st.counters[CHANGED] = 1


# ----------------------------------------------------------------------------- bonuses
#: value-optimistic (VO): the empirical-Bernstein value bonus, which upper-bounds
#: ``max_{q in CI} q.v`` (Cauchy-Schwarz over the empirical support)
VO_RULE = BonusRule(1.0, 1.0, 0.0, 0.0)
#: model-optimistic, rectangular relaxation (MO): ``max_{q in CI} q.v`` per node
MO_RULE = BonusRule(0.0, 0.0, 0.0, 1.0)
#: Hoeffding comparator: ``sqrt(2 S iota / n)`` (l1 radius times the value range 1)
HOEFFDING_RULE = BonusRule(0.0, 0.0, 1.0, 0.0)


# ----------------------------------------------------------------------------- planning
@njit(cache=True)
def roots(st, reveal):
    """Root beliefs ``rho[i, s, m] = reveal[i, m] w_hat_m nu_hat_m(s)``, shape (Mr, S, Ml).

    Where that is 0 for every m (s never observed as an initial state of the contexts of
    row i), the root gets the one-hot belief on ``argmax_m reveal[i, m] w_hat_m`` (lowest
    index on ties), only so that the policy is defined at every start; one-hot beliefs stay
    one-hot, so these roots merge with the rest of the tree instead of growing
    mixed-belief subtrees.
    """
    Ml, S = st.nu_hat.shape
    Mr = reveal.shape[0]
    out = np.zeros((Mr, S, Ml))
    for i in range(Mr):
        top = 0
        for m in range(Ml):
            if reveal[i, m] * st.w_hat[m] > reveal[i, top] * st.w_hat[top]:
                top = m
        for s in range(S):
            tot = 0.0
            for m in range(Ml):
                out[i, s, m] = reveal[i, m] * st.w_hat[m] * st.nu_hat[m, s]
                tot += out[i, s, m]
            if tot <= 0.0:
                out[i, s, top] = 1.0
    return out


@njit(cache=True)
def learner_model(st, match_values):
    """The learner's planning model from frozen statistics.

    Returns ``Pb`` (belief kernel: ``Phat`` where ``n > 0``, uniform ``1/S`` where ``n = 0``),
    ``Rbar`` (``Rhat``, 1 when unobserved) and ``ridx`` (index of ``Rhat`` in
    ``match_values``; -1 when unobserved or not among them: reward uninformative).
    Beliefs follow ``Pb`` exactly; a history that ``Pb`` deems impossible for every context
    keeps its parent's belief (:func:`mdpkit.solvers._latent_kernels.child_belief_backoff`).
    """
    Ml, S, A, _ = st.Phat.shape
    Pb = np.empty((Ml, S, A, S))
    Rbar = np.empty((Ml, S, A))
    ridx = np.full((Ml, S, A), -1, np.int64)
    for m in range(Ml):
        for s in range(S):
            for a in range(A):
                if st.n[m, s, a] > 0:
                    for x in range(S):
                        Pb[m, s, a, x] = st.Phat[m, s, a, x]
                    Rbar[m, s, a] = st.Rhat[m, s, a]
                    for i in range(match_values.shape[0]):
                        if match_values[i] == st.Rhat[m, s, a]:
                            ridx[m, s, a] = i
                else:
                    for x in range(S):
                        Pb[m, s, a, x] = 1.0 / S
                    Rbar[m, s, a] = 1.0
    return Pb, Rbar, ridx


@njit(cache=True)
def plan_step(st, cfg, spec, H):
    """Recompute the learner's policy from its frozen statistics.

    Builds the history tree of the learner's model (keeping histories the model deems
    impossible, with backed-off beliefs, so every history of the true LMDP has a node),
    backs up the optimistic alpha vectors with ``spec.rule`` and picks node-greedy actions under the empirical
    beliefs. Returns ``(status, tree, act, root_env, vbar)`` where ``root_env`` (M, S) maps
    the env's contexts through ``ctx_map`` and ``vbar = sum_m w_hat_m sum_s nu_hat_m(s)
    alpha_bar_m(root)`` is the optimistic value. Clears the changed flag, counts the plan.
    """
    ctx_map = spec.ctx_map
    Pb, Rbar, ridx = learner_model(st, spec.match_values)
    rr = roots(st, spec.reveal)
    status, n, tree = build_tree(Pb, ridx, spec.nR, rr, H, cfg.key_scale, cfg.max_nodes, 1024, True)
    M_env = ctx_map.shape[0]
    S = st.nu_hat.shape[1]
    root_env = np.zeros((M_env, S), np.int64)
    if status != 0:
        return status, tree, np.zeros(0, np.int64), root_env, np.nan
    nvis = st.n.astype(np.float64)
    alpha, act = backup_tree(
        tree.level_start,
        tree.node_s,
        tree.node_b,
        tree.child,
        Rbar,
        ridx,
        st.Phat,
        nvis,
        cfg.iota,
        spec.rule,
    )
    for m in range(M_env):
        for s in range(S):
            root_env[m, s] = tree.root[ctx_map[m], s]
    Ml = st.w_hat.shape[0]
    vbar = 0.0
    for m in range(Ml):
        for s in range(S):
            node = tree.root[m, s]
            vbar += st.w_hat[m] * st.nu_hat[m, s] * alpha[node, act[node], m]
    st.counters[CHANGED] = 0
    st.counters[PLANS] += 1
    return status, tree, act, root_env, vbar


@njit(cache=True)
def run_episodes(model, U, st, cfg, spec):
    """The whole interaction: K = ``U.shape[0]`` episodes of the LMDP with the learner.

    ``U`` (K, H + 2) are the env's uniforms (its documented sampling scheme, see
    :func:`mdpkit.solvers._latent_kernels.rollout`). Per episode: replan if the frozen
    statistics changed, exact regret ``v_star - V^{pi_k}`` (evaluated once per plan),
    rollout, statistics update with the context revealed after the episode.
    Returns ``(status, regret, reward, vbar, plans)`` arrays of length K.
    """
    K = U.shape[0]
    H = U.shape[1] - 2
    P, R, nu, w, ridx_env = model.P, model.R, model.nu, model.w, model.ridx
    ctx_map = spec.ctx_map
    regret = np.zeros(K)
    reward = np.zeros(K)
    vbar = np.zeros(K)
    plans = np.zeros(K)
    states = np.zeros(H + 1, np.int64)
    actions = np.zeros(H, np.int64)
    rewards = np.zeros(H)
    status, tree, act, root_env, vb = plan_step(st, cfg, spec, H)
    if status != 0:
        return status, regret, reward, vbar, plans
    cur = model.v_star - fsc_value(
        root_env, tree.node_s, act, tree.child, tree.level_start, ridx_env, P, R, nu, w
    )
    for k in range(K):
        if st.counters[CHANGED] != 0:
            status, tree, act, root_env, vb = plan_step(st, cfg, spec, H)
            if status != 0:
                return status, regret, reward, vbar, plans
            cur = model.v_star - fsc_value(
                root_env, tree.node_s, act, tree.child, tree.level_start, ridx_env, P, R, nu, w
            )
        regret[k] = cur
        vbar[k] = vb
        plans[k] = st.counters[PLANS]
        m = rollout(
            root_env,
            tree.node_s,
            act,
            tree.child,
            ridx_env,
            P,
            R,
            nu,
            w,
            U[k],
            states,
            actions,
            rewards,
        )
        tot = 0.0
        for t in range(H):
            tot += rewards[t]
        reward[k] = tot
        stats_update(st, ctx_map[m], states, actions, rewards)
    return status, regret, reward, vbar, plans

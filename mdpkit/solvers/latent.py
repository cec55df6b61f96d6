r"""Exact planning in latent MDPs (``docs/papers/latent-mdp.md``, "Exact planning").

* :func:`plan` — the optimal value ``V*`` over deterministic history-dependent policies, by
  a dynamic programme over the history tree whose nodes are (step, state, normalised
  belief over contexts). With the true model the node-greedy rule
  ``a(h) = argmax_a sum_m b_m(h) alpha_m(h, a)`` is exactly optimal, because
  ``V^pi = sum_h sum_m rho_m(h) R_m(s(h), pi(h))`` is linear in the per-node decisions.
  Histories whose beliefs agree after rounding at ``key_tol`` share a node. The tree's
  size is estimated *before* anything is allocated (:func:`estimate_tree`) and the call is
  refused with that estimate when it exceeds ``max_bytes``.
* :class:`LatentPolicy` — a deterministic history-dependent policy stored as a
  finite-state controller (tree arrays + one action per node); :func:`policy_alpha`,
  :func:`policy_value`, :func:`policy_moments` evaluate it exactly, context by context.
* :func:`markov_optimum` — the best Markov (step, state) policy, by enumeration, for
  contrast; :func:`enumerate_policy_values` — the value (and per-context moments) of
  every deterministic history-dependent policy, by explicit enumeration (micro instances),
  the planner's cross-check.
* Variance quantities: :func:`return_variance` (per-context return variance from the first
  two moments), :func:`total_variance` (the same quantity from the sum of one-step
  variances of the alpha vectors: the total-variance identity), :func:`var_candidates`
  (Var1, Var2, Var3 of the paper page, "Variance").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..models.latent import LatentMDP
from . import _latent_kernels as LK

__all__ = [
    "LatentPolicy",
    "LatentPlan",
    "plan",
    "estimate_tree",
    "policy_alpha",
    "policy_value",
    "policy_moments",
    "markov_optimum",
    "markov_policy",
    "enumerate_policy_values",
    "return_variance",
    "total_variance",
    "var_candidates",
    "KEY_TOL",
    "DEFAULT_MAX_BYTES",
]

#: Beliefs are merged when they agree after rounding to this precision.
KEY_TOL = 1e-10
#: Default memory budget of the exact planner (bytes).
DEFAULT_MAX_BYTES = 2 * 10**9


def _check_lmdp(lmdp):
    if not isinstance(lmdp, LatentMDP):
        raise TypeError(f"lmdp must be a LatentMDP, got {type(lmdp).__name__}")


@dataclass(frozen=True)
class LatentPolicy:
    """A deterministic history-dependent policy as a finite-state controller.

    Attributes
    ----------
    root : ndarray (M, S) int64
        Node of the first step for an episode of context m starting in s. Rows are
        identical for every policy that does not see the context (all but the oracle).
    node_s : ndarray (N,) int64
        State of each node.
    act : ndarray (N,) int64
        Action taken at each node.
    child : ndarray (N, A, nR, S) int32
        Node after (action, reward index, next state); -1 where not covered.
    level_start : ndarray (H + 1,) int64
        Nodes of step t are ``level_start[t]:level_start[t+1]``.
    reward_values : ndarray (nR,)
        The reward value of each reward index.
    """

    root: np.ndarray
    node_s: np.ndarray
    act: np.ndarray
    child: np.ndarray
    level_start: np.ndarray
    reward_values: np.ndarray

    @property
    def n_nodes(self) -> int:
        return int(self.node_s.shape[0])

    @property
    def context_blind(self) -> bool:
        """True when the first node does not depend on the context (a valid LMDP policy)."""
        return bool(np.all(self.root == self.root[0]))

    def reward_index(self, r: float) -> int:
        """Index of the reward value ``r`` (``ValueError`` if it is not one of them)."""
        i = int(np.searchsorted(self.reward_values, r))
        if i >= len(self.reward_values) or self.reward_values[i] != r:
            raise ValueError(
                f"r={r!r} is not a reward value of the model {self.reward_values.tolist()}"
            )
        return i

    def action(self, node: int) -> int:
        return int(self.act[node])

    def next_node(self, node: int, a: int, r: float, s_next: int) -> int:
        """Node of the history extended by ``(a, r, s_next)`` (``ValueError`` if uncovered)."""
        c = int(self.child[node, a, self.reward_index(r), s_next])
        if c < 0:
            raise ValueError(
                f"the policy does not cover the history after node {node}, "
                f"a={a}, r={r}, s'={s_next}"
            )
        return c


def _compatible(lmdp, policy):
    if not isinstance(policy, LatentPolicy):
        raise TypeError(f"policy must be a LatentPolicy, got {type(policy).__name__}")
    if policy.root.shape != (lmdp.M, lmdp.S):
        raise ValueError(
            f"policy.root must have shape (M, S) = {(lmdp.M, lmdp.S)}, got {policy.root.shape}"
        )
    if policy.child.shape[1:] != (lmdp.A, lmdp.n_rewards, lmdp.S):
        raise ValueError(
            f"policy.child must have shape (N, A, nR, S) with (A, nR, S) = "
            f"{(lmdp.A, lmdp.n_rewards, lmdp.S)}, got {policy.child.shape}"
        )
    if policy.level_start.shape != (lmdp.H + 1,):
        raise ValueError(f"policy.level_start must have shape (H + 1,) = ({lmdp.H + 1},)")
    if not np.array_equal(policy.reward_values, lmdp.reward_values):
        raise ValueError("policy.reward_values must equal lmdp.reward_values")


def policy_moments(lmdp: LatentMDP, policy: LatentPolicy):
    """Per-node, per-context ``(alpha, second, tv)`` arrays, each (N, M) (see
    :func:`mdpkit.solvers._latent_kernels.fsc_moments`)."""
    _check_lmdp(lmdp)
    _compatible(lmdp, policy)
    return LK.fsc_moments(
        policy.node_s, policy.act, policy.child, policy.level_start, lmdp.ridx, lmdp.P, lmdp.R
    )


def policy_alpha(lmdp: LatentMDP, policy: LatentPolicy) -> np.ndarray:
    """Alpha vectors of ``policy`` at its nodes, shape (N, M):
    ``alpha[n, m] = E^pi_{M_m}[remaining return | history of node n]`` (NaN when the
    policy does not cover a reachable history of context m below n)."""
    _check_lmdp(lmdp)
    _compatible(lmdp, policy)
    return LK.fsc_alpha(
        policy.node_s, policy.act, policy.child, policy.level_start, lmdp.ridx, lmdp.P, lmdp.R
    )


def policy_value(lmdp: LatentMDP, policy: LatentPolicy) -> float:
    """Exact ``V^pi = sum_m w_m sum_s nu_m(s) alpha^pi_{1,m}(s)``.

    Raises ValueError when the policy does not cover a history of positive probability.
    """
    _check_lmdp(lmdp)
    _compatible(lmdp, policy)
    v = LK.fsc_value(
        policy.root,
        policy.node_s,
        policy.act,
        policy.child,
        policy.level_start,
        lmdp.ridx,
        lmdp.P,
        lmdp.R,
        lmdp.nu,
        lmdp.w,
    )
    if not math.isfinite(v):
        raise ValueError("policy does not cover every history of positive probability")
    return float(v)


# ----------------------------------------------------------------------------- estimate
def _node_bytes(M, A, nR, S):
    # node_s, node_b, keys, child, alpha (N, A, M), act, three (N, M) evaluation arrays
    return 8 + 16 * M + 4 * A * nR * S + 8 * A * M + 8 + 24 * M


def estimate_tree(lmdp: LatentMDP) -> dict:
    """Upper bound on the exact planner's tree size, computed without building it.

    Counts histories level by level grouped by (state, set of contexts of positive
    belief); a group whose set is a single context is one node (its belief is one-hot),
    the others count every history separately (merging of equal mixed beliefs is
    ignored, so this is an upper bound). Returns ``{"nodes": float, "bytes": float}``.
    """
    _check_lmdp(lmdp)
    M, S, A, H, nR = lmdp.M, lmdp.S, lmdp.A, lmdp.H, lmdp.n_rewards
    if M > 16:
        # crude bound: every history distinct
        per = float(A * nR * S)
        nodes = sum(S * per**t for t in range(H))
    else:
        pos = lmdp.P > 0
        ridx = lmdp.ridx
        rho0 = lmdp.w[:, None] * lmdp.nu  # (M, S)
        cur: dict = {}
        for s in range(S):
            mask = sum(1 << m for m in range(M) if rho0[m, s] > 0)
            if mask:
                cur[(s, mask)] = 1.0
        nodes = float(len(cur))
        for _ in range(1, H):
            nxt: dict = {}
            for (s, mask), c in cur.items():
                ms = [m for m in range(M) if mask >> m & 1]
                for a in range(A):
                    for r in range(nR):
                        mr = [m for m in ms if ridx[m, s, a] == r]
                        if not mr:
                            continue
                        for s2 in range(S):
                            nm = sum(1 << m for m in mr if pos[m, s, a, s2])
                            if nm:
                                nxt[(s2, nm)] = nxt.get((s2, nm), 0.0) + c
            for key in nxt:
                if key[1] & (key[1] - 1) == 0:
                    nxt[key] = 1.0
            nodes += sum(nxt.values())
            cur = nxt
            if nodes > 1e15:
                nodes = math.inf
                break
    return {"nodes": nodes, "bytes": nodes * _node_bytes(M, A, nR, S)}


# ----------------------------------------------------------------------------- planner
@dataclass(frozen=True)
class LatentPlan:
    """Result of :func:`plan`: ``v_star``, the optimal ``policy`` (a :class:`LatentPolicy`),
    ``node_b`` (N, M) normalised beliefs, ``q_alpha`` (N, A, M) per-context action values
    ``alpha_m(h, a)`` under the optimal continuation, ``alpha`` (N, M) the optimal
    policy's alpha vectors, ``n_nodes``, ``estimate`` (the pre-allocation estimate)."""

    v_star: float
    policy: LatentPolicy
    node_b: np.ndarray
    q_alpha: np.ndarray
    alpha: np.ndarray
    n_nodes: int
    estimate: dict


def plan(
    lmdp: LatentMDP, *, max_bytes: float = DEFAULT_MAX_BYTES, key_tol: float = KEY_TOL
) -> LatentPlan:
    """Exact optimal value and policy over deterministic history-dependent policies.

    Parameters
    ----------
    lmdp : LatentMDP
    max_bytes : float, default 2e9
        Memory budget. The tree is estimated first (:func:`estimate_tree`); when the
        estimate exceeds the budget, ``ValueError`` reports the estimate and nothing is
        allocated.
    key_tol : float, default 1e-10
        Belief rounding of the node keys.

    Returns
    -------
    LatentPlan
    """
    _check_lmdp(lmdp)
    if not (isinstance(max_bytes, (int, float)) and max_bytes > 0):
        raise ValueError(f"max_bytes must be a positive number, got {max_bytes!r}")
    if not (isinstance(key_tol, float) and 0 < key_tol < 1):
        raise ValueError(f"key_tol must be a float in (0, 1), got {key_tol!r}")
    est = estimate_tree(lmdp)
    if est["bytes"] > max_bytes:
        raise ValueError(
            f"H={lmdp.H} is too large for the exact planner on {lmdp.name}: the history tree "
            f"is estimated at {est['nodes']:.3g} nodes, {est['bytes'] / 1e9:.3g} GB > "
            f"max_bytes={max_bytes / 1e9:.3g} GB (refused before allocating)"
        )
    cap = int(min(est["nodes"], 2**31 - 2)) + 1
    root_rho = (lmdp.w[:, None] * lmdp.nu).T[None].copy()  # (1, S, M)
    status, n, tree = LK.build_tree(
        lmdp.P, lmdp.ridx, lmdp.n_rewards, root_rho, lmdp.H, 1.0 / key_tol, cap, cap, False
    )
    if status != LK.STATUS_OK:  # pragma: no cover - the estimate is an upper bound
        raise RuntimeError(f"history tree exceeded its estimate ({n} nodes)")
    nvis = np.ones((lmdp.M, lmdp.S, lmdp.A))
    q_alpha, act = LK.backup_tree(
        tree.level_start,
        tree.node_s,
        tree.node_b,
        tree.child,
        lmdp.R,
        lmdp.ridx,
        lmdp.P,
        nvis,
        0.0,
        LK.EXACT,
    )
    pol = LatentPolicy(
        tree.root, tree.node_s, act, tree.child, tree.level_start, lmdp.reward_values
    )
    alpha = LK.fsc_alpha(tree.node_s, act, tree.child, tree.level_start, lmdp.ridx, lmdp.P, lmdp.R)
    v = 0.0
    for m in range(lmdp.M):
        for s in range(lmdp.S):
            if lmdp.nu[m, s] > 0:
                v += lmdp.w[m] * lmdp.nu[m, s] * alpha[tree.root[m, s], m]
    return LatentPlan(float(v), pol, tree.node_b, q_alpha, alpha, int(n), est)


# ----------------------------------------------------------------------------- Markov
def markov_policy(lmdp: LatentMDP, pi) -> LatentPolicy:
    """The Markov policy ``pi`` (H, S) int as a :class:`LatentPolicy` (one node per (t, s))."""
    _check_lmdp(lmdp)
    pi = np.asarray(pi)
    H, S, A, nR = lmdp.H, lmdp.S, lmdp.A, lmdp.n_rewards
    if pi.shape != (H, S) or pi.dtype.kind not in "iu":
        raise ValueError(
            f"pi must be an int array of shape (H, S) = {(H, S)}, got {pi.dtype} {pi.shape}"
        )
    if pi.min() < 0 or pi.max() >= A:
        raise ValueError(f"pi must hold actions in [0, A={A})")
    node_s = np.tile(np.arange(S, dtype=np.int64), H)
    child = np.full((H * S, A, nR, S), -1, np.int32)
    for t in range(H - 1):
        child[t * S : (t + 1) * S] = ((t + 1) * S + np.arange(S, dtype=np.int32))[
            None, None, None, :
        ]
    root = np.tile(np.arange(S, dtype=np.int64), (lmdp.M, 1))
    return LatentPolicy(
        root,
        node_s,
        pi.reshape(-1).astype(np.int64),
        child,
        np.arange(0, H * S + 1, S, dtype=np.int64),
        lmdp.reward_values,
    )


def _reachable(lmdp):
    """Boolean (H, S): (t, s) reachable in some context under some actions."""
    reach = np.zeros((lmdp.H, lmdp.S), bool)
    reach[0] = (lmdp.nu > 0).any(axis=0)
    pos = (lmdp.P > 0).any(axis=(0, 2))  # (S, S)
    for t in range(1, lmdp.H):
        reach[t] = pos[reach[t - 1]].any(axis=0)
    return reach


def markov_optimum(lmdp: LatentMDP, *, max_policies: int = 2_000_000) -> tuple[float, np.ndarray]:
    """Best Markov (step, state) policy by enumeration over the decisions that matter.

    Decision pairs: (t, s) reachable in some context at step t where the actions are not
    all equivalent (same rewards and next-state laws in every context). Returns
    ``(value, pi)`` with ``pi`` (H, S) int. ``ValueError`` when ``A ** n_pairs`` exceeds
    ``max_policies``.
    """
    _check_lmdp(lmdp)
    H, S, A = lmdp.H, lmdp.S, lmdp.A
    reach = _reachable(lmdp)
    same = np.ones(S, bool)
    for a in range(1, A):
        same &= np.all(lmdp.P[:, :, a] == lmdp.P[:, :, 0], axis=(0, 2)) & np.all(
            lmdp.R[:, :, a] == lmdp.R[:, :, 0], axis=0
        )
    pairs = [(t, s) for t in range(H) for s in range(S) if reach[t, s] and not same[s]]
    n_pol = A ** len(pairs)
    if n_pol > max_policies:
        raise ValueError(
            f"markov_optimum would enumerate A^{len(pairs)} = {n_pol} policies > "
            f"max_policies={max_policies}"
        )
    pt = np.array([p[0] for p in pairs], np.int64)
    ps = np.array([p[1] for p in pairs], np.int64)
    default = np.zeros((H, S), np.int64)
    vals = LK.markov_values(lmdp.P, lmdp.R, lmdp.nu, lmdp.w, H, pt, ps, default, n_pol)
    i = int(np.argmax(vals))
    pi = default.copy()
    x = i
    for t, s in pairs:
        pi[t, s] = x % A
        x //= A
    return float(vals[i]), pi


# ----------------------------------------------------------------------------- brute force
def enumerate_policy_values(lmdp: LatentMDP, *, max_policies: int = 2_000_000) -> np.ndarray:
    """Every deterministic history-dependent policy, enumerated explicitly (micro instances).

    Policies are counted on the histories they reach (decisions at unreachable histories do
    not change any quantity below). Returns an array (n_policies, 2, M): ``[:, 0, m] =
    w_m E^pi_m[G]`` and ``[:, 1, m] = w_m E^pi_m[G^2]`` (G the episode return), so
    ``V^pi = out[:, 0].sum(1)``. Independent of the planner: no beliefs, no merging, no
    alpha vectors; unnormalised history weights ``rho_m(h)`` only. ``ValueError`` when the
    number of policies exceeds ``max_policies`` (counted before anything is built).
    """
    _check_lmdp(lmdp)
    M, S, A, H = lmdp.M, lmdp.S, lmdp.A, lmdp.H
    P, R, ridx, nR = lmdp.P, lmdp.R, lmdp.ridx, lmdp.n_rewards

    def children(s, a, rho):
        out = []
        for r in range(nR):
            for s2 in range(S):
                rho2 = np.where(ridx[:, s, a] == r, rho * P[:, s, a, s2], 0.0)
                if rho2.sum() > 0:
                    out.append((s2, rho2, lmdp.reward_values[r]))
        return out

    def count(t, s, rho):
        tot = 0
        for a in range(A):
            c = 1
            if t + 1 < H:
                for s2, rho2, _ in children(s, a, rho):
                    c *= count(t + 1, s2, rho2)
                    if c > max_policies:
                        return max_policies + 1
            tot += c
        return tot

    roots = [(s, lmdp.w * lmdp.nu[:, s]) for s in range(S) if (lmdp.nu[:, s] > 0).any()]
    total = 1
    for s, rho in roots:
        total *= count(0, s, rho)
        if total > max_policies:
            raise ValueError(
                f"more than max_policies={max_policies} deterministic history "
                "policies; use a smaller instance"
            )

    def values(t, s, rho, g):
        blocks = []
        for a in range(A):
            base = np.zeros((1, 2, M))
            base[0, 0] = rho * R[:, s, a]
            if t + 1 == H:
                base[0, 1] = rho * (g + R[:, s, a]) ** 2
                blocks.append(base)
                continue
            acc = base
            for s2, rho2, r in children(s, a, rho):
                sub = values(t + 1, s2, rho2, g + r)
                acc = (acc[:, None] + sub[None]).reshape(-1, 2, M)
            blocks.append(acc)
        return np.concatenate(blocks, axis=0)

    acc = np.zeros((1, 2, M))
    for s, rho in roots:
        sub = values(0, s, rho, 0.0)
        acc = (acc[:, None] + sub[None]).reshape(-1, 2, M)
    return acc


# ----------------------------------------------------------------------------- variance
def return_variance(lmdp: LatentMDP, policy: LatentPolicy) -> np.ndarray:
    """Per-context return variance ``Var_m^pi`` from the first two moments, shape (M,)."""
    alpha, second, _ = policy_moments(lmdp, policy)
    out = np.zeros(lmdp.M)
    for m in range(lmdp.M):
        s = np.flatnonzero(lmdp.nu[m] > 0)
        nodes = policy.root[m, s]
        e1 = lmdp.nu[m, s] @ alpha[nodes, m]
        e2 = lmdp.nu[m, s] @ second[nodes, m]
        out[m] = e2 - e1 * e1
    return out


def total_variance(lmdp: LatentMDP, policy: LatentPolicy) -> np.ndarray:
    """Per-context ``V(nu_m, alpha_{1,m}) + E[sum_t V(P_m(.|s_t,a_t), alpha_{t+1,m})]``, (M,).

    Equals :func:`return_variance` (law of total variance; checked in ``proofs_check``).
    """
    alpha, _, tv = policy_moments(lmdp, policy)
    out = np.zeros(lmdp.M)
    for m in range(lmdp.M):
        s = np.flatnonzero(lmdp.nu[m] > 0)
        nodes = policy.root[m, s]
        p = lmdp.nu[m, s]
        x = alpha[nodes, m]
        c = p @ x
        out[m] = p @ (x - c) ** 2 + p @ tv[nodes, m]
    return out


def _var3(lmdp: LatentMDP, pl: LatentPlan) -> float:
    """``max_pi sum_m w_m E^pi_m[sum_t V(P_m(.|s_t,a_t), alpha*_{t+1,m})]`` by a tree DP."""
    pol = pl.policy
    N = pol.n_nodes
    b, alpha = pl.node_b, pl.alpha
    P, ridx, A = lmdp.P, lmdp.ridx, lmdp.A
    last0 = pol.level_start[-2]
    U = np.zeros(N)
    for n in range(N - 1, -1, -1):
        if n >= last0:
            continue
        s = pol.node_s[n]
        best = -np.inf
        for a in range(A):
            q = 0.0
            for m in np.flatnonzero(b[n] > 0):
                ch = pol.child[n, a, ridx[m, s, a]]
                p = P[m, s, a]
                pos = p > 0
                x = alpha[ch[pos], m]
                c = p[pos] @ x
                q += b[n, m] * (p[pos] @ (x - c) ** 2 + p[pos] @ U[ch[pos]])
            best = max(best, q)
        U[n] = best
    out = 0.0
    for m in range(lmdp.M):
        for s in range(lmdp.S):
            if lmdp.nu[m, s] > 0:
                out += lmdp.w[m] * lmdp.nu[m, s] * U[pol.root[m, s]]
    return float(out)


def var_candidates(
    lmdp: LatentMDP, *, max_policies: int = 200_000, max_bytes: float = DEFAULT_MAX_BYTES
) -> dict:
    """The three Var* candidates of the paper page ("Variance").

    * ``var1 = max_pi sum_m w_m Var_m^pi`` — by explicit enumeration
      (:func:`enumerate_policy_values`) when there are at most ``max_policies`` policies,
      else ``None``;
    * ``var2 = sum_m w_m Var_m^{pi*}`` — the planner's optimal policy (lowest action index
      on ties; with ``var1`` available, the minimum over all optimal policies is
      ``var2_min``);
    * ``var3 = max_pi sum_m w_m E^pi_m[sum_t V(P_m, alpha*_{t+1,m})]`` — a tree DP.
    """
    pl = plan(lmdp, max_bytes=max_bytes)
    var2 = float(lmdp.w @ return_variance(lmdp, pl.policy))
    out = {
        "v_star": pl.v_star,
        "var2": var2,
        "var3": _var3(lmdp, pl),
        "var1": None,
        "var2_min": None,
    }
    try:
        vals = enumerate_policy_values(lmdp, max_policies=max_policies)
    except ValueError:
        return out
    w = lmdp.w
    e1 = vals[:, 0] / w
    e2 = vals[:, 1] / w
    var = ((e2 - e1**2) * w).sum(axis=1)
    out["var1"] = float(var.max())
    v = vals[:, 0].sum(axis=1)
    opt = v >= v.max() - 1e-12
    out["var2_min"] = float(var[opt].min())
    return out

r"""Latent MDPs (LMDPs): :class:`LatentMDP` and its instances.

An LMDP is a finite collection of M tabular MDPs ("contexts") sharing the state set
(S states), the action set (A actions) and the horizon H, each with its own initial
distribution ``nu[m]``, time-homogeneous kernel ``P[m]`` and deterministic reward ``R[m]``,
mixed with weights ``w``. In each episode nature draws a hidden context ``m ~ w`` and
``s_1 ~ nu[m]``; the agent acts for H steps without seeing ``m`` (it is revealed after the
episode). The total reward of every feasible trajectory of every context is at most 1.
See ``docs/papers/latent-mdp.md`` ("Setting").

Array conventions
-----------------
``P[m, s, a, s']`` shape (M, S, A, S); ``R[m, s, a]`` shape (M, S, A) with values in
[0, 1]; ``nu[m, s]`` shape (M, S); ``w[m]`` shape (M,). Contexts and states are 0-based.

Instances: :func:`bandit_tree` (the context-revealing bandit tree, with its deterministic
and value-irrelevant-noise variants), :func:`random_lmdp`, :func:`tiger` (the "two-listen
tiger", whose optimal policy listens three times).

Decisions
---------
* Rows of ``P`` and ``nu`` and the weights must sum to one within 1e-10 (not
  renormalised); every weight must be > 0 (a context of weight 0 is not a context).
* "Total reward <= 1" is checked exactly: the largest return over the trajectories feasible
  in context m (transitions of positive probability, starts in ``supp nu[m]``) is computed
  by a max-plus backward pass and must be <= 1 + 1e-12.
* All arrays are stored as read-only copies.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..utils import as_generator, check_positive_int

__all__ = [
    "LatentMDP",
    "bandit_tree",
    "random_lmdp",
    "tiger",
    "ROW_SUM_ATOL",
    "RETURN_ATOL",
    "TIGER_ACTIONS",
    "TIGER_STATES",
]

ROW_SUM_ATOL = 1e-10
RETURN_ATOL = 1e-12


def _array(x, name, ndim):
    try:
        arr = np.array(x, dtype=np.float64, copy=True, order="C")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be array-like of real numbers: {exc}") from None
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite; entry {list(idx)} is {arr[idx]}")
    return arr


def max_feasible_return(P: np.ndarray, R: np.ndarray, nu: np.ndarray, H: int) -> np.ndarray:
    """Largest total reward over the trajectories feasible in each context, shape (M,).

    Max-plus backward pass: ``U_H = 0``, ``U_t(s) = max_a R[m, s, a] + max_{s': P>0} U_{t+1}(s')``;
    the result is ``max_{s in supp nu[m]} U_0(s)``.
    """
    M, S, A, _ = P.shape
    feas = P > 0
    U = np.zeros((M, S))
    for _ in range(H):
        nxt = np.where(feas, U[:, None, None, :], -np.inf).max(axis=3)  # (M, S, A)
        U = (R + nxt).max(axis=2)
    return np.where(nu > 0, U, -np.inf).max(axis=1)


class LatentMDP:
    """A latent MDP with M contexts (immutable data).

    Parameters
    ----------
    P : ndarray, shape (M, S, A, S)
        ``P[m, s, a, s']`` = Pr(s' | s, a) in context m.
    R : ndarray, shape (M, S, A)
        Deterministic rewards in [0, 1].
    nu : ndarray, shape (M, S)
        Initial distribution of each context.
    w : ndarray, shape (M,)
        Mixing weights, all > 0, summing to 1.
    H : int >= 1
        Horizon (steps per episode).
    name : str, optional
    meta : dict, optional
        Instance facts (e.g. the best arms of a bandit tree, its analytic variances).

    Raises
    ------
    TypeError
        Non-numeric arrays, non-integer H.
    ValueError
        Inconsistent shapes; a negative or non-finite entry; a row of ``P`` or ``nu`` not
        summing to 1 (the message names the context and the index); weights not a
        distribution; a reward outside [0, 1]; a context whose feasible trajectories
        collect more than 1 in total (named, with the value).
    """

    __slots__ = ("P", "R", "nu", "w", "H", "name", "meta", "reward_values", "ridx")

    def __init__(self, P, R, nu, w, H, *, name: str = "lmdp", meta: dict | None = None):
        H = check_positive_int(H, "H")
        P = _array(P, "P", 4)
        R = _array(R, "R", 3)
        nu = _array(nu, "nu", 2)
        w = _array(w, "w", 1)
        M, S, A, S2 = P.shape
        if S2 != S:
            raise ValueError(f"P must have shape (M, S, A, S); got {P.shape} (last axis != S)")
        if M < 1 or S < 1 or A < 1:
            raise ValueError(f"P must have M, S, A >= 1, got shape {P.shape}")
        if R.shape != (M, S, A):
            raise ValueError(f"R must have shape (M, S, A) = {(M, S, A)}, got {R.shape}")
        if nu.shape != (M, S):
            raise ValueError(f"nu must have shape (M, S) = {(M, S)}, got {nu.shape}")
        if w.shape != (M,):
            raise ValueError(f"w must have shape (M,) = {(M,)}, got {w.shape}")
        if np.any(w <= 0) or abs(w.sum() - 1.0) > ROW_SUM_ATOL:
            raise ValueError(
                f"w must be a distribution with every weight > 0 (weights {w.tolist()}, sum {w.sum()!r})"
            )
        if np.any(P < 0):
            m, s, a, s2 = (int(i) for i in np.argwhere(P < 0)[0])
            raise ValueError(
                f"P of context {m} has a negative entry P[{m}, {s}, {a}, {s2}] = {P[m, s, a, s2]}"
            )
        bad = np.abs(P.sum(axis=3) - 1.0) > ROW_SUM_ATOL
        if bad.any():
            m, s, a = (int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"P of context {m}: row (s={s}, a={a}) sums to {P[m, s, a].sum()!r}, not 1"
            )
        if np.any(nu < 0):
            m, s = (int(i) for i in np.argwhere(nu < 0)[0])
            raise ValueError(f"nu of context {m} has a negative entry nu[{m}, {s}] = {nu[m, s]}")
        bad = np.abs(nu.sum(axis=1) - 1.0) > ROW_SUM_ATOL
        if bad.any():
            m = int(np.argwhere(bad)[0][0])
            raise ValueError(f"nu of context {m} sums to {nu[m].sum()!r}, not 1")
        if np.any((R < 0) | (R > 1)):
            m, s, a = (int(i) for i in np.argwhere((R < 0) | (R > 1))[0])
            raise ValueError(f"R of context {m}: R[{m}, {s}, {a}] = {R[m, s, a]} is outside [0, 1]")
        top = max_feasible_return(P, R, nu, H)
        if np.any(top > 1 + RETURN_ATOL):
            m = int(np.argmax(top))
            raise ValueError(
                f"total reward must be <= 1 on every feasible trajectory; context {m} has a "
                f"feasible trajectory with return {float(top[m]):.6g} (H={H})"
            )
        for arr in (P, R, nu, w):
            arr.setflags(write=False)
        self.P, self.R, self.nu, self.w, self.H = P, R, nu, w, H
        self.name = str(name)
        self.meta = dict(meta or {})
        vals = np.unique(R)
        self.reward_values = vals
        self.reward_values.setflags(write=False)
        ridx = np.searchsorted(vals, R).astype(np.int64)
        ridx.setflags(write=False)
        self.ridx = ridx

    # ------------------------------------------------------------------ sizes
    @property
    def M(self) -> int:
        return self.P.shape[0]

    @property
    def S(self) -> int:
        return self.P.shape[1]

    @property
    def A(self) -> int:
        return self.P.shape[2]

    @property
    def n_rewards(self) -> int:
        """Number of distinct reward values (children of a history node per (a, s'))."""
        return len(self.reward_values)

    @property
    def gamma(self) -> int:
        """Maximum transition degree ``max_{m,s,a} |supp P[m, s, a, :]|``."""
        return int((self.P > 0).sum(axis=3).max())

    def is_deterministic(self) -> bool:
        """True when every ``nu[m]`` and every row ``P[m, s, a]`` is a point mass."""
        return bool(
            np.all((self.P > 0).sum(axis=3) == 1) and np.all((self.nu > 0).sum(axis=1) == 1)
        )

    def context_mdp(self, m: int):
        """Context ``m`` as a finite-horizon :class:`~mdpkit.TabularMDP` (initial law ``nu[m]``)."""
        from .tabular import TabularMDP

        m = check_positive_int(m, "m", minimum=0)
        if m >= self.M:
            raise ValueError(f"m must be in [0, M={self.M}), got {m}")
        return TabularMDP(self.P[m], self.R[m], horizon=self.H, mu=self.nu[m])

    def __repr__(self):
        return f"LatentMDP({self.name!r}, M={self.M}, S={self.S}, A={self.A}, H={self.H})"


# ---------------------------------------------------------------------------- instances
def _check_real(x, name, low=None, high=None):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x) or (low is not None and x < low) or (high is not None and x > high):
        raise ValueError(f"{name} must be in [{low}, {high}], got {x}")
    return x


def bandit_tree(
    M: int,
    Sb: int,
    A: int,
    H: int,
    v: float,
    eps: float,
    seed: int,
    *,
    deterministic: bool = False,
    noise: bool = False,
    shared_arm: bool = False,
    pad_to: int | None = None,
) -> LatentMDP:
    """The context-revealing bandit tree (``docs/papers/latent-mdp.md``, "Instances").

    States: start states ``c_0..c_{M-1}`` (``nu[m]`` = point mass on ``c_m``: the first
    state reveals the context), unused padding start states up to ``pad_to`` states in
    total, a complete binary navigation tree of ``Sb - 1`` internal nodes (action 0 → left,
    1 → right, >= 2 → left) with ``Sb`` leaves, the absorbing good state ``G`` (or ``G1,
    G2`` in the noise variant) and the absorbing bad state ``X``. Leaf ``j``, action ``a``
    goes to G w.p. ``v + eps [(j, a) = (j*_m, a*_m)]``, else to X. Each step spent in G
    pays ``1 / (H - t_l)``, ``t_l = 2 + log2 Sb`` (1-based step of the leaf), so reaching G
    returns exactly 1. Weights ``1/M``.

    Parameters
    ----------
    M, Sb, A, H : int
        Contexts, leaves (power of two), actions (>= 2), horizon (>= 3 + log2 Sb).
    v, eps : float
        Base success probability and the best arm's gap, ``0 <= v``, ``v + eps <= 1``.
    seed : int
        ``rng = default_rng(seed)``; then for each context ``j*_m = rng.integers(Sb)``,
        ``a*_m = rng.integers(A)``.
    deterministic : bool
        ``Var* = 0`` variant: ``v = 0``, ``eps = 1`` (the given v, eps are ignored).
    noise : bool
        Value-irrelevant noise: G is split into G1, G2 with ``G_i -> G1 / G2`` w.p. 1/2
        (both pay the G reward); success goes to G1.
    shared_arm : bool
        Every context gets the same best arm (the identical-contexts control).
    pad_to : int, optional
        Total number of states (unused start states are added); must be >= the unpadded size.

    ``meta`` holds ``best_arms`` (M, 2), ``t_leaf``, ``var1``, ``var2`` (analytic, see the
    paper page), ``S_unpadded``.
    """
    M = check_positive_int(M, "M")
    Sb = check_positive_int(Sb, "Sb")
    A = check_positive_int(A, "A", minimum=2)
    H = check_positive_int(H, "H")
    if Sb & (Sb - 1):
        raise ValueError(f"Sb must be a power of two, got {Sb}")
    depth = Sb.bit_length() - 1
    t_leaf = 2 + depth
    if H < 3 + depth:
        raise ValueError(f"H must be >= 3 + log2(Sb) = {3 + depth}, got {H}")
    if deterministic:
        v, eps = 0.0, 1.0
    v = _check_real(v, "v", 0.0, 1.0)
    eps = _check_real(eps, "eps", 0.0, 1.0)
    if v + eps > 1 + 1e-15:
        raise ValueError(f"v + eps must be <= 1, got v={v}, eps={eps}")
    rng = np.random.default_rng(seed)
    arms = np.empty((M, 2), dtype=np.int64)
    for m in range(M):
        arms[m, 0] = rng.integers(Sb)
        arms[m, 1] = rng.integers(A)
    if shared_arm:
        arms[:] = arms[0]
    n_goal = 2 if noise else 1
    S0 = M + (Sb - 1) + Sb + n_goal + 1
    S = S0 if pad_to is None else check_positive_int(pad_to, "pad_to")
    if S < S0:
        raise ValueError(f"pad_to must be >= {S0} (the unpadded number of states), got {S}")
    n_start = M + (S - S0)
    inner0 = n_start  # internal node i (1-based heap index) -> inner0 + i - 1
    leaf0 = inner0 + Sb - 1
    G1 = leaf0 + Sb
    G2 = G1 + 1 if noise else G1
    X = G2 + 1
    P = np.zeros((M, S, A, S))
    R = np.zeros((M, S, A))
    nu = np.zeros((M, S))
    for m in range(M):
        nu[m, m] = 1.0
    root = inner0 if Sb > 1 else leaf0
    for s in range(n_start):
        P[:, s, :, root] = 1.0
    for i in range(1, Sb):  # heap index of internal nodes
        s = inner0 + i - 1
        for a in range(A):
            child = 2 * i + (1 if a == 1 else 0)
            P[:, s, a, inner0 + child - 1 if child < Sb else leaf0 + child - Sb] = 1.0
    for m in range(M):
        for j in range(Sb):
            for a in range(A):
                p = v + (eps if (j, a) == (arms[m, 0], arms[m, 1]) else 0.0)
                p = min(p, 1.0)
                P[m, leaf0 + j, a, G1] += p
                P[m, leaf0 + j, a, X] += 1.0 - p
    g = 1.0 / (H - t_leaf)
    if noise:
        for s in (G1, G2):
            P[:, s, :, G1] = 0.5
            P[:, s, :, G2] = 0.5
            R[:, s, :] = g
    else:
        P[:, G1, :, G1] = 1.0
        R[:, G1, :] = g
    P[:, X, :, X] = 1.0
    best = min(v + eps, 1.0)
    var1 = max(v * (1 - v), best * (1 - best))
    var2 = best * (1 - best)
    meta = dict(
        best_arms=arms,
        t_leaf=t_leaf,
        var1=var1,
        var2=var2,
        S_unpadded=S0,
        v=v,
        eps=eps,
        goal_reward=g,
        states=dict(start=list(range(M)), inner0=inner0, leaf0=leaf0, G1=G1, G2=G2, X=X),
    )
    name = (
        f"bandit-tree(M={M},Sb={Sb},A={A},H={H},v={v:g},eps={eps:g}"
        + (",det" if deterministic else "")
        + (",noise" if noise else "")
        + (",shared" if shared_arm else "")
        + ")"
    )
    return LatentMDP(P, R, nu, np.full(M, 1.0 / M), H, name=name, meta=meta)


def random_lmdp(
    rng,
    M: int,
    S: int,
    A: int,
    H: int,
    *,
    max_support: int | None = None,
    deterministic: bool = False,
) -> LatentMDP:
    """A random LMDP: per (m, s, a) a support of size in ``[1, max_support]`` (default
    ``min(S, 3)``) with Dirichlet(1) weights, rewards in ``{0, 1/H}`` (so every return is
    <= 1), ``w ~ Dirichlet(1)`` (floored at 1e-3 then renormalised), ``nu[m]`` Dirichlet(1)
    on a random support. ``deterministic=True``: point-mass rows and initial laws."""
    rng = as_generator(rng)
    M, S, A, H = (check_positive_int(x, n) for x, n in ((M, "M"), (S, "S"), (A, "A"), (H, "H")))
    k_max = min(S, 3) if max_support is None else check_positive_int(max_support, "max_support")
    k_max = min(k_max, S)
    P = np.zeros((M, S, A, S))
    for m in range(M):
        for s in range(S):
            for a in range(A):
                k = 1 if deterministic else int(rng.integers(1, k_max + 1))
                supp = rng.choice(S, size=k, replace=False)
                P[m, s, a, supp] = rng.dirichlet(np.ones(k))
    P /= P.sum(axis=3, keepdims=True)
    R = rng.integers(0, 2, size=(M, S, A)) / H
    nu = np.zeros((M, S))
    for m in range(M):
        k = 1 if deterministic else int(rng.integers(1, S + 1))
        supp = rng.choice(S, size=k, replace=False)
        nu[m, supp] = rng.dirichlet(np.ones(k))
    nu /= nu.sum(axis=1, keepdims=True)
    w = np.maximum(rng.dirichlet(np.ones(M)), 1e-3)
    w /= w.sum()
    return LatentMDP(P, R, nu, w, H, name=f"random(M={M},S={S},A={A},H={H})")


TIGER_STATES = ("start", "o1", "o2", "door-win", "door-lose")
TIGER_ACTIONS = ("listen", "open1", "open2")


def tiger(accuracy: float = 0.7, H: int = 4) -> LatentMDP:
    """The "two-listen tiger" LMDP (the name is historical: optimal play listens three times).

    Two contexts of weight 1/2 (context m: door m+1 is the right one); states
    ``start, o1, o2, door-win, door-lose`` (every episode starts in ``start``); ``listen``
    from start/o1/o2 goes to o1 w.p. ``accuracy`` in context 0 (``1 - accuracy`` in context
    1), else to o2; ``open1``/``open2`` go to ``door-win`` iff the door matches the context
    (reward 1, paid once on the correct open), else ``door-lose``; door states are
    absorbing with reward 0.
    """
    q = _check_real(accuracy, "accuracy", 0.0, 1.0)
    H = check_positive_int(H, "H")
    S, A, M = 5, 3, 2
    P = np.zeros((M, S, A, S))
    R = np.zeros((M, S, A))
    for m in range(M):
        p_o1 = q if m == 0 else 1 - q
        for s in range(3):
            P[m, s, 0, 1] = p_o1
            P[m, s, 0, 2] = 1 - p_o1
            for door in (0, 1):
                right = door == m
                P[m, s, 1 + door, 3 if right else 4] = 1.0
                R[m, s, 1 + door] = 1.0 if right else 0.0
        P[m, 3, :, 3] = 1.0
        P[m, 4, :, 4] = 1.0
    nu = np.zeros((M, S))
    nu[:, 0] = 1.0
    return LatentMDP(
        P,
        R,
        nu,
        np.array([0.5, 0.5]),
        H,
        name=f"tiger(acc={q:g},H={H})",
        meta=dict(states=TIGER_STATES, actions=TIGER_ACTIONS),
    )

r"""Seeded generators of :class:`~mdpkit.models.tabular.TabularMDP` instances.

Every generator builds either a discounted model (``gamma=...``) or a finite-horizon one
(``horizon=...``); exactly one of the two must be given (checked by :class:`TabularMDP`,
which names the argument). Every random generator takes ``rng`` (a ``numpy.random.Generator``
or an int seed, through :func:`mdpkit.utils.as_generator`); the same seed always gives the
same model.

Generators
----------
* :func:`random_mdp` -- dense, rows ``P(.|s, a) ~ Dirichlet(alpha, ..., alpha)``, rewards
  ``U[0, 1)``; optionally step-dependent (finite horizon).
* :func:`random_sparse_mdp` -- CSR, ``n_successors`` distinct successors per (s, a) drawn
  uniformly without replacement, Dirichlet(alpha) probabilities on them; built vectorised
  (a numba kernel, O(nnz) time and memory): S = 10^5, A = 4, 5 successors in ~0.15 s CPU,
  S = 10^6 in ~3 s CPU including validation (memory-bound: ~1.3 GB peak for 20M entries).
* :func:`riverswim` -- RiverSwim (Strehl & Littman 2008) with the transition numbers and
  rewards of Osband, Russo & Van Roy 2013 (below).
* :func:`chain` -- the "Chain" problem of Strens 2000 (also Dearden, Friedman & Russell 1998).
* :func:`gridworld` -- a grid with walls, a rewarding absorbing goal and slip probability.

Decisions (not fixed by the issue)
----------------------------------
* Random rewards are drawn after the transitions from the same stream, so ``rng`` fully
  determines the model; the order of draws is part of the reproducibility contract.
* Dirichlet rows are normalised by their sum (row sums within a few ulps of 1, far inside the
  1e-10 tolerance of :class:`TabularMDP`). For ``alpha < 0.1`` numpy's Dirichlet sampler is
  used (it avoids all-zero rows); entries may still underflow to exact zeros, which a sparse
  model then stores explicitly (``n_successors`` counts stored entries, not positive ones).
* ``step_dependent=True`` (finite horizon, dense only) draws an independent P_h and R_h for
  every step h = 0..H-1. The sparse generator has no step-dependent form because
  :class:`TabularMDP` stores a sparse P as one stationary CSR matrix.
* Structured models (RiverSwim, chain, gridworld) take ``sparse=True`` to return a CSR model
  (useful for long chains / big grids); the default is dense.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp
from numba import njit

from ..utils import as_generator, check_positive_int
from .tabular import DENSE_NUMBA_MIN_SIZE, DENSITY_MAX, TabularMDP, _dense_from_csr

__all__ = ["random_mdp", "random_sparse_mdp", "riverswim", "chain", "gridworld"]


# ----------------------------------------------------------------------------- helpers
def _check_real(value, name: str, *, low=None, high=None, low_open=False, high_open=False) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def _check_setting(gamma, horizon, step_dependent: bool) -> None:
    if not isinstance(step_dependent, (bool, np.bool_)):
        raise TypeError(f"step_dependent must be a bool, got {type(step_dependent).__name__}")
    if step_dependent and horizon is None:
        raise ValueError(
            "step_dependent=True needs a finite-horizon model: pass horizon=H (not gamma)"
        )


def _check_bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def _dirichlet_rows(rng: np.random.Generator, alpha: float, k: int, shape: tuple) -> np.ndarray:
    """Rows ~ Dirichlet(alpha * 1_k), array of shape ``shape + (k,)``."""
    if alpha >= 0.1:
        g = rng.standard_gamma(alpha, size=shape + (k,))
        g /= g.sum(axis=-1, keepdims=True)
        return g
    return rng.dirichlet(np.full(k, alpha), size=shape)


def _from_outcomes(cols: np.ndarray, vals: np.ndarray, sparse: bool):
    """Transition kernel from ``n`` outcomes per pair: ``cols[s, a, j]`` with probability
    ``vals[s, a, j]`` (shape (S, A, n)); repeated columns are summed, zero probabilities dropped.

    Built without sorting the whole triplet list: CSR rows of n entries each, then a per-row
    sort/merge (O(S A n log n)); dense output uses one fancy-index pass per outcome. A dense
    kernel that the model would store as its CSR twin anyway (``tabular.DENSITY_MAX``) is
    returned as CSR too; :func:`_model` then builds the dense model from it, so the dense
    array is only made if a user reads ``P``.
    """
    S, A, n = cols.shape
    if sparse or _stored_as_twin(S, A, n):
        P = sp.csr_matrix((S * A, S), dtype=np.float64)
        P.data = vals.reshape(-1).astype(np.float64)
        P.indices = cols.reshape(-1).astype(np.int64)
        P.indptr = np.arange(0, S * A * n + 1, n, dtype=np.int64)
        P.sum_duplicates()
        P.eliminate_zeros()
        return P
    P = np.zeros((S * A, S))
    rows = np.arange(S * A)
    flat_c, flat_v = cols.reshape(S * A, n), vals.reshape(S * A, n)
    for j in range(n):  # a few outcomes; each pass hits every row once (no duplicates)
        P[rows, flat_c[:, j]] += flat_v[:, j]
    return P.reshape(S, A, S)


def _stored_as_twin(S: int, A: int, n: int) -> bool:
    """Whether a dense (S, A, S) kernel with at most ``n`` outcomes per row is one that
    :class:`TabularMDP` stores as its CSR twin (size and density thresholds)."""
    return S * A * S >= DENSE_NUMBA_MIN_SIZE and n <= DENSITY_MAX * S


def _model(P, R, sparse: bool, **kwargs) -> TabularMDP:
    """The generator's model: CSR if ``sparse``; else dense, built from CSR rows without a
    dense array when ``P`` came back as CSR (:func:`_from_outcomes`)."""
    if not sparse and sp.issparse(P):
        return _dense_from_csr(P, R, **kwargs)
    return TabularMDP(P, R, **kwargs)


def _delta(S: int, s: int) -> np.ndarray:
    mu = np.zeros(S)
    mu[s] = 1.0
    return mu


# ------------------------------------------------------------------------- random MDPs
def random_mdp(
    S,
    A,
    *,
    gamma=None,
    horizon=None,
    rng,
    alpha=1.0,
    step_dependent=False,
    mu=None,
    action_mask=None,
):
    """Random dense MDP: Dirichlet(alpha) transition rows and U[0, 1) rewards.

    Parameters
    ----------
    S, A : int >= 1
        Numbers of states and actions.
    gamma : float in [0, 1), optional
        Discount factor (discounted model). Exactly one of ``gamma`` / ``horizon``.
    horizon : int >= 1, optional
        Horizon H (finite-horizon model).
    rng : numpy Generator or int
        Randomness (keyword-only, required).
    alpha : float > 0, default 1.0
        Dirichlet concentration; 1.0 = uniform on the simplex, small = nearly deterministic.
    step_dependent : bool, default False
        Finite horizon only: independent P_h, R_h for every step (P of shape (H, S, A, S)).
    mu : ndarray, shape (S,), optional
    action_mask : bool ndarray, shape (S, A), optional
        Available actions, passed to :class:`TabularMDP` (every exact solver and the
        gymnasium env then respect it).
        Initial distribution (uniform by default).

    Returns
    -------
    TabularMDP
        ``P`` shape (S, A, S) (or (H, S, A, S)), ``R`` shape (S, A) (or (H, S, A)).
    """
    S = check_positive_int(S, "S")
    A = check_positive_int(A, "A")
    alpha = _check_real(alpha, "alpha", low=0.0, low_open=True)
    _check_setting(gamma, horizon, step_dependent)
    TabularMDP._check_gamma_horizon(gamma, horizon)
    gen = as_generator(rng)
    shape = (int(horizon), S, A) if step_dependent else (S, A)
    P = _dirichlet_rows(gen, alpha, S, shape)
    R = gen.random(shape)
    return TabularMDP(P, R, gamma=gamma, horizon=horizon, mu=mu, action_mask=action_mask)


@njit(cache=True)
def _floyd_rows(S, draws, mark, row0, out):  # pragma: no cover - compiled
    """Floyd's sampling of a k-subset of range(S) per row, then an in-row sort.

    ``draws[i, c]`` is uniform on ``[0, S - k + c]``; ``mark`` (S,) holds the id of the last
    row that picked each state (ids ``row0 + i`` are unique across calls), so membership
    tests are O(1) and each row costs O(k) plus its sort.
    """
    n, k = draws.shape
    for i in range(n):
        stamp = row0 + i
        for c in range(k):
            t = draws[i, c]
            if mark[t] == stamp:
                t = S - k + c
            mark[t] = stamp
            out[i, c] = t
        if k <= 32:  # insertion sort, small rows
            for c in range(1, k):
                v = out[i, c]
                j = c - 1
                while j >= 0 and out[i, j] > v:
                    out[i, j + 1] = out[i, j]
                    j -= 1
                out[i, j + 1] = v
        else:
            out[i, :] = np.sort(out[i, :])


def _distinct_successors(S: int, k: int, n_rows: int, gen: np.random.Generator) -> np.ndarray:
    """(n_rows, k) int64, each row a uniform k-subset of range(S), sorted (Floyd's algorithm)."""
    out = np.empty((n_rows, k), dtype=np.int64)
    mark = np.full(S, -1, dtype=np.int64)
    highs = np.arange(S - k + 1, S + 1, dtype=np.int64)  # draw c is uniform on [0, S-k+c]
    chunk = max(1, (1 << 22) // k)  # bounded temporary memory for the draws
    for start in range(0, n_rows, chunk):  # loop over chunks of ~4M entries, not over states
        stop = min(n_rows, start + chunk)
        draws = gen.integers(0, highs, size=(stop - start, k))
        _floyd_rows(S, draws, mark, start, out[start:stop])
    return out


def random_sparse_mdp(
    S, A, n_successors, *, gamma=None, horizon=None, rng, alpha=1.0, mu=None, action_mask=None
):
    """Random sparse (CSR) MDP with ``n_successors`` distinct successors per state-action pair.

    The successors of each (s, a) are a uniform random subset of size ``n_successors`` of the
    S states (drawn without replacement, Floyd's algorithm); their probabilities are
    Dirichlet(alpha); rewards are U[0, 1). Time and memory O(S * A * n_successors); the
    model is never densified.

    Parameters
    ----------
    S, A : int >= 1
    n_successors : int, 1 <= n_successors <= S
    gamma, horizon : exactly one of them, as in :class:`TabularMDP`
    rng : numpy Generator or int
    alpha : float > 0, default 1.0
    mu : ndarray, shape (S,), optional
    action_mask : bool ndarray, shape (S, A), optional
        Available actions, passed to :class:`TabularMDP` (every exact solver and the
        gymnasium env then respect it).

    Returns
    -------
    TabularMDP
        Sparse: ``P`` CSR of shape (S*A, S) with exactly ``n_successors`` stored entries per
        row (sorted column indices), ``R`` shape (S, A).
    """
    S = check_positive_int(S, "S")
    A = check_positive_int(A, "A")
    k = check_positive_int(n_successors, "n_successors")
    if k > S:
        raise ValueError(f"n_successors must be <= S = {S}, got {k}")
    alpha = _check_real(alpha, "alpha", low=0.0, low_open=True)
    TabularMDP._check_gamma_horizon(gamma, horizon)
    gen = as_generator(rng)
    n = S * A
    cols = _distinct_successors(S, k, n, gen)
    probs = _dirichlet_rows(gen, alpha, k, (n,))
    R = gen.random((S, A))
    P = sp.csr_matrix((n, S), dtype=np.float64)
    # assign the arrays directly: the tuple constructor would downcast the indices to int32
    P.data = probs.reshape(-1)
    P.indices = cols.reshape(-1)
    P.indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    P.has_sorted_indices = True
    P.has_canonical_format = True  # sorted and distinct by construction
    return TabularMDP(P, R, gamma=gamma, horizon=horizon, mu=mu, action_mask=action_mask)


# ---------------------------------------------------------------------- structured MDPs
def riverswim(
    S=6,
    *,
    gamma=None,
    horizon=None,
    small_reward=0.005,
    large_reward=1.0,
    sparse=False,
    mu=None,
    action_mask=None,
):
    """RiverSwim: a chain where swimming right (upstream) is slow and only the far end pays.

    Introduced by Strehl & Littman (2008, JCSS 74(8)); numbers below are those of Osband,
    Russo & Van Roy (2013, "(More) efficient reinforcement learning via posterior sampling"),
    the version used in most regret papers. States 0..S-1 (0 = left bank), actions
    0 = left (with the current), 1 = right (against it):

    * left: moves to ``max(s - 1, 0)`` with probability 1;
    * right at s = 0: stays w.p. 0.4, moves to 1 w.p. 0.6;
    * right at 0 < s < S-1: moves left w.p. 0.05, stays w.p. 0.6, moves right w.p. 0.35;
    * right at s = S-1: moves left w.p. 0.4, stays w.p. 0.6;
    * rewards (expected, deterministic): ``R[0, left] = small_reward`` (5/1000),
      ``R[S-1, right] = large_reward`` (1), 0 elsewhere. Strehl & Littman used 5 and 10000.
    * start: the left bank, ``mu = delta_0`` (unless ``mu`` is given).

    Parameters
    ----------
    S : int >= 2, default 6
    gamma, horizon : exactly one of them
    small_reward, large_reward : float
    sparse : bool, default False
        Return a CSR model (P of shape (S*2, S)) instead of a dense (S, 2, S) one.
    mu : ndarray, shape (S,), optional
    action_mask : bool ndarray, shape (S, A), optional
        Available actions, passed to :class:`TabularMDP` (every exact solver and the
        gymnasium env then respect it).

    Returns
    -------
    TabularMDP with A = 2.
    """
    S = check_positive_int(S, "S", minimum=2)
    small_reward = _check_real(small_reward, "small_reward")
    large_reward = _check_real(large_reward, "large_reward")
    sparse = _check_bool(sparse, "sparse")
    A = 2
    s = np.arange(S)
    cols = np.empty((S, A, 3), dtype=np.int64)
    vals = np.zeros((S, A, 3))
    # left: deterministic (outcomes 1 and 2 unused, probability 0)
    cols[:, 0, :] = np.maximum(s - 1, 0)[:, None]
    vals[:, 0, 0] = 1.0
    # right: (left, stay, right) probabilities per state
    p_right = np.array([0.05, 0.6, 0.35]) * np.ones((S, 1))
    p_right[0] = [0.0, 0.4, 0.6]
    p_right[-1] = [0.4, 0.6, 0.0]
    for j, shift in enumerate((-1, 0, 1)):
        cols[:, 1, j] = np.clip(s + shift, 0, S - 1)
    vals[:, 1, :] = p_right
    P = _from_outcomes(cols, vals, sparse)
    R = np.zeros((S, A))
    R[0, 0] = small_reward
    R[S - 1, 1] = large_reward
    return _model(
        P,
        R,
        sparse,
        gamma=gamma,
        horizon=horizon,
        mu=_delta(S, 0) if mu is None else mu,
        action_mask=action_mask,
    )


def chain(
    S=5,
    *,
    gamma=None,
    horizon=None,
    slip=0.2,
    small_reward=2.0,
    large_reward=10.0,
    sparse=False,
    mu=None,
    action_mask=None,
):
    """The "Chain" problem (Strens 2000, ICML; Dearden, Friedman & Russell 1998).

    States 0..S-1, start at 0. Action 0 ("forward") moves to ``min(s + 1, S-1)``, paying
    ``large_reward`` when taken at the last state (which it keeps); action 1 ("back")
    returns to state 0 paying ``small_reward``. With probability ``slip`` the *other*
    action is carried out (transition and reward). Rewards are stored as expectations:

    * ``R[s, 0] = (1 - slip) * large_reward * [s = S-1] + slip * small_reward``
    * ``R[s, 1] = (1 - slip) * small_reward + slip * large_reward * [s = S-1]``

    Defaults (S = 5, slip = 0.2, rewards 2 and 10) are Strens's. The optimal discounted
    policy goes forward; "back" is a tempting local optimum.

    Parameters
    ----------
    S : int >= 2, default 5
    gamma, horizon : exactly one of them
    slip : float in [0, 1], default 0.2
    small_reward, large_reward : float
    sparse : bool, default False
    mu : ndarray, shape (S,), optional (default: start at state 0)
    action_mask : bool ndarray, shape (S, A), optional
        Available actions, passed to :class:`TabularMDP` (every exact solver and the
        gymnasium env then respect it).

    Returns
    -------
    TabularMDP with A = 2.
    """
    S = check_positive_int(S, "S", minimum=2)
    slip = _check_real(slip, "slip", low=0.0, high=1.0)
    small_reward = _check_real(small_reward, "small_reward")
    large_reward = _check_real(large_reward, "large_reward")
    sparse = _check_bool(sparse, "sparse")
    A = 2
    s = np.arange(S)
    fwd = np.minimum(s + 1, S - 1)
    cols = np.zeros((S, A, 2), dtype=np.int64)  # outcome 0: intended, 1: slipped
    vals = np.empty((S, A, 2))
    cols[:, 0, 0] = fwd  # forward as intended; a slip does "back" (to 0)
    cols[:, 1, 1] = fwd  # back as intended (to 0); a slip does "forward"
    vals[:, :, 0] = 1 - slip
    vals[:, :, 1] = slip
    P = _from_outcomes(cols, vals, sparse)
    at_end = (s == S - 1).astype(float)
    R = np.empty((S, A))
    R[:, 0] = (1 - slip) * large_reward * at_end + slip * small_reward
    R[:, 1] = (1 - slip) * small_reward + slip * large_reward * at_end
    return _model(
        P,
        R,
        sparse,
        gamma=gamma,
        horizon=horizon,
        mu=_delta(S, 0) if mu is None else mu,
        action_mask=action_mask,
    )


#: gridworld moves (row, column) for actions 0 = up, 1 = right, 2 = down, 3 = left
GRID_MOVES = np.array([[-1, 0], [0, 1], [1, 0], [0, -1]])


def _cell(value, shape, name):
    try:
        r, c = (int(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a (row, column) pair of ints, got {value!r}") from None
    if not (0 <= r < shape[0] and 0 <= c < shape[1]):
        raise ValueError(f"{name} {value!r} lies outside the grid of shape {shape}")
    return r, c


def gridworld(
    shape,
    *,
    slip,
    gamma=None,
    horizon=None,
    goal=None,
    start=(0, 0),
    walls=(),
    goal_reward=1.0,
    sparse=False,
    mu=None,
    action_mask=None,
):
    """Grid navigation with slip, walls and an absorbing rewarding goal.

    State of cell (r, c) is ``r * n_cols + c``. Actions 0 = up, 1 = right, 2 = down,
    3 = left (:data:`GRID_MOVES`). The intended move happens with probability ``1 - slip``;
    each of the two perpendicular moves with probability ``slip / 2``. A move off the grid
    or into a wall leaves the agent where it is. The goal is absorbing with zero reward;
    entering it pays ``goal_reward``, stored as the expectation
    ``R[s, a] = goal_reward * P(goal | s, a)`` for s != goal. Wall cells are states too
    (absorbing, zero reward, never reached from outside, mu = 0 on them).

    Parameters
    ----------
    shape : (int, int)
        (n_rows, n_cols), S = n_rows * n_cols.
    slip : float in [0, 1]
        Probability of slipping sideways (keyword-only, required).
    gamma, horizon : exactly one of them
    goal : (int, int), optional
        Goal cell; default the bottom-right corner.
    start : (int, int), default (0, 0)
        Start cell (``mu = delta_start`` unless ``mu`` is given).
    walls : iterable of (int, int)
        Impassable cells (not the goal nor the start).
    goal_reward : float, default 1.0
    sparse : bool, default False
        CSR model (P of shape (S*4, S)), for big grids.
    mu : ndarray, shape (S,), optional
    action_mask : bool ndarray, shape (S, A), optional
        Available actions, passed to :class:`TabularMDP` (every exact solver and the
        gymnasium env then respect it).

    Returns
    -------
    TabularMDP with A = 4.
    """
    try:
        n_rows, n_cols = shape
    except (TypeError, ValueError):
        raise TypeError(f"shape must be a pair (n_rows, n_cols), got {shape!r}") from None
    n_rows = check_positive_int(n_rows, "shape[0]")
    n_cols = check_positive_int(n_cols, "shape[1]")
    shape = (n_rows, n_cols)
    slip = _check_real(slip, "slip", low=0.0, high=1.0)
    goal_reward = _check_real(goal_reward, "goal_reward")
    sparse = _check_bool(sparse, "sparse")
    goal = _cell((n_rows - 1, n_cols - 1) if goal is None else goal, shape, "goal")
    start = _cell(start, shape, "start")
    wall_cells = {_cell(w, shape, "walls entry") for w in walls}
    if goal in wall_cells:
        raise ValueError(f"walls must not contain the goal {goal}")
    if start in wall_cells:
        raise ValueError(f"walls must not contain the start {start}")
    S, A = n_rows * n_cols, 4
    is_wall = np.zeros(S, dtype=bool)
    for r, c in wall_cells:
        is_wall[r * n_cols + c] = True
    g = goal[0] * n_cols + goal[1]
    s = np.arange(S)
    rr, cc = np.divmod(s, n_cols)

    def target(move):  # (S,) next state of a move from every state, blocked -> stay
        nr, nc = rr + GRID_MOVES[move, 0], cc + GRID_MOVES[move, 1]
        inside = (nr >= 0) & (nr < n_rows) & (nc >= 0) & (nc < n_cols)
        nxt = np.where(inside, np.clip(nr, 0, n_rows - 1) * n_cols + np.clip(nc, 0, n_cols - 1), s)
        return np.where(is_wall[nxt], s, nxt)

    frozen = is_wall.copy()
    frozen[g] = True  # absorbing states
    cols = np.empty((S, A, 3), dtype=np.int64)
    vals = np.empty((S, A, 3))
    moved = [np.where(frozen, s, target(m)) for m in range(4)]  # (S,) per move
    for a in range(A):  # 4 actions x 3 outcomes, each vectorised over states
        for j, (move, p) in enumerate(
            ((a, 1.0 - slip), ((a + 1) % 4, slip / 2), ((a + 3) % 4, slip / 2))
        ):
            cols[:, a, j] = moved[move]
            vals[:, a, j] = p
    P = _from_outcomes(cols, vals, sparse)
    # expected reward: probability of entering the goal from a non-goal state
    R = goal_reward * ((cols == g) * vals).sum(axis=2)
    R[g] = 0.0
    return _model(
        P,
        R,
        sparse,
        gamma=gamma,
        horizon=horizon,
        action_mask=action_mask,
        mu=_delta(S, start[0] * n_cols + start[1]) if mu is None else mu,
    )

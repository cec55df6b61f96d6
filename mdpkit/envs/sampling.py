r"""Sampling of an episodic tabular environment: the one implementation.

:class:`~mdpkit.envs.episodic.EpisodicTabularEnv` draws its initial states and transitions
with :func:`draw_index`, and every compiled fast path (UCBVI, PSRL, the conservative
learners) replays the env with :func:`episode_start` / :func:`episode_step` on the tables of
:func:`episode_tables` and the uniforms of :func:`episode_uniforms`, so that a fast path and
the generic loop see the same trajectories for the same env stream.

Scheme (a stable contract)
--------------------------
Per episode, in this order, from the env's stream: one uniform ``u`` for the initial state;
then per step ``h``: when rewards are Bernoulli, one uniform ``v`` (reward ``1.0 if v <
R_h(s, a) else 0.0``), then one uniform ``u`` for the next state. A state is drawn by
inversion of a row of cumulative sums ``cdf``: the first index ``i`` with
``u * cdf[-1] < cdf[i]`` (``numpy.searchsorted(cdf, u * cdf[-1], side="right")``), clipped
to the last index. Dense rows use ``cumsum(P, axis=-1)``; CSR rows the cumulative sums of
their non-zeros (never densified by the env; :func:`episode_tables` scatters them into
dense rows carried forward over zero entries, which selects the same successor).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

__all__ = [
    "draw_index",
    "episode_start",
    "episode_step",
    "EpisodeTables",
    "episode_tables",
    "uniforms_per_episode",
    "episode_uniforms",
    "csr_row_cumsums",
]


@njit(cache=True, inline="always")
def _search_right(cdf, x):
    lo = 0
    hi = cdf.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if x < cdf[mid]:
            hi = mid
        else:
            lo = mid + 1
    if lo >= cdf.shape[0]:
        lo = cdf.shape[0] - 1
    return lo


@njit(cache=True, inline="always")
def draw_index(cdf, u):
    """Index drawn by the uniform ``u`` from the cumulative sums ``cdf`` (n,): the first
    ``i`` with ``u * cdf[-1] < cdf[i]``, clipped to ``n - 1``."""
    return _search_right(cdf, u * cdf[cdf.shape[0] - 1])


@njit(cache=True, inline="always")
def episode_start(cdf_mu, u_row):
    """Initial state from ``u_row[0]``; returns ``(s0, j)`` with ``j = 1`` the next column."""
    return draw_index(cdf_mu, u_row[0]), 1


@njit(cache=True, inline="always")
def episode_step(cdf_row, r_mean, bernoulli, u_row, j):
    """One step from column ``j`` of the episode's uniforms: ``(reward, next_state, j')``.

    ``cdf_row`` (S,) cumulative sums of ``P_h(. | s, a)``; ``r_mean`` = ``R_h(s, a)``.
    """
    r = r_mean
    if bernoulli:
        r = 1.0 if u_row[j] < r_mean else 0.0
        j += 1
    s2 = draw_index(cdf_row, u_row[j])
    return r, s2, j + 1


def uniforms_per_episode(H: int, bernoulli: bool) -> int:
    """``1 + H`` (deterministic rewards) or ``1 + 2H`` (Bernoulli rewards)."""
    return 1 + H * (2 if bernoulli else 1)


def episode_uniforms(
    rng: np.random.Generator, n_episodes: int, H: int, bernoulli: bool
) -> np.ndarray:
    """The env's uniforms of ``n_episodes`` episodes, shape (n_episodes, 1 + H or 1 + 2H),
    drawn with one ``rng.random`` call (the same stream as the env's one draw at a time)."""
    return rng.random((n_episodes, uniforms_per_episode(H, bernoulli)))


def csr_row_cumsums(indptr: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Cumulative sums of the non-zeros within each CSR row, shape (nnz,): the global
    cumulative sum minus the total before the row's start (memory O(nnz))."""
    cum = np.cumsum(data)
    starts = indptr[:-1]
    before = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    return cum - np.repeat(before, np.diff(indptr))


class EpisodeTables(NamedTuple):
    """Dense tables to replay an :class:`~mdpkit.envs.episodic.EpisodicTabularEnv` in
    compiled code (GP = 1 for a stationary P, else H)."""

    P4: np.ndarray  #: (GP, S, A, S) transitions (exact evaluation)
    R3: np.ndarray  #: (H, S, A) mean rewards
    mu: np.ndarray  #: (S,) initial distribution
    cdf_mu: np.ndarray  #: (S,) cumulative sums of mu
    cdf_P: np.ndarray  #: (GP, S, A, S) cumulative sums of the rows of P, as the env uses
    bernoulli: bool  #: realised rewards are Bernoulli(R) draws


def episode_tables(
    env, expected_SAH: tuple[int, int, int] | None = None, step_dependent: bool = False
) -> EpisodeTables:
    """The tables of ``env`` (an ``EpisodicTabularEnv``) for the compiled fast paths.

    ``expected_SAH``: the learner's (S, A, H); a different env raises ``ValueError``.
    ``step_dependent``: give P with GP = H even for a stationary model.
    """
    from .episodic import EpisodicTabularEnv

    if not isinstance(env, EpisodicTabularEnv):
        raise TypeError(f"the fast path needs an EpisodicTabularEnv, got {type(env).__name__}")
    mdp = env.mdp
    S, A, H = mdp.S, mdp.A, mdp.H
    if expected_SAH is not None and (S, A, H) != tuple(expected_SAH):
        raise ValueError(f"env has (S, A, H) = {(S, A, H)}, the learner {tuple(expected_SAH)}")
    if env.reward_dist not in ("deterministic", "bernoulli"):
        raise ValueError(f"unsupported reward_dist {env.reward_dist!r} for the fast path")
    if mdp.is_sparse:
        Pc = mdp.P
        cdf = np.full((S * A, S), np.nan)
        rows = np.repeat(np.arange(S * A), np.diff(Pc.indptr))
        cdf[rows, Pc.indices] = csr_row_cumsums(Pc.indptr, Pc.data)
        cdf[:, 0] = np.where(np.isnan(cdf[:, 0]), 0.0, cdf[:, 0])
        for y in range(1, S):  # carry forward over zero-probability successors
            col = cdf[:, y]
            np.copyto(col, cdf[:, y - 1], where=np.isnan(col))
        cdf_P = cdf.reshape(1, S, A, S)
        P = mdp.dense_P()[None]
    else:
        P = mdp.P if mdp.step_dependent_P else mdp.P[None]
        cdf_P = np.cumsum(P, axis=-1)
    if step_dependent and P.shape[0] == 1:
        P = np.broadcast_to(P, (H, S, A, S))
        cdf_P = np.broadcast_to(cdf_P, (H, S, A, S))
    R = np.ascontiguousarray(np.broadcast_to(mdp.R, (H, S, A)), dtype=np.float64)
    return EpisodeTables(
        np.ascontiguousarray(P, dtype=np.float64),
        R,
        np.ascontiguousarray(mdp.mu, dtype=np.float64),
        np.cumsum(mdp.mu),
        np.ascontiguousarray(cdf_P, dtype=np.float64),
        env.reward_dist == "bernoulli",
    )


# ------------------------------------------------------------------ continuing (no episodes)
# Scheme of a continuing env (mdpkit.envs.continuing): one uniform for the initial state
# (reset), then per step the same draws as an episodic step: when rewards are Bernoulli one
# uniform ``v``, then one uniform ``u`` for the next state.


@njit(cache=True, inline="always")
def continuing_step(cdf_row, r_mean, bernoulli, u_row):
    """One step of a continuing env from the step's uniforms ``u_row`` (1 or 2 of them):
    ``(reward, next_state)``, the same rule as :func:`episode_step`."""
    r, s2, _ = episode_step(cdf_row, r_mean, bernoulli, u_row, 0)
    return r, s2


class ContinuingTables(NamedTuple):
    """Dense tables to replay a :class:`~mdpkit.envs.continuing.ContinuingTabularEnv` in
    compiled code."""

    R: np.ndarray  #: (S, A) mean rewards
    cdf_P: np.ndarray  #: (S, A, S) cumulative sums of the rows of P, as the env uses
    bernoulli: bool  #: realised rewards are Bernoulli(R) draws


def uniforms_per_step(bernoulli: bool) -> int:
    """``1`` (deterministic rewards) or ``2`` (Bernoulli rewards)."""
    return 2 if bernoulli else 1


def step_uniforms(rng: np.random.Generator, n_steps: int, bernoulli: bool) -> np.ndarray:
    """The env's uniforms of ``n_steps`` continuing steps, shape (n_steps, 1 or 2), drawn
    with one ``rng.random`` call (the same stream as the env's one draw at a time)."""
    return rng.random((n_steps, uniforms_per_step(bernoulli)))


def dense_row_cdf(mdp) -> np.ndarray:
    """Cumulative sums of the rows of a stationary model's P, shape (S, A, S), float64; CSR
    rows are scattered into dense rows (zero entries carry the sum forward, which selects
    the same successor as the CSR cumulative sums)."""
    P = mdp.dense_P() if mdp.is_sparse else mdp.P
    return np.ascontiguousarray(np.cumsum(P, axis=-1), dtype=np.float64)

r"""Reward-free sample complexity as a measurement (paper page
``docs/papers/linear-mixture.md``, section "Measuring sample complexity").

After exploration budgets on a grid of checkpoints, the planning phase is run for every
evaluation reward and its exact gap ``V*_1(s1; r) - V^{pi_r}_1(s1; r)`` is computed from
the true model (no Monte Carlo). The worst gap over the evaluation rewards is recorded per
checkpoint and seed. ``K_hat(eps)`` is the first checkpoint from which the seed-mean worst
gap stays ``<= eps`` up to the last checkpoint (the last time the mean curve crosses below
``eps``); when the mean at the last checkpoint is still above ``eps`` the value is
right-censored at ``K_max`` (reported as such).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...models.linear_mixture import check_rewards

__all__ = ["checkpoints", "gap_curve", "k_hat", "measure", "fit_slope"]


def checkpoints(K_max: int, start: int = 8) -> np.ndarray:
    """Half-octave grid ``round(start 2^(j/2))`` up to ``K_max`` (always ending at ``K_max``)."""
    if K_max < start:
        raise ValueError(f"K_max must be >= start = {start}, got {K_max}")
    out = []
    j = 0
    while True:
        k = int(round(start * 2 ** (j / 2)))
        if k >= K_max:
            break
        if not out or k > out[-1]:
            out.append(k)
        j += 1
    out.append(int(K_max))
    return np.array(out, dtype=np.int64)


def gap_curve(explorer, R_eval: np.ndarray, grid: np.ndarray, env_rng) -> np.ndarray:
    """Worst exact planning gap over ``R_eval`` (n, H, S, A) at every checkpoint of
    ``grid`` for one explorer (which must not have explored yet). Shape (len(grid),)."""
    out = np.empty(len(grid))
    done = 0
    for i, k in enumerate(grid):
        explorer.explore(int(k) - done, env_rng)
        done = int(k)
        out[i] = explorer.gaps(R_eval).max()
    return out


def k_hat(mean_gaps, grid, eps: float) -> tuple[float, bool]:
    """``(K_hat, censored)``: first checkpoint after which ``mean_gaps <= eps`` holds to the
    end; ``(grid[-1], True)`` if the last value is above ``eps``."""
    mean_gaps = np.asarray(mean_gaps)
    if not 0 < eps < 1:
        raise ValueError(f"eps must be in (0, 1), got {eps}")
    above = np.nonzero(mean_gaps > eps)[0]
    if len(above) == 0:
        return float(grid[0]), False
    last = above[-1]
    if last == len(grid) - 1:
        return float(grid[-1]), True
    return float(grid[last + 1]), False


def _one(make_model: Callable, make_explorer: Callable, make_R_eval: Callable, grid, seed_seq):
    s_model, s_env, s_learner, s_r = seed_seq.spawn(4)
    model = make_model(np.random.default_rng(s_model))
    R_eval = make_R_eval(model, np.random.default_rng(s_r))
    ex = make_explorer(model, int(grid[-1]), np.random.default_rng(s_learner))
    return gap_curve(ex, R_eval, grid, np.random.default_rng(s_env))


def measure(
    make_model: Callable,
    make_explorer: Callable,
    make_R_eval: Callable,
    grid,
    n_seeds: int,
    root_seed: int = 0,
    n_jobs: int = 1,
) -> np.ndarray:
    """Worst-gap curves (n_seeds, len(grid)); seed i uses ``SeedSequence(root_seed).spawn``'s
    i-th child, split into model / env / explorer / evaluation-reward streams.

    make_model(rng) -> LinearMixtureMDP; make_explorer(model, K_max, rng) -> explorer;
    make_R_eval(model, rng) -> (n, H, S, A) rewards (checked: totals <= 1).
    """
    grid = np.asarray(grid, dtype=np.int64)

    def R_checked(model, rng):
        R = np.ascontiguousarray(make_R_eval(model, rng), dtype=np.float64)
        for i in range(R.shape[0]):
            check_rewards(
                R[i], model.H, model.S, model.A, P=model.P, s1=model.s1, name=f"R_eval[{i}]"
            )
        return R

    seqs = np.random.SeedSequence(root_seed).spawn(n_seeds)
    if n_jobs == 1:
        rows = [_one(make_model, make_explorer, R_checked, grid, s) for s in seqs]
    else:
        from joblib import Parallel, delayed

        rows = Parallel(n_jobs=n_jobs)(
            delayed(_one)(make_model, make_explorer, R_checked, grid, s) for s in seqs
        )
    return np.array(rows)


def fit_slope(x, y) -> float:
    """Least-squares slope of ``log y`` on ``log x``."""
    x = np.log(np.asarray(x, dtype=float))
    y = np.log(np.asarray(y, dtype=float))
    return float(np.polyfit(x, y, 1)[0])

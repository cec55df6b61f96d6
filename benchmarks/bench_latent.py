"""Latent MDPs: the compiled history-tree planner vs a plain numpy planner, and VO's run time
(``docs/papers/latent-mdp.md``).

* Planner: the largest instances of E1-E3 (``BanditTree(M=2, Sb=4, A=2, H=8)``, the noise
  tree at H = 64, ``M = 8`` padded to 17 states) and the tiger, planned exactly by
  :func:`mdpkit.solvers.latent.plan` (compiled, memory estimated first) and by
  :func:`numpy_plan` below (the same dynamic programme written with Python dicts and numpy
  vectors, no numba). Both values are printed; they must agree to 1e-12.
* Peak memory: ``ru_maxrss`` of the process after the planner runs (an upper bound on the
  planner's memory).
* VO: one seed of K = 20,000 episodes on the E1 instance (v = 0.5, eps = 0.1), after a
  warm-up run (numba compilation is not timed).

Usage: ``python benchmarks/bench_latent.py`` (prints the table; compare ratios, 2 shared cores).
"""

from __future__ import annotations

import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import markdown_table, single_thread_env  # noqa: E402

single_thread_env(1)

from mdpkit.envs.latent import run_latent_seed  # noqa: E402
from mdpkit.experiments.registry import get_env, get_learner  # noqa: E402
from mdpkit.models.latent import bandit_tree, tiger  # noqa: E402
from mdpkit.solvers.latent import plan  # noqa: E402


def numpy_plan(lm, key_tol=1e-10) -> float:
    """Reference: the same history-tree DP with dict memoisation on (t, s, rounded belief)."""
    memo: dict = {}
    R, P, ridx, S, A, nR = lm.R, lm.P, lm.ridx, lm.S, lm.A, lm.n_rewards

    def value(t, s, b):
        key = (t, s, tuple(np.round(b / key_tol).astype(np.int64)))
        if key in memo:
            return memo[key]
        best = -np.inf
        for a in range(A):
            q = float(b @ R[:, s, a])
            if t + 1 < lm.H:
                for r in range(nR):
                    mask = ridx[:, s, a] == r
                    rho = np.where(mask[:, None], b[:, None] * P[:, s, a, :], 0.0)  # (M, S)
                    mass = rho.sum(axis=0)
                    for s2 in np.flatnonzero(mass > 0):
                        q += mass[s2] * value(t + 1, s2, rho[:, s2] / mass[s2])
            best = max(best, q)
        memo[key] = best
        return best

    rho0 = lm.w[:, None] * lm.nu
    tot = 0.0
    for s in range(S):
        z = rho0[:, s].sum()
        if z > 0:
            tot += z * value(0, s, rho0[:, s] / z)
    return tot


def main():
    inst = [
        ("E1 BanditTree M=2 Sb=4 A=2 H=8", bandit_tree(2, 4, 2, 8, 0.5, 0.1, 0)),
        ("E2 noise tree H=64", bandit_tree(2, 4, 2, 64, 0.2, 0.4, 0, noise=True)),
        ("E3 M=8 padded S=17", bandit_tree(8, 4, 2, 8, 0.25, 0.1, 0, pad_to=17)),
        ("E4 tiger H=4", tiger()),
    ]
    plan(tiger())  # warm-up (compilation)
    rows = []
    for name, lm in inst:
        t0 = time.perf_counter()
        pl = plan(lm)
        t1 = time.perf_counter()
        v_np = numpy_plan(lm)
        t2 = time.perf_counter()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(
            [
                name,
                pl.n_nodes,
                f"{(t1 - t0) * 1e3:.2f} ms",
                f"{(t2 - t1) * 1e3:.1f} ms",
                f"{(t2 - t1) / (t1 - t0):.0f}x",
                f"{abs(pl.v_star - v_np):.1e}",
                f"{pl.estimate['bytes'] / 1e6:.2f} MB",
                f"{rss:.0f} MB",
            ]
        )
    print(
        markdown_table(
            [
                "instance",
                "nodes",
                "compiled plan",
                "numpy plan",
                "ratio",
                "|dV*|",
                "estimate",
                "peak RSS",
            ],
            rows,
        )
    )
    env_kw = dict(M=2, Sb=4, A=2, H=8, v=0.5, eps=0.1)
    for warm in (True, False):
        env = get_env("latent-bandit-tree")(np.random.default_rng(0), **env_kw)
        t0 = time.perf_counter()
        run_latent_seed(
            env,
            get_learner("lmdp-vo"),
            dict(beta=0.025),
            2000 if warm else 20000,
            np.random.default_rng(1),
        )
        dt = time.perf_counter() - t0
    print(f"\nVO, E1 instance (v=0.5, eps=0.1), K=20,000, one seed: {dt:.2f} s")


if __name__ == "__main__":
    main()

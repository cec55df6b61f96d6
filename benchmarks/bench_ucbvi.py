"""UCBVI episodes per second with exact per-episode regret.

Instance: ``random_mdp(S=20, A=5, horizon=20, rng=0)`` (Dirichlet(1) rows, rewards
U[0, 1), known to the learner), K = 5,000 episodes, delta = 0.1, theory constants.
Every variant computes the exact regret V*_0(mu) - V^{pi_k}_0(mu) of the policy committed
in each episode (backward evaluation on the true model).

Variants, all in the same run (compare ratios, not absolute times: 2 shared cores):

* ``numba fast path`` — :meth:`mdpkit.algorithms.ucbvi.UCBVI.fast_run`: the whole loop in
  one numba kernel per 2,048-episode chunk (planning, exact evaluation, sampling, counts).
* ``runner, generic loop`` — :func:`mdpkit.run` with ``fast=False``: numba planning per
  episode, Python interaction loop (``act``/``env.step``/``update``) and the env's oracle.
* ``plain numpy loop`` — the reference: planning vectorised over (x, a) in numpy with
  P_hat and the bonus updated incrementally, exact evaluation in numpy, a Python loop over
  the H steps of each episode drawing transitions with ``Generator.random`` (the env's
  inversion scheme); no numba.
* ``rlberry-scool``: only detected (the issue's 93 episodes/s was measured elsewhere); it
  is not installed in the development environment, so no driver for it is written here.

The numpy loop and the fast path consume the same random numbers, so their regret arrays
agree (checked below: the max abs difference is printed). Times: median of ``--repeats``
runs after one warm-up run (numba compilation never timed); slower variants run on fewer
episodes (``--k-slow``) and are reported per episode.

Usage::

    python benchmarks/bench_ucbvi.py            # prints the table
    python benchmarks/bench_ucbvi.py --write    # and writes/replaces the section
                                                # "## UCBVI episodes per second" of RESULTS.md
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import single_thread_env, write_section  # noqa: E402

single_thread_env(1)

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from mdpkit.algorithms.ucbvi import UCBVI  # noqa: E402
from mdpkit.envs.episodic import EpisodicTabularEnv  # noqa: E402
from mdpkit.experiments import Experiment, run  # noqa: E402
from mdpkit.models.generators import random_mdp  # noqa: E402

SECTION = "## UCBVI episodes per second"
S, A, H, DELTA = 20, 5, 20, 0.1


def make_env(seed=1):
    mdp = random_mdp(S, A, horizon=H, rng=0)
    return mdp, EpisodicTabularEnv(mdp, seed)


def _clock():
    return time.perf_counter(), time.process_time()


def _since(t0):
    return time.perf_counter() - t0[0], time.process_time() - t0[1]


def run_fast(K, variant="ch", bonus_scale=1.0):
    mdp, env = make_env()
    ln = UCBVI(S, A, H, K, variant=variant, R=mdp.R, delta=DELTA, bonus_scale=bonus_scale)
    t0 = _clock()
    out = ln.fast_run(env, K, env.rng)
    return (*_since(t0), out["regret"])


def run_numpy(K, K_plan=None):
    """Plain numpy loop for UCBVI-CH, written for speed: P_hat and the bonus are updated
    incrementally (only the visited rows), planning is 3-4 array operations per step h,
    the interaction a Python loop over the H steps. Same random stream as the env (one
    uniform per draw, the env's inversion scheme)."""
    mdp, env = make_env()
    K_plan = K_plan or K
    L = float(np.log(5.0 * S * A * K_plan * H / DELTA))
    rng = env.rng
    P, R, mu = mdp.P, mdp.R, mdp.mu  # (S, A, S) stationary, (S, A), (S,)
    cdf = np.cumsum(P, axis=-1)
    cdf_mu = np.cumsum(mu)
    vstar = env.optimal_value
    Hf = float(H)
    Q = np.full((H, S, A), Hf)
    N_sa = np.zeros((S, A))
    N_say = np.zeros((S, A, S))
    P_hat = np.zeros((S, A, S))
    Rb = np.full((S, A), np.inf)  # R + bonus; inf while N(x, a) = 0 (Q = H)
    rows = np.arange(S)
    pi = np.zeros((H, S), dtype=np.int64)
    regret = np.empty(K)
    t0 = _clock()
    for k in range(K):
        V = np.zeros(S)
        for h in range(H - 1, -1, -1):  # planning
            q = np.minimum(Q[h], Rb + P_hat @ V)
            np.minimum(q, Hf, out=q)
            Q[h] = q
            pi[h] = q.argmax(axis=1)
            V = q[rows, pi[h]]
        V = np.zeros(S)
        for h in range(H - 1, -1, -1):  # exact evaluation of pi
            a = pi[h]
            V = R[rows, a] + P[rows, a] @ V
        regret[k] = vstar - mu @ V
        u = rng.random(H + 1)
        s = int(np.searchsorted(cdf_mu, u[0] * cdf_mu[-1], side="right"))
        for h in range(H):  # interaction and counts
            a = int(pi[h, s])
            row = cdf[s, a]
            s2 = int(np.searchsorted(row, u[h + 1] * row[-1], side="right"))
            N_sa[s, a] += 1.0
            N_say[s, a, s2] += 1.0
            P_hat[s, a] = N_say[s, a] / N_sa[s, a]
            Rb[s, a] = R[s, a] + 7.0 * Hf * L * np.sqrt(1.0 / N_sa[s, a])
            s = s2
    return (*_since(t0), regret)


def run_generic(K):
    mdp = random_mdp(S, A, horizon=H, rng=0)
    ex = Experiment(
        "tabular",
        "ucbvi-ch",
        K,
        1,
        env_params={"mdp": mdp},
        learner_params={"fast": False, "delta": DELTA},
    )
    t0 = _clock()
    run(ex, progress=False)
    return (*_since(t0), None)


def rlberry_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("rlberry_scool") is not None


def median_rate(fn, K, repeats):
    """(episodes/s by wall clock, episodes/s by process CPU time, last regret array)."""
    wall, cpu = [], []
    reg = None
    for _ in range(repeats):
        w, c, reg = fn(K)
        wall.append(w)
        cpu.append(c)
    return K / statistics.median(wall), K / statistics.median(cpu), reg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--K", type=int, default=5000)
    ap.add_argument("--k-slow", type=int, default=500, help="episodes for the slow variants")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    K, Ks = args.K, args.k_slow

    # warm-up (numba compile / cache load), never timed
    run_fast(20)
    run_fast(20, "bf")
    run_generic(5)

    rows = []
    w, c, reg_fast = median_rate(run_fast, K, args.repeats)
    rows.append(("numba fast path, UCBVI-CH (theory)", K, w, c))
    w, c, _ = median_rate(lambda k: run_fast(k, "ch", 0.002), K, args.repeats)
    rows.append(("numba fast path, UCBVI-CH (tuned, bonus x0.002)", K, w, c))
    w, c, _ = median_rate(lambda k: run_fast(k, "bf"), K, args.repeats)
    rows.append(("numba fast path, UCBVI-BF (theory)", K, w, c))
    w, c, _ = median_rate(run_generic, Ks, args.repeats)
    rows.append(("runner, generic Python loop (numba planning), UCBVI-CH", Ks, w, c))
    w_np, c_np, reg_np = median_rate(lambda k: run_numpy(k, K_plan=K), Ks, args.repeats)
    rows.append(("plain numpy loop (reference), UCBVI-CH", Ks, w_np, c_np))
    # the numpy loop plans with L of K episodes: same numbers as the fast path's first Ks
    diff = float(np.max(np.abs(reg_np - reg_fast[:Ks])))
    rb = rlberry_installed()

    load = os.getloadavg()
    lines = [
        SECTION,
        "",
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}, "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 shared cores), one thread. "
        f"Command: `python benchmarks/bench_ucbvi.py --K {K} --k-slow {Ks} --repeats {args.repeats}"
        f"{' --write' if args.write else ''}`.",
        "",
        f"Instance: random_mdp(S={S}, A={A}, horizon={H}, rng=0), known rewards, delta={DELTA}, "
        "theory constants; exact per-episode regret (backward evaluation of the committed "
        "policy on the true model) in every variant. Median of "
        f"{args.repeats} runs after a warm-up run. CPU time (time.process_time) is the "
        "single-core rate when other processes share the cores; wall time is what a user "
        "waits.",
        "",
        "| variant | episodes timed | episodes/s (wall) | episodes/s (CPU time) | x numpy loop (CPU) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, k, w, c in rows:
        lines.append(f"| {name} | {k} | {w:,.0f} | {c:,.0f} | {c / c_np:,.1f} |")
    lines += [
        "",
        f"Fast path vs numpy loop on the same random stream: max |regret difference| over the "
        f"first {Ks} episodes = {diff:.1e}. rlberry-scool: "
        + (
            "installed, but this script does not drive it yet (not measured)."
            if rb
            else "not installed, skipped."
        ),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(Path(__file__).with_name("RESULTS.md"), text)


if __name__ == "__main__":
    main()

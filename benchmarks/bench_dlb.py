"""DLB learners: rounds per second of the compiled whole-run path (``fast_run``) against the
generic act/update loop and a plain-numpy rendering of DynLin-UCB in the style of the
authors' code (``np.linalg.inv`` at every decision), measured in the same process.

Speed is reported as ratios against those references (``docs/CONTRIBUTING.md``), never
asserted in tests. Single thread (thread variables pinned before numpy is imported).

    python benchmarks/bench_dlb.py --quick     # T = 2e4 for the loops, 2e5 for fast_run
    python benchmarks/bench_dlb.py --write     # T = 1e5 / 1e6 and the "## DLB learners" section
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _harness import single_thread_env, time_call, write_section  # noqa: E402

single_thread_env(1)

import numpy as np  # noqa: E402

from mdpkit.envs.dlb import synthetic_dlb  # noqa: E402
from mdpkit.experiments.registry import get_learner  # noqa: E402

SECTION = "## DLB learners"
AGENTS = [
    ("dynlin-ucb-log-t", {}),
    ("dynlin-ucb-1", {}),
    ("dlb-linucb-log-t", {}),
    ("dlb-linucb-1", {}),
    ("dlb-dlinucb-log-t", {}),
    ("dlb-dlinucb-1", {}),
    ("dlb-ar2", {"reference_quirks": True}),
    ("dlb-exp3", {}),
    ("dlb-batch-exp3", {"reference_quirks": True}),
]


def _fast(name, kw, T):
    env = synthetic_dlb(0.01, 0)
    L = get_learner(name)({**env.env_info(), "n_steps": T}, 0, **kw)
    return L.fast_run(env, T, env.rng)


def _generic(name, kw, T):
    env = synthetic_dlb(0.01, 0)
    L = get_learner(name)({**env.env_info(), "n_steps": T}, 0, **kw)
    for _ in range(T):
        a = L.act()
        L.update(a, env.pull(a))


def _numpy_reference(T):
    """DynLin-UCB (lam = log T) in the reference code's style: Python loop, numpy system
    step, ``inv(V)`` per decision and per update."""
    env = synthetic_dlb(0.01, 0)
    rng = np.random.default_rng(0)
    X, A, B, C, D = env.features, env.A, env.B, env.C, env.D
    lam = math.log(T)
    V, b, hhat = lam * np.eye(3), np.zeros(3), np.zeros(3)
    L = get_learner("dynlin-ucb-log-t")({**env.env_info(), "n_steps": T}, 0)
    ends, tot, m = set(), 0, 0
    while tot < T:
        m += 1
        tot += L.epoch_length(m)
        ends.add(tot - 1)
    x = np.zeros(3)
    a = 0
    new = True
    for t in range(T):
        if new and t > 0:
            Vi = np.linalg.inv(V)
            a = int(np.argmax(X @ hhat + L.beta(t) * np.sqrt(np.einsum("kd,de,ke->k", X, Vi, X))))
        z = rng.standard_normal(6)
        u = X[a]
        y = np.ones(3) @ (C @ x + D @ u + 0.01 * z[3:])
        x = A @ x + B @ u + 0.01 * z[:3]
        new = t in ends
        if new:
            V = V + np.outer(u, u)
            b = b + u * y
            hhat = np.linalg.inv(V) @ b


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--write", action="store_true")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    T_loop, T_fast = (20_000, 200_000) if args.quick else (100_000, 1_000_000)
    for name, kw in AGENTS:  # compile (cache) outside the timings
        _fast(name, kw, 100)
    ts, _ = time_call(lambda: _numpy_reference(T_loop), repeats=1)
    ref_rate = T_loop / min(ts)
    lines = [
        SECTION,
        "",
        f"Synthetic DLB (sigma = 0.01), single thread. Reference: plain-numpy DynLin-UCB in the "
        f"authors' style, {ref_rate:,.0f} rounds/s (T = {T_loop:,}). Generic loop: the runner's "
        f"act/update protocol (T = {T_loop:,}); fast_run: whole-run numba kernel incl. noise "
        f"generation (T = {T_fast:,}); medians of {args.repeats} runs.",
        "",
        "| learner | generic rounds/s | fast_run rounds/s | fast / generic | fast / numpy ref |",
        "|---|---|---|---|---|",
    ]
    for name, kw in AGENTS:
        tg, _ = time_call(lambda: _generic(name, kw, T_loop), repeats=1)
        tf, _ = time_call(lambda: _fast(name, kw, T_fast), repeats=args.repeats)
        g, f = T_loop / min(tg), T_fast / sorted(tf)[len(tf) // 2]
        lines.append(f"| {name} | {g:,.0f} | {f:,.0f} | {f / g:,.0f}x | {f / ref_rate:,.0f}x |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        write_section(Path(__file__).with_name("RESULTS.md"), text)


if __name__ == "__main__":
    main()

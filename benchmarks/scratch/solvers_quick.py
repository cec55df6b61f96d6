"""Quick timings of the discounted exact solvers (developer scratch, not the benchmark suite).

Usage: ``python benchmarks/scratch/solvers_quick.py [sparse_vi|sparse_pi|dense_vi|startup|all]``
Each case prints the median of 5 runs (after one warm-up run that also warms numba's cache),
model construction + validation and solve reported separately, plus the process CPU time
(on a loaded shared machine wall time overstates the cost; CPU time does not count the
time the process waited for a core). Instances as in issue 2:
sparse S = 1e5, A = 4, 5 successors (uniform successor states, Dirichlet(1) probabilities);
dense (2000, 10) with Dirichlet(1) rows; gamma = 0.99, tol = 1e-6.
"""
import statistics
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp


def sparse_arrays(rng, S=100_000, A=4, k=5):
    idx = np.sort(rng.integers(0, S, size=(S * A, k)), axis=1)
    data = rng.dirichlet(np.ones(k), size=S * A)
    P = sp.csr_matrix((data.ravel(), idx.ravel(), np.arange(0, S * A * k + 1, k)), shape=(S * A, S))
    return P, rng.random((S, A))


def dense_arrays(rng, S=2000, A=10):
    return rng.dirichlet(np.ones(S), size=(S, A)), rng.random((S, A))


def timed(P, R, method, reps=5, **opts):
    from mdpkit import TabularMDP, solve

    rows = []
    for i in range(reps + 1):
        c0 = time.process_time()
        t0 = time.perf_counter()
        mdp = TabularMDP(P, R, gamma=0.99)
        t1 = time.perf_counter()
        res = solve(mdp, method, tol=1e-6, **opts)
        t2 = time.perf_counter()
        c2 = time.process_time()
        if i:
            rows.append((t1 - t0, t2 - t1, t2 - t0, c2 - c0))
    model, solve_t, total, cpu = (statistics.median(c) for c in zip(*rows))
    print(f"{method:4s} model+validation {model:.3f} s  solve {solve_t:.3f} s  total {total:.3f} s  "
          f"(process CPU {cpu:.3f} s)  n_iter {res.n_iter}  bound {res.bound:.2e}  "
          f"engine {res.extras.get('engine')}")


STARTUP = """
import time; t0 = time.perf_counter()
import numpy as np
import mdpkit
P = np.full((4, 2, 4), 0.25); R = np.arange(8.0).reshape(4, 2)
r = mdpkit.solve(mdpkit.TabularMDP(P, R, gamma=0.9))
r = mdpkit.solve(mdpkit.TabularMDP(P, R, gamma=0.9), "pi")
print(time.perf_counter() - t0)
"""


def main(which):
    rng = np.random.default_rng(0)
    if which in ("sparse_vi", "sparse_pi", "all"):
        P, R = sparse_arrays(rng)
        if which != "sparse_pi":
            print("sparse S=1e5 A=4 k=5 gamma=0.99:")
            timed(P, R, "vi")
        if which != "sparse_vi":
            timed(P, R, "pi", reps=3)
    if which in ("dense_vi", "all"):
        P, R = dense_arrays(rng)
        print("dense (2000, 10) gamma=0.99:")
        timed(P, R, "vi")
    if which in ("startup", "all"):
        ts = [float(subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True,
                                   check=True).stdout) for _ in range(5)]
        print(f"fresh process: import mdpkit + solve small MDP (vi, pi): median {statistics.median(ts):.3f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "all")

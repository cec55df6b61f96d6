"""Per-episode cost of HF-UCRL-RFE++'s finite oracle: compiled vs plain numpy
(docs/papers/linear-mixture.md, "Speed").

Instance: RandLM(S=6, A=3, d=4, H=20, rng=0) with the slow corridor; reward dictionary of
|R_dict| = 16 members; the candidate set of an explorer after 32 episodes (2d + 2 = 10
parameters), c_beta = 0.1. One oracle call = every triple (parameter, greedy policy of a
candidate for the same reward, reward): 10 x 10 x 16 = 1,600 exact evaluations of the
pseudo value and the trajectory uncertainty, plus 160 greedy DPs.

Variants, in the same run, on the same inputs (compare ratios, not absolute times: the 2
cores are shared):

* ``compiled`` -- :func:`mdpkit.algorithms.linear_mixture._kernels.oracle` (numba);
* ``numpy`` -- :func:`mdpkit.algorithms.linear_mixture.reference.oracle_values_np`
  (vectorised over states with einsum, no numba), then the argmax;
* ``decoupled`` -- the decoupled-DP variant (page section "Decoupled-DP oracle"),
  :func:`~mdpkit.algorithms.linear_mixture._kernels.oracle_decoupled` (10 x 16 = 160
  greedy DPs and 160 V^ DPs), and its numpy version
  :func:`~mdpkit.algorithms.linear_mixture.reference.oracle_decoupled_values_np`.

Both give the same values (max abs difference printed). Times: median of interleaved
rounds after a warm-up (compilation never timed). Target: compiled >= 10x faster.

Usage::

    python benchmarks/bench_linear_mixture.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def setup():
    from mdpkit.algorithms.linear_mixture import HFUCRLRFE
    from mdpkit.algorithms.linear_mixture.common import reward_dictionary
    from mdpkit.models.linear_mixture import rand_lm

    m = rand_lm(6, 3, 4, 20, rng=0)
    rd = reward_dictionary(m, 16, np.random.default_rng(1))
    ex = HFUCRLRFE(m, 64, 2, rdict=rd, c_beta=0.1)
    ex.explore(32, np.random.default_rng(3))
    ps = ex.plan_state
    n = int(ps.info[1])
    cands = np.array(ps.cand[:n])
    Pts = np.ascontiguousarray(np.einsum("satd,cd->csat", m.phi, cands))
    return m, rd, ex, cands, Pts


def main(rounds: int = 7) -> dict:
    from mdpkit.algorithms.linear_mixture import _kernels as kn
    from mdpkit.algorithms.linear_mixture.reference import (
        oracle_decoupled_values_np,
        oracle_values_np,
    )

    m, rd, ex, cands, Pts = setup()
    n = len(cands)
    Sdt, Sdh, beta = ex.til.Sdot_inv[0], ex.hat.Sdot_inv[0], ex.consts.beta
    vals = np.zeros((n, n, len(rd)))
    pi = np.zeros((m.H, m.S), np.int64)
    Vt = np.zeros((m.H + 1, m.S))
    Vh = np.zeros((m.H + 1, m.S))

    def compiled():
        kn.oracle(ex.phi, Pts, n, rd, Sdt, Sdh, beta, 0, 0.5, pi, Vt, Vh, vals)
        return vals

    def numpy_ref():
        v = oracle_values_np(m.phi, cands, rd, Sdt, Sdh, beta, 0)
        np.unravel_index(int(np.argmax(v)), v.shape)
        return v

    vals_dec = np.zeros((n, 1, len(rd)))

    def decoupled():
        kn.oracle_decoupled(ex.phi, Pts, n, rd, Sdt, Sdh, beta, 0, 0.5, pi, Vt, Vh, vals_dec)
        return vals_dec

    def decoupled_np():
        return oracle_decoupled_values_np(m.phi, cands, rd, Sdt, Sdh, beta, 0)

    compiled()  # warm-up (compilation)
    decoupled()
    ref = numpy_ref()
    diff = float(np.abs(compiled() - ref).max())
    diff_dec = float(np.abs(decoupled() - decoupled_np()).max())
    tc, tn, td, tdn = [], [], [], []
    for _ in range(rounds):
        for fn, acc in ((compiled, tc), (numpy_ref, tn), (decoupled, td), (decoupled_np, tdn)):
            t = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - t)
    ratios = [b / a for a, b in zip(tc, tn)]
    res = {
        "compiled_ms": 1e3 * statistics.median(tc),
        "numpy_ms": 1e3 * statistics.median(tn),
        "ratio_median": statistics.median(ratios),
        "max_abs_diff": diff,
        "triples": n * n * len(rd),
        "decoupled_ms": 1e3 * statistics.median(td),
        "decoupled_numpy_ms": 1e3 * statistics.median(tdn),
        "exact_over_decoupled": statistics.median([a / b for a, b in zip(tc, td)]),
        "decoupled_max_abs_diff": diff_dec,
    }
    print(
        f"finite oracle, d=4 S=6 A=3 H=20, |Theta|={n}, |R_dict|={len(rd)} "
        f"({res['triples']} triples)"
    )
    print(f"  compiled : {res['compiled_ms']:.2f} ms / call")
    print(f"  numpy    : {res['numpy_ms']:.2f} ms / call")
    print(
        f"  speed-up (median of per-round ratios over {rounds} rounds): {res['ratio_median']:.1f}x "
        f"(target >= 10x)"
    )
    print(f"  max |compiled - numpy| = {diff:.2e}")
    print(
        f"  decoupled-DP variant: compiled {res['decoupled_ms']:.2f} ms / call, numpy "
        f"{res['decoupled_numpy_ms']:.2f} ms; exact / decoupled (median ratio) = "
        f"{res['exact_over_decoupled']:.1f}x; max |compiled - numpy| = {diff_dec:.2e}"
    )
    return res


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    main(ap.parse_args().rounds)

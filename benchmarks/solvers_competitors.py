"""Competitors of the solver benchmark: the numpy references, pymdptoolbox, mdpsolver and
mdpkit's own runs (``bench_solvers.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import _harness as H
import numpy as np
import scipy.sparse as sp
from solvers_instances import HORIZON, TOL, Instance


# =============================================================================== references
def numpy_vi_supnorm(P2d, R, gamma: float, eps: float = TOL, max_iter: int = 10**7):
    """Textbook VI, sup-norm rule (Puterman 1994, Thm 6.3.1). Returns (V, policy, sweeps).

    Stops when ``|V_{n+1} - V_n|_inf < eps (1-gamma)/(2 gamma)``; the policy greedy for
    ``V_{n+1}`` is eps-optimal (one more product computes it, counted in ``sweeps``).
    """
    S, A = R.shape
    thr = eps * (1.0 - gamma) / (2.0 * gamma)
    V = np.zeros(S)
    n = 0
    while n < max_iter:
        Q = R + gamma * (P2d @ V).reshape(S, A)
        V_new = Q.max(axis=1)
        n += 1
        diff = np.abs(V_new - V).max()
        V = V_new
        if diff < thr:
            break
    Q = R + gamma * (P2d @ V).reshape(S, A)
    return Q.max(axis=1), Q.argmax(axis=1), n + 1


def numpy_backward(P2d, R, H_: int):
    """Backward induction with one BLAS dgemv / CSR product per step. Returns (V (H,S), pol)."""
    S, A = R.shape
    V = np.zeros(S)
    Vs = np.empty((H_, S))
    pol = np.empty((H_, S), dtype=np.int64)
    rows = np.arange(S)
    for h in range(H_ - 1, -1, -1):
        Q = R + (P2d @ V).reshape(S, A)
        a = Q.argmax(axis=1)
        pol[h] = a
        V = Q[rows, a]
        Vs[h] = V
    return Vs, pol


# =============================================================================== competitors
def competitor_status() -> dict[str, dict]:
    """Import status and version of the optional competitors."""
    out = {}
    try:
        from importlib.metadata import version

        import mdptoolbox.mdp  # noqa: F401

        out["pymdptoolbox"] = {"ok": True, "version": version("pymdptoolbox")}
    except Exception as exc:  # noqa: BLE001 - report any import failure verbatim
        out["pymdptoolbox"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    try:
        from importlib.metadata import version

        import mdpsolver  # noqa: F401

        out["mdpsolver"] = {"ok": True, "version": version("mdpsolver")}
    except Exception as exc:  # noqa: BLE001
        out["mdpsolver"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return out


def pymdptoolbox_vi(inst: Instance, gamma: float, sw):
    """pymdptoolbox ValueIteration: setup = (A, S, S) layout + constructor (its checks)."""
    import mdptoolbox.mdp as mm

    with sw("setup"):
        if inst.is_sparse:
            P2d = inst.P
            Pl = [sp.csr_matrix(P2d[a :: inst.A]) for a in range(inst.A)]
        else:
            Pl = np.ascontiguousarray(inst.P.transpose(1, 0, 2))
        vi = mm.ValueIteration(Pl, inst.R, gamma, epsilon=TOL, max_iter=10**7)
    with sw("solve"):
        vi.run()
    return {
        "policy": np.array(vi.policy, dtype=np.int64),
        "V": np.array(vi.V),
        "n_iter": int(vi.iter),
    }


def mdpsolver_run(inst: Instance, gamma: float, sw, algorithm: str):
    """mdpsolver: setup = Python lists + ``model.mdp``; solve = ``model.solve`` (1 thread)."""
    import mdpsolver

    with sw("setup"):
        m = mdpsolver.model()
        R = inst.R.tolist()
        if inst.is_sparse:
            P = inst.P
            S, A = inst.S, inst.A
            k = np.diff(P.indptr)
            if (k == k[0]).all():  # fast path: reshape, then one tolist
                kk = int(k[0])
                probs = P.data.reshape(S, A, kk).tolist()
                cols = P.indices.reshape(S, A, kk).tolist()
            else:
                d, ix, ip = P.data.tolist(), P.indices.tolist(), P.indptr.tolist()
                probs = [[d[ip[s * A + a] : ip[s * A + a + 1]] for a in range(A)] for s in range(S)]
                cols = [[ix[ip[s * A + a] : ip[s * A + a + 1]] for a in range(A)] for s in range(S)]
            m.mdp(discount=gamma, rewards=R, tranMatProbs=probs, tranMatColumns=cols)
        else:
            m.mdp(discount=gamma, rewards=R, tranMatWithZeros=inst.P.tolist())
    with sw("solve"):
        m.solve(algorithm=algorithm, tolerance=TOL, parallel=False, verbose=False)
    return {
        "policy": np.array(m.getPolicy(), dtype=np.int64),
        "V": np.array(m.getValueVector()),
        "n_iter": None,
        "runtime_ms": m.getRuntime(),
    }


def run_pymdptoolbox_child(
    inst: Instance, gamma: float, repeats: int = 1, timeout: float = 900.0, mem_gb: float = 12.0
) -> dict:
    """Run pymdptoolbox VI on a sparse instance in a child process (address space limited).

    The child loads the instance's CSR arrays and R from a temporary ``.npz``, times the
    (A, S, S) conversion + constructor ("setup") and ``run()`` ("solve"), writes the policy
    to a temporary file and prints one JSON line.
    """
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model.npz")
        P = inst.P
        np.savez(
            model,
            data=P.data,
            indices=P.indices,
            indptr=P.indptr,
            R=inst.R,
            shape=np.array(P.shape),
        )
        spec = {
            "model": model,
            "gamma": gamma,
            "repeats": repeats,
            "name": inst.name,
            "out": os.path.join(tmp, "policy.npy"),
            "mem_gb": mem_gb,
        }
        cmd = [sys.executable, os.path.abspath(__file__), "--child-pymdptoolbox", json.dumps(spec)]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {
                "ok": False,
                "error": f"timeout after {timeout:.0f} s",
                "wall": time.perf_counter() - t0,
            }
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            tail = (proc.stderr.strip().splitlines() or ["(no stderr)"])[-1]
            return {
                "ok": False,
                "error": f"exit {proc.returncode}: {tail[:200]}",
                "wall": time.perf_counter() - t0,
            }
        res = json.loads(lines[-1])
        if res.get("ok"):
            res["policy"] = np.load(spec["out"])
        return res


def _child_pymdptoolbox(spec_json: str) -> int:
    import resource

    spec = json.loads(spec_json)
    lim = int(spec["mem_gb"] * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    z = np.load(spec["model"])
    P = sp.csr_matrix((int(z["shape"][0]), int(z["shape"][1])), dtype=np.float64)
    P.data, P.indices, P.indptr = z["data"], z["indices"], z["indptr"]
    R = z["R"]
    inst = Instance(spec["name"], "sparse", R.shape[0], R.shape[1], P, R)
    try:
        st = H.repeat_stages(lambda sw: pymdptoolbox_vi(inst, spec["gamma"], sw), spec["repeats"])
    except MemoryError as exc:
        print(json.dumps({"ok": False, "error": f"MemoryError {exc}".strip()}))
        return 0
    except Exception as exc:  # noqa: BLE001 - reported verbatim to the parent
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}))
        return 0
    np.save(spec["out"], st.result["policy"])
    print(
        json.dumps(
            {
                "ok": True,
                "setup": st.stages["setup"],
                "solve": st.stages["solve"],
                "totals": st.totals,
                "cpu_totals": st.cpu_totals,
                "peak_bytes": st.peak_bytes,
                "n_iter": st.result["n_iter"],
                "memory_method": st.memory_method,
            }
        )
    )
    return 0


# =============================================================================== mdpkit
def model_accepts_copy() -> bool:
    """Whether this mdpkit's TabularMDP has the ``copy=`` ownership option."""
    import inspect

    import mdpkit

    return "copy" in inspect.signature(mdpkit.TabularMDP.__init__).parameters


def mdpkit_vi(inst: Instance, gamma: float, sw, method: str = "vi", model_kw=None, **opts):
    import mdpkit

    with sw("setup"):
        mdp = mdpkit.TabularMDP(inst.P, inst.R, gamma=gamma, **(model_kw or {}))
    with sw("solve"):
        res = mdpkit.solve(mdp, method=method, tol=TOL, **opts)
    return {
        "policy": res.policy,
        "V": res.V,
        "n_iter": res.n_iter,
        "bound": res.bound,
        "converged": res.converged,
        "engine": res.extras.get("engine"),
    }


def mdpkit_backward(inst: Instance, sw, with_q: bool = False):
    """Backward induction through the public API; ``with_q`` asks for Q during the solve
    (``eager_q=True``; on CSR models Q is otherwise computed on first access of ``res.Q``)
    and reads it inside the timed stage."""
    import mdpkit

    with sw("setup"):
        mdp = mdpkit.TabularMDP(inst.P, inst.R, horizon=HORIZON)
    with sw("solve"):
        res = mdpkit.solve(mdp, method="backward", **({"eager_q": True} if with_q else {}))
        if with_q:
            assert res.q_computed and res.Q.shape == (HORIZON, inst.S, inst.A)
    return {"policy": res.policy, "V": res.V}


def mdpkit_sweep_seconds(inst: Instance, k_low: int, k_high: int, probe) -> tuple[float, float]:
    """(seconds per Bellman sweep of mdpkit's VI kernel, machine read GB/s at that moment).

    Capped runs through the public API (``stopping="supnorm"``, ``tol=1e-300`` so that no run
    stops early, ``max_iter=k``), difference of two sweep counts, interleaved with bandwidth
    probes (:func:`_harness.interleaved_sweep_rate`); the ConvergenceWarning of the capped
    runs is expected and silenced.
    """
    import mdpkit
    from mdpkit.utils import ConvergenceWarning

    mdp = mdpkit.TabularMDP(inst.P, inst.R, gamma=0.99)

    def run(k):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            res = mdpkit.solve(mdp, method="vi", tol=1e-300, max_iter=k, stopping="supnorm")
            dt = time.perf_counter() - t0
        if res.n_iter != k:
            raise RuntimeError(f"expected {k} sweeps, got {res.n_iter}")
        return dt

    run(1)
    return H.interleaved_sweep_rate(run, k_low, k_high, probe)


def warmup_mdpkit() -> dict[str, float]:
    """First call of each kernel family on tiny models (numba cache load or compile)."""
    import mdpkit

    out = {}
    rng = np.random.default_rng(0)
    P = rng.standard_exponential((6, 3, 6))
    P /= P.sum(-1, keepdims=True)
    R = rng.random((6, 3))
    Psp = sp.csr_matrix(P.reshape(18, 6))
    t0 = time.perf_counter()
    import mdpkit.solvers.api  # noqa: F401

    out["import mdpkit.solvers.api"] = time.perf_counter() - t0
    nb = {"engine": "numba"}  # small models default to the numpy engine: force the kernels
    jobs = [
        ("vi dense", lambda: mdpkit.solve(mdpkit.TabularMDP(P, R, gamma=0.9), method="vi", **nb)),
        ("vi csr", lambda: mdpkit.solve(mdpkit.TabularMDP(Psp, R, gamma=0.9), method="vi", **nb)),
        (
            "vi supnorm dense",
            lambda: mdpkit.solve(
                mdpkit.TabularMDP(P, R, gamma=0.9), method="vi", stopping="supnorm", **nb
            ),
        ),
        ("mpi dense", lambda: mdpkit.solve(mdpkit.TabularMDP(P, R, gamma=0.9), method="mpi", **nb)),
        ("mpi csr", lambda: mdpkit.solve(mdpkit.TabularMDP(Psp, R, gamma=0.9), method="mpi", **nb)),
        ("pi csr", lambda: mdpkit.solve(mdpkit.TabularMDP(Psp, R, gamma=0.9), method="pi", **nb)),
        ("backward dense", lambda: mdpkit.solve(mdpkit.TabularMDP(P, R, horizon=5), **nb)),
        ("backward csr", lambda: mdpkit.solve(mdpkit.TabularMDP(Psp, R, horizon=5), **nb)),
        ("lp dense", lambda: mdpkit.solve(mdpkit.TabularMDP(P, R, gamma=0.9), method="lp")),
    ]
    for name, fn in jobs:
        t0 = time.perf_counter()
        try:
            fn()
            out[name] = time.perf_counter() - t0
        except Exception as exc:  # noqa: BLE001 - a missing method is reported, not fatal
            out[name] = float("nan")
            print(f"  warm-up {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return out

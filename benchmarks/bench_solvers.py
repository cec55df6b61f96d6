#!/usr/bin/env python
"""Speed of mdpkit's exact solvers against references measured in the same run.

Usage::

    python benchmarks/bench_solvers.py              # full table (~13 min on a quiet machine)
    python benchmarks/bench_solvers.py --quick      # smoke version (< 1 min)
    python benchmarks/bench_solvers.py --write      # also rewrite "## Exact solvers" in RESULTS.md

Everything runs single-threaded (NUMBA/OMP/OPENBLAS/MKL threads = 1, set below before numpy
is imported; mdpsolver is called with ``parallel=False``). See ``benchmarks/README.md`` for
what every column means and ``benchmarks/_harness.py`` for how time, memory and bandwidth
are measured.

Compared, on identical raw arrays (generated here from fixed seeds):

* **mdpkit** ``TabularMDP(P, R, gamma=...)`` (construction + validation = "setup") then
  ``mdpkit.solve(mdp, method=..., tol=1e-6)`` ("solve"). numba kernels are warmed up first
  (cache load / compile times are reported on their own, never inside a timed run).
* **numpy reference**: textbook value iteration with the sup-norm stopping rule of Puterman
  Thm 6.3.1 (stop when ``|V_{n+1}-V_n|_inf < eps (1-gamma) / (2 gamma)``, return the policy
  greedy for ``V_{n+1}``, which is ``eps``-optimal), one BLAS ``dgemv`` (dense) or one
  ``scipy.sparse`` CSR product per sweep. Backward induction reference: the same products,
  H of them.
* **pymdptoolbox** (PyPI ``pymdptoolbox`` 4.0b3) ``mdp.ValueIteration(..., epsilon=1e-6)``
  and **mdpsolver** (PyPI ``mdpsolver``) ``model.mdp(...)`` + ``model.solve(algorithm,
  tolerance=1e-6, parallel=False)``, when installed. pymdptoolbox on sparse input runs in a
  child process with a 12 GB address-space limit, because its input check allocates S x S.

Every returned policy is checked: its value V^pi is computed (dense LU solve, or iterative
evaluation for CSR) and ``gap <= |T V - V|_inf / (1-gamma) + |T_pi V - V|_inf / (1-gamma)``
(with V the computed V^pi) is a certified upper bound on ``max_s V*(s) - V^pi(s)`` that needs
no V*; the table prints it ("gap <=") and whether it is <= 1e-6.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import single_thread_env  # noqa: E402  (no numpy import in this module's top)

THREAD_ENV = single_thread_env(1)  # before numpy / scipy / numba are imported

import argparse  # noqa: E402
import datetime as _dt  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

import _harness as H  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS_MD = os.path.join(HERE, "RESULTS.md")
SECTION = "## Exact solvers"
FINDINGS = "### Findings"  # hand-written subsection of SECTION, preserved by --write
TOL = 1e-6
HORIZON = 100


# =============================================================================== instances
@dataclass
class Instance:
    """Raw model data shared by every solver: P dense (S, A, S) or CSR (S*A, S), R (S, A)."""

    name: str
    kind: str  # "dense" | "sparse" | "riverswim"
    S: int
    A: int
    P: object
    R: np.ndarray
    seed: int | None = None
    gen_seconds: float = 0.0
    note: str = ""

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self.P)

    @property
    def P2d(self):
        """P as a 2-D (S*A, S) operator: a reshape view (dense) or the CSR matrix."""
        return self.P if self.is_sparse else self.P.reshape(self.S * self.A, self.S)

    @property
    def nbytes_P(self) -> int:
        return H.bytes_per_sweep(self.P)


def dense_instance(S: int, A: int, seed: int) -> Instance:
    """Dirichlet(1) rows (normalised standard exponentials), rewards U[0, 1)."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    P = rng.standard_exponential((S, A, S))
    P /= P.sum(axis=-1, keepdims=True)
    R = rng.random((S, A))
    return Instance(f"dense S={S} A={A}", "dense", S, A, P, R, seed, time.perf_counter() - t0)


def sparse_instance(S: int, A: int, k: int, seed: int) -> Instance:
    """k distinct uniformly drawn successors per (s, a), Dirichlet(1) weights, R U[0, 1).

    A scipy ``csr_matrix`` (S*A, S) with int64 indices and sorted column indices.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    n = S * A
    cols = np.sort(rng.integers(0, S, size=(n, k)), axis=1)
    while True:  # redraw the (few) rows with a repeated successor
        dup = (np.diff(cols, axis=1) == 0).any(axis=1)
        if not dup.any():
            break
        cols[dup] = np.sort(rng.integers(0, S, size=(int(dup.sum()), k)), axis=1)
    w = rng.standard_exponential((n, k))
    w /= w.sum(axis=1, keepdims=True)
    P = sp.csr_matrix((n, S), dtype=np.float64)
    # int64 indices as mdpkit stores them (the (data, indices, indptr) constructor would
    # downcast to int32), so that every solver reads the same bytes per sweep
    P.data = w.ravel()
    P.indices = cols.ravel().astype(np.int64)
    P.indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    P.has_sorted_indices = True
    R = rng.random((S, A))
    name = f"sparse S={S:.0e} A={A} k={k}".replace("e+0", "e")
    return Instance(name, "sparse", S, A, P, R, seed, time.perf_counter() - t0)


def riverswim_instance(S: int, sparse: bool) -> Instance:
    """RiverSwim from ``mdpkit.models.generators.riverswim`` (Osband et al. 2013 numbers)."""
    from mdpkit.models.generators import riverswim

    t0 = time.perf_counter()
    mdp = riverswim(S, gamma=0.9, sparse=sparse)
    P = mdp.P
    P = P.copy() if sp.issparse(P) else np.array(P)
    R = np.array(mdp.R)
    return Instance(f"riverswim S={S} {'CSR' if sparse else 'dense'}", "riverswim", S, mdp.A, P, R,
                    None, time.perf_counter() - t0, note="mdpkit.models.generators.riverswim")


def _wanted(args, name: str) -> bool:
    subs = [s for s in args.filter.split(",") if s]
    return not subs or any(s in name for s in subs)


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


def policy_gap_bound(inst: Instance, gamma: float, policy, V_start=None, target: float = 1e-11):
    """Certified upper bound on ``max_s V*(s) - V^pi(s)`` and an approximation of V^pi.

    With ``V`` any vector, ``r = T_pi V - V`` and ``d = T V - V``:
    ``V^pi >= V - |r|/(1-gamma)`` and ``V* <= V + |d|/(1-gamma)`` (contraction), so
    ``V* - V^pi <= (|d|_inf + |r|_inf) / (1 - gamma)``. V is V^pi computed by a dense LU
    solve (S <= 3000) or by iterating T_pi from ``V_start`` until ``|r|/(1-gamma) <= target``.
    Returns ``(gap_bound, V, eval_error_bound)``.
    """
    S, A = inst.S, inst.A
    pi = np.asarray(policy, dtype=np.int64).reshape(S)
    rows = np.arange(S) * A + pi
    P2d = inst.P2d
    Ppi = P2d[rows]
    Rpi = inst.R[np.arange(S), pi]
    if not sp.issparse(Ppi) and S <= 3000:
        V = np.linalg.solve(np.eye(S) - gamma * Ppi, Rpi)
    else:
        Ppi = sp.csr_matrix(Ppi)
        V = np.zeros(S) if V_start is None else np.array(V_start, dtype=float)
        for _ in range(200000):
            V_new = Rpi + gamma * (Ppi @ V)
            r = np.abs(V_new - V).max()
            V = V_new
            if r / (1.0 - gamma) <= target:
                break
    r = np.abs(Rpi + gamma * (Ppi @ V) - V).max()
    d = np.abs((inst.R + gamma * (P2d @ V).reshape(S, A)).max(axis=1) - V).max()
    return float((d + r) / (1.0 - gamma)), V, float(r / (1.0 - gamma))


# =============================================================================== competitors
def competitor_status() -> dict[str, dict]:
    """Import status and version of the optional competitors."""
    out = {}
    try:
        import mdptoolbox.mdp  # noqa: F401
        from importlib.metadata import version

        out["pymdptoolbox"] = {"ok": True, "version": version("pymdptoolbox")}
    except Exception as exc:  # noqa: BLE001 - report any import failure verbatim
        out["pymdptoolbox"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    try:
        import mdpsolver  # noqa: F401
        from importlib.metadata import version

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
            Pl = [sp.csr_matrix(P2d[a::inst.A]) for a in range(inst.A)]
        else:
            Pl = np.ascontiguousarray(inst.P.transpose(1, 0, 2))
        vi = mm.ValueIteration(Pl, inst.R, gamma, epsilon=TOL, max_iter=10**7)
    with sw("solve"):
        vi.run()
    return {"policy": np.array(vi.policy, dtype=np.int64), "V": np.array(vi.V), "n_iter": int(vi.iter)}


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
                probs = [[d[ip[s * A + a]:ip[s * A + a + 1]] for a in range(A)] for s in range(S)]
                cols = [[ix[ip[s * A + a]:ip[s * A + a + 1]] for a in range(A)] for s in range(S)]
            m.mdp(discount=gamma, rewards=R, tranMatProbs=probs, tranMatColumns=cols)
        else:
            m.mdp(discount=gamma, rewards=R, tranMatWithZeros=inst.P.tolist())
    with sw("solve"):
        m.solve(algorithm=algorithm, tolerance=TOL, parallel=False, verbose=False)
    return {"policy": np.array(m.getPolicy(), dtype=np.int64), "V": np.array(m.getValueVector()),
            "n_iter": None, "runtime_ms": m.getRuntime()}


def run_pymdptoolbox_child(inst: Instance, gamma: float, repeats: int = 1, timeout: float = 900.0,
                           mem_gb: float = 12.0) -> dict:
    """Run pymdptoolbox VI on a sparse instance in a child process (address space limited).

    The child loads the instance's CSR arrays and R from a temporary ``.npz``, times the
    (A, S, S) conversion + constructor ("setup") and ``run()`` ("solve"), writes the policy
    to a temporary file and prints one JSON line.
    """
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model.npz")
        P = inst.P
        np.savez(model, data=P.data, indices=P.indices, indptr=P.indptr, R=inst.R,
                 shape=np.array(P.shape))
        spec = {"model": model, "gamma": gamma, "repeats": repeats, "name": inst.name,
                "out": os.path.join(tmp, "policy.npy"), "mem_gb": mem_gb}
        cmd = [sys.executable, os.path.abspath(__file__), "--child-pymdptoolbox", json.dumps(spec)]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"ok": False, "error": f"timeout after {timeout:.0f} s",
                    "wall": time.perf_counter() - t0}
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            tail = (proc.stderr.strip().splitlines() or ["(no stderr)"])[-1]
            return {"ok": False, "error": f"exit {proc.returncode}: {tail[:200]}",
                    "wall": time.perf_counter() - t0}
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
    print(json.dumps({"ok": True, "setup": st.stages["setup"], "solve": st.stages["solve"],
                      "totals": st.totals, "cpu_totals": st.cpu_totals, "peak_bytes": st.peak_bytes,
                      "n_iter": st.result["n_iter"], "memory_method": st.memory_method}))
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
    return {"policy": res.policy, "V": res.V, "n_iter": res.n_iter, "bound": res.bound,
            "converged": res.converged, "engine": res.extras.get("engine")}


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
        ("vi supnorm dense", lambda: mdpkit.solve(mdpkit.TabularMDP(P, R, gamma=0.9), method="vi",
                                                  stopping="supnorm", **nb)),
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


# =============================================================================== rows
@dataclass
class Row:
    section: str
    instance: str
    gamma: float | None
    solver: str
    setup: float | None = None
    solve: float | None = None
    total: float | None = None
    runs: int = 0
    n_iter: int | None = None
    sweep_s: float | None = None
    gbps: float | None = None
    peak_bytes: int | None = None
    gap: float | None = None
    v_err: float | None = None
    note: str = ""
    spread: tuple = ()
    extra: dict = field(default_factory=dict)
    total_cpu: float | None = None


def _row_from_stages(section, inst, gamma, solver, st: H.StageTimes, note="") -> Row:
    return Row(section, inst.name, gamma, solver,
               setup=statistics.median(st.stages["setup"]) if "setup" in st.stages else None,
               solve=statistics.median(st.stages["solve"]),
               total=st.median(), runs=st.n_runs, peak_bytes=st.peak_bytes,
               note=note, spread=st.spread, extra={"P_bytes": inst.nbytes_P},
               total_cpu=statistics.median(st.cpu_totals) if st.cpu_totals else None)


def _certify(row: Row, inst: Instance, gamma: float, out: dict, Vstar) -> None:
    gap, Vpi, _ = policy_gap_bound(inst, gamma, out["policy"], V_start=Vstar)
    row.gap = gap
    if Vstar is not None and out.get("V") is not None:
        row.v_err = float(np.abs(np.asarray(out["V"]) - Vstar).max())


# =============================================================================== sections
def bench_discounted(inst: Instance, gamma: float, args, comp: dict, bw: float, rows: list,
                     sweep_cache: dict):
    reps = args.repeats
    print(f"\n[{inst.name}, gamma={gamma}]", flush=True)
    ctx = {}

    def ref_block():  # numpy sup-norm reference; also yields the reference V*
        st = H.repeat_stages(lambda sw: _ref_run(inst, gamma, sw), reps)
        ref = st.result
        r = _row_from_stages("vi", inst, gamma, "numpy sup-norm VI (ref)", st)
        r.n_iter = ref["n_iter"]
        r.sweep_s = r.solve / ref["n_iter"]
        r.gbps = inst.nbytes_P / r.sweep_s / 1e9
        gap_ref, Vstar, _ = policy_gap_bound(inst, gamma, ref["policy"], V_start=ref["V"])
        ctx["Vstar"] = Vstar
        r.gap = gap_ref
        r.v_err = float(np.abs(ref["V"] - Vstar).max())
        rows.append(r)
        _print_row(r, bw)

    def mdpkit_block(method, model_kw=None):
        st = H.repeat_stages(lambda sw: mdpkit_vi(inst, gamma, sw, method=method, model_kw=model_kw), reps)
        label = f"mdpkit {method}" + ("" if not model_kw else
                                      " (" + ", ".join(f"{k}={v}" for k, v in model_kw.items()) + ")")
        r = _row_from_stages("vi", inst, gamma, label, st)
        r.n_iter = st.result["n_iter"]
        r.extra.update(bound=st.result["bound"], converged=st.result["converged"])
        if st.result.get("engine"):
            r.note = f"engine={st.result['engine']}"
        if not st.result["converged"]:
            r.note += " converged=False"
        _certify(r, inst, gamma, st.result, ctx.get("Vstar"))
        if method == "vi" and not model_kw:
            if inst.name not in sweep_cache and not args.no_sweep:
                if inst.nbytes_P > 5e7:
                    k_lo, k_hi = 2, 12
                elif inst.nbytes_P > 1e6:
                    k_lo, k_hi = 5, 105
                else:
                    k_lo, k_hi = 10, 2010
                sweep_cache[inst.name] = mdpkit_sweep_seconds(inst, k_lo, k_hi, args.probe)
            if inst.name in sweep_cache:
                r.sweep_s, bw_local = sweep_cache[inst.name]
                r.gbps = inst.nbytes_P / r.sweep_s / 1e9
                r.extra["bw_local"] = bw_local
        rows.append(r)
        _print_row(r, bw)

    def pymdptoolbox_block():
        if inst.is_sparse:
            if args.quick or args.skip_slow:
                r = Row("vi", inst.name, gamma, "pymdptoolbox VI", note="skipped (--quick/--skip-slow)")
            elif gamma != 0.99 and inst.S >= 10**4:
                r = Row("vi", inst.name, gamma, "pymdptoolbox VI",
                        note="run at γ=0.99 only: its input check (minutes, GBs) does not depend on γ")
            else:
                res = run_pymdptoolbox_child(inst, gamma, repeats=1)
                if res["ok"]:
                    r = Row("vi", inst.name, gamma, "pymdptoolbox VI", setup=res["setup"][0],
                            solve=res["solve"][0], total=res["totals"][0], runs=1,
                            total_cpu=res["cpu_totals"][0],
                            n_iter=res["n_iter"], peak_bytes=res["peak_bytes"],
                            note="1 run, child process", extra={"P_bytes": inst.nbytes_P})
                    r.sweep_s = r.solve / r.n_iter
                    r.gbps = inst.nbytes_P / r.sweep_s / 1e9
                    _certify(r, inst, gamma, {"policy": res["policy"]}, ctx.get("Vstar"))
                else:
                    r = Row("vi", inst.name, gamma, "pymdptoolbox VI", note=f"failed: {res['error']}")
        else:
            st = H.repeat_stages(lambda sw: pymdptoolbox_vi(inst, gamma, sw), reps)
            r = _row_from_stages("vi", inst, gamma, "pymdptoolbox VI", st)
            r.n_iter = st.result["n_iter"]
            r.sweep_s = r.solve / r.n_iter
            r.gbps = inst.nbytes_P / r.sweep_s / 1e9
            _certify(r, inst, gamma, st.result, ctx.get("Vstar"))
        rows.append(r)
        _print_row(r, bw)

    def mdpsolver_block(algo):
        st = H.repeat_stages(lambda sw: mdpsolver_run(inst, gamma, sw, algo), reps)
        r = _row_from_stages("vi", inst, gamma, f"mdpsolver {algo}", st)
        _certify(r, inst, gamma, st.result, ctx.get("Vstar"))
        rows.append(r)
        _print_row(r, bw)

    g = (rows, "vi", inst.name, gamma)
    guarded(*g, "numpy sup-norm VI (ref)", ref_block)
    guarded(*g, "mdpkit vi", mdpkit_block, "vi")
    if not inst.is_sparse and inst.nbytes_P >= 1e8 and model_accepts_copy():
        guarded(*g, "mdpkit vi (copy=False)", mdpkit_block, "vi", {"copy": False})
    if not args.quick:
        guarded(*g, "mdpkit mpi", mdpkit_block, "mpi")
    if inst.kind == "riverswim" and not args.quick:  # slowly mixing chain: PI needs ~S/3 steps
        guarded(*g, "mdpkit pi", mdpkit_block, "pi")
    if comp["pymdptoolbox"]["ok"] and not args.no_competitors:
        guarded(*g, "pymdptoolbox VI", pymdptoolbox_block)
    if comp["mdpsolver"]["ok"] and not args.no_competitors:
        for algo in ("vi", "mpi"):
            guarded(*g, f"mdpsolver {algo}", mdpsolver_block, algo)


CHECKPOINT: dict = {}  # {"path": ..., "meta": ...}: rows dumped after every block (--json)


def dump_json(path: str, meta: dict, rows: list, targets=None, fresh=None, warm=None) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump({"meta": meta, "rows": [r.__dict__ for r in rows], "targets": targets,
                   "fresh": fresh, "warmup": warm}, fh, indent=1, default=str)
    os.replace(tmp, path)


def guarded(rows: list, section: str, inst_name: str, gamma, label: str, fn, *a, **kw):
    """Run one benchmark block; an exception becomes a table row saying what failed.

    With ``--json`` the rows so far are written after every block, so an interrupted run
    still leaves its measurements for ``--merge``.
    """
    try:
        fn(*a, **kw)
    except Exception as exc:  # noqa: BLE001 - reported in the table, never hidden
        msg = f"error: {type(exc).__name__}: {exc}".replace("|", "/").replace("\n", " ")[:160]
        print(f"  {label}: {msg}", file=sys.stderr, flush=True)
        rows.append(Row(section, inst_name, gamma, label, note=msg))
    if CHECKPOINT:
        dump_json(CHECKPOINT["path"], CHECKPOINT["meta"], rows)


def _ref_run(inst, gamma, sw):
    with sw("solve"):
        V, pol, n = numpy_vi_supnorm(inst.P2d, inst.R, gamma)
    return {"V": V, "policy": pol, "n_iter": n}


def bench_pi(inst: Instance, gamma: float, args, comp: dict, rows: list, bw: float):
    reps = args.repeats
    print(f"\n[PI: {inst.name}, gamma={gamma}]", flush=True)
    st = H.repeat_stages(lambda sw: mdpkit_vi(inst, gamma, sw, method="pi"), reps)
    r = _row_from_stages("pi", inst, gamma, "mdpkit pi", st)
    r.n_iter = st.result["n_iter"]
    _certify(r, inst, gamma, st.result, None)
    rows.append(r)
    _print_row(r, bw)
    if comp["mdpsolver"]["ok"] and not args.no_competitors:
        st = H.repeat_stages(lambda sw: mdpsolver_run(inst, gamma, sw, "pi"), reps)
        r = _row_from_stages("pi", inst, gamma, "mdpsolver pi", st)
        _certify(r, inst, gamma, st.result, None)
        rows.append(r)
        _print_row(r, bw)


BACKWARD_MIN_REPEATS = 15


def bench_backward(inst: Instance, args, rows: list, bw: float):
    """mdpkit backward induction against the numpy/BLAS twin, interleaved (ABBA) rounds.

    At least ``BACKWARD_MIN_REPEATS`` rounds: the targets are speed ratios near 1 (dense) and
    1.5 (sparse), and on a shared 2-core machine one run varies by +-10-30 %; each round's
    pair of runs shares the machine's state. The target is judged on the median of the
    per-round ratios ref/mdpkit (``extra["paired"]``), the estimator that cancels the drift
    within each round, printed with a bootstrap 95% CI, the IQR and the ratio of medians.
    """
    reps = max(args.repeats, BACKWARD_MIN_REPEATS)
    print(f"\n[backward H={HORIZON}: {inst.name}, {reps} interleaved rounds]", flush=True)

    def ref(sw):
        with sw("solve"):
            Vs, pol = numpy_backward(inst.P2d, inst.R, HORIZON)
        return {"V": Vs, "policy": pol}

    sts = H.repeat_interleaved({"ref": ref, "mdpkit": lambda sw: mdpkit_backward(inst, sw),
                                "mdpkit+Q": lambda sw: mdpkit_backward(inst, sw, with_q=True)}, reps)
    st_ref, st = sts["ref"], sts["mdpkit"]
    Vref = st_ref.result["V"]
    paired = sorted(a / b for a, b in zip(st_ref.stages["solve"], st.stages["solve"]))
    lo, hi = _median_ci(paired)
    for name, stt in (("numpy/BLAS backward (ref)", st_ref), ("mdpkit backward", st),
                      ("mdpkit backward, eager_q=True", sts["mdpkit+Q"])):
        r = _row_from_stages("backward", inst, None, name, stt)
        r.n_iter = HORIZON
        r.sweep_s = r.solve / HORIZON
        r.gbps = inst.nbytes_P / r.sweep_s / 1e9
        if stt is not st_ref:
            # backward induction is exact: V must equal the twin's up to rounding
            r.v_err = float(np.abs(np.asarray(stt.result["V"]) - Vref).max())
        if stt is st:
            r.extra["paired"] = paired
            r.extra["paired_ci"] = [lo, hi]
        elif stt is not st_ref:
            r.note = "Q stored during the solve (the default computes it on first access of res.Q on CSR)"
        rows.append(r)
        _print_row(r, bw)
    q1, q3 = np.quantile(paired, [0.25, 0.75])
    print(f"  per-round speed-up ref/mdpkit: median {statistics.median(paired):.2f} "
          f"(95% bootstrap CI [{lo:.2f}, {hi:.2f}]), IQR [{q1:.2f}, {q3:.2f}], "
          f"range [{paired[0]:.2f}, {paired[-1]:.2f}]", flush=True)


def _median_ci(x, level: float = 0.95, n_boot: int = 10_000) -> tuple[float, float]:
    """Percentile-bootstrap confidence interval of the median of ``x`` (fixed seed)."""
    x = np.asarray(x, dtype=float)
    rng = np.random.default_rng(0)
    meds = np.median(rng.choice(x, size=(n_boot, x.size)), axis=1)
    a = (1.0 - level) / 2.0
    return float(np.quantile(meds, a)), float(np.quantile(meds, 1.0 - a))


def naive_dual_lp(inst: Instance, gamma: float):
    """Dense dual LP over occupancies with ``scipy.optimize.linprog(method="highs")``.

    max sum d(s,a) R(s,a) s.t. sum_a d(s',a) - gamma sum_{s,a} P(s'|s,a) d(s,a) = mu(s'),
    d >= 0, mu uniform; A_eq is a dense (S, S*A) ndarray. Policy = argmax_a d(s, a).
    """
    from scipy.optimize import linprog

    S, A = inst.S, inst.A
    E = np.kron(np.eye(S), np.ones((1, A)))  # (S, S*A): sum over a of d(s', a)
    A_eq = E - gamma * inst.P2d.T
    mu = np.full(S, 1.0 / S)
    res = linprog(-inst.R.ravel(), A_eq=A_eq, b_eq=mu, bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"linprog failed: {res.message}")
    d = res.x.reshape(S, A)
    return {"policy": d.argmax(axis=1), "V": None, "n_iter": int(getattr(res, "nit", 0))}


def bench_lp(inst: Instance, gamma: float, args, rows: list, bw: float):
    print(f"\n[LP: {inst.name}, gamma={gamma}]", flush=True)
    st = H.repeat_stages(lambda sw: mdpkit_vi(inst, gamma, sw, method="lp"), args.repeats)
    r = _row_from_stages("lp", inst, gamma, "mdpkit lp (HiGHS)", st)
    _certify(r, inst, gamma, st.result, None)
    rows.append(r)
    _print_row(r, bw)
    if args.skip_naive_lp or args.quick:
        rows.append(Row("lp", inst.name, gamma, "naive dense dual linprog",
                        note="skipped (--skip-naive-lp/--quick)"))
        return

    def naive(sw):
        with sw("solve"):
            return naive_dual_lp(inst, gamma)

    st = H.repeat_stages(naive, 1)
    r = _row_from_stages("lp", inst, gamma, "naive dense dual linprog", st, note="1 run")
    _certify(r, inst, gamma, st.result, None)
    rows.append(r)
    _print_row(r, bw)


def fresh_process(repeats: int = 3) -> dict:
    """Wall time of a fresh ``python -c 'import mdpkit; mdpkit.solve(...)'`` process.

    Two commands: ``small`` (2 states; mdpkit's default engine for models with at most
    65,536 stored entries is numpy, so numba is not even imported) and ``numba`` (the same
    model with ``engine="numba"``: loads the compiled VI kernels from numba's cache). Each is
    run once to warm the cache (not counted), then ``repeats`` times (median).
    ``python -c 'import numpy'`` is timed the same way for scale. The numba command is also
    run once with an empty private ``NUMBA_CACHE_DIR`` (compile from scratch; the
    repository's own cache is untouched).
    """
    model = ("import numpy as np, mdpkit; "
             "P = np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.5, 0.5], [0.0, 1.0]]]); "
             "R = np.array([[0.0, 1.0], [1.0, 0.0]]); ")
    code_small = model + "r = mdpkit.solve(mdpkit.TabularMDP(P, R, gamma=0.9)); assert r.converged"
    code_numba = model + ("r = mdpkit.solve(mdpkit.TabularMDP(P, R, gamma=0.9), engine='numba'); "
                          "assert r.converged")
    env = dict(os.environ)

    def t(code, env_=env):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env_, capture_output=True)
        return time.perf_counter() - t0

    out = {"command": f'python -c "{code_small}"', "command_numba": f'python -c "{code_numba}"'}
    for key, code in (("small", code_small), ("numba", code_numba)):
        t(code)  # warm the cache
        runs = [t(code) for _ in range(repeats)]
        out[key] = statistics.median(runs)
        out[key + "_all"] = runs
    out["numpy_import"] = statistics.median([t("import numpy") for _ in range(repeats)])
    with tempfile.TemporaryDirectory() as tmp:
        out["cold_compile"] = t(code_numba, dict(env, NUMBA_CACHE_DIR=tmp))
        out["cold_cache_files"] = sum(len(f) for _, _, f in os.walk(tmp))
    return out


# =============================================================================== printing
LLC_BYTES = H.last_level_cache_bytes()


def _pct(r: Row, bw: float) -> str:
    if r.gbps is None:
        return "—"
    local = r.extra.get("bw_local") if r.extra else None
    bw = (r.extra or {}).get("bw_run", bw)
    txt = f"{100 * r.gbps / bw:.0f}%"
    if local:
        txt += f" ({100 * r.gbps / local:.0f}% of {local:.1f} interleaved)"
    if LLC_BYTES and r.extra.get("P_bytes", 0) and r.extra["P_bytes"] < LLC_BYTES:
        txt += " cache"
    return txt


def _print_row(r: Row, bw: float):
    g = "" if r.gamma is None else f"γ={r.gamma}"
    if r.total is None:
        print(f"  {r.solver:28s} {g:7s} {r.note}", flush=True)
        return
    print(f"  {r.solver:28s} {g:7s} setup {H.fmt_s(r.setup):>9s} solve {H.fmt_s(r.solve):>9s} "
          f"total {H.fmt_s(r.total):>9s} it {str(r.n_iter):>6s} "
          f"GB/s {'—' if r.gbps is None else f'{r.gbps:.2f}':>6s} ({_pct(r, bw)}) "
          f"mem {H.fmt_bytes(r.peak_bytes):>8s} gap<= {'—' if r.gap is None else f'{r.gap:.1e}'} "
          f"{r.note}", flush=True)


def _fmt_gap(g):
    if g is None:
        return "—"
    return f"{g:.0e}" + ("" if g <= TOL * (1 + 1e-9) else " ✗")


def results_markdown(meta: dict, rows: list[Row], targets: list, fresh: dict | None,
                     warm: dict, comp: dict) -> str:
    bw = meta["bandwidth"]["best"]
    out = []
    out.append(f"Measured {meta['date']} on {meta['machine']}, mdpkit at commit {meta.get('commit', '?')}, "
               f"by `{meta['command']}` "
               f"(single thread: {', '.join(f'{k}=1' for k in ('NUMBA_NUM_THREADS', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS'))}; "
               f"load average at start {meta['loadavg']}). Times are medians of "
               f"{meta['repeats']} runs unless a row says otherwise; the machine has 2 cores shared with "
               "other jobs, so compare the ratios within a table more than absolute times.")
    out.append("")
    b = meta["bandwidth"]
    out.append(f"Memory read bandwidth (1.5 GB float64 array, best of 5, single thread): numpy.sum "
               f"{b['numpy_sum']:.1f} GB/s, numba loop {b['numba_sum']:.1f} GB/s, BLAS dgemv "
               f"{b['blas_dgemv']:.1f} GB/s; reference = best = **{bw:.1f} GB/s**. "
               "`% BW` = bytes of P read per sweep / time per sweep / reference.")
    out.append("")
    if any("earlier run" in (r.note or "") for r in rows):
        out.append("Rows whose note says *earlier run DATE* were measured by an earlier run of the same "
                   "script (same seeds and code, merged with `--merge`); their `% BW` is relative to the "
                   "bandwidth measured in that run.")
        out.append("")
    cs = []
    for name, st in comp.items():
        cs.append(f"{name} {st['version']}" if st["ok"] else f"{name}: not importable ({st['error']})")
    out.append("Competitors: " + "; ".join(cs) + ".")
    out.append("")
    out.append("### Targets")
    out.append("")
    out.append(H.markdown_table(["target", "measured", "required", "status"], targets))
    out.append("")
    head = ["instance", "γ", "solver", "setup", "solve", "total", "CPU", "× ref", "sweeps", "s/sweep",
            "GB/s", "% BW", "peak mem", "gap ≤", "‖V−V*‖∞", "note"]
    for section, title in (("vi", "### Discounted value iteration (tol = 1e-6)"),
                           ("pi", "### Policy iteration"),
                           ("backward", f"### Finite horizon, backward induction (H = {HORIZON})"),
                           ("lp", "### Linear programming")):
        sec = [r for r in rows if r.section == section]
        if not sec:
            continue
        out.append(title)
        out.append("")
        tab = []
        for r in sec:
            ref = _ref_for(rows, r)
            ratio = "—"
            if ref is not None and r.total is not None and ref.total:
                ratio = f"{r.total / ref.total:.3g}"
            tab.append([r.instance, "" if r.gamma is None else r.gamma, r.solver, H.fmt_s(r.setup),
                        H.fmt_s(r.solve), H.fmt_s(r.total), H.fmt_s(r.total_cpu), ratio,
                        "—" if r.n_iter is None else r.n_iter, H.fmt_s(r.sweep_s),
                        "—" if r.gbps is None else f"{r.gbps:.2f}", _pct(r, bw),
                        H.fmt_bytes(r.peak_bytes), _fmt_gap(r.gap),
                        "—" if r.v_err is None else f"{r.v_err:.1e}", r.note])
        out.append(H.markdown_table(head, tab))
        out.append("")
    out.append("### Start-up and numba compilation")
    out.append("")
    if fresh:
        if fresh.get("when"):
            out.append(f"* (start-up figures from the run of {fresh['when']})")
        out.append(f"* Fresh process, warm cache, `{fresh['command']}`: median "
                   f"**{fresh['small']:.2f} s** (runs {', '.join(f'{x:.2f}' for x in fresh['small_all'])}); "
                   f"`python -c 'import numpy'` alone {fresh['numpy_import']:.2f} s. (2 states: mdpkit's "
                   "default engine for models with <= 65,536 stored entries is numpy, numba is not loaded.)")
        out.append(f"* The same with `engine='numba'` (loads the cached VI kernels): median "
                   f"{fresh['numba']:.2f} s (runs {', '.join(f'{x:.2f}' for x in fresh['numba_all'])}); "
                   f"with an empty private `NUMBA_CACHE_DIR` (compiled from scratch, "
                   f"{fresh['cold_cache_files']} cache files written): {fresh['cold_compile']:.1f} s.")
    out.append("* In the benchmark process, first call of each kernel family on a tiny model "
               "(cache load or compile; excluded from every timed run): "
               + ", ".join(f"{k} {H.fmt_s(v)}" for k, v in warm.items()) + ".")
    out.append("")
    return "\n".join(out)


def _row_key(r: Row):
    return (r.section, r.instance, r.gamma, r.solver)


def _instance_rank(name: str):
    import re

    m = re.search(r"S=([0-9.e]+)", name)
    size = float(m.group(1)) if m else 0.0
    kind = 0 if name.startswith("dense") else 1 if name.startswith("sparse") else 2
    return (kind, size, name)


def merge_earlier(paths: str, rows: list, fresh, bw_now: float):
    """Add rows of earlier ``--json`` runs for cells this run did not measure (in place).

    A merged row keeps its own run's bandwidth reference (``extra["bw_run"]``) and says in
    its note when it was measured. Returns ``fresh`` (taken from the earlier run if absent).
    """
    have = {_row_key(r) for r in rows if r.total is not None}
    order = {_row_key(r): i for i, r in enumerate(rows)}
    for path in filter(None, paths.split(",")):
        with open(path) as fh:
            old = json.load(fh)
        when = old["meta"]["date"]
        for d in old["rows"]:
            d = dict(d)
            d["spread"] = tuple(d.get("spread") or ())
            r = Row(**d)
            if r.total is None or _row_key(r) in have:
                continue
            rows[:] = [x for x in rows if _row_key(x) != _row_key(r)]  # drop a "skipped" stub
            r.extra = dict(r.extra or {}, bw_run=old["meta"]["bandwidth"]["best"])
            r.note = (r.note + "; " if r.note else "") + f"earlier run {when}"
            rows.append(r)
            have.add(_row_key(r))
        if fresh is None and old.get("fresh"):
            fresh = dict(old["fresh"], when=when)
    sec_rank = {"vi": 0, "pi": 1, "backward": 2, "lp": 3}
    rows.sort(key=lambda r: (sec_rank.get(r.section, 9), _instance_rank(r.instance),
                             -1 if r.gamma is None else r.gamma, order.get(_row_key(r), 10**6)))
    return fresh


def _ref_for(rows, r: Row):
    want = {"vi": "numpy sup-norm VI (ref)", "backward": "numpy/BLAS backward (ref)",
            "lp": "naive dense dual linprog", "pi": "numpy sup-norm VI (ref)"}.get(r.section)
    for x in rows:
        if x.solver == want and x.instance == r.instance and (x.gamma == r.gamma or r.section == "backward"):
            return x
    return None


def _find(rows, section, instance_prefix, solver, gamma=None):
    for r in rows:
        if (r.section == section and r.instance.startswith(instance_prefix) and r.solver == solver
                and (gamma is None or r.gamma == gamma)):
            return r
    return None


def _bw_txt(r: Row, bw: float) -> str:
    local = r.extra.get("bw_local")
    bw = r.extra.get("bw_run", bw)
    txt = f"{r.gbps:.1f} GB/s = {100 * r.gbps / bw:.0f}% of the run's best {bw:.1f} GB/s"
    if local:
        txt += f"; {100 * r.gbps / local:.0f}% of {local:.1f} GB/s measured interleaved (PASS/MISS uses this)"
    return txt


def _when(r: Row) -> str:
    m = re.search(r"earlier run ([0-9: -]+UTC)", r.note or "")
    return f" [run of {m.group(1)}]" if m else ""


def evaluate_targets(rows: list[Row], bw: float, fresh: dict | None) -> list[list]:
    T = []

    def st(ok):
        return "n/a" if ok is None else ("PASS" if ok else "MISS")

    r = _find(rows, "vi", "sparse S=1e5", "mdpkit vi", 0.99)
    if r and r.total is not None:
        T.append(["sparse S=1e5 γ=0.99 VI, construction+validation+solve",
                  f"{H.fmt_s(r.total)} (setup {H.fmt_s(r.setup)} + solve {H.fmt_s(r.solve)}, gap ≤ {r.gap:.0e})" + _when(r),
                  "≤ 0.4 s", st(r.total <= 0.4 and r.gap <= TOL)])
    r = _find(rows, "vi", "dense S=2000", "mdpkit vi", 0.99)
    if r and r.total is not None:
        T.append(["dense (2000, 10) γ=0.99 VI, construction+validation+solve",
                  f"{H.fmt_s(r.total)} (setup {H.fmt_s(r.setup)} + solve {H.fmt_s(r.solve)})" + _when(r),
                  "≤ 0.3 s", st(r.total <= 0.3 and r.gap <= TOL)])
        r2 = _find(rows, "vi", "dense S=2000", "mdpkit vi (copy=False)", 0.99)
        if r2 and r2.total is not None:
            T.append(["dense (2000, 10) γ=0.99 VI, TabularMDP(..., copy=False) + validation + solve",
                      f"{H.fmt_s(r2.total)} (setup {H.fmt_s(r2.setup)} + solve {H.fmt_s(r2.solve)})" + _when(r2),
                      "≤ 0.3 s", st(r2.total <= 0.3 and r2.gap <= TOL)])
        T.append(["dense (2000, 10) γ=0.99 VI, solve only (validated model given)",
                  H.fmt_s(r.solve) + _when(r), "≤ 0.3 s", st(r.solve <= 0.3)])
        if r.gbps:
            T.append(["dense sweep bandwidth, 320 MB model", _bw_txt(r, bw) + _when(r),
                      "≥ 80% of DRAM read BW", st(r.gbps / r.extra.get("bw_local", bw) >= 0.8)])
    r = _find(rows, "vi", "sparse S=1e5", "mdpkit vi", 0.99)
    if r and r.gbps:
        T.append(["CSR sweep bandwidth, S=1e5 model (35 MB)", _bw_txt(r, bw) + _when(r),
                  "≥ 30% of DRAM read BW", st(r.gbps / r.extra.get("bw_local", bw) >= 0.3)])
    for prefix, need, label in (("dense", 1.0, "no slower than"), ("sparse", 1.5, "≥ 1.5× faster than")):
        for r in [x for x in rows if x.section == "backward" and x.solver == "mdpkit backward"
                  and x.instance.startswith(prefix)]:
            ref = _ref_for(rows, r)
            if ref is None or r.solve is None:
                continue
            # interleaved rounds (bench_backward): the median of the per-round ratios, which
            # cancels the machine's drift within each round; older rows: ratio of medians
            paired = r.extra.get("paired")
            ratio_of_medians = ref.solve / r.solve
            sp_ = statistics.median(paired) if paired else ratio_of_medians
            iqr = ""
            if paired:
                q1, q3 = np.quantile(paired, [0.25, 0.75])
                ci = r.extra.get("paired_ci")
                iqr = (f"; median of {len(paired)} interleaved rounds' ratios"
                       + (f", 95% CI [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")
                       + f", IQR [{q1:.2f}, {q3:.2f}]; ratio of medians {ratio_of_medians:.2f}×")
            rq = next((x for x in rows if x.section == "backward" and x.instance == r.instance
                       and x.solver == "mdpkit backward, eager_q=True"), None)
            withq = f"; with Q stored {ref.solve / rq.solve:.2f}×" if rq is not None and rq.solve else ""
            T.append([f"backward H={HORIZON} {r.instance}: speed-up over numpy/BLAS (solve)",
                      f"{sp_:.2f}× ({H.fmt_s(r.solve)} vs {H.fmt_s(ref.solve)}; with validation "
                      f"{ref.solve / r.total:.2f}×{withq}{iqr})" + _when(r), f"{label} numpy ({need}×)",
                      st(sp_ >= need)])
    for g in (0.99, 0.9):
        r = _find(rows, "pi", "sparse S=1e5", "mdpkit pi", g)
        if r and r.total is not None:
            T.append([f"PI sparse S=1e5 γ={g}, construction+validation+solve",
                      f"{H.fmt_s(r.total)} ({r.n_iter} improvements, gap ≤ {r.gap:.0e})" + _when(r), "≤ 2 s",
                      st(r.total <= 2.0 and r.gap <= TOL)])
    r = _find(rows, "lp", "dense S=500", "mdpkit lp (HiGHS)")
    if r and r.total is not None:
        n = _find(rows, "lp", "dense S=500", "naive dense dual linprog")
        other = "" if n is None or n.total is None else (
            f" vs naive {H.fmt_s(n.total)}, {H.fmt_bytes(n.peak_bytes)}")
        T.append(["LP dense (500, 8): time and memory (report)",
                  f"{H.fmt_s(r.total)}, {H.fmt_bytes(r.peak_bytes)}{other}", "report", "—"])
    if fresh:
        T.append(["fresh process import + solve(small), warm cache", f"{fresh['small']:.2f} s "
                  f"(engine='numba' forced: {fresh['numba']:.2f} s)", "≤ 1.5 s", st(fresh["small"] <= 1.5)])
    return T


# =============================================================================== main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small instances only (smoke test)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per measurement (>= 3 for the table)")
    p.add_argument("--skip-naive-lp", action="store_true", help="skip the ~100 s naive dense linprog")
    p.add_argument("--skip-slow", action="store_true", help="skip pymdptoolbox on sparse models (~35 s+)")
    p.add_argument("--no-competitors", action="store_true", help="mdpkit and the numpy references only")
    p.add_argument("--no-sweep", action="store_true", help="skip the per-sweep bandwidth runs")
    p.add_argument("--write", action="store_true", help=f"rewrite the '{SECTION}' section of RESULTS.md")
    p.add_argument("--json", help="also dump every row as JSON to this path")
    p.add_argument("--only", default="", help="comma list of parts: vi,pi,backward,lp,fresh")
    p.add_argument("--filter", default="", help="only instances whose name contains one of these "
                   "comma-separated substrings (e.g. 'S=2000,S=1e5')")
    p.add_argument("--merge", default="", help="comma-separated JSON files of earlier runs (--json): "
                   "their rows fill the cells this run did not measure, marked with their date")
    p.add_argument("--child-pymdptoolbox", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_pymdptoolbox:
        return _child_pymdptoolbox(args.child_pymdptoolbox)
    parts = set(filter(None, args.only.split(","))) or {"vi", "pi", "backward", "lp", "fresh"}

    command = "python benchmarks/bench_solvers.py " + " ".join(argv if argv is not None else sys.argv[1:])
    meta = {"date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
                       f"numpy {np.__version__}",
            "command": command.strip(), "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "repeats": args.repeats}
    import numba
    import scipy

    meta["machine"] += f", scipy {scipy.__version__}, numba {numba.__version__}"
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "mdpkit"],
                               capture_output=True, text=True, check=True).stdout.strip()
        meta["commit"] = rev + (" + uncommitted changes under mdpkit/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        meta["commit"] = "unknown"
    print(f"mdpkit benchmarks — {meta['date']} — {meta['machine']} — load {meta['loadavg']}", flush=True)
    comp = competitor_status()
    print("competitors:", comp, flush=True)

    print("measuring memory read bandwidth ...", flush=True)
    bwd = H.memory_read_bandwidth(nbytes=0.4e9 if args.quick else 1.5e9)
    meta["bandwidth"] = bwd
    bw = bwd["best"]
    args.probe = H.BandwidthProbe(0.4e9 if args.quick else 1.0e9)
    print(f"  numpy.sum {bwd['numpy_sum']:.2f}  numba {bwd['numba_sum']:.2f}  dgemv {bwd['blas_dgemv']:.2f}"
          f"  -> reference {bw:.2f} GB/s", flush=True)

    print("warming up mdpkit kernels ...", flush=True)
    warm = warmup_mdpkit()
    print("  " + ", ".join(f"{k} {H.fmt_s(v)}" for k, v in warm.items()), flush=True)

    rows: list[Row] = []
    sweep_cache: dict = {}
    if args.json:
        CHECKPOINT.update(path=args.json, meta=meta)
    gammas = (0.9, 0.99)
    if args.quick:
        dense_sizes = [(100, 4), (500, 8)]
        sparse_sizes = [10**4]
    else:
        dense_sizes = [(100, 4), (500, 8), (2000, 10)]
        sparse_sizes = [10**4, 10**5]

    if "vi" in parts or "pi" in parts or "lp" in parts or "backward" in parts:
        for (S, A) in dense_sizes:
            if not _wanted(args, f"dense S={S} A={A}"):
                continue
            inst = dense_instance(S, A, seed=1000 + S)
            if "vi" in parts:
                for g in gammas:
                    bench_discounted(inst, g, args, comp, bw, rows, sweep_cache)
            if "backward" in parts and S >= 500:
                guarded(rows, "backward", inst.name, None, "backward", bench_backward, inst, args, rows, bw)
            if "lp" in parts and S == (100 if args.quick else 500):
                guarded(rows, "lp", inst.name, 0.99, "lp", bench_lp, inst, 0.99, args, rows, bw)
            del inst
        for S in sparse_sizes:
            if not _wanted(args, f"sparse S={S:.0e}".replace("e+0", "e")):
                continue
            inst = sparse_instance(S, 4, 5, seed=2000 + S)
            if "vi" in parts:
                for g in gammas:
                    bench_discounted(inst, g, args, comp, bw, rows, sweep_cache)
            if "pi" in parts and (S == max(sparse_sizes)):
                for g in gammas:
                    guarded(rows, "pi", inst.name, g, "mdpkit pi", bench_pi, inst, g, args, comp, rows, bw)
            if "backward" in parts:
                guarded(rows, "backward", inst.name, None, "backward", bench_backward, inst, args, rows, bw)
            del inst
        for sparse_rs in ((True,) if args.quick else (False, True)):
            name = f"riverswim S=1000 {'CSR' if sparse_rs else 'dense'}"
            if "vi" not in parts or not _wanted(args, name):
                continue
            try:
                inst = riverswim_instance(1000, sparse_rs)
            except Exception as exc:  # noqa: BLE001 - generator not available: say so
                print(f"RiverSwim skipped: {type(exc).__name__}: {exc}", flush=True)
                rows.append(Row("vi", name, None, "—", note=f"skipped: {exc}"))
                continue
            for g in gammas:
                bench_discounted(inst, g, args, comp, bw, rows, sweep_cache)

    fresh = None
    if "fresh" in parts:
        print("\nfresh-process start-up ...", flush=True)
        try:
            fresh = fresh_process()
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            print(f"  fresh-process measurement failed: {exc}", flush=True)
        if fresh:
            print(f"  warm cache {fresh['small']:.2f} s, numba engine {fresh['numba']:.2f} s (numpy import "
                  f"{fresh['numpy_import']:.2f} s), empty cache {fresh['cold_compile']:.1f} s", flush=True)

    bw = max(bw, args.probe.best if args.probe.samples else 0.0)
    meta["bandwidth"]["best"] = bw
    meta["bandwidth"]["probe_samples"] = list(args.probe.samples)
    args.probe.close()
    if args.merge:
        fresh = merge_earlier(args.merge, rows, fresh, bw)
    targets = evaluate_targets(rows, bw, fresh)
    md = results_markdown(meta, rows, targets, fresh, warm, comp)
    print("\n" + md)
    if args.json:
        dump_json(args.json, meta, rows, targets, fresh, warm)
    if args.write:
        old = open(RESULTS_MD).read() if os.path.exists(RESULTS_MD) else "# Benchmark results\n\n"
        prev = H.get_section(old, SECTION) or ""
        if FINDINGS in prev:  # hand-written analysis: kept across re-runs
            md = md.rstrip("\n") + "\n\n" + prev[prev.index(FINDINGS):].strip("\n") + "\n"
        with open(RESULTS_MD, "w") as fh:
            fh.write(H.replace_section(old, SECTION, md))
        print(f"wrote section '{SECTION}' of {RESULTS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

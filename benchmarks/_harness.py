"""Timing, memory and bandwidth helpers for the mdpkit benchmarks (never run by the tests).

What is measured and how
------------------------
* **Time**: :func:`repeat_stages` runs a callable ``repeats`` times (>= 3 for the published
  table); each run returns the wall-clock seconds of its stages (e.g. ``setup`` = model
  construction + validation, ``solve``). We report the median of each stage and the median
  of the per-run totals (the median of sums, not the sum of medians), plus min/max.
  ``time.perf_counter`` throughout; the garbage collector is run (not disabled) before each
  run so that one run's garbage is not collected inside the next one's timing.
* **Peak memory**: the kernel's resident-set high-water mark. Before each run we return free
  heap pages to the kernel (``malloc_trim``), reset the mark (``/proc/self/clear_refs`` <-
  ``5``, Linux >= 4.0) and read ``VmRSS``; after the run we read ``VmHWM``. ``peak - baseline`` counts every allocation made during the run (numpy, scipy,
  C++ extensions, HiGHS), costs nothing while the code runs and does not depend on the GIL.
  Where ``clear_refs`` is not writable we fall back to ``tracemalloc`` (Python and numpy
  allocations only), and say so in the returned ``memory_method``.
* **Memory read bandwidth**: :func:`memory_read_bandwidth` times three read-only kernels over
  a 1.5 GB float64 array (far above any cache) and keeps the best of ``repeats`` runs of each:
  ``numpy.sum`` (pairwise summation), a numba loop (``fastmath``, vectorised) and a BLAS
  ``dgemv`` over the same bytes. The reference bandwidth is the **maximum** of the three, the
  strictest denominator for "fraction of bandwidth" figures (on the development machine
  numpy.sum reached ~10.5 GB/s, the numba loop ~14 GB/s and dgemv ~15.5-16 GB/s, single
  thread).
* **Sweep bandwidth**: bytes of P read by one sweep (:func:`bytes_per_sweep`) divided by the
  time of one sweep. For a solver whose sweeps cannot be timed individually we time two runs
  with different sweep caps and divide the time difference by the difference in sweeps
  (:func:`per_sweep_seconds`), which cancels fixed costs (set-up, validation, result
  assembly).

Thread settings must be fixed before numpy/numba are imported: see
:func:`single_thread_env`, called at the very top of ``bench_solvers.py``.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

THREAD_VARS = (
    "NUMBA_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def single_thread_env(n_threads: int = 1) -> dict[str, str]:
    """Set every BLAS/OpenMP/numba thread-count variable to ``n_threads``; return them.

    Must run before numpy, scipy or numba are imported (they read these at import time).
    """
    for var in THREAD_VARS:
        os.environ[var] = str(int(n_threads))
    return {var: os.environ[var] for var in THREAD_VARS}


# ------------------------------------------------------------------------------ memory
_CLEAR_REFS = "/proc/self/clear_refs"


def _proc_status_kb(keys=("VmRSS", "VmHWM")) -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            k, _, v = line.partition(":")
            if k in keys:
                out[k] = int(v.split()[0])
    return out


def _hwm_supported() -> bool:
    try:
        with open(_CLEAR_REFS, "w") as fh:
            fh.write("5")
        _proc_status_kb()
        return True
    except OSError:
        return False


HWM_SUPPORTED = _hwm_supported()


def _malloc_trim():
    """Return free heap pages to the kernel (glibc ``malloc_trim(0)``); no-op elsewhere.

    Free heap chunks are reused by later allocations of any size before a new mapping is
    made (and glibc raises its mmap threshold after large frees, so large numpy arrays
    also come from the heap); if their pages were still resident, a run could allocate
    hundreds of MB without raising the RSS. Trimming before each measured run makes every
    page the run touches count. (The allocator's thresholds are left alone: pinning them
    would make every large temporary a fresh mapping and slow numpy code down.)
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakMemory:
    """Context manager: peak extra memory (bytes) used inside the ``with`` block.

    ``method`` is ``"rss-hwm"`` (resident-set high-water mark, everything counted) or
    ``"tracemalloc"`` (Python/numpy allocations only) when the high-water mark cannot be reset.
    """

    def __init__(self):
        self.method = "rss-hwm" if HWM_SUPPORTED else "tracemalloc"
        self.peak_bytes = 0

    def __enter__(self):
        if self.method == "rss-hwm":
            _malloc_trim()
            with open(_CLEAR_REFS, "w") as fh:
                fh.write("5")
            self._base = _proc_status_kb()["VmRSS"]
        else:
            self._started = not tracemalloc.is_tracing()
            if self._started:
                tracemalloc.start()
            tracemalloc.reset_peak()
            self._base = tracemalloc.get_traced_memory()[0]
        return self

    def __exit__(self, *exc):
        if self.method == "rss-hwm":
            st = _proc_status_kb()
            self.peak_bytes = max(0, st["VmHWM"] - self._base) * 1024
        else:
            self.peak_bytes = max(0, tracemalloc.get_traced_memory()[1] - self._base)
            if self._started:
                tracemalloc.stop()
        return False


# ------------------------------------------------------------------------------ timing
@dataclass
class StageTimes:
    """Per-stage timings over repeated runs (seconds) and the peak memory of the runs."""

    stages: dict[str, list[float]]
    totals: list[float]
    peak_bytes: int
    memory_method: str
    result: Any = None
    info: dict = field(default_factory=dict)
    cpu_totals: list[float] = field(default_factory=list)

    def median(self, stage: str | None = None) -> float:
        if stage is None:
            return statistics.median(self.totals)
        return statistics.median(self.stages[stage])

    @property
    def n_runs(self) -> int:
        return len(self.totals)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.totals), max(self.totals)


class Stopwatch:
    """Collects named stage durations inside one run: ``with sw("name"): ...``.

    Records wall-clock time (``perf_counter``, the reported figure) and the CPU time of the
    process (``process_time``): for single-threaded code on a shared machine the CPU time
    excludes the time spent waiting for a core, so it estimates the wall time on an idle
    machine (memory-bandwidth contention is not removed).
    """

    def __init__(self):
        self.times: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def __call__(self, name: str):
        sw = self

        class _Stage:
            def __enter__(self_inner):
                self_inner.c0 = time.process_time()
                self_inner.t0 = time.perf_counter()

            def __exit__(self_inner, *exc):
                t1 = time.perf_counter()
                c1 = time.process_time()
                sw.times[name] = sw.times.get(name, 0.0) + t1 - self_inner.t0
                sw.cpu[name] = sw.cpu.get(name, 0.0) + c1 - self_inner.c0
                return False

        return _Stage()


def _run_measured(run_once: Callable[[Stopwatch], Any], measure_memory: bool):
    """One run of ``run_once``: (stopwatch, peak bytes, memory method, result)."""
    gc.collect()  # the previous run's garbage is not collected inside this run's timing
    sw = Stopwatch()
    if not measure_memory:
        return sw, 0, "none", run_once(sw)
    pm = PeakMemory()
    with pm:
        result = run_once(sw)
    return sw, pm.peak_bytes, pm.method, result


class _Accumulator:
    """Stage times, totals and peak memory of one callable over repeated runs."""

    def __init__(self):
        self.stages: dict[str, list[float]] = {}
        self.totals: list[float] = []
        self.cpu_totals: list[float] = []
        self.peak = 0
        self.method = "none"
        self.result = None

    def add(self, sw: Stopwatch, peak: int, method: str, result) -> None:
        for k, v in sw.times.items():
            self.stages.setdefault(k, []).append(v)
        self.totals.append(sum(sw.times.values()))
        self.cpu_totals.append(sum(sw.cpu.values()))
        self.peak = max(self.peak, peak)
        self.method = method
        self.result = result

    def stage_times(self) -> StageTimes:
        return StageTimes(
            stages=self.stages,
            totals=self.totals,
            peak_bytes=self.peak,
            memory_method=self.method,
            result=self.result,
            cpu_totals=self.cpu_totals,
        )


def repeat_stages(
    run_once: Callable[[Stopwatch], Any], repeats: int = 3, measure_memory: bool = True
) -> StageTimes:
    """Run ``run_once(stopwatch)`` ``repeats`` times; collect stage times and peak memory.

    ``run_once`` times its own stages with ``with stopwatch("name"): ...`` and returns its
    result (the last run's result is kept, e.g. to check the policy's optimality). The
    reported peak memory is the maximum over the runs.
    """
    return repeat_interleaved({"run": run_once}, repeats, measure_memory)["run"]


def repeat_interleaved(
    runs: dict[str, Callable[[Stopwatch], Any]], repeats: int = 3, measure_memory: bool = True
) -> dict[str, StageTimes]:
    """Like :func:`repeat_stages` for several callables, interleaved: round ``i`` runs each
    callable once, in the given order for even ``i`` and in reverse order for odd ``i``.

    Used where two solvers are compared by a ratio (e.g. mdpkit against its numpy
    reference): on a shared machine the speed drifts over seconds, and timing all runs of
    one solver before all runs of the other puts that drift into the ratio; alternating
    (ABBA...) rounds expose both to the same conditions. Returns one :class:`StageTimes` per
    name; ``StageTimes.totals[i]`` of two names come from the same round ``i`` (paired).
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    acc = {name: _Accumulator() for name in runs}
    names = list(runs)
    for i in range(repeats):
        for name in names if i % 2 == 0 else names[::-1]:
            acc[name].result = None  # free the previous run's output before this run
            acc[name].add(*_run_measured(runs[name], measure_memory))
    return {name: a.stage_times() for name, a in acc.items()}


def time_call(fn: Callable[[], Any], repeats: int = 3) -> tuple[list[float], Any]:
    """Wall-clock seconds of ``repeats`` calls of ``fn()``, and the last return value."""
    out = None
    times = []
    for _ in range(repeats):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def per_sweep_seconds(
    run_with_cap: Callable[[int], float], k_low: int, k_high: int, repeats: int = 3
) -> float:
    """Seconds per sweep from runs capped at ``k_low`` and ``k_high`` sweeps.

    ``run_with_cap(k)`` performs exactly ``k`` sweeps and returns its wall time. The result
    ``(min t(k_high) - min t(k_low)) / (k_high - k_low)`` cancels the fixed costs; minima (not
    medians) because the noise of a shared machine only ever adds time.
    """
    if k_high <= k_low:
        raise ValueError(f"k_high must exceed k_low, got {k_high} <= {k_low}")
    lo = min(run_with_cap(k_low) for _ in range(repeats))
    hi = min(run_with_cap(k_high) for _ in range(repeats))
    return max(hi - lo, 1e-12) / (k_high - k_low)


# --------------------------------------------------------------------------- bandwidth
def bytes_per_sweep(P) -> int:
    """Bytes of the transition kernel read by one Bellman sweep.

    Dense ``ndarray``: ``P.nbytes``. CSR: ``data`` + ``indices`` + ``indptr`` bytes (the
    gathered entries of V are not counted: V is cache resident for every model here).
    """
    if hasattr(P, "indptr"):
        return int(P.data.nbytes + P.indices.nbytes + P.indptr.nbytes)
    return int(P.nbytes)


def memory_read_bandwidth(nbytes: float = 1.5e9, repeats: int = 5) -> dict[str, float]:
    """Single-thread memory read bandwidth in GB/s (1 GB = 1e9 bytes), best of ``repeats``.

    Returns ``{"numpy_sum": ..., "numba_sum": ..., "blas_dgemv": ..., "best": ...,
    "bytes": ...}``; ``best`` is the maximum, used as the reference. Allocates ``nbytes`` (and
    frees it before returning).
    """
    import numpy as np
    from numba import njit

    @njit(fastmath=True, cache=False)
    def _numba_sum(a):  # pragma: no cover - compiled
        s = 0.0
        for i in range(a.size):
            s += a[i]
        return s

    n_cols = 2000
    n = int(nbytes) // 8 // n_cols * n_cols
    a = np.ones(n)  # written once: every page is resident before timing
    v = np.ones(n_cols)
    M = a.reshape(-1, n_cols)
    _numba_sum(a[:16])  # compile outside the timing

    def best(fn):
        b = 0.0
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            b = max(b, a.nbytes / dt / 1e9)  # noqa: F821 (deleted after the timings)
        return b

    out = {
        "numpy_sum": best(lambda: a.sum()),  # noqa: F821 (deleted after the timings)
        "numba_sum": best(lambda: _numba_sum(a)),  # noqa: F821 (deleted after the timings)
        "blas_dgemv": best(lambda: M @ v),  # noqa: F821 (deleted after the timings)
        "bytes": float(a.nbytes),
    }
    out["best"] = max(out["numpy_sum"], out["numba_sum"], out["blas_dgemv"])
    del a, M
    gc.collect()
    return out


class BandwidthProbe:
    """Re-measurable read bandwidth (GB/s) for interleaving with a kernel under test.

    On a shared machine the available DRAM bandwidth changes from minute to minute, so a
    fraction "kernel GB/s / machine GB/s" is only meaningful when both are measured at the
    same moment: :meth:`measure` times one numba read loop and one BLAS dgemv over a private
    ``nbytes`` array and returns the better; call it between the kernel's timed runs and keep
    the best of each.
    """

    def __init__(self, nbytes: float = 1.0e9):
        import numpy as np
        from numba import njit

        @njit(fastmath=True, cache=False)
        def _numba_sum(a):  # pragma: no cover - compiled
            s = 0.0
            for i in range(a.size):
                s += a[i]
            return s

        n_cols = 2000
        n = int(nbytes) // 8 // n_cols * n_cols
        self._a = np.ones(n)
        self._M = self._a.reshape(-1, n_cols)
        self._v = np.ones(n_cols)
        self._sum = _numba_sum
        _numba_sum(self._a[:16])
        self.samples: list[float] = []

    def measure(self) -> float:
        best = 0.0
        for fn in (lambda: self._sum(self._a), lambda: self._M @ self._v):
            t0 = time.perf_counter()
            fn()
            best = max(best, self._a.nbytes / (time.perf_counter() - t0) / 1e9)
        self.samples.append(best)
        return best

    @property
    def best(self) -> float:
        return max(self.samples) if self.samples else float("nan")

    def close(self):
        self._a = self._M = None
        gc.collect()


def interleaved_sweep_rate(
    run_with_cap: Callable[[int], float],
    k_low: int,
    k_high: int,
    probe: BandwidthProbe,
    rounds: int = 3,
) -> tuple[float, float]:
    """(seconds per sweep, machine GB/s) measured alternately, best of ``rounds`` each.

    Each round: probe the bandwidth, time ``k_low`` sweeps, time ``k_high`` sweeps. The
    per-sweep time is ``(min t(k_high) - min t(k_low)) / (k_high - k_low)``.
    """
    lo, hi, bw = [], [], []
    for _ in range(rounds):
        bw.append(probe.measure())
        lo.append(run_with_cap(k_low))
        hi.append(run_with_cap(k_high))
    bw.append(probe.measure())
    return max(min(hi) - min(lo), 1e-12) / (k_high - k_low), max(bw)


def last_level_cache_bytes() -> int | None:
    """Size of the largest CPU cache reported by sysfs (None if unknown)."""
    import glob

    best = None
    for path in glob.glob("/sys/devices/system/cpu/cpu0/cache/index*/size"):
        try:
            txt = open(path).read().strip()
        except OSError:
            continue
        mult = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(txt[-1:], 1)
        try:
            val = int(txt.rstrip("KMG")) * mult
        except ValueError:
            continue
        best = val if best is None else max(best, val)
    return best


# ------------------------------------------------------------------------------ format
def fmt_s(x: float | None) -> str:
    """Seconds, 3 significant digits, with a unit suited to the size."""
    if x is None:
        return "—"
    if x != x:  # nan
        return "n/a"
    if x < 1e-3:
        return f"{x * 1e6:.0f} µs"
    if x < 1.0:
        return f"{x * 1e3:.3g} ms"
    return f"{x:.3g} s"


def fmt_bytes(b: float | None) -> str:
    if b is None:
        return "—"
    if b < 1e6:
        return f"{b / 1e3:.0f} kB"
    if b < 1e9:
        return f"{b / 1e6:.0f} MB"
    return f"{b / 1e9:.2f} GB"


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines)


def get_section(text: str, heading: str) -> str | None:
    """Body of the ``## `` section ``heading`` (without the heading line), or None."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.rstrip("\n") == heading:
            end = len(lines)
            for j in range(i + 1, len(lines)):
                if lines[j].startswith("## "):
                    end = j
                    break
            return "".join(lines[i + 1 : end])
    return None


def replace_section(text: str, heading: str, body: str) -> str:
    """Replace the text between ``heading`` (a ``## `` line) and the next ``## `` heading.

    Other sections are kept verbatim; the section is appended when absent.
    """
    lines = text.splitlines(keepends=True)
    start = None
    for i, line in enumerate(lines):
        if line.rstrip("\n") == heading:
            start = i
            break
    new = heading + "\n\n" + body.rstrip("\n") + "\n\n"
    if start is None:
        sep = (
            "" if (not text or text.endswith("\n\n")) else ("\n" if text.endswith("\n") else "\n\n")
        )
        return text + sep + new
    end = len(lines)
    for j in range(start + 1, len(lines)):
        if lines[j].startswith("## "):
            end = j
            break
    return "".join(lines[:start]) + new + "".join(lines[end:])


def write_section(path, text: str) -> None:
    """Write ``text`` (starting with its ``## `` heading line) as that section of ``path``
    (RESULTS.md), keeping every other section; atomic (temporary file, then rename)."""
    from pathlib import Path

    path = Path(path)
    heading, _, body = text.partition("\n")
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(replace_section(old, heading, body.strip("\n")))
    os.replace(tmp, path)

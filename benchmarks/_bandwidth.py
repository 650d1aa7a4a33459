"""Memory read-bandwidth probe: the physical limit every gradient pass is compared with.

What it measures: the rate (GB/s, 1e9 bytes/s) at which 1 or ``n_threads`` threads can
*read* a large float64 array from DRAM and reduce it to one number (sum). Nothing is
written, so this is the bound for a pass that reads ``X`` once (a fused objective +
gradient, or one SGD epoch in row order). The array (default 1 GiB, ``GDFAST_BENCH_BW_MB``)
is larger than the W1 ``X`` and than any private cache; the first pass is a warm-up
(page faults), the figure is the median of the following passes.

Probes are pluggable (``register_probe``); ``measure()`` runs every available one and
reports the **maximum** (the machine can read at least that fast, so "fraction of
bandwidth" is never flattered by a slow probe):

- ``numpy-sum``: ``np.add.reduce`` over 8 MiB chunks; with n threads, a
  ``ThreadPoolExecutor`` maps the chunks (numpy's reduction loops release the GIL, checked:
  2 threads read ~1.8x faster than 1). numpy's pairwise sum peaks ~35 GB/s in cache, so
  at DRAM speeds it is close to, but can be below, the hardware's limit.
- ``blas-dot``: ``x @ x`` (OpenBLAS ``ddot``, reads x once) with the BLAS pool limited to
  n threads by threadpoolctl.
- ``c-omp``: a 25-line C reduction (4 independent 64-byte vector accumulators, OpenMP
  ``num_threads(n)``, no software prefetch: it made the probe 2x slower here),
  compiled once with the system ``cc -O3 -march=native -fopenmp`` into a cache directory
  and loaded with ctypes; skipped if no compiler.
- ``gdfast``: used if the installed gdfast exposes a probe (``gdfast.read_bandwidth`` or
  ``gdfast._core.read_bandwidth(nbytes, n_threads) -> GB/s``).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import pathlib
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["PROBES", "Bandwidth", "Reader", "measure", "register_probe"]

# probe(buffer, n_threads) -> seconds for one read pass of buffer (None = unavailable)
Probe = Callable[[np.ndarray, int], float]
PROBES: dict[str, Callable[[], Probe | None]] = {}

_CHUNK = 1 << 20  # elements (8 MiB) per task for the threaded numpy probe


def register_probe(name: str, factory: Callable[[], Probe | None]) -> None:
    """Add a probe: ``factory()`` returns ``probe(buf, n_threads) -> seconds`` or None if
    the probe is unavailable on this machine."""
    PROBES[name] = factory


def _numpy_sum() -> Probe:
    pools: dict[int, ThreadPoolExecutor] = {}

    def run(buf: np.ndarray, n_threads: int) -> float:
        chunks = [buf[i : i + _CHUNK] for i in range(0, buf.size, _CHUNK)]
        t0 = time.perf_counter()
        if n_threads == 1:
            total = sum(float(np.add.reduce(c)) for c in chunks)
        else:
            pool = pools.setdefault(n_threads, ThreadPoolExecutor(n_threads))
            total = sum(pool.map(lambda c: float(np.add.reduce(c)), chunks))
        dt = time.perf_counter() - t0
        assert total == total  # noqa: PLR0124 (keep the result alive; NaN check)
        return dt

    return run


def _blas_dot() -> Probe:
    from threadpoolctl import threadpool_limits

    def run(buf: np.ndarray, n_threads: int) -> float:
        with threadpool_limits(limits=n_threads, user_api="blas"):
            t0 = time.perf_counter()
            float(buf @ buf)
            return time.perf_counter() - t0

    return run


_C_SRC = r"""
#include <string.h>
#include <omp.h>
typedef double v8d __attribute__((vector_size(64)));  /* 4 independent 64-byte accumulators */
double gdfast_bw_sum(const double* x, long n, int n_threads) {
    double total = 0.0;
    #pragma omp parallel num_threads(n_threads) reduction(+:total)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        long lo = n * t / nt, hi = n * (t + 1) / nt, i = lo;
        v8d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, v0, v1, v2, v3;
        for (; i + 32 <= hi; i += 32) {
            memcpy(&v0, x + i, 64); memcpy(&v1, x + i + 8, 64);
            memcpy(&v2, x + i + 16, 64); memcpy(&v3, x + i + 24, 64);
            a0 += v0; a1 += v1; a2 += v2; a3 += v3;
        }
        a0 += a1 + a2 + a3;
        double s = 0.0;
        for (int j = 0; j < 8; ++j) s += a0[j];
        for (; i < hi; ++i) s += x[i];
        total = s;
    }
    return total;
}
"""


def _cache_dir() -> pathlib.Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(tempfile.gettempdir())
    return pathlib.Path(base) / "gdfast-bench"


@functools.lru_cache(maxsize=1)
def _c_lib() -> ctypes.CDLL | None:
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if cc is None:
        return None
    flags = ["-O3", "-march=native", "-fopenmp", "-shared", "-fPIC"]
    tag = hashlib.sha1((_C_SRC + " ".join(flags)).encode()).hexdigest()[:12]
    d = _cache_dir()
    d.mkdir(parents=True, exist_ok=True)
    so = d / f"bw_{tag}.so"
    if not so.exists():
        src = d / f"bw_{tag}.c"
        src.write_text(_C_SRC)
        tmp = d / f"bw_{tag}.{os.getpid()}.so"
        r = subprocess.run([cc, *flags, str(src), "-o", str(tmp)], capture_output=True)
        if r.returncode != 0:
            return None
        tmp.replace(so)
    lib = ctypes.CDLL(str(so))
    lib.gdfast_bw_sum.restype = ctypes.c_double
    lib.gdfast_bw_sum.argtypes = [ctypes.c_void_p, ctypes.c_long, ctypes.c_int]
    return lib


def _c_omp() -> Probe | None:
    lib = _c_lib()
    if lib is None:
        return None

    def run(buf: np.ndarray, n_threads: int) -> float:
        t0 = time.perf_counter()
        lib.gdfast_bw_sum(buf.ctypes.data, buf.size, n_threads)
        return time.perf_counter() - t0

    return run


def _gdfast() -> Probe | None:
    try:
        import gdfast
    except ImportError:
        return None
    fn = getattr(gdfast, "read_bandwidth", None)
    if fn is None:
        core = getattr(gdfast, "_core", None)
        fn = getattr(core, "read_bandwidth", None)
    if fn is None:
        return None

    def run(buf: np.ndarray, n_threads: int) -> float:
        gbs = float(fn(buf.nbytes, n_threads))
        return buf.nbytes / (gbs * 1e9)

    return run


register_probe("numpy-sum", _numpy_sum)
register_probe("blas-dot", _blas_dot)
register_probe("c-omp", _c_omp)
register_probe("gdfast", _gdfast)


class Bandwidth(dict):
    """``{n_threads: GB/s}`` (max over probes) plus ``.detail[(probe, n_threads)] = GB/s``."""

    detail: dict[tuple[str, int], float]

    def best_probe(self, n_threads: int) -> str:
        cand = {p: v for (p, t), v in self.detail.items() if t == n_threads}
        return max(cand, key=cand.__getitem__)


def measure(
    threads: tuple[int, ...] = (1, 2),
    nbytes: int | None = None,
    repeat: int = 5,
    probes: tuple[str, ...] | None = None,
) -> Bandwidth:
    """Read bandwidth in GB/s for each thread count (max over the available probes)."""
    if nbytes is None:
        nbytes = int(float(os.environ.get("GDFAST_BENCH_BW_MB", "1024")) * 2**20)
    buf = np.empty(nbytes // 8, dtype=np.float64)
    buf.fill(1.0)  # touch every page before timing
    out = Bandwidth()
    out.detail = {}
    for name in probes or tuple(PROBES):
        probe = PROBES[name]()
        if probe is None:
            continue
        for t in threads:
            probe(buf, t)  # warm-up
            ts = [probe(buf, t) for _ in range(repeat)]
            out.detail[(name, t)] = buf.nbytes / statistics.median(ts) / 1e9
    for t in threads:
        out[t] = max(v for (_, tt), v in out.detail.items() if tt == t)
    del buf
    return out


class Reader:
    """The fastest probe of a ``measure()`` run, to be timed beside a kernel.

    ``fn(t)`` reads this reader's own buffer at ``t`` threads; put it in the same
    ``median_time`` call as the kernel and ``gbs(seconds)`` turns its median into the
    bandwidth of the same minutes as the kernel's time. On this project's VM the host
    moves a pass, and the read rate, by 20-40 % within an hour, so a bound taken once at
    the start of a 15-minute run can flatter or wrong the passes timed later.
    """

    def __init__(self, bw: Bandwidth, nbytes: int | None = None) -> None:
        if nbytes is None:
            nbytes = int(float(os.environ.get("GDFAST_BENCH_BW_MB", "1024")) * 2**20)
        self.buf = np.empty(nbytes // 8, dtype=np.float64)
        self.buf.fill(1.0)
        self.probe = {t: bw.best_probe(t) for t in bw}
        self._run: dict[int, Probe] = {}
        for t, name in self.probe.items():
            run = PROBES[name]()
            if run is None:  # (it ran in measure(): cannot happen in the same process)
                msg = f"probe {name} is no longer available"
                raise RuntimeError(msg)
            self._run[t] = run

    def fn(self, n_threads: int) -> Callable[[], float]:
        return lambda: self._run[n_threads](self.buf, n_threads)

    def gbs(self, seconds: float) -> float:
        return self.buf.nbytes / seconds / 1e9


if __name__ == "__main__":
    bw = measure()
    for (p, t), v in sorted(bw.detail.items()):
        print(f"{p:10s} {t} thread(s): {v:6.1f} GB/s")
    for t, v in bw.items():
        print(f"max       {t} thread(s): {v:6.1f} GB/s  ({bw.best_probe(t)})")

"""Gradient pass: one fused objective + gradient (gdfast.objective) vs numpy's two GEMVs
(dense) or scipy.sparse's two CSR products, at 1 and 2 threads, float64 and float32.

Group ``gradient-<workload>-<loss>-<dtype>-<threads>t``; every result is checked against
the float64 numpy reference. Bandwidth bound and GB/s: see run_all.py / RESULTS.md.
"""

from __future__ import annotations

import pytest

import _impls
from _workloads import get, nbytes

CASES = [("W1", "squared"), ("W3", "log"), ("W4", "log"), ("W4", "hinge")]
THREADS = [1, 2]


def _impls_for(workload: str) -> list[str]:
    return ["gdfast", "scipy"] if workload == "W4" else ["gdfast", "numpy"]


PARAMS = [
    pytest.param(w, loss, impl, t, id=f"{w}-{loss}-{impl}-{t}t")
    for (w, loss) in CASES
    for t in THREADS
    for impl in _impls_for(w)
    if not (impl == "scipy" and t > 1)  # scipy.sparse matvec is single-threaded
]


@pytest.mark.parametrize(("workload", "loss", "impl", "n_threads"), PARAMS)
def test_bench_gradient(benchmark, require_impl, dtype, workload, loss, impl, n_threads):
    require_impl(impl)
    wl = get(workload, dtype)
    w, b = _impls.probe_point(wl)
    w = w.astype(wl.dtype)
    fn = _impls.GRADIENT[impl]
    benchmark.group = f"gradient-{workload}-{loss}-{dtype}-{n_threads}t"
    benchmark.extra_info.update(bytes=nbytes(wl.X), n_threads=n_threads)
    result = benchmark(fn, wl, loss, w, b, n_threads)
    _impls.assert_gradient_close(wl, loss, result)

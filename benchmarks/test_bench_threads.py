"""Thread scaling: the same kernel at 1 and 2 threads in one group.

- ``threads-fullbatch-<case>``: ``batch_size="full"`` descent, ``FULL_ITERS`` iterations,
  beside scipy L-BFGS-B on the numpy objective (BLAS limited to the same thread count)
  for the same number of iterations.
- ``threads-minibatch-<case>``: one mini-batch epoch (batch 256).
- ``threads-objective-<case>``: one fused objective + gradient pass beside numpy's.

Checks: the result does not depend on the thread count (DESIGN.md: fixed-order block
reductions), and the objective decreased.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.optimize
from threadpoolctl import threadpool_limits

import _impls
from _workloads import get

CASES = [("W1", "squared"), ("W3", "log"), ("W4", "log")]
IDS = [f"{w}-{l}" for w, l in CASES]
FULL_ITERS = 10
THREADS = [1, 2]

_SEEN: dict[tuple, float] = {}


def _same_across_threads(key: tuple, p: float, rtol: float) -> None:
    if key in _SEEN:
        assert abs(p - _SEEN[key]) <= rtol * abs(_SEEN[key]), (p, _SEEN[key])
    else:
        _SEEN[key] = p


def _p(wl, loss, coef, intercept) -> float:
    return _impls.objective_value(wl, loss, coef, intercept)


def _p0(wl, loss) -> float:
    return _p(wl, loss, np.zeros(wl.n_features), 0.0)


def lbfgs_numpy(wl, loss, iters: int, n_threads: int):
    y = np.ascontiguousarray(wl.y, dtype=np.float64)
    d = wl.n_features

    def f(x):
        v, g, gb = _impls.np_objective(wl.X, y, x[:d], x[d], loss=loss, alpha=wl.alpha)
        return v, np.append(g, gb)

    with threadpool_limits(limits=n_threads, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = scipy.optimize.minimize(f, np.zeros(d + 1), jac=True, method="L-BFGS-B",
                                    options={"maxiter": iters, "gtol": 0, "ftol": 0})
    return r.x[:d], float(r.x[d])


@pytest.mark.parametrize("n_threads", THREADS, ids=[f"{t}t" for t in THREADS])
@pytest.mark.parametrize("impl", ["gdfast", "scipy-lbfgs"])
@pytest.mark.parametrize(("workload", "loss"), CASES, ids=IDS)
def test_bench_threads_fullbatch(benchmark, require_impl, workload, loss, impl,
                                 n_threads):
    require_impl(impl)
    wl = get(workload, "f64")
    benchmark.group = f"threads-fullbatch-{workload}-{loss}"
    if impl == "gdfast":
        coef, b = benchmark(_impls.gd_sgd, wl, loss, FULL_ITERS, batch_size="full",
                            n_threads=n_threads, schedule={})
    else:
        coef, b = benchmark(lbfgs_numpy, wl, loss, FULL_ITERS, n_threads)
    p = _p(wl, loss, coef, b)
    assert np.isfinite(p) and p < _p0(wl, loss)
    _same_across_threads(("full", impl, workload, loss, wl.scale), p, 1e-9)


@pytest.mark.parametrize("n_threads", THREADS, ids=[f"{t}t" for t in THREADS])
@pytest.mark.parametrize(("workload", "loss"), CASES, ids=IDS)
def test_bench_threads_minibatch(benchmark, require_impl, workload, loss, n_threads):
    require_impl("gdfast")
    wl = get(workload, "f64")
    benchmark.group = f"threads-minibatch-{workload}-{loss}"
    coef, b = benchmark(_impls.gd_sgd, wl, loss, 1, batch_size=256, n_threads=n_threads,
                        schedule={"learning_rate": "auto"})
    p = _p(wl, loss, coef, b)
    assert np.isfinite(p) and p < _p0(wl, loss)
    _same_across_threads(("mb", workload, loss, wl.scale), p, 1e-7)


@pytest.mark.parametrize("n_threads", THREADS, ids=[f"{t}t" for t in THREADS])
@pytest.mark.parametrize("impl", ["gdfast", "numpy"])
@pytest.mark.parametrize(("workload", "loss"), CASES, ids=IDS)
def test_bench_threads_objective(benchmark, require_impl, workload, loss, impl,
                                 n_threads):
    require_impl(impl)
    wl = get(workload, "f64")
    if impl == "numpy" and wl.sparse:
        impl = "scipy"
    w, b = _impls.probe_point(wl)
    benchmark.group = f"threads-objective-{workload}-{loss}"
    result = benchmark(_impls.GRADIENT[impl], wl, loss, w, b, n_threads)
    _impls.assert_gradient_close(wl, loss, result)

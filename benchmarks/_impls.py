"""Implementations compared by the benchmarks, shared by the pytest files and run_all.py.

- ``np_objective``: the contract's P(w, b) (value + gradient) in numpy, float64 reference.
- ``GRADIENT[impl](wl, loss, w, b, n_threads) -> (value, grad_w, grad_b)``: one fused
  objective + gradient pass by gdfast / numpy (two GEMVs, BLAS limited to n_threads) /
  scipy.sparse (CSR @, single-threaded).
- ``EPOCH[impl](wl, loss, n_epochs, ...) -> (coef, intercept)``: SGD epochs by gdfast and
  scikit-learn with the same loss, alpha and schedule.
- ``sk_mapping``: how scikit-learn's C / alpha map onto the contract's alpha.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

__all__ = [
    "EPOCH",
    "GRADIENT",
    "gdfast",
    "gdfast_fit",
    "np_objective",
    "objective_value",
]

try:  # the benchmarks run (and skip gdfast) before the first build has landed
    import gdfast
except ImportError:  # pragma: no cover
    gdfast = None


# ----------------------------------------------------------------- numpy objective
def _loss_and_dp(loss: str, p: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """sum_i L(y_i, p_i) and dL/dp (same dtype as p)."""
    if loss in ("squared", "squared_error"):
        r = p - y
        return 0.5 * float(r @ r), r
    z = y * p
    if loss == "hinge":
        m = z < 1
        return float(np.sum(1 - z[m])), np.where(m, -y, 0).astype(p.dtype, copy=False)
    if loss == "squared_hinge":
        h = np.maximum(0, 1 - z)
        return float(h @ h), (-2 * y * h).astype(p.dtype, copy=False)
    if loss in ("log", "log_loss"):
        val = float(np.sum(np.logaddexp(0, -z)))
        with np.errstate(over="ignore"):
            e = np.exp(np.minimum(z, 700))  # stable sigma(-z) = 1 / (1 + e^z)
        return val, (-y / (1 + e)).astype(p.dtype, copy=False)
    msg = f"np_objective: unsupported loss {loss!r}"
    raise ValueError(msg)


def np_objective(
    X: np.ndarray | sp.csr_matrix,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    *,
    loss: str,
    alpha: float,
    grad: bool = True,
) -> tuple[float, np.ndarray | None, float | None]:
    """The contract's P(w, b) = mean_i L(y_i, x_i.w + b) + alpha/2 ||w||^2 and its gradient,
    computed in X's dtype by numpy: ``p = X @ w + b`` then ``g = X.T @ dL / n + alpha w``
    (the two-GEMV baseline of BENCHMARKS.md)."""
    n = X.shape[0]
    p = X @ w
    p += b
    lsum, dp = _loss_and_dp(loss, p, y)
    val = lsum / n + 0.5 * alpha * float(w @ w)
    if not grad:
        return val, None, None
    g = X.T @ dp
    g /= n
    g += alpha * w
    return val, g, float(dp.sum()) / n


def objective_value(wl: Any, loss: str, coef: np.ndarray, intercept: float) -> float:
    """P(w, b) in float64 on the float64 version of the workload (used to score every
    solver, including scikit-learn's, under the one convention)."""
    from _workloads import get

    ref = get(wl.name, "f64", wl.scale) if wl.dtype != np.float64 else wl
    w = np.asarray(coef, dtype=np.float64).ravel()
    return np_objective(ref.X, ref.y, w, float(intercept), loss=loss, alpha=ref.alpha,
                        grad=False)[0]


# ----------------------------------------------------------------- gradient pass
_Y_CACHE: dict[tuple[int, str], np.ndarray] = {}


def _y(wl: Any) -> np.ndarray:
    key = (id(wl.X), str(wl.dtype))
    if key not in _Y_CACHE:
        _Y_CACHE[key] = np.ascontiguousarray(wl.y, dtype=wl.dtype)
    return _Y_CACHE[key]


def grad_numpy(wl: Any, loss: str, w: np.ndarray, b: float, n_threads: int):
    with threadpool_limits(limits=n_threads, user_api="blas"):
        return np_objective(wl.X, _y(wl), w.astype(wl.dtype, copy=False), b, loss=loss,
                            alpha=wl.alpha)


def grad_scipy(wl: Any, loss: str, w: np.ndarray, b: float, n_threads: int):
    """scipy.sparse CSR matvecs (single-threaded whatever n_threads says)."""
    if not wl.sparse:
        msg = "scipy gradient is for sparse workloads"
        raise ValueError(msg)
    return np_objective(wl.X, _y(wl), w.astype(wl.dtype, copy=False), b, loss=loss,
                        alpha=wl.alpha)


def grad_gdfast(wl: Any, loss: str, w: np.ndarray, b: float, n_threads: int):
    return gdfast.objective(wl.X, _y(wl), w.astype(wl.dtype, copy=False), b, loss=loss,
                            penalty="l2", alpha=wl.alpha, n_jobs=n_threads)


GRADIENT: dict[str, Callable[..., tuple[float, np.ndarray, float]]] = {
    "gdfast": grad_gdfast,
    "numpy": grad_numpy,
    "scipy": grad_scipy,
}


# ----------------------------------------------------------------- SGD epochs
SK_LOSS = {"squared": "squared_error", "log": "log_loss"}


def sk_sgd(wl: Any, loss: str, n_epochs: int = 1, *, average: bool = False,
           random_state: int = 0):
    """scikit-learn's SGDRegressor / SGDClassifier, ``n_epochs`` epochs, default schedule
    (regressor: invscaling eta0=0.01 power_t=0.25; classifier: optimal)."""
    from sklearn.linear_model import SGDClassifier, SGDRegressor

    cls = SGDRegressor if loss == "squared" else SGDClassifier
    est = cls(loss=SK_LOSS.get(loss, loss), penalty="l2", alpha=wl.alpha,
              max_iter=n_epochs, tol=None, shuffle=True, random_state=random_state,
              average=average)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached (on purpose)
        est.fit(wl.X, wl.y)
    return np.ravel(est.coef_), float(np.ravel(est.intercept_)[0])


def sk_schedule(loss: str) -> dict[str, Any]:
    """scikit-learn's default schedule for that loss, as gdfast.fit keywords."""
    if loss == "squared":
        return {"learning_rate": "invscaling", "eta0": 0.01, "power_t": 0.25}
    return {"learning_rate": "optimal"}


_FIT_PARAMS: set[str] | None = None


def gdfast_fit(wl: Any, loss: str, **kw: Any):
    """gdfast.fit on the workload; keywords gdfast.fit does not know are dropped (so a
    setting list can name parameters a later gdfast adds, e.g. ``solver``)."""
    global _FIT_PARAMS
    if _FIT_PARAMS is None:
        _FIT_PARAMS = set(inspect.signature(gdfast.fit).parameters)
    kw = {k: v for k, v in kw.items() if k in _FIT_PARAMS}
    kw.setdefault("penalty", "l2")
    kw.setdefault("track_objective", False)
    if "intercept_decay" in _FIT_PARAMS:
        kw.setdefault("intercept_decay", "auto")  # scikit-learn's convention (sparse: 0.01)
    return gdfast.fit(wl.X, _y(wl), loss=loss, alpha=wl.alpha, **kw)


def gd_sgd(wl: Any, loss: str, n_epochs: int = 1, *, batch_size: Any = 1,
           n_threads: int = 1, schedule: dict[str, Any] | None = None,
           random_state: int = 0, **kw: Any):
    """gdfast.fit for exactly ``n_epochs`` epochs (tol=None)."""
    sched = sk_schedule(loss) if schedule is None else schedule
    r = gdfast_fit(wl, loss, batch_size=batch_size, max_iter=n_epochs, tol=None,
                   shuffle=True, random_state=random_state, n_jobs=n_threads,
                   **sched, **kw)
    return r.coef, float(r.intercept)


EPOCH: dict[str, Callable[..., tuple[np.ndarray, float]]] = {
    "gdfast": gd_sgd,
    "sklearn": sk_sgd,
}


# ----------------------------------------------------------------- timing helper
def median_time(fns: dict[str, Callable[[], Any]], repeat: int = 5,
                warmup: int = 1, pause: float = 0.2, prime: bool = False) -> dict[str, float]:
    """Median wall time of each callable, calls interleaved (A B A B ...) after a warm-up.

    ``pause`` seconds of sleep before each timed call: thread pools keep spinning after
    a call (OpenBLAS for ~0.1 s, libgomp briefly), and a spinning pool of A would steal
    the cores B needs when both use 2 threads on a 2-core machine.

    ``prime``: after the pause, call the function once untimed, then time the next
    call. In the development VM a short 2-thread pass that follows 0.2 s of idleness
    takes up to twice as long as the same pass run back to back (a C++ loop alone
    shows it: 7-8 ms back to back, 10-20 ms after a 0.2 s sleep, W1 float32, the same
    kernel code; most likely the VM waking an idle core, not shown). Priming measures every
    library's steady-state call, as the bandwidth probe measures its passes (back to
    back after a warm-up), while the pause still keeps one library's spinning pool
    away from the next.
    """
    import statistics
    import time

    for _ in range(warmup):
        for f in fns.values():
            f()
    ts: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            if pause > 0:
                time.sleep(pause)
            if prime:
                f()
            t0 = time.perf_counter()
            f()
            ts[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in ts.items()}


# ----------------------------------------------------------------- reference points
def probe_point(wl: Any) -> tuple[np.ndarray, float]:
    """A fixed (w, b) at which gradients are compared: margins of both signs (x.w ~ N(0, 1)
    for the standardized dense data and for the unit-norm W4 rows)."""
    rng = np.random.default_rng(123)
    w = rng.standard_normal(wl.n_features)
    if not wl.sparse:
        w /= np.sqrt(wl.n_features)
    return w, 0.1


_REF: dict[tuple[str, str, float], tuple[float, np.ndarray, float]] = {}


def reference_gradient(wl: Any, loss: str) -> tuple[float, np.ndarray, float]:
    """(value, grad_w, grad_b) at probe_point, numpy in float64 on the float64 data."""
    from _workloads import get

    key = (wl.name, loss, wl.scale)
    if key not in _REF:
        ref = get(wl.name, "f64", wl.scale)
        w, b = probe_point(ref)
        _REF[key] = np_objective(ref.X, ref.y, w, b, loss=loss, alpha=ref.alpha)
    return _REF[key]


def assert_gradient_close(wl: Any, loss: str, result: tuple) -> None:
    """A gradient pass result matches the float64 numpy reference (relative norms)."""
    val, g, gb = result
    rval, rg, rgb = reference_gradient(wl, loss)
    tol = 1e-9 if wl.dtype == np.float64 else 2e-3
    g = np.asarray(g, dtype=np.float64)
    assert abs(val - rval) <= tol * abs(rval), (val, rval)
    err = np.linalg.norm(g - rg) / np.linalg.norm(rg)
    assert err <= tol, f"relative gradient error {err:.2e} > {tol:.0e}"
    assert abs(gb - rgb) <= tol * (abs(rgb) + np.linalg.norm(rg)), (gb, rgb)

"""Time to accuracy: wall time until the relative suboptimality (P - P*) / |P*| falls below
1e-2, 1e-3 and 1e-4, for gdfast's settings and for the existing solvers.

Every solver is scored with the contract's objective (``_impls.np_objective``, float64,
on the float64 data) whatever objective it minimises itself:

    P(w, b) = (1/n) sum_i L(y_i, x_i.w + b) + alpha/2 ||w||^2      (b not penalised)

scikit-learn mappings (n = number of samples):
- ``Ridge(alpha=A)`` minimises ||y - Xw - b||^2 + A||w||^2      -> A = alpha * n (exact).
- ``LogisticRegression(C)`` minimises C sum_i L + 1/2||w||^2    -> C = 1 / (alpha * n);
  the lbfgs / newton-* / sag(a) solvers do not penalise b (exact); ``liblinear`` does
  (as 1/2 (b / intercept_scaling)^2).
- ``LinearSVC(C)`` minimises 1/2||w||^2 + C sum_i L and **penalises the intercept**
  (liblinear appends a constant feature ``intercept_scaling``): C = 1 / (alpha * n); its
  optimum is therefore slightly off the contract's, which can show as a floor.
- ``SGDClassifier/SGDRegressor(alpha)``: same convention as the contract.

A solver's trajectory: solvers with a per-iteration callback (scipy L-BFGS-B) are run
once and every iterate is time-stamped; every other solver is run with increasing
``max_iter`` (1, 2, 4, ... iterations, or 1, 2, 3, 5, 8, ... epochs), each run timed
from scratch, the point of a run being (its wall time, P of its result). A solver stops
when it has reached 1e-4, or when its next run alone would likely take longer than the
budget (``--budget`` seconds), or its runs used 3 budgets in total; L-BFGS-B stops after
``budget`` seconds.

P*: a tight reference solve (cached in benchmarks/.cache/pstar.json):
- squared: exact normal equations (float64, centred data);
- log, squared_hinge: L-BFGS-B then Newton-CG (Hessian-vector products in numpy);
- hinge: the better of liblinear dual coordinate descent (LinearSVC, tol=1e-8,
  intercept_scaling=10: the intercept penalty is then alpha/2 (b/10)^2, negligible) and a
  smoothing continuation (L-BFGS-B on the hinge with a quadratic centred on its kink,
  mu = 1e-2 ... 1e-6);
and finally P* = min(reference, every objective value any solver reached).

Usage:  python3 benchmarks/time_to_accuracy.py [--problems W1-squared,W4-log]
        [--budget 10] [--out benchmarks/plots]   (scale: GDFAST_BENCH_SCALE)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import scipy.optimize

HERE = pathlib.Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import _impls  # noqa: E402
from _workloads import PROBLEMS, Workload, bench_scale, problem  # noqa: E402

THRESHOLDS = (1e-2, 1e-3, 1e-4)
CACHE = HERE / ".cache" / "pstar.json"


# ======================================================================= P*
def _pack(wl: Workload, loss: str) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    d = wl.n_features
    y = wl.y

    def f(x: np.ndarray) -> tuple[float, np.ndarray]:
        v, g, gb = _impls.np_objective(wl.X, y, x[:d], x[d], loss=loss, alpha=wl.alpha)
        return v, np.append(g, gb)

    return f


def _hessp(wl: Workload, loss: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    d, n, X, y = wl.n_features, wl.n_samples, wl.X, wl.y

    def hp(x: np.ndarray, v: np.ndarray) -> np.ndarray:
        p = X @ x[:d] + x[d]
        if loss == "squared":
            D = np.ones(n)
        elif loss == "squared_hinge":
            D = 2.0 * (y * p < 1)
        else:  # log
            s = 0.5 * (1 + np.tanh(0.5 * p))  # sigma(p), stable
            D = s * (1 - s)
        q = D * (X @ v[:d] + v[d])
        return np.append(X.T @ q / n + wl.alpha * v[:d], q.sum() / n)

    return hp


def _pstar_squared(wl: Workload) -> tuple[float, np.ndarray]:
    X, y, n = wl.X, wl.y, wl.n_samples
    mu, ym = X.mean(axis=0), y.mean()
    G = (X.T @ X) / n - np.outer(mu, mu) + wl.alpha * np.eye(wl.n_features)
    w = np.linalg.solve(G, (X.T @ y) / n - mu * ym)
    b = ym - mu @ w
    return _impls.objective_value(wl, "squared", w, b), np.append(w, b)


def _pstar_smooth(wl: Workload, loss: str) -> tuple[float, np.ndarray]:
    f = _pack(wl, loss)
    x0 = np.zeros(wl.n_features + 1)
    r = scipy.optimize.minimize(f, x0, jac=True, method="L-BFGS-B",
                                options={"maxiter": 3000, "maxcor": 20, "gtol": 1e-11,
                                         "ftol": 1e-15})
    x = r.x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r2 = scipy.optimize.minimize(f, x, jac=True, hessp=_hessp(wl, loss),
                                     method="Newton-CG",
                                     options={"xtol": 1e-12, "maxiter": 100})
    if r2.fun < r.fun:
        x = r2.x
    d = wl.n_features
    return _impls.objective_value(wl, loss, x[:d], x[d]), x


def _pstar_hinge(wl: Workload) -> tuple[float, np.ndarray, str]:
    """min of (a) liblinear dual CD and (b) smoothing continuation: L-BFGS-B on the
    smoothed hinge L_mu (the kink replaced by a quadratic on |1 - z| < mu/2, centred on
    it; hinge <= L_mu <= hinge + mu/8, so the smoothed optimum is within mu/8 of P*) for
    mu = 1e-2 ... 1e-6 (120 iterations each), warm-started from (a), scored with the true
    hinge. Both values are reported, so the accuracy of P* can be judged."""
    from sklearn.svm import LinearSVC

    est = LinearSVC(loss="hinge", dual=True, C=1.0 / (wl.alpha * wl.n_samples),
                    tol=1e-8, max_iter=1000, intercept_scaling=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(wl.X, wl.y)
    w, b = est.coef_.ravel(), float(est.intercept_[0])
    p_lib = _impls.objective_value(wl, "hinge", w, b)

    X, y, n, d, alpha = wl.X, wl.y, wl.n_samples, wl.n_features, wl.alpha
    x = np.append(w, b)  # warm start: liblinear's solution
    for mu in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6):

        def f(x: np.ndarray, mu: float = mu) -> tuple[float, np.ndarray]:
            u = 1 - y * (X @ x[:d] + x[d])
            h = u + mu / 2
            lin, quad = h >= mu, (h > 0) & (h < mu)
            val = np.sum(u[lin]) + np.sum(h[quad] ** 2) / (2 * mu)
            dp = -y * np.where(lin, 1.0, np.where(quad, h / mu, 0.0))
            g = np.append(X.T @ dp / n + alpha * x[:d], dp.sum() / n)
            return val / n + 0.5 * alpha * float(x[:d] @ x[:d]), g

        x = scipy.optimize.minimize(f, x, jac=True, method="L-BFGS-B",
                                    options={"maxiter": 120, "gtol": 1e-12,
                                             "ftol": 1e-16}).x
    p_smooth = _impls.objective_value(wl, "hinge", x[:d], x[d])
    how = (f"min(liblinear dual CD tol=1e-8 max_iter=1000 intercept_scaling=10: {p_lib:.10g}, "
           f"centred smoothing continuation mu=1e-2..1e-6 + L-BFGS-B: {p_smooth:.10g})")
    if p_smooth < p_lib:
        return p_smooth, x, how
    return p_lib, np.append(w, b), how


def reference_pstar(key: str, scale: float, refresh: bool = False) -> dict[str, Any]:
    """{'pstar', 'method', 'seconds'} for a problem, from the cache if present."""
    cache: dict[str, Any] = {}
    if CACHE.exists():
        cache = json.loads(CACHE.read_text())
    ck = f"{key}@{scale:g}"
    if ck in cache and not refresh:
        return cache[ck]
    pr = problem(key)
    wl = pr.load("f64", scale)
    t0 = time.perf_counter()
    if pr.loss == "squared":
        p, _ = _pstar_squared(wl)
        method = "normal equations (exact)"
    elif pr.loss == "hinge":
        p, _, method = _pstar_hinge(wl)
    else:
        p, _ = _pstar_smooth(wl, pr.loss)
        method = "L-BFGS-B (gtol 1e-11) + Newton-CG"
    entry = {"pstar": p, "method": method, "seconds": time.perf_counter() - t0}
    cache[ck] = entry
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True))
    return entry


# ======================================================================= solvers
@dataclasses.dataclass
class Trace:
    solver: str
    family: str  # "gdfast" | "scipy" | "sklearn"
    points: list[tuple[float, float]]  # (seconds, P) in time order
    note: str = ""
    error: str = ""

    def time_to(self, pstar: float, eps: float) -> float | None:
        for t, p in self.points:
            if (p - pstar) / abs(pstar) <= eps:
                return t
        return None

    def best(self, pstar: float) -> float:
        if not self.points:
            return float("nan")
        return (min(p for _, p in self.points) - pstar) / abs(pstar)


def _geometric(start: int = 1, factor: float = 1.4) -> Iterator[int]:
    """1, 2, 3, 4, 6, 8, 11, 15, ...: fine enough to place the threshold crossings of fast
    solvers within ~40% (every solver with an iteration count uses the same sequence)."""
    k = start
    while True:
        yield k
        k = max(k + 1, round(k * factor))


def _epochs() -> Iterator[int]:
    yield from (1, 2, 3, 5, 8, 13, 20, 30, 50, 80, 120, 200, 300, 500, 800, 1200)


def run_increasing(
    name: str, family: str, fit: Callable[[int], tuple[np.ndarray, float]],
    wl: Workload, loss: str, pstar: float, budget: float, ks: Iterator[int],
    note: str = "",
) -> Trace:
    """Run ``fit(k)`` for increasing k; each run timed from scratch."""
    tr = Trace(name, family, [], note)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit(1)  # warm-up (imports, thread pools, page faults)
            used, last = 0.0, 0.0
            for k in ks:
                # each run restarts from scratch: stop when the next run alone would
                # likely exceed the budget, or the runs so far used 3 budgets
                if tr.points and (1.8 * last > budget or used > 3 * budget):
                    break
                t0 = time.perf_counter()
                coef, b = fit(k)
                dt = time.perf_counter() - t0
                used += dt
                last = dt
                p = _impls.objective_value(wl, loss, coef, b)
                tr.points.append((dt, p))
                if (p - pstar) / abs(pstar) <= THRESHOLDS[-1] or not np.isfinite(p):
                    break
    except Exception as e:  # a failing solver is reported, not fatal
        tr.error = f"{type(e).__name__}: {e}"[:200]
    tr.points.sort()
    return tr


def run_lbfgs(
    name: str, family: str, f: Callable[[np.ndarray], tuple[float, np.ndarray]],
    wl: Workload, loss: str, pstar: float, budget: float, note: str = "",
) -> Trace:
    """scipy L-BFGS-B; every iterate time-stamped in the callback (copy only)."""
    d = wl.n_features
    tr = Trace(name, family, [], note)
    try:
        scipy.optimize.minimize(f, np.zeros(d + 1), jac=True, method="L-BFGS-B",
                                options={"maxiter": 2})  # warm-up
        xs: list[tuple[float, np.ndarray]] = []
        t0 = time.perf_counter()
        target = pstar + THRESHOLDS[-1] * abs(pstar)

        def cb(intermediate_result: scipy.optimize.OptimizeResult) -> None:
            t = time.perf_counter() - t0
            xs.append((t, intermediate_result.x.copy()))
            if intermediate_result.fun <= target or t > budget:
                raise StopIteration

        scipy.optimize.minimize(f, np.zeros(d + 1), jac=True, method="L-BFGS-B",
                                callback=cb,
                                options={"maxiter": 100_000, "gtol": 1e-12,
                                         "ftol": 1e-16})
        for t, x in xs:
            tr.points.append((t, _impls.objective_value(wl, loss, x[:d], x[d])))
    except Exception as e:
        tr.error = f"{type(e).__name__}: {e}"[:200]
    return tr


# ----------------------------------------------------------------- gdfast settings
# (label, dtype, fit kwargs, iteration schedule). Keywords gdfast.fit does not accept are
# dropped, so a setting may name a parameter a later gdfast adds (e.g. solver=...).
GDFAST_SETTINGS: list[tuple[str, str, dict[str, Any], str]] = [
    ("gdfast full-batch (auto = L-BFGS)", "f64", {"batch_size": "full"}, "iters"),
    ("gdfast full-batch f32", "f32", {"batch_size": "full"}, "iters"),
    ("gdfast full-batch gd + Nesterov", "f64",
     {"batch_size": "full", "solver": "gd", "nesterov": True}, "iters"),
    ("gdfast mini-batch 256", "f64", {"batch_size": 256, "learning_rate": "auto"},
     "epochs"),
    ("gdfast SGD averaged", "f64",
     {"batch_size": 1, "learning_rate": "auto", "average": True}, "epochs"),
    ("gdfast SGD (sklearn schedule)", "f64", {"batch_size": 1, "schedule": "sklearn"},
     "epochs"),
]


def add_gdfast_setting(label: str, dtype: str, kwargs: dict[str, Any],
                       schedule: str = "epochs") -> None:
    GDFAST_SETTINGS.append((label, dtype, kwargs, schedule))


def _gdfast_traces(pr, wl64, pstar, budget, n_threads) -> list[Trace]:
    out = []
    for label, dtype, kw, sched in GDFAST_SETTINGS:
        wl = pr.load(dtype, wl64.scale)
        kw = dict(kw)
        if kw.pop("schedule", None) == "sklearn":
            kw.update(_impls.sk_schedule(pr.loss))

        def fit(k: int, wl=wl, kw=kw):
            r = _impls.gdfast_fit(wl, pr.loss, max_iter=k, tol=None, random_state=0,
                                  n_jobs=n_threads, **kw)
            return r.coef, float(r.intercept)

        ks = _geometric() if sched == "iters" else _epochs()
        out.append(run_increasing(label, "gdfast", fit, wl64, pr.loss, pstar, budget, ks))
    if _impls.gdfast is not None and hasattr(_impls.gdfast, "scipy_objective"):
        f = _impls.gdfast.scipy_objective(wl64.X, wl64.y, loss=pr.loss, penalty="l2",
                                          alpha=wl64.alpha, fit_intercept=True,
                                          n_jobs=n_threads)
        out.append(run_lbfgs("scipy L-BFGS-B (gdfast.objective)", "gdfast+scipy", f,
                             wl64, pr.loss, pstar, budget))
    return out


# ----------------------------------------------------------------- existing solvers
def _sk(est_factory: Callable[[int], Any], wl: Workload):
    def fit(k: int):
        est = est_factory(k)
        est.fit(wl.X, wl.y)
        return np.ravel(est.coef_), float(np.ravel(est.intercept_)[0])

    return fit


def _baseline_traces(pr, wl, pstar, budget) -> list[Trace]:
    from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier, SGDRegressor
    from sklearn.svm import LinearSVC

    n, alpha, loss = wl.n_samples, wl.alpha, pr.loss
    C = 1.0 / (alpha * n)
    out = [run_lbfgs("scipy L-BFGS-B (numpy)", "scipy", _pack(wl, loss), wl, loss,
                     pstar, budget)]
    runs: list[tuple[str, Callable[[int], Any], Iterator[int], str]] = []
    sk_loss = _impls.SK_LOSS.get(loss, loss)
    if loss == "squared":
        runs.append(("sklearn Ridge (cholesky)",
                     lambda k: Ridge(alpha=alpha * n, solver="cholesky"), iter([1]),
                     "direct solve: one point"))
        runs.append(("sklearn Ridge (sag)",
                     lambda k: Ridge(alpha=alpha * n, solver="sag", max_iter=k, tol=0,
                                     random_state=0), _epochs(), ""))
        runs.append(("sklearn SGDRegressor",
                     lambda k: SGDRegressor(alpha=alpha, max_iter=k, tol=None,
                                            random_state=0), _epochs(), ""))
    if loss in ("hinge", "squared_hinge"):
        runs.append(("sklearn LinearSVC (dual CD)",
                     lambda k: LinearSVC(loss=loss, dual=True, C=C, tol=1e-12,
                                         max_iter=k), _geometric(),
                     "liblinear; penalises the intercept"))
        if loss == "squared_hinge":
            runs.append(("sklearn LinearSVC (primal TRON)",
                         lambda k: LinearSVC(loss=loss, dual=False, C=C, tol=1e-12,
                                             max_iter=k), _geometric(),
                         "liblinear; penalises the intercept"))
    if loss == "log":
        solvers = ["lbfgs", "liblinear"] if wl.sparse else ["lbfgs", "newton-cholesky"]
        for s in solvers:
            note = "penalises the intercept" if s == "liblinear" else ""
            extra = {"dual": True} if s == "liblinear" else {}
            runs.append((f"sklearn LogisticRegression ({s})",
                         lambda k, s=s, extra=extra: LogisticRegression(
                             C=C, solver=s, tol=1e-12, max_iter=k, **extra),
                         _geometric(), note))
    if loss != "squared":
        runs.append((f"sklearn SGDClassifier ({sk_loss})",
                     lambda k: SGDClassifier(loss=sk_loss, alpha=alpha, max_iter=k,
                                             tol=None, random_state=0), _epochs(), ""))
        runs.append((f"sklearn SGDClassifier ({sk_loss}, averaged)",
                     lambda k: SGDClassifier(loss=sk_loss, alpha=alpha, max_iter=k,
                                             tol=None, random_state=0, average=True),
                     _epochs(), ""))
    for name, factory, ks, note in runs:
        out.append(run_increasing(name, "sklearn", _sk(factory, wl), wl, loss, pstar,
                                  budget, ks, note))
    return out


# ======================================================================= driver
@dataclasses.dataclass
class ProblemResult:
    key: str
    n_samples: int
    n_features: int
    pstar: float
    pstar_method: str
    pstar_reference: float
    traces: list[Trace]


def run_problem(key: str, scale: float, budget: float, n_threads: int = 2,
                log: Callable[[str], None] = print) -> ProblemResult:
    pr = problem(key)
    wl = pr.load("f64", scale)
    ref = reference_pstar(key, scale)
    log(f"[{key}] n={wl.n_samples} d={wl.n_features} P*={ref['pstar']:.10g} "
        f"({ref['method']}, {ref['seconds']:.1f} s)")
    pstar = ref["pstar"]
    traces: list[Trace] = []
    if _impls.gdfast is not None:
        traces += _gdfast_traces(pr, wl, pstar, budget, n_threads)
    traces += _baseline_traces(pr, wl, pstar, budget)
    observed = min((p for tr in traces for _, p in tr.points), default=pstar)
    final = min(pstar, observed)
    for tr in traces:
        ts = [tr.time_to(final, e) for e in THRESHOLDS]
        log(f"  {tr.solver:42s} " + "  ".join("    -   " if t is None else f"{t:8.3f}"
                                              for t in ts)
            + f"  best {tr.best(final):.1e}" + (f"  ERROR {tr.error}" if tr.error else ""))
    return ProblemResult(key, wl.n_samples, wl.n_features, final, ref["method"],
                         pstar, traces)


def plot(res: ProblemResult, out_dir: pathlib.Path) -> pathlib.Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, ax = plt.subplots(figsize=(10, 4.8))
    styles = {"gdfast": "-", "gdfast+scipy": "-.", "scipy": "--", "sklearn": ":"}
    for tr in res.traces:
        if not tr.points:
            continue
        t = np.array([p[0] for p in tr.points])
        s = np.array([(p[1] - res.pstar) / abs(res.pstar) for p in tr.points])
        s = np.maximum(s, 1e-10)
        ax.plot(t, s, styles.get(tr.family, "-"), marker="o", ms=3, lw=1.6 if
                tr.family == "gdfast" else 1.2, label=tr.solver)
    for e in THRESHOLDS:
        ax.axhline(e, color="grey", lw=0.5)
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("wall time (s)")
    ax.set_ylabel("(P - P*) / |P*|")
    ax.set_title(f"{res.key}: n={res.n_samples:,}, d={res.n_features:,}")
    ax.set_ylim(1e-7, None)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"tta_{res.key}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    (out_dir / f"tta_{res.key}.json").write_text(json.dumps(dataclasses.asdict(res)))
    plt.close(fig)
    return path


def _fmt_t(t: float | None) -> str:
    return "—" if t is None else (f"{t:.3f}" if t < 10 else f"{t:.1f}")


def markdown(results: list[ProblemResult], plot_paths: dict[str, str]) -> str:
    """The time-to-accuracy section of RESULTS.md."""
    lines = []
    summary = ["| problem | gdfast best (1e-3) | fastest other (1e-3) | ratio | "
               "gdfast best (1e-4) | fastest other (1e-4) | ratio | "
               "L-BFGS-B numpy / gdfast.objective (1e-4) |",
               "|---|---|---|---|---|---|---|---|"]
    for res in results:
        lines.append(f"#### {res.key} (n={res.n_samples:,}, d={res.n_features:,})")
        lines.append("")
        lines.append(f"P* = {res.pstar:.10g} (reference: {res.pstar_method}; "
                     f"min over all solvers' iterates "
                     f"{'improved it' if res.pstar < res.pstar_reference else 'did not improve it'}"
                     f"; reference - P* = {res.pstar_reference - res.pstar:.1e}).")
        lines.append("")
        lines.append("| solver | t(1e-2) s | t(1e-3) s | t(1e-4) s | best reached | runs | "
                     "note |")
        lines.append("|---|---|---|---|---|---|---|")
        for tr in res.traces:
            ts = [tr.time_to(res.pstar, e) for e in THRESHOLDS]
            note = tr.note + (f" ERROR {tr.error}" if tr.error else "")
            lines.append(f"| {tr.solver} | " + " | ".join(_fmt_t(t) for t in ts)
                         + f" | {tr.best(res.pstar):.1e} | {len(tr.points)} | {note} |")
        lines.append("")
        if res.key in plot_paths:
            lines.append(f"![{res.key}]({plot_paths[res.key]})")
            lines.append("")

        def best_of(fams: tuple[str, ...], e: float) -> tuple[float | None, str]:
            cands = [(tr.time_to(res.pstar, e), tr.solver) for tr in res.traces
                     if tr.family in fams]
            cands = [c for c in cands if c[0] is not None]
            return min(cands) if cands else (None, "none reached")

        row = [res.key]
        for e in (1e-3, 1e-4):
            g, gn = best_of(("gdfast",), e)
            o, on = best_of(("scipy", "sklearn"), e)
            ratio = "—" if g is None or o is None else f"{o / g:.2f}×"
            row += [f"{_fmt_t(g)} ({gn})", f"{_fmt_t(o)} ({on})", ratio]
        lb = {tr.solver: tr.time_to(res.pstar, 1e-4) for tr in res.traces}
        a, b = lb.get("scipy L-BFGS-B (numpy)"), lb.get("scipy L-BFGS-B (gdfast.objective)")
        row.append("—" if a is None or b is None else f"{a / b:.2f}×")
        summary.append("| " + " | ".join(row) + " |")
    head = ["Ratio = fastest other solver's time / gdfast's best setting's time "
            "(> 1: gdfast faster). Times are single runs (wall clock), each solver "
            "restarted from w = 0 for every point.", ""]
    return "\n".join(head + summary + [""] + lines)


def main(argv: list[str] | None = None) -> list[ProblemResult]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--budget", type=float, default=10.0,
                    help="longest single run per solver and problem, seconds (default 10)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default=str(HERE / "plots"))
    ap.add_argument("--markdown", default=None, help="write the tables to this file")
    ap.add_argument("--refresh-pstar", action="store_true")
    args = ap.parse_args(argv)
    scale = bench_scale()
    results, paths = [], {}
    for key in args.problems.split(","):
        if args.refresh_pstar:
            reference_pstar(key, scale, refresh=True)
        res = run_problem(key, scale, args.budget, args.threads)
        results.append(res)
        p = plot(res, pathlib.Path(args.out))
        paths[key] = os.path.relpath(p, HERE)
    if args.markdown:
        pathlib.Path(args.markdown).write_text(markdown(results, paths))
    return results


if __name__ == "__main__":
    main()

"""``python -m gdfast demo``: gdfast beside scipy and scikit-learn on generated data.

``python -m gdfast config`` prints the build configuration.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from typing import Any, Callable

import numpy as np


def _objective_np(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, loss: str,
                  alpha: float) -> tuple[float, np.ndarray, float]:
    """Reference objective (numpy) -- used for scipy and for scoring every solver alike."""
    n = X.shape[0]
    p = X @ w + b
    if loss == "squared":
        r = p - y
        val, dl = 0.5 * np.mean(r * r), r
    else:  # hinge
        z = y * p
        val = np.mean(np.maximum(0.0, 1.0 - z))
        dl = np.where(z <= 1.0, -y, 0.0)
    g = X.T @ dl / n + alpha * w
    return float(val + 0.5 * alpha * w @ w), g, float(dl.mean())


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def demo(n_samples: int = 200_000, n_features: int = 50, seed: int = 0) -> None:
    import scipy.optimize
    from sklearn.datasets import make_classification, make_regression
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier, SGDRegressor
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    import gdfast

    alpha = 1e-4
    print(f"gdfast {gdfast.__version__} | SIMD {gdfast.config()['simd']} | "
          f"OpenMP threads {gdfast.config()['openmp_max_threads']}")
    print(f"data: {n_samples} x {n_features}, generated (seed {seed}), standardized, 75/25 split; "
          f"objective (1/n) sum L + alpha/2 ||w||^2, alpha={alpha}\n")
    problems = []
    Xr, yr = make_regression(n_samples=n_samples, n_features=n_features, n_informative=n_features // 2,
                             noise=10.0, random_state=seed)
    problems.append(("regression (squared loss)", "squared", Xr, yr / np.std(yr)))
    Xc, yc = make_classification(n_samples=n_samples, n_features=n_features,
                                 n_informative=n_features // 2, random_state=seed)
    problems.append(("linear SVM (hinge loss)", "hinge", Xc, np.where(yc > 0, 1.0, -1.0)))

    for title, loss, X, y in problems:
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed)
        sc = StandardScaler().fit(Xtr)
        Xtr = np.ascontiguousarray(sc.transform(Xtr))
        Xte = np.ascontiguousarray(sc.transform(Xte))
        d = Xtr.shape[1]

        def score(w: np.ndarray, b: float) -> float:
            p = Xte @ w + b
            if loss == "squared":
                return 1.0 - float(np.sum((yte - p) ** 2) / np.sum((yte - yte.mean()) ** 2))
            return float(np.mean(np.where(p >= 0, 1.0, -1.0) == yte))

        rows = []
        for label, kw in [
            ("gdfast full-batch (L-BFGS)", dict(batch_size="full", tol=1e-4)),
            ("gdfast SGD (batch_size=1)", dict(batch_size=1, max_iter=5, tol=None, average=True)),
            ("gdfast mini-batch (256)", dict(batch_size=256, max_iter=5, tol=None, average=True)),
        ]:
            res, t = _timed(lambda kw=kw: gdfast.fit(Xtr, ytr, loss=loss, alpha=alpha,
                                                       random_state=seed, **kw))
            rows.append((label, t, res.coef, res.intercept))

        def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
            v, g, gb = _objective_np(Xtr, ytr, x[:d], x[d], loss, alpha)
            return v, np.append(g, gb)

        res, t = _timed(lambda: scipy.optimize.minimize(fun, np.zeros(d + 1), jac=True,
                                                        method="L-BFGS-B",
                                                        options={"maxiter": 500}))
        rows.append(("scipy L-BFGS-B (numpy gradient)", t, res.x[:d], float(res.x[d])))
        fun_gd = gdfast.scipy_objective(Xtr, ytr, loss=loss, alpha=alpha)
        res, t = _timed(lambda: scipy.optimize.minimize(fun_gd, np.zeros(d + 1), jac=True,
                                                        method="L-BFGS-B",
                                                        options={"maxiter": 500}))
        rows.append(("scipy L-BFGS-B (gdfast gradient)", t, res.x[:d], float(res.x[d])))
        est = (SGDRegressor(alpha=alpha, max_iter=5, tol=None, average=True, random_state=seed)
               if loss == "squared" else
               SGDClassifier(loss="hinge", alpha=alpha, max_iter=5, tol=None, average=True,
                             random_state=seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            _, t = _timed(lambda: est.fit(Xtr, ytr))
        rows.append(("scikit-learn SGD (5 epochs, averaged)", t, est.coef_.ravel(),
                     float(np.ravel(est.intercept_)[0])))

        metric = "test R^2" if loss == "squared" else "test accuracy"
        print(f"== {title}")
        print(f"{'solver':<40}{'time [s]':>10}{'objective':>14}{metric:>15}")
        for label, t, w, b in rows:
            val = _objective_np(Xtr, ytr, np.asarray(w, dtype=np.float64), b, loss, alpha)[0]
            print(f"{label:<40}{t:>10.3f}{val:>14.6f}{score(np.asarray(w), b):>15.4f}")
        print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gdfast", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="fit regression and SVM objectives; compare with scipy and scikit-learn")
    p_demo.add_argument("--n-samples", type=int, default=200_000)
    p_demo.add_argument("--n-features", type=int, default=50)
    p_demo.add_argument("--seed", type=int, default=0)
    sub.add_parser("config", help="print the build configuration")
    args = parser.parse_args(argv)
    if args.command == "config":
        import gdfast

        gdfast.show_config()
        return 0
    demo(args.n_samples, args.n_features, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The estimators as a scikit-learn user meets them, side by side with scikit-learn's:
default parameters (and random_state=0) on the small data sets bundled with
scikit-learn, and fit/score cycles (a grid search's pattern) on a generated
20,000 x 100 problem. Section 6 of RESULTS.md; standalone: prints the tables."""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable

import numpy as np
import sklearn.linear_model as sk_lm
import sklearn.svm as sk_svm
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import gdfast

SMALL = [("SGDClassifier", "breast_cancer"), ("SGDClassifier", "digits"),
         ("SGDRegressor", "diabetes"), ("LinearSVC", "breast_cancer"),
         ("LinearSVC", "digits"), ("LinearSVR", "diabetes")]
LOOP = [("SGDClassifier", "classification"), ("SGDRegressor", "regression"),
        ("LinearSVC", "classification"), ("LinearSVR", "regression")]
_LOADERS = {"breast_cancer": load_breast_cancer, "digits": load_digits,
            "diabetes": load_diabetes}


def _data(name: str, n: int = 20000) -> tuple[np.ndarray, np.ndarray]:
    if name in _LOADERS:
        X, y = _LOADERS[name](return_X_y=True)
    elif name == "classification":
        X, y = make_classification(n, 100, n_informative=20, random_state=0)
    else:
        X, y = make_regression(n, 100, n_informative=20, noise=10.0, random_state=0)
    return np.ascontiguousarray(StandardScaler().fit_transform(X)), y


def _pair(cls: str) -> dict[str, Any]:
    mod = sk_svm if cls.startswith("Linear") else sk_lm
    return {"gdfast": getattr(gdfast, cls)(random_state=0),
            "sklearn": getattr(mod, cls)(random_state=0)}


def _times(fns: dict[str, Callable[[], Any]], rounds: int, per_round: int) -> dict[str, float]:
    """Median seconds of a call: `rounds` rounds, the implementations alternating, each
    round `per_round` calls back to back after one untimed call."""
    ts: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for k, f in fns.items():
            f()
            for _ in range(per_round):
                t = time.perf_counter()
                f()
                ts[k].append(time.perf_counter() - t)
    return {k: float(np.median(v)) for k, v in ts.items()}


def _header(*cols: str) -> list[str]:
    return ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]


def _cases(cases: list[tuple[str, str]], n: int) -> Any:
    """(estimator name, data name, X, y, {"gdfast": est, "sklearn": est}) per case."""
    for cls, name in cases:
        X, y = _data(name, n)
        yield cls, name, X, y, _pair(cls)


def small_data_section(rounds: int = 5, per_round: int = 10, n_loop: int = 20000,
                       log: Callable[[str], None] = print,
                       record: list[dict[str, Any]] | None = None) -> list[str]:
    """The section's markdown lines; `record` (if given) receives one dict per row."""
    out = ["## 6. Estimators on small data and in fit/score cycles", "",
           "Default parameters and `random_state=0` on both sides, X standardized. "
           "Small: the data sets bundled with scikit-learn; fit time, median of "
           f"{rounds} × {per_round} back-to-back fits (the implementations alternating "
           "by round). On data this small, Python-side validation is most of a fit.", "",
           *_header("estimator", "data", "n × d", "gdfast ms", "scikit-learn ms", "speed-up",
                    "score gdfast", "score scikit-learn")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        out += _small_rows(rounds, per_round, log, record)
        out += _loop_rows(rounds, n_loop, log, record)
    out.append("")
    return out


def _small_rows(rounds: int, per_round: int, log: Callable[[str], None],
                record: list[dict[str, Any]] | None) -> list[str]:
    out: list[str] = []
    for cls, name, X, y, ests in _cases(SMALL, 0):
        tm = _times({k: (lambda e=e: e.fit(X, y)) for k, e in ests.items()}, rounds,
                    per_round)
        sc = {k: e.fit(X, y).score(X, y) for k, e in ests.items()}
        row = (f"| {cls} | {name} | {X.shape[0]} × {X.shape[1]} | "
               f"{tm['gdfast'] * 1e3:.2f} | {tm['sklearn'] * 1e3:.2f} | "
               f"{tm['sklearn'] / tm['gdfast']:.2f}× | {sc['gdfast']:.4f} | "
               f"{sc['sklearn']:.4f} |")
        out.append(row)
        log(row)
        if record is not None:
            record.append(dict(estimator=cls, data=name, time=tm, score=sc))
    return out


def _loop_rows(rounds: int, n_loop: int, log: Callable[[str], None],
               record: list[dict[str, Any]] | None) -> list[str]:
    out = ["", "Fit/score cycles (`est.fit(X, y); est.score(X, y)` back to back, as a "
            f"grid search runs them) on a generated {n_loop:,} × 100 problem "
            "(`make_classification` / `make_regression`, 20 informative features). "
            "gdfast's `n_jobs=None` uses both threads; scikit-learn's SGD and liblinear "
            "fit a binary problem on one. Median of "
            f"{max(3, rounds)} × 3 cycles.", "",
            *_header("estimator", "gdfast ms (n_jobs=None)", "gdfast ms (n_jobs=1)",
                     "scikit-learn ms", "speed-up", "n_iter_ gdfast / scikit-learn",
                     "score gdfast", "score scikit-learn")]
    for cls, name, X, y, ests in _cases(LOOP, n_loop):
        ests["gdfast1"] = getattr(gdfast, cls)(random_state=0, n_jobs=1)
        tm = _times({k: (lambda e=e: e.fit(X, y).score(X, y)) for k, e in ests.items()},
                    max(3, rounds), 3)
        sc = {k: e.fit(X, y).score(X, y) for k, e in ests.items()}
        n_it = {k: int(np.max(e.n_iter_)) for k, e in ests.items()}
        row = (f"| {cls} | {tm['gdfast'] * 1e3:.1f} | {tm['gdfast1'] * 1e3:.1f} | "
               f"{tm['sklearn'] * 1e3:.1f} | {tm['sklearn'] / tm['gdfast']:.2f}× | "
               f"{n_it['gdfast']} / {n_it['sklearn']} | {sc['gdfast']:.4f} | "
               f"{sc['sklearn']:.4f} |")
        out.append(row)
        log(row)
        if record is not None:
            record.append(dict(estimator=cls, data=name, time=tm, score=sc, n_iter=n_it))
    return out


if __name__ == "__main__":
    print("\n".join(small_data_section(log=lambda s: None)))

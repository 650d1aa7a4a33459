#!/usr/bin/env python3
"""Issue 3 figure: fit time gdfast vs scikit-learn, SGDClassifier(loss="hinge") on W2 and
SGDRegressor() on W1 (BENCHMARKS.md workloads), same max_iter, tol=None, interleaved."""
import sys, time, warnings
import numpy as np
sys.path.insert(0, __import__("os").path.dirname(__file__))
import _workloads as W
import gdfast
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning
warnings.simplefilter("ignore", ConvergenceWarning)
max_iter = 5
cases = [("W2", "f64", "SGDClassifier", dict(loss="hinge")), ("W1", "f64", "SGDRegressor", {}),
         ("W2", "f32", "SGDClassifier", dict(loss="hinge")), ("W1", "f32", "SGDRegressor", {})]
for w, dt, cls, kw in cases:
    wl = W.get(w, dt)
    X, y = wl.X, np.asarray(wl.y)
    ests = {"gdfast": getattr(gdfast, cls)(max_iter=max_iter, tol=None, random_state=0, **kw),
            "sklearn": getattr(sk, cls)(max_iter=max_iter, tol=None, random_state=0, **kw)}
    ts = {k: [] for k in ests}
    for rep in range(3):
        for k, e in ests.items():
            time.sleep(0.2)
            t = time.perf_counter(); e.fit(X, y); ts[k].append(time.perf_counter() - t)
    med = {k: float(np.median(v)) for k, v in ts.items()}
    sc = {k: e.score(X, y) for k, e in ests.items()}
    print(f"{cls} {w} {dt} max_iter={max_iter}: gdfast {med['gdfast']:.3f} s, sklearn {med['sklearn']:.3f} s, "
          f"sklearn/gdfast = {med['sklearn']/med['gdfast']:.2f}x; train score gdfast {sc['gdfast']:.4f} sklearn {sc['sklearn']:.4f}")

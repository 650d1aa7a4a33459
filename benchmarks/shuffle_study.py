"""Convergence of block shuffling (``shuffle_block``) against a uniform row shuffle.

For W1 (squared, scikit-learn's invscaling schedule), W2 (hinge) and W3 (log; optimal
schedule), as generated and with the rows sorted by label, the objective after 1, 3 and
10 per-sample SGD epochs: mean ± standard deviation over 3 seeds, for
``shuffle_block`` = 1 (uniform), 4, 8 (what "auto" uses on X >= 16 MiB) and 16. Label-
sorted data is the hard case for any order that keeps neighbouring rows together.

With ``--batch-size 256``: the same for mini-batch SGD (``learning_rate="auto"``, the
mini-batch default), where "auto" takes blocks of 16.

Usage:  python3 benchmarks/shuffle_study.py [--scale 1.0] [--blocks 1,4,8,16]
                                            [--batch-size 1]
Prints a markdown table (the one quoted in benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import gdfast  # noqa: E402
from _workloads import get  # noqa: E402

CASES = [("W1", "squared", "invscaling"), ("W2", "hinge", "optimal"),
         ("W3", "log", "optimal")]
EPOCHS = (1, 3, 10)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--blocks", default="1,4,8,16")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=1)
    args = ap.parse_args(argv)
    blocks = [int(b) for b in args.blocks.split(",")]
    print("| workload | row order | shuffle_block | "
          + " | ".join(f"P after {e} epoch{'s' if e > 1 else ''}" for e in EPOCHS)
          + " | s / epoch |")
    print("|---|---|---|" + "---|" * len(EPOCHS) + "---|")
    for name, loss, lr in CASES:
        wl = get(name, "f64", scale=args.scale)
        for order in ("as generated", "sorted by label"):
            X, y = wl.X, wl.y
            if order != "as generated":
                idx = np.argsort(y, kind="stable")
                X, y = np.ascontiguousarray(X[idx]), y[idx]
            for blk in blocks:
                cells, per_epoch = [], []
                for ep in EPOCHS:
                    vals = []
                    for seed in range(args.seeds):
                        t0 = time.perf_counter()
                        rate = lr if args.batch_size == 1 else "auto"
                        r = gdfast.fit(X, y, loss=loss, alpha=wl.alpha,
                                       batch_size=args.batch_size, learning_rate=rate,
                                       max_iter=ep, tol=None,
                                       random_state=seed, shuffle_block=blk, n_jobs=1,
                                       track_objective=False)
                        per_epoch.append((time.perf_counter() - t0) / ep)
                        vals.append(gdfast.objective(X, y, r.coef, r.intercept, loss=loss,
                                                     alpha=wl.alpha)[0])
                    cells.append(f"{np.mean(vals):.6g} ± {np.std(vals):.2g}")
                print(f"| {name} {loss} | {order} | {blk} | " + " | ".join(cells)
                      + f" | {np.median(per_epoch):.3f} |", flush=True)


if __name__ == "__main__":
    main()

"""CSR mini-batch SGD on 1 and 2 threads, as w grows beyond the caches.

W4's rows (200,000 x 50,000, ~50 stored values a row) and the same rows with their
columns spread over ``spread`` times as many columns (column j becomes j * spread + a
random offset below spread: same values, same sparsity, w ``spread`` times longer). For
each width, a ``--epochs``-epoch fit (log loss, constant step 0.1, no objective
tracking) on 1 and on 2 threads, calls alternated; the minimum and median of
``--repeat`` fits.

gdfast's thread selector gives a batch of 256 W4 rows (~12,800 stored values) one
thread whatever ``n_jobs`` says (fewer than 32,768 values a thread). This study bypasses
it (``gdfast._threads.WORK_PER_THREAD = 1``) to measure what two threads would do: on
W4 they lose (each batch touches most of w's cache lines, which then move between the
cores), on rows spread over ~1,000,000 columns and more they win. The evidence behind
the selector's rule for CSR mini-batches, and for changing it.

Usage:  python3 benchmarks/csr_threads_study.py [--spread 1,10,21,100]
            [--batch-size 256] [--epochs 4] [--repeat 3]
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

import numpy as np
import scipy.sparse as sp

HERE = pathlib.Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import gdfast  # noqa: E402
import gdfast._threads  # noqa: E402
from _workloads import get  # noqa: E402


def spread_columns(X: sp.csr_matrix, spread: int, seed: int = 0) -> sp.csr_matrix:
    """X with column j moved to j * spread + r (0 <= r < spread, random per value): the
    row's indices stay sorted and distinct."""
    if spread == 1:
        return X
    rng = np.random.default_rng(seed)
    idx = X.indices.astype(np.int64) * spread + rng.integers(0, spread, X.nnz)
    dtype = np.int32 if X.shape[1] * spread < 2**31 else np.int64
    return sp.csr_matrix((X.data, idx.astype(dtype), X.indptr.astype(dtype)),
                         shape=(X.shape[0], X.shape[1] * spread))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spread", default="1,10,21,100")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    gdfast._threads.WORK_PER_THREAD = 1  # the selector bypassed: n_jobs is obeyed
    wl = get("W4", "f64")
    print(f"W4 rows: {wl.X.shape[0]} x {wl.X.shape[1]}, nnz {wl.X.nnz}; batch "
          f"{args.batch_size}, {args.epochs} epochs, {args.repeat} fits each\n")
    print("| columns | w MB | 1 thread min / median ms | 2 threads min / median ms "
          "| 1 → 2 threads (min) |")
    print("|---|---|---|---|---|")
    for spread in (int(s) for s in args.spread.split(",")):
        X = spread_columns(wl.X, spread)

        def fit(n_jobs: int, epochs: int, X: sp.csr_matrix = X) -> None:
            gdfast.fit(X, wl.y, loss="log", batch_size=args.batch_size, max_iter=epochs,
                       tol=None, shuffle=True, random_state=0, n_jobs=n_jobs,
                       learning_rate="constant", eta0=0.1, track_objective=False)

        times: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(args.repeat):
            for nt in (1, 2):
                fit(nt, 1)  # warm: pages, the thread pool
                t0 = time.perf_counter()
                fit(nt, args.epochs)
                times[nt].append(time.perf_counter() - t0)
        t1, t2 = (min(times[nt]) * 1e3 for nt in (1, 2))
        m1, m2 = (statistics.median(times[nt]) * 1e3 for nt in (1, 2))
        print(f"| {X.shape[1]:,} | {X.shape[1] * 8 / 1e6:.1f} | {t1:.0f} / {m1:.0f} | "
              f"{t2:.0f} / {m2:.0f} | {t1 / t2:.2f}× |", flush=True)


if __name__ == "__main__":
    main()

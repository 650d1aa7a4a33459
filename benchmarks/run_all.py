"""Produce benchmarks/RESULTS.md and benchmarks/plots/*.png in one run.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/run_all.py

Options: ``--budget S`` (seconds per solver per problem in the time-to-accuracy part,
default 10), ``--repeat K`` (timed repetitions per figure, median quoted, default 7),
``--skip-tta``, ``--problems`` (subset of time-to-accuracy problems), ``--out FILE``.
Scale: GDFAST_BENCH_SCALE (default 1.0 = reference sizes).

Every figure is a median of interleaved repetitions after a warm-up, measured in this one
process, so ratios between implementations are side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import time
from typing import Any

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import _bandwidth  # noqa: E402
import _impls  # noqa: E402
import time_to_accuracy as tta  # noqa: E402
from _impls import median_time  # noqa: E402
from _workloads import bench_scale, get, nbytes  # noqa: E402

GD = _impls.gdfast
THREADS = (1, 2)
GRAD_CASES = [("W1", "squared"), ("W3", "log"), ("W4", "log")]
SGD_CASES = [("W1", "squared"), ("W2", "hinge"), ("W3", "log"), ("W4", "hinge"),
             ("W4", "log")]
MB_CASES = [("W1", "squared"), ("W2", "hinge"), ("W3", "log"), ("W4", "log")]
BATCH = 256
FULL_ITERS = 10


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _cmd(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""


def machine_section(bw: _bandwidth.Bandwidth, argv: list[str]) -> list[str]:
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    lscpu = _cmd(["lscpu"])
    info = {}
    for line in lscpu.splitlines():
        k, _, v = line.partition(":")
        info[k.strip()] = v.strip()
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    isa = [f for f in ("avx512f", "avx2", "fma") if f in info.get("Flags", "").split()]
    out = ["## Machine and software", ""]
    out.append(f"- CPU: {info.get('Model name', platform.processor())}, "
               f"{info.get('CPU(s)', '?')} logical CPUs "
               f"({info.get('Core(s) per socket', '?')} cores/socket, "
               f"{info.get('Thread(s) per core', '?')} thread/core), "
               f"L2 {info.get('L2 cache', '?')}, L3 {info.get('L3 cache', '?')} "
               f"(as reported inside the VM: {info.get('Hypervisor vendor', 'bare metal')}), "
               f"ISA: {', '.join(isa)}; memory {mem}")
    out.append(f"- Python {platform.python_version()}, numpy {np.__version__}, "
               f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
               f"gdfast {getattr(GD, '__version__', 'not importable') if GD else 'not importable'}")
    if GD is not None and hasattr(GD, "config"):
        try:
            cfg = GD.config()
            out.append(f"- gdfast.config(): `{json.dumps(cfg, default=str)}`")
        except Exception as e:  # noqa: BLE001
            out.append(f"- gdfast.config() failed: {e}")
    for i in threadpool_info():
        out.append(f"- threadpoolctl: {i.get('user_api')} {i.get('internal_api')} "
                   f"{i.get('version')} arch={i.get('architecture')} "
                   f"threads={i.get('num_threads')} ({os.path.basename(i['filepath'])})")
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                          "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                          "GDFAST_BENCH_SCALE")}
    out.append(f"- environment: {', '.join(f'{k}={v}' for k, v in env.items())}")
    out.append(f"- scale: {bench_scale():g} (1 = reference sizes); threads used: 1 and 2 "
               f"(gdfast n_jobs; numpy BLAS via threadpoolctl; scikit-learn's SGD and "
               f"liblinear are single-threaded)")
    try:
        load = os.getloadavg()
        out.append(f"- load average at start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
                   f"(shared machine: other jobs run beside the benchmark)")
    except OSError:
        pass
    out.append(f"- command: `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 "
               f"benchmarks/run_all.py {' '.join(argv)}`".replace(" `", " `", 1))
    out.append("")
    out.append("### Read bandwidth (benchmarks/_bandwidth.py)")
    out.append("")
    out.append(f"A {int(os.environ.get('GDFAST_BENCH_BW_MB', '1024'))} MiB float64 array "
               "is read and summed; median of 5 passes after a warm-up. Sections 1-3 and 5 "
               "time the fastest of these probes again beside the kernels; sections 1-3 "
               "take their bounds from that (section 1 gives it as read GB/s).")
    out.append("")
    probes = sorted({p for p, _ in bw.detail})
    out.append("| threads | " + " | ".join(probes) + " | used (max) |")
    out.append("|---|" + "---|" * (len(probes) + 1))
    for t in THREADS:
        out.append(f"| {t} | " + " | ".join(f"{bw.detail.get((p, t), float('nan')):.1f}"
                                           for p in probes) + f" | **{bw[t]:.1f} GB/s** |")
    out.append("")
    return out


# ------------------------------------------------------------------- gradient pass
def gradient_section(bw, reader: _bandwidth.Reader, repeat: int,
                     figures: dict[str, Any]) -> list[str]:
    out = ["## 1. Fused objective + gradient pass", "",
           "One call of `gdfast.objective` (value + gradient) vs numpy's "
           "`p = X @ w + b; g = X.T @ dL / n + alpha w` (two GEMVs; BLAS limited to the "
           "thread count) or, for CSR, scipy.sparse's two products (single-threaded). "
           "GB/s = bytes of X (values + indices + indptr for CSR) / time; "
           "read GB/s = the fastest probe of the machine section, reading its own "
           "buffer (the size above) at the same thread count, timed in the same "
           "interleaved loop as the two passes (the bandwidth of the same minutes: "
           "this host moves both by 20-40 % within an hour); % bw = gdfast GB/s / read GB/s; "
           "bound = bytes / read GB/s. Each timed call follows a 0.2 s pause and one "
           "untimed call of the same function (steady state, as the bandwidth probe's "
           "passes; see `_impls.median_time`: in this VM a short 2-thread pass right "
           "after an idle pause can take twice as long).", "",
           "| workload | dtype | threads | bytes | read GB/s | bound ms | gdfast ms | "
           "gdfast GB/s | % bw | gdfast ns/value | numpy/scipy ms | numpy GB/s | "
           "speed-up vs numpy |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for w, loss in GRAD_CASES:
        for dt in ("f64", "f32"):
            wl = get(w, dt)
            nb = nbytes(wl.X)
            wv, b = _impls.probe_point(wl)
            wv = wv.astype(wl.dtype)
            for t in THREADS:
                base = "scipy" if wl.sparse else "numpy"
                fns = {base: lambda: _impls.GRADIENT[base](wl, loss, wv, b, t)}
                if GD is not None:
                    fns["gdfast"] = lambda: _impls.GRADIENT["gdfast"](wl, loss, wv, b, t)
                    _impls.assert_gradient_close(wl, loss, fns["gdfast"]())
                fns["read"] = reader.fn(t)
                tm = median_time(fns, repeat=repeat, prime=True)
                read = reader.gbs(tm["read"])
                bound = nb / (read * 1e9)
                g = tm.get("gdfast")
                row = f"| {w} {loss}{' CSR' if wl.sparse else ''} | {dt} | {t} | " \
                      f"{nb / 1e6:.0f} MB | {read:.1f} | {bound * 1e3:.1f} | "
                if g is not None:
                    nvals = wl.X.nnz if wl.sparse else wl.X.size
                    row += (f"{g * 1e3:.1f} | {nb / g / 1e9:.1f} | {100 * bound / g:.0f}% | "
                            f"{g / nvals * 1e9:.2f} | ")
                    figures.setdefault("grad", []).append(
                        dict(case=f"{w}-{dt}", sparse=wl.sparse, threads=t,
                             frac=bound / g, speedup=tm[base] / g))
                else:
                    row += "— | — | — | — | "
                row += f"{tm[base] * 1e3:.1f} | {nb / tm[base] / 1e9:.1f} | "
                row += f"{tm[base] / g:.2f}× |" if g else "— |"
                out.append(row)
                log(row)
    if GD is not None:
        # in-cache cost: a 2,000-row slice of W1 (1.6 MB f64) stays in L2, so memory
        # bandwidth is out of the picture; ns per stored value = pure compute cost
        out += ["", "In-cache check (perf's cycle counters are not available in this VM, "
                "so the cost per stored value stands in for cycles per row): a 2,000-row "
                "slice of W1, resident in L2, 1 thread. A pass at the 1-thread "
                f"bandwidth (start-up probe) needs ≤ {8 / bw[1]:.2f} ns/value (f64) "
                f"and ≤ {4 / bw[1]:.2f} ns/value (f32).", "",
                "gdfast call = `gdfast.objective`, including its Python validation (a "
                "fixed ~50-100 µs per call, visible only on small data); the C++ pass "
                "alone is measured by `benchmarks/kernel_bench.cpp`.", "",
                "| slice | dtype | gdfast call ns/value | numpy ns/value |",
                "|---|---|---|---|"]
        for dt in ("f64", "f32"):
            wl = get("W1", dt)
            Xs = np.ascontiguousarray(wl.X[:2000])
            ys = np.ascontiguousarray(wl.y[:2000], dtype=Xs.dtype)
            wv, b = _impls.probe_point(wl)
            wv = wv.astype(Xs.dtype)
            tm = median_time({
                "gdfast": lambda: [GD.objective(Xs, ys, wv, b, loss="squared",
                                                alpha=1e-4, n_jobs=1) for _ in range(50)],
                "numpy": lambda: [_impls.np_objective(Xs, ys, wv, b, loss="squared",
                                                      alpha=1e-4) for _ in range(50)]},
                repeat=repeat)
            row = (f"| W1[:2000] | {dt} | {tm['gdfast'] / 50 / Xs.size * 1e9:.2f} | "
                   f"{tm['numpy'] / 50 / Xs.size * 1e9:.2f} |")
            out.append(row)
            log(row)
    out.append("")
    return out


# ------------------------------------------------------------------- SGD epochs
def epoch_section(reader: _bandwidth.Reader, repeat: int,
                  figures: dict[str, Any]) -> list[str]:
    out = ["## 2. Per-sample SGD epoch (batch_size=1)", "",
           "One epoch, shuffled, scikit-learn's default schedule on both sides "
           "(regression: invscaling eta0=0.01 power_t=0.25; classification: optimal), "
           "same loss and alpha. P = contract objective after the epoch (float64), the "
           "mean over the timed runs (each with its own seed). "
           "Bound = one read of X at the 1-thread read bandwidth timed in the same "
           "loop (as in section 1).", "",
           "gdfast runs its default `shuffle_block='auto'`: on these workloads (X ≥ 16 MiB) "
           "blocks of 8 consecutive rows in random order, every 16 blocks visited in "
           "rounds (one row of each block per round, the blocks in a fresh random order "
           "each round). Uniform: gdfast with `shuffle_block=1`, a uniformly random "
           "row order like scikit-learn's (latency bound: every row is a random DRAM "
           "access). The convergence of the block order, including label-sorted data, "
           "is measured by `benchmarks/shuffle_study.py`. On W4 (sparse) both sides damp "
           "the intercept step by 0.01 (scikit-learn's convention; gdfast's "
           "`intercept_decay='auto'`). Each timed call follows a 0.2 s pause and one "
           "untimed call of the same function, as in sections 1 and 5 (in the Intel Xeon VM "
           "of earlier sessions the first call after an idle pause carried a fixed extra "
           "cost, whoever ran it: W4 hinge float64 measured 30.2-30.7 ms unprimed against 22.9-23.6 ms primed for "
           "gdfast, 120-123 against 111-114 ms for scikit-learn).", "",
           "| case | dtype | bound ms | gdfast ms | × bound | sklearn ms | speed-up | "
           "P gdfast | P sklearn | uniform ms | uniform speed-up | P uniform |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    reps = max(3, repeat // 2)
    for w, loss in SGD_CASES:
        for dt in ("f64", "f32"):
            wl = get(w, dt)
            # every timed call uses the next seed; P is the mean over those runs (one
            # epoch's objective varies by a few % from seed to seed)
            res: dict[str, list[Any]] = {"sklearn": [], "gdfast": [], "uniform": []}

            def run(key: str, fn: Any, **kw: Any) -> None:
                res[key].append(fn(wl, loss, 1, random_state=len(res[key]), **kw))

            fns = {"sklearn": lambda: run("sklearn", _impls.sk_sgd)}
            if GD is not None:
                fns["gdfast"] = lambda: run("gdfast", _impls.gd_sgd)
                fns["uniform"] = lambda: run("uniform", _impls.gd_sgd, shuffle_block=1)
            fns["read"] = reader.fn(1)
            tm = median_time(fns, repeat=reps, prime=True)
            bound = nbytes(wl.X) / (reader.gbs(tm["read"]) * 1e9)
            p = {k: float(np.mean([_impls.objective_value(wl, loss, *r) for r in v]))
                 for k, v in res.items() if v}
            g = tm.get("gdfast")
            row = f"| {w} {loss} | {dt} | {bound * 1e3:.1f} | "
            if g:
                row += f"{g * 1e3:.1f} | {g / bound:.1f} | "
                figures.setdefault("sgd", []).append(
                    dict(case=f"{w}-{loss}-{dt}", xbound=g / bound,
                         speedup=tm["sklearn"] / g, p=p["gdfast"], p_sk=p["sklearn"]))
            else:
                row += "— | — | "
            row += f"{tm['sklearn'] * 1e3:.1f} | " + (f"{tm['sklearn'] / g:.1f}× | "
                                                       if g else "— | ")
            row += f"{p.get('gdfast', float('nan')):.6g} | {p['sklearn']:.6g} |"
            bl = tm.get("uniform")
            row += (f" {bl * 1e3:.1f} | {tm['sklearn'] / bl:.1f}× | {p['uniform']:.6g} |"
                    if bl else " — | — | — |")
            out.append(row)
            log(row)
    out.append("")
    return out


NEXT = 3  # mini-batch: epochs beyond the first, timed as a difference of fits


def minibatch_section(reader: _bandwidth.Reader, repeat: int,
                      figures: dict[str, Any]) -> list[str]:
    out = [f"## 3. Mini-batch SGD epoch (batch_size={BATCH}, learning_rate='auto')", "",
           "One epoch; bound = one read of X at the read bandwidth of that thread "
           "count, timed in the same loop (as in section 1); "
           "speed-up vs scikit-learn's per-sample SGD epoch (its only mode) measured in "
           "the same loop. gdfast ms is a whole one-epoch `fit`, including the set-up of "
           "`learning_rate='auto'` (a power iteration on 4096 sampled rows; the largest "
           "row norm is measured by the first epoch as it reads the rows, no pass of its "
           "own); next epoch ms = (a 4-epoch fit − the 1-epoch fit) / 3, the cost of "
           "each further epoch. gdfast's default `shuffle_block='auto'` takes blocks of "
           "16 rows for these batches of 256 (a batch reads 16 rows from each of 16 "
           "random places; `benchmarks/shuffle_study.py --batch-size 256`). Each timed "
           "call follows a 0.2 s pause and one untimed call "
           "of the same function (as in section 2). W4 at 2 threads runs on 1: gdfast's "
           "thread selector gives a batch of 256 sparse rows (~12,800 stored values) one "
           "thread, because its two-barrier column-split update was measured 2.4× slower "
           "on 2 threads than on 1 (C++ harness on the Intel Xeon VM of earlier sessions, W4 log float64, next epoch 30-35 → "
           "66-85 ms). Each half alone does not lose: the update alone (no dot products) "
           "took 21.1 → 13.7 ms, the dot products alone (no update) 20.5 → 17.1 ms. The "
           "cost is the hand-over: a batch's 12,800 stored values touch ~87% of the 6,250 "
           "cache lines of w, each thread writes its half of the columns, and the other "
           "core reads them in the next batch's dot products. Cutting each row at the "
           "threads' column boundary (each thread visits only its part of each row; same "
           "bits) did not help (66-75 ms). The kernel cuts the rows since 2026-11-27 "
           "anyway: where w does not fit in the caches it pays (W4's rows spread over "
           "5,000,000 columns, selector bypassed, a 4-epoch fit on 2 threads: 490-567 → "
           "443-471 ms, against 700-850 ms on 1; `benchmarks/csr_threads_study.py`).", "",
           "| case | dtype | threads | bound ms | gdfast ms | × bound | next epoch ms | "
           "× bound | sklearn epoch ms | speed-up (next epoch) | P after epoch | P sklearn |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    if GD is None:
        return [*out, "(gdfast not importable: nothing measured)", ""]
    reps = max(3, repeat // 2)
    for w, loss in MB_CASES:
        for dt in ("f64", "f32"):
            wl = get(w, dt)
            res: dict[str, Any] = {}
            fns = {"sklearn": lambda: res.__setitem__("sk", _impls.sk_sgd(wl, loss, 1))}
            for t in THREADS:
                for ep in (1, NEXT + 1):
                    fns[f"gd{t}x{ep}"] = lambda t=t, ep=ep: res.__setitem__(
                        f"gd{t}x{ep}", _impls.gd_sgd(wl, loss, ep, batch_size=BATCH,
                                                     n_threads=t,
                                                     schedule={"learning_rate": "auto"}))
                fns[f"read{t}"] = reader.fn(t)
            tm = median_time(fns, repeat=reps, prime=True)
            p = {k: _impls.objective_value(wl, loss, *v) for k, v in res.items()}
            nxt = {}
            for t in THREADS:
                bound = nbytes(wl.X) / (reader.gbs(tm[f"read{t}"]) * 1e9)
                g = tm[f"gd{t}x1"]
                nxt[t] = max((tm[f"gd{t}x{NEXT + 1}"] - g) / NEXT, 1e-9)
                row = (f"| {w} {loss} | {dt} | {t} | {bound * 1e3:.1f} | {g * 1e3:.1f} | "
                       f"{g / bound:.2f} | {nxt[t] * 1e3:.1f} | {nxt[t] / bound:.2f} | "
                       f"{tm['sklearn'] * 1e3:.1f} | {tm['sklearn'] / nxt[t]:.1f}× | "
                       f"{p[f'gd{t}x1']:.6g} | {p['sk']:.6g} |")
                out.append(row)
                log(row)
                figures.setdefault("mb", []).append(
                    dict(case=f"{w}-{loss}-{dt}", threads=t, xbound=nxt[t] / bound,
                         xbound_fit=g / bound, speedup=tm["sklearn"] / nxt[t]))
            figures.setdefault("mb_scaling", []).append(
                dict(case=f"{w}-{loss}-{dt}", s=nxt[1] / nxt[2]))
    out.append("")
    return out


def threads_section(reader: _bandwidth.Reader, repeat: int,
                    figures: dict[str, Any]) -> list[str]:
    from test_bench_threads import lbfgs_numpy

    out = ["## 5. Thread scaling (1 → 2 threads, float64)", "",
           f"full-batch = `gdfast.fit(batch_size='full', max_iter={FULL_ITERS}, tol=None)`; "
           f"mini-batch = one epoch at batch {BATCH}; objective = one fused pass. "
           "numpy = the two-GEMV objective with 1 / 2 BLAS threads; L-BFGS-B = scipy on "
           f"the numpy objective, {FULL_ITERS} iterations. read = the bandwidth probe of "
           "sections 1-3 on its own buffer: how far two threads read faster than one "
           "on this host in the same minutes, the ceiling of a memory-bound kernel's "
           "speed-up (the data of every case is larger than the last-level cache). Each "
           "timed call follows a 0.2 s pause and one untimed call of the same "
           "function.", "",
           "| case | kernel | 1 thread ms | 2 threads ms | speed-up |",
           "|---|---|---|---|---|"]
    reps = max(5, repeat // 2)  # (medians of 3 let one slow spell of the host through)
    tm = median_time({t: reader.fn(t) for t in THREADS}, repeat=reps, prime=True)
    row = (f"| (machine) | read probe ({reader.probe[1]} / {reader.probe[2]}) | "
           f"{tm[1] * 1e3:.1f} | {tm[2] * 1e3:.1f} | {tm[1] / tm[2]:.2f}× |")
    out.append(row)
    log(row)
    figures["read_scaling"] = tm[1] / tm[2]
    for w, loss in GRAD_CASES:
        wl = get(w, "f64")
        wv, b = _impls.probe_point(wl)
        kernels: dict[str, Any] = {}
        if GD is not None:
            kernels["gdfast full-batch"] = lambda t: _impls.gd_sgd(
                wl, loss, FULL_ITERS, batch_size="full", n_threads=t, schedule={})
            kernels["gdfast mini-batch"] = lambda t: _impls.gd_sgd(
                wl, loss, 1, batch_size=BATCH, n_threads=t,
                schedule={"learning_rate": "auto"})
            kernels["gdfast objective"] = lambda t: _impls.GRADIENT["gdfast"](
                wl, loss, wv, b, t)
        if not wl.sparse:
            kernels["numpy objective"] = lambda t: _impls.GRADIENT["numpy"](
                wl, loss, wv, b, t)
            kernels["scipy L-BFGS-B (numpy)"] = lambda t: lbfgs_numpy(
                wl, loss, FULL_ITERS, t)
        for name, k in kernels.items():
            tm = median_time({t: (lambda t=t: k(t)) for t in THREADS}, repeat=reps,
                             prime=True)
            s = tm[1] / tm[2]
            row = (f"| {w} {loss} | {name} | {tm[1] * 1e3:.1f} | {tm[2] * 1e3:.1f} | "
                   f"{s:.2f}× |")
            out.append(row)
            log(row)
            figures.setdefault("scaling", []).append(dict(case=f"{w}-{loss}", kernel=name,
                                                          s=s))
    out.append("")
    return out


# ------------------------------------------------------------------- targets
def _default_threads() -> int | None:
    """The thread count gdfast uses with n_jobs=None here (OpenMP's default)."""
    try:
        return int(GD.config()["openmp_max_threads"]) if GD is not None else None
    except Exception:  # noqa: BLE001
        return None


def targets_section(figures: dict[str, Any], tta_results) -> list[str]:
    out = ["## Targets of issue 4 (measured in this run)", "",
           "| # | target | measured | met? |", "|---|---|---|---|"]

    def rng(vals, fmt="{:.2f}"):
        return (fmt.format(min(vals)) + " … " + fmt.format(max(vals))) if vals else "—"

    g = figures.get("grad", [])
    dense = [x["frac"] for x in g if not x["sparse"]]
    csr = [x["frac"] for x in g if x["sparse"]]
    sp1 = [x["speedup"] for x in g if not x["sparse"] and x["threads"] == 1]
    out.append(f"| 1 | dense pass ≥ 80% of bandwidth (f64/f32, 1/2 threads) | "
               f"{rng(dense, '{:.0%}')} | {'yes' if dense and min(dense) >= 0.8 else 'no'} |")
    out.append(f"| 1 | dense pass ≥ 3.5× numpy on 1 thread | {rng(sp1)}× | "
               f"{'yes' if sp1 and min(sp1) >= 3.5 else 'no'} |")
    out.append(f"| 1 | CSR pass ≥ 60% of bandwidth | {rng(csr, '{:.0%}')} | "
               f"{'yes' if csr and min(csr) >= 0.6 else 'no'} |")
    s = figures.get("sgd", [])
    xb = [x["xbound"] for x in s]
    spd = [x["speedup"] for x in s]
    worse = [x["case"] for x in s if x["p"] > x["p_sk"] * (1 + 1e-2)]
    out.append(f"| 2 | SGD epoch ≤ 3× bound | {rng(xb, '{:.1f}')}× | "
               f"{'yes' if xb and max(xb) <= 3 else 'no'} |")
    out.append(f"| 2 | SGD epoch ≥ 5× faster than scikit-learn | {rng(spd, '{:.1f}')}× | "
               f"{'yes' if spd and min(spd) >= 5 else 'no'} |")
    out.append(f"| 2 | objective after the epoch no worse than scikit-learn's (1%) | "
               f"worse on: {', '.join(worse) or 'none'} | {'yes' if s and not worse else 'no'} |")
    f32 = {x["case"][:-4]: x for x in s if x["case"].endswith("f32")}
    f64 = {x["case"][:-4]: x for x in s if x["case"].endswith("f64")}
    rat = [f64[k]["xbound"] * 2 / (f32[k]["xbound"]) for k in f32 if k in f64]
    out.append(f"| 2 | float32 epoch faster than float64 (time ratio f64/f32) | "
               f"{rng(rat)}× | {'yes' if rat and min(rat) > 1.05 else 'no'} |")
    m = [x for x in figures.get("mb", [])]
    mxb = [x["xbound"] for x in m]
    msc = [x["s"] for x in figures.get("mb_scaling", [])]
    mfit = [x["xbound_fit"] for x in m]
    out.append(f"| 3 | mini-batch epoch ≤ 1.5× bound (next epoch; whole 1-epoch fit "
               f"{rng(mfit)}×) | {rng(mxb)}× | "
               f"{'yes' if mxb and max(mxb) <= 1.5 else 'no'} |")
    out.append(f"| 3 | mini-batch ≥ 1.6× from 1 to 2 threads (next epoch) | {rng(msc)}× | "
               f"{'yes' if msc and min(msc) >= 1.6 else 'no'} |")
    for t in THREADS:
        v = [x["speedup"] for x in m if x["threads"] == t]
        what = "1 thread" if t == 1 else f"{t} threads"
        if t == _default_threads():
            what += ", gdfast's default n_jobs on this machine"
        out.append(f"| 3 | mini-batch epoch ≥ 10× faster than scikit-learn's epoch (next "
                   f"epoch; {what}) | {rng(v, '{:.1f}')}× | "
                   f"{'yes' if v and min(v) >= 10 else 'no'} |")
    for res in tta_results or []:
        for e in (1e-3, 1e-4):
            gd = [(tr.time_to(res.pstar, e), tr.solver) for tr in res.traces
                  if tr.family == "gdfast" and tr.time_to(res.pstar, e) is not None]
            ot = [(tr.time_to(res.pstar, e), tr.solver) for tr in res.traces
                  if tr.family in ("scipy", "sklearn") and tr.time_to(res.pstar, e)
                  is not None]
            gb, ob = (min(gd) if gd else None), (min(ot) if ot else None)
            meas = (f"gdfast {gb[0]:.3f} s ({gb[1]})" if gb else "gdfast: not reached") + \
                   (f" vs {ob[0]:.3f} s ({ob[1]})" if ob else " vs none reached")
            met = gb is not None and (ob is None or gb[0] < ob[0])
            out.append(f"| 4 | {res.key} to {e:.0e} faster than the fastest other "
                       f"solver here | {meas} | {'yes' if met else 'no'} |")
    sc = figures.get("scaling", [])
    if "read_scaling" in figures:
        out.append(f"| 5 | (the machine: read probe, 1 → 2 threads, same minutes) | "
                   f"{figures['read_scaling']:.2f}× | — |")
    for kern in ("gdfast full-batch", "gdfast mini-batch", "gdfast objective"):
        v = [x["s"] for x in sc if x["kernel"] == kern]
        out.append(f"| 5 | {kern}: ≥ 1.6× from 1 to 2 threads | {rng(v)}× | "
                   f"{'yes' if v and min(v) >= 1.6 else 'no'} |")
    isa = "—"
    if GD is not None and hasattr(GD, "config"):
        try:
            cfg = GD.config()
            isa = ", ".join(f"{k}={v}" for k, v in cfg.items()
                            if any(s in k.lower() for s in ("isa", "simd", "dispatch",
                                                            "arch", "march")))
        except Exception:  # noqa: BLE001
            pass
    out.append(f"| 6 | run-time ISA dispatch named by show_config() | {isa or '—'} | "
               f"see gdfast.config() above |")
    out.append("")
    out.append("Anchors quoted in issue 4 (snapml, standalone liblinear 2.50) are not "
               "installed here; the \"fastest other solver\" is the fastest of scipy "
               "L-BFGS-B and scikit-learn's solvers (whose LinearSVC / "
               "LogisticRegression(liblinear) are liblinear) measured in this run.")
    out.append("")
    return out


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--skip-tta", action="store_true")
    ap.add_argument("--problems", default=",".join(tta.PROBLEMS))
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = ap.parse_args(argv)
    t0 = time.time()
    log("bandwidth probe")
    bw = _bandwidth.measure(threads=THREADS)
    head = ["# gdfast benchmark results", "",
            f"Generated by `benchmarks/run_all.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
            "All ratios are measured side by side in this one run (see "
            "../shared/BENCHMARKS.md for the workloads and method). Plain-test mode: "
            "`pytest benchmarks --benchmark-disable`; pytest-benchmark mode: "
            "`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE pytest benchmarks "
            "--benchmark-enable --benchmark-only --benchmark-autosave` (reference sizes; "
            "set GDFAST_BENCH_SCALE for a quick run).", ""]
    figures: dict[str, Any] = {}
    if bw[2] < 1.3 * bw[1]:
        head += [f"> **Conditions:** 2 threads read only {bw[2] / bw[1]:.2f}× as fast as 1 "
                 f"({bw[1]:.1f} vs {bw[2]:.1f} GB/s; load average "
                 f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs): other jobs were "
                 "using the second core, so the 2-thread figures and the thread-scaling "
                 "ratios of this run measure contention, not gdfast. Ratios at 1 thread "
                 "(interleaved A/B) remain comparable.", ""]
    body = machine_section(bw, argv)
    reader = _bandwidth.Reader(bw)  # (read beside the kernels in sections 1-3)
    log("gradient pass")
    body += gradient_section(bw, reader, args.repeat, figures)
    log("SGD epochs")
    body += epoch_section(reader, args.repeat, figures)
    log("mini-batch epochs")
    body += minibatch_section(reader, args.repeat, figures)
    log("thread scaling")
    threads = threads_section(reader, args.repeat, figures)
    results = None
    tta_md: list[str] = []
    if not args.skip_tta:
        log("time to accuracy")
        results, paths = [], {}
        for key in args.problems.split(","):
            res = tta.run_problem(key, bench_scale(), args.budget, max(THREADS), log=log)
            results.append(res)
            paths[key] = os.path.relpath(tta.plot(res, HERE / "plots"), HERE)
        tta_md = ["## 4. Time to accuracy", "",
                  f"Budget: no solver run longer than about {args.budget:g} s (and at most "
                  f"{3 * args.budget:g} s of runs per solver and problem); gdfast at "
                  f"{max(THREADS)} threads. See time_to_accuracy.py for the objective "
                  "mappings and how P* is computed.", "", tta.markdown(results, paths), ""]
    log("estimators: small data, fit/score cycles")
    import estimators_bench  # (scikit-learn's bundled data sets; generated 20,000 x 100)
    estimators = estimators_bench.small_data_section(log=log)
    text = head + targets_section(figures, results) + body + tta_md + threads + estimators
    text.append(f"_Total run time: {time.time() - t0:.0f} s._")
    pathlib.Path(args.out).write_text("\n".join(text) + "\n")
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()

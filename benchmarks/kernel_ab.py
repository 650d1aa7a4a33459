"""A/B of gdfast's C++ kernels: a base revision's headers against the working tree's,
both in one process, called in turn (see kernel_ab.cpp for why).

Usage:
    python3 benchmarks/kernel_ab.py BASE [--head REV] [--cases NAME,...] [--rounds N]
                                    [--isa avx512|avx2|portable] [--threads T]
    (--isa: default the widest instruction set this machine runs)
    python3 benchmarks/kernel_ab.py BASE --aa      # A/A: BASE against itself (the bias)
    python3 benchmarks/kernel_ab.py HEAD --aa --quick   # 1/100 of the rows, 2 rounds (a test)

BASE and --head are git revisions (default head: the working tree's csrc/include). Prints
a markdown table: per case the minimum and median milliseconds of each side over the
rounds, head / base, and whether both computed the same bits (the gradient, or the fitted
coefficients).

Cases (--cases, default: all but the slow ones marked *):
    pass-f64, pass-f32, pass-log-f64        dense 500,000 x 100 fused pass (squared / log)
    pass-cache-f64, pass-cache-log-f64      the same on 2,000 x 100 (rows in cache)
    mb-f64, mb-f32, mb-log-f64              1-epoch mini-batch fit, batch 256, auto
    mb-next-f64 *                           3-epoch mini-batch fit
    sgd-f64                                 1-epoch per-sample fit (auto, blocks of 8)
    lbfgs-log-f64 *                         3-epoch full-batch (L-BFGS) fit, log loss
    csr-pass-f64                            W4-shaped CSR (200,000 x 50,000) pass, log
    csr-sgd-f64                             1-epoch per-sample fit on it, hinge, optimal
    csr-mb-f64                              1-epoch mini-batch fit on it, log, auto
"""

from __future__ import annotations

import argparse
import filecmp
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = HERE / "kernel_ab.cpp"

# name: (fit, csr, f32, n, d, loss, batch, block, auto, epochs, rounds, inner, slow)
CASES: dict[str, tuple] = {
    "pass-f64": (0, 0, 0, 500_000, 100, 0, 0, 0, 0, 1, 15, 1, False),
    "pass-f32": (0, 0, 1, 500_000, 100, 0, 0, 0, 0, 1, 15, 1, False),
    "pass-log-f64": (0, 0, 0, 500_000, 100, 2, 0, 0, 0, 1, 15, 1, False),
    "pass-cache-f64": (0, 0, 0, 2_000, 100, 0, 0, 0, 0, 1, 200, 20, False),
    "pass-cache-log-f64": (0, 0, 0, 2_000, 100, 2, 0, 0, 0, 1, 200, 20, False),
    "mb-f64": (1, 0, 0, 500_000, 100, 0, 256, 16, 1, 1, 8, 1, False),
    "mb-f32": (1, 0, 1, 500_000, 100, 0, 256, 16, 1, 1, 8, 1, False),
    "mb-log-f64": (1, 0, 0, 500_000, 100, 2, 256, 16, 1, 1, 8, 1, False),
    "mb-next-f64": (1, 0, 0, 500_000, 100, 0, 256, 16, 1, 3, 6, 1, True),
    "sgd-f64": (1, 0, 0, 500_000, 100, 0, 1, 8, 1, 1, 8, 1, False),
    "lbfgs-log-f64": (1, 0, 0, 500_000, 100, 2, 500_000, 0, 1, 3, 6, 1, True),
    "csr-pass-f64": (0, 1, 0, 200_000, 50_000, 2, 0, 0, 0, 1, 15, 1, False),
    "csr-sgd-f64": (1, 1, 0, 200_000, 50_000, 1, 1, 8, 0, 1, 10, 1, False),
    "csr-mb-f64": (1, 1, 0, 200_000, 50_000, 2, 256, 16, 1, 1, 10, 1, False),
}

# Headers with code outside the ISA namespace: both sides share one definition of it.
SHARED = ("aligned.hpp", "config.hpp", "loss.hpp", "params.hpp", "penalty.hpp", "status.hpp")

ISA_FLAGS = {
    "portable": [],
    "avx2": ["-mavx2", "-mfma", "-DGDFAST_TARGET_AVX2"],
    "avx512": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma",
               "-DGDFAST_TARGET_AVX512"],
}


def export_headers(rev: str, dest: pathlib.Path) -> pathlib.Path:
    """csrc/include of git revision ``rev`` under ``dest``."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "csrc/include"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "csrc" / "include"


def build(base_inc: pathlib.Path, head_inc: pathlib.Path, isa: str, work: pathlib.Path,
          cxx: str) -> pathlib.Path:
    for name in SHARED:
        a, b = base_inc / "gdfast" / name, head_inc / "gdfast" / name
        if not filecmp.cmp(a, b, shallow=False):
            sys.exit(f"kernel_ab: {name} differs between the two trees; its code is outside "
                     "the ISA namespace, so one binary cannot hold both versions")
    flags = ["-std=c++17", "-O3", "-fopenmp", *ISA_FLAGS[isa]]
    objs = []
    for side, inc in (("base", base_inc), ("head", head_inc)):
        obj = work / f"{side}.o"
        subprocess.run([cxx, *flags, f"-DGDFAST_AB_SIDE={side}", f"-I{inc}", "-c", str(SRC),
                        "-o", str(obj)], check=True)
        objs.append(str(obj))
    exe = work / "kernel_ab"
    subprocess.run([cxx, *flags, str(SRC), *objs, "-o", str(exe)], check=True)
    return exe


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base")
    ap.add_argument("--head", default=None, help="a git revision (default: working tree)")
    ap.add_argument("--aa", action="store_true", help="A/A: base against itself")
    ap.add_argument("--cases", default=None)
    ap.add_argument("--rounds", type=int, default=None, help="override each case's rounds")
    ap.add_argument("--isa", default=None, choices=sorted(ISA_FLAGS),
                    help="default: the widest this machine runs (as gdfast dispatches)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="1/100 of the rows, 2 rounds")
    args = ap.parse_args(argv)
    if args.isa is None:
        import gdfast

        have = gdfast.config()["simd_available"]
        args.isa = next((isa for isa in ("avx512", "avx2") if isa in have), "portable")
    cxx = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        sys.exit("kernel_ab: no C++ compiler")
    names = (args.cases.split(",") if args.cases
             else [k for k, v in CASES.items() if not v[-1]])
    unknown = [n for n in names if n not in CASES]
    if unknown:
        sys.exit(f"kernel_ab: unknown cases {unknown}; known: {', '.join(CASES)}")
    with tempfile.TemporaryDirectory(prefix="gdfast-ab-") as tmp:
        work = pathlib.Path(tmp)
        base_inc = export_headers(args.base, work / "base")
        if args.aa:
            head_inc, head_name = base_inc, args.base
        elif args.head:
            head_inc, head_name = export_headers(args.head, work / "head"), args.head
        else:
            head_inc, head_name = ROOT / "csrc" / "include", "working tree"
        exe = build(base_inc, head_inc, args.isa, work, cxx)
        print(f"base: {args.base}, head: {head_name}, {args.isa}, {args.threads} thread(s)\n")
        print("| case | base min / median ms | head min / median ms "
              "| head / base (min, median) | bits |")
        print("|---|---|---|---|---|")
        for name in names:
            fit, csr, f32, n, d, loss, batch, block, auto, epochs, rounds, inner, _ = CASES[name]
            if args.rounds:
                rounds = args.rounds
            if args.quick:
                n, rounds = max(1_000, n // 100), 2
                batch = min(batch, n)
            cmd = [str(exe), *(str(v) for v in (fit, csr, f32, n, d, loss, batch, block, auto,
                                                 epochs, args.threads, rounds, inner))]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            v = dict(re.findall(r"(\w+)=([\w.]+)", out))
            bm, bd, hm, hd = (float(v[k]) for k in ("base_min", "base_med", "head_min", "head_med"))
            print(f"| {name} | {bm:.3f} / {bd:.3f} | {hm:.3f} / {hd:.3f} | "
                  f"{hm / bm:.3f}, {hd / bd:.3f} | {v['bits']} |", flush=True)


if __name__ == "__main__":
    main()

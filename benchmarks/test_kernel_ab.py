"""kernel_ab.py (the same-process A/B of two header trees) builds and runs: an A/A run of
HEAD at 1/100 scale reports every case, with the same bits on both sides."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent


@pytest.mark.skipif(shutil.which("g++") is None and shutil.which("c++") is None,
                    reason="no C++ compiler")
@pytest.mark.skipif(not (HERE.parent / ".git").exists(), reason="not a git checkout")
def test_kernel_ab_a_against_a_gives_the_same_bits():
    cases = "pass-f64,mb-f32,sgd-f64,csr-sgd-f64"
    out = subprocess.run([sys.executable, str(HERE / "kernel_ab.py"), "HEAD", "--aa", "--quick",
                          "--isa", "portable", "--cases", cases],
                         check=True, capture_output=True, text=True, timeout=600).stdout
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [r.split("|")[1].strip() for r in rows] == cases.split(",")
    for r in rows:
        cells = [c.strip() for c in r.strip("|").split("|")]
        assert cells[-1] == "same"
        assert all(float(x) > 0 for x in cells[1].split(" / ") + cells[2].split(" / "))

"""run_all.py's report code on the tiny workloads (one case per section): every table
row has its header's columns, and the ratios of the targets table are the ones the
sections computed from their own timings (the bounds from the reader's interleaved
reads). The 15-minute run itself is not part of CI; this keeps its code from rotting."""

from __future__ import annotations

import re

import pytest

import _bandwidth
import run_all

pytestmark = pytest.mark.skipif(run_all.GD is None, reason="gdfast not importable")


def _tables(lines: list[str]) -> list[list[list[str]]]:
    """The markdown tables of `lines`, each a list of rows of cells (header first)."""
    tables, cur = [], []
    for line in [*lines, ""]:
        if line.startswith("|"):
            cur.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif cur:
            tables.append(cur)
            cur = []
    return tables


def _check_shape(lines: list[str]) -> list[list[list[str]]]:
    tables = _tables(lines)
    assert tables
    for t in tables:
        assert set("".join(t[1])) <= set("-")  # the separator row
        assert all(len(row) == len(t[0]) for row in t), t[0]
    return tables


@pytest.fixture(scope="module")
def reader():
    nbytes = 8 * 2**20
    bw = _bandwidth.measure(threads=run_all.THREADS, nbytes=nbytes, repeat=2)
    return bw, _bandwidth.Reader(bw, nbytes=nbytes)


def test_sections_and_targets(monkeypatch, reader):
    bw, rd = reader
    monkeypatch.setattr(run_all, "GRAD_CASES", [("W1", "squared")])
    monkeypatch.setattr(run_all, "SGD_CASES", [("W2", "hinge")])
    monkeypatch.setattr(run_all, "MB_CASES", [("W3", "log")])
    monkeypatch.setattr(run_all, "log", lambda msg: None)
    figures: dict = {}
    grad = run_all.gradient_section(bw, rd, 1, figures)
    sgd = run_all.epoch_section(rd, 1, figures)
    mb = run_all.minibatch_section(rd, 1, figures)
    for lines in (grad, sgd, mb):
        _check_shape(lines)
    # section 1: % bw = gdfast GB/s / the read GB/s timed in the same loop, and the
    # targets use those fractions (the table's GB/s have 3+ digits: rounding < 1 %)
    rows = _tables(grad)[0]
    head = rows[0]
    col = {k: head.index(k) for k in ("read GB/s", "gdfast GB/s", "% bw")}
    assert len(figures["grad"]) == len(rows) - 2 == 4  # two dtypes x two thread counts
    for row, fig in zip(rows[2:], figures["grad"]):
        read, gbs = float(row[col["read GB/s"]]), float(row[col["gdfast GB/s"]])
        assert read > 0 and gbs > 0
        assert row[col["% bw"]] == f"{100 * fig['frac']:.0f}%"
        assert fig["frac"] == pytest.approx(gbs / read, rel=0.02, abs=0.006)
    assert len(figures["sgd"]) == 2
    assert {x["threads"] for x in figures["mb"]} == set(run_all.THREADS)
    targets = run_all.targets_section(figures, None)
    tt = _check_shape(targets)[0]
    assert tt[0] == ["#", "target", "measured", "met?"]
    met = {row[1]: row[3] for row in tt[2:]}
    assert all(v in ("yes", "no") or v.startswith("see ") for v in met.values())
    dense = [x["frac"] for x in figures["grad"]]
    line = next(r for r in tt[2:] if r[1].startswith("dense pass ≥ 80%"))
    lo, hi = (float(v) / 100 for v in re.findall(r"(\d+)%", line[2]))
    assert lo == pytest.approx(min(dense), abs=0.006)
    assert hi == pytest.approx(max(dense), abs=0.006)
    assert line[3] == ("yes" if min(dense) >= 0.8 else "no")
    per_thread = [r for r in tt[2:] if "faster than scikit-learn's epoch (next" in r[1]]
    assert len(per_thread) == len(run_all.THREADS)

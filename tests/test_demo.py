"""The README's first command: ``python -m gdfast demo`` (small sizes here)."""

from __future__ import annotations

import warnings

import pytest

from gdfast.__main__ import main


def test_demo_prints_both_tables(capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy/sklearn advisories on the tiny data
        assert main(["demo", "--n-samples", "4000", "--n-features", "10"]) == 0
    out = capsys.readouterr().out
    for needle in ("regression (squared loss)", "linear SVM (hinge loss)",
                   "gdfast full-batch (L-BFGS)", "gdfast SGD (batch_size=1)",
                   "gdfast mini-batch (256)", "scipy L-BFGS-B (numpy gradient)",
                   "scikit-learn SGD", "test R^2", "test accuracy"):
        assert needle in out, needle
    # every solver row reports a finite objective
    rows = [ln for ln in out.splitlines() if ln.startswith(("gdfast ", "scipy ", "scikit-learn "))
            and "|" not in ln]
    assert len(rows) == 12
    for ln in rows:
        time_s, objective, score = (float(v) for v in ln.split()[-3:])
        assert time_s >= 0 and objective == objective and 0.0 <= score <= 1.0


def test_config_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "simd" in out and "openmp_max_threads" in out

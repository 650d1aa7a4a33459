"""estimators_bench.py (section 6 of RESULTS.md) runs, and each gdfast estimator there
scores like scikit-learn's on the same data (a smaller generated problem here)."""

from __future__ import annotations

import estimators_bench


def test_estimators_section_runs_and_scores_match():
    rows: list[dict] = []
    lines = estimators_bench.small_data_section(rounds=1, per_round=1, n_loop=2000,
                                                log=lambda s: None, record=rows)
    assert len(rows) == len(estimators_bench.SMALL) + len(estimators_bench.LOOP)
    assert sum(line.startswith("| ") for line in lines) == len(rows) + 2  # + 2 headers
    for r in rows:
        assert all(t > 0.0 for t in r["time"].values())
        sk = r["score"]["sklearn"]
        # accuracy within 2 points, R^2 within 0.02 of scikit-learn's (same data, defaults)
        assert r["score"]["gdfast"] >= sk - 0.02, r

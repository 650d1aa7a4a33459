"""pytest configuration of the benchmark suite.

Two ways to run it:

- measure (reference sizes unless GDFAST_BENCH_SCALE is set)::

      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
          pytest benchmarks --benchmark-enable --benchmark-only --benchmark-autosave

  (``--benchmark-enable`` because pyproject's addopts carry ``--benchmark-disable``)

- as plain tests (CI): ``pytest benchmarks --benchmark-disable``. Then, unless
  GDFAST_BENCH_SCALE is set, the workloads are scaled by 0.02 (10,000 rows for W1-W3), so
  the whole suite runs in well under a minute while every result is still checked.

The reference sizes are used only when benchmarking was asked for explicitly
(``--benchmark-enable``, or ``--benchmark-only`` / ``--benchmark-autosave`` /
``--benchmark-save`` / ``--benchmark-json`` without ``--benchmark-disable``); any other run (e.g. a bare ``pytest`` from the repository root,
whose testpaths include benchmarks/) uses the tiny scale.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

# --import-mode=importlib does not put this directory on sys.path; the helpers live here.
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

TINY_SCALE = "0.02"


def _benchmarking_requested(config: pytest.Config) -> bool:
    opt = config.option
    # pyproject's addopts carry --benchmark-disable; --benchmark-enable overrides it
    if getattr(opt, "benchmark_disable", False) and not getattr(opt, "benchmark_enable",
                                                                False):
        return False
    return bool(
        getattr(opt, "benchmark_only", False)
        or getattr(opt, "benchmark_enable", False)
        or getattr(opt, "benchmark_autosave", False)
        or getattr(opt, "benchmark_save", None)
        or getattr(opt, "benchmark_json", None)
    )


def pytest_configure(config: pytest.Config) -> None:
    if "GDFAST_BENCH_SCALE" not in os.environ and not _benchmarking_requested(config):
        os.environ["GDFAST_BENCH_SCALE"] = TINY_SCALE


def pytest_report_header(config: pytest.Config) -> list[str]:
    from threadpoolctl import threadpool_info

    import _impls

    blas = [
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
        f"{i.get('num_threads')} threads)"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    gd = "not importable" if _impls.gdfast is None else getattr(_impls.gdfast, "__version__", "?")
    return [
        f"gdfast benchmarks: GDFAST_BENCH_SCALE={os.environ.get('GDFAST_BENCH_SCALE')}, "
        f"gdfast {gd}, numpy {np.__version__}, BLAS: {'; '.join(blas)}",
    ]


@pytest.fixture
def require_impl():
    """``require_impl(name)``: skip when that implementation is not available."""

    def check(impl: str) -> None:
        if impl.startswith("gdfast"):
            import _impls

            if _impls.gdfast is None:
                pytest.skip("gdfast is not importable yet")

    return check


@pytest.fixture(params=["f64", "f32"], ids=["f64", "f32"])
def dtype(request: pytest.FixtureRequest) -> str:
    return request.param

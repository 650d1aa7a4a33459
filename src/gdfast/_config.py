"""Build and machine configuration: ``gdfast.config()`` / ``gdfast.show_config()``."""

from __future__ import annotations

import platform
import sys
from typing import Any

import numpy as np

from . import _core


def get_include() -> str:
    """Directory of the C++ headers: add it to the include path, then
    ``#include <gdfast/gdfast.hpp>`` (kernels) or ``<gdfast/c_api.hpp>`` (plain API,
    declared for Cython in ``gdfast/kernels.pxd``)."""
    from pathlib import Path

    return str(Path(_core.__file__).resolve().parent / "include")


def config() -> dict[str, Any]:
    """The version, compiler, OpenMP, SIMD level in use and library versions, as a dict."""
    info = dict(_core.build_info())
    info["openmp_max_threads"] = int(_core.openmp_max_threads())
    info["simd"] = _core.isa()
    info["simd_available"] = list(_core.available_isas())
    info["python"] = sys.version.split()[0]
    info["numpy"] = np.__version__
    info["machine"] = platform.machine()
    try:
        import scipy

        info["scipy"] = scipy.__version__
    except ImportError:  # pragma: no cover - scipy is a dependency
        info["scipy"] = None
    return info


def show_config() -> None:
    """Print :func:`config` one item per line."""
    for key, value in config().items():
        print(f"{key:>20}: {value}")

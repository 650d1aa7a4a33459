"""gdfast: fused, multi-threaded C++ gradient-descent solvers for linear models.

Functional API: :func:`fit`, :func:`fit_ovr`, :func:`objective`,
:func:`scipy_objective`. Configuration: :func:`config`, :func:`show_config`,
:func:`get_include`.
"""

from __future__ import annotations

from ._config import config, get_include, show_config
from ._fit import DivergenceError, FitResult, fit, fit_ovr
from ._objective import objective, scipy_objective
from ._sgd import SGDClassifier, SGDRegressor
from ._svm import LinearSVC, LinearSVR

__version__ = "0.1.0"

__all__ = [
    "DivergenceError",
    "FitResult",
    "LinearSVC",
    "LinearSVR",
    "SGDClassifier",
    "SGDRegressor",
    "__version__",
    "config",
    "fit",
    "fit_ovr",
    "get_include",
    "objective",
    "scipy_objective",
    "show_config",
]

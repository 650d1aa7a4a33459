"""The single place where gdfast touches scikit-learn's private API.

gdfast's estimators (``_sgd.py``, ``_svm.py``) import scikit-learn internals only
from here, so that a change in a scikit-learn release is fixed in one file.
Public scikit-learn names (``validate_data``, ``compute_class_weight``, ...) are
imported directly by the estimator modules. Requires scikit-learn >= 1.6.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Parameter validation: the constraint vocabulary and the error it raises.
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)

try:  # scikit-learn >= 1.3
    from sklearn.base import _fit_context as _sk_fit_context
except ImportError:  # pragma: no cover - very old scikit-learn
    _sk_fit_context = None

from sklearn.utils.validation import _check_sample_weight as _sk_check_sample_weight

__all__ = [
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "check_sample_weight",
    "fit_context",
]


def fit_context(*, prefer_skip_nested_validation: bool = True) -> Any:
    """Decorator for ``fit``/``partial_fit``: validates ``_parameter_constraints``.

    Wraps scikit-learn's private ``sklearn.base._fit_context`` (parameter
    validation against ``_parameter_constraints`` + config contexts).
    """
    if _sk_fit_context is not None:
        return _sk_fit_context(
            prefer_skip_nested_validation=prefer_skip_nested_validation
        )

    def decorator(fit_method: Any) -> Any:  # pragma: no cover - fallback
        import functools

        @functools.wraps(fit_method)
        def wrapper(estimator: Any, *args: Any, **kwargs: Any) -> Any:
            estimator._validate_params()
            return fit_method(estimator, *args, **kwargs)

        return wrapper

    return decorator


def check_sample_weight(
    sample_weight: Any,
    X: Any,
    *,
    dtype: Any = None,
    allow_all_zero_weights: bool = False,
) -> np.ndarray:
    """``sample_weight`` as a 1-D float array of length ``n_samples`` (ones if None).

    Wraps scikit-learn's private ``sklearn.utils.validation._check_sample_weight``
    (same messages as scikit-learn for wrong shapes / non-finite values).
    """
    try:
        return _sk_check_sample_weight(
            sample_weight, X, dtype=dtype, allow_all_zero_weights=allow_all_zero_weights
        )
    except TypeError:  # pragma: no cover - older signature without the keyword
        return _sk_check_sample_weight(sample_weight, X, dtype=dtype)

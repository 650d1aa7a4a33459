"""Input validation and conversion: the only place that decides dtypes and layouts.

* ``X``: a numpy array-like becomes a C-contiguous float64 or float32 array (float32 is
  kept, every other real dtype becomes float64). A C-contiguous float32/float64 array is
  used as is -- never copied, never written. Fortran-ordered or strided input is copied
  once into C order. ``scipy.sparse`` input becomes CSR (CSR is used as is; other formats
  are converted once; a CSR matrix with duplicate or unsorted indices is copied once and
  brought to canonical form, duplicates summed, as scipy does).
* ``y``, ``sample_weight``, ``coef_init`` must be finite and have matching lengths.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

FLOAT_DTYPES = (np.float64, np.float32)


@dataclass(frozen=True)
class Matrix:
    """A validated X: dense C-contiguous array or CSR parts, with its float dtype."""

    data: np.ndarray  # dense: the 2-D array; CSR: the data array
    indices: np.ndarray | None
    indptr: np.ndarray | None
    shape: tuple[int, int]

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    @property
    def is_sparse(self) -> bool:
        return self.indices is not None

    def parts(self) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, int]:
        """Arguments for the kernels: (X or data, indices, indptr, n_cols)."""
        return self.data, self.indices, self.indptr, self.shape[1]

    def matvec(self, w: np.ndarray) -> np.ndarray:
        """X @ w (used only for small evaluations, e.g. validation sets)."""
        if self.indices is None:
            return self.data @ w
        csr = sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)
        return np.asarray(csr @ w)


def check_X(X: Any, *, name: str = "X", dtype: Any = None) -> Matrix:
    """Validate X (see module docstring). ``dtype`` forces float32/float64 (predict)."""
    if isinstance(X, Matrix):
        return X
    dtypes: Any = list(FLOAT_DTYPES) if dtype is None else dtype
    if sp.issparse(X):
        X = check_array(
            X,
            accept_sparse="csr",
            dtype=dtypes,
            accept_large_sparse=True,
            input_name=name,
        )
        if not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()
        indices, indptr = X.indices, X.indptr
        if indices.dtype != indptr.dtype:
            indices = indices.astype(np.int64)
            indptr = indptr.astype(np.int64)
        data = np.ascontiguousarray(X.data)
        return Matrix(data, np.ascontiguousarray(indices), np.ascontiguousarray(indptr), X.shape)
    X = check_array(X, accept_sparse=False, dtype=dtypes, order="C", input_name=name)
    return Matrix(X, None, None, X.shape)


def check_vector(
    v: Any, n: int, dtype: np.dtype[Any], name: str, *, what: str = "n_samples"
) -> np.ndarray:
    """A finite 1-D array of length n in ``dtype`` (no copy if it already fits)."""
    arr = np.asarray(v)
    if arr.dtype.kind not in "biuf":
        msg = f"{name} must be numeric, got dtype {arr.dtype}"
        raise ValueError(msg)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        msg = f"{name} must be 1-D, got an array of shape {arr.shape}"
        raise ValueError(msg)
    if arr.shape[0] != n:
        msg = f"{name} has length {arr.shape[0]} but {what} is {n}"
        raise ValueError(msg)
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if not np.all(np.isfinite(arr)):
        msg = f"{name} contains NaN or infinity"
        raise ValueError(msg)
    return arr


def check_sample_weight(sample_weight: Any, n: int, dtype: np.dtype[Any]) -> np.ndarray | None:
    """Non-negative finite weights with a positive sum, or None for unit weights."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Real) and not isinstance(sample_weight, bool):
        sample_weight = np.full(n, float(sample_weight))
    sw = check_vector(sample_weight, n, dtype, "sample_weight")
    if np.any(sw < 0):
        msg = "sample_weight must be non-negative"
        raise ValueError(msg)
    if not sw.sum(dtype=np.float64) > 0:
        msg = "sample_weight must have a positive sum (all weights are zero)"
        raise ValueError(msg)
    return sw


def normalized_weights(sw: np.ndarray | None, dtype: np.dtype[Any]) -> np.ndarray | None:
    """Weights scaled to mean 1 (a new array): the solvers' convention."""
    if sw is None:
        return None
    mean = float(np.mean(sw, dtype=np.float64))
    return np.ascontiguousarray(sw / mean, dtype=dtype)


def check_labels_pm1(y: np.ndarray, loss: str) -> None:
    """Classification losses need labels exactly -1 / +1."""
    bad = (y != 1) & (y != -1)
    if np.any(bad):
        example = y[np.argmax(bad)]
        msg = (
            f"loss={loss!r} is a classification loss: y must contain only -1 and +1, "
            f"found {example!r} (map your classes to -1/+1, or use gdfast.SGDClassifier)"
        )
        raise ValueError(msg)


def check_real(value: Any, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """A finite real parameter within [low, high] (or open bounds)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        msg = f"{name} must be a real number, got {value!r}"
        raise TypeError(msg)
    v = float(value)
    if not np.isfinite(v):
        msg = f"{name} must be finite, got {value!r}"
        raise ValueError(msg)
    if low is not None and (v < low or (low_open and v == low)):
        bound = ">" if low_open else ">="
        msg = f"{name} must be {bound} {low}, got {value!r}"
        raise ValueError(msg)
    if high is not None and (v > high or (high_open and v == high)):
        bound = "<" if high_open else "<="
        msg = f"{name} must be {bound} {high}, got {value!r}"
        raise ValueError(msg)
    return v


def check_int(value: Any, name: str, *, low: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        msg = f"{name} must be an int, got {value!r}"
        raise TypeError(msg)
    v = int(value)
    if low is not None and v < low:
        msg = f"{name} must be >= {low}, got {value!r}"
        raise ValueError(msg)
    return v


def check_choice(value: Any, name: str, choices: dict[str, Any]) -> Any:
    """Map a string option to its value; the error lists the valid names."""
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        msg = f"{name}={value!r} is not valid; choose one of {valid}"
        raise ValueError(msg)
    return choices[value]

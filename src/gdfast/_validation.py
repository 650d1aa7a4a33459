"""Input validation and conversion: the only place that decides dtypes and layouts.

* ``X``: a numpy array-like becomes a C-contiguous float64 or float32 array (float32 is
  kept, every other real dtype becomes float64). A C-contiguous float32/float64 array is
  used as is -- never copied, never written. Fortran-ordered or strided input is copied
  once into C order. ``scipy.sparse`` input becomes CSR (CSR is used as is; other formats
  are converted once; a CSR matrix with duplicate or unsorted indices is copied once and
  brought to canonical form, duplicates summed, as scipy does).
  The structure of a sparse matrix (``indptr`` length, start, monotonicity and end,
  column indices in range) is checked *before* any scipy routine touches it: scipy's
  compiled routines trust it and read or write out of bounds on a malformed matrix.
  A CSR matrix that only gdfast's kernels read (``check_X(kernel_only=True)``) gets the
  O(n_rows) ``indptr`` checks here; its column indices are range-checked in C++, once.
* String, bytes and other non-numeric dtypes (including object arrays holding
  strings) are refused; bool, integer and float16 arrays are converted.
* ``y``, ``sample_weight``, ``coef_init`` must be finite and have matching lengths.
"""

from __future__ import annotations

import functools
import numbers
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, check_random_state

FLOAT_DTYPES = (np.float64, np.float32)
# Counts (epochs, batch and block sizes, ...) above 2**62 are never meaningful; the bound
# leaves the kernels' int64 arithmetic headroom (n + block - 1 must not overflow).
_INT_LIMIT = 2**62


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


def _aligned(a: np.ndarray) -> np.ndarray:
    """An aligned array: the kernels dereference ``T*`` (an unaligned buffer, e.g. from
    ``np.frombuffer`` at an odd offset, is undefined behaviour there). Copies only then."""
    return a if a.flags.aligned else np.array(a, copy=True, order="C")


def _canonical(a: np.ndarray) -> np.ndarray:
    """``a`` with numpy's canonical dtype object (a view: nothing is copied).

    An array that went through pickle (joblib workers, multiprocessing) carries a dtype
    that is *equal* to float64 but not the same object, and the kernels' dtype dispatch
    compares identity.
    """
    a = _aligned(a)
    canonical = np.dtype(a.dtype.char)
    if a.dtype is canonical or a.dtype != canonical:
        return a
    return a.view(canonical)


def _malformed(name: str, what: str) -> ValueError:
    return ValueError(f"malformed sparse matrix {name}: {what}")


def check_sparse_structure(X: Any, name: str = "X", *, check_indices: bool = True) -> None:
    """Refuse a CSR/CSC/COO matrix whose index arrays are inconsistent (no copy, no write).

    scipy checks the structure only when a matrix is constructed, not after its
    ``indptr``/``indices`` were modified, and its compiled routines (format
    conversion, ``sum_duplicates``, products) then read or write out of bounds.
    Cost: O(nnz) reads, O(n_rows) scratch.

    ``check_indices=False`` (CSR/CSC only) checks ``indptr`` and the array lengths, O(n_rows),
    but not the range of the minor indices: for a matrix that only gdfast's kernels
    will read, which check that range themselves in the pass that reads them.
    """
    fmt = X.format
    shape = X.shape
    if len(shape) != 2:
        raise _malformed(name, f"expected 2-D, got shape {shape}")
    if fmt in ("csr", "csc"):
        n_major, n_minor = shape if fmt == "csr" else shape[::-1]
        data, indices, indptr = X.data, X.indices, X.indptr
        for arr, part in ((data, "data"), (indices, "indices"), (indptr, "indptr")):
            if not isinstance(arr, np.ndarray) or arr.ndim != 1:
                raise _malformed(name, f"{part} must be a 1-D numpy array")
        for arr, part in ((indices, "indices"), (indptr, "indptr")):
            if arr.dtype.kind not in "iu":
                raise _malformed(name, f"{part} has non-integer dtype {arr.dtype}")
        if indptr.shape[0] != n_major + 1:
            raise _malformed(
                name, f"indptr has length {indptr.shape[0]}, expected {n_major + 1}"
            )
        if indices.shape[0] != data.shape[0]:
            raise _malformed(
                name, f"indices ({indices.shape[0]}) and data ({data.shape[0]}) differ in length"
            )
        if int(indptr[0]) != 0:
            raise _malformed(name, f"indptr[0] is {int(indptr[0])}, expected 0")
        if n_major > 0 and np.any(indptr[1:] < indptr[:-1]):
            raise _malformed(name, "indptr is not non-decreasing")
        nnz = int(indptr[-1])
        if nnz > indices.shape[0]:
            raise _malformed(
                name, f"indptr[-1] = {nnz} exceeds the length of indices ({indices.shape[0]})"
            )
        if check_indices and nnz > 0:
            used = indices[:nnz]
            lo, hi = int(used.min()), int(used.max())
            if lo < 0 or hi >= n_minor:
                axis = "column" if fmt == "csr" else "row"
                raise _malformed(
                    name, f"a {axis} index ({lo if lo < 0 else hi}) is outside [0, {n_minor})"
                )
    elif fmt == "coo":
        coords = getattr(X, "coords", None)
        rows, cols = coords if coords is not None else (X.row, X.col)
        n = X.data.shape[0]
        if rows.shape != (n,) or cols.shape != (n,):
            raise _malformed(name, "row, col and data differ in length")
        for arr, bound, axis in ((rows, shape[0], "row"), (cols, shape[1], "column")):
            if n > 0 and (int(arr.min()) < 0 or int(arr.max()) >= bound):
                raise _malformed(name, f"a {axis} index is outside [0, {bound})")


def _refuse_non_numeric(X: Any, name: str) -> None:
    """Strings/bytes (and object arrays of them) are refused, not parsed as numbers."""
    if sp.issparse(X) or isinstance(X, np.ndarray) or hasattr(X, "__array__"):
        dt = getattr(X, "dtype", None)
        if dt is None:
            return
        try:
            dt = np.dtype(dt)
        except TypeError:  # e.g. a pandas extension dtype: let sklearn decide
            return
        if dt.kind in "USVMm":
            msg = f"{name} must be numeric, got dtype {dt}"
            raise ValueError(msg)
        if dt.kind == "O" and isinstance(X, np.ndarray):
            if any(isinstance(v, (str, bytes)) for v in X.flat):
                msg = f"{name} must be numeric, got an object array containing strings"
                raise ValueError(msg)


def check_X(X: Any, *, name: str = "X", dtype: Any = None, finite: bool = True,
            kernel_only: bool = False) -> Matrix:
    """Validate X (see module docstring). ``dtype`` forces float32/float64 (predict).

    ``finite=False`` skips the scan for NaN/inf: for callers whose kernel pass detects
    non-finite values itself (then :func:`non_finite_message` names the cause), which
    saves a full read of X.

    ``kernel_only=True``: the result is read by gdfast's kernels only (never by scipy),
    and the kernels check every column index before they use it. A CSR matrix then
    gets its O(n_rows) ``indptr`` checks here but not the O(nnz) column-index range
    scan, which would read ``indices`` once more (W4: 40 MB, 3-5 ms of a ~30 ms call).
    Any other sparse format, or a CSR matrix scipy must first bring to canonical form,
    is fully checked before scipy touches it.
    """
    if isinstance(X, Matrix):
        return X
    if (
        not finite
        and type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype.type in FLOAT_DTYPES
        and (dtype is None or X.dtype == np.dtype(dtype))
        and X.flags.c_contiguous
        and X.flags.aligned
        and X.shape[0] >= 1
        and X.shape[1] >= 1
    ):
        # Fast path: already what the kernels read (check_array would only confirm it,
        # at ~0.1 ms a call -- as much as a kernel pass over 10^5 values).
        return Matrix(_canonical(X), None, None, X.shape)
    dtypes: Any = list(FLOAT_DTYPES) if dtype is None else dtype
    if sp.issparse(X):
        lazy = kernel_only and X.format == "csr"
        check_sparse_structure(X, name, check_indices=not lazy)
        _refuse_non_numeric(X, name)
        with np.errstate(over="ignore", invalid="ignore"):  # inf - inf in the finiteness check
            X = check_array(
                X,
                accept_sparse="csr",
                dtype=dtypes,
                accept_large_sparse=True,
                input_name=name,
                ensure_all_finite=finite,
            )
        # (scipy's has_canonical_format compares indices, never uses them as addresses)
        if not X.has_canonical_format:
            if lazy:  # sum_duplicates writes through the indices
                check_sparse_structure(X, name)
            X = X.copy()
            X.sum_duplicates()
        indices, indptr = X.indices, X.indptr
        if indices.dtype != indptr.dtype:
            indices = indices.astype(np.int64)
            indptr = indptr.astype(np.int64)
        data = _canonical(np.ascontiguousarray(X.data))
        return Matrix(data, _canonical(np.ascontiguousarray(indices)),
                      _canonical(np.ascontiguousarray(indptr)), X.shape)
    if isinstance(X, (list, tuple)):
        try:
            probe = np.asarray(X)
        except ValueError:  # ragged: check_array explains it
            probe = None
        if probe is not None:
            _refuse_non_numeric(probe, name)
    else:
        _refuse_non_numeric(X, name)
    with np.errstate(over="ignore", invalid="ignore"):  # inf - inf in the finiteness check
        X = check_array(X, accept_sparse=False, dtype=dtypes, order="C", input_name=name,
                        ensure_all_finite=finite)
    return Matrix(_canonical(X), None, None, X.shape)


def non_finite_input(X: Matrix) -> str | None:
    """After a kernel reported non-finite values: a message if X itself holds NaN/inf
    (the error is then the input's, not a divergence), else None."""
    if not np.all(np.isfinite(X.data)):
        return "X contains NaN or infinity"
    return None


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
    original = arr
    with np.errstate(over="ignore", invalid="ignore"):
        arr = _canonical(np.ascontiguousarray(arr, dtype=dtype))
    if not np.all(np.isfinite(arr)):
        if original.dtype.kind == "f" and np.all(np.isfinite(original)):
            msg = (f"{name} has values outside the range of {np.dtype(dtype)} (the dtype of "
                   "X): scale them, or pass X as float64")
        else:
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


def check_int(value: Any, name: str, *, low: int | None = None,
              high: int | None = _INT_LIMIT) -> int:
    """An int within [low, high] (``high`` defaults to 2**62, see ``_INT_LIMIT``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        msg = f"{name} must be an int, got {value!r}"
        raise TypeError(msg)
    v = int(value)
    if low is not None and v < low:
        msg = f"{name} must be >= {low}, got {value!r}"
        raise ValueError(msg)
    if high is not None and v > high:
        msg = f"{name} must be <= {high}, got {value!r}"
        raise ValueError(msg)
    return v


def check_choice(value: Any, name: str, choices: dict[str, Any]) -> Any:
    """Map a string option to its value; the error lists the valid names."""
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        msg = f"{name}={value!r} is not valid; choose one of {valid}"
        raise ValueError(msg)
    return choices[value]


_per_thread = threading.local()


def _seeded_state(seed: int) -> np.random.RandomState:
    """This thread's RandomState, reseeded: ``RandomState(seed)``'s draws for ~3 us
    instead of ~90 us (a new RandomState pays numpy's errstate and allocation; an
    estimator with ``random_state=None`` hands every fit a fresh integer seed, which the
    cache below never holds). One per thread: seeding and drawing are two calls."""
    rs = getattr(_per_thread, "rs", None)
    if rs is None:
        rs = _per_thread.rs = np.random.RandomState()
    rs.seed(seed)
    return rs


@functools.lru_cache(maxsize=64)
def _draws_of_int_seed(seed: int, high: int, size: int | None) -> int | tuple[int, ...]:
    rs = _seeded_state(seed)
    if size is None:
        return int(rs.randint(high))
    return tuple(int(v) for v in rs.randint(high, size=size))


def draw_seeds(random_state: Any, high: int, size: int | None = None) -> Any:
    """``check_random_state(random_state).randint(high[, size])`` as Python ints, as
    scikit-learn derives seeds. An integer ``random_state`` always gives the same
    draws, so they are kept (and drawn from a reseeded RandomState: creating one costs
    ~0.1 ms, as much as fitting a small data set, and a grid search fits many times)."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        draws = _draws_of_int_seed(int(random_state), int(high), size)
        return draws if size is None else list(draws)  # type: ignore[arg-type]
    rs = check_random_state(random_state)
    if size is None:
        return int(rs.randint(high))
    return [int(v) for v in rs.randint(high, size=size)]

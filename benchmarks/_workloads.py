"""Deterministic generators for the standard workloads W1-W5 (see BENCHMARKS.md).

Every workload is generated from fixed seeds, never downloaded, and cached in-process:
asking twice for the same (workload, dtype, scale) returns the same arrays (treat them as
read-only). ``scale`` multiplies the number of samples (W1-W4; W4 also scales its number
of features so that the density stays at ~50 nonzeros per row); W5 is always full size.

The scale comes from the ``GDFAST_BENCH_SCALE`` environment variable (default 1.0 = the
reference sizes). ``benchmarks/conftest.py`` sets a tiny default when pytest runs the
benchmark files as plain tests (``--benchmark-disable``).

    >>> from _workloads import get
    >>> wl = get("W2", "f32")          # dataclass: X, y, loss, alpha, ...
    >>> wl.X.shape, wl.X.dtype
"""

from __future__ import annotations

import dataclasses
import functools
import os

import numpy as np
import scipy.sparse as sp

__all__ = [
    "PROBLEMS",
    "Problem",
    "Workload",
    "bench_scale",
    "get",
    "nbytes",
    "problem",
    "w5",
]

# reference sizes (scale = 1.0)
W1_N, W1_D = 500_000, 100
W2_N, W2_D = 500_000, 100
W4_N, W4_D, W4_NNZ_ROW = 200_000, 50_000, 50
W4_SUPPORT = 0.10  # fraction of features in the sparse true model
W4_FLIP = 0.05  # fraction of flipped labels


def bench_scale() -> float:
    """The current scale: ``GDFAST_BENCH_SCALE`` (float > 0), default 1.0."""
    raw = os.environ.get("GDFAST_BENCH_SCALE", "1.0")
    try:
        s = float(raw)
    except ValueError:
        msg = f"GDFAST_BENCH_SCALE must be a positive float, got {raw!r}"
        raise ValueError(msg) from None
    if not s > 0:
        msg = f"GDFAST_BENCH_SCALE must be a positive float, got {raw!r}"
        raise ValueError(msg)
    return s


def _dtype(dtype: str | type | np.dtype) -> np.dtype:
    aliases = {"f64": np.float64, "f32": np.float32}
    return np.dtype(aliases.get(dtype, dtype))  # type: ignore[call-overload]


def _n(n_ref: int, scale: float, minimum: int = 1000) -> int:
    return max(minimum, round(n_ref * scale))


def _standardize(X: np.ndarray) -> np.ndarray:
    X -= X.mean(axis=0)
    X /= X.std(axis=0)
    return X


@dataclasses.dataclass(frozen=True)
class Workload:
    """A data set plus the objective it is benchmarked with (contract's P(w, b))."""

    name: str  # "W1", "W2", "W3", "W4"
    X: np.ndarray | sp.csr_matrix
    y: np.ndarray  # float64 (regression) or float64 in {-1, +1}; cast by callers if needed
    losses: tuple[str, ...]  # losses this workload is benchmarked with, first = main
    alpha: float
    scale: float

    @property
    def loss(self) -> str:
        return self.losses[0]

    @property
    def dtype(self) -> np.dtype:
        return self.X.dtype

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def sparse(self) -> bool:
        return sp.issparse(self.X)

    @property
    def tag(self) -> str:
        return f"{self.name}-{'f64' if self.dtype == np.float64 else 'f32'}"


def nbytes(X: np.ndarray | sp.csr_matrix) -> int:
    """Bytes a pass over X must read: the values (+ column indices and row pointers for CSR)."""
    if sp.issparse(X):
        return int(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes)
    return int(X.nbytes)


# ---------------------------------------------------------------- generators (float64)
@functools.lru_cache(maxsize=None)
def _w1_f64(scale: float) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_regression

    X, y = make_regression(
        n_samples=_n(W1_N, scale), n_features=W1_D, noise=10, random_state=0
    )
    # X standardized; y left as generated (relative suboptimality and SGD iterates are
    # invariant to the scale of y apart from the initial point w=0).
    return _standardize(X), np.ascontiguousarray(y, dtype=np.float64)


@functools.lru_cache(maxsize=None)
def _w2_f64(scale: float) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=_n(W2_N, scale), n_features=W2_D, n_informative=50, random_state=0
    )
    return _standardize(X), np.where(y > 0, 1.0, -1.0)


@functools.lru_cache(maxsize=None)
def _w4_f64(scale: float) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse CSR, ~50 nnz/row (uniform columns, duplicates dropped), values > 0, rows
    L2-normalised; labels = sign(X w_true - median) for a true model supported on 10% of
    the features, then 5% of the labels flipped. Vectorised: no Python loop over rows."""
    n, d = _n(W4_N, scale), max(1000, round(W4_D * scale))
    k = min(W4_NNZ_ROW, d // 4)
    rng = np.random.default_rng(4)
    cols = np.sort(rng.integers(0, d, size=(n, k), dtype=np.int32), axis=1)
    keep = np.ones((n, k), dtype=bool)
    keep[:, 1:] = cols[:, 1:] != cols[:, :-1]  # drop repeated columns within a row
    counts = keep.sum(axis=1)
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=indptr[1:])
    indices = np.ascontiguousarray(cols[keep])
    del cols
    vals = rng.exponential(1.0, size=indices.size)  # nonnegative, skewed like tf-idf
    row_of = np.repeat(np.arange(n), counts)
    norms = np.sqrt(np.bincount(row_of, weights=vals * vals, minlength=n))
    vals /= norms[row_of]
    del row_of
    X = sp.csr_matrix((vals, indices, indptr), shape=(n, d))
    X.has_sorted_indices = True

    w_true = np.zeros(d)
    support = rng.choice(d, size=max(1, round(W4_SUPPORT * d)), replace=False)
    w_true[support] = rng.standard_normal(support.size)
    score = X @ w_true
    y = np.where(score > np.median(score), 1.0, -1.0)
    flip = rng.random(n) < W4_FLIP
    y[flip] = -y[flip]
    return X, y


def _cast_dense(X: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return X if X.dtype == dtype else np.ascontiguousarray(X, dtype=dtype)


@functools.lru_cache(maxsize=None)
def _get(name: str, dtype: np.dtype, scale: float) -> Workload:
    if name == "W1":
        X, y = _w1_f64(scale)
        return Workload("W1", _cast_dense(X, dtype), y, ("squared",), 1e-4, scale)
    if name in ("W2", "W3"):
        X, y = _w2_f64(scale)
        losses = ("hinge", "squared_hinge") if name == "W2" else ("log",)
        return Workload(name, _cast_dense(X, dtype), y, losses, 1e-4, scale)
    if name == "W4":
        X, y = _w4_f64(scale)
        if X.dtype != dtype:
            X = sp.csr_matrix((X.data.astype(dtype), X.indices, X.indptr), shape=X.shape)
            X.has_sorted_indices = True
        return Workload("W4", X, y, ("hinge", "log"), 1e-5, scale)
    msg = f"unknown workload {name!r}; valid: W1, W2, W3, W4 (W5: use w5())"
    raise ValueError(msg)


def get(name: str, dtype: str | type | np.dtype = "f64", scale: float | None = None) -> Workload:
    """Workload ``name`` ("W1".."W4") in ``dtype`` ("f64"/"f32"/numpy dtype), cached.

    W3 shares W2's arrays (same data, log loss). ``scale`` defaults to ``bench_scale()``.
    """
    s = bench_scale() if scale is None else float(scale)
    return _get(name, _dtype(dtype), s)


def clear_cache() -> None:
    """Drop every cached array (frees memory between phases of a long run)."""
    for f in (_w1_f64, _w2_f64, _w4_f64, _get):
        f.cache_clear()


# ---------------------------------------------------------------- problems
@dataclasses.dataclass(frozen=True)
class Problem:
    """One (workload, loss) pair of the time-to-accuracy comparison."""

    key: str  # e.g. "W2-hinge"
    workload: str
    loss: str

    def load(self, dtype: str = "f64", scale: float | None = None) -> Workload:
        return get(self.workload, dtype, scale)


PROBLEMS: dict[str, Problem] = {
    p.key: p
    for p in (
        Problem("W1-squared", "W1", "squared"),
        Problem("W2-hinge", "W2", "hinge"),
        Problem("W2-squared_hinge", "W2", "squared_hinge"),
        Problem("W3-log", "W3", "log"),
        Problem("W4-hinge", "W4", "hinge"),
        Problem("W4-log", "W4", "log"),
    )
}


def problem(key: str) -> Problem:
    try:
        return PROBLEMS[key]
    except KeyError:
        msg = f"unknown problem {key!r}; valid: {', '.join(PROBLEMS)}"
        raise ValueError(msg) from None


# ---------------------------------------------------------------- W5
@dataclasses.dataclass(frozen=True)
class SmallTask:
    name: str
    task: str  # "binary", "multiclass", "regression"
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


@functools.lru_cache(maxsize=None)
def w5(name: str) -> SmallTask:
    """W5: scikit-learn's bundled data sets, standardized (train statistics), 75/25 split
    with ``train_test_split(random_state=0)`` (stratified for classification)."""
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    loaders = {
        "breast_cancer": (datasets.load_breast_cancer, "binary"),
        "digits": (datasets.load_digits, "multiclass"),
        "diabetes": (datasets.load_diabetes, "regression"),
    }
    if name not in loaders:
        msg = f"unknown W5 data set {name!r}; valid: {', '.join(loaders)}"
        raise ValueError(msg)
    loader, task = loaders[name]
    X, y = loader(return_X_y=True)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    strat = None if task == "regression" else y
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=strat
    )
    mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0)
    sd[sd == 0] = 1.0
    Xtr = np.ascontiguousarray((Xtr - mu) / sd)
    Xte = np.ascontiguousarray((Xte - mu) / sd)
    if task == "binary":
        ytr, yte = np.where(ytr > 0, 1.0, -1.0), np.where(yte > 0, 1.0, -1.0)
    return SmallTask(name, task, Xtr, ytr, Xte, yte)

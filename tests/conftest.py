"""Shared fixtures for the gdfast test-suite.

Everything numeric that the tests compare against lives here as *independent* numpy
code (nothing below imports gdfast): the loss formulas and the objective of
DESIGN.md / CONTRACT.md, written out directly, and the closed-form ridge solution.
The helpers are exposed through the session-scoped ``ref`` fixture because
``--import-mode=importlib`` does not put ``tests/`` on ``sys.path``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit

# When a hypothesis test fails, hypothesis' pytest plugin lazily imports libcst (to
# write an @example patch), whose import chain emits a DeprecationWarning
# (mypy_extensions.TypedDict); with filterwarnings=error that turns one failing test
# into an INTERNALERROR that aborts the whole session. Import it once, quietly, here.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import libcst  # noqa: F401
    except ImportError:
        pass

REGRESSION_LOSSES = (
    "squared", "huber", "epsilon_insensitive", "squared_epsilon_insensitive")
CLASSIFICATION_LOSSES = ("hinge", "squared_hinge", "log", "modified_huber", "perceptron")
LOSSES = REGRESSION_LOSSES + CLASSIFICATION_LOSSES
PENALTIES = ("none", "l2", "l1", "elasticnet")


# ----------------------------------------------------------------------------- losses
def loss_value(loss: str, y, p, epsilon: float = 0.1) -> np.ndarray:
    """L(y, p) elementwise, straight from the contract's table (float64)."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    r = p - y
    z = y * p
    a = np.abs(r)
    if loss == "squared":
        return 0.5 * r * r
    if loss == "huber":
        return np.where(a <= epsilon, 0.5 * r * r, epsilon * a - 0.5 * epsilon**2)
    if loss == "epsilon_insensitive":
        return np.maximum(0.0, a - epsilon)
    if loss == "squared_epsilon_insensitive":
        return np.maximum(0.0, a - epsilon) ** 2
    if loss == "hinge":
        return np.maximum(0.0, 1.0 - z)
    if loss == "squared_hinge":
        return np.maximum(0.0, 1.0 - z) ** 2
    if loss == "log":
        return np.logaddexp(0.0, -z)  # log(1 + exp(-z)), stable both ways
    if loss == "modified_huber":
        return np.where(z >= -1.0, np.maximum(0.0, 1.0 - z) ** 2, -4.0 * z)
    if loss == "perceptron":
        return np.maximum(0.0, -z)
    raise KeyError(loss)


def loss_derivative(loss: str, y, p, epsilon: float = 0.1) -> np.ndarray:
    """dL/dp elementwise, with the contract's conventions at the kinks (scikit-learn's:
    hinge -y at z = 1, perceptron -y at z = 0, epsilon_insensitive 0 at |r| = eps and
    at r = 0)."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    r = p - y
    z = y * p
    a = np.abs(r)
    s = np.sign(r)
    if loss == "squared":
        return r
    if loss == "huber":
        return np.where(a <= epsilon, r, epsilon * s)
    if loss == "epsilon_insensitive":
        return np.where(a > epsilon, s, 0.0)  # 0 at |r| = eps and at r = 0
    if loss == "squared_epsilon_insensitive":
        return 2.0 * s * np.maximum(0.0, a - epsilon)
    if loss == "hinge":
        return np.where(z <= 1.0, -y, 0.0)  # -y at z = 1 (scikit-learn's convention)
    if loss == "squared_hinge":
        return -2.0 * y * np.maximum(0.0, 1.0 - z)
    if loss == "log":
        return -y * expit(-z)  # -y / (1 + exp(z))
    if loss == "modified_huber":
        return np.where(z >= -1.0, -2.0 * y * np.maximum(0.0, 1.0 - z), -4.0 * y)
    if loss == "perceptron":
        return np.where(z <= 0.0, -y, 0.0)  # -y at z = 0 (scikit-learn's convention)
    raise KeyError(loss)


def loss_kinks(loss: str, y, p, epsilon: float = 0.1) -> np.ndarray:
    """Distance (in prediction units) of each point to the nearest point where the
    loss is not differentiable (inf for smooth / C1 losses)."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    r = p - y
    z = y * p
    if loss == "hinge":
        return np.abs(z - 1.0)
    if loss == "perceptron":
        return np.abs(z)
    if loss == "epsilon_insensitive":
        d = np.abs(np.abs(r) - epsilon)
        return np.minimum(d, np.abs(r)) if epsilon == 0 else d
    return np.full(np.broadcast(y, p).shape, np.inf)


# ---------------------------------------------------------------------- penalties
def penalty_value(penalty: str, w, l1_ratio: float = 0.15) -> float:
    w = np.asarray(w, dtype=np.float64)
    if penalty == "none":
        return 0.0
    if penalty == "l2":
        return 0.5 * float(w @ w)
    if penalty == "l1":
        return float(np.abs(w).sum())
    if penalty == "elasticnet":
        return 0.5 * (1.0 - l1_ratio) * float(w @ w) + l1_ratio * float(np.abs(w).sum())
    raise KeyError(penalty)


def penalty_gradient(penalty: str, w, l1_ratio: float = 0.15) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if penalty == "none":
        return np.zeros_like(w)
    if penalty == "l2":
        return w.copy()
    if penalty == "l1":
        return np.sign(w)
    if penalty == "elasticnet":
        return (1.0 - l1_ratio) * w + l1_ratio * np.sign(w)
    raise KeyError(penalty)


# ---------------------------------------------------------------------- objective
def to_dense64(X) -> np.ndarray:
    if sp.issparse(X):
        X = X.toarray()
    return np.asarray(X, dtype=np.float64)


def objective(
    X,
    y,
    coef,
    intercept=0.0,
    *,
    loss,
    penalty="l2",
    alpha=1e-4,
    l1_ratio=0.15,
    epsilon=0.1,
    sample_weight=None,
):
    """P(w, b) = (1/S) sum_i s_i L(y_i, x_i.w + b) + alpha R(w) and its gradient,
    evaluated in float64 with numpy (the contract's formula, nothing else)."""
    X = to_dense64(X)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(coef, dtype=np.float64)
    s = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, np.float64)
    S = s.sum()
    p = X @ w + float(intercept)
    value = float(s @ loss_value(loss, y, p, epsilon)) / S
    value += alpha * penalty_value(penalty, w, l1_ratio)
    d = s * loss_derivative(loss, y, p, epsilon) / S
    grad = X.T @ d + alpha * penalty_gradient(penalty, w, l1_ratio)
    return value, grad, float(d.sum())


def ridge_optimum(X, y, alpha, *, sample_weight=None, fit_intercept=True):
    """Minimiser of (1/S) sum s_i 0.5 (x_i.w + b - y_i)^2 + alpha/2 ||w||^2 (b free)."""
    X = to_dense64(X)
    y = np.asarray(y, dtype=np.float64)
    s = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, np.float64)
    S = s.sum()
    d = X.shape[1]
    if fit_intercept:
        xm = s @ X / S
        ym = float(s @ y) / S
        Xc, yc = X - xm, y - ym
    else:
        xm, ym, Xc, yc = np.zeros(d), 0.0, X, y
    A = (Xc.T * s) @ Xc / S + alpha * np.eye(d)
    w = np.linalg.solve(A, (Xc.T * s) @ yc / S)
    b = ym - float(xm @ w)
    value = objective(X, y, w, b, loss="squared", penalty="l2", alpha=alpha,
                      sample_weight=s)[0]
    return w, b, value


def as_format(X, fmt: str):
    """The same matrix as dense / csr_array / csr_matrix with int32 or int64 indices."""
    if fmt == "dense":
        return np.ascontiguousarray(X)
    kind, idx = fmt.split("-")
    cls = {"csr_array": sp.csr_array, "csr_matrix": sp.csr_matrix}[kind]
    A = cls(np.asarray(X))
    A.eliminate_zeros()
    # scipy may down-cast the index arrays on construction: force the requested type
    itype = {"i32": np.int32, "i64": np.int64}[idx]
    A.indices = A.indices.astype(itype)
    A.indptr = A.indptr.astype(itype)
    assert A.indices.dtype == itype and A.indptr.dtype == itype
    assert A.dtype == X.dtype
    return A


FORMATS = ("dense", "csr_array-i32", "csr_array-i64", "csr_matrix-i32", "csr_matrix-i64")


# ------------------------------------------------------------------------- problems
@dataclass(frozen=True)
class Problem:
    X: np.ndarray
    y: np.ndarray
    coef_true: np.ndarray
    intercept_true: float


def make_regression(n=200, d=5, *, noise=0.5, intercept=1.5, density=1.0, seed=0,
                    dtype=np.float64) -> Problem:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if density < 1.0:
        X *= rng.random((n, d)) < density
    w = rng.uniform(-2.0, 2.0, size=d)
    y = X @ w + intercept + noise * rng.standard_normal(n)
    return Problem(X.astype(dtype), y.astype(dtype), w, intercept)


def make_classification(n=200, d=5, *, flip=0.1, intercept=0.5, density=1.0, seed=0,
                        dtype=np.float64) -> Problem:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if density < 1.0:
        X *= rng.random((n, d)) < density
    w = rng.uniform(-2.0, 2.0, size=d)
    y = np.where(X @ w + intercept > 0, 1.0, -1.0)
    y[rng.random(n) < flip] *= -1.0
    return Problem(X.astype(dtype), y.astype(dtype), w, intercept)


REF = SimpleNamespace(
    LOSSES=LOSSES,
    REGRESSION_LOSSES=REGRESSION_LOSSES,
    CLASSIFICATION_LOSSES=CLASSIFICATION_LOSSES,
    PENALTIES=PENALTIES,
    FORMATS=FORMATS,
    loss_value=loss_value,
    loss_derivative=loss_derivative,
    loss_kinks=loss_kinks,
    penalty_value=penalty_value,
    penalty_gradient=penalty_gradient,
    objective=objective,
    ridge_optimum=ridge_optimum,
    as_format=as_format,
    to_dense64=to_dense64,
    make_regression=make_regression,
    make_classification=make_classification,
)


@pytest.fixture(scope="session")
def ref() -> SimpleNamespace:
    """Independent numpy reference implementations (see module docstring)."""
    return REF


@pytest.fixture(params=[np.float64, np.float32], ids=["f64", "f32"])
def dtype(request):
    return request.param


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def regression(dtype) -> Problem:
    """Small, well-conditioned least-squares problem (n=200, d=5) in ``dtype``."""
    return make_regression(dtype=dtype)


@pytest.fixture
def classification(dtype) -> Problem:
    """Small binary problem with labels -1/+1 and 10% flipped labels, in ``dtype``."""
    return make_classification(dtype=dtype)

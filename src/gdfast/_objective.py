"""``gdfast.objective``: value and gradient from one fused pass over X."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import _core
from ._fit import DivergenceError
from ._options import CLASSIFICATION_LOSSES, make_loss, penalty_kind
from ._threads import n_threads as _n_threads
from ._validation import (
    Matrix,
    check_labels_pm1,
    check_real,
    check_sample_weight,
    check_vector,
    check_X,
    non_finite_input,
)

__all__ = ["objective", "scipy_objective"]


class _Problem:
    """Validated data + options, reusable across many evaluations (no re-validation)."""

    def __init__(self, X: Any, y: Any, *, loss: str, penalty: Any, alpha: Any, l1_ratio: Any,
                 epsilon: Any, sample_weight: Any, n_jobs: Any) -> None:
        # the fused pass reports NaN/inf and checks the column indices
        self.X: Matrix = check_X(X, finite=False, kernel_only=True)
        n = self.X.shape[0]
        self.y = check_vector(y, n, self.X.dtype, "y")
        if loss in CLASSIFICATION_LOSSES:
            check_labels_pm1(self.y, loss)
        self.loss = make_loss(loss, epsilon)
        kind = penalty_kind(penalty)
        alpha = check_real(alpha, "alpha", low=0.0)
        l1_ratio = check_real(l1_ratio, "l1_ratio", low=0.0, high=1.0)
        self.l2 = {"l2": alpha, "elasticnet": alpha * (1 - l1_ratio)}.get(kind.name, 0.0)
        self.l1 = {"l1": alpha, "elasticnet": alpha * l1_ratio}.get(kind.name, 0.0)
        self.sw = check_sample_weight(sample_weight, n, self.X.dtype)
        self.nt = _n_threads(n_jobs, work=self.X.data.size)

    def __call__(self, coef: np.ndarray, intercept: float,
                 grad: np.ndarray | None = None) -> tuple[float, np.ndarray, float]:
        d = self.X.shape[1]
        w = check_vector(coef, d, self.X.dtype, "coef", what="n_features")
        b = check_real(intercept, "intercept")
        g = np.empty(d, dtype=self.X.dtype) if grad is None else grad
        loss_sum, _, gb_sum, wsum, finite = _core.objective(
            *self.X.parts(), self.y, self.sw, w, b, self.loss, g, None, self.nt
        )
        if not finite:
            bad_input = non_finite_input(self.X)
            if bad_input is not None:
                raise ValueError(bad_input)
            msg = ("the objective overflowed (non-finite margins or loss): "
                   "scale X (e.g. StandardScaler) or use smaller coefficients")
            raise DivergenceError(msg)
        inv = 1.0 / wsum
        value = loss_sum * inv
        g *= g.dtype.type(inv)
        # (in float64, cast once: alpha * w may exceed float32's range -- the finiteness
        # check below then reports it)
        with np.errstate(over="ignore", invalid="ignore"):
            if self.l2:
                # (not np.dot: an OpenBLAS dot of this length wakes BLAS threads that
                # keep spinning after it and take a core from the next fused pass -- W4
                # with 2 threads: 48 instead of 19 ms a call)
                w64 = w.astype(np.float64, copy=False)
                value += 0.5 * self.l2 * float(np.add.reduce(w64 * w64))
                g += (self.l2 * w.astype(np.float64)).astype(g.dtype)
            if self.l1:
                value += self.l1 * float(np.abs(w).sum(dtype=np.float64))
                g += (self.l1 * np.sign(w).astype(np.float64)).astype(g.dtype)
        if not (np.isfinite(value) and np.all(np.isfinite(g))):
            bad_input = non_finite_input(self.X)
            if bad_input is not None:
                raise ValueError(bad_input)
            msg = ("the gradient overflowed the dtype of X "
                   f"({self.X.dtype}): scale X (e.g. StandardScaler) or use float64")
            raise DivergenceError(msg)
        return float(value), g, float(gb_sum * inv)


def objective(
    X: Any,
    y: Any,
    coef: Any,
    intercept: float = 0.0,
    *,
    loss: str,
    penalty: str | None = "l2",
    alpha: float = 1e-4,
    l1_ratio: float = 0.15,
    epsilon: float = 0.1,
    sample_weight: Any = None,
    n_jobs: int | None = None,
) -> tuple[float, np.ndarray, float]:
    """Objective value and gradient, ``(P(w, b), dP/dw, dP/db)``, from one fused pass.

    ``P(w, b) = (1/S) sum_i s_i L(y_i, x_i.w + b) + alpha R(w)`` (see :func:`gdfast.fit`).
    For ``l1``/``elasticnet`` the gradient uses the subgradient ``sign(w)``
    (``sign(0) = 0``). The result is bitwise identical for any ``n_jobs``.
    """
    prob = _Problem(X, y, loss=loss, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio,
                    epsilon=epsilon, sample_weight=sample_weight, n_jobs=n_jobs)
    return prob(coef, intercept)


def scipy_objective(
    X: Any,
    y: Any,
    *,
    loss: str,
    penalty: str | None = "l2",
    alpha: float = 1e-4,
    l1_ratio: float = 0.15,
    epsilon: float = 0.1,
    fit_intercept: bool = True,
    sample_weight: Any = None,
    n_jobs: int | None = None,
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """``fun(x) -> (value, grad)`` for ``scipy.optimize.minimize(fun, x0, jac=True)``.

    ``x = concatenate([coef, [intercept]])`` when ``fit_intercept`` else ``coef``.
    X is validated once here, not at every call.

    >>> fun = gdfast.scipy_objective(X, y, loss="log")            # doctest: +SKIP
    >>> res = scipy.optimize.minimize(fun, np.zeros(d + 1), jac=True, method="L-BFGS-B")
    """
    prob = _Problem(X, y, loss=loss, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio,
                    epsilon=epsilon, sample_weight=sample_weight, n_jobs=n_jobs)
    d = prob.X.shape[1]
    grad = np.empty(d, dtype=prob.X.dtype)

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        x = np.asarray(x, dtype=np.float64)
        coef = x[:d].astype(prob.X.dtype)
        b = float(x[d]) if fit_intercept else 0.0
        value, g, gb = prob(coef, b, grad)
        out = np.empty(d + 1 if fit_intercept else d, dtype=np.float64)
        out[:d] = g
        if fit_intercept:
            out[d] = gb
        return value, out

    return fun

"""Drop-in scikit-learn estimators ``LinearSVC`` and ``LinearSVR``.

Solved by gdfast's full-batch solver (``gdfast.fit(..., batch_size="full")``:
gradient descent with a backtracking line search, one fused multi-threaded pass
over the data per iteration) instead of liblinear.

How the objective matches scikit-learn's (liblinear's)
------------------------------------------------------
liblinear minimises ``R(w~) + C sum_i s_i c_i L(y_i, x~_i.w~)`` where
``x~ = [x, intercept_scaling]`` and ``w~ = [w, w_b]`` (the intercept is
``intercept_scaling * w_b`` and *is* penalised, like any other weight),
``R = 0.5 ||.||^2`` (penalty 'l2') or ``||.||_1`` ('l1'), ``s_i`` the sample
weights and ``c_i`` the class weights. Dividing by ``C * S`` with
``S = sum_i s_i c_i`` gives gdfast's form ``(1/S) sum_i s_i c_i L + alpha R`` with

    alpha = 1 / (C * S)        (= 1 / (C * n_samples) with unit weights)

and the same minimiser. The estimators reproduce liblinear's intercept exactly:
with ``fit_intercept=True`` they append the constant column ``intercept_scaling``
to ``X`` (this costs one copy of ``X``) and fit without a separate intercept, so
the intercept is penalised exactly as in scikit-learn and ``intercept_scaling``
has its scikit-learn meaning. The losses are liblinear's: 'hinge'
``max(0, 1 - z)``, 'squared_hinge' ``max(0, 1 - z)^2``, 'epsilon_insensitive'
``max(0, |r| - eps)`` and 'squared_epsilon_insensitive' ``max(0, |r| - eps)^2``.

Differences: the primal is always solved (``dual`` is accepted and ignored,
so every penalty/loss combination works, including penalty='l1' with
loss='hinge'); ``tol`` is the full-batch solver's rule (stop when the norm of
the gradient mapping fell below ``tol`` times its initial value, close to
liblinear's primal criterion); ``max_iter`` counts full-batch iterations (one
pass over the data each, plus line-search steps); ``coef_`` keeps float32 input
in float32; ``multi_class='crammer_singer'`` is not available. With the
non-smooth losses ('hinge', 'epsilon_insensitive') the gradient mapping need not
shrink by ``tol``, so ``ConvergenceWarning`` can be raised at ``max_iter`` even
when the model already predicts like liblinear's.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import fit as _gd_fit
from . import fit_ovr as _gd_fit_ovr
from ._scores import linear_scores
from ._sgd import (
    _validate_data,
    _keep_state_on_error,
    _LinearPredictMixin,
    _ovr_targets,
    _seed,
    _SparseCoefMixin,
)
from ._sklearn_compat import Interval, StrOptions, check_sample_weight, fit_context

__all__ = ["LinearSVC", "LinearSVR"]


def _augment(X: Any, intercept_scaling: float) -> Any:
    """``[X, intercept_scaling]``: liblinear's synthetic intercept feature."""
    n = X.shape[0]
    col = np.full((n, 1), intercept_scaling, dtype=X.dtype)
    if sp.issparse(X):
        out = sp.hstack([X, sp.csr_matrix(col)], format="csr", dtype=X.dtype)
        return out
    return np.hstack([X, col])


class _BaseLinearSVM(_SparseCoefMixin, BaseEstimator):
    """C -> alpha mapping and the full-batch calls shared by LinearSVC/LinearSVR."""

    _common_constraints: dict = {
        "tol": [Interval(Real, 0.0, None, closed="neither")],
        "C": [Interval(Real, 0.0, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "intercept_scaling": [Interval(Real, 0, None, closed="neither")],
        "dual": ["boolean", StrOptions({"auto"})],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "n_jobs": [Integral, None],
    }

    def _solve(
        self,
        X: Any,
        Y: np.ndarray,
        W: np.ndarray,
        *,
        loss: str,
        penalty: str,
        epsilon: float = 0.0,
    ) -> tuple[np.ndarray, np.ndarray | float, int, bool]:
        """Fit the problems ``Y[k]``: (coef (K, d), intercept, n_iter, converged)."""
        n_features = X.shape[1]
        Xa = _augment(X, float(self.intercept_scaling)) if self.fit_intercept else X
        k = Y.shape[0]
        dtype = X.dtype
        common = dict(
            loss=loss,
            penalty=penalty,
            epsilon=float(epsilon),
            fit_intercept=False,  # the intercept is the synthetic feature's weight
            batch_size="full",
            max_iter=max(int(self.max_iter), 1),
            tol=float(self.tol),
            random_state=_seed(self.random_state),
            n_jobs=self.n_jobs,
            verbose=int(self.verbose),
        )
        totals = [float(np.sum(W[j], dtype=np.float64)) for j in range(k)]
        C = float(self.C)
        alphas = [1.0 / (C * t) if t > 0 else 1.0 / C for t in totals]
        if k > 1 and not self.verbose:
            # the K problems in parallel inside C++, each with its own alpha / weights
            results = list(
                _gd_fit_ovr(
                    Xa,
                    np.ascontiguousarray(Y),
                    alpha=np.asarray(alphas, dtype=np.float64),
                    sample_weight=np.ascontiguousarray(W),
                    **common,
                )
            )
        else:
            results = [
                _gd_fit(
                    Xa,
                    np.ascontiguousarray(Y[j]),
                    alpha=alphas[j],
                    sample_weight=np.ascontiguousarray(W[j]),
                    **common,
                )
                for j in range(k)
            ]
        full = np.vstack([np.asarray(r.coef, dtype=dtype) for r in results])
        coef = np.ascontiguousarray(full[:, :n_features])
        if self.fit_intercept:
            intercept: np.ndarray | float = (
                full[:, n_features].astype(dtype) * dtype.type(self.intercept_scaling)
            )
        else:
            intercept = 0.0
        n_iter = int(max(r.n_iter for r in results))
        converged = all(r.converged for r in results)
        return coef, intercept, n_iter, converged

    def _warn_convergence(self, converged: bool) -> None:
        if not converged:
            warnings.warn(
                "gdfast failed to converge, increase the number of iterations "
                f"(max_iter={self.max_iter}) or the tolerance (tol={self.tol}).",
                ConvergenceWarning,
                stacklevel=5,
            )

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class LinearSVC(ClassifierMixin, _LinearPredictMixin, _BaseLinearSVM):
    """Linear support vector classification solved by gdfast's full-batch solver.

    A drop-in replacement for :class:`sklearn.svm.LinearSVC` with the same
    parameters and attributes. It minimises liblinear's objective
    ``R(w~) + C sum_i s_i c_i L(y_i, x~_i.w~)`` — intercept included in the
    penalty through the synthetic feature ``intercept_scaling`` — by passing
    ``alpha = 1 / (C * sum_i s_i c_i)`` (``1 / (C n)`` with unit weights) to
    ``gdfast.fit(..., batch_size="full")``; see the module docstring of
    ``gdfast._svm`` for the derivation. Multiclass is one-vs-rest, solved in
    parallel by :func:`gdfast.fit_ovr`.

    Parameters
    ----------
    penalty : {'l1', 'l2'}, default='l2'
    loss : {'hinge', 'squared_hinge'}, default='squared_hinge'
        Any combination with ``penalty`` is supported (the primal is solved).
    dual : 'auto' or bool, default='auto'
        Accepted for compatibility and ignored: gdfast always solves the primal.
    tol : float, default=1e-4
        Stop when the gradient-mapping norm fell below ``tol`` times its initial
        value.
    C : float, default=1.0
        Inverse regularisation strength (> 0).
    multi_class : {'ovr'}, default='ovr'
        Only one-vs-rest; 'crammer_singer' raises ValueError at fit.
    fit_intercept : bool, default=True
    intercept_scaling : float, default=1.0
        Value of the synthetic feature whose (penalised) weight times
        ``intercept_scaling`` is the intercept, as in liblinear.
    class_weight : dict, 'balanced' or None, default=None
        Sets ``C`` of class i to ``class_weight[i] * C``.
    verbose : int, default=0
    random_state : int, RandomState instance or None, default=None
        Unused by the deterministic full-batch solver; accepted for compatibility.
    max_iter : int, default=1000
        Maximum number of full-batch iterations.
    n_jobs : int, default=None
        gdfast: OpenMP threads (None follows OpenMP's default).

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,), or 0.0 without intercept
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
    n_iter_ : int
        Maximum number of iterations over the one-vs-rest problems.
    """

    _parameter_constraints: dict = {
        **_BaseLinearSVM._common_constraints,
        "penalty": [StrOptions({"l1", "l2"})],
        "loss": [StrOptions({"hinge", "squared_hinge"})],
        "multi_class": [StrOptions({"ovr", "crammer_singer"})],
        "class_weight": [None, dict, StrOptions({"balanced"})],
    }

    def __init__(
        self,
        penalty: Any = "l2",
        loss: Any = "squared_hinge",
        *,
        dual: Any = "auto",
        tol: Any = 1e-4,
        C: Any = 1.0,
        multi_class: Any = "ovr",
        fit_intercept: Any = True,
        intercept_scaling: Any = 1,
        class_weight: Any = None,
        verbose: Any = 0,
        random_state: Any = None,
        max_iter: Any = 1000,
        n_jobs: Any = None,
    ) -> None:
        self.penalty = penalty
        self.loss = loss
        self.dual = dual
        self.tol = tol
        self.C = C
        self.multi_class = multi_class
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.verbose = verbose
        self.random_state = random_state
        self.max_iter = max_iter
        self.n_jobs = n_jobs

    @_keep_state_on_error
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """Fit the model on the training data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        if self.multi_class == "crammer_singer":
            raise ValueError(
                "multi_class='crammer_singer' is not supported by gdfast's LinearSVC; "
                "use multi_class='ovr' (or sklearn.svm.LinearSVC)."
            )
        X, y = _validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
        )
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the "
                "data contains only one class: %r" % classes[0]
            )
        dtype = X.dtype
        sample_weight = check_sample_weight(sample_weight, X, dtype=dtype)
        class_weight = compute_class_weight(self.class_weight, classes=classes, y=y)
        Y, W = _ovr_targets(y, classes, sample_weight, class_weight, dtype)
        coef, intercept, n_iter, converged = self._solve(
            X, Y, W, loss=self.loss, penalty=self.penalty
        )
        if self.fit_intercept:
            intercept = np.asarray(intercept, dtype=dtype)
        self.classes_ = classes
        self.coef_ = coef
        self.intercept_ = intercept
        self.n_iter_ = n_iter
        self._warn_convergence(converged)
        return self


class LinearSVR(RegressorMixin, _BaseLinearSVM):
    """Linear support vector regression solved by gdfast's full-batch solver.

    A drop-in replacement for :class:`sklearn.svm.LinearSVR`. It minimises
    liblinear's objective ``0.5 ||w~||^2 + C sum_i s_i L(y_i, x~_i.w~)`` (intercept
    penalised through the synthetic feature ``intercept_scaling``) by passing
    ``alpha = 1 / (C * sum_i s_i)`` to ``gdfast.fit(..., batch_size="full")``.

    Parameters
    ----------
    epsilon : float, default=0.0
        Width of the insensitive tube.
    tol : float, default=1e-4
    C : float, default=1.0
    loss : {'epsilon_insensitive', 'squared_epsilon_insensitive'}, \
            default='epsilon_insensitive'
    fit_intercept : bool, default=True
    intercept_scaling : float, default=1.0
    dual : 'auto' or bool, default='auto'
        Accepted for compatibility and ignored (the primal is solved).
    verbose : int, default=0
    random_state : int, RandomState instance or None, default=None
    max_iter : int, default=1000
    n_jobs : int, default=None
        gdfast: OpenMP threads.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : ndarray of shape (1,), or 0.0 without intercept
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
    n_iter_ : int
    """

    _parameter_constraints: dict = {
        **_BaseLinearSVM._common_constraints,
        "epsilon": [Real],
        "loss": [StrOptions({"epsilon_insensitive", "squared_epsilon_insensitive"})],
    }

    def __init__(
        self,
        *,
        epsilon: Any = 0.0,
        tol: Any = 1e-4,
        C: Any = 1.0,
        loss: Any = "epsilon_insensitive",
        fit_intercept: Any = True,
        intercept_scaling: Any = 1.0,
        dual: Any = "auto",
        verbose: Any = 0,
        random_state: Any = None,
        max_iter: Any = 1000,
        n_jobs: Any = None,
    ) -> None:
        self.epsilon = epsilon
        self.tol = tol
        self.C = C
        self.loss = loss
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.dual = dual
        self.verbose = verbose
        self.random_state = random_state
        self.max_iter = max_iter
        self.n_jobs = n_jobs

    @_keep_state_on_error
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """Fit the model on the training data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        if self.epsilon < 0:
            raise ValueError(f"epsilon must be >= 0, got epsilon={self.epsilon!r}.")
        X, y = _validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
            y_numeric=True,
        )
        dtype = X.dtype
        y = np.ascontiguousarray(y, dtype=dtype)
        sample_weight = check_sample_weight(sample_weight, X, dtype=dtype)
        coef, intercept, n_iter, converged = self._solve(
            X,
            y[None, :],
            np.asarray(sample_weight, dtype=dtype)[None, :],
            loss=self.loss,
            penalty="l2",
            epsilon=self.epsilon,
        )
        self.coef_ = coef.ravel()
        if self.fit_intercept:
            intercept = np.asarray(intercept, dtype=dtype)
        self.intercept_ = intercept
        self.n_iter_ = n_iter
        self._warn_convergence(converged)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets ``X @ coef_ + intercept_``, shape (n_samples,)."""
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse="csr", reset=False)
        return np.asarray(linear_scores(X, self.coef_, self.n_jobs) + self.intercept_).ravel()

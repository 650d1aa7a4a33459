"""Drop-in scikit-learn estimators ``SGDClassifier`` and ``SGDRegressor``.

Both are thin wrappers over gdfast's public functional API (:func:`gdfast.fit`,
:func:`gdfast.fit_ovr`); nothing here re-implements solver logic.

Objective and the ``alpha`` mapping
-----------------------------------
scikit-learn's SGD minimises ``(1/n) sum_i s_i L_i + alpha R(w)`` (``n`` rows,
``s_i`` = sample weight x class weight), while :func:`gdfast.fit` normalises by
``S = sum_i s_i``: ``(1/S) sum_i s_i L_i + alpha' R(w)``. The two have the same
minimiser when ``alpha' = alpha * n / S``, which is what the estimators pass
(``alpha' = alpha`` with unit weights). Each one-vs-rest problem has its own
``S`` (class weights differ per problem) and therefore its own ``alpha'``.
"""

from __future__ import annotations

import functools
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from . import fit as _gd_fit
from . import fit_ovr as _gd_fit_ovr
from ._sklearn_compat import (
    Interval,
    StrOptions,
    check_sample_weight,
    fit_context,
)
from ._scores import linear_scores
from ._validation import check_sparse_structure, draw_seeds

__all__ = ["SGDClassifier", "SGDRegressor"]

_MAX_INT = np.iinfo(np.int32).max

CLASSIFICATION_LOSSES = (
    "hinge",
    "log_loss",
    "modified_huber",
    "squared_hinge",
    "perceptron",
    "squared_error",
    "huber",
    "epsilon_insensitive",
    "squared_epsilon_insensitive",
)
REGRESSION_LOSSES = (
    "squared_error",
    "huber",
    "epsilon_insensitive",
    "squared_epsilon_insensitive",
)
LEARNING_RATES = ("constant", "optimal", "invscaling", "adaptive", "pa1", "pa2", "auto")


# --------------------------------------------------------------------------- helpers
def _keep_state_on_error(method: Any) -> Any:
    """A failed ``fit``/``partial_fit`` leaves a fitted estimator exactly as it was.

    ``validate_data(reset=True)`` sets ``n_features_in_`` before the solver runs; on
    any exception the instance dictionary is restored (fitted arrays are never
    modified in place, so the saved references are still intact).
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        saved = dict(self.__dict__)
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    return wrapper


def _check_sparse_structure(X: Any) -> None:
    """Refuse a malformed compressed sparse matrix before scipy touches it.

    scipy's own products and conversions trust indptr/indices; an out-of-range index
    there reads out of bounds. ``check_format(full_check=True)`` is O(nnz), vectorized.
    """
    if sp.issparse(X) and X.format in ("csr", "csc"):
        try:
            X.check_format(full_check=True)
        except (ValueError, IndexError, TypeError) as exc:
            msg = f"malformed sparse matrix X: {exc}"
            raise ValueError(msg) from exc


def _validate_data(est: Any, X: Any = "no_validation", y: Any = "no_validation", *,
                   kernel_only: bool = False, **kwargs: Any) -> Any:
    """scikit-learn's ``validate_data`` after a structural check of sparse X.

    ``kernel_only=True`` (fit without a validation split): the validated X is read by
    gdfast's kernels only, never by a scipy product, and the kernels range-check every
    CSR column index and report NaN/inf in X themselves (``gdfast.fit`` then raises
    "X contains NaN or infinity"). So a CSR X gets only its O(n_rows) ``indptr``
    checks here, and no X gets scikit-learn's finiteness scan: two reads of the data
    fewer (W4, 200,000 x 50,000 CSR: 3 + 5 of the ~40 ms a one-epoch fit took).
    """
    if kernel_only:
        kwargs.setdefault("ensure_all_finite", False)
    if not isinstance(X, str):
        if kernel_only and sp.issparse(X) and X.format == "csr":
            check_sparse_structure(X, "X", check_indices=False)
        else:
            _check_sparse_structure(X)
        if not sp.issparse(X) and not hasattr(X, "iloc"):
            kind = np.asarray(X).dtype.kind if not isinstance(X, np.ndarray) else X.dtype.kind
            if kind in "USV":
                # scikit-learn would parse "1.5" as a number; gdfast refuses text input
                # (as gdfast.fit does): convert explicitly if that is what you mean.
                msg = f"X has dtype {np.asarray(X).dtype}: strings/bytes are not numeric input"
                raise ValueError(msg)
    return validate_data(est, X, y, **kwargs)


def _seed(random_state: Any, size: int | None = None) -> Any:
    """Integer seed(s) drawn like scikit-learn does from ``random_state``."""
    return draw_seeds(random_state, _MAX_INT, size)


def _n_workers(n_jobs: int | None, k: int) -> int:
    """Threads for k independent problems (scikit-learn's n_jobs convention)."""
    cpus = os.cpu_count() or 1
    if n_jobs is None:
        n = cpus
    elif n_jobs < 0:
        n = max(1, cpus + 1 + n_jobs)
    else:
        n = max(1, int(n_jobs))
    return max(1, min(n, k))


def _effective_alpha(alpha: float, weights: np.ndarray) -> float:
    """``alpha * n / sum(weights)``: scikit-learn's (1/n) objective, gdfast's (1/S)."""
    total = float(np.sum(weights, dtype=np.float64))
    if total <= 0.0:
        return float(alpha)
    return float(alpha) * weights.shape[0] / total


def _weights_or_none(w: np.ndarray) -> np.ndarray | None:
    """``w``, or None when every weight is 1: the kernels then read no weight array and
    the C++ / Python weight normalisation is skipped, with the same bits (each weight
    multiplies by exactly 1.0). One binary SGDClassifier epoch on W2 (500,000 x 100):
    the unit weights cost ~7 ms of a ~40 ms fit."""
    return None if bool(np.all(w == 1.0)) else np.ascontiguousarray(w)


def _as_dense(coef: Any) -> np.ndarray:
    return coef.toarray() if sp.issparse(coef) else np.asarray(coef)


def _ovr_targets(
    y: np.ndarray,
    classes: np.ndarray,
    sample_weight: np.ndarray,
    class_weight: np.ndarray,
    dtype: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """±1 targets and combined weights of the binary problems, shape (K, n).

    Binary (2 classes): one problem, ``classes[1]`` positive, weights
    ``class_weight[1]`` / ``class_weight[0]``. Multiclass: one-vs-rest, problem k's
    positives weighted by ``class_weight[k]`` and negatives by 1 (scikit-learn's rule).
    """
    n = y.shape[0]
    if classes.shape[0] == 2:
        # (a comparison and arithmetic: searchsorted and np.where took ~5 ms of a
        # ~40 ms one-epoch fit on 500,000 rows)
        pos = y == classes[1]
        Y = pos.astype(dtype)
        Y *= 2
        Y -= 1
        if class_weight[0] == class_weight[1]:
            # (in float64, then rounded to dtype, as the np.where branch below)
            W = np.multiply(sample_weight, float(class_weight[0]), dtype=np.float64)
        else:
            W = sample_weight * np.where(pos, class_weight[1], class_weight[0])
        return Y[None, :], np.ascontiguousarray(W, dtype=dtype)[None, :]
    idx = np.searchsorted(classes, y)
    k = classes.shape[0]
    rows = np.arange(n)
    Y = -np.ones((k, n), dtype=dtype)
    Y[idx, rows] = 1.0
    W = np.tile(np.asarray(sample_weight, dtype=dtype), (k, 1))
    W[idx, rows] *= np.asarray(class_weight, dtype=dtype)[idx]
    return Y, W


class _LinearPredictMixin:
    """decision_function / predict / probabilities of a linear classifier."""

    def decision_function(self, X: Any) -> np.ndarray:
        """Confidence scores ``X @ coef_.T + intercept_``.

        Returns shape (n_samples,) for two classes, else (n_samples, n_classes).
        """
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse="csr", reset=False)
        scores = linear_scores(X, self.coef_, self.n_jobs) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X: Any) -> np.ndarray:
        """Class labels: the sign of the score (two classes) or its argmax."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            indices = (scores > 0).astype(np.intp)
        else:
            indices = scores.argmax(axis=1)
        return self.classes_[indices]

    def _predict_proba_lr(self, X: Any) -> np.ndarray:
        """Logistic probabilities, one-vs-rest normalised (Zadrozny & Elkan)."""
        from scipy.special import expit

        prob = expit(self.decision_function(X))
        if prob.ndim == 1:
            return np.vstack([1 - prob, prob]).T
        prob /= prob.sum(axis=1).reshape((prob.shape[0], -1))
        return prob


class _SparseCoefMixin:
    """``densify``/``sparsify`` of ``coef_`` (scikit-learn's SparseCoefMixin)."""

    def densify(self) -> Any:
        """Convert a sparse ``coef_`` back to a numpy array; returns self."""
        msg = "Estimator, %(name)s, must be fitted before densifying."
        check_is_fitted(self, msg=msg)
        if sp.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self

    def sparsify(self) -> Any:
        """Convert ``coef_`` to a ``scipy.sparse.csr_matrix``; returns self."""
        msg = "Estimator, %(name)s, must be fitted before sparsifying."
        check_is_fitted(self, msg=msg)
        self.coef_ = sp.csr_matrix(self.coef_)
        return self


# --------------------------------------------------------------------------- base
class _BaseSGD(_SparseCoefMixin, BaseEstimator):
    """Parameters, validation and the call into :func:`gdfast.fit` shared by both."""

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "learning_rate": [StrOptions(set(LEARNING_RATES))],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, None, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "average": [Interval(Integral, 0, None, closed="neither"), "boolean"],
        # gdfast extras
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"full"}),
        ],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
        "shuffle_block": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    }

    # ------------------------------------------------------------ validation
    def _more_validate_params(self, for_partial_fit: bool = False) -> None:
        """Cross-parameter checks (scikit-learn's messages)."""
        if self.early_stopping and for_partial_fit:
            raise ValueError("early_stopping should be False with partial_fit")
        if self.learning_rate == "optimal" and self.alpha == 0:
            raise ValueError(
                "alpha must be > 0 since learning_rate is 'optimal'. alpha is used "
                "to compute the optimal learning rate."
            )
        if self.learning_rate in ("pa1", "pa2"):
            needed = "hinge" if self._is_classifier else "epsilon_insensitive"
            if self.loss != needed:
                raise ValueError(
                    f"Learning rate '{self.learning_rate}' only works with loss "
                    f"'{needed}'."
                )
        if self.penalty == "elasticnet" and self.l1_ratio is None:
            raise ValueError("l1_ratio must be set when penalty is 'elasticnet'")
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov=True requires momentum > 0 (got momentum=0).")

    def _solver_params(self) -> dict[str, Any]:
        """Keyword arguments of :func:`gdfast.fit` that come straight from params."""
        auto = self.learning_rate == "auto"
        return {
            "loss": self.loss,
            "penalty": "none" if self.penalty is None else self.penalty,
            "l1_ratio": 0.0 if self.l1_ratio is None else float(self.l1_ratio),
            "epsilon": float(self.epsilon),
            "fit_intercept": bool(self.fit_intercept),
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "eta0": None if auto else float(self.eta0),
            "power_t": float(self.power_t),
            "momentum": float(self.momentum),
            "nesterov": bool(self.nesterov),
            "tol": self.tol,
            "n_iter_no_change": int(self.n_iter_no_change),
            "shuffle": bool(self.shuffle),
            "shuffle_block": self.shuffle_block,
            "intercept_decay": "auto",  # scikit-learn's: 0.01 on sparse X
            "average": self.average,
            "n_jobs": self.n_jobs,
            "verbose": int(self.verbose),
            "track_objective": False,  # the stopping rule does not need the extra pass
        }

    def _validation_mask(
        self, y: np.ndarray, sample_weight: np.ndarray
    ) -> np.ndarray | None:
        """Rows held out for early stopping (scikit-learn's split), or None."""
        if not self.early_stopping:
            return None
        n = y.shape[0]
        splitter = StratifiedShuffleSplit if self._is_classifier else ShuffleSplit
        cv = splitter(
            test_size=self.validation_fraction, random_state=self.random_state
        )
        idx_train, idx_val = next(cv.split(np.zeros((n, 1)), y))
        if idx_train.shape[0] == 0 or idx_val.shape[0] == 0:
            raise ValueError(
                f"Splitting {n} samples into a train set and a validation set with "
                f"validation_fraction={self.validation_fraction!r} led to an empty set "
                f"({idx_train.shape[0]} and {idx_val.shape[0]} samples). Please either "
                "change validation_fraction, increase number of samples, or disable "
                "early_stopping."
            )
        if not np.any(sample_weight[idx_val] > 0):
            raise ValueError(
                "The sample weights for validation set are all zero, consider using a"
                " different random state."
            )
        mask = np.zeros(n, dtype=bool)
        mask[idx_val] = True
        return mask

    def _run(
        self,
        X: Any,
        Y: np.ndarray,
        W: np.ndarray,
        sample_weight: np.ndarray,
        *,
        max_iter: int,
        coef_init: np.ndarray,
        intercept_init: np.ndarray,
        t_start: float,
        average_init: list[Any] | None,
        val_mask: np.ndarray | None,
    ) -> list[Any]:
        """Solve the K binary/regression problems ``Y[k]`` (weights ``W[k]``).

        One problem -> :func:`gdfast.fit`; several problems without early stopping /
        verbose output -> :func:`gdfast.fit_ovr` (the K problems run in parallel
        inside C++, each with its own effective alpha); otherwise one
        :func:`gdfast.fit` per problem.
        """
        params = self._solver_params()
        k = Y.shape[0]
        seeds = _seed(self.random_state, size=None if k == 1 else k)
        X_fit, Y_fit, W_fit = X, Y, W
        validation = [None] * k
        if val_mask is not None:
            train = ~val_mask
            X_fit, Y_fit, W_fit = X[train], Y[:, train], W[:, train]
            X_val = X[val_mask]
            sw_val = np.ascontiguousarray(sample_weight[val_mask])
            validation = [
                (X_val, np.ascontiguousarray(Y[j, val_mask]), sw_val)
                for j in range(k)
            ]
        alphas = [_effective_alpha(self.alpha, W_fit[j]) for j in range(k)]
        common = dict(params, max_iter=int(max_iter), t_start=float(t_start))

        def one(j: int, seed: int) -> Any:
            return _gd_fit(
                X_fit,
                np.ascontiguousarray(Y_fit[j]),
                alpha=alphas[j],
                sample_weight=_weights_or_none(W_fit[j]),
                coef_init=np.array(coef_init[j], copy=True),
                intercept_init=float(intercept_init[j]),
                random_state=seed,
                average_init=None if average_init is None else average_init[j],
                validation=validation[j],
                **common,
            )

        if k == 1:
            return [one(0, seeds)]
        if val_mask is None and not self.verbose:
            # the common case: the K problems in parallel inside C++
            avg = None
            if average_init is not None:
                avg = (
                    np.stack([a[0] for a in average_init]),
                    np.array([a[1] for a in average_init], dtype=np.float64),
                    np.array([a[2] for a in average_init], dtype=np.int64),
                )
            return list(
                _gd_fit_ovr(
                    X_fit,
                    np.ascontiguousarray(Y_fit),
                    alpha=np.asarray(alphas, dtype=np.float64),
                    sample_weight=_weights_or_none(W_fit),
                    coef_init=np.array(coef_init, copy=True),
                    intercept_init=np.array(intercept_init, dtype=np.float64),
                    average_init=avg,
                    random_state=seeds[0],
                    **common,
                )
            )
        # Early stopping or verbose output: gdfast.fit_ovr takes no
        # validation/verbose, so one
        # gdfast.fit per problem, in a thread pool for per-sample SGD (the solver
        # releases the GIL; every problem has its own seed, so the result does not
        # depend on the scheduling).
        if self.batch_size == 1 and not self.verbose:
            workers = _n_workers(self.n_jobs, k)
            common["n_jobs"] = 1
            with ThreadPoolExecutor(max_workers=workers) as pool:
                return list(pool.map(one, range(k), seeds))
        return [one(j, s) for j, s in enumerate(seeds)]

    def _warn_convergence(self, results: list[Any]) -> None:
        if self.tol is not None and not all(r.converged for r in results):
            warnings.warn(
                "Maximum number of iteration reached before convergence. Consider "
                "increasing max_iter to improve the fit.",
                ConvergenceWarning,
                stacklevel=5,
            )
        if self.power_t < 0:
            warnings.warn(
                "Negative values for `power_t` are deprecated in version 1.8 "
                "and will raise an error in 1.10. "
                "Use values in the range [0.0, inf) instead.",
                FutureWarning,
                stacklevel=5,
            )

    def _state_from_results(
        self, results: list[Any], dtype: Any, t_start: float, n_samples: int
    ) -> dict[str, Any]:
        """Fitted attributes (coef rows, intercepts, averaging state) of K results."""
        coef = np.vstack([np.asarray(r.coef, dtype=dtype) for r in results])
        intercept = np.array([r.intercept for r in results], dtype=dtype)
        n_iter = int(max(r.n_iter for r in results))
        t = max(float(r.t) for r in results)
        state: dict[str, Any] = {
            "coef_": coef,
            "intercept_": intercept,
            "n_iter_": n_iter,
            "t_": t,
        }
        if self.average:
            state["_standard_coef"] = np.vstack(
                [np.asarray(r.standard_coef, dtype=dtype) for r in results]
            )
            state["_standard_intercept"] = np.array(
                [r.standard_intercept for r in results], dtype=dtype
            )
            state["_average_coef"] = coef
            state["_average_intercept"] = intercept
            state["_n_averaged"] = [int(r.n_averaged) for r in results]
        else:
            for name in (
                "_standard_coef",
                "_standard_intercept",
                "_average_coef",
                "_average_intercept",
                "_n_averaged",
            ):
                state[name] = None
        return state

    def _resume_state(self) -> tuple[np.ndarray, np.ndarray, list[Any] | None]:
        """(coef rows, intercepts, average_init per problem) to continue training."""
        if self.average and getattr(self, "_standard_coef", None) is not None:
            avg = [
                (
                    np.array(self._average_coef[j], copy=True),
                    float(self._average_intercept[j]),
                    int(self._n_averaged[j]),
                )
                for j in range(self._average_coef.shape[0])
            ]
            return self._standard_coef, self._standard_intercept, avg
        coef = np.atleast_2d(_as_dense(self.coef_))
        return coef, np.atleast_1d(self.intercept_), None

    def _starting_point(
        self,
        coef_init: Any,
        intercept_init: Any,
        k: int,
        n_features: int,
        dtype: Any,
        partial: bool,
    ) -> tuple[np.ndarray, np.ndarray, list[Any] | None, float]:
        """(coef (k, d), intercept (k,), average_init, t_start) to start from.

        Explicit ``coef_init``/``intercept_init`` win; else ``partial_fit`` and
        ``warm_start`` continue from the fitted model (``partial_fit`` also resumes
        the schedule at ``t_`` and the running averages; ``fit`` restarts them, as
        scikit-learn does); else zeros.
        """
        average_init = None
        t_start = 1.0
        fitted = getattr(self, "coef_", None) is not None
        if coef_init is not None:
            coef0 = np.asarray(coef_init, dtype=dtype)
            allowed = [(k, n_features)] + ([(n_features,)] if k == 1 else [])
            if coef0.shape not in allowed:
                raise ValueError(
                    f"coef_init has shape {coef0.shape}; expected "
                    f"{(k, n_features) if k > 1 else (n_features,)}."
                )
            coef0 = np.array(coef0.reshape(k, n_features), dtype=dtype, order="C")
        elif fitted and (partial or self.warm_start):
            if partial:
                coef_prev, intercept_prev, average_init = self._resume_state()
            else:  # warm_start: scikit-learn restarts from coef_ (the average if any)
                coef_prev = np.atleast_2d(_as_dense(self.coef_))
                intercept_prev = np.atleast_1d(self.intercept_)
            if coef_prev.shape[1] != n_features:
                raise ValueError(
                    "Number of features %d does not match previous data %d."
                    % (n_features, coef_prev.shape[1])
                )
            if coef_prev.shape[0] != k:
                raise ValueError(
                    f"The fitted model has {coef_prev.shape[0]} coefficient rows but "
                    f"this data needs {k} (the classes changed); use warm_start=False."
                )
            coef0 = np.array(coef_prev, dtype=dtype, order="C")
            if intercept_init is None:
                intercept_init = intercept_prev
            if partial:
                t_start = float(self.t_)
        else:
            coef0 = np.zeros((k, n_features), dtype=dtype)
        if intercept_init is None:
            intercept0 = np.zeros(k, dtype=dtype)
        else:
            intercept0 = np.array(intercept_init, dtype=dtype).reshape(-1)
            if intercept0.shape != (k,):
                raise ValueError(
                    f"intercept_init has shape {np.shape(intercept_init)}; "
                    f"expected ({k},)."
                )
        return coef0, intercept0, average_init, t_start

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


# --------------------------------------------------------------------------- classifier
class SGDClassifier(ClassifierMixin, _LinearPredictMixin, _BaseSGD):
    """Linear classifiers (SVM, logistic regression, ...) trained by gdfast's SGD.

    A drop-in replacement for :class:`sklearn.linear_model.SGDClassifier` (same
    parameters, defaults, attributes and methods), solved by :func:`gdfast.fit`
    (binary) and :func:`gdfast.fit_ovr` (one-vs-rest, the K problems in parallel in
    C++). With the defaults (``batch_size=1``, ``momentum=0``) it runs
    scikit-learn's per-sample algorithm.

    The objective is scikit-learn's ``(1/n) sum_i s_i c_i L(y_i, x_i.w + b) +
    alpha R(w)`` (``s_i`` sample weight, ``c_i`` class weight); gdfast's solver
    normalises by ``S = sum_i s_i c_i`` instead of ``n``, so ``alpha * n / S`` is
    passed to it (identical minimiser; equal to ``alpha`` with unit weights).

    Parameters
    ----------
    loss : {'hinge', 'log_loss', 'modified_huber', 'squared_hinge', 'perceptron', \
            'squared_error', 'huber', 'epsilon_insensitive', \
            'squared_epsilon_insensitive'}, default='hinge'
        The loss function (see :class:`sklearn.linear_model.SGDClassifier`).
    penalty : {'l2', 'l1', 'elasticnet', None}, default='l2'
        The regulariser ``R``; None for no penalty.
    alpha : float, default=0.0001
        Regularisation strength; also sets the 'optimal' learning rate.
    l1_ratio : float or None, default=0.15
        Elastic-net mixing parameter (only used with ``penalty='elasticnet'``).
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    max_iter : int, default=1000
        Maximum number of epochs in :meth:`fit` (:meth:`partial_fit` runs one).
    tol : float or None, default=1e-3
        Stop when the epoch loss has not improved by ``tol`` for
        ``n_iter_no_change`` consecutive epochs; None runs ``max_iter`` epochs.
    shuffle : bool, default=True
        Shuffle the rows before each epoch.
    verbose : int, default=0
        Verbosity of the solver.
    epsilon : float, default=0.1
        Epsilon of the 'huber' and epsilon-insensitive losses.
    n_jobs : int, default=None
        OpenMP threads (one-vs-rest problems and mini-batches); None follows
        OpenMP's default (``OMP_NUM_THREADS``, threadpoolctl), -1 all cores.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling.
    learning_rate : {'optimal', 'constant', 'invscaling', 'adaptive', 'pa1', \
            'pa2', 'auto'}, default='optimal'
        scikit-learn's schedules; 'auto' (gdfast) derives the step from the loss
        smoothness and the largest row norm, ignoring ``eta0``.
    eta0 : float, default=0.01
        Initial learning rate ('constant', 'invscaling', 'adaptive'), or PA's C.
    power_t : float, default=0.5
        Exponent of 'invscaling'.
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` and stop when the validation
        accuracy stops improving.
    validation_fraction : float, default=0.1
        Held-out fraction for early stopping.
    n_iter_no_change : int, default=5
        Epochs without improvement before stopping.
    class_weight : dict, 'balanced' or None, default=None
        Per-class weights, multiplied with ``sample_weight``.
    warm_start : bool, default=False
        Start :meth:`fit` from the previous solution.
    average : bool or int, default=False
        Averaged SGD (True, or start after ``average`` updates).
    batch_size : int or 'full', default=1
        gdfast: 1 = per-sample SGD (scikit-learn's algorithm); b > 1 = OpenMP
        mini-batch SGD; 'full' = full-batch descent with line search.
    momentum : float in [0, 1), default=0.0
        gdfast: heavy-ball momentum.
    nesterov : bool, default=False
        gdfast: Nesterov momentum (needs ``momentum > 0``).
    shuffle_block : int or 'auto', default='auto'
        gdfast: 1 = uniformly random row order (scikit-learn's shuffle); k > 1 =
        blocks of k rows in random order, mixed 16 blocks at a time (faster on large
        X); 'auto' = 1 below 16 MiB of X, else 8 (16 for mini-batches of >= 256
        rows). See :func:`gdfast.fit`.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights, in the training data's float dtype (float32 kept).
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int
        Epochs run (maximum over the one-vs-rest problems).
    t_ : float
        scikit-learn's update counter (``n_iter_ * n_samples + 1`` for per-sample SGD).
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X has string feature names.
    """

    _is_classifier = True

    _parameter_constraints: dict = {
        **_BaseSGD._parameter_constraints,
        "loss": [StrOptions(set(CLASSIFICATION_LOSSES))],
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    def __init__(
        self,
        loss: Any = "hinge",
        *,
        penalty: Any = "l2",
        alpha: Any = 0.0001,
        l1_ratio: Any = 0.15,
        fit_intercept: Any = True,
        max_iter: Any = 1000,
        tol: Any = 1e-3,
        shuffle: Any = True,
        verbose: Any = 0,
        epsilon: Any = 0.1,
        n_jobs: Any = None,
        random_state: Any = None,
        learning_rate: Any = "optimal",
        eta0: Any = 0.01,
        power_t: Any = 0.5,
        early_stopping: Any = False,
        validation_fraction: Any = 0.1,
        n_iter_no_change: Any = 5,
        class_weight: Any = None,
        warm_start: Any = False,
        average: Any = False,
        batch_size: Any = 1,
        momentum: Any = 0.0,
        nesterov: Any = False,
        shuffle_block: Any = "auto",
    ) -> None:
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.epsilon = epsilon
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.average = average
        self.batch_size = batch_size
        self.momentum = momentum
        self.nesterov = nesterov
        self.shuffle_block = shuffle_block

    # ------------------------------------------------------------ training
    def _validate_xy(self, X: Any, y: Any, *, partial: bool) -> tuple[Any, Any]:
        return _validate_data(  # type: ignore[no-any-return]
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
            reset=not (partial and hasattr(self, "classes_")),
            # a validation split is cut by scipy indexing (X[mask]), which trusts indices
            kernel_only=partial or not self.early_stopping,
        )

    def _train(
        self,
        X: Any,
        y: Any,
        *,
        classes: np.ndarray | None,
        sample_weight: Any,
        coef_init: Any,
        intercept_init: Any,
        max_iter: int,
        partial: bool,
        validated: bool = False,
    ) -> list[Any]:
        if not validated:  # (fit validates X and y itself, see _validate_xy)
            X, y = self._validate_xy(X, y, partial=partial)
        if partial:  # (fit checked y already)
            check_classification_targets(y)
        if classes is None:
            classes = self.classes_
        n_classes = classes.shape[0]
        if n_classes < 2:
            raise ValueError(
                "The number of classes has to be greater than one; got %d class"
                % n_classes
            )
        unknown = np.setdiff1d(np.unique(y), classes) if partial else classes[:0]
        if unknown.size:  # (fit takes its classes from y)
            raise ValueError(
                f"y contains labels {unknown.tolist()} that are not in classes "
                f"{classes.tolist()}; pass all labels via `classes` on the first "
                "call to partial_fit."
            )
        n_samples, n_features = X.shape
        dtype = X.dtype
        sample_weight = check_sample_weight(
            sample_weight, X, dtype=dtype, allow_all_zero_weights=self.early_stopping
        )
        if self.class_weight is None:  # (scikit-learn's helper takes ~0.1 ms for the ones)
            class_weight = np.ones(classes.shape[0], dtype=np.float64)
        else:
            class_weight = compute_class_weight(self.class_weight, classes=classes, y=y)
        k = 1 if n_classes == 2 else n_classes

        # Starting point: explicit init, else the previous solution (partial_fit /
        # warm_start), else zeros.
        coef0, intercept0, average_init, t_start = self._starting_point(
            coef_init, intercept_init, k, n_features, dtype, partial
        )
        Y, W = _ovr_targets(y, classes, sample_weight, class_weight, dtype)
        val_mask = None if partial else self._validation_mask(y, sample_weight)
        results = self._run(
            X,
            Y,
            W,
            sample_weight,
            max_iter=max_iter,
            coef_init=coef0,
            intercept_init=intercept0,
            t_start=t_start,
            average_init=average_init,
            val_mask=val_mask,
        )
        state = self._state_from_results(results, dtype, t_start, n_samples)
        state["classes_"] = classes
        # set the fitted state only now that everything succeeded
        for name, value in state.items():
            setattr(self, name, value)
        return results

    @_keep_state_on_error
    @fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: Any,
        y: Any,
        coef_init: Any = None,
        intercept_init: Any = None,
        sample_weight: Any = None,
    ) -> Any:
        """Fit the linear model with gdfast's stochastic gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (any type).
        coef_init : ndarray of shape (n_classes, n_features), default=None
        intercept_init : ndarray of shape (n_classes,), default=None
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplied with ``class_weight``.

        Returns
        -------
        self : object
        """
        self._more_validate_params()
        X, y = self._validate_xy(X, y, partial=False)
        check_classification_targets(y)
        classes = np.unique(y)
        results = self._train(
            X,
            y,
            classes=classes,
            sample_weight=sample_weight,
            coef_init=coef_init,
            intercept_init=intercept_init,
            max_iter=self.max_iter,
            partial=False,
            validated=True,
        )
        self._warn_convergence(results)
        return self

    @_keep_state_on_error
    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None
    ) -> Any:
        """One epoch of SGD on the given samples, continuing the current model.

        The learning-rate schedule continues from ``t_`` and averaging from the
        stored averages, so a sequence of calls is one long training run.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All labels; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        first_call = not hasattr(self, "classes_")
        if first_call:
            self._more_validate_params(for_partial_fit=True)
            if self.class_weight == "balanced":
                raise ValueError(
                    "class_weight 'balanced' is not supported for partial_fit. In "
                    "order to use 'balanced' weights, use compute_class_weight("
                    "'balanced', classes=classes, y=y). In place of y you can use a "
                    "large enough sample of the full training set target to properly "
                    "estimate the class frequency distributions. Pass the resulting "
                    "weights as the class_weight parameter."
                )
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            classes = unique_labels(classes)
        else:
            same = classes is None or np.array_equal(
                self.classes_, unique_labels(classes)
            )
            if not same:
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on last call to "
                    f"partial_fit, was: {self.classes_!r}"
                )
            classes = self.classes_
        self._train(
            X,
            y,
            classes=classes,
            sample_weight=sample_weight,
            coef_init=None,
            intercept_init=None,
            max_iter=1,
            partial=True,
        )
        return self

    # ------------------------------------------------------------ probabilities
    def _check_proba(self) -> bool:
        if self.loss not in ("log_loss", "modified_huber"):
            raise AttributeError(
                "probability estimates are not available for loss=%r" % self.loss
            )
        return True

    @available_if(_check_proba)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability estimates (loss 'log_loss' or 'modified_huber' only).

        Multiclass probabilities normalise the one-vs-rest estimates; for
        'modified_huber' the binary estimate is ``(clip(decision, -1, 1) + 1) / 2``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        if self.loss == "log_loss":
            return self._predict_proba_lr(X)
        scores = self.decision_function(X)
        binary = len(self.classes_) == 2
        if binary:
            prob2 = np.ones((scores.shape[0], 2))
            prob = prob2[:, 1]
        else:
            prob = scores
        np.clip(scores, -1, 1, prob)
        prob += 1.0
        prob /= 2.0
        if binary:
            prob2[:, 0] -= prob
            return prob2
        prob_sum = prob.sum(axis=1)
        all_zero = prob_sum == 0
        if np.any(all_zero):
            prob[all_zero, :] = 1
            prob_sum[all_zero] = len(self.classes_)
        prob /= prob_sum.reshape((prob.shape[0], -1))
        return prob

    @available_if(_check_proba)
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))


# --------------------------------------------------------------------------- regressor
class SGDRegressor(RegressorMixin, _BaseSGD):
    """Linear regression trained by gdfast's SGD.

    A drop-in replacement for :class:`sklearn.linear_model.SGDRegressor` (same
    parameters, defaults, attributes and methods) solved by :func:`gdfast.fit`.
    The objective is scikit-learn's ``(1/n) sum_i s_i L(y_i, x_i.w + b) +
    alpha R(w)``; gdfast normalises by ``S = sum_i s_i``, so ``alpha * n / S`` is
    passed to the solver (identical minimiser; ``alpha`` with unit weights).

    Parameters
    ----------
    loss : {'squared_error', 'huber', 'epsilon_insensitive', \
            'squared_epsilon_insensitive'}, default='squared_error'
    penalty : {'l2', 'l1', 'elasticnet', None}, default='l2'
    alpha : float, default=0.0001
    l1_ratio : float or None, default=0.15
    fit_intercept : bool, default=True
    max_iter : int, default=1000
    tol : float or None, default=1e-3
    shuffle : bool, default=True
    verbose : int, default=0
    epsilon : float, default=0.1
    random_state : int, RandomState instance or None, default=None
    learning_rate : {'invscaling', 'constant', 'optimal', 'adaptive', 'pa1', \
            'pa2', 'auto'}, default='invscaling'
        'pa1'/'pa2' need loss 'epsilon_insensitive'; 'auto' is gdfast's
        problem-derived step (``eta0`` ignored).
    eta0 : float, default=0.01
    power_t : float, default=0.25
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` and stop on the validation R^2.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    warm_start : bool, default=False
    average : bool or int, default=False
    n_jobs : int, default=None
        gdfast: OpenMP threads (mini-batches); not a scikit-learn parameter here.
    batch_size : int or 'full', default=1
        gdfast: 1 = per-sample SGD, b > 1 mini-batch, 'full' full-batch descent.
    momentum : float in [0, 1), default=0.0
    nesterov : bool, default=False
    shuffle_block : int or 'auto', default='auto'
        gdfast: row-visiting order (see :class:`SGDClassifier`).

    See :class:`SGDClassifier` and :class:`sklearn.linear_model.SGDRegressor` for the
    meaning of the shared parameters.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : ndarray of shape (1,)
    n_iter_ : int
    t_ : float
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
    """

    _is_classifier = False

    _parameter_constraints: dict = {
        **_BaseSGD._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
    }

    def __init__(
        self,
        loss: Any = "squared_error",
        *,
        penalty: Any = "l2",
        alpha: Any = 0.0001,
        l1_ratio: Any = 0.15,
        fit_intercept: Any = True,
        max_iter: Any = 1000,
        tol: Any = 1e-3,
        shuffle: Any = True,
        verbose: Any = 0,
        epsilon: Any = 0.1,
        random_state: Any = None,
        learning_rate: Any = "invscaling",
        eta0: Any = 0.01,
        power_t: Any = 0.25,
        early_stopping: Any = False,
        validation_fraction: Any = 0.1,
        n_iter_no_change: Any = 5,
        warm_start: Any = False,
        average: Any = False,
        n_jobs: Any = None,
        batch_size: Any = 1,
        momentum: Any = 0.0,
        nesterov: Any = False,
        shuffle_block: Any = "auto",
    ) -> None:
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.epsilon = epsilon
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.average = average
        self.n_jobs = n_jobs
        self.batch_size = batch_size
        self.momentum = momentum
        self.nesterov = nesterov
        self.shuffle_block = shuffle_block

    def _train(
        self,
        X: Any,
        y: Any,
        *,
        sample_weight: Any,
        coef_init: Any,
        intercept_init: Any,
        max_iter: int,
        partial: bool,
    ) -> list[Any]:
        first_call = getattr(self, "coef_", None) is None
        X, y = _validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
            y_numeric=True,
            reset=first_call or not partial,
            kernel_only=partial or not self.early_stopping,
        )
        dtype = X.dtype
        y = np.ascontiguousarray(y, dtype=dtype)
        n_samples, n_features = X.shape
        sample_weight = check_sample_weight(
            sample_weight, X, dtype=dtype, allow_all_zero_weights=self.early_stopping
        )
        coef0, intercept0, average_init, t_start = self._starting_point(
            coef_init, intercept_init, 1, n_features, dtype, partial
        )
        val_mask = None if partial else self._validation_mask(y, sample_weight)
        results = self._run(
            X,
            y[None, :],
            np.asarray(sample_weight, dtype=dtype)[None, :],
            sample_weight,
            max_iter=max_iter,
            coef_init=coef0,
            intercept_init=intercept0,
            t_start=t_start,
            average_init=average_init,
            val_mask=val_mask,
        )
        state = self._state_from_results(results, dtype, t_start, n_samples)
        state["coef_"] = state["coef_"].ravel()
        for name, value in state.items():
            setattr(self, name, value)
        return results

    @_keep_state_on_error
    @fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: Any,
        y: Any,
        coef_init: Any = None,
        intercept_init: Any = None,
        sample_weight: Any = None,
    ) -> Any:
        """Fit the linear model with gdfast's stochastic gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        coef_init : ndarray of shape (n_features,), default=None
        intercept_init : ndarray of shape (1,), default=None
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        self._more_validate_params()
        results = self._train(
            X,
            y,
            sample_weight=sample_weight,
            coef_init=coef_init,
            intercept_init=intercept_init,
            max_iter=self.max_iter,
            partial=False,
        )
        self._warn_convergence(results)
        return self

    @_keep_state_on_error
    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """One epoch of SGD on the given samples, continuing the current model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        if getattr(self, "coef_", None) is None:
            self._more_validate_params(for_partial_fit=True)
        self._train(
            X,
            y,
            sample_weight=sample_weight,
            coef_init=None,
            intercept_init=None,
            max_iter=1,
            partial=True,
        )
        return self

    def _decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse="csr", reset=False)
        scores = linear_scores(X, self.coef_, self.n_jobs) + self.intercept_
        return np.asarray(scores).ravel()

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets ``X @ coef_ + intercept_``, shape (n_samples,)."""
        return self._decision_function(X)

"""The functional solver API: ``gdfast.fit`` and ``gdfast.fit_ovr``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import _core
from ._options import CLASSIFICATION_LOSSES, SCHEDULES, make_loss, penalty_kind
from ._scores import linear_scores
from ._threads import n_threads as _n_threads
from ._validation import (
    Matrix,
    check_choice,
    check_int,
    check_labels_pm1,
    check_real,
    check_sample_weight,
    check_vector,
    check_X,
    draw_seeds,
    non_finite_input,
    normalized_weights,
)

__all__ = ["DivergenceError", "FitResult", "fit", "fit_ovr"]


class DivergenceError(ValueError, FloatingPointError):
    """The weights became NaN or infinite (the learning rate is too large for the data)."""


@dataclass(frozen=True)
class FitResult:
    """What :func:`fit` returns.

    ``coef``/``intercept`` are the model (the average of the iterates once averaging
    started); ``standard_coef``/``standard_intercept`` the last iterate.
    ``n_passes``/``n_line_evals`` (full-batch solvers; 0 for SGD): the passes over X and
    the L-BFGS line-search evaluations on stored margins (O(n_samples) each, no read
    of X), as scipy reports ``nfev``.
    ``criterion_history`` (SGD, per-sample and mini-batch; empty for full-batch
    solvers): per epoch, the value ``tol`` / ``n_iter_no_change`` compare: the epoch's
    average loss plus the penalty -- per-sample SGD with a ``tol``: the penalty at the
    weights of each step, averaged (scikit-learn's criterion); otherwise the penalty at
    the end of the epoch. With a validation split the rule compares the validation
    scores instead.
    """

    coef: np.ndarray
    intercept: float
    n_iter: int
    t: float
    objective_history: np.ndarray
    converged: bool
    standard_coef: np.ndarray
    standard_intercept: float
    n_averaged: int = 0
    validation_scores: list[float] = field(default_factory=list)
    n_passes: int = 0
    n_line_evals: int = 0
    criterion_history: np.ndarray = field(default_factory=lambda: np.zeros(0))


FULL_SOLVERS = {
    "auto": _core.FullSolver.auto,
    "lbfgs": _core.FullSolver.lbfgs,
    "gd": _core.FullSolver.gd,
}

# shuffle_block="auto": X this large (beyond the caches) is visited in blocks of 8 rows,
# 16 blocks from random places mixed at a time (see shuffle_order in rng.hpp): about
# 1.7x faster per epoch than a uniform row shuffle, which is latency bound on DRAM.
# Smaller X keeps the uniform shuffle (scikit-learn's), which costs nothing there.
AUTO_SHUFFLE_BLOCK = 8
# Mini-batches of >= 256 rows take blocks of 16: a batch then holds one whole round of
# 16 blocks (16 rows from each of 16 random places), and a gradient summed over the batch
# does not depend on the order within it. Next epoch at batch 256, 1 thread (W1-W3,
# float64 / float32): 5-13% faster than blocks of 8 (W3 37.8 -> 33.6 ms, float32
# 20.4 -> 17.7 ms); 2 threads alike. The objective (benchmarks/shuffle_study.py
# --batch-size 256; W1-W3 as generated and sorted by label, 3 seeds): after 1 epoch
# within 0.6% of a uniform shuffle's on W2/W3 (blocks of 8: 0.9%; W1's seed spread of
# +-2-3 covers both), after 3 and 10 epochs within the seed spread. Per-sample SGD keeps
# 8: with 16, label-sorted W3 was worse after one epoch (0.517 +- 0.018 against 0.497
# uniform and 0.508 with 8), and 32 clearly so (0.538 +- 0.009).
AUTO_SHUFFLE_BLOCK_BATCH = 16
AUTO_SHUFFLE_BATCH_MIN = 256
# intercept_decay="auto" on sparse X (scikit-learn's SPARSE_INTERCEPT_DECAY): with many
# rarely-seen features the intercept would otherwise take every sample's full step and
# carry most of the per-sample noise.
SPARSE_INTERCEPT_DECAY = 0.01
AUTO_SHUFFLE_MIN_BYTES = 16 << 20

_FIXED_STEP = ("constant", "invscaling", "adaptive", "pa1", "pa2")


def _x_bytes(Xm: Matrix) -> int:
    """Bytes of X's stored values (and indices for CSR) -- what one pass reads."""
    n = int(Xm.data.nbytes)
    if Xm.indices is not None:
        n += int(Xm.indices.nbytes)
    return n


def _params(
    *, loss: str, penalty: Any, alpha: Any, l1_ratio: Any, epsilon: Any, fit_intercept: Any,
    batch_size: Any, n_samples: int, learning_rate: Any, eta0: Any, power_t: Any,
    momentum: Any, nesterov: Any, max_iter: Any, tol: Any, n_iter_no_change: Any,
    shuffle: Any, shuffle_block: Any, average: Any, random_state: Any, t_start: Any,
    track_objective: bool, solver: Any = "auto", x_bytes: int = 0,
    intercept_decay: Any = "auto", sparse: bool = False,
) -> Any:
    p = _core.FitParams()
    p.loss = make_loss(loss, epsilon)
    p.penalty = penalty_kind(penalty)
    p.alpha = check_real(alpha, "alpha", low=0.0)
    p.l1_ratio = check_real(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    p.fit_intercept = bool(fit_intercept)
    if isinstance(batch_size, str):
        if batch_size != "full":
            msg = f"batch_size={batch_size!r} is not valid; use a positive int or 'full'"
            raise ValueError(msg)
        p.batch_size = 0
    else:
        p.batch_size = check_int(batch_size, "batch_size", low=1)
        if p.batch_size >= n_samples:
            p.batch_size = 0
    schedule_name = learning_rate
    p.schedule = check_choice(learning_rate, "learning_rate", SCHEDULES)
    if schedule_name in _FIXED_STEP or eta0 is not None:
        eta = 0.01 if eta0 is None else eta0
        p.eta0 = check_real(eta, "eta0", low=0.0, low_open=True)
    if schedule_name == "optimal" and p.alpha == 0.0:
        msg = "alpha must be > 0 with learning_rate='optimal' (the step is 1/(alpha (t0+t)))"
        raise ValueError(msg)
    if schedule_name in ("pa1", "pa2") and loss not in ("hinge", "epsilon_insensitive"):
        msg = f"learning_rate={schedule_name!r} needs loss='hinge' or 'epsilon_insensitive', got {loss!r}"
        raise ValueError(msg)
    p.power_t = check_real(power_t, "power_t")
    p.momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
    p.nesterov = bool(nesterov)
    p.max_iter = check_int(max_iter, "max_iter", low=1)
    p.tol = -1.0 if tol is None else check_real(tol, "tol", low=0.0)
    p.n_iter_no_change = check_int(n_iter_no_change, "n_iter_no_change", low=1)
    p.shuffle = bool(shuffle)
    if isinstance(intercept_decay, str):
        if intercept_decay != "auto":
            msg = f"intercept_decay must be a float in (0, 1] or 'auto', got {intercept_decay!r}"
            raise ValueError(msg)
        p.intercept_decay = SPARSE_INTERCEPT_DECAY if sparse else 1.0
    else:
        p.intercept_decay = check_real(intercept_decay, "intercept_decay", low=0.0, high=1.0,
                                       low_open=True)
    if isinstance(shuffle_block, str):
        if shuffle_block != "auto":
            msg = f"shuffle_block must be an int >= 1 or 'auto', got {shuffle_block!r}"
            raise ValueError(msg)
        if x_bytes < AUTO_SHUFFLE_MIN_BYTES:
            p.shuffle_block = 1
        elif p.batch_size >= AUTO_SHUFFLE_BATCH_MIN:
            p.shuffle_block = AUTO_SHUFFLE_BLOCK_BATCH
        else:
            p.shuffle_block = AUTO_SHUFFLE_BLOCK
    else:
        p.shuffle_block = check_int(shuffle_block, "shuffle_block", low=1)
    if isinstance(average, bool) or average is None:
        p.average_start = 1 if average else 0
    else:
        p.average_start = check_int(average, "average", low=0)
    p.seed = draw_seeds(random_state, np.iinfo(np.int32).max)
    p.t_start = check_real(t_start, "t_start", low=1.0)
    p.track_objective = bool(track_objective)
    p.full_solver = check_choice(solver, "solver", FULL_SOLVERS)
    return p


def _divergence_message(epoch: int, eta0: Any, learning_rate: str) -> str:
    where = f"at epoch {epoch}" if epoch > 0 else "at the start point"
    hint = (
        f"lower eta0 (eta0={eta0})" if learning_rate in _FIXED_STEP else
        "use learning_rate='auto'"
    )
    return (
        f"the objective overflowed (non-finite weights or loss) {where}; "
        f"scale X (e.g. StandardScaler) or {hint}"
    )


def _start_point(
    X: Matrix, coef_init: Any, intercept_init: Any
) -> tuple[np.ndarray, float]:
    d = X.shape[1]
    if coef_init is None:
        coef = np.zeros(d, dtype=X.dtype)
    else:
        coef = check_vector(coef_init, d, X.dtype, "coef_init", what="n_features").copy()
    intercept = 0.0 if intercept_init is None else check_real(
        np.asarray(intercept_init).item() if np.ndim(intercept_init) else intercept_init,
        "intercept_init",
    )
    return coef, intercept


def _make_observer(
    X: Matrix, loss: str, verbose: int, validation: Any, scores: list[float]
) -> Callable[..., Any] | None:
    if not verbose and validation is None:
        return None
    classify = loss in CLASSIFICATION_LOSSES
    val = None
    if validation is not None:
        Xv_raw, yv_raw, swv_raw = validation
        Xv = check_X(Xv_raw, name="X_val", dtype=X.dtype)
        if Xv.shape[1] != X.shape[1]:
            msg = f"X_val has {Xv.shape[1]} features, X has {X.shape[1]}"
            raise ValueError(msg)
        yv = check_vector(yv_raw, Xv.shape[0], np.float64, "y_val")
        swv = check_sample_weight(swv_raw, Xv.shape[0], np.float64)
        val = (Xv, yv, np.ones_like(yv) if swv is None else swv)
    start = time.perf_counter()

    def observe(epoch: int, t: float, train_loss: float, objective: float, eta: float,
                coef: np.ndarray, intercept: float) -> float | None:
        score = None
        if val is not None:
            Xv, yv, swv = val
            pred = linear_scores(Xv, coef).astype(np.float64) + intercept
            if classify:
                score = float(np.average(np.where(pred >= 0, 1.0, -1.0) == yv, weights=swv))
            else:
                ss_res = float(np.sum(swv * (yv - pred) ** 2))
                mean = np.average(yv, weights=swv)
                ss_tot = float(np.sum(swv * (yv - mean) ** 2))
                score = 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)
            scores.append(score)
        if verbose:
            nnz = int(np.count_nonzero(coef))
            line = (
                f"-- Epoch {epoch}\nNorm: {np.linalg.norm(coef):.2f}, NNZs: {nnz}, "
                f"Bias: {intercept:.6f}, T: {int(t) - 1}, Avg. loss: {train_loss:.6f}"
            )
            if not np.isnan(objective):
                line += f", Objective: {objective:.6f}"
            if score is not None:
                line += f", Validation score: {score:.6f}"
            print(line)
            print(f"Total training time: {time.perf_counter() - start:.2f} seconds.")
        return score

    return observe


def fit(
    X: Any,
    y: Any,
    *,
    loss: str,
    penalty: str | None = "l2",
    alpha: float = 1e-4,
    l1_ratio: float = 0.15,
    epsilon: float = 0.1,
    fit_intercept: bool = True,
    batch_size: int | str = 1,
    learning_rate: str = "auto",
    eta0: float | None = None,
    power_t: float = 0.25,
    momentum: float = 0.0,
    nesterov: bool = False,
    max_iter: int = 1000,
    tol: float | None = 1e-3,
    n_iter_no_change: int = 5,
    shuffle: bool = True,
    average: bool | int = False,
    sample_weight: Any = None,
    coef_init: Any = None,
    intercept_init: Any = None,
    random_state: Any = None,
    n_jobs: int | None = None,
    verbose: int = 0,
    t_start: float = 1.0,
    average_init: tuple[Any, float, int] | None = None,
    validation: tuple[Any, Any, Any] | None = None,
    track_objective: bool = True,
    shuffle_block: int | str = "auto",
    solver: str = "auto",
    intercept_decay: float | str = 1.0,
) -> FitResult:
    """Fit a linear model ``f(x) = x @ coef + intercept`` by gradient descent.

    Minimises ``P(w, b) = (1/S) sum_i s_i L(y_i, x_i.w + b) + alpha R(w)`` with
    ``S = sum_i s_i`` (``= n`` for unit weights; this makes ``sample_weight=k``
    identical to repeating a row k times).

    Parameters
    ----------
    X : array-like or scipy.sparse of shape (n_samples, n_features)
        float32 is kept as float32; other real dtypes become float64. C-contiguous
        float arrays and CSR matrices are used in place (never copied or written).
    y : array-like of shape (n_samples,)
        Targets; for classification losses exactly -1/+1.
    loss : str
        ``squared`` (``squared_error``), ``huber``, ``epsilon_insensitive``,
        ``squared_epsilon_insensitive``, ``hinge``, ``squared_hinge``, ``log``
        (``log_loss``), ``modified_huber``, ``perceptron``.
    penalty : {"l2", "l1", "elasticnet", "none", None}
    alpha, l1_ratio, epsilon : float
        Penalty strength, elastic-net mix (``l1_ratio=1`` is L1), and the width of the
        huber / epsilon-insensitive losses.
    fit_intercept : bool
    batch_size : int or "full"
        1: per-sample SGD (scikit-learn's algorithm); 1 < b < n: OpenMP mini-batch
        SGD; "full" (or b >= n): full-batch descent, L-BFGS or proximal gradient
        descent (see ``solver``; ``learning_rate``/``eta0`` do not apply).
    learning_rate : str
        "auto" (a step from the loss curvature and the largest row norm, decaying as
        1/(alpha t): never diverges; the first epoch measures each row as it reads it,
        a step using the largest norm among the rows seen so far, its own included),
        or scikit-learn's "constant", "optimal", "invscaling", "adaptive", "pa1",
        "pa2".
    eta0, power_t : float
        scikit-learn's initial step (the C of pa1/pa2) and invscaling exponent
        (``eta0=None``: 0.01 for the schedules that need it).
    momentum, nesterov :
        Momentum (heavy ball) or Nesterov momentum for mini-batch; for full batch,
        ``nesterov=True`` with ``momentum=0`` uses FISTA's schedule with restart.
    tol, n_iter_no_change :
        Stochastic solvers: stop when the epoch's objective (training loss seen during
        the epoch + penalty, or the validation score) did not improve by ``tol`` for
        ``n_iter_no_change`` epochs (scikit-learn's rule). Full batch: stop when the
        gradient-mapping norm fell below ``tol`` times its first value. ``None``: run
        ``max_iter``.
    max_iter : int
        Epochs (stochastic solvers) or iterations (full batch) at most.
    shuffle : bool
        Visit the rows in a new random order every epoch (see ``shuffle_block``).
    average : bool or int
        Averaged SGD: True averages from the first update, k from update k.
    sample_weight : array-like of shape (n_samples,), optional
    coef_init, intercept_init :
        Start point (default zeros).
    random_state : None, int or numpy RandomState
        Seed of the row order.
    n_jobs : int or None
        OpenMP threads (None: OpenMP's default; -1 all). Small problems use fewer. The
        result is the same for any ``n_jobs``.
    verbose : int
        Print one line per epoch (scikit-learn's format).
    t_start, average_init :
        State carried over from an earlier fit (``partial_fit``): the step counter, and
        ``(average_coef, average_intercept, n_averaged)``.
    validation : (X_val, y_val, sample_weight_val) or None
        Score this set after every epoch (accuracy, or R^2 for regression) into
        ``validation_scores``; with a ``tol`` the stopping rule uses the score.
    track_objective : bool
        Stochastic solvers: evaluate the exact objective P after every epoch into
        ``objective_history``. It costs one extra pass over X per epoch, which the
        stopping rule does not need (the estimators turn it off). Full-batch solvers
        record P at every iteration at no extra cost, whatever this says.
    shuffle_block : int or "auto"
        1 visits rows in a uniformly random order (scikit-learn's shuffle); k > 1 puts
        blocks of k consecutive rows in random order and shuffles the rows of every 16
        consecutive blocks together, so neighbouring visits come from 16 random places
        of X while memory is read in short runs. Every row is still visited once per
        epoch. "auto" (default): 1 when X holds less than 16 MiB; else 8, or 16 for
        mini-batches of at least 256 rows (a batch then reads 16 rows from each of 16
        places). Against a uniform shuffle, on label-sorted data: per-sample within 3.2 %
        after 1 epoch and 2.1 % after 3, mini-batches within 0.6 % after 1, both within
        the seed-to-seed spread after 10 (benchmarks/shuffle_study.py).
    intercept_decay : float in (0, 1] or "auto"
        Per-sample SGD only: the intercept's step is multiplied by this (default 1, so
        dense and sparse X give the same model). "auto" is scikit-learn's convention,
        which the SGD estimators use: 0.01 for sparse X, 1 for dense X.
    solver : {"auto", "lbfgs", "gd"}
        Full-batch algorithm. "lbfgs": L-BFGS whose line search runs on the margins
        (O(n) per trial, no extra pass over X); "gd": proximal gradient descent with
        backtracking (Armijo) and optional momentum/Nesterov. "auto" picks "lbfgs"
        unless the penalty has an L1 part or momentum/nesterov is set. Non-smooth
        losses (hinge, perceptron, epsilon_insensitive) are solved through smoothing
        continuation in both.

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        Invalid input or parameters (the message names the parameter).
    DivergenceError
        The weights became non-finite; the message names the epoch.
    """
    # the kernels detect NaN/inf in X and check its column indices (no extra pass)
    Xm = check_X(X, finite=False, kernel_only=True)
    n, d = Xm.shape
    yv = check_vector(y, n, Xm.dtype, "y")
    loss_name = loss
    if loss_name in CLASSIFICATION_LOSSES:
        check_labels_pm1(yv, loss_name)
    p = _params(
        loss=loss, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio, epsilon=epsilon,
        fit_intercept=fit_intercept, batch_size=batch_size, n_samples=n,
        learning_rate=learning_rate, eta0=eta0, power_t=power_t, momentum=momentum,
        nesterov=nesterov, max_iter=max_iter, tol=tol, n_iter_no_change=n_iter_no_change,
        shuffle=shuffle, shuffle_block=shuffle_block, average=average,
        random_state=random_state, t_start=t_start, track_objective=track_objective,
        solver=solver, x_bytes=_x_bytes(Xm), intercept_decay=intercept_decay,
        sparse=Xm.indices is not None,
    )
    sw = normalized_weights(check_sample_weight(sample_weight, n, Xm.dtype), Xm.dtype)
    coef, intercept = _start_point(Xm, coef_init, intercept_init)
    if not fit_intercept:
        intercept = 0.0 if intercept_init is None else intercept
    avg_coef = np.zeros(d, dtype=Xm.dtype)
    avg_b, n_avg = 0.0, 0
    if average_init is not None:
        a_coef, avg_b, n_avg = average_init
        avg_coef = check_vector(a_coef, d, Xm.dtype, "average_init[0]", what="n_features").copy()
        avg_b = check_real(avg_b, "average_init[1]")
        n_avg = check_int(n_avg, "average_init[2]", low=0)
    scores: list[float] = []
    observer = _make_observer(Xm, loss_name, verbose, validation, scores)
    work = Xm.data.size
    if 1 < p.batch_size < n:
        # Mini-batch threads synchronise once (dense) or twice (CSR) per batch: only a
        # batch with enough stored values per thread pays for that.
        work = int(p.batch_size * Xm.data.size / max(n, 1))
        if Xm.indices is None:
            work *= 4  # dense: one barrier per batch, ~8k values per thread suffice
    nt = _n_threads(n_jobs, work=work)
    rep = _core.fit(*Xm.parts(), yv, sw, coef, intercept, avg_coef, avg_b, n_avg, p,
                    observer, nt)
    averaged = rep["n_averaged"] > 0
    out_coef = avg_coef if averaged else coef
    if rep["status"] != int(_core.Status.ok) or not (
        np.all(np.isfinite(out_coef)) and np.isfinite(rep["intercept"])
    ):
        bad_input = non_finite_input(Xm)
        if bad_input is not None:
            raise ValueError(bad_input)
        epoch = rep["bad_epoch"] if rep["status"] != int(_core.Status.ok) else rep["n_iter"]
        raise DivergenceError(_divergence_message(epoch, eta0, learning_rate))
    return FitResult(
        coef=out_coef,
        intercept=float(rep["intercept"]),
        n_iter=int(rep["n_iter"]),
        t=float(rep["t"]),
        objective_history=np.asarray(rep["objective_history"], dtype=np.float64),
        criterion_history=np.asarray(rep["criterion_history"], dtype=np.float64),
        converged=bool(rep["converged"]),
        standard_coef=coef,
        standard_intercept=float(rep["standard_intercept"]),
        n_averaged=int(rep["n_averaged"]),
        validation_scores=scores,
        n_passes=int(rep["n_passes"]),
        n_line_evals=int(rep["n_line_evals"]),
    )


def fit_ovr(
    X: Any,
    Y: Any,
    *,
    loss: str,
    sample_weight: Any = None,
    coef_init: Any = None,
    intercept_init: Any = None,
    average_init: tuple[Any, Any, Any] | None = None,
    n_jobs: int | None = None,
    **params: Any,
) -> list[FitResult]:
    """Solve K binary problems on the same X in parallel (one-vs-rest).

    ``Y`` has shape (K, n_samples) with labels -1/+1; ``sample_weight`` is (n_samples,)
    or (K, n_samples); ``coef_init`` (K, n_features); ``intercept_init`` (K,).
    The problems run in parallel inside C++ (``n_jobs`` threads over problems, each
    problem single-threaded), with the GIL released. ``alpha`` may be an array of
    shape (K,) (one penalty strength per problem). Other keyword arguments as
    :func:`fit` (``verbose``/``validation`` are not supported here).
    """
    for unsupported in ("verbose", "validation"):
        if params.pop(unsupported, None):
            msg = f"fit_ovr does not support {unsupported}"
            raise ValueError(msg)
    Xm = check_X(X, finite=False, kernel_only=True)
    n, d = Xm.shape
    Ya = np.asarray(Y)
    if Ya.ndim != 2 or Ya.shape[1] != n:
        msg = f"Y must have shape (n_classes, {n}), got {Ya.shape}"
        raise ValueError(msg)
    K = Ya.shape[0]
    Ya = np.ascontiguousarray(Ya, dtype=Xm.dtype)
    if loss in CLASSIFICATION_LOSSES:
        check_labels_pm1(Ya.ravel(), loss)
    defaults: dict[str, Any] = dict(
        penalty="l2", alpha=1e-4, l1_ratio=0.15, epsilon=0.1, fit_intercept=True,
        batch_size=1, learning_rate="auto", eta0=None, power_t=0.25, momentum=0.0,
        nesterov=False, max_iter=1000, tol=1e-3, n_iter_no_change=5, shuffle=True,
        shuffle_block="auto", intercept_decay=1.0, average=False, random_state=None,
        t_start=1.0,
        track_objective=False, solver="auto",
    )
    unknown = set(params) - set(defaults)
    if unknown:
        msg = f"unknown parameters for fit_ovr: {sorted(unknown)}"
        raise TypeError(msg)
    defaults.update(params)
    alphas = None
    if np.ndim(defaults["alpha"]) > 0:
        alphas = np.ascontiguousarray(defaults["alpha"], dtype=np.float64)
        if alphas.shape != (K,) or not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
            msg = f"alpha must be a finite non-negative scalar or an array of shape ({K},)"
            raise ValueError(msg)
        defaults["alpha"] = float(alphas.min())
    p = _params(loss=loss, n_samples=n, x_bytes=_x_bytes(Xm), sparse=Xm.indices is not None,
                **defaults)
    if sample_weight is None:
        sw = None
    else:
        swa = np.asarray(sample_weight)
        if swa.ndim == 2:
            if swa.shape != (K, n):
                msg = f"sample_weight must have shape ({n},) or ({K}, {n}), got {swa.shape}"
                raise ValueError(msg)
            sw = np.stack([
                normalized_weights(check_sample_weight(row, n, Xm.dtype), Xm.dtype)  # type: ignore[arg-type]
                for row in swa
            ])
        else:
            sw = normalized_weights(check_sample_weight(swa, n, Xm.dtype), Xm.dtype)
    coefs = np.zeros((K, d), dtype=Xm.dtype)
    if coef_init is not None:
        ci = np.asarray(coef_init, dtype=Xm.dtype)
        if ci.shape != (K, d) or not np.all(np.isfinite(ci)):
            msg = f"coef_init must be finite with shape ({K}, {d}), got {ci.shape}"
            raise ValueError(msg)
        coefs[:] = ci
    intercepts = np.zeros(K, dtype=np.float64)
    if intercept_init is not None:
        ii = np.asarray(intercept_init, dtype=np.float64).reshape(-1)
        if ii.shape != (K,) or not np.all(np.isfinite(ii)):
            msg = f"intercept_init must be finite with shape ({K},)"
            raise ValueError(msg)
        intercepts[:] = ii
    avg_coefs = np.zeros((K, d), dtype=Xm.dtype)
    avg_b = np.zeros(K, dtype=np.float64)
    n_avg = np.zeros(K, dtype=np.int64)
    if average_init is not None:
        try:
            avg_coefs[:] = np.asarray(average_init[0], dtype=Xm.dtype).reshape(K, d)
            avg_b[:] = np.asarray(average_init[1], dtype=np.float64).reshape(K)
            n_avg[:] = np.asarray(average_init[2], dtype=np.int64).reshape(K)
        except (TypeError, ValueError) as exc:
            msg = f"average_init must be (coefs ({K}, {d}), intercepts ({K},), counts ({K},))"
            raise ValueError(msg) from exc
        if not (np.all(np.isfinite(avg_coefs)) and np.all(np.isfinite(avg_b))) or np.any(n_avg < 0):
            msg = "average_init must be finite with non-negative counts"
            raise ValueError(msg)
    reps = _core.fit_many(*Xm.parts(), Ya, sw, coefs, intercepts, avg_coefs, avg_b, n_avg, p,
                          alphas, _n_threads(n_jobs, work=K * Xm.data.size))
    results = []
    for k, rep in enumerate(reps):
        if rep["status"] != int(_core.Status.ok) or not np.all(np.isfinite(coefs[k])):
            bad_input = non_finite_input(Xm)
            if bad_input is not None:
                raise ValueError(bad_input)
            raise DivergenceError(
                f"class {k}: " + _divergence_message(rep["bad_epoch"], defaults["eta0"],
                                                     defaults["learning_rate"])
            )
        averaged = rep["n_averaged"] > 0
        out = avg_coefs[k] if averaged else coefs[k]
        results.append(FitResult(
            coef=out.copy(), intercept=float(rep["intercept"]), n_iter=int(rep["n_iter"]),
            t=float(rep["t"]),
            objective_history=np.asarray(rep["objective_history"], dtype=np.float64),
            criterion_history=np.asarray(rep["criterion_history"], dtype=np.float64),
            converged=bool(rep["converged"]), standard_coef=coefs[k].copy(),
            standard_intercept=float(rep["standard_intercept"]),
            n_averaged=int(rep["n_averaged"]),
            n_passes=int(rep["n_passes"]), n_line_evals=int(rep["n_line_evals"]),
        ))
    return results

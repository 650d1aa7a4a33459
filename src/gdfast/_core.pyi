"""Type stubs of the compiled module gdfast._core (private: only gdfast's Python layer uses it)."""

from __future__ import annotations

import enum
from typing import Any, Callable

import numpy as np

class LossKind(enum.IntEnum):
    squared = 0
    huber = 1
    epsilon_insensitive = 2
    squared_epsilon_insensitive = 3
    hinge = 4
    squared_hinge = 5
    log = 6
    modified_huber = 7
    perceptron = 8

class PenaltyKind(enum.IntEnum):
    none = 0
    l2 = 1
    l1 = 2
    elasticnet = 3

class Schedule(enum.IntEnum):
    constant = 0
    optimal = 1
    invscaling = 2
    adaptive = 3
    pa1 = 4
    pa2 = 5
    auto = 6

class FullSolver(enum.IntEnum):
    auto = 0
    gd = 1
    lbfgs = 2

class Status(enum.IntEnum):
    ok = 0
    non_finite = 1
    interrupted = 2
    bad_index = 3

class Loss:
    def __init__(self, kind: LossKind, epsilon: float = 0.1, smoothing: float = 0.0) -> None: ...
    @property
    def kind(self) -> LossKind: ...
    @property
    def epsilon(self) -> float: ...
    @property
    def smoothing(self) -> float: ...
    def eval(self, y: float, p: float) -> tuple[float, float]: ...

class FitParams:
    loss: Loss
    penalty: PenaltyKind
    alpha: float
    l1_ratio: float
    fit_intercept: bool
    batch_size: int
    schedule: Schedule
    eta0: float
    power_t: float
    momentum: float
    nesterov: bool
    max_iter: int
    tol: float
    n_iter_no_change: int
    shuffle: bool
    shuffle_block: int
    intercept_decay: float
    seed: int
    average_start: int
    t_start: float
    track_objective: bool
    full_solver: FullSolver
    def __init__(self) -> None: ...

def openmp_max_threads() -> int: ...
def have_openmp() -> bool: ...
def isa() -> str: ...
def available_isas() -> list[str]: ...
def set_isa(name: str) -> str: ...
def build_info() -> dict[str, Any]: ...
def objective(
    X: np.ndarray,
    indices: np.ndarray | None,
    indptr: np.ndarray | None,
    n_cols: int,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    coef: np.ndarray,
    intercept: float,
    loss: Loss,
    grad: np.ndarray | None,
    margins: np.ndarray | None,
    n_threads: int,
) -> tuple[float, float, float, float, bool]: ...
def fit(
    X: np.ndarray,
    indices: np.ndarray | None,
    indptr: np.ndarray | None,
    n_cols: int,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    coef: np.ndarray,
    intercept: float,
    avg_coef: np.ndarray,
    avg_intercept: float,
    n_averaged: int,
    params: FitParams,
    observer: Callable[..., float | None] | None,
    n_threads: int,
) -> dict[str, Any]: ...
def fit_many(
    X: np.ndarray,
    indices: np.ndarray | None,
    indptr: np.ndarray | None,
    n_cols: int,
    Y: np.ndarray,
    sample_weight: np.ndarray | None,
    coefs: np.ndarray,
    intercepts: np.ndarray,
    avg_coefs: np.ndarray,
    avg_intercepts: np.ndarray,
    n_averaged: np.ndarray,
    params: FitParams,
    alphas: np.ndarray | None,
    n_threads: int,
) -> list[dict[str, Any]]: ...

"""String options of the public API and their kernel values (policy lives here)."""

from __future__ import annotations

from typing import Any

from . import _core
from ._validation import check_choice, check_real

LOSSES: dict[str, Any] = {
    "squared": _core.LossKind.squared,
    "squared_error": _core.LossKind.squared,
    "huber": _core.LossKind.huber,
    "epsilon_insensitive": _core.LossKind.epsilon_insensitive,
    "squared_epsilon_insensitive": _core.LossKind.squared_epsilon_insensitive,
    "hinge": _core.LossKind.hinge,
    "squared_hinge": _core.LossKind.squared_hinge,
    "log": _core.LossKind.log,
    "log_loss": _core.LossKind.log,
    "modified_huber": _core.LossKind.modified_huber,
    "perceptron": _core.LossKind.perceptron,
}
CLASSIFICATION_LOSSES = frozenset(
    {"hinge", "squared_hinge", "log", "log_loss", "modified_huber", "perceptron"}
)
PENALTIES: dict[str, Any] = {
    "none": _core.PenaltyKind.none,
    "l2": _core.PenaltyKind.l2,
    "l1": _core.PenaltyKind.l1,
    "elasticnet": _core.PenaltyKind.elasticnet,
}
SCHEDULES: dict[str, Any] = {
    "auto": _core.Schedule.auto,
    "constant": _core.Schedule.constant,
    "optimal": _core.Schedule.optimal,
    "invscaling": _core.Schedule.invscaling,
    "adaptive": _core.Schedule.adaptive,
    "pa1": _core.Schedule.pa1,
    "pa2": _core.Schedule.pa2,
}


def make_loss(loss: Any, epsilon: Any) -> Any:
    kind = check_choice(loss, "loss", LOSSES)
    eps = check_real(epsilon, "epsilon", low=0.0)
    return _core.Loss(kind, eps)


def penalty_kind(penalty: Any) -> Any:
    if penalty is None:
        penalty = "none"
    return check_choice(penalty, "penalty", PENALTIES)

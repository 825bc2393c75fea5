"""Loss modules around :func:`minigrad.functional.cross_entropy` and :func:`~minigrad.functional.mse_loss`."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..messages import text
from ..ops.nn import cross_entropy, mse_loss
from ..tensor import Tensor, TensorLike
from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(loss: str, reduction: str) -> str:
    if reduction not in _REDUCTIONS:
        raise ValueError(text("nn.layers.reduction", loss=loss, value=reduction))
    return reduction


class CrossEntropyLoss(Module):
    """``loss(logits, targets)``: softmax cross-entropy with integer class targets (classes on axis 1).

    Targets equal to ``ignore_index`` are skipped (and not counted by ``'mean'``).
    Backward: ``dL/dlogits = g * (softmax(logits) - onehot(targets))``, divided
    by the number of counted targets for ``'mean'``.
    """

    def __init__(self, reduction: str = "mean", ignore_index: int = -100) -> None:
        super().__init__()
        self.reduction = _check_reduction("CrossEntropyLoss", reduction)
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
            raise TypeError(text("nn.layers.ignore_index", value=ignore_index, type=type(ignore_index).__name__))
        self.ignore_index = int(ignore_index)

    def forward(self, input: TensorLike, target: Any) -> Tensor:
        return cross_entropy(input, target, self.reduction, ignore_index=self.ignore_index)


class MSELoss(Module):
    """``loss(input, target)``: squared error ``(input - target)**2`` reduced by ``reduction``; shapes must match."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = _check_reduction("MSELoss", reduction)

    def forward(self, input: TensorLike, target: TensorLike) -> Tensor:
        return mse_loss(input, target, self.reduction)

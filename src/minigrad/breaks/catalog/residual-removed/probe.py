"""residual-removed: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ....nn import Module, Residual
from ...core import Probe


class _Function(Module):
    """A module around a plain function: lets a probe route its input tensors through ``Residual``."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: Any) -> Any:
        return self.fn(x)


def _probe_residual(F: Any, x: Any, w: Any) -> Any:
    """``Residual(tanh(x @ w))``; PyTorch: ``x + tanh(x @ w)`` written out."""
    if F.name == "torch":
        return x + F.tanh(x @ w)
    return Residual(_Function(lambda h: F.tanh(h @ w)))(x)


PROBE = Probe(
    _probe_residual,
    (np.random.default_rng(651).standard_normal((4, 3)), 0.5 * np.random.default_rng(652).standard_normal((3, 3))),
)

"""forgot-zero-grad: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

from collections.abc import Callable

from ....optim import SGD, Optimizer
from ....tensor import Tensor
from ...shared.modules import _trajectory_differs


def _sgd(lr: float) -> Callable[[list[Tensor]], Optimizer]:
    return lambda ps: SGD(ps, lr=lr)


def _zero_grad_differs_from_torch() -> str:
    return _trajectory_differs(
        _sgd(0.05), lambda torch, ps: torch.optim.SGD(ps, lr=0.05), "torch.optim.SGD with zero_grad()", steps=3
    )


CHECKS = {"torch-zero-grad": _zero_grad_differs_from_torch}

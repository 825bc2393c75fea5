"""Small helpers for writing break procedures and probes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...tensor import Tensor
from ..core import Outcome

CRASH = frozenset({Outcome.CRASH})
WRONG_SHAPE = frozenset({Outcome.WRONG_SHAPE})
WRONG_VALUES = frozenset({Outcome.WRONG_VALUES})
SAME = frozenset({Outcome.SAME})
LOUD_OR_SHAPE = frozenset({Outcome.CRASH, Outcome.WRONG_SHAPE})


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def leaf(data: Any) -> Tensor:
    """A float64 tensor that requires grad."""
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


def grads(**tensors: Tensor) -> dict[str, Any]:
    """An observation: each named tensor's ``.grad`` (None if no gradient arrived)."""
    return {f"{name}.grad": t.grad for name, t in tensors.items()}


def backward_of(build: Callable[[], tuple[Tensor, dict[str, Tensor]]]) -> Callable[[], dict[str, Any]]:
    """A case body: build ``(loss, named leaves)``, backpropagate, observe the loss and the grads."""

    def run() -> dict[str, Any]:
        loss, leaves = build()
        loss.backward()
        return {"loss": loss.data.copy(), **grads(**leaves)}

    return run

"""Small helpers for writing break procedures and probes."""

from __future__ import annotations

import functools
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

Observation = dict[str, Any]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def normal(seed: int, *shape: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Seeded standard-normal float64 data: random and non-uniform, as diagnostics need."""
    return rng(seed).standard_normal(shape)


def leaf(data: Any) -> Tensor:
    """A float64 tensor that requires grad."""
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


def const(data: Any) -> Tensor:
    """A float64 tensor that does not require grad (a weight held fixed, a target)."""
    return Tensor(np.asarray(data, dtype=np.float64))


def grads(**tensors: Tensor) -> dict[str, Any]:
    """An observation: each named tensor's ``.grad`` (None if no gradient arrived)."""
    return {f"{name}.grad": None if t.grad is None else np.array(t.grad) for name, t in tensors.items()}


def backward_of(build: Callable[[], tuple[Tensor, dict[str, Tensor]]]) -> Callable[[], dict[str, Any]]:
    """A case body: build ``(loss, named leaves)``, backpropagate, observe the loss and the grads.

    The returned function wraps ``build`` (``__wrapped__``), so that
    ``minigrad breaks show`` prints the code that builds the case rather than
    this generic body.
    """

    def run() -> dict[str, Any]:
        loss, leaves = build()
        loss.backward()
        return {"loss": loss.data.copy(), **grads(**leaves)}

    return functools.update_wrapper(run, build)


def raises(run: Callable[[], object], *errors: type[BaseException]) -> bool:
    """Whether ``run()`` raises one of ``errors`` (anything else propagates)."""
    try:
        run()
    except errors:
        return True
    return False

"""What several breaks of the learner_engine family share in their probes and checks.

Engine bugs found in learners' own engines (issue 9), as breaks of minigrad's engine, Tensor and Value.

Each break reproduces, in minigrad's code, a bug seen in engines that learners
published: gradients kept on intermediate nodes across backward passes, a
graph walk without a visited set or in set order, a root never seeded, integer
data with an integer gradient.  Bugs whose effect depends on Python's set
iteration order have a case that repeats the computation with fresh objects
and reports how many runs went wrong, next to a hand-derived oracle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...tensor import Tensor


def leaf(data: Any) -> Tensor:
    """A float64 tensor that requires grad."""
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


CHECK_REPEATS = 20  # fresh graphs per run of an order-sensitive break's own check


def wrong_runs(run: Callable[[], bool], repeats: int = CHECK_REPEATS) -> int:
    """How many of ``repeats`` runs, each on freshly built objects, gave a wrong result (``run()`` is True)."""
    return sum(bool(run()) for _ in range(repeats))


def _probe_value_reuse(F: Any, a: Any, b: Any) -> Any:
    h = (a * b).tanh()
    return h * h + h


def _probe_tanh_mul(F: Any, x: Any, w: Any) -> Any:
    return F.tanh(x * w)


def _value_deep_reuse(a: Any, b: Any) -> Any:
    h = (a * b).tanh()
    for _ in range(6):  # every level reads the one below three times
        h = h * h + h
    return h


def _probe_value_deep_reuse(F: Any, a: Any, b: Any) -> Any:
    return _value_deep_reuse(a, b)


def _tensor_deep_reuse(x: Any, w: Any) -> Any:
    h = (x * w).tanh()
    for _ in range(6):  # every level reads the one below three times; the 0.5 keeps h in (-1, 1)
        h = (h * h + h) * 0.5
    return h

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


class LearnerTensor:
    """A learner-style tensor engine on NumPy arrays (micrograd's design), for the breaks minigrad cannot have.

    minigrad keeps gradients in the engine and never gives a constant a ``.grad``; many learners' engines
    instead give each tensor a ``grad`` attribute that starts at ``None`` for a tensor that does not
    require grad (a constant) and at zeros for one that does, and each op's ``_backward`` adds its share
    ``grad += dL/d(out) * d(out)/d(input)`` to its inputs.  That add must skip the inputs that do not
    require grad: ``None += array`` is a ``TypeError``.  Forward: ``a + b``, ``a * b`` (a number is wrapped
    as a constant), ``sum()``; backward: ``d(a+b)/da = 1``, ``d(a*b)/da = b``, ``d(sum a)/da = 1``.
    Operands of one op have the same shape (no broadcasting: this engine illustrates gradients, not shapes).
    """

    def __init__(self, data: Any, requires_grad: bool = False, _prev: tuple[LearnerTensor, ...] = ()) -> None:
        self.data = np.asarray(data, dtype=np.float64)
        self.requires_grad: bool = requires_grad or any(p.requires_grad for p in _prev)
        self.grad: Any = np.zeros_like(self.data) if self.requires_grad else None
        self._prev = _prev
        self._backward: Callable[[], None] = _no_inputs

    def __repr__(self) -> str:
        return f"LearnerTensor({self.data!r}, requires_grad={self.requires_grad})"

    def __add__(self, other: LearnerTensor | float) -> LearnerTensor:
        other = other if isinstance(other, LearnerTensor) else LearnerTensor(other)
        out = LearnerTensor(self.data + other.data, _prev=(self, other))

        def _backward() -> None:
            if self.requires_grad:
                self.grad += out.grad
            if other.requires_grad:
                other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: LearnerTensor | float) -> LearnerTensor:
        other = other if isinstance(other, LearnerTensor) else LearnerTensor(other)
        out = LearnerTensor(self.data * other.data, _prev=(self, other))

        def _backward() -> None:
            if self.requires_grad:
                self.grad += other.data * out.grad
            if other.requires_grad:
                other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other: float) -> LearnerTensor:
        return self + other

    def __rmul__(self, other: float) -> LearnerTensor:
        return self * other

    def sum(self) -> LearnerTensor:
        out = LearnerTensor(self.data.sum(), _prev=(self,))

        def _backward() -> None:
            if self.requires_grad:
                self.grad += np.ones_like(self.data) * out.grad

        out._backward = _backward
        return out

    def backward(self) -> None:
        """Seed ``grad = 1`` on this (scalar) tensor and run every ``_backward`` in reverse topological order."""
        order: list[LearnerTensor] = []
        seen: set[int] = set()
        stack: list[tuple[LearnerTensor, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node._prev if id(p) not in seen)
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            node._backward()


def _no_inputs() -> None:
    """A leaf's ``_backward``: nothing to propagate."""


class CountingInputs(tuple):  # type: ignore[type-arg]
    """A node's inputs that count how often a graph walk iterates them (one count per expansion of the node)."""

    counter: list[int]

    def __iter__(self) -> Any:
        self.counter[0] += 1
        return super().__iter__()


def count_walk_expansions(root: Any) -> list[int]:
    """Replace every node's ``_prev`` below ``root`` by :class:`CountingInputs` sharing one counter; return it."""
    counter = [0]
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        inputs = tuple(node._prev)
        wrapped = CountingInputs(inputs)
        wrapped.counter = counter
        node._prev = wrapped
        stack.extend(inputs)
    return counter

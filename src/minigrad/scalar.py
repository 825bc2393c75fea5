"""Scalar autograd: one Python float per node (the course's phase 7).

Every operation returns a new :class:`Value` that remembers its inputs
(``_prev``), the op that made it (``op``) and a small closure ``_backward``
that applies the chain rule for that op alone: given ``out.grad = dL/d(out)``
it *adds* ``dL/d(input) = dL/d(out) * d(out)/d(input)`` to each input's
``grad``.  Adding (``+=``), not assigning, is what makes a value used twice
(``a * a``, or two paths through a graph) receive the sum of both
contributions.  :meth:`Value.backward` runs those closures from the output
back to the leaves in reverse topological order.

>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> loss = a * b + a  # a is used twice: its two contributions add up
>>> loss.backward()
>>> a.grad, b.grad  # d(loss)/da = b + 1, d(loss)/db = a
(-2.0, 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NoReturn

from .messages import text

Number = int | float


def _leaf_backward() -> None:
    """A leaf has no inputs: nothing to propagate."""


class Value:
    """A scalar that records how it was computed, so that gradients flow back to it.

    ``data`` is the number, ``grad`` is ``dL/d(this value)`` after
    ``loss.backward()`` (0.0 before), ``label`` is a name for printing and
    ``op`` the operator that produced it ('' for a leaf).
    """

    __slots__ = ("data", "grad", "label", "op", "_prev", "_backward")

    data: float
    grad: float
    label: str
    op: str
    _prev: tuple[Value, ...]
    _backward: Callable[[], None]

    def __init__(self, data: Number, label: str = "") -> None:
        if not isinstance(data, (int, float)):
            hint = text("tensor.value_data.hint") if isinstance(data, Value) else ""
            raise TypeError(text("tensor.value_data", type=type(data).__name__, data=data, hint=hint))
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._prev = ()
        self._backward = _leaf_backward

    @staticmethod
    def _node(data: float, op: str, prev: tuple[Value, ...]) -> Value:
        """An op's output: skips the constructor's input check (``data`` is already a float)."""
        out = object.__new__(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.op = op
        out._prev = prev
        out._backward = _leaf_backward
        return out

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # ------------------------------------------------------------------ arithmetic

    def __add__(self, other: Value | Number) -> Value:
        """``out = a + b``.  Backward: ``da += dout``, ``db += dout`` (d(a+b)/da = d(a+b)/db = 1)."""
        other = _as_value(other)
        out = Value._node(self.data + other.data, "+", (self, other))

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __sub__(self, other: Value | Number) -> Value:
        """``out = a - b``.  Backward: ``da += dout``, ``db += -dout``."""
        other = _as_value(other)
        out = Value._node(self.data - other.data, "-", (self, other))

        def _backward() -> None:
            self.grad += out.grad
            other.grad += -out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        """``out = a * b``.  Backward: ``da += b * dout``, ``db += a * dout``."""
        other = _as_value(other)
        out = Value._node(self.data * other.data, "*", (self, other))

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other: Value | Number) -> Value:
        """``out = a / b``.  Backward: ``da += dout / b``, ``db += -a / b**2 * dout``.

        Raises ``ZeroDivisionError`` when ``b`` is 0.
        """
        other = _as_value(other)
        if other.data == 0.0:
            raise ZeroDivisionError(text("tensor.value_division", dividend=self.data))
        out = Value._node(self.data / other.data, "/", (self, other))

        def _backward() -> None:
            self.grad += out.grad / other.data
            other.grad += -self.data / (other.data * other.data) * out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> Value:
        """``out = -a``.  Backward: ``da += -dout``."""
        out = Value._node(-self.data, "neg", (self,))

        def _backward() -> None:
            self.grad += -out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: Number) -> Value:
        """``out = a ** n`` for a Python number ``n``.  Backward: ``da += n * a**(n-1) * dout``.

        ``n`` must be a number, not a Value (``d(a**b)/db`` is left out to keep
        this file small: write ``(b * a.log()).exp()`` for a variable exponent).
        A negative ``a`` needs a whole-number ``n`` (otherwise the result is not
        real) and ``a == 0`` needs ``n >= 0``.
        """
        if not isinstance(exponent, (int, float)):
            raise TypeError(text("tensor.value_pow_type", type=type(exponent).__name__))
        n = float(exponent)
        x = self.data
        if x == 0.0 and n < 0:
            raise ZeroDivisionError(text("tensor.value_pow_zero", exponent=exponent))
        if x < 0 and not n.is_integer():
            raise ValueError(text("tensor.value_pow_negative_base", exponent=exponent, base=x))
        out = Value._node(math.pow(x, n), f"**{exponent}", (self,))

        def _backward() -> None:
            self.grad += _power_slope(x, n) * out.grad

        out._backward = _backward
        return out

    def __rpow__(self, base: Number) -> NoReturn:
        raise TypeError(text("tensor.value_rpow", type=type(base).__name__))

    # Python calls these when the number is on the left: 2 + v, 2 - v, 2 * v, 2 / v.
    def __radd__(self, other: Number) -> Value:
        return _as_value(other) + self

    def __rsub__(self, other: Number) -> Value:
        return _as_value(other) - self

    def __rmul__(self, other: Number) -> Value:
        return _as_value(other) * self

    def __rtruediv__(self, other: Number) -> Value:
        return _as_value(other) / self

    # ------------------------------------------------------------------ functions

    def exp(self) -> Value:
        """``out = e**a``.  Backward: ``da += e**a * dout`` (``out.data`` itself)."""
        try:
            value = math.exp(self.data)
        except OverflowError:
            raise OverflowError(text("tensor.value_exp_overflow", x=self.data)) from None
        out = Value._node(value, "exp", (self,))

        def _backward() -> None:
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        """``out = ln(a)`` for ``a > 0``.  Backward: ``da += dout / a``."""
        if self.data <= 0.0:
            raise ValueError(text("tensor.value_log", x=self.data))
        out = Value._node(math.log(self.data), "log", (self,))

        def _backward() -> None:
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def relu(self) -> Value:
        """``out = max(a, 0)``.  Backward: ``da += dout`` if ``a > 0`` else nothing (0 at ``a == 0``, as PyTorch)."""
        out = Value._node(self.data if self.data > 0.0 else 0.0, "relu", (self,))

        def _backward() -> None:
            self.grad += (1.0 if self.data > 0.0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        """``out = tanh(a)``.  Backward: ``da += (1 - tanh(a)**2) * dout``, from the saved output."""
        out = Value._node(math.tanh(self.data), "tanh", (self,))

        def _backward() -> None:
            self.grad += (1.0 - out.data * out.data) * out.grad

        out._backward = _backward
        return out

    # ------------------------------------------------------------------ backward

    def backward(self) -> None:
        """Fill ``grad`` on every value this one was computed from: ``grad = d(self)/d(value)``.

        Sets ``self.grad = 1`` (``d(self)/d(self)``) and calls each node's
        ``_backward`` in reverse topological order, so that a node's ``grad``
        is complete (every use has contributed) before it is passed on.
        Intermediate grads are reset first; leaves *accumulate* across calls,
        as in PyTorch, so call :meth:`zero_grad` between training steps.
        """
        order = self._topological_order()
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()

    def zero_grad(self) -> None:
        """Set ``grad = 0`` on this value and everything it was computed from."""
        for node in self._topological_order():
            node.grad = 0.0

    def _topological_order(self) -> list[Value]:
        """Every node of the graph, each after all the nodes it was computed from.

        An explicit stack rather than recursion, so that a chain of 100,000
        ops does not hit Python's recursion limit.  A node is pushed twice:
        once to visit its inputs, once (``expanded``) to emit it after them.
        """
        order: list[Value] = []
        visited: set[Value] = set()  # Values hash by identity
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev if child not in visited)
        return order


def _as_value(x: Value | Number) -> Value:
    """``x`` itself if it is a Value, a constant leaf if it is a Python number."""
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float)):
        return Value._node(float(x), "", ())
    raise TypeError(text("tensor.value_combine", type=type(x).__name__, x=x))


def _power_slope(x: float, n: float) -> float:
    """``d(x**n)/dx = n * x**(n-1)``, with the limits at ``x == 0``.

    ``n == 0``: the slope is 0 everywhere.  ``0 < n < 1`` at ``x == 0``: the
    curve is vertical, slope ``+inf`` (PyTorch agrees); Python's ``0.0 ** -0.5``
    would raise instead.
    """
    if n == 0.0:
        return 0.0
    if x == 0.0 and n < 1.0:
        return math.inf
    return n * math.pow(x, n - 1.0)

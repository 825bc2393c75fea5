"""value-grad-not-reset: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import math

from ....messages import text
from ....scalar import Value


def _value_neuron() -> tuple[Value, Value, Value]:
    a, b = Value(0.8), Value(-1.5)
    h = (a * b).tanh()
    return a, b, h * h + h  # h is an intermediate node used twice


def _value_second_backward_differs() -> bool | str:
    """Fires when a second backward on the same graph, after zeroing the leaves, gives other gradients."""
    a, b, loss = _value_neuron()
    loss.backward()
    first = (a.grad, b.grad)
    a.grad = b.grad = 0.0
    loss.backward()
    if math.isclose(a.grad, first[0], rel_tol=1e-12) and math.isclose(b.grad, first[1], rel_tol=1e-12):
        return False
    return text("lab.check.value_grad_not_reset", a=a.grad, b=b.grad, first_a=first[0], first_b=first[1])


CHECKS = {"second-backward-same": _value_second_backward_differs}

# mypy: disable-error-code="no-any-return"
# (NumPy's stubs type some array arithmetic as Any; the rules stay plain formulas.)
"""The backward rules: one small function per op, the textbook formula and nothing else.

These are the seams the lab patches (``minigrad breaks``): each op's backward
closure calls its rule here, so a break swaps a two-line formula and a speed
change to an op's forward moves no lesson.  ``g = dL/d(out)`` is the upstream
gradient; a binary rule returns one gradient per input, already reduced to
that input's shape (:func:`~minigrad.unbroadcast.unbroadcast`); a unary rule
``rule(g, x, out)`` gets the op's input ``x`` and output ``out``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..unbroadcast import unbroadcast

Array = npt.NDArray[Any]


def add_backward(g: Array, a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> tuple[Array, Array]:
    """``d(a + b)``: ``dL/da = g``, ``dL/db = g``, each summed over the axes its input was broadcast along."""
    return unbroadcast(g, a_shape), unbroadcast(g, b_shape)


def sub_backward(g: Array, a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> tuple[Array, Array]:
    """``d(a - b)``: ``dL/da = g``, ``dL/db = -g``."""
    return unbroadcast(g, a_shape), -unbroadcast(g, b_shape)


def mul_backward(g: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """``d(a * b)``: ``dL/da = g * b``, ``dL/db = g * a``."""
    return unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)


def div_backward(g: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """``d(a / b)``: ``dL/da = g / b``, ``dL/db = -g * a / b**2``, as ``(a / b) / b``: ``b * b`` may overflow."""
    return unbroadcast(g / b, a.shape), unbroadcast(-g * (a / b / b), b.shape)


def pow_backward(g: Array, a: Array, c: float) -> Array:
    """``d(a ** c)`` for a number ``c``: ``dL/da = g * c * a**(c - 1)``."""
    return g * c * a ** (c - 1)


def exp_backward(g: Array, x: Array, out: Array) -> Array:
    """``d exp(x)``: ``dL/dx = g * exp(x)``, the output itself."""
    return g * out


def log_backward(g: Array, x: Array, out: Array) -> Array:
    """``d log(x)``: ``dL/dx = g / x``."""
    return g / x


def sqrt_backward(g: Array, x: Array, out: Array) -> Array:
    """``d sqrt(x)``: ``dL/dx = g / (2 sqrt(x))``, from the output."""
    return g / (2 * out)


def abs_backward(g: Array, x: Array, out: Array) -> Array:
    """``d |x|``: ``dL/dx = g * sign(x)`` (0 at ``x == 0``, as in PyTorch)."""
    return g * np.sign(x)


def relu_backward(g: Array, x: Array, out: Array) -> Array:
    """``d max(x, 0)``: ``dL/dx = g`` where ``x > 0``, else 0 (NaN lets ``g`` through, as in PyTorch)."""
    return g * ~(x <= 0)


def tanh_backward(g: Array, x: Array, out: Array) -> Array:
    """``d tanh(x)``: ``dL/dx = g * (1 - tanh(x)**2)``, from the output."""
    return g * (1 - out * out)


def sigmoid_backward(g: Array, x: Array, out: Array) -> Array:
    """``d sigmoid(x)``: ``dL/dx = g * s * (1 - s)`` with ``s = sigmoid(x)``, the output."""
    return g * out * (1 - out)


def softplus_backward(g: Array, x: Array, out: Array) -> Array:
    """``d log(1 + e**x)``: ``dL/dx = g * sigmoid(x) = g / (1 + e**-x)``, written ``g * (1 - e**-softplus(x))``.

    ``e**-softplus(x) = 1 / (1 + e**x)`` lies in ``(0, 1]``: no overflow for any ``x``.
    """
    return g * -np.expm1(-out)

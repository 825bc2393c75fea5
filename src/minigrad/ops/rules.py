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

import math
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


def matmul_backward(g: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """``d(a @ b)`` for matrices (or stacks of them): ``dL/da = g @ b^T``, ``dL/db = a^T @ g``.

    ``^T`` swaps the last two axes; summing over broadcast batch axes and
    restoring 1-D operands is the op's bookkeeping (:func:`minigrad.ops.matmul.matmul`).
    """
    return g @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ g


def softmax_backward(g: Array, s: Array, axis: int) -> Array:
    """``d softmax(x)`` along ``axis``: ``dL/dx = s * (g - sum(g * s, axis))`` with ``s`` the output."""
    return s * (g - (g * s).sum(axis=axis, keepdims=True))


def sum_backward(g: Array, axes: tuple[int, ...], keepdims: bool, shape: tuple[int, ...]) -> Array:
    """``d sum(x, axes)``: ``dL/dx = g`` copied along the summed axes (re-inserted first, unless ``keepdims``)."""
    if not keepdims:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def mean_backward(g: Array, axes: tuple[int, ...], keepdims: bool, shape: tuple[int, ...]) -> Array:
    """``d mean(x, axes)``: ``dL/dx = g / N`` copied along the averaged axes, ``N`` their number of elements."""
    count = math.prod(shape[ax] for ax in axes)
    return sum_backward(g / count, axes, keepdims, shape)


def var_backward(g: Array, centered: Array, axes: tuple[int, ...], keepdims: bool, correction: int) -> Array:
    """``d var(x, axes)``: ``dL/dx = g * 2 (x - mean) / (N - correction)``, with ``centered = x - mean``."""
    count = math.prod(centered.shape[ax] for ax in axes)
    return sum_backward(g, axes, keepdims, centered.shape) * centered * (2.0 / (count - correction))


def pow_backward(g: Array, a: Array, c: float) -> Array:
    """``d(a ** c)`` for a number ``c``: ``dL/da = g * c * a**(c - 1)``."""
    return g * c * a ** (c - 1)


def exp_backward(g: Array, x: Array, out: Array) -> Array:
    """``d exp(x)``: ``dL/dx = g * exp(x)``, the output itself."""
    return g * out


def log_backward(g: Array, x: Array, out: Array) -> Array:
    """``d log(x)``: ``dL/dx = g / x``."""
    return g / x


def log1p_backward(g: Array, x: Array, out: Array) -> Array:
    """``d log(1 + x)``: ``dL/dx = g / (1 + x)``."""
    return g / (1 + x)


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


def silu_backward(g: Array, x: Array, out: Array) -> Array:
    """``d (x * sigmoid(x))``: ``dL/dx = g * s * (1 + x * (1 - s))`` with ``s = sigmoid(x) = e**-log(1 + e**-x)``."""
    s = np.exp(-np.logaddexp(0, -x))
    return g * s * (1 + x * (1 - s))


# The code each rule was defined with.  An op may run a tuned copy of its rule (in place, or skipping an
# input that needs no gradient) only while the rule holds this code: a break patches the rule, and the op
# then calls it.  tests/test_seams.py proves every tuned copy equal to its rule.
_TEXTBOOK_CODE = {rule: rule.__code__ for rule in (matmul_backward, softmax_backward, sum_backward, mean_backward)}


def is_textbook(rule: Any) -> bool:
    """Whether ``rule`` still holds the code it was defined with (no break of the lab patched it)."""
    return bool(rule.__code__ is _TEXTBOOK_CODE[rule])

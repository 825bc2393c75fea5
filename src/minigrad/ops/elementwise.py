"""Elementwise ops: each forward, and a backward closure that calls the op's rule in :mod:`minigrad.ops.rules`.

Notation in the docstrings: ``g = dL/d(out)`` is the upstream gradient, of the
output's shape.  Binary ops broadcast in forward, so each input's gradient is
passed through :func:`~minigrad.unbroadcast.unbroadcast` (sum over the
replicated axes).  The functions of one tensor (exp, log, tanh, softplus...)
are declarations (:func:`~minigrad.ops.registry.unary`): one line each gives
the op, its Tensor method, ``minigrad.functional`` and both ``F`` namespaces.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import Grads
from ..messages import text
from ..tensor import Array, Tensor, TensorLike, as_tensor, floating, result, result_dtype
from ..unbroadcast import unbroadcast
from . import rules
from .registry import _not_bool, hand_written_unary, unary


def _pair(a: TensorLike, b: TensorLike, op: str = "Tensor") -> tuple[Tensor, Tensor]:
    """Both operands as tensors of one dtype, PyTorch's (:func:`~minigrad.tensor.result_dtype`).

    A Python number takes the other side's dtype; a 0-d tensor does not
    promote a tensor with dimensions of its own category.  A cast of an
    operand that requires grad is recorded (``astype``), so its gradient
    comes back in its own dtype.
    """
    if isinstance(a, Tensor):
        b = as_tensor(b, a, op)
    else:
        b = as_tensor(b, op=op)
        a = as_tensor(a, b, op)
    if a._data.dtype != b._data.dtype:
        dtype = result_dtype(a, b)
        if a._data.dtype != dtype:
            a = astype(a, dtype)
        if b._data.dtype != dtype:
            b = astype(b, dtype)
    return a, b


def _broadcast(op: str, fn: Any, a: Tensor, b: Tensor) -> Array:
    """``fn(a, b)`` on the arrays, with a shape error that names the op."""
    try:
        out: Array = fn(a._data, b._data)
    except ValueError:
        raise ValueError(text("tensor.no_broadcast", op=op, a_shape=a._data.shape, b_shape=b._data.shape)) from None
    return out


# Plain Python ints and floats take a fast path: no constant tensor, one graph input.
_NUMBER_TYPES = frozenset({int, float})


def _pass_through(g: Array) -> Grads:
    return (g,)


# --------------------------------------------------------------------------- arithmetic


def add(a: TensorLike, b: TensorLike) -> Tensor:
    """``a + b``.  Backward: ``dL/da = unbroadcast(g, a.shape)``, ``dL/db = unbroadcast(g, b.shape)``."""
    if type(b) in _NUMBER_TYPES and isinstance(a, Tensor):  # t + 2.0: dL/dt = g
        return result(a._data + b, "add", (a,), _pass_through)
    if type(a) in _NUMBER_TYPES and isinstance(b, Tensor):
        return result(a + b._data, "add", (b,), _pass_through)  # type: ignore[arg-type]
    a, b = _pair(a, b, "add")
    a_shape, b_shape = a._data.shape, b._data.shape

    def backward(g: Array) -> Grads:
        return rules.add_backward(g, a_shape, b_shape)

    return result(_broadcast("add", np.add, a, b), "add", (a, b), backward)


def sub(a: TensorLike, b: TensorLike) -> Tensor:
    """``a - b``.  Backward: ``dL/da = unbroadcast(g)``, ``dL/db = -unbroadcast(g)``."""
    if type(b) in _NUMBER_TYPES and isinstance(a, Tensor):  # t - 2.0: dL/dt = g
        return result(a._data - b, "sub", (a,), _pass_through)
    if type(a) in _NUMBER_TYPES and isinstance(b, Tensor):  # 2.0 - t: dL/dt = -g
        return result(a - b._data, "sub", (b,), _negate)  # type: ignore[arg-type]
    a, b = _pair(a, b, "sub")
    a_shape, b_shape = a._data.shape, b._data.shape

    def backward(g: Array) -> Grads:
        return rules.sub_backward(g, a_shape, b_shape)

    return result(_broadcast("sub", np.subtract, a, b), "sub", (a, b), backward)


def mul(a: TensorLike, b: TensorLike) -> Tensor:
    """``a * b``.  Backward: ``dL/da = unbroadcast(g * b)``, ``dL/db = unbroadcast(g * a)``."""
    if type(b) in _NUMBER_TYPES and isinstance(a, Tensor):
        return _scale(a, b)  # type: ignore[arg-type]
    if type(a) in _NUMBER_TYPES and isinstance(b, Tensor):
        return _scale(b, a)  # type: ignore[arg-type]
    a, b = _pair(a, b, "mul")
    a_data, b_data = a._data, b._data

    def backward(g: Array) -> Grads:
        return rules.mul_backward(g, a_data, b_data)

    return result(_broadcast("mul", np.multiply, a, b), "mul", (a, b), backward, saved=(a, b))


def div(a: TensorLike, b: TensorLike) -> Tensor:
    """``a / b``.  Backward: ``dL/da = unbroadcast(g / b)``, ``dL/db = unbroadcast(-g * (a / b) / b)``.

    The quotient comes first, as in PyTorch: ``b * b`` alone overflows or
    underflows where ``(a / b) / b`` is representable (float32 ``a = b = 1e-23``
    gives ``-1e23``, not ``-inf``).
    """
    if type(b) in _NUMBER_TYPES and isinstance(a, Tensor):  # t / c = t * (1 / c) up to rounding; keep the division
        c = b

        def backward_by_number(g: Array) -> Grads:
            return (g / c,)

        return result(a._data / c, "div", (a,), backward_by_number)
    a, b = _pair(a, b, "div")
    a_data, b_data = a._data, b._data

    def backward(g: Array) -> Grads:
        return rules.div_backward(g, a_data, b_data)

    return result(_broadcast("div", np.true_divide, a, b), "div", (a, b), backward, saved=(a, b))


def pow(a: TensorLike, b: TensorLike) -> Tensor:
    """``a ** b``.

    Backward: ``dL/da = unbroadcast(g * b * a**(b-1))`` (0 where ``b == 0``);
    ``dL/db = unbroadcast(g * a**b * log(a))`` (0 where ``a == 0`` and
    ``b >= 0``, as in PyTorch; NaN for a negative base, where ``a**b`` is
    not real-differentiable in ``b``).
    """
    if type(b) in _NUMBER_TYPES and isinstance(a, Tensor):  # t ** c: dL/dt = g * c * t**(c-1)
        return _power_by_number(a, b)  # type: ignore[arg-type]
    a, b = _pair(a, b, "pow")
    a_data, b_data = a._data, b._data
    out = _broadcast("pow", np.power, a, b)

    def backward(g: Array) -> Grads:
        ga = gb = None
        if a._rg:
            ga = np.where(b_data == 0, 0.0, g * b_data * np.power(a_data, b_data - 1))
            ga = unbroadcast(ga, a_data.shape)
        if b._rg:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * out * np.log(a_data)
            gb = unbroadcast(np.where((a_data == 0) & (b_data >= 0), 0.0, gb), b_data.shape)
        return ga, gb

    return result(out, "pow", (a, b), backward, saved=(a, b))


def _scale(a: Tensor, c: float) -> Tensor:
    """``a * c`` for a Python number ``c``.  Backward: ``dL/da = g * c``."""

    def backward(g: Array) -> Grads:
        return (g * c,)

    return result(a._data * c, "mul", (a,), backward)


def _power_by_number(a: Tensor, c: float) -> Tensor:
    """``a ** c`` for a Python number ``c``.  Backward: ``dL/da = g * c * a**(c-1)`` (0 when ``c == 0``)."""
    a_data = a._data
    if a_data.dtype.kind in "iub" and type(c) is int and c < 0:
        raise ValueError(text("tensor.pow_negative_int", dtype=a_data.dtype, c=c))

    def backward(g: Array) -> Grads:
        if c == 0:  # the rule's a**(-1) would be inf at a == 0, times 0: NaN where the gradient is 0
            return (np.zeros_like(g),)
        return (rules.pow_backward(g, a_data, c),)

    return result(a_data**c, "pow", (a,), backward, saved=(a,))


def _negate(g: Array) -> Grads:
    return (-g,)


def neg(a: TensorLike) -> Tensor:
    """``-a``.  Backward: ``dL/da = -g``."""
    a = _not_bool("neg", as_tensor(a, op="neg"))
    return result(-a._data, "neg", (a,), _negate)


# --------------------------------------------------------------------------- unary functions


def _stable_sigmoid(x: Array) -> Array:
    """``1 / (1 + e**-x)`` without overflow: ``e**-|x|`` lies in (0, 1]."""
    e = np.exp(-np.abs(x))
    out: Array = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
    return out


def _softplus(x: Array) -> Array:
    """``log(1 + e**x)`` without overflow: ``max(x, 0) + log1p(e**-|x|)``."""
    out: Array = np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    return out


# Each declaration below is the whole op: the Tensor method, minigrad.functional, both F namespaces and the
# row the doctor and the tests read are generated from it (minigrad.ops.registry).
exp = unary("exp", forward=np.exp, backward=rules.exp_backward, domain=(-3.0, 3.0), saves="output")
log = unary("log", forward=np.log, backward=rules.log_backward, domain=(0.1, 5.0), saves="input")
log1p = unary("log1p", forward=np.log1p, backward=rules.log1p_backward, domain=(-0.5, 3.0), saves="input")
sqrt = unary("sqrt", forward=np.sqrt, backward=rules.sqrt_backward, domain=(0.1, 5.0), saves="output")
abs = unary("abs", forward=np.abs, backward=rules.abs_backward, domain=(-3.0, 3.0), saves="input", inputs="number")
relu = unary(
    "relu",
    forward=lambda x: np.maximum(x, 0),
    backward=rules.relu_backward,
    domain=(-3.0, 3.0),
    saves="input",
    inputs="number",
)
tanh = unary("tanh", forward=np.tanh, backward=rules.tanh_backward, domain=(-3.0, 3.0), saves="output")
sigmoid = unary("sigmoid", forward=_stable_sigmoid, backward=rules.sigmoid_backward, domain=(-6.0, 6.0), saves="output")
softplus = unary(
    "softplus",
    torch_name="nn.functional.softplus",
    forward=_softplus,
    backward=rules.softplus_backward,
    domain=(-6.0, 6.0),
    saves="output",
)
silu = unary(
    "silu",
    torch_name="nn.functional.silu",
    forward=lambda x: x * np.exp(-np.logaddexp(0, -x)),  # x * sigmoid(x), with no overflow of e**-x
    backward=rules.silu_backward,
    domain=(-6.0, 6.0),
    saves="input",
)


_erf = np.vectorize(math.erf, otypes=[np.float64])
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


hand_written_unary("gelu", torch_name="nn.functional.gelu", domain=(-3.0, 3.0), one_definition=False)


def gelu(a: TensorLike, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit, ``a * Phi(a)``.

    ``approximate='none'``: ``Phi(a) = (1 + erf(a / sqrt 2)) / 2``; backward
    ``dL/da = g * (Phi(a) + a * phi(a))`` with ``phi(a) = exp(-a**2/2) / sqrt(2 pi)``.
    ``approximate='tanh'``: ``0.5 a (1 + tanh(u))`` with
    ``u = sqrt(2/pi) (a + 0.044715 a**3)``; backward
    ``dL/da = g * (0.5 (1 + t) + 0.5 a (1 - t**2) sqrt(2/pi) (1 + 3 * 0.044715 a**2))``.
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(text("tensor.gelu_approximate", approximate=approximate))
    a = floating("gelu", a, promote=False)
    x = a._data
    if approximate == "none":
        cdf = (0.5 * (1.0 + _erf(x / math.sqrt(2.0)))).astype(x.dtype, copy=False)
        out = x * cdf

        def backward(g: Array) -> Grads:
            pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
            return (g * (cdf + x * pdf),)

    else:
        # t, then the output, are each built in place in one fresh array: x*x*x instead of x**3 (a slow
        # generic power), and no full-size intermediate per operator (each one is memory to fault in).
        with np.errstate(over="ignore"):  # x**3 overflows for |x| > 1e13 in float32; tanh(inf) = 1 is right
            t = np.asarray(0.044715 * x * x)
            t += 1
            t *= x
            t *= _SQRT_2_OVER_PI  # u = sqrt(2/pi) (x + 0.044715 x**3)
        np.tanh(t, out=t)
        out = t + 1
        out *= 0.5  # halve before multiplying by x: x (1 + t) overflows at x = 2e38 in float32
        out *= x

        def backward(g: Array) -> Grads:
            grad = np.asarray(3 * 0.044715 * x * x)
            grad += 1
            grad *= _SQRT_2_OVER_PI  # du/dx
            grad *= x
            slope = np.asarray(t * t)
            np.subtract(1, slope, out=slope)
            grad *= slope
            grad *= 0.5  # 0.5 x (1 - t**2) du/dx
            np.add(1, t, out=slope)
            slope *= 0.5
            grad += slope  # + 0.5 (1 + t)
            grad *= g
            return (grad,)

    return result(out, "gelu", (a,), backward, saved=(a,))


def clip(a: TensorLike, min: float | None = None, max: float | None = None) -> Tensor:
    """Clamp into ``[min, max]`` (either bound may be None).

    Backward: ``dL/da = g`` strictly inside, where ``min < a < max``, and 0
    elsewhere, at the bounds too (PyTorch's ``clamp`` convention: a value
    sitting on a bound is treated as clipped).
    """
    if min is None and max is None:
        raise ValueError(text("tensor.clip_bounds"))
    a = as_tensor(a, op="clip")
    a_data = a._data
    out = np.clip(a_data, min, max)

    def backward(g: Array) -> Grads:
        keep = np.ones(a_data.shape, dtype=bool)
        if min is not None:
            keep &= a_data > min
        if max is not None:
            keep &= a_data < max
        return (g * keep,)

    return result(out, "clip", (a,), backward, saved=(a,))


def astype(a: TensorLike, dtype: Any) -> Tensor:
    """Cast to ``dtype``.  Backward: ``dL/da = g`` cast back to ``a``'s dtype.

    A cast to bool or integers is not differentiable (as in PyTorch): it gives a constant.
    """
    a = as_tensor(a, op="astype")
    a_dtype = a._data.dtype
    try:
        target = np.dtype(dtype)
    except TypeError:
        raise TypeError(text("tensor.astype_not_dtype", dtype=dtype)) from None
    if target.kind not in "biuf":
        raise TypeError(text("tensor.astype_kind", target=target))
    if target.kind != "f":
        return Tensor._wrap(a._data.astype(target))

    def backward(g: Array) -> Grads:
        return (g.astype(a_dtype),)

    return result(a._data.astype(target), "astype", (a,), backward)


# --------------------------------------------------------------------------- selections


def maximum(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise maximum.  Backward: ``g`` goes to the larger input; on a tie each gets ``g / 2`` (PyTorch)."""
    return _select_binary("maximum", np.maximum, np.greater, a, b)


def minimum(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise minimum.  Backward: ``g`` goes to the smaller input; on a tie each gets ``g / 2`` (PyTorch)."""
    return _select_binary("minimum", np.minimum, np.less, a, b)


def _select_binary(op: str, fn: Any, wins: Any, a: TensorLike, b: TensorLike) -> Tensor:
    a, b = _pair(a, b, op)
    a_data, b_data = a._data, b._data

    def backward(g: Array) -> Grads:
        one, half, zero = (g.dtype.type(v) for v in (1.0, 0.5, 0.0))  # g's dtype: no float64 temporaries
        share_a = np.where(wins(a_data, b_data), one, np.where(a_data == b_data, half, zero))
        return (
            unbroadcast(g * share_a, a_data.shape) if a._rg else None,
            unbroadcast(g * (one - share_a), b_data.shape) if b._rg else None,
        )

    return result(_broadcast(op, fn, a, b), op, (a, b), backward, saved=(a, b))


def where(condition: TensorLike, a: TensorLike, b: TensorLike) -> Tensor:
    """``a`` where ``condition`` holds, else ``b`` (all three broadcast).

    Backward: ``dL/da = unbroadcast(g * cond)``, ``dL/db = unbroadcast(g * ~cond)``;
    the condition gets no gradient.
    """
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(text("tensor.where_condition", dtype=cond.dtype))
    a, b = _pair(a, b, "where")
    a_shape, b_shape = a._data.shape, b._data.shape
    try:
        out = np.where(cond, a._data, b._data)
    except ValueError:
        raise ValueError(
            text("tensor.where_broadcast", cond_shape=cond.shape, a_shape=a_shape, b_shape=b_shape)
        ) from None

    def backward(g: Array) -> Grads:
        zero = np.zeros((), dtype=g.dtype)
        return (
            unbroadcast(np.where(cond, g, zero), a_shape) if a._rg else None,
            unbroadcast(np.where(cond, zero, g), b_shape) if b._rg else None,
        )

    return result(out, "where", (a, b), backward)

"""Weight initialization, as ``torch.nn.init``: same names, gains and fan rules.

Every function fills a tensor in place (outside the graph, bumping its
version counter) and returns it.  The random ones take an optional
``generator`` (a ``numpy.random.Generator``); without one they draw from
minigrad's default generator, which :func:`manual_seed` reseeds::

    minigrad.nn.init.manual_seed(0)
    layer = minigrad.nn.Linear(4, 3)   # the same weights on every run

Fans, for a weight of shape ``(out, in, *kernel)``: ``fan_in = in * prod(kernel)``,
``fan_out = out * prod(kernel)`` (a Linear weight is ``(out, in)``).  Xavier
keeps the variance of activations and gradients balanced for linear/tanh
layers, ``std = gain * sqrt(2 / (fan_in + fan_out))``; Kaiming (He) keeps the
forward (``mode='fan_in'``) or backward (``'fan_out'``) variance for ReLU-like
layers, ``std = gain / sqrt(fan)``.  A uniform draw on ``[-b, b]`` has
``std = b / sqrt(3)``, so the uniform variants use ``b = sqrt(3) * std``.
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np

from ..engine import no_grad
from ..messages import text
from ..ops.generator import default_generator as default_generator
from ..ops.generator import manual_seed as manual_seed
from ..ops.generator import resolve_generator as resolve_generator
from ..tensor import Array, Tensor
from .arguments import check_number

T = TypeVar("T", bound=Tensor)

# The default generator lives below the layers (ops/generator.py: attention's dropout draws from it too).


# --------------------------------------------------------------------------- gains and fans

_LINEAR_LIKE = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale for a nonlinearity, as ``torch.nn.init.calculate_gain``.

    linear, conv and sigmoid: 1; tanh: 5/3; relu: sqrt(2);
    leaky_relu with negative slope ``param`` (default 0.01): ``sqrt(2 / (1 + param**2))``;
    selu: 3/4.
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(text("nn.init.slope", param=param))
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(text("nn.init.nonlinearity", nonlinearity=nonlinearity, choices=", ".join(_LINEAR_LIKE)))


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``; needs at least 2 dimensions."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(text("nn.init.fan", shape=shape))
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(fn: str, tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(text("nn.init.mode", fn=fn, mode=mode))
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# --------------------------------------------------------------------------- filling


def _fill(tensor: T, values: Array) -> T:
    """Copy ``values`` into ``tensor`` in place, outside the graph (a Parameter requires grad)."""
    with no_grad():
        tensor.copy_(values.astype(tensor.dtype, copy=False))
    return tensor


def _check_float(fn: str, tensor: Tensor) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(text("nn.init.not_tensor", fn=fn, type=type(tensor).__name__))
    if tensor.dtype.kind != "f":
        raise TypeError(text("nn.init.not_float", fn=fn, dtype=tensor.dtype))


def uniform_(tensor: T, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None) -> T:
    """Fill with draws from the uniform distribution on ``[a, b)``."""
    _check_float("uniform_", tensor)
    check_number("uniform_", "a", a), check_number("uniform_", "b", b)
    if not a <= b:
        raise ValueError(text("nn.init.range", a=a, b=b))
    rng = resolve_generator("uniform_", generator)
    return _fill(tensor, rng.uniform(a, b, size=tensor.shape))


def normal_(tensor: T, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None) -> T:
    """Fill with draws from the normal distribution ``N(mean, std**2)``."""
    _check_float("normal_", tensor)
    check_number("normal_", "mean", mean), check_number("normal_", "std", std)
    if not std >= 0:
        raise ValueError(text("nn.init.std", std=std))
    rng = resolve_generator("normal_", generator)
    return _fill(tensor, rng.normal(mean, std, size=tensor.shape))


def constant_(tensor: T, val: float) -> T:
    """Fill with ``val``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(text("nn.init.not_tensor", fn="constant_", type=type(tensor).__name__))
    return _fill(tensor, np.full(tensor.shape, val, dtype=tensor.dtype))


def zeros_(tensor: T) -> T:
    """Fill with 0."""
    return constant_(tensor, 0)


def ones_(tensor: T) -> T:
    """Fill with 1."""
    return constant_(tensor, 1)


def xavier_uniform_(tensor: T, gain: float = 1.0, generator: np.random.Generator | None = None) -> T:
    """Glorot uniform: ``U(-b, b)`` with ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    _check_float("xavier_uniform_", tensor)
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, resolve_generator("xavier_uniform_", generator))


def xavier_normal_(tensor: T, gain: float = 1.0, generator: np.random.Generator | None = None) -> T:
    """Glorot normal: ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    _check_float("xavier_normal_", tensor)
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, resolve_generator("xavier_normal_", generator))


def kaiming_uniform_(
    tensor: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> T:
    """He uniform: ``U(-b, b)`` with ``b = sqrt(3) * calculate_gain(nonlinearity, a) / sqrt(fan)``.

    ``a`` is the negative slope of a leaky ReLU (used only for 'leaky_relu');
    ``mode`` picks ``fan_in`` (keeps the forward variance) or ``fan_out``
    (keeps the backward variance).  A tensor with no elements is left as is.
    """
    _check_float("kaiming_uniform_", tensor)
    rng = resolve_generator("kaiming_uniform_", generator)
    if tensor.size == 0:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan("kaiming_uniform_", tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, rng)


def kaiming_normal_(
    tensor: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> T:
    """He normal: ``N(0, std**2)`` with ``std = calculate_gain(nonlinearity, a) / sqrt(fan)``."""
    _check_float("kaiming_normal_", tensor)
    rng = resolve_generator("kaiming_normal_", generator)
    if tensor.size == 0:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan("kaiming_normal_", tensor, mode))
    return normal_(tensor, 0.0, std, rng)


__all__ = [
    "calculate_fan_in_and_fan_out",
    "calculate_gain",
    "constant_",
    "default_generator",
    "kaiming_normal_",
    "kaiming_uniform_",
    "manual_seed",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

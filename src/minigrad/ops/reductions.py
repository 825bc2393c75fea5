"""Reductions over axes, each forward beside its backward rule.

float16 data accumulates in float32 and is rounded back once (PyTorch's rule
on the CPU, :func:`~minigrad.tensor.widened`): a float16 mean of 100,000
elements, or the squares inside a variance, would overflow otherwise.

Every reduction takes ``axis`` (an int, a tuple of ints, negative allowed, or
None for all axes), ``keepdims``, and ``dim`` as PyTorch's spelling of
``axis``.  The backward rules first restore the reduced axes of ``g`` (length
1), then broadcast it over the input's shape: :func:`_expand`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import Grads
from ..messages import text
from ..tensor import Array, Tensor, TensorLike, as_tensor, floating, result, widened
from .axes import Axis, resolve_axes
from .rules import is_textbook, mean_backward, sum_backward, var_backward


def _expand(g: Array, axes: tuple[int, ...], keepdims: bool, shape: tuple[int, ...]) -> Array:
    """Undo a reduction's shape change: :func:`~minigrad.ops.rules.sum_backward`, tuned for full reductions."""
    if g.size == 1 and len(axes) == len(shape) and is_textbook(sum_backward):
        return np.full(shape, g.reshape(()), dtype=g.dtype)  # one value everywhere, in a fresh array
    return sum_backward(g, axes, keepdims, shape)


def sum(a: TensorLike, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
    """Sum over ``axis``.  Backward: ``dL/da = g`` broadcast back over the summed axes."""
    a = as_tensor(a, op="sum")
    shape = a._data.shape
    axes = resolve_axes("sum", axis, dim, a._data.ndim)

    def backward(g: Array) -> Grads:
        return (_expand(g, axes, keepdims, shape),)

    x = a._data
    if x.dtype == np.float16:
        out = np.asarray(x.sum(axis=axes, keepdims=keepdims, dtype=np.float32)).astype(np.float16)
    else:
        out = np.asarray(x.sum(axis=axes, keepdims=keepdims))
    return result(out, "sum", (a,), backward)


def mean(a: TensorLike, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
    """Mean over ``axis``.  Backward: ``dL/da = g / N`` broadcast back, ``N`` the number of averaged elements."""
    a = floating("mean", a, promote=False)
    shape = a._data.shape
    axes = resolve_axes("mean", axis, dim, a._data.ndim)
    count = math.prod(shape[ax] for ax in axes)

    def backward(g: Array) -> Grads:
        g = widened(g)  # float16 g / 100,000 would round the count to inf first
        with np.errstate(invalid="ignore", divide="ignore"):
            if is_textbook(mean_backward):  # the rule, through _expand's fresh array for a full mean
                return (_expand(g / count, axes, keepdims, shape),)
            return (mean_backward(g, axes, keepdims, shape),)

    x = a._data
    with np.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is NaN, silently, as in PyTorch
        out = np.asarray(widened(x).sum(axis=axes, keepdims=keepdims) / count)
    return result(out.astype(x.dtype, copy=False), "mean", (a,), backward)


def var(a: TensorLike, axis: Axis = None, keepdims: bool = False, *, correction: int = 1, dim: Axis = None) -> Tensor:
    """Variance ``sum((a - mean)**2) / (N - correction)``; ``correction=1`` (default) is unbiased.

    Backward: ``dL/da = g * 2 (a - mean) / (N - correction)``, ``g`` broadcast back.
    """
    a = floating("var", a, promote=False)
    x = a._data
    axes = resolve_axes("var", axis, dim, x.ndim)
    count = math.prod(x.shape[ax] for ax in axes)
    wide = widened(x)
    centered = wide - wide.mean(axis=axes, keepdims=True)
    denom = count - correction
    with np.errstate(invalid="ignore", divide="ignore"):  # N <= correction gives inf/NaN, as in PyTorch
        out = np.asarray((centered * centered).sum(axis=axes, keepdims=keepdims) / denom)

    def backward(g: Array) -> Grads:
        with np.errstate(invalid="ignore", divide="ignore"):
            return (var_backward(g, centered, axes, keepdims, correction),)

    return result(out.astype(x.dtype, copy=False), "var", (a,), backward, saved=(a,))


def max(a: TensorLike, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
    """Maximum over ``axis`` (values only, like ``torch.amax``).

    Backward: ``g`` is shared equally among the elements equal to the maximum:
    ``dL/da = g * (a == max) / count(a == max)``, as ``torch.amax`` does.
    """
    return _extreme("max", np.max, a, axis, keepdims, dim)


def min(a: TensorLike, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
    """Minimum over ``axis``.  Backward: ``g`` shared equally among the tied minima (``torch.amin``)."""
    return _extreme("min", np.min, a, axis, keepdims, dim)


def _extreme(op: str, fn: Any, a: TensorLike, axis: Axis, keepdims: bool, dim: Axis) -> Tensor:
    a = as_tensor(a, op=op)
    x = a._data
    axes = resolve_axes(op, axis, dim, x.ndim)
    if x.size == 0:
        raise ValueError(text("tensor.reduce_empty", op=op, shape=x.shape))
    kept = fn(x, axis=axes, keepdims=True)

    def backward(g: Array) -> Grads:
        # in g's dtype (a float32 graph gets no float64 share), but counted in float32 for float16
        hits = (x == kept).astype(np.float32 if g.dtype == np.float16 else g.dtype)
        share = hits / hits.sum(axis=axes, keepdims=True)
        return (_expand(g, axes, keepdims, x.shape) * share,)

    out = kept if keepdims else np.squeeze(kept, axis=axes)
    return result(np.asarray(out), op, (a,), backward, saved=(a,))


def logsumexp(a: TensorLike, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
    """``log(sum(exp(a)))`` over ``axis``, shifted by the maximum so that it never overflows.

    Backward: ``dL/da = g * exp(a - logsumexp(a))``, i.e. ``g`` times the softmax over ``axis``.
    """
    a = floating("logsumexp", a, promote=True)
    x = widened(a._data)
    axes = resolve_axes("logsumexp", axis, dim, x.ndim)
    shift = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    shift = np.where(np.isfinite(shift), shift, 0)  # an all -inf slice stays -inf, not NaN
    with np.errstate(divide="ignore"):
        lse = np.log(np.exp(x - shift).sum(axis=axes, keepdims=True)) + shift

    def backward(g: Array) -> Grads:
        return (_expand(g, axes, keepdims, x.shape) * np.exp(x - lse),)

    out = lse if keepdims else np.squeeze(lse, axis=axes)
    return result(np.asarray(out, dtype=a._data.dtype), "logsumexp", (a,), backward, saved=(a,))

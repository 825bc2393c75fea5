"""Neural-network functions: softmax, log-softmax and the losses.

Softmax-like ops are fused (one node with a hand-derived backward) rather
than composed from exp/sum/div: it is both faster and numerically stable,
since every forward subtracts the maximum first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Grads
from ..tensor import Array, Tensor, TensorLike, as_tensor, floating, result
from . import elementwise, reductions
from .axes import pick, resolve_axis


def _log_softmax(x: Array, axis: int) -> Array:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    out: Array = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return out


def softmax(a: TensorLike, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """``s = exp(a - max) / sum(exp(a - max))`` along ``axis``.

    Backward: ``dL/da = s * (g - sum(g * s, axis))``.
    """
    a = floating("softmax", a, promote=False)
    x = a._data
    ax = resolve_axis("softmax", pick("softmax", axis, dim, -1), x.ndim)
    if x.ndim == 0:
        x = x.reshape(1)
    e = np.exp(x - np.max(x, axis=ax, keepdims=True))
    s = (e / e.sum(axis=ax, keepdims=True)).reshape(a._data.shape)

    def backward(g: Array) -> Grads:
        gs = g * s
        return (gs - s * gs.sum(axis=ax, keepdims=True) if s.ndim else gs - s * gs,)

    return result(s, "softmax", (a,), backward, saves_output=True)


def log_softmax(a: TensorLike, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """``a - logsumexp(a)`` along ``axis``, computed stably.

    Backward: ``dL/da = g - softmax(a) * sum(g, axis)``.
    """
    a = floating("log_softmax", a, promote=False)
    x = a._data
    ax = resolve_axis("log_softmax", pick("log_softmax", axis, dim, -1), x.ndim)
    out = _log_softmax(x.reshape(1) if x.ndim == 0 else x, ax).reshape(x.shape)

    def backward(g: Array) -> Grads:
        total = g.sum(axis=ax, keepdims=True) if g.ndim else g
        return (g - np.exp(out) * total,)

    return result(out, "log_softmax", (a,), backward, saves_output=True)


def cross_entropy(logits: TensorLike, targets: Any, reduction: str = "mean", *, ignore_index: int = -100) -> Tensor:
    """Softmax cross-entropy with integer class targets, as ``torch.nn.functional.cross_entropy``.

    ``logits`` is ``(C,)`` with a 0-d target, ``(N, C)`` with targets ``(N,)``,
    or ``(N, C, d1, ...)`` with targets ``(N, d1, ...)``: classes on axis 1.
    Per element ``loss = logsumexp(z) - z[target]``; targets equal to
    ``ignore_index`` contribute nothing (and are not counted by ``'mean'``).

    Backward: ``dL/dz = g * (softmax(z) - onehot(target))``, with ``g``
    divided by the number of counted targets for ``'mean'``.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    logits = floating("cross_entropy", logits, promote=False)
    z = logits._data
    t = np.asarray(targets._data if isinstance(targets, Tensor) else targets)
    if z.ndim == 0:
        raise ValueError("cross_entropy: logits must have a class axis, got a 0-d tensor")
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"cross_entropy: targets must be integer class indices, got dtype {t.dtype} "
            "(class probabilities are not supported)"
        )
    class_axis = 0 if z.ndim == 1 else 1
    expected = z.shape[:class_axis] + z.shape[class_axis + 1 :]
    if t.shape != expected:
        raise ValueError(f"cross_entropy: logits of shape {z.shape} need targets of shape {expected}, got {t.shape}")
    n_classes = z.shape[class_axis]
    counted = t != ignore_index
    bad = counted & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(
            f"cross_entropy: target {t[bad].flat[0]} is out of range for {n_classes} classes "
            f"(valid: 0 to {n_classes - 1}, or ignore_index={ignore_index})"
        )
    safe_t = np.where(counted, t, 0)
    logp = _log_softmax(z, class_axis)
    picked = np.take_along_axis(logp, np.expand_dims(safe_t, class_axis), axis=class_axis)
    losses = -np.squeeze(picked, axis=class_axis) * counted
    n_counted = int(counted.sum())
    if reduction == "none":
        out = losses
    elif reduction == "sum":
        out = np.asarray(losses.sum())
    else:
        with np.errstate(invalid="ignore"):  # no counted target: NaN, as in PyTorch
            out = np.asarray(losses.sum() / n_counted)

    def backward(g: Array) -> Grads:
        grad = np.exp(logp)
        onehot_at = np.expand_dims(safe_t, class_axis)
        np.put_along_axis(grad, onehot_at, np.take_along_axis(grad, onehot_at, axis=class_axis) - 1, axis=class_axis)
        scale = g / n_counted * counted if reduction == "mean" else g * counted
        return (grad * np.expand_dims(scale, class_axis),)

    return result(out.astype(z.dtype, copy=False), "cross_entropy", (logits,), backward)


def mse_loss(input: TensorLike, target: TensorLike, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target)**2``, reduced by ``'mean'``, ``'sum'`` or ``'none'``.

    Composed from sub, mul and a reduction, so its gradient is theirs:
    ``dL/dinput = 2 (input - target) / N`` for ``'mean'``.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"mse_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    x = floating("mse_loss", input, promote=False)
    y = as_tensor(target, x, "mse_loss")
    if x._data.shape != y._data.shape:
        raise ValueError(
            f"mse_loss: input shape {x._data.shape} and target shape {y._data.shape} differ; "
            "broadcasting here is almost always a bug (reshape the target)"
        )
    diff = elementwise.sub(x, y)
    squared = elementwise.mul(diff, diff)
    if reduction == "none":
        return squared
    return reductions.sum(squared) if reduction == "sum" else reductions.mean(squared)


def linear(x: TensorLike, weight: TensorLike, bias: TensorLike | None = None) -> Tensor:
    """``x @ weight.T + bias``, as ``torch.nn.functional.linear``: weight ``(out, in)``, bias ``(out,)``.

    One fused node, so that the weight's gradient comes out in the weight's
    own layout (no transposed view to copy).  With ``g`` of shape
    ``(..., out)`` and the batch axes flattened:

        dL/dx = g @ W,   dL/dW = g^T @ x,   dL/db = sum of g over the batch axes.
    """
    x = as_tensor(x, op="linear")
    w = as_tensor(weight, x, "linear")
    b = None if bias is None else as_tensor(bias, x, "linear")
    x_data, w_data = x._data, w._data
    if w_data.ndim != 2 or x_data.ndim == 0 or x_data.shape[-1] != w_data.shape[1]:
        raise ValueError(
            f"linear: input of shape {x_data.shape} and weight of shape {w_data.shape} do not fit: the weight "
            "must be (out_features, in_features) with in_features equal to the input's last axis"
        )
    n_out = w_data.shape[0]
    if b is not None and b._data.shape != (n_out,):
        raise ValueError(
            f"linear: bias has shape {b._data.shape}, expected ({n_out},) for a weight of shape {w_data.shape}"
        )
    out = x_data @ w_data.T
    if b is not None:
        out = out + b._data

    def backward(g: Array) -> Grads:
        g2 = g.reshape(-1, n_out)
        gx = g @ w_data if x._rg else None
        gw = g2.T @ x_data.reshape(-1, w_data.shape[1]) if w._rg else None
        if b is None:
            return gx, gw
        return gx, gw, (g2.sum(axis=0) if b._rg else None)

    inputs = (x, w) if b is None else (x, w, b)
    return result(np.asarray(out), "linear", inputs, backward, saved=(x, w))

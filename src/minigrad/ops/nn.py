"""Neural-network functions: softmax, log-softmax and the losses.

Softmax-like ops are fused (one node with a hand-derived backward) rather
than composed from exp/sum/div: it is both faster and numerically stable,
since every forward subtracts the maximum first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Grads
from ..messages import text
from ..tensor import Array, Tensor, TensorLike, as_tensor, floating, result, widened
from . import elementwise, reductions
from .axes import pick, resolve_axis
from .rules import is_textbook, softmax_backward


def _log_softmax(x: Array, axis: int) -> Array:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    out: Array = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return out


def softmax(a: TensorLike, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """``s = exp(a - max) / sum(exp(a - max))`` along ``axis``.

    Backward: ``dL/da = s * (g - sum(g * s, axis))``.
    """
    a = floating("softmax", a, promote=False)
    x = widened(a._data)  # float16 sums in float32, as in PyTorch
    ax = resolve_axis("softmax", pick("softmax", axis, dim, -1), x.ndim)
    if x.ndim == 0:
        x = x.reshape(1)
    e = np.exp(x - np.max(x, axis=ax, keepdims=True))
    e /= e.sum(axis=ax, keepdims=True)
    s = e.reshape(a._data.shape)

    def backward(g: Array) -> Grads:
        g = widened(g)
        if not s.ndim:  # one class: s = 1, the gradient is 0
            return (g * s * (1 - s),)
        if not is_textbook(softmax_backward):  # patched by a break: the rule itself
            return (softmax_backward(g, s, ax),)
        # softmax_backward, tuned: s * (g - sum(g * s)) written into one array, not three
        gs = g * s
        total = gs.sum(axis=ax, keepdims=True)
        out = np.subtract(g, total, out=gs)
        out *= s
        return (out,)

    return result(s.astype(a._data.dtype, copy=False), "softmax", (a,), backward, saves_output=True)


def log_softmax(a: TensorLike, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """``a - logsumexp(a)`` along ``axis``, computed stably.

    Backward: ``dL/da = g - softmax(a) * sum(g, axis)``.
    """
    a = floating("log_softmax", a, promote=False)
    x = widened(a._data)  # float16 sums in float32, as in PyTorch
    ax = resolve_axis("log_softmax", pick("log_softmax", axis, dim, -1), x.ndim)
    out = _log_softmax(x.reshape(1) if x.ndim == 0 else x, ax).reshape(x.shape)

    def backward(g: Array) -> Grads:
        g = widened(g)
        total = g.sum(axis=ax, keepdims=True) if g.ndim else g
        return (g - np.exp(out) * total,)

    return result(out.astype(a._data.dtype, copy=False), "log_softmax", (a,), backward, saves_output=True)


def cross_entropy(logits: TensorLike, targets: Any, reduction: str = "mean", *, ignore_index: int = -100) -> Tensor:
    """Softmax cross-entropy with integer class targets, as ``torch.nn.functional.cross_entropy``.

    ``logits`` is ``(C,)`` with a 0-d target, ``(N, C)`` with targets ``(N,)``,
    or ``(N, C, d1, ...)`` with targets ``(N, d1, ...)``: classes on axis 1.
    Per element ``loss = logsumexp(z) - z[target]``; targets equal to
    ``ignore_index`` contribute nothing (and are not counted by ``'mean'``).
    When every target is ignored, ``'mean'`` gives NaN (0 / 0) and ``'sum'``
    gives 0, as PyTorch does; the gradient is 0 in both, as in PyTorch.

    Backward: ``dL/dz = g * (softmax(z) - onehot(target))``, with ``g``
    divided by the number of counted targets for ``'mean'``.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(text("tensor.reduction_name", op="cross_entropy", reduction=reduction))
    logits = floating("cross_entropy", logits, promote=False)
    z = widened(logits._data)  # float16 sums in float32, as in PyTorch
    t = np.asarray(targets._data if isinstance(targets, Tensor) else targets)
    if z.ndim == 0:
        raise ValueError(text("tensor.cross_entropy_0d"))
    if t.dtype.kind not in "iu":
        raise TypeError(text("tensor.cross_entropy_targets_dtype", dtype=t.dtype))
    class_axis = 0 if z.ndim == 1 else 1
    expected = z.shape[:class_axis] + z.shape[class_axis + 1 :]
    if t.shape != expected:
        raise ValueError(text("tensor.cross_entropy_targets_shape", shape=z.shape, expected=expected, got=t.shape))
    n_classes = z.shape[class_axis]
    counted = t != ignore_index
    bad = counted & ((t < 0) | (t >= n_classes))
    if bad.any():
        target = t[bad].flat[0]
        raise IndexError(
            text(
                "tensor.cross_entropy_target_range",
                target=target,
                n_classes=n_classes,
                last=n_classes - 1,
                ignore_index=ignore_index,
            )
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
        # with no counted target the mean is NaN, but its gradient is 0, as in PyTorch (an all-padding batch)
        scale = g / max(n_counted, 1) * counted if reduction == "mean" else g * counted
        return (grad * np.expand_dims(scale, class_axis),)

    return result(out.astype(logits._data.dtype, copy=False), "cross_entropy", (logits,), backward)


def embedding(ids: Array, weight: Tensor) -> Tensor:
    """``weight[ids]``, rows of a ``(num_embeddings, dim)`` table, of shape ``ids.shape + (dim,)``.

    ``ids`` are integers already checked to lie in ``[0, num_embeddings)`` (by
    :class:`minigrad.nn.Embedding`).  Backward: ``dL/dweight[i]`` is the sum of
    the upstream rows ``g[p]`` over every position ``p`` with ``ids[p] == i``
    (zero for an id that does not occur).  The rows are sorted by id once and
    summed per id with ``np.add.reduceat``: several times faster than
    ``np.add.at`` when an id occurs many times, as a character does in a batch.
    """
    table = weight._data
    out = table[ids]

    def backward(g: Array) -> Grads:
        flat = ids.reshape(-1)
        order = np.argsort(flat, kind="stable")
        sorted_ids = flat[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_ids[1:] != sorted_ids[:-1])))
        grad = np.zeros_like(table)
        if flat.size:
            rows = g.reshape(-1, table.shape[1])[order]
            grad[sorted_ids[starts]] = np.add.reduceat(rows, starts, axis=0)
        return (grad,)

    return result(out, "embedding", (weight,), backward)


def mse_loss(input: TensorLike, target: TensorLike, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target)**2``, reduced by ``'mean'``, ``'sum'`` or ``'none'``.

    Composed from sub, mul and a reduction, so its gradient is theirs:
    ``dL/dinput = 2 (input - target) / N`` for ``'mean'``.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(text("tensor.reduction_name", op="mse_loss", reduction=reduction))
    x = floating("mse_loss", input, promote=False)
    y = as_tensor(target, x, "mse_loss")
    if x._data.shape != y._data.shape:
        raise ValueError(text("tensor.mse_shapes", input_shape=x._data.shape, target_shape=y._data.shape))
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
    x_data, w_data = widened(x._data), widened(w._data)  # float16 products accumulate in float32, as in PyTorch
    if w_data.ndim != 2 or x_data.ndim == 0 or x_data.shape[-1] != w_data.shape[1]:
        raise ValueError(text("tensor.linear_weight", x_shape=x_data.shape, w_shape=w_data.shape))
    n_out = w_data.shape[0]
    if b is not None and b._data.shape != (n_out,):
        raise ValueError(text("tensor.linear_bias", b_shape=b._data.shape, n_out=n_out, w_shape=w_data.shape))
    # The batch axes are flattened so that BLAS sees one (N, in) @ (in, out) product: NumPy's matmul of a
    # 3-D array runs one small product per leading index, about a third slower for MiniGPT's (32, 16, 64).
    n_in = w_data.shape[1]
    x2 = x_data.reshape(-1, n_in)
    out = x2 @ w_data.T
    if b is not None:
        if np.result_type(out, b._data) == out.dtype:
            out += b._data  # in place: out is fresh from the product, and one more full-size array costs faults
        else:
            out = out + b._data
    if x_data.ndim != 2:
        out = out.reshape(*x_data.shape[:-1], n_out)

    def backward(g: Array) -> Grads:
        g2 = widened(g).reshape(-1, n_out)
        gx = g2 @ w_data if x._rg else None
        if gx is not None and x_data.ndim != 2:
            gx = gx.reshape(x_data.shape)
        gw = g2.T @ x2 if w._rg else None
        if b is None:
            return gx, gw
        return gx, gw, (g2.sum(axis=0) if b._rg else None)

    inputs = (x, w) if b is None else (x, w, b)
    out_dtype = np.result_type(x._data, w._data, *(() if b is None else (b._data,)))
    return result(out.astype(out_dtype, copy=False), "linear", inputs, backward, saved=(x, w))


def layer_norm(
    x: Tensor, normalized_shape: tuple[int, ...], weight: Tensor | None, bias: Tensor | None, eps: float
) -> Tensor:
    """``y = xhat * weight + bias`` with ``xhat = (x - mean) / sigma``, ``sigma = sqrt(var + eps)``,
    mean and biased variance over the trailing ``normalized_shape`` axes (checked by the caller,
    :class:`minigrad.nn.LayerNorm`).

    One fused node instead of eight (mean, var, sub, add, sqrt, div, mul, add): the same math, with
    a few temporaries instead of one per op.  With ``g' = g * weight`` and the means over the
    normalized axes:

        dL/dx = (g' - mean(g') - xhat * mean(g' * xhat)) / sigma
        dL/dweight = sum of g * xhat over the leading axes,   dL/dbias = sum of g over the leading axes
    """
    data = widened(x._data)  # float16 statistics in float32, as in PyTorch
    axes = tuple(range(data.ndim - len(normalized_shape), data.ndim))
    lead = tuple(range(data.ndim - len(normalized_shape)))
    xhat = data - data.mean(axis=axes, keepdims=True)
    inv_sigma = 1 / np.sqrt(np.mean(xhat * xhat, axis=axes, keepdims=True) + eps)
    xhat *= inv_sigma
    out = xhat * weight._data if weight is not None else xhat.copy()
    if bias is not None:
        out = out + bias._data

    def backward(g: Array) -> Grads:
        g = widened(g)
        gx = None
        if x._rg:
            g_xhat = g * weight._data if weight is not None else g
            gx = g_xhat - g_xhat.mean(axis=axes, keepdims=True)
            gx -= xhat * np.mean(g_xhat * xhat, axis=axes, keepdims=True)
            gx *= inv_sigma
        grads = [gx]
        if weight is not None:
            grads.append(np.sum(g * xhat, axis=lead) if weight._rg else None)
        if bias is not None:
            grads.append(np.sum(g, axis=lead) if bias._rg else None)
        return tuple(grads)

    inputs = (x, *(p for p in (weight, bias) if p is not None))
    saved = (x,) if weight is None else (x, weight)
    return result(out.astype(x._data.dtype, copy=False), "layer_norm", inputs, backward, saved=saved)

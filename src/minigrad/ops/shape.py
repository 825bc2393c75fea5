"""Shape and indexing ops, each forward beside its backward rule.

These ops move elements around without changing their values, so each
backward rule moves ``g`` back: the inverse reshape or permutation, a sum over
broadcast axes, or a scatter-add into zeros for indexing.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any, SupportsIndex

import numpy as np

from ..engine import Grads
from ..messages import text
from ..tensor import Array, Tensor, TensorLike, _index, as_tensor, result
from ..unbroadcast import unbroadcast
from .axes import pick, resolve_axes, resolve_axis


def _shape_args(op: str, args: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean the shape ``(2, 3)``; a size must be an int."""
    if len(args) == 1 and (isinstance(args[0], (tuple, list)) or (isinstance(args[0], np.ndarray) and args[0].ndim)):
        args = tuple(args[0])
    sizes = []
    for n in args:
        try:
            sizes.append(operator.index(n))  # refuses 2.5 rather than truncate it to 2
        except TypeError:
            raise TypeError(text("tensor.sizes_type", op=op, type=type(n).__name__, value=n, args=args)) from None
    return tuple(sizes)


def reshape(a: TensorLike, *shape: SupportsIndex | Sequence[SupportsIndex]) -> Tensor:
    """Same elements, new shape (one size may be -1).  Backward: ``dL/da = g.reshape(a.shape)``."""
    a = as_tensor(a, op="reshape")
    in_shape = a._data.shape
    new_shape = _shape_args("reshape", shape)
    try:
        out = a._data.reshape(new_shape)
    except ValueError:
        raise ValueError(text("tensor.reshape", shape=in_shape, size=a._data.size, new_shape=new_shape)) from None

    def backward(g: Array) -> Grads:
        return (g.reshape(in_shape),)

    return result(out, "reshape", (a,), backward, view_of=a if np.may_share_memory(out, a._data) else None)


def _permute(op: str, a: Tensor, perm: tuple[int, ...]) -> Tensor:
    ndim = a._data.ndim
    if sorted(p % ndim if ndim else p for p in perm) != list(range(ndim)) or any(not -ndim <= p < ndim for p in perm):
        raise ValueError(text("tensor.permutation", op=op, perm=perm, ndim=ndim, shape=a._data.shape))
    perm = tuple(p % ndim for p in perm)
    inverse = tuple(np.argsort(perm))

    def backward(g: Array) -> Grads:
        return (g.transpose(inverse),)

    return result(a._data.transpose(perm), op, (a,), backward, view_of=a)


def transpose(a: TensorLike, *axes: SupportsIndex | Sequence[SupportsIndex]) -> Tensor:
    """Permute axes.  ``transpose()`` reverses them, ``transpose((1, 0, 2))`` applies a
    permutation, ``transpose(-2, -1)`` swaps two axes (PyTorch's form).

    Backward: ``dL/da = g`` transposed by the inverse permutation.
    """
    a = as_tensor(a, op="transpose")
    ndim = a._data.ndim
    if not axes:
        perm = tuple(range(ndim))[::-1]
    elif len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        perm = _shape_args("transpose", axes)
    elif len(axes) == 2:
        i, j = (resolve_axis("transpose", x, ndim) for x in axes)
        order = list(range(ndim))
        order[i], order[j] = order[j], order[i]
        perm = tuple(order)
    else:
        perm = _shape_args("transpose", axes)
    return _permute("transpose", a, perm)


def permute(a: TensorLike, *dims: SupportsIndex | Sequence[SupportsIndex]) -> Tensor:
    """Reorder the axes: ``permute(2, 0, 1)`` or ``permute((2, 0, 1))``.  Backward: the inverse permutation."""
    return _permute("permute", as_tensor(a, op="permute"), _shape_args("permute", dims))


def broadcast_to(a: TensorLike, shape: Sequence[int]) -> Tensor:
    """Replicate along new or length-1 axes (``-1`` keeps a size, as in PyTorch's ``expand``).

    Backward: ``dL/da = unbroadcast(g, a.shape)``, the sum over the replicas.
    """
    a = as_tensor(a, op="broadcast_to")
    in_shape = a._data.shape
    target = _shape_args("broadcast_to", (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape))
    lead = len(target) - len(in_shape)
    if lead >= 0:
        target = tuple(in_shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(target))
    try:
        out = np.broadcast_to(a._data, target)
    except ValueError:
        raise ValueError(text("tensor.broadcast_to", shape=in_shape, target=tuple(shape))) from None

    def backward(g: Array) -> Grads:
        return (unbroadcast(g, in_shape),)

    return result(out, "broadcast_to", (a,), backward, view_of=a)


def unsqueeze(a: TensorLike, dim: int) -> Tensor:
    """Insert a length-1 axis at ``dim`` (``-1`` appends).  Backward: ``dL/da = g.reshape(a.shape)``."""
    a = as_tensor(a, op="unsqueeze")
    dim = resolve_axis("unsqueeze", dim, a._data.ndim, new=True, word="dim")
    return reshape(a, (*a._data.shape[:dim], 1, *a._data.shape[dim:]))


def squeeze(a: TensorLike, dim: int | Sequence[int] | None = None) -> Tensor:
    """Remove length-1 axes: all of them, or those among ``dim`` (other sizes are left, as in PyTorch).

    Backward: ``dL/da = g.reshape(a.shape)``.
    """
    a = as_tensor(a, op="squeeze")
    shape = a._data.shape
    ndim = len(shape)
    if dim is None:
        drop = {i for i, n in enumerate(shape) if n == 1}
    else:
        drop = {d for d in resolve_axes("squeeze", dim, None, ndim, word="dim") if shape[d] == 1}
    return reshape(a, tuple(n for i, n in enumerate(shape) if i not in drop))


def flatten(a: TensorLike, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim..end_dim`` (inclusive) into one.  Backward: a reshape back."""
    a = as_tensor(a, op="flatten")
    shape = a._data.shape
    if not shape:
        return reshape(a, (1,))
    ndim = len(shape)
    start, end = (resolve_axis("flatten", d, ndim, word="dim") for d in (start_dim, end_dim))
    if start > end:
        raise ValueError(text("tensor.flatten_order", start_dim=start_dim, end_dim=end_dim, shape=shape))
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(a, (*shape[:start], merged, *shape[end + 1 :]))


def _is_advanced(index: Any) -> bool:
    """Whether an index uses arrays (integer or boolean), which may select an element twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (list, np.ndarray)) for p in parts)


def getitem(a: TensorLike, index: Any) -> Tensor:
    """``a[index]``: ints, slices (with steps), None, ``...``, integer arrays, boolean masks.

    Backward: scatter ``g`` into zeros of ``a``'s shape.  With array indices
    an element may be selected several times, so the scatter *adds*
    (``np.add.at``): ``dL/da[i] = sum of g over every place that read a[i]``.
    """
    a = as_tensor(a, op="getitem")
    index = _index(index)
    if isinstance(index, list):
        index = np.asarray(index)
    elif isinstance(index, tuple):
        index = tuple(np.asarray(p) if isinstance(p, list) else p for p in index)
    try:
        out = a._data[index]
    except IndexError as err:
        raise IndexError(text("tensor.index_error", op="getitem", err=err, shape=a._data.shape)) from None
    shape, dtype = a._data.shape, a._data.dtype
    advanced = _is_advanced(index)

    def backward(g: Array) -> Grads:
        grad = np.zeros(shape, dtype=dtype)
        if advanced:
            np.add.at(grad, index, g)
        else:
            grad[index] = g  # basic indexing selects each element at most once
        return (grad,)

    out = np.asarray(out)
    return result(out, "getitem", (a,), backward, view_of=a if np.may_share_memory(out, a._data) else None)


def _parts(op: str, tensors: Sequence[TensorLike]) -> tuple[Tensor, ...]:
    if isinstance(tensors, (Tensor, np.ndarray)):
        raise TypeError(text("tensor.parts_not_sequence", op=op, type=type(tensors).__name__))
    parts = tuple(as_tensor(t, op=op) for t in tensors)
    if not parts:
        raise ValueError(text("tensor.parts_empty", op=op))
    return parts


def cat(tensors: Sequence[TensorLike], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis.  Backward: each input gets its slice of ``g``."""
    parts = _parts("cat", tensors)
    first = parts[0]._data.shape
    if not first:
        raise ValueError(text("tensor.cat_0d"))
    axis = resolve_axis("cat", pick("cat", axis, dim, 0), len(first))
    for i, t in enumerate(parts):
        shape = t._data.shape
        if len(shape) != len(first) or shape[:axis] + shape[axis + 1 :] != first[:axis] + first[axis + 1 :]:
            shapes = ", ".join(str(p._data.shape) for p in parts)
            raise ValueError(text("tensor.cat_shapes", shapes=shapes, axis=axis, index=i, shape=shape, first=first))
    out = np.concatenate([t._data for t in parts], axis=axis)
    bounds = np.cumsum([t._data.shape[axis] for t in parts])[:-1]

    def backward(g: Array) -> Grads:
        return tuple(np.split(g, bounds, axis=axis))

    return result(out, "cat", parts, backward)


def stack(tensors: Sequence[TensorLike], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis.  Backward: input ``i`` gets ``g`` indexed at ``i`` on that axis."""
    parts = _parts("stack", tensors)
    first = parts[0]._data.shape
    new_axis = resolve_axis("stack", pick("stack", axis, dim, 0), len(first), new=True)
    for i, t in enumerate(parts):
        if t._data.shape != first:
            shapes = ", ".join(str(p._data.shape) for p in parts)
            raise ValueError(text("tensor.stack_shapes", shapes=shapes, index=i, shape=t._data.shape, first=first))
    out = np.stack([t._data for t in parts], axis=new_axis)

    def backward(g: Array) -> Grads:
        return tuple(np.take(g, i, axis=new_axis) for i in range(len(parts)))

    return result(out, "stack", parts, backward)

"""``unbroadcast``: undo NumPy broadcasting in a backward pass.

Broadcasting in forward replicates an operand virtually, so by the chain rule
the operand's gradient is the *sum* over the replicated copies::

    out = a + b,  a.shape = (3,),  b.shape = (4, 3)
    dL/da[j] = sum_i dL/dout[i, j]          (sum over the created axis 0)

    out = a + b,  a.shape = (3, 1), b.shape = (3, 5)
    dL/da[i, 0] = sum_j dL/dout[i, j]       (sum over the stretched axis 1, kept)

Every op whose forward broadcasts calls this once per input.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .messages import text


def broadcast_axes(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, tuple[int, ...]] | None:
    """How ``shape`` was broadcast to ``grad_shape``: ``(lead, stretched)``, or None if it cannot have been.

    ``lead`` is the number of leading axes broadcasting created; ``stretched``
    are the axes (numbered in ``grad_shape``) where ``shape`` had length 1.
    """
    lead = len(grad_shape) - len(shape)
    if lead >= 0 and grad_shape[lead:] == shape:  # the common case: only leading axes were added
        return lead, ()
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, grad_shape[lead:])):
        return None
    return lead, tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad_shape[lead + i] != 1)


def unbroadcast(grad: npt.NDArray[Any], shape: tuple[int, ...]) -> npt.NDArray[Any]:
    """Sum ``grad`` down to ``shape``, the shape of an operand that was broadcast.

    Leading axes that broadcasting created are summed away; axes where the
    operand had length 1 are summed with ``keepdims``.  ``shape`` must be
    broadcast-compatible with ``grad.shape`` (NumPy's rules, right-aligned);
    otherwise a ``ValueError`` names both shapes.
    """
    if type(grad) is np.ndarray and grad.shape == shape:  # the common case: nothing was broadcast
        return grad
    grad = np.asarray(grad)
    shape = tuple(shape)
    if grad.shape == shape:
        return grad
    axes = broadcast_axes(grad.shape, shape)
    if axes is None:
        raise ValueError(text("tensor.unbroadcast", grad_shape=grad.shape, shape=shape))
    lead, stretched = axes
    dtype = grad.dtype
    if dtype == np.float16:  # accumulate in float32, as PyTorch does, and round once at the end
        grad = grad.astype(np.float32)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    if lead:
        grad = np.asarray(grad.sum(axis=tuple(range(lead))))  # asarray: a 0-d sum is a NumPy scalar
    return grad.astype(dtype, copy=False)

"""Matrix product with NumPy's ``matmul`` shape rules, and its backward rule."""

from __future__ import annotations

import numpy as np

from ..engine import Grads
from ..messages import text
from ..tensor import Array, Tensor, TensorLike, as_tensor, result, widened
from ..unbroadcast import unbroadcast
from .rules import is_textbook, matmul_backward


def matmul(a: TensorLike, b: TensorLike) -> Tensor:
    """``a @ b`` for 1-D, 2-D, batched and broadcast-batched operands.

    A 1-D ``a`` acts as a row ``(1, n)`` and a 1-D ``b`` as a column
    ``(n, 1)``; the added axis is dropped from the result.  Leading (batch)
    axes broadcast.  With ``A``, ``B`` the operands so promoted and ``G`` the
    upstream gradient with the dropped axes restored:

        dL/dA = G @ B^T,   dL/dB = A^T @ G        (transposing the last two axes)

    each then summed over broadcast batch axes (:func:`unbroadcast`) and
    reshaped to the operand's own shape.  float16 products accumulate in
    float32 and round once, as PyTorch does on the CPU.
    """
    if not isinstance(a, Tensor):
        a = as_tensor(a, b if isinstance(b, Tensor) else None, "matmul")
    b = as_tensor(b, a, "matmul")
    a_data, b_data = widened(a._data), widened(b._data)
    if a_data.ndim == 0 or b_data.ndim == 0:
        raise ValueError(text("tensor.matmul_0d", a_shape=a_data.shape, b_shape=b_data.shape))
    inner_a = a_data.shape[-1]
    inner_b = b_data.shape[-2] if b_data.ndim > 1 else b_data.shape[0]
    if inner_a != inner_b:
        which = text("tensor.matmul_inner.second_to_last" if b_data.ndim > 1 else "tensor.matmul_inner.only")
        raise ValueError(
            text(
                "tensor.matmul_inner",
                a_shape=a_data.shape,
                b_shape=b_data.shape,
                inner_a=inner_a,
                which=which,
                inner_b=inner_b,
            )
        )
    try:
        out = np.matmul(a_data, b_data)
    except ValueError:
        raise ValueError(text("tensor.matmul_batch", a_shape=a_data.shape, b_shape=b_data.shape)) from None

    A = a_data if a_data.ndim > 1 else a_data[np.newaxis, :]
    B = b_data if b_data.ndim > 1 else b_data[:, np.newaxis]
    promoted = (*np.broadcast_shapes(A.shape[:-2], B.shape[:-2]), A.shape[-2], B.shape[-1])

    def backward(g: Array) -> Grads:
        g = widened(g).reshape(promoted)  # restore the axes that 1-D operands dropped
        if is_textbook(matmul_backward):  # the rule, tuned: only the products an input needs
            ga = np.matmul(g, np.swapaxes(B, -1, -2)) if a._rg else None
            gb = np.matmul(np.swapaxes(A, -1, -2), g) if b._rg else None
        else:
            ga, gb = matmul_backward(g, A, B)
        if ga is not None:
            ga = unbroadcast(ga, A.shape)
            ga = ga if a_data.ndim > 1 else ga.reshape(a_data.shape)  # a reshape is a view: only when needed
        if gb is not None:
            gb = unbroadcast(gb, B.shape)
            gb = gb if b_data.ndim > 1 else gb.reshape(b_data.shape)
        return ga, gb

    out_dtype = np.result_type(a._data, b._data)
    return result(np.asarray(out).astype(out_dtype, copy=False), "matmul", (a, b), backward, saved=(a, b))

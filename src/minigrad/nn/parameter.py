"""``Parameter``: a tensor that a :class:`~minigrad.nn.Module` registers as learnable.

A ``Parameter`` is an ordinary :class:`~minigrad.Tensor` (every op accepts it,
and an op's output is a plain ``Tensor``) with two differences: it requires
gradients by default, and assigning one to a module attribute registers it,
so that ``module.parameters()`` finds it for the optimizer.
"""

from __future__ import annotations

import numpy as np

from ..messages import text
from ..tensor import Tensor, TensorLike
from .arguments import check_flag


class Parameter(Tensor):
    """A learnable tensor: ``Parameter(data, requires_grad=True)``.

    ``data`` (a Tensor, an array or nested lists) is copied.  Its float dtype
    is kept (float32 stays float32); integer or boolean data is a
    ``TypeError``, since gradients exist only for floating point values.  A
    Tensor that is the result of ops is copied as a new leaf, outside the
    graph.
    """

    # Tensor uses __slots__; an empty __slots__ keeps Parameters free of a __dict__ too.
    __slots__ = ()

    def __init__(self, data: TensorLike, requires_grad: bool = True) -> None:
        check_flag("Parameter", "requires_grad", requires_grad)
        array = np.asarray(data.data if isinstance(data, Tensor) else data)  # Tensor.__init__ copies it
        if array.dtype.kind != "f":
            raise TypeError(text("nn.layers.parameter_dtype", dtype=array.dtype))
        super().__init__(array, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

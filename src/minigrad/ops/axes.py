"""The one axis resolver every op uses: ``axis`` or its PyTorch alias ``dim``, checked and made non-negative.

Policy, the same for every op: give ``axis`` or ``dim``, not both (an error
names both values); an axis is an int (a NumPy integer too), negative counts
from the end; reductions also take a tuple of ints or None (all axes).  A
float, a string or a bool is a ``TypeError`` that names the op; an axis out
of range is an ``AxisError`` (both a ``ValueError`` and an ``IndexError``)
that names the axis, the number of dimensions and the valid range.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..messages import text

Axis = int | Sequence[int] | None


def pick(op: str, axis: Any, dim: Any, default: Any = None) -> Any:
    """``axis`` or ``dim``, whichever was given (``default`` when neither)."""
    if dim is None:
        return default if axis is None else axis
    if axis is not None:
        raise TypeError(text("tensor.axis_or_dim", op=op, axis=axis, dim=dim))
    return dim


def resolve_axis(op: str, axis: Any, ndim: int, *, new: bool = False, word: str = "axis") -> int:
    """One axis of a tensor with ``ndim`` dimensions, as a non-negative int.

    ``new=True`` counts the ``ndim + 1`` positions of an axis being inserted
    (``stack``, ``unsqueeze``).  A 0-d tensor accepts axis 0 and -1, as in PyTorch.
    ``word`` is what the op calls its argument in messages ("dim" for squeeze).
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        whole = isinstance(axis, float) and axis.is_integer()
        hint = text("tensor.axis_type.hint", word=word, value=int(axis)) if whole else ""
        raise TypeError(text("tensor.axis_type", op=op, word=word, type=type(axis).__name__, axis=axis, hint=hint))
    positions = ndim + 1 if new else max(ndim, 1)
    if not -positions <= axis < positions:
        where = (
            text("tensor.axis_range.new", positions=positions) if new else text("tensor.axis_range.existing", ndim=ndim)
        )
        raise np.exceptions.AxisError(
            text("tensor.axis_range", op=op, word=word, axis=axis, where=where, low=-positions, high=positions - 1)
        )
    return int(axis) % positions


def resolve_axes(op: str, axis: Axis, dim: Axis, ndim: int, *, word: str = "axis") -> tuple[int, ...]:
    """``axis`` (or ``dim``) for a reduction: a sorted tuple of distinct non-negative axes; None means all."""
    axis = pick(op, axis, dim)
    if axis is None:
        return tuple(range(ndim))
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    resolved = [resolve_axis(op, ax, ndim, word=word) for ax in items]
    if ndim == 0:
        return ()
    if len(set(resolved)) != len(resolved):
        raise ValueError(text("tensor.axis_repeated", op=op, word=word, items=items))
    return tuple(sorted(resolved))

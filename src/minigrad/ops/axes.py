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

Axis = int | Sequence[int] | None


def pick(op: str, axis: Any, dim: Any, default: Any = None) -> Any:
    """``axis`` or ``dim``, whichever was given (``default`` when neither)."""
    if dim is None:
        return default if axis is None else axis
    if axis is not None:
        raise TypeError(
            f"{op}: give axis or dim, not both (got axis={axis!r} and dim={dim!r}; dim is PyTorch's name for axis)"
        )
    return dim


def resolve_axis(op: str, axis: Any, ndim: int, *, new: bool = False, word: str = "axis") -> int:
    """One axis of a tensor with ``ndim`` dimensions, as a non-negative int.

    ``new=True`` counts the ``ndim + 1`` positions of an axis being inserted
    (``stack``, ``unsqueeze``).  A 0-d tensor accepts axis 0 and -1, as in PyTorch.
    ``word`` is what the op calls its argument in messages ("dim" for squeeze).
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        hint = f"; write {word}={int(axis)}" if isinstance(axis, float) and axis.is_integer() else ""
        raise TypeError(f"{op}: {word} must be an int, got {type(axis).__name__} {axis!r}{hint}")
    positions = ndim + 1 if new else max(ndim, 1)
    if not -positions <= axis < positions:
        where = f"the result's {positions} dimensions" if new else f"a tensor with {ndim} dimension(s)"
        raise np.exceptions.AxisError(
            f"{op}: {word} {axis} is out of range for {where} (valid: {-positions} to {positions - 1})"
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
        raise ValueError(f"{op}: repeated {word} in {items}: each axis may appear once")
    return tuple(sorted(resolved))

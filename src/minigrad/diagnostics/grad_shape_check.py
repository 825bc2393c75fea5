"""``check_grad_shapes``: the invariant every backward pass must leave behind.

After ``loss.backward()`` each tensor's gradient is ``dL/dx``, one number per
element of ``x``, so ``x.grad.shape == x.data.shape`` (and, in minigrad, the
same dtype).  The engine checks each contribution as it accumulates; this is
the same invariant checked from the outside, after the fact, on tensors you
choose: useful when the engine's check is off (``minigrad.shape_check(False)``)
or when gradients were written by hand (an optimizer, a hook, a test).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..engine import GradShapeError, missing_reduction
from ..messages import text
from ..tensor import Tensor


def _named_tensors(tensors: Any) -> list[tuple[int, str, Tensor]]:
    """``(position, name, tensor)`` for a Tensor, an iterable of them, a name->tensor mapping or a module."""
    if isinstance(tensors, Tensor):
        items: list[tuple[str, Any]] = [(tensors.name, tensors)]
    elif isinstance(tensors, Mapping):
        items = [(str(key), t) for key, t in tensors.items()]
    elif hasattr(tensors, "named_parameters"):
        items = [(str(key), t) for key, t in tensors.named_parameters()]
    elif hasattr(tensors, "parameters"):
        items = [(t.name, t) for t in tensors.parameters()]
    elif isinstance(tensors, Iterable):
        items = [(getattr(t, "name", ""), t) for t in tensors]
    else:
        raise TypeError(
            f"check_grad_shapes: expected a Tensor, an iterable of Tensors, a mapping of names to Tensors or an "
            f"object with .parameters(), got {type(tensors).__name__}"
        )
    named = []
    for position, (name, t) in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"check_grad_shapes: item {position} is a {type(t).__name__}, not a minigrad Tensor")
        named.append((position, name, t))
    return named


def grad_shape_problems(tensors: Any, *, require_grad: bool = False) -> list[str]:
    """One line per tensor that breaks ``grad.shape == data.shape`` (or the dtype rule); empty when all is well.

    The non-raising form of :func:`check_grad_shapes`, for tools that want a verdict.
    """
    problems = []
    for position, name, t in _named_tensors(tensors):
        who = text("lab.grad_shapes.who_named" if name else "lab.grad_shapes.who", position=position, name=name)
        g = t.grad
        data = t.data
        if g is None:
            if require_grad:
                problems.append(text("lab.grad_shapes.none", who=who, shape=data.shape))
            continue
        if not isinstance(g, np.ndarray):
            problems.append(text("lab.grad_shapes.not_array", who=who, shape=data.shape, kind=type(g).__name__))
            continue
        if g.shape != data.shape:
            problems.append(
                text(
                    "lab.grad_shapes.shape",
                    who=who,
                    grad_shape=g.shape,
                    shape=data.shape,
                    fix=missing_reduction(g.shape, data.shape),
                )
            )
        if g.dtype != data.dtype:
            problems.append(
                text("lab.grad_shapes.dtype", who=who, shape=data.shape, grad_dtype=g.dtype, dtype=data.dtype)
            )
    return problems


def check_grad_shapes(tensors: Any, *, require_grad: bool = False) -> None:
    """Raise ``GradShapeError`` unless every tensor's ``grad`` has its data's shape and dtype.

    ``tensors`` is a Tensor, an iterable of Tensors, a mapping ``{name:
    tensor}``, or a module-like object (``.named_parameters()`` or
    ``.parameters()``).  The error lists each offending tensor by position and
    name, with both shapes and the axes its gradient should have been summed
    over.  Tensors whose ``grad`` is None are skipped unless
    ``require_grad=True``.  Returns None when all is well.

    >>> import minigrad
    >>> a = minigrad.Tensor([1.0, 2.0], requires_grad=True)
    >>> (a * a).sum().backward()
    >>> check_grad_shapes([a]) is None
    True
    """
    problems = grad_shape_problems(tensors, require_grad=require_grad)
    if problems:
        count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
        raise GradShapeError(
            f"check_grad_shapes: {count} with grad.shape == data.shape after backward:\n  " + "\n  ".join(problems)
        )

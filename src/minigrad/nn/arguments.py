"""Checks of constructor arguments shared by the layers and the optimizers, with one wording.

A value of the wrong type is a ``TypeError`` and a number out of range a
``ValueError`` (as in PyTorch); both name the owner, the argument and the
value received, e.g. ``SGD: invalid momentum=-1; it must be a finite number >= 0``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import numpy.typing as npt

from ..messages import text


def check_size(owner: str, name: str, value: object, minimum: int = 0) -> int:
    """``value`` as an int ``>= minimum`` (a size or a count); bools and floats such as ``3.0`` are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            text(
                "nn.argument.size_type", owner=owner, name=name, minimum=minimum, value=value, kind=type(value).__name__
            )
        )
    if value < minimum:
        raise ValueError(text("nn.argument.size_range", owner=owner, name=name, minimum=minimum, value=value))
    return int(value)


def check_number(
    owner: str,
    name: str,
    value: object,
    *,
    at_least: float | None = None,
    above: float | None = None,
    at_most: float | None = None,
    below: float | None = None,
    finite: bool = True,
) -> float:
    """``value`` as a float within the given bounds (NaN never is); ``finite=False`` also lets ``inf`` through."""
    bounds = [
        f"{symbol} {bound}"
        for symbol, bound in ((">=", at_least), (">", above), ("<=", at_most), ("<", below))
        if bound is not None
    ]
    kind = text("nn.argument.finite_number" if finite else "nn.argument.number")
    expected = kind + (" " + text("nn.argument.bounds_and").join(bounds) if bounds else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            text(
                "nn.argument.number_type",
                owner=owner,
                name=name,
                expected=expected,
                value=value,
                kind=type(value).__name__,
            )
        )
    x = float(value)
    valid = (
        not math.isnan(x)
        and (math.isfinite(x) or not finite)
        and (at_least is None or x >= at_least)
        and (above is None or x > above)
        and (at_most is None or x <= at_most)
        and (below is None or x < below)
    )
    if not valid:
        raise ValueError(text("nn.argument.number_range", owner=owner, name=name, value=value, expected=expected))
    return x


def float_dtype(layer: str, dtype: npt.DTypeLike) -> np.dtype[Any]:
    """``dtype`` as a NumPy dtype; a layer's parameters must be floating point."""
    try:
        resolved: np.dtype[Any] | None = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.kind != "f":
        shown = dtype if resolved is None else resolved
        raise TypeError(text("nn.argument.float_dtype", layer=layer, dtype=shown))
    return resolved


def check_flag(owner: str, name: str, value: object) -> bool:
    """A yes/no argument: a bool (or NumPy bool), not a string such as ``"no"``, which would count as true."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(text("nn.argument.flag", owner=owner, name=name, value=value, kind=type(value).__name__))
    return bool(value)

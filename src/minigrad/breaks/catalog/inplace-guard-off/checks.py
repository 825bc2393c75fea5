"""inplace-guard-off: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ....tensor import Tensor
from ...shared.engine_checks import leaf, raises


def const(data: Any) -> Tensor:
    """A float64 tensor that does not require grad (a weight held fixed, a target)."""
    return Tensor(np.asarray(data, dtype=np.float64))


def _version_guard_silent() -> bool:
    """Fires when an in-place change of a saved tensor between forward and backward raises no error."""
    x, c = leaf(np.random.default_rng(1).standard_normal((3,))), const(np.random.default_rng(2).standard_normal((3,)))
    loss = (x * c).sum()
    c.mul_(3.0)
    return not raises(loss.backward, RuntimeError)


CHECKS = {"version-guard": _version_guard_silent}

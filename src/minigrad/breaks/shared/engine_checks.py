"""What several breaks of the engine family share in their probes and checks.

Breaks in the engine itself (``minigrad/engine.py``): accumulation, ordering, depth, freeing, guards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...tensor import Tensor


def leaf(data: Any) -> Tensor:
    """A float64 tensor that requires grad."""
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


def raises(run: Callable[[], object], *errors: type[BaseException]) -> bool:
    """Whether ``run()`` raises one of ``errors`` (anything else propagates)."""
    try:
        run()
    except errors:
        return True
    return False

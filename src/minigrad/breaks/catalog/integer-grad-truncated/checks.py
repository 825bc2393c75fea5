"""integer-grad-truncated: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import numpy as np

from ....messages import text
from ....tensor import Tensor


def _integer_leaf_accepted() -> bool | str:
    """Fires when an integer tensor may require grad; says what its gradient became."""
    try:
        x = Tensor([1, 2, 3], requires_grad=True)
    except TypeError:
        return False
    (x * np.array([0.5, 1.7, -2.5])).sum().backward()
    return text("lab.check.integer_leaf", grad=x.grad)


CHECKS = {"integer-leaf": _integer_leaf_accepted}

"""recursive-walk: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import numpy as np

from ...shared.engine_checks import leaf, raises


def _deep_chain_fails() -> bool:
    """Fires when backpropagating through a chain of 5,000 ops hits Python's recursion limit."""
    x = leaf(np.ones(2))
    h = x
    for _ in range(5000):
        h = h * 0.999
    return raises(lambda: h.sum().backward(), RecursionError)


CHECKS = {"deep-chain": _deep_chain_fails}

"""grad-aliasing: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import numpy as np

from ...shared.engine_checks import leaf


def _grads_share_memory() -> bool:
    """Fires when an in-place change of one leaf's .grad changes another leaf's .grad."""
    a, b = leaf(np.random.default_rng(1).standard_normal((3,))), leaf(np.random.default_rng(2).standard_normal((3,)))
    (a + b).backward(np.random.default_rng(3).standard_normal((3,)))
    assert a.grad is not None and b.grad is not None
    before = np.array(b.grad)
    if not a.grad.flags.writeable:
        return True  # a .grad nobody may update in place is not owned by its tensor either
    a.grad *= 0.5
    return not np.array_equal(b.grad, before)


CHECKS = {"grad-ownership": _grads_share_memory}

"""backward-seeded-with-zeros: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import numpy as np

from ....messages import text
from ...shared.learner_engine import leaf


def _seed_differs() -> bool | str:
    """Fires when loss.backward() on a one-element loss differs from loss.backward(1.0)."""
    x = leaf(np.random.default_rng(1).standard_normal((3,)))
    (x * np.random.default_rng(2).standard_normal((3,))).sum().backward()
    implicit = x.grad
    x = leaf(np.random.default_rng(1).standard_normal((3,)))
    (x * np.random.default_rng(2).standard_normal((3,))).sum().backward(np.ones(()))
    if implicit is not None and np.allclose(implicit, x.grad, rtol=1e-12, atol=0):  # type: ignore[arg-type]
        return False
    return text("lab.check.implicit_seed", implicit=implicit, explicit=x.grad)


CHECKS = {"implicit-seed": _seed_differs}

"""graph-not-freed: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import numpy as np

from ....engine import GraphFreedError
from ...shared.engine_checks import leaf, raises


def _second_backward_succeeds() -> bool:
    """Fires when a second backward() without retain_graph=True does not raise."""
    x = leaf(np.random.default_rng(1).standard_normal((3,)))
    loss = (x * x).sum()
    loss.backward()
    return not raises(loss.backward, GraphFreedError)


CHECKS = {"second-backward": _second_backward_succeeds}

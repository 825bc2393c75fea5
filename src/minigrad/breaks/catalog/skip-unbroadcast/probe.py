"""skip-unbroadcast: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

import numpy as np

from ...core import Probe

PROBE = Probe(
    lambda F, a, b, w: ((a + b) * w).sum(),
    (
        np.random.default_rng(1).normal(size=(3, 1)),
        np.random.default_rng(2).normal(size=(3, 5)),
        np.random.default_rng(3).normal(size=(3, 5)),
    ),
)

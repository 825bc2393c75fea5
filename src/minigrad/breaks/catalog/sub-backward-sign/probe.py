"""sub-backward-sign: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_sub(F: Any, x: Any, y: Any, w: Any) -> Any:
    return (x - y) * w


PROBE = Probe(
    _probe_sub,
    (
        np.random.default_rng(191).standard_normal((3, 4)),
        np.random.default_rng(192).standard_normal((3, 4)),
        np.random.default_rng(193).standard_normal((3, 4)),
    ),
)

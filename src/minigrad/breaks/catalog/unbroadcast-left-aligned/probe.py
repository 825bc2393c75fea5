"""unbroadcast-left-aligned: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_bias_square(F: Any, a: Any, b: Any, w: Any) -> Any:
    return (a + b) * w


PROBE = Probe(
    _probe_bias_square,
    (
        np.random.default_rng(461).standard_normal((3,)),
        np.random.default_rng(462).standard_normal((3, 3)),
        np.random.default_rng(463).standard_normal((3, 3)),
    ),
)

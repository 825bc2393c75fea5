"""skip-unbroadcast-mul: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_scale(F: Any, x: Any, gain: Any, w: Any) -> Any:
    return x * gain * w


PROBE = Probe(
    _probe_scale,
    (
        np.random.default_rng(71).standard_normal((4, 3)),
        np.random.default_rng(72).standard_normal((3,)),
        np.random.default_rng(73).standard_normal((4, 3)),
    ),
)

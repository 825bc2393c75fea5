"""mul-backward-no-upstream: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_mul(F: Any, x: Any, w: Any) -> Any:
    return x * w


PROBE = Probe(
    _probe_mul, (np.random.default_rng(411).standard_normal((3, 4)), np.random.default_rng(412).standard_normal((3, 4)))
)

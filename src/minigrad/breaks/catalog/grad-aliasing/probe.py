"""grad-aliasing: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe

ALIASING_PROBE_INPUTS = (
    np.random.default_rng(61).standard_normal((3, 4)),
    np.random.default_rng(62).standard_normal((3, 4)),
)


def _probe_add(F: Any, a: Any, b: Any) -> Any:
    return F.tanh(a + b)


PROBE = Probe(_probe_add, ALIASING_PROBE_INPUTS)

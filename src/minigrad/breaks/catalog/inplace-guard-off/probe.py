"""inplace-guard-off: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_mul(F: Any, x: Any, w: Any) -> Any:
    return x * w


PROBE = Probe(
    _probe_mul, (np.random.default_rng(51).standard_normal((3, 4)), np.random.default_rng(52).standard_normal((3, 4)))
)

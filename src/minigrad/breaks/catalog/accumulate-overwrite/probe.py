"""accumulate-overwrite: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_reuse(F: Any, x: Any, w: Any) -> Any:
    return (x * x + F.tanh(x)) * w


PROBE = Probe(
    _probe_reuse, (np.random.default_rng(11).standard_normal((3, 4)), np.random.default_rng(12).standard_normal((3, 4)))
)

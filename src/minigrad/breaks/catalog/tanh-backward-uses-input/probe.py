"""tanh-backward-uses-input: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_tanh(F: Any, x: Any, w: Any) -> Any:
    return F.tanh(x) * w


PROBE = Probe(
    _probe_tanh,
    (1.5 * np.random.default_rng(121).standard_normal((3, 4)), np.random.default_rng(122).standard_normal((3, 4))),
)

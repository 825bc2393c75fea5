"""div-backward-sign: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_divide(F: Any, x: Any, y: Any, w: Any) -> Any:
    return x / y * w


PROBE = Probe(
    _probe_divide,
    (
        np.random.default_rng(141).standard_normal((3, 4)),
        1.5 + np.random.default_rng(142).random((3, 4)),
        np.random.default_rng(143).standard_normal((3, 4)),
    ),
)

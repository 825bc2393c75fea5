"""unbroadcast-mean: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_bias(F: Any, x: Any, bias: Any, w: Any) -> Any:
    return (x + bias) * w


PROBE = Probe(
    _probe_bias,
    (
        np.random.default_rng(81).standard_normal((4, 3)),
        np.random.default_rng(82).standard_normal((3,)),
        np.random.default_rng(83).standard_normal((4, 3)),
    ),
)

"""pow-wrong-exponent: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_cube(F: Any, x: Any, w: Any) -> Any:
    return F.pow(x, 3) * w


PROBE = Probe(
    _probe_cube,
    (np.random.default_rng(131).standard_normal((3, 4)), np.random.default_rng(132).standard_normal((3, 4))),
)

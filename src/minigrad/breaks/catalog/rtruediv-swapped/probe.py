"""rtruediv-swapped: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_reciprocal(F: Any, x: Any) -> Any:
    return 1.0 / x


PROBE = Probe(_probe_reciprocal, (0.5 + np.random.default_rng(521).random((3, 4)),))

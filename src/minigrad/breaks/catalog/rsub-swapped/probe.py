"""rsub-swapped: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_one_minus(F: Any, x: Any) -> Any:
    return 1.0 - x


PROBE = Probe(_probe_one_minus, (np.random.default_rng(511).standard_normal((3, 4)),))

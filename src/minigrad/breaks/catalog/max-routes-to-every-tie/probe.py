"""max-routes-to-every-tie: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _tied_rows() -> np.ndarray[Any, np.dtype[np.float64]]:
    x = np.random.default_rng(161).standard_normal((3, 4))
    x[0, 1] = x[0, 3] = x[0].max() + 1.0  # two-way ties only: there central differences give exactly 1/2
    x[2, 0] = x[2, 2] = x[2].max() + 1.0
    return x


def _probe_max(F: Any, x: Any, w: Any) -> Any:
    return F.max(x, dim=1) * w


PROBE = Probe(_probe_max, (_tied_rows(), np.random.default_rng(162).standard_normal((3,))))

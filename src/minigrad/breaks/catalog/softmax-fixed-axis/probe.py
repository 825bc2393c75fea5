"""softmax-fixed-axis: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_softmax_rows(F: Any, z: Any) -> Any:
    return F.softmax(z, dim=-1)


PROBE = Probe(_probe_softmax_rows, (np.random.default_rng(493).standard_normal((3, 4)),))

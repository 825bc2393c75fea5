"""axis-zero-is-all: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_column_sums(F: Any, x: Any, w: Any) -> Any:
    return F.sum(x, dim=0) * w


PROBE = Probe(
    _probe_column_sums,
    (np.random.default_rng(441).standard_normal((3, 4)), np.random.default_rng(442).standard_normal((4,))),
)

"""getitem-no-scatter: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_first_row(F: Any, x: Any, w: Any) -> Any:
    return x[0] * w


PROBE = Probe(
    _probe_first_row,
    (np.random.default_rng(531).standard_normal((3, 4)), np.random.default_rng(532).standard_normal((4,))),
)

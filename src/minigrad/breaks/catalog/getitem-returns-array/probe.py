"""getitem-returns-array: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_slice_times(F: Any, x: Any, w: Any) -> Any:
    return x[1:] * w + (x * x).sum()


PROBE = Probe(
    _probe_slice_times,
    (np.random.default_rng(501).standard_normal(4), np.random.default_rng(502).standard_normal(3)),
)

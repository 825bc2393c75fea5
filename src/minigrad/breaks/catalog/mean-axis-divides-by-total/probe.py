"""mean-axis-divides-by-total: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_row_means(F: Any, x: Any, w: Any) -> Any:
    return F.mean(x, dim=1) * w


PROBE = Probe(
    _probe_row_means,
    (np.random.default_rng(501).standard_normal((3, 4)), np.random.default_rng(502).standard_normal((3,))),
)

"""cat-split-at-sizes: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_cat(F: Any, a: Any, b: Any, c: Any, w: Any) -> Any:
    return F.cat([a, b, c], dim=0) * w


PROBE = Probe(
    _probe_cat,
    (
        np.random.default_rng(231).standard_normal((2, 3)),
        np.random.default_rng(232).standard_normal((3, 3)),
        np.random.default_rng(233).standard_normal((4, 3)),
        np.random.default_rng(234).standard_normal((9, 3)),
    ),
)

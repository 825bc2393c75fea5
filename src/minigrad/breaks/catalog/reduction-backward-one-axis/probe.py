"""reduction-backward-one-axis: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_two_axes(F: Any, x: Any, w: Any) -> Any:
    return F.sum(x, dim=(1, 2)) * w


PROBE = Probe(
    _probe_two_axes,
    (np.random.default_rng(451).standard_normal((3, 3, 3)), np.random.default_rng(452).standard_normal((3,))),
)

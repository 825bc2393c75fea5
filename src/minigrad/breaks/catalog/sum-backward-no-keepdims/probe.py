"""sum-backward-no-keepdims: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_row_sums(F: Any, x: Any, w: Any) -> Any:
    return F.sum(x, dim=1) * w


PROBE = Probe(
    _probe_row_sums,
    (np.random.default_rng(91).standard_normal((3, 3)), np.random.default_rng(92).standard_normal((3,))),
)

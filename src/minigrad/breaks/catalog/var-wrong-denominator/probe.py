"""var-wrong-denominator: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_var(F: Any, x: Any, w: Any) -> Any:
    return F.var(x, dim=1) * w


PROBE = Probe(
    _probe_var, (np.random.default_rng(221).standard_normal((3, 5)), np.random.default_rng(222).standard_normal((3,)))
)

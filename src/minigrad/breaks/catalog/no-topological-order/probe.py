"""no-topological-order: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_x_plus_exp_x(F: Any, x: Any, w: Any) -> Any:
    return (x + F.exp(x)) * w


PROBE = Probe(
    _probe_x_plus_exp_x,
    (np.random.default_rng(21).standard_normal((3, 4)), np.random.default_rng(22).standard_normal((3, 4))),
)

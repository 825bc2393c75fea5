"""recursive-walk: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_small(F: Any, x: Any, w: Any) -> Any:
    return F.tanh(x @ w)


PROBE = Probe(
    _probe_small, (np.random.default_rng(31).standard_normal((4, 3)), np.random.default_rng(32).standard_normal((3, 5)))
)

"""matmul-backward-2d-only: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_matmul(F: Any, a: Any, b: Any) -> Any:
    return a @ b


PROBE = Probe(
    _probe_matmul,
    (np.random.default_rng(401).standard_normal((3, 3, 3)), np.random.default_rng(402).standard_normal((3, 3, 3))),
)

"""matmul-no-transpose: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_matmul(F: Any, a: Any, b: Any, w: Any) -> Any:
    return (a @ b) * w


PROBE = Probe(
    _probe_matmul,
    (
        np.random.default_rng(101).standard_normal((3, 3)),
        np.random.default_rng(102).standard_normal((3, 3)),
        np.random.default_rng(103).standard_normal((3, 3)),
    ),
)

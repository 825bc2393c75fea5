"""stack-late-binding: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_stack(F: Any, a: Any, b: Any, c: Any, w: Any) -> Any:
    return F.stack([a, b, c], dim=0) * w


PROBE = Probe(
    _probe_stack,
    (
        np.random.default_rng(471).standard_normal((3,)),
        np.random.default_rng(472).standard_normal((3,)),
        np.random.default_rng(473).standard_normal((3,)),
        np.random.default_rng(474).standard_normal((3, 3)),
    ),
)

"""softmax-no-max-subtraction: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_softmax(F: Any, z: Any, w: Any) -> Any:
    return F.softmax(z, dim=-1) * w


PROBE = Probe(
    _probe_softmax,
    (1000.0 + np.random.default_rng(171).standard_normal((2, 5)), np.random.default_rng(172).standard_normal((2, 5))),
)

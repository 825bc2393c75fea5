"""getitem-plain-add: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_gather(F: Any, x: Any, w: Any) -> Any:
    return x[[0, 2, 0, 1, 2, 2]] * w


PROBE = Probe(
    _probe_gather, (np.random.default_rng(151).standard_normal((3,)), np.random.default_rng(152).standard_normal((6,)))
)

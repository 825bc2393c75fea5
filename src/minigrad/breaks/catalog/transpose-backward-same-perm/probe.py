"""transpose-backward-same-perm: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_cyclic(F: Any, x: Any, w: Any) -> Any:
    return x.permute(1, 2, 0) * w


PROBE = Probe(
    _probe_cyclic,
    (np.random.default_rng(211).standard_normal((2, 3, 4)), np.random.default_rng(212).standard_normal((3, 4, 2))),
)

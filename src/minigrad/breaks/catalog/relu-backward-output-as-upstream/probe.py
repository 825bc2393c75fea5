"""relu-backward-output-as-upstream: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_relu(F: Any, x: Any) -> Any:
    return F.relu(x)


PROBE = Probe(_probe_relu, (np.random.default_rng(431).standard_normal((3, 4)),))

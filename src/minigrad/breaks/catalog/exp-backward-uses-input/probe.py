"""exp-backward-uses-input: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_exp(F: Any, x: Any) -> Any:
    return F.exp(x)


PROBE = Probe(_probe_exp, (np.random.default_rng(481).standard_normal((3, 4)),))

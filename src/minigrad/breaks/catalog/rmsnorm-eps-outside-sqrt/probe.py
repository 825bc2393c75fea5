"""rmsnorm-eps-outside-sqrt: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ....nn import RMSNorm
from ...core import Probe

RMS_PROBE_EPS = 1e-3
RMS_PROBE_INPUT = np.random.default_rng(621).standard_normal((3, 4))
RMS_PROBE_INPUT[1] = 0.0


def _probe_rmsnorm(F: Any, x: Any) -> Any:
    """RMSNorm over the last axis; PyTorch: ``rms_norm``.  Row 1 of the input is all zeros."""
    if F.name == "torch":
        return F.functional.rms_norm(x, (4,), eps=RMS_PROBE_EPS)
    return RMSNorm(4, eps=RMS_PROBE_EPS)(x)


PROBE = Probe(_probe_rmsnorm, (RMS_PROBE_INPUT,))

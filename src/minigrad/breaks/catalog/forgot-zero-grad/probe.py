"""forgot-zero-grad: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from ...shared.modules import OPTIMIZER_PROBE

PROBE = OPTIMIZER_PROBE

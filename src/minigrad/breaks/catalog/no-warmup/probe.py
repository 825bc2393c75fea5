"""no-warmup: the probe its general diagnostics run on (a least-squares loss: they check gradients, which a
learning-rate schedule does not change; the run doctor, its own check, reads a training run's log)."""

from __future__ import annotations

from ...shared.modules import OPTIMIZER_PROBE

PROBE = OPTIMIZER_PROBE

"""bad-init-scale: the probe its general diagnostics run on (a least-squares loss: they check gradients, which
an initialisation does not change; the run doctor, its own check, reads a training run's log)."""

from __future__ import annotations

from ...shared.modules import OPTIMIZER_PROBE

PROBE = OPTIMIZER_PROBE

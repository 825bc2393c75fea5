"""batchnorm-eval-uses-batch-stats: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ....engine import no_grad
from ....nn import BatchNorm1d
from ...core import Probe

BN_PROBE_MEAN = np.array([0.5, -1.0, 2.0])
BN_PROBE_VAR = np.array([0.25, 4.0, 1.5])


def _probe_batchnorm_eval(F: Any, x: Any) -> Any:
    """BatchNorm1d in eval mode with fixed running statistics; PyTorch: ``batch_norm(training=False)``."""
    if F.name == "torch":
        return F.functional.batch_norm(x, F.tensor(BN_PROBE_MEAN), F.tensor(BN_PROBE_VAR), training=False)
    layer = BatchNorm1d(3)
    assert layer.running_mean is not None and layer.running_var is not None
    with no_grad():
        layer.running_mean.copy_(BN_PROBE_MEAN)
        layer.running_var.copy_(BN_PROBE_VAR)
    layer.eval()
    return layer(x)


PROBE = Probe(_probe_batchnorm_eval, (1.0 + np.random.default_rng(601).standard_normal((5, 3)),))

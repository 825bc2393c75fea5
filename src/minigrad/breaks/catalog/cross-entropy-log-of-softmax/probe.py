"""cross-entropy-log-of-softmax: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _gap_logits() -> np.ndarray[Any, np.dtype[np.float64]]:
    z = np.random.default_rng(181).standard_normal((3, 4))
    z[0, 2] += 800.0
    return z


def _probe_cross_entropy(F: Any, logits: Any, targets: Any) -> Any:
    return F.cross_entropy(logits, targets)


PROBE = Probe(_probe_cross_entropy, (_gap_logits(), np.array([0, 3, 1])))

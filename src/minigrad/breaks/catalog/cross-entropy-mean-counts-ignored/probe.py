"""cross-entropy-mean-counts-ignored: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe

PAD = -100  # cross_entropy's default ignore_index: padding positions


def _probe_padded_cross_entropy(F: Any, logits: Any, targets: Any) -> Any:
    return F.cross_entropy(logits, targets)


PROBE = Probe(
    _probe_padded_cross_entropy, (np.random.default_rng(241).standard_normal((5, 3)), np.array([2, PAD, 0, PAD, 1]))
)

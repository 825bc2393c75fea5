"""sigmoid-backward-missing-factor: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_sigmoid(F: Any, x: Any, w: Any) -> Any:
    return F.sigmoid(x) * w


PROBE = Probe(
    _probe_sigmoid,
    (np.random.default_rng(201).standard_normal((3, 4)), np.random.default_rng(202).standard_normal((3, 4))),
)

"""tensor-topo-from-set: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe
from ...shared.learner_engine import _tensor_deep_reuse


def _probe_tensor_deep_reuse(F: Any, x: Any, w: Any) -> Any:
    return _tensor_deep_reuse(x, w)


PROBE = Probe(
    _probe_tensor_deep_reuse,
    (np.random.default_rng(311).standard_normal((3, 4)), np.random.default_rng(312).standard_normal((3, 4))),
)

"""tensor-topo-not-reversed: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_tanh_of_product(F: Any, x: Any, w: Any) -> Any:
    return F.tanh(x * w)


PROBE = Probe(
    _probe_tanh_of_product,
    (np.random.default_rng(41).standard_normal((3, 4)), np.random.default_rng(42).standard_normal((3, 4))),
)

"""value-assign-not-accumulate: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ....scalar import Value
from ...core import Probe


def _probe_reuse(F: Any, a: Value, b: Value) -> Value:
    return a * b + a * a


SCALAR_INPUTS = tuple(float(v) for v in np.random.default_rng(231).standard_normal(2))

PROBE = Probe(_probe_reuse, SCALAR_INPUTS, scalar=True)

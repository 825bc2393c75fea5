"""assignment-cuts-graph: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_states_into_buffer(F: Any, x: Any, w: Any) -> Any:
    """Two steps of a recurrence, each state written into a buffer, read back with the last state."""
    buf = F.tensor(np.zeros((2, 3)))
    h = F.tanh(x * w)
    buf[0] = h
    h = F.tanh(h * w)
    buf[1] = h
    return buf * 2.0 + h


PROBE = Probe(
    _probe_states_into_buffer,
    (np.random.default_rng(141).standard_normal(3), np.random.default_rng(142).standard_normal(3)),
)

"""value-topo-not-reversed: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from ...core import Probe
from ...shared.learner_engine import _probe_value_deep_reuse

PROBE = Probe(_probe_value_deep_reuse, (0.3, -0.7), scalar=True)

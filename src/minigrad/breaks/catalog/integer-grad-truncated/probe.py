"""integer-grad-truncated: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

import numpy as np

from ...core import Probe
from ...shared.learner_engine import _probe_tanh_mul

PROBE = Probe(
    _probe_tanh_mul,
    (np.random.default_rng(331).standard_normal((3, 4)), np.random.default_rng(332).standard_normal((3, 4))),
)

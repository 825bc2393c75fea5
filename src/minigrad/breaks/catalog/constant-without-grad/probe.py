"""constant-without-grad: the probe, the function and the inputs its diagnostics run on.

The break edits the learner-style engine (``shared.learner_engine.LearnerTensor``), not minigrad: the
general diagnostics, which run on minigrad, stay silent on it; its own check runs the learner engine.
"""

from __future__ import annotations

import numpy as np

from ...core import Probe
from ...shared.learner_engine import _probe_tanh_mul

PROBE = Probe(
    _probe_tanh_mul, (np.random.default_rng(81).standard_normal(3), np.random.default_rng(82).standard_normal(3))
)

"""neg-not-in-graph: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Probe


def _probe_neg_branch(F: Any, x: Any, w: Any) -> Any:
    return x * w + F.exp(-x)


PROBE = Probe(
    _probe_neg_branch,
    (np.random.default_rng(421).standard_normal((3, 4)), np.random.default_rng(422).standard_normal((3, 4))),
)

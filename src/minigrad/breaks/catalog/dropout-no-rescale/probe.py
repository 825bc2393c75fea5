"""dropout-no-rescale: the probe, the function and the inputs its diagnostics run on."""

from __future__ import annotations

from typing import Any

import numpy as np

from ....nn import Dropout
from ...core import Probe
from ...shared.modules import DROPOUT_P

DROPOUT_SEED = 11


def _probe_dropout(F: Any, x: Any, w: Any) -> Any:
    """Dropout in training mode; PyTorch side: inverted dropout with the same mask (torch draws its own masks)."""
    if F.name == "torch":
        keep = (
            np.random.default_rng(DROPOUT_SEED).random(tuple(x.shape)) >= DROPOUT_P
        )  # the draw Dropout's docstring documents
        return x * F.tensor(keep / (1 - DROPOUT_P)) * w
    return Dropout(DROPOUT_P, generator=np.random.default_rng(DROPOUT_SEED))(x) * w


PROBE = Probe(
    _probe_dropout,
    (np.random.default_rng(611).standard_normal((4, 5)), np.random.default_rng(612).standard_normal((4, 5))),
)

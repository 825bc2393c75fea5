"""dropout-no-rescale: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import numpy as np

from ....messages import text
from ....nn import Dropout
from ....tensor import Tensor
from ...shared.modules import DROPOUT_P, _torch


def _dropout_mean_differs_from_torch() -> str:
    """Mean of Dropout(0.5) over 20,000 ones, in minigrad and in torch.nn.functional.dropout (both ~1)."""
    torch = _torch()
    mine = float(Dropout(0.5, generator=np.random.default_rng(12))(Tensor(np.ones((100, 200)))).data.mean())
    with torch.random.fork_rng(devices=[]):  # leave the caller's torch random state alone
        torch.manual_seed(12)
        ones = torch.ones(100, 200, dtype=torch.float64)
        theirs = float(torch.nn.functional.dropout(ones, DROPOUT_P, training=True).mean())
    if abs(mine - theirs) <= 0.05:  # both means have a standard deviation of 1 / sqrt(20,000) ~ 0.007
        return ""
    return text("lab.check.dropout", mine=mine, theirs=theirs)


CHECKS = {"torch-dropout-expectation": _dropout_mean_differs_from_torch}

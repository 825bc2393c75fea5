"""adam-no-bias-correction: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

from ....optim import Adam
from ...shared.modules import _trajectory_differs


def _adam_differs_from_torch() -> str:
    return _trajectory_differs(
        lambda ps: Adam(ps, lr=0.05), lambda torch, ps: torch.optim.Adam(ps, lr=0.05), "torch.optim.Adam"
    )


CHECKS = {"torch-adam-trajectory": _adam_differs_from_torch}

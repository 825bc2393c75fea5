"""l2-as-adamw: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

from ....optim import AdamW
from ...shared.modules import _trajectory_differs


def _adamw_differs_from_torch() -> str:
    found = _trajectory_differs(
        lambda ps: AdamW(ps, lr=0.05, weight_decay=0.1),
        lambda torch, ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.1),
        "torch.optim.AdamW",
    )
    if found and not _trajectory_differs(
        lambda ps: AdamW(ps, lr=0.05, weight_decay=0.1),
        lambda torch, ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.1),
        "torch.optim.Adam",
    ):
        found += ", and match torch.optim.Adam(weight_decay=0.1): an L2 penalty, not decoupled decay"
    return found


CHECKS = {"torch-adamw-trajectory": _adamw_differs_from_torch}

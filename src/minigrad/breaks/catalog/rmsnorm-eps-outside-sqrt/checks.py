"""rmsnorm-eps-outside-sqrt: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import numpy as np

from ....engine import no_grad
from ....messages import text
from ....nn import RMSNorm
from ...shared.modules import _differs, _torch, _worst, leaf

RMS_WEIGHT = np.array([0.5, 1.5, -1.0, 2.0])


def _rmsnorm_differs_from_torch() -> str:
    """torch.nn.RMSNorm(eps=1e-6) and minigrad's with the same weight, on a batch with an all-zero row."""
    torch = _torch()
    x_data = np.random.default_rng(631).standard_normal((3, 4))
    x_data[2] = 0.0
    upstream = np.random.default_rng(632).standard_normal((3, 4))
    mine = RMSNorm(4, eps=1e-6)
    assert mine.weight is not None
    with no_grad():
        mine.weight.copy_(RMS_WEIGHT)
    x = leaf(x_data)
    y = mine(x)
    (y * upstream).sum().backward()
    theirs = torch.nn.RMSNorm(4, eps=1e-6, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(RMS_WEIGHT))
    tx = torch.tensor(x_data, requires_grad=True)
    theirs(tx).backward(torch.from_numpy(upstream))
    ty = theirs(tx).detach().numpy()
    assert mine.weight.grad is not None
    compared = {
        text("lab.check.rms_output"): (y.data, ty),
        "x.grad": (x.grad, tx.grad.numpy()),
        "weight.grad": (mine.weight.grad, theirs.weight.grad.numpy()),
    }
    problems = [
        text("lab.check.rms_problem", name=n, diff=_worst(a, b)) for n, (a, b) in compared.items() if _differs(a, b)
    ]
    return text("lab.check.rmsnorm", problems=", ".join(problems)) if problems else ""


CHECKS = {"torch-rmsnorm": _rmsnorm_differs_from_torch}

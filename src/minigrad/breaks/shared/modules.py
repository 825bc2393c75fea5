"""What several breaks of the modules family share in their probes and checks.

Breaks in modules and optimizers (``minigrad/nn``, ``minigrad/optim``): normalization, dropout, residuals,
Adam and AdamW, and ``zero_grad``.

Gradient checks test how a function is differentiated.  These bugs change *which* function a layer computes,
or what an optimizer does with a correct gradient, so finite differences mostly stay silent: a broken layer
is still differentiated correctly.  Each break therefore brings its own check against PyTorch's module or
optimizer (PyTorch is imported only when the check runs), and a probe that crosschecks the layer where
PyTorch has a functional counterpart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...messages import text
from ...optim import Optimizer
from ...tensor import Tensor
from ..core import Probe


def leaf(data: Any) -> Tensor:
    """A float64 tensor that requires grad."""
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


def const(data: Any) -> Tensor:
    """A float64 tensor that does not require grad (a weight held fixed, a target)."""
    return Tensor(np.asarray(data, dtype=np.float64))


Array = np.ndarray[Any, np.dtype[np.float64]]


def _torch() -> Any:
    """PyTorch, imported on first use; without it the check is skipped, saying how to install it."""
    from ..case_diagnostics import lab_torch

    return lab_torch()


def _differs(mine: Any, theirs: Any, tol: float = 1e-9) -> bool:
    """Elementwise ``|mine - theirs| > tol * (1 + |theirs|)`` anywhere; NaN always differs."""
    return not np.allclose(np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float), rtol=tol, atol=tol)


def _worst(mine: Any, theirs: Any) -> float:
    return float(np.max(np.abs(np.asarray(mine, dtype=float) - np.asarray(theirs, dtype=float))))


DROPOUT_P = 0.5
LSQ_A = np.random.default_rng(501).standard_normal((6, 3))
LSQ_B = np.random.default_rng(502).standard_normal((6,))
LSQ_START = np.random.default_rng(503).standard_normal((3,))


def _least_squares(p: Tensor) -> Tensor:
    """``0.5 * |A p - b|**2``: convex, one minimum at the least-squares solution."""
    r = const(LSQ_A) @ p - const(LSQ_B)
    return (r * r).sum() * 0.5


def _probe_least_squares(F: Any, p: Any, a: Any, b: Any) -> Any:
    r = a @ p - b
    return r * r


OPTIMIZER_PROBE = Probe(_probe_least_squares, (LSQ_START, LSQ_A, LSQ_B))


def _trajectory_differs(
    make_mine: Callable[[list[Tensor]], Optimizer],
    make_theirs: Callable[[Any, list[Any]], Any],
    name: str,
    steps: int = 5,
) -> str:
    """Run minigrad's and torch's optimizer on the least-squares problem in float64; '' if they agree at 1e-10."""
    torch = _torch()
    p = leaf(LSQ_START)
    mine = make_mine([p])
    tp = torch.tensor(LSQ_START, requires_grad=True)
    theirs = make_theirs(torch, [tp])
    a, b = torch.from_numpy(LSQ_A), torch.from_numpy(LSQ_B)
    for step in range(1, steps + 1):
        mine.zero_grad()
        _least_squares(p).backward()
        mine.step()
        theirs.zero_grad()
        r = a @ tp - b
        ((r * r).sum() * 0.5).backward()
        theirs.step()
        ref = tp.detach().numpy()
        if _differs(p.data, ref, tol=1e-10):
            return text("lab.check.optimizer_trajectory", step=step, name=name, diff=_worst(p.data, ref))
    return ""

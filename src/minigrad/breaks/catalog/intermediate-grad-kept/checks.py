"""intermediate-grad-kept: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import numpy as np

from ....messages import text
from ....tensor import Tensor
from ...shared.learner_engine import leaf


def _tensor_trunk() -> tuple[Tensor, Tensor]:
    x = leaf(np.random.default_rng(1).standard_normal((3, 4)))
    return x, (x * np.random.default_rng(2).standard_normal((3, 4))).tanh()


def _tensor_second_backward_differs() -> bool | str:
    """Fires when a second backward through a retained graph, after zeroing the leaf, gives another gradient."""
    x, h = _tensor_trunk()
    loss = (h * np.random.default_rng(3).standard_normal((3, 4))).sum()
    loss.backward(retain_graph=True)
    assert x.grad is not None
    first = x.grad.copy()
    x.zero_grad()
    loss.backward()
    assert x.grad is not None
    if np.allclose(x.grad, first, rtol=1e-12, atol=0):
        return False
    return text("lab.check.second_backward_times", times=float(np.mean(x.grad / first)))


CHECKS = {"second-backward-same": _tensor_second_backward_differs}

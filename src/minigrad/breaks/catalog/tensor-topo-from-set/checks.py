"""tensor-topo-from-set: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ....messages import text
from ....tensor import Tensor
from ...shared.learner_engine import _tensor_deep_reuse, leaf, wrong_runs


def const(data: Any) -> Tensor:
    """A float64 tensor that does not require grad (a weight held fixed, a target)."""
    return Tensor(np.asarray(data, dtype=np.float64))


def _tensor_deep_graph_wrong_runs() -> bool | str:
    """Fires when the deep reuse graph, built afresh 20 times, gets a wrong gradient in any run; says how often."""
    x_data, w_data = np.random.default_rng(1).standard_normal((3, 4)), np.random.default_rng(2).standard_normal((3, 4))
    h = np.tanh(x_data * w_data)
    slope = (1 - h * h) * w_data  # by hand: the chain rule through h -> (h**2 + h) / 2, six times
    for _ in range(6):
        slope = slope * (2 * h + 1) * 0.5
        h = (h * h + h) * 0.5

    def wrong() -> bool:
        x = leaf(x_data)
        _tensor_deep_reuse(x, const(w_data)).sum().backward()
        return x.grad is None or not np.allclose(x.grad, slope, rtol=1e-9)

    failed = wrong_runs(wrong)
    return text("lab.check.tensor_topo", failed=failed) if failed else False


CHECKS = {"fresh-graph-repeats": _tensor_deep_graph_wrong_runs}

"""value-topo-from-set: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import math
from typing import Any

from ....messages import text
from ....scalar import Value
from ...shared.learner_engine import wrong_runs

Observation = dict[str, Any]


def _value_deep_graph() -> Observation:
    a, b = Value(0.3), Value(-0.7)
    h = (a * b).tanh()
    for _ in range(6):  # every level reads the one below three times
        h = h * h + h
    h.backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _value_deep_graph_wrong_runs() -> bool | str:
    """Fires when the deep reuse graph, built afresh 20 times, gets a wrong gradient in any run; says how often."""
    reference = _value_deep_graph_reference()
    failed = wrong_runs(lambda: not math.isclose(_value_deep_graph()["a.grad"], reference, rel_tol=1e-9))
    return text("lab.check.value_topo", failed=failed) if failed else False


def _value_deep_graph_reference() -> float:
    """d/da of the deep reuse graph by hand: the chain rule through h -> h**2 + h, six times."""
    a, b = 0.3, -0.7
    h = math.tanh(a * b)
    slope = (1 - h * h) * b
    for _ in range(6):
        slope *= 2 * h + 1
        h = h * h + h
    return slope


CHECKS = {"fresh-graph-repeats": _value_deep_graph_wrong_runs}

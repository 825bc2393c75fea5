"""exponential-walk: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

from ....scalar import Value
from ...shared.learner_engine import count_walk_expansions

SQUARINGS = 12  # y = y * y twelve times: 13 nodes, 8,191 paths


def _walk_revisits() -> bool | str:
    """Fires when backward expands some node more than once (a walk that follows every path, not every node)."""
    y = Value(1.0)
    for _ in range(SQUARINGS):
        y = y * y
    expansions = count_walk_expansions(y)
    y.backward()
    nodes = SQUARINGS + 1
    return f"backward expanded {expansions[0]} nodes for a graph of {nodes}" if expansions[0] > nodes else False


CHECKS = {"walk-visits": _walk_revisits}

"""The engine-specific notes of two breaks, measured: minigrad's engine against a micrograd-style one.

``micrograd_style.Node`` (written for these tests) keeps a ``.grad`` on every node and never frees its
graph.  The numbers the pages state come from here; each is also derived by hand below.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from micrograd_style import Node

from minigrad import Tensor
from minigrad.breaks import all_breaks, inject

X0, V, U = 0.5, 1.5, -0.7
DTANH = 1.0 - math.tanh(X0) ** 2


def _central_difference(f: object, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)  # type: ignore[operator]


def test_the_micrograd_style_engine_is_right_in_topological_order() -> None:
    def value(x: float) -> float:
        h = math.tanh(x)
        return (x + math.exp(x)) * V + h * V + h * U

    x = Node(X0)
    h = x.tanh()
    ((x + x.exp()) * V + h * V + h * U).backward()
    assert x.grad == pytest.approx(_central_difference(value, X0), rel=1e-7)


def test_no_topological_order_minigrad_drops_a_leafs_late_contribution_micrograd_style_does_not() -> None:
    with inject("no-topological-order"):
        x = Tensor(np.array([X0]), requires_grad=True)
        ((x + x.exp()) * V).sum().backward()
    assert x.grad is not None and x.grad[0] == pytest.approx(V)  # the exp branch's V * exp(x) is lost
    node = Node(X0)
    ((node + node.exp()) * V).backward("discovery")
    assert node.grad == pytest.approx(V * (1 + math.exp(X0)))  # the leaf adds both, in any order


def test_no_topological_order_on_a_diamond_in_the_micrograd_style_numbers_of_the_page() -> None:
    right = DTANH * (V + U)
    for walk, want in (("discovery", DTANH * V), ("recursive", DTANH * (2 * V + U))):
        x = Node(X0)
        h = x.tanh()
        (h * V + h * U).backward(walk)
        assert x.grad == pytest.approx(want)
    note = all_breaks()["no-topological-order"].engine_note
    assert note is not None
    assert f"{DTANH * V / right:.3f}" == "1.875" and "1.875" in note.en and "1.875" in note.es
    assert f"{DTANH * (2 * V + U) / right:.3f}" == "2.875" and "2.875" in note.en and "2.875" in note.es


@pytest.mark.parametrize("ops", [1, 2, 3, 5])
def test_graph_not_freed_doubles_in_minigrad_and_multiplies_by_n_plus_1_in_the_micrograd_style(ops: int) -> None:
    factors = [2.0, 3.0, 4.0, 5.0, 6.0][:ops]
    with inject("graph-not-freed"):
        x = Tensor(np.array([X0]), requires_grad=True)
        y = x
        for f in factors:
            y = y * f
        y.sum().backward()
        first = x.grad.copy() if x.grad is not None else None
        y.sum().backward()
    assert first is not None and x.grad is not None and x.grad[0] == pytest.approx(2 * first[0])
    node = Node(X0)
    out = node
    for f in factors:
        out = out * f
    out.backward()
    once = node.grad
    out.backward()
    # Each intermediate k ops below the output held g_k after the first call; the second adds k-fold more.
    assert node.grad == pytest.approx((ops + 1) * once)


def test_both_pages_mark_their_observations_as_engine_specific() -> None:
    for break_id in ("no-topological-order", "graph-not-freed"):
        note = all_breaks()[break_id].engine_note
        assert note is not None and "micrograd" in note.en and "micrograd" in note.es
    assert "4 times on a 3-op chain" in all_breaks()["graph-not-freed"].engine_note.en  # type: ignore[union-attr]


def test_topo_not_reversed_minigrad_loses_every_leaf_the_value_engine_keeps_the_roots_direct_inputs() -> None:
    """The numbers of tensor-topo-not-reversed's engine note: minigrad's Tensor against the micrograd-style Value."""
    from minigrad.scalar import Value

    with inject("tensor-topo-not-reversed"):
        x = Tensor(np.array([0.8, -1.5, 2.0]), requires_grad=True)
        x.sum().backward()
    assert x.grad is None  # even one op: the leaf is walked before the sum hands it anything
    with inject("value-topo-not-reversed"):
        a, b = Value(0.8), Value(-1.5)
        (a * b).backward()
        assert (a.grad, b.grad) == (-1.5, 0.8)
        a, b = Value(0.8), Value(-1.5)
        (a * b).tanh().backward()
        assert (a.grad, b.grad) == (0.0, 0.0)
        a, b = Value(2.0), Value(3.0)
        (a * b + a).backward()
        assert (a.grad, b.grad) == (1.0, 0.0)
    note = all_breaks()["tensor-topo-not-reversed"].engine_note
    assert note is not None and "micrograd" in note.en and "micrograd" in note.es
    for number in ("-1.5", "0.8", "a.grad = 1.0", "4.0", "b.grad = 0.0"):
        assert number in note.en and number in note.es

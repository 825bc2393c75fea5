"""Engine bugs found in learners' own engines (issue 9), as breaks of minigrad's engine, Tensor and Value.

Each break reproduces, in minigrad's code, a bug seen in engines that learners
published: gradients kept on intermediate nodes across backward passes, a
graph walk without a visited set or in set order, a root never seeded, integer
data with an integer gradient.  Bugs whose effect depends on Python's set
iteration order have a case that repeats the computation with fresh objects
and reports how many runs went wrong, next to a hand-derived oracle.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ...engine import GraphFreedError
from ...optim import SGD
from ...scalar import Value
from ...tensor import Tensor
from ..core import BreakCode, CaseCode, Expect, Probe
from ._support import SAME, WRONG_VALUES, Observation, const, grads, leaf, normal, raises

REPEATS = 50  # fresh graphs per order-sensitive case


def wrong_runs(run: Callable[[], bool], repeats: int = REPEATS) -> int:
    """How many of ``repeats`` runs, each on freshly built objects, gave a wrong result (``run()`` is True)."""
    return sum(bool(run()) for _ in range(repeats))


def _value_grads(**values: Value) -> Observation:
    return {f"{name}.grad": v.grad for name, v in values.items()}


# --------------------------------------------------------------------------- value-grad-not-reset


def _value_neuron() -> tuple[Value, Value, Value]:
    a, b = Value(0.8), Value(-1.5)
    h = (a * b).tanh()
    return a, b, h * h + h  # h is an intermediate node used twice


def _value_one_backward() -> Observation:
    a, b, loss = _value_neuron()
    loss.backward()
    return _value_grads(a=a, b=b)


def _value_second_backward_leaves_zeroed() -> Observation:
    a, b, loss = _value_neuron()
    loss.backward()
    a.grad = b.grad = 0.0  # what an optimizer's zero_grad() does: it knows only the parameters
    loss.backward()
    return _value_grads(a=a, b=b)


def _value_second_backward_all_zeroed() -> Observation:
    a, b, loss = _value_neuron()
    loss.backward()
    loss.zero_grad()  # zeroes every node of the graph, intermediates included
    loss.backward()
    return _value_grads(a=a, b=b)


def _value_second_backward_differs() -> bool | str:
    """Fires when a second backward on the same graph, after zeroing the leaves, gives other gradients."""
    a, b, loss = _value_neuron()
    loss.backward()
    first = (a.grad, b.grad)
    a.grad = b.grad = 0.0
    loss.backward()
    if math.isclose(a.grad, first[0], rel_tol=1e-12) and math.isclose(b.grad, first[1], rel_tol=1e-12):
        return False
    second = f"a.grad = {a.grad:.6g}, b.grad = {b.grad:.6g}"
    return f"second backward gave {second}; the first gave {first[0]:.6g}, {first[1]:.6g}"


def _probe_value_reuse(F: Any, a: Any, b: Any) -> Any:
    h = (a * b).tanh()
    return h * h + h


VALUE_GRAD_NOT_RESET = BreakCode(
    "value-grad-not-reset",
    cases=(
        CaseCode("one-backward", _value_one_backward, SAME),
        CaseCode("second-backward-leaves-zeroed", _value_second_backward_leaves_zeroed, WRONG_VALUES),
        CaseCode("second-backward-all-zeroed", _value_second_backward_all_zeroed, SAME),
    ),
    probe=Probe(_probe_value_reuse, (0.8, -1.5), scalar=True),
    checks={"second-backward-same": _value_second_backward_differs},
)


# --------------------------------------------------------------------------- intermediate-grad-kept


def _tensor_trunk() -> tuple[Tensor, Tensor]:
    x = leaf(normal(1, 3, 4))
    return x, (x * normal(2, 3, 4)).tanh()


def _tensor_one_backward() -> Observation:
    x, h = _tensor_trunk()
    (h * normal(3, 3, 4)).sum().backward()
    return grads(x=x)


def _tensor_second_backward_retained() -> Observation:
    x, h = _tensor_trunk()
    loss = (h * normal(3, 3, 4)).sum()
    loss.backward(retain_graph=True)
    x.zero_grad()
    loss.backward()
    return grads(x=x)


def _tensor_two_heads() -> Observation:
    x, h = _tensor_trunk()
    shared = h * 2.0  # an intermediate that both heads read
    (shared * normal(3, 3, 4)).sum().backward(retain_graph=True)  # head 1
    (shared * normal(4, 3, 4)).sum().backward()  # head 2: x.grad must be the sum of both heads' gradients
    return grads(x=x)


def _tensor_second_backward_freed() -> Observation:
    x, h = _tensor_trunk()
    loss = (h * normal(3, 3, 4)).sum()
    loss.backward()
    x.zero_grad()
    return {"second backward refused": raises(loss.backward, GraphFreedError)}


def _tensor_second_backward_differs() -> bool | str:
    """Fires when a second backward through a retained graph, after zeroing the leaf, gives another gradient."""
    x, h = _tensor_trunk()
    loss = (h * normal(3, 3, 4)).sum()
    loss.backward(retain_graph=True)
    assert x.grad is not None
    first = x.grad.copy()
    x.zero_grad()
    loss.backward()
    assert x.grad is not None
    if np.allclose(x.grad, first, rtol=1e-12, atol=0):
        return False
    return f"second backward gave x.grad {float(np.mean(x.grad / first)):.3g} times the first on average"


def _probe_tanh_mul(F: Any, x: Any, w: Any) -> Any:
    return F.tanh(x * w)


INTERMEDIATE_GRAD_KEPT = BreakCode(
    "intermediate-grad-kept",
    cases=(
        CaseCode("one-backward", _tensor_one_backward, SAME),
        CaseCode("second-backward-retained", _tensor_second_backward_retained, WRONG_VALUES),
        CaseCode("two-heads", _tensor_two_heads, WRONG_VALUES),
        CaseCode("second-backward-freed", _tensor_second_backward_freed, SAME),
    ),
    probe=Probe(_probe_tanh_mul, (normal(301, 3, 4), normal(302, 3, 4))),
    checks={"second-backward-same": _tensor_second_backward_differs},
)


# --------------------------------------------------------------------------- value-topo-no-visited


def _value_chain() -> Observation:
    a, b = Value(0.8), Value(-1.5)
    ((a * b).tanh().exp()).backward()
    return _value_grads(a=a, b=b)


def _value_leaf_squared() -> Observation:
    a = Value(0.8)
    (a * a).backward()
    return _value_grads(a=a)


def _value_node_squared() -> Observation:
    a = Value(0.8)
    h = a.tanh()
    (h * h).backward()  # h is reached twice from the root
    return _value_grads(a=a)


def _value_diamond() -> Observation:
    a = Value(0.8)
    h = a.tanh()
    (h * 2.0 + h.exp()).backward()
    return _value_grads(a=a)


def _value_deep_reuse(a: Any, b: Any) -> Any:
    h = (a * b).tanh()
    for _ in range(6):  # every level reads the one below three times
        h = h * h + h
    return h


def _probe_value_deep_reuse(F: Any, a: Any, b: Any) -> Any:
    return _value_deep_reuse(a, b)


VALUE_TOPO_NO_VISITED = BreakCode(
    "value-topo-no-visited",
    cases=(
        CaseCode("chain", _value_chain, SAME),
        CaseCode("leaf-squared", _value_leaf_squared, SAME),
        CaseCode("node-squared", _value_node_squared, WRONG_VALUES, expect=Expect("a.grad", factor=2.0)),
        CaseCode("diamond", _value_diamond, WRONG_VALUES),
    ),
    probe=Probe(_probe_value_deep_reuse, (0.3, -0.7), scalar=True),
)


# --------------------------------------------------------------------------- value-topo-from-set


def _value_one_op() -> Observation:
    a, b = Value(0.8), Value(-1.5)
    (a * b).backward()
    return _value_grads(a=a, b=b)


def _value_small_graph_wrong() -> bool:
    a, b = Value(0.8), Value(-1.5)
    h = (a * b).tanh()
    (h * h + h.exp()).backward()
    t = math.tanh(0.8 * -1.5)  # hand-derived: dL/da = (2h + e**h) (1 - h**2) b
    return not math.isclose(a.grad, (2 * t + math.exp(t)) * (1 - t * t) * -1.5, rel_tol=1e-12)


def _value_small_graph_repeated() -> Observation:
    return {f"wrong runs (of {REPEATS})": wrong_runs(_value_small_graph_wrong)}


def _value_deep_graph() -> Observation:
    a, b = Value(0.3), Value(-0.7)
    _value_deep_reuse(a, b).backward()
    return _value_grads(a=a, b=b)


def _value_deep_graph_wrong_runs() -> bool | str:
    """Fires when the deep reuse graph, built afresh 20 times, gets a wrong gradient in any run; says how often."""
    reference = _value_deep_graph_reference()
    failed = wrong_runs(lambda: not math.isclose(_value_deep_graph()["a.grad"], reference, rel_tol=1e-9), 20)
    return f"{failed} of 20 runs with fresh Values gave a wrong a.grad" if failed else False


def _value_deep_graph_reference() -> float:
    """d/da of the deep reuse graph by hand: the chain rule through h -> h**2 + h, six times."""
    a, b = 0.3, -0.7
    h = math.tanh(a * b)
    slope = (1 - h * h) * b
    for _ in range(6):
        slope *= 2 * h + 1
        h = h * h + h
    return slope


VALUE_TOPO_FROM_SET = BreakCode(
    "value-topo-from-set",
    cases=(
        CaseCode("one-op", _value_one_op, SAME),
        CaseCode("small-graph-repeated", _value_small_graph_repeated, WRONG_VALUES),
        CaseCode("deep-graph", _value_deep_graph, WRONG_VALUES),
    ),
    probe=Probe(_probe_value_deep_reuse, (0.3, -0.7), scalar=True),
    checks={"fresh-graph-repeats": _value_deep_graph_wrong_runs},
)


# --------------------------------------------------------------------------- tensor-topo-from-set


def _tensor_chain_wrong() -> bool:
    x = leaf(normal(1, 3))
    x.tanh().exp().backward(normal(3, 3))  # by hand: dL/dx = g * exp(tanh(x)) * (1 - tanh(x)**2)
    t = np.tanh(normal(1, 3))
    return x.grad is None or not np.allclose(x.grad, normal(3, 3) * np.exp(t) * (1 - t * t), rtol=1e-12)


def _tensor_chain_repeated() -> Observation:
    return {f"wrong runs (of {REPEATS})": wrong_runs(_tensor_chain_wrong)}


def _tensor_reuse_wrong() -> bool:
    x, v = leaf(normal(1, 3, 4)), normal(2, 3, 4)
    ((x + x.exp()) * v).sum().backward()
    return x.grad is None or not np.allclose(x.grad, v * (1 + np.exp(normal(1, 3, 4))), rtol=1e-12)


def _tensor_reuse_repeated() -> Observation:
    return {f"wrong runs (of {REPEATS})": wrong_runs(_tensor_reuse_wrong)}


def _tensor_deep_reuse(x: Any, w: Any) -> Any:
    h = (x * w).tanh()
    for _ in range(6):  # every level reads the one below three times; the 0.5 keeps h in (-1, 1)
        h = (h * h + h) * 0.5
    return h


def _tensor_deep_graph() -> Observation:
    x, w = leaf(normal(1, 3, 4)), leaf(normal(2, 3, 4))
    _tensor_deep_reuse(x, w).sum().backward()
    return grads(x=x, w=w)


def _tensor_deep_graph_wrong_runs() -> bool | str:
    """Fires when the deep reuse graph, built afresh 20 times, gets a wrong gradient in any run; says how often."""
    x_data, w_data = normal(1, 3, 4), normal(2, 3, 4)
    h = np.tanh(x_data * w_data)
    slope = (1 - h * h) * w_data  # by hand: the chain rule through h -> (h**2 + h) / 2, six times
    for _ in range(6):
        slope = slope * (2 * h + 1) * 0.5
        h = (h * h + h) * 0.5

    def wrong() -> bool:
        x = leaf(x_data)
        _tensor_deep_reuse(x, const(w_data)).sum().backward()
        return x.grad is None or not np.allclose(x.grad, slope, rtol=1e-9)

    failed = wrong_runs(wrong, 20)
    return f"{failed} of 20 runs with fresh tensors gave a wrong x.grad" if failed else False


def _probe_tensor_deep_reuse(F: Any, x: Any, w: Any) -> Any:
    return _tensor_deep_reuse(x, w)


TENSOR_TOPO_FROM_SET = BreakCode(
    "tensor-topo-from-set",
    cases=(
        CaseCode("chain-repeated", _tensor_chain_repeated, SAME | WRONG_VALUES),
        CaseCode("reuse-repeated", _tensor_reuse_repeated, WRONG_VALUES),
        CaseCode("deep-graph", _tensor_deep_graph, WRONG_VALUES),
    ),
    probe=Probe(_probe_tensor_deep_reuse, (normal(311, 3, 4), normal(312, 3, 4))),
    checks={"fresh-graph-repeats": _tensor_deep_graph_wrong_runs},
)


# --------------------------------------------------------------------------- backward-seeded-with-zeros


def _scalar_loss_backward() -> Observation:
    x = leaf(normal(1, 3, 4))
    ((x * normal(2, 3, 4)).tanh()).sum().backward()
    return grads(x=x)


def _explicit_upstream() -> Observation:
    x = leaf(normal(1, 3, 4))
    (x * normal(2, 3, 4)).tanh().backward(normal(3, 3, 4))  # the seed is the given gradient
    return grads(x=x)


def _sgd_step() -> Observation:
    w = leaf(normal(1, 3))
    optimizer = SGD([w], lr=0.1)
    loss = ((w - const(normal(2, 3))) ** 2).sum()
    loss.backward()
    optimizer.step()
    return {"w after one step": w.data.copy()}


def _seed_differs() -> bool | str:
    """Fires when loss.backward() on a one-element loss differs from loss.backward(1.0)."""
    x = leaf(normal(1, 3))
    (x * normal(2, 3)).sum().backward()
    implicit = x.grad
    x = leaf(normal(1, 3))
    (x * normal(2, 3)).sum().backward(np.ones(()))
    if implicit is not None and np.allclose(implicit, x.grad, rtol=1e-12, atol=0):  # type: ignore[arg-type]
        return False
    return f"loss.backward() gave x.grad = {implicit}, loss.backward(1.0) gave {x.grad}"


BACKWARD_SEEDED_WITH_ZEROS = BreakCode(
    "backward-seeded-with-zeros",
    cases=(
        CaseCode("scalar-loss-backward", _scalar_loss_backward, WRONG_VALUES, expect=Expect("x.grad", factor=0.0)),
        CaseCode("explicit-upstream", _explicit_upstream, SAME),
        CaseCode("sgd-step", _sgd_step, WRONG_VALUES),
    ),
    probe=Probe(_probe_tanh_mul, (normal(321, 3, 4), normal(322, 3, 4))),
    checks={"implicit-seed": _seed_differs},
)


# --------------------------------------------------------------------------- value-root-not-seeded


def _value_product() -> Observation:
    a, b = Value(0.8), Value(-1.5)
    (a * b).backward()
    return _value_grads(a=a, b=b)


def _value_neuron_backward() -> Observation:
    a, b, loss = _value_neuron()
    loss.backward()
    return _value_grads(a=a, b=b)


def _value_dead_relu() -> Observation:
    a = Value(-0.8)
    (a * 2.0).relu().backward()  # a negative pre-activation: the true gradient is 0 anyway
    return _value_grads(a=a)


VALUE_ROOT_NOT_SEEDED = BreakCode(
    "value-root-not-seeded",
    cases=(
        CaseCode("product", _value_product, WRONG_VALUES, expect=Expect("a.grad", factor=0.0)),
        CaseCode("neuron", _value_neuron_backward, WRONG_VALUES),
        CaseCode("dead-relu", _value_dead_relu, SAME),
    ),
    probe=Probe(_probe_value_reuse, (0.8, -1.5), scalar=True),
)


# --------------------------------------------------------------------------- integer-grad-truncated


def _float_data() -> Observation:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * const([0.5, 1.7, -2.5])).sum().backward()
    return grads(x=x)


def _integer_leaf(data: list[int]) -> Observation:
    try:
        x = Tensor(data, requires_grad=True)
    except TypeError:
        return {"integer tensor refused": True, "x.grad": None, "x.grad is integer": False}
    (x * const([0.5, 1.7, -2.5])).sum().backward()  # dL/dx = [0.5, 1.7, -2.5]
    assert x.grad is not None
    return {"integer tensor refused": False, "x.grad": x.grad.copy(), "x.grad is integer": x.grad.dtype.kind in "iu"}


def _integer_data() -> Observation:
    return _integer_leaf([1, 2, 3])


def _integer_leaf_accepted() -> bool | str:
    """Fires when an integer tensor may require grad; says what its gradient became."""
    try:
        x = Tensor([1, 2, 3], requires_grad=True)
    except TypeError:
        return False
    (x * const([0.5, 1.7, -2.5])).sum().backward()
    return f"Tensor([1, 2, 3], requires_grad=True) accepted; gradient of x * [0.5, 1.7, -2.5] came out as {x.grad!r}"


INTEGER_GRAD_TRUNCATED = BreakCode(
    "integer-grad-truncated",
    cases=(
        CaseCode("float-data", _float_data, SAME),
        CaseCode("integer-data", _integer_data, WRONG_VALUES),
    ),
    probe=Probe(_probe_tanh_mul, (normal(331, 3, 4), normal(332, 3, 4))),
    checks={"integer-leaf": _integer_leaf_accepted},
)


BREAKS = [
    VALUE_GRAD_NOT_RESET,
    INTERMEDIATE_GRAD_KEPT,
    VALUE_TOPO_NO_VISITED,
    VALUE_TOPO_FROM_SET,
    TENSOR_TOPO_FROM_SET,
    BACKWARD_SEEDED_WITH_ZEROS,
    VALUE_ROOT_NOT_SEEDED,
    INTEGER_GRAD_TRUNCATED,
]

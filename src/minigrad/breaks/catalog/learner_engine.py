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
from ._support import SAME, WRONG_VALUES, Observation, const, leaf, normal

CHECK_REPEATS = 20  # fresh graphs per run of an order-sensitive break's own check


def wrong_runs(run: Callable[[], bool], repeats: int = CHECK_REPEATS) -> int:
    """How many of ``repeats`` runs, each on freshly built objects, gave a wrong result (``run()`` is True)."""
    return sum(bool(run()) for _ in range(repeats))


# --------------------------------------------------------------------------- value-grad-not-reset


def _value_neuron() -> tuple[Value, Value, Value]:
    a, b = Value(0.8), Value(-1.5)
    h = (a * b).tanh()
    return a, b, h * h + h  # h is an intermediate node used twice


def _value_one_backward() -> Observation:
    a, b = Value(0.8), Value(-1.5)
    h = (a * b).tanh()
    (h * h + h).backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _value_second_backward_leaves_zeroed() -> Observation:
    a, b = Value(0.8), Value(-1.5)
    h = (a * b).tanh()
    loss = h * h + h
    loss.backward()
    a.grad = b.grad = 0.0  # what an optimizer's zero_grad() does: it knows only the parameters
    loss.backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _value_second_backward_all_zeroed() -> Observation:
    a, b = Value(0.8), Value(-1.5)
    h = (a * b).tanh()
    loss = h * h + h
    loss.backward()
    loss.zero_grad()  # zeroes every node of the graph, intermediates included
    loss.backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


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
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = np.random.default_rng(2).standard_normal((3, 4))
    v = np.random.default_rng(3).standard_normal((3, 4))
    ((x * w).tanh() * v).sum().backward()
    return {"x.grad": x.grad}


def _tensor_second_backward_retained() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = np.random.default_rng(2).standard_normal((3, 4))
    v = np.random.default_rng(3).standard_normal((3, 4))
    loss = ((x * w).tanh() * v).sum()
    loss.backward(retain_graph=True)
    x.zero_grad()
    loss.backward()
    return {"x.grad": x.grad}


def _tensor_two_heads() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = np.random.default_rng(2).standard_normal((3, 4))
    v = np.random.default_rng(3).standard_normal((3, 4))
    u = np.random.default_rng(4).standard_normal((3, 4))
    shared = (x * w).tanh() * 2.0  # an intermediate that both heads read
    (shared * v).sum().backward(retain_graph=True)  # head 1
    (shared * u).sum().backward()  # head 2: x.grad must be the sum of both heads' gradients
    return {"x.grad": x.grad}


def _tensor_second_backward_freed() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = np.random.default_rng(2).standard_normal((3, 4))
    v = np.random.default_rng(3).standard_normal((3, 4))
    loss = ((x * w).tanh() * v).sum()
    loss.backward()
    x.zero_grad()
    try:
        loss.backward()
        refused = False
    except GraphFreedError:  # the graph was freed by the first backward
        refused = True
    return {"second backward refused": refused}


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
    return {"a.grad": a.grad, "b.grad": b.grad}


def _value_leaf_squared() -> Observation:
    a = Value(0.8)
    (a * a).backward()
    return {"a.grad": a.grad}


def _value_node_squared() -> Observation:
    a = Value(0.8)
    h = a.tanh()
    (h * h).backward()  # h is reached twice from the root
    return {"a.grad": a.grad}


def _value_diamond() -> Observation:
    a = Value(0.8)
    h = a.tanh()
    (h * 2.0 + h.exp()).backward()
    return {"a.grad": a.grad}


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
    return {"a.grad": a.grad, "b.grad": b.grad}


def _value_small_graph_repeated() -> Observation:
    t = math.tanh(0.8 * -1.5)
    right = (2 * t + math.exp(t)) * (1 - t * t) * -1.5  # by hand: dL/da = (2h + e**h) (1 - h**2) b
    wrong = 0
    for _ in range(50):  # fresh Values each time: new memory addresses, so a new set order
        a, b = Value(0.8), Value(-1.5)
        h = (a * b).tanh()
        (h * h + h.exp()).backward()
        wrong += not math.isclose(a.grad, right, rel_tol=1e-12)
    return {"wrong runs (of 50)": wrong}


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


def _tensor_reuse_repeated() -> Observation:
    x_data = np.random.default_rng(1).standard_normal((3, 4))
    v = np.random.default_rng(2).standard_normal((3, 4))
    right = v * (1 + np.exp(x_data))  # by hand: d/dx sum((x + exp(x)) * v)
    wrong = 0
    for _ in range(50):  # fresh tensors each time: new memory addresses, so a new set order
        x = Tensor(x_data, requires_grad=True)
        ((x + x.exp()) * v).sum().backward()
        wrong += x.grad is None or not np.allclose(x.grad, right, rtol=1e-12)
    return {"wrong runs (of 50)": wrong}


def _tensor_deep_reuse(x: Any, w: Any) -> Any:
    h = (x * w).tanh()
    for _ in range(6):  # every level reads the one below three times; the 0.5 keeps h in (-1, 1)
        h = (h * h + h) * 0.5
    return h


def _tensor_deep_graph() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    h = (x * w).tanh()
    for _ in range(6):  # every level reads the one below three times; the 0.5 keeps h in (-1, 1)
        h = (h * h + h) * 0.5
    h.sum().backward()
    return {"x.grad": x.grad, "w.grad": w.grad}


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

    failed = wrong_runs(wrong)
    return f"{failed} of 20 runs with fresh tensors gave a wrong x.grad" if failed else False


def _probe_tensor_deep_reuse(F: Any, x: Any, w: Any) -> Any:
    return _tensor_deep_reuse(x, w)


TENSOR_TOPO_FROM_SET = BreakCode(
    "tensor-topo-from-set",
    cases=(
        CaseCode("reuse-repeated", _tensor_reuse_repeated, WRONG_VALUES),
        CaseCode("deep-graph", _tensor_deep_graph, WRONG_VALUES),
    ),
    probe=Probe(_probe_tensor_deep_reuse, (normal(311, 3, 4), normal(312, 3, 4))),
    checks={"fresh-graph-repeats": _tensor_deep_graph_wrong_runs},
)


# --------------------------------------------------------------------------- backward-seeded-with-zeros


def _scalar_loss_backward() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = np.random.default_rng(2).standard_normal((3, 4))
    (x * w).tanh().sum().backward()
    return {"x.grad": x.grad}


def _explicit_upstream() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = np.random.default_rng(2).standard_normal((3, 4))
    g = np.random.default_rng(3).standard_normal((3, 4))
    (x * w).tanh().backward(g)  # the seed is the given gradient
    return {"x.grad": x.grad}


def _sgd_step() -> Observation:
    w = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    target = np.random.default_rng(2).standard_normal(3)
    optimizer = SGD([w], lr=0.1)
    ((w - target) ** 2).sum().backward()
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
    return {"a.grad": a.grad, "b.grad": b.grad}


def _value_neuron_backward() -> Observation:
    a, b = Value(0.8), Value(-1.5)
    h = (a * b).tanh()
    (h * h + h).backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _value_dead_relu() -> Observation:
    a = Value(-0.8)
    (a * 2.0).relu().backward()  # a negative pre-activation: the true gradient is 0 anyway
    return {"a.grad": a.grad}


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
    (x * np.array([0.5, 1.7, -2.5])).sum().backward()
    return {"x.grad": x.grad}


def _integer_data() -> Observation:
    refused, grad = False, None
    try:
        x = Tensor([1, 2, 3], requires_grad=True)
    except TypeError:  # correct code: only floating point tensors can require gradients
        refused = True
    if not refused:
        (x * np.array([0.5, 1.7, -2.5])).sum().backward()  # dL/dx = [0.5, 1.7, -2.5]
        grad = x.grad
    return {"integer tensor refused": refused, "x.grad": grad}


def _integer_leaf_accepted() -> bool | str:
    """Fires when an integer tensor may require grad; says what its gradient became."""
    try:
        x = Tensor([1, 2, 3], requires_grad=True)
    except TypeError:
        return False
    (x * np.array([0.5, 1.7, -2.5])).sum().backward()
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

"""Breaks in the engine itself (``minigrad/engine.py``): accumulation, ordering, depth, freeing, guards."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np

from ...engine import GraphFreedError, no_grad
from ...optim.clip import clip_grad_norm_
from ...tensor import Tensor
from ..core import BreakCode, CaseCode, Expect, Probe
from ._support import CRASH, SAME, WRONG_VALUES, Observation, const, leaf, normal, raises

# --------------------------------------------------------------------------- accumulate-overwrite


def _each_tensor_used_once() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    ((x * w).tanh() * v).sum().backward()
    return {"x.grad": x.grad, "w.grad": w.grad}


def _x_times_x() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    (x * x * v).sum().backward()  # d/dx sum(x * x * v) = 2 * x * v
    return {"x.grad": x.grad}


def _diamond() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    u = np.random.default_rng(4).standard_normal((3, 4))
    h = x.tanh()  # h feeds two branches: its gradient is the sum of both
    (h * v + h.exp() * u).sum().backward()
    return {"x.grad": x.grad}


def _probe_reuse(F: Any, x: Any, w: Any) -> Any:
    return (x * x + F.tanh(x)) * w


ACCUMULATE_OVERWRITE = BreakCode(
    "accumulate-overwrite",
    cases=(
        CaseCode("each-tensor-used-once", _each_tensor_used_once, SAME),
        CaseCode("x-times-x", _x_times_x, WRONG_VALUES, expect=Expect("x.grad", factor=0.5)),
        CaseCode("diamond", _diamond, WRONG_VALUES),
    ),
    probe=Probe(_probe_reuse, (normal(11, 3, 4), normal(12, 3, 4))),
)


# --------------------------------------------------------------------------- no-topological-order


def _tree() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    ((x * w).tanh().exp() * v).sum().backward()  # a chain: every tensor feeds exactly one op
    return {"x.grad": x.grad, "w.grad": w.grad}


def _two_uses_in_one_op() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    (x * x * v).sum().backward()
    return {"x.grad": x.grad}


def _x_plus_exp_x() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    ((x + x.exp()) * v).sum().backward()  # x is found as an input of + before exp(x) has run
    return {"x.grad": x.grad}


def _symmetric_diamond() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    u = np.random.default_rng(4).standard_normal((3, 4))
    h = x.tanh()
    ((h * v).sum() + (h * u).sum()).backward()
    return {"x.grad": x.grad}


def _probe_x_plus_exp_x(F: Any, x: Any, w: Any) -> Any:
    return (x + F.exp(x)) * w


NO_TOPOLOGICAL_ORDER = BreakCode(
    "no-topological-order",
    cases=(
        CaseCode("tree", _tree, SAME),
        CaseCode("two-uses-in-one-op", _two_uses_in_one_op, SAME),
        CaseCode("x-plus-exp-x", _x_plus_exp_x, WRONG_VALUES),
        CaseCode("symmetric-diamond", _symmetric_diamond, WRONG_VALUES),
    ),
    probe=Probe(_probe_x_plus_exp_x, (normal(21, 3, 4), normal(22, 3, 4))),
)


# --------------------------------------------------------------------------- recursive-walk


def _small_network() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    w = Tensor(np.random.default_rng(2).standard_normal((3, 5)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((4, 5))
    ((x @ w).tanh() * v).sum().backward()
    return {"x.grad": x.grad, "w.grad": w.grad}


def _chain_of_300() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    h = x
    for _ in range(300):
        h = h * 0.999
    (h * v).sum().backward()
    return {"x.grad": x.grad}


def _chain_of_5000() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    h = x
    for _ in range(5000):  # well past Python's default recursion limit of 1,000, like an RNN over a long sequence
        h = h * 0.999
    (h * v).sum().backward()
    return {"x.grad": x.grad}


def _deep_chain_fails() -> bool:
    """Fires when backpropagating through a chain of 5,000 ops hits Python's recursion limit."""
    x = leaf(np.ones(2))
    h = x
    for _ in range(5000):
        h = h * 0.999
    return raises(lambda: h.sum().backward(), RecursionError)


def _probe_small(F: Any, x: Any, w: Any) -> Any:
    return F.tanh(x @ w)


RECURSIVE_WALK = BreakCode(
    "recursive-walk",
    cases=(
        CaseCode("small-network", _small_network, SAME),
        CaseCode("chain-of-300", _chain_of_300, SAME),
        CaseCode("chain-of-5000", _chain_of_5000, CRASH),
    ),
    probe=Probe(_probe_small, (normal(31, 4, 3), normal(32, 3, 5))),
    checks={"deep-chain": _deep_chain_fails},
)


# --------------------------------------------------------------------------- graph-not-freed


def _one_backward() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = np.random.default_rng(2).standard_normal((3, 4))
    (x * w).tanh().sum().backward()
    return {"x.grad": x.grad}


def _second_backward() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = np.random.default_rng(2).standard_normal((3, 4))
    loss = (x * w).tanh().sum()
    loss.backward()
    try:
        loss.backward()  # the correct engine refuses: the graph is gone
        refused = False
    except GraphFreedError:
        refused = True
    return {"second backward refused": refused, "x.grad": x.grad}


def _intermediate_kept_alive() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((300, 400)), requires_grad=True)
    h = (x * 2.0).tanh()
    loss = h.sum()
    tanh_output = weakref.ref(h)  # a reference that does not keep it alive
    del h  # from here on only the graph (and the loss holding it) can keep the tanh output alive
    loss.backward()
    gc.collect()
    return {"tanh output still alive after backward": tanh_output() is not None}


def _second_backward_succeeds() -> bool:
    """Fires when a second backward() without retain_graph=True does not raise."""
    x = leaf(normal(1, 3))
    loss = (x * x).sum()
    loss.backward()
    return not raises(loss.backward, GraphFreedError)


def _probe_tanh_mul(F: Any, x: Any, w: Any) -> Any:
    return F.tanh(x * w)


GRAPH_NOT_FREED = BreakCode(
    "graph-not-freed",
    cases=(
        CaseCode("one-backward", _one_backward, SAME),
        CaseCode("second-backward", _second_backward, WRONG_VALUES, expect=Expect("x.grad", factor=2.0)),
        CaseCode("intermediate-kept-alive", _intermediate_kept_alive, WRONG_VALUES),
    ),
    probe=Probe(_probe_tanh_mul, (normal(41, 3, 4), normal(42, 3, 4))),
    checks={"second-backward": _second_backward_succeeds},
)


# --------------------------------------------------------------------------- inplace-guard-off


def _update_after_backward() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    c = Tensor(np.random.default_rng(2).standard_normal(3))
    (x * c).sum().backward()
    c.add_(1.0)  # after backward: nothing is waiting to read c
    return {"x.grad": x.grad}


def _update_between_forward_and_backward() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    c = Tensor(np.random.default_rng(2).standard_normal(3))
    loss = (x * c).sum()  # mul saves c: dL/dx = c
    c.add_(1.0)  # in place, before backward
    try:
        loss.backward()
        refused = False
    except RuntimeError:
        refused = True
    return {"backward refused": refused, "x.grad": x.grad}


def _output_changed_before_backward() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(2).standard_normal(3)
    y = x.exp()  # exp's backward reads its own output: dL/dx = g * exp(x)
    with no_grad():
        y.mul_(2.0)
    try:
        (y * v).sum().backward()
        refused = False
    except RuntimeError:
        refused = True
    return {"backward refused": refused, "x.grad": x.grad}


def _version_guard_silent() -> bool:
    """Fires when an in-place change of a saved tensor between forward and backward raises no error."""
    x, c = leaf(normal(1, 3)), const(normal(2, 3))
    loss = (x * c).sum()
    c.mul_(3.0)
    return not raises(loss.backward, RuntimeError)


def _probe_mul(F: Any, x: Any, w: Any) -> Any:
    return x * w


INPLACE_GUARD_OFF = BreakCode(
    "inplace-guard-off",
    cases=(
        CaseCode("update-after-backward", _update_after_backward, SAME),
        CaseCode("update-between-forward-and-backward", _update_between_forward_and_backward, WRONG_VALUES),
        CaseCode("output-changed-before-backward", _output_changed_before_backward, WRONG_VALUES),
    ),
    probe=Probe(_probe_mul, (normal(51, 3, 4), normal(52, 3, 4))),
    checks={"version-guard": _version_guard_silent},
)


# --------------------------------------------------------------------------- grad-aliasing


def _clip_after_mul() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    w = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
    g = np.random.default_rng(3).standard_normal(3)
    (x * w).backward(g)
    clip_grad_norm_([x, w], max_norm=0.5)  # scales every .grad in place
    return {"x.grad": x.grad, "w.grad": w.grad}


def _clip_after_add() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
    g = np.random.default_rng(3).standard_normal(3)
    (a + b).backward(g)  # add hands the same array g to both inputs
    clip_grad_norm_([a, b], max_norm=0.5)
    return {"a.grad": a.grad, "b.grad": b.grad}


def _accumulate_two_batches() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
    g1 = np.random.default_rng(3).standard_normal(3)
    g2 = np.random.default_rng(4).standard_normal(3)
    (a + b).backward(g1)  # micro-batch 1
    (a + b).backward(g2)  # micro-batch 2: .grad accumulates (+=) in place
    return {"a.grad": a.grad, "b.grad": b.grad}


def _accumulate_after_column_sums() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal((2, 3)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    ((a + b).sum(axis=0) * v).sum().backward()  # sum(axis=0) spreads g back with np.broadcast_to: a read-only view
    ((a + b).sum(axis=0) * v).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _grads_share_memory() -> bool:
    """Fires when an in-place change of one leaf's .grad changes another leaf's .grad."""
    a, b = leaf(normal(1, 3)), leaf(normal(2, 3))
    (a + b).backward(normal(3, 3))
    assert a.grad is not None and b.grad is not None
    before = np.array(b.grad)
    if not a.grad.flags.writeable:
        return True  # a .grad nobody may update in place is not owned by its tensor either
    a.grad *= 0.5
    return not np.array_equal(b.grad, before)


ALIASING_PROBE_INPUTS = (normal(61, 3, 4), normal(62, 3, 4))


def _probe_add(F: Any, a: Any, b: Any) -> Any:
    return F.tanh(a + b)


GRAD_ALIASING = BreakCode(
    "grad-aliasing",
    cases=(
        CaseCode("clip-after-mul", _clip_after_mul, SAME),
        CaseCode("clip-after-add", _clip_after_add, WRONG_VALUES),
        CaseCode("accumulate-two-batches", _accumulate_two_batches, WRONG_VALUES),
        CaseCode("accumulate-after-column-sums", _accumulate_after_column_sums, CRASH),
    ),
    probe=Probe(_probe_add, ALIASING_PROBE_INPUTS),
    checks={"grad-ownership": _grads_share_memory},
)


BREAKS = [
    ACCUMULATE_OVERWRITE,
    NO_TOPOLOGICAL_ORDER,
    RECURSIVE_WALK,
    GRAPH_NOT_FREED,
    INPLACE_GUARD_OFF,
    GRAD_ALIASING,
]

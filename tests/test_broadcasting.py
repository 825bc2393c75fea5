"""The broadcasting zoo: every elementwise binary op, both operand orders, many shape pairs.

Each case is cross-checked against PyTorch float64 (forward and both
gradients, random upstream gradient), and every leaf's ``grad.shape`` must be
its ``data.shape``.  Then the engine's shape guard: a deliberately wrong
backward rule must be caught with a message that says what to sum.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from oracles import assert_leaf_grads_have_leaf_shapes, check_against_torch, rng_for, sample

import minigrad
from minigrad import Tensor
from minigrad.tensor import result
from minigrad.unbroadcast import unbroadcast

SHAPE_PAIRS = [
    ((3,), (4, 3)),
    ((3, 1), (3, 5)),
    ((1,), (2, 3)),
    ((), (2, 3)),
    ((2, 1, 4), (3, 1)),
    ((5, 1, 1), (1, 4, 1)),
    ((4, 1), (1, 5)),
    ((2, 3), (2, 3)),  # no broadcasting at all: the control case
    ((1, 1), ()),
]

# name -> (minigrad op, torch op, domain of the left operand, domain of the right operand)
BINARY_OPS: dict[str, tuple[Callable[..., Any], Callable[..., Any], str, str]] = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, "real", "real"),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, "real", "real"),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, "real", "real"),
    "div": (lambda a, b: a / b, lambda a, b: a / b, "real", "nonzero"),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, "positive", "real"),
    "maximum": (minigrad.maximum, torch.maximum, "real", "real"),
    "minimum": (minigrad.minimum, torch.minimum, "real", "real"),
}


def _cases() -> list[Any]:
    cases = []
    for op in BINARY_OPS:
        for left, right in SHAPE_PAIRS:
            for order, (sa, sb) in (("ab", (left, right)), ("ba", (right, left))):
                cases.append(pytest.param(op, sa, sb, id=f"{op}-{sa}&{sb}-{order}"))
    return cases


@pytest.mark.parametrize("op,shape_a,shape_b", _cases())
def test_binary_op_broadcasts_like_torch(op: str, shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    mg_op, th_op, dom_a, dom_b = BINARY_OPS[op]
    name = f"{op}{shape_a}{shape_b}"
    rng = rng_for(name)
    a, b = sample(rng, shape_a, dom_a), sample(rng, shape_b, dom_b)
    out, (ta, tb) = check_against_torch(mg_op, th_op, [a, b], seed=name)
    assert out.shape == np.broadcast_shapes(shape_a, shape_b)
    assert ta.grad is not None and ta.grad.shape == shape_a
    assert tb.grad is not None and tb.grad.shape == shape_b


def _where_cases() -> list[Any]:
    cases = []
    for left, right in SHAPE_PAIRS:
        for order, (sa, sb) in (("ab", (left, right)), ("ba", (right, left))):
            for cond_kind in ("full", "row"):
                cases.append(pytest.param(sa, sb, cond_kind, id=f"where-{sa}&{sb}-{order}-cond-{cond_kind}"))
    return cases


@pytest.mark.parametrize("shape_a,shape_b,cond_kind", _where_cases())
def test_where_broadcasts_both_branches_like_torch(
    shape_a: tuple[int, ...], shape_b: tuple[int, ...], cond_kind: str
) -> None:
    name = f"where{shape_a}{shape_b}{cond_kind}"
    rng = rng_for(name)
    out_shape = np.broadcast_shapes(shape_a, shape_b)
    # The condition either has the full output shape or only its last axis (it broadcasts too).
    cond_shape = out_shape if cond_kind == "full" else out_shape[-1:]
    cond = rng.random(cond_shape) > 0.5
    a, b = sample(rng, shape_a), sample(rng, shape_b)
    out, (ta, tb) = check_against_torch(
        lambda x, y: minigrad.where(cond, x, y),
        lambda x, y: torch.where(torch.from_numpy(cond), x, y),
        [a, b],
        seed=name,
    )
    assert out.shape == np.broadcast_shapes(cond_shape, shape_a, shape_b)
    assert ta.grad is not None and ta.grad.shape == shape_a
    assert tb.grad is not None and tb.grad.shape == shape_b


@pytest.mark.parametrize("left,right", SHAPE_PAIRS, ids=[f"{a}&{b}" for a, b in SHAPE_PAIRS])
def test_chain_of_broadcasting_ops_keeps_every_leaf_grad_shape(left: tuple[int, ...], right: tuple[int, ...]) -> None:
    """Several broadcasting ops in one graph, with a leaf used by more than one of them."""
    rng = rng_for(f"chain{left}{right}")
    a, b = sample(rng, left), sample(rng, right, "nonzero")

    def mg_fn(x: Any, y: Any) -> Any:
        return minigrad.maximum(x * y, x - y) / y + x

    def th_fn(x: Any, y: Any) -> Any:
        return torch.maximum(x * y, x - y) / y + x

    _, leaves = check_against_torch(mg_fn, th_fn, [a, b], seed=f"chain{left}{right}")
    assert_leaf_grads_have_leaf_shapes(leaves)


# --------------------------------------------------------------------------- the shape guard


def _add_without_unbroadcast(a: Tensor, b: Tensor) -> Tensor:
    """``a + b`` whose backward forgets to sum over broadcast axes: the classic bug."""

    def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return g, g

    return result(a.data + b.data, "add", (a, b), backward)


@pytest.mark.parametrize(
    "shape_a,shape_b,index,grad_shape,bad_shape,advice",
    [
        ((3,), (4, 3), 0, (4, 3), (3,), "sum over axis 0 (unbroadcast)"),
        ((3, 1), (3, 5), 0, (3, 5), (3, 1), "sum over axis 1 (unbroadcast)"),
        ((4, 3), (3,), 1, (4, 3), (3,), "sum over axis 0 (unbroadcast)"),
        ((3, 5), (3, 1), 1, (3, 5), (3, 1), "sum over axis 1 (unbroadcast)"),
        ((2, 1, 4), (3, 1), 1, (2, 3, 4), (3, 1), "sum over axes 0, 2 (unbroadcast)"),
        ((2, 1, 4), (3, 1), 0, (2, 3, 4), (2, 1, 4), "sum over axis 1 (unbroadcast)"),
        ((), (2, 3), 0, (2, 3), (), "sum over axes 0, 1 (unbroadcast)"),
    ],
)
def test_shape_guard_names_op_input_shapes_and_axes_to_sum(
    shape_a: tuple[int, ...],
    shape_b: tuple[int, ...],
    index: int,
    grad_shape: tuple[int, ...],
    bad_shape: tuple[int, ...],
    advice: str,
) -> None:
    rng = np.random.default_rng(0)
    # Input 0 is checked first, so to reach input 1's message input 0 is a constant.
    a = Tensor(rng.standard_normal(shape_a), requires_grad=index == 0)
    b = Tensor(rng.standard_normal(shape_b), requires_grad=True)
    out = _add_without_unbroadcast(a, b)
    expected = f"add: gradient for input {index} has shape {grad_shape} but the input has shape {bad_shape}: {advice}"
    with pytest.raises(minigrad.GradShapeError) as info:
        out.backward(rng.standard_normal(out.shape))
    assert str(info.value) == expected


def test_shape_guard_message_example_from_the_spec() -> None:
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones((4, 3)), requires_grad=True)
    with pytest.raises(minigrad.GradShapeError, match=r"^add: gradient for input 0 has shape \(4, 3\) but the input "):
        _add_without_unbroadcast(a, b).sum().backward()
    assert a.grad is None and b.grad is None  # the check fires before anything is stored


def test_shape_guard_error_is_a_value_error_and_names_an_impossible_reduction() -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True)

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        return (g.T,)  # a wrong rule whose shape cannot come from broadcasting at all

    out = result(a.data * 2.0, "twice", (a,), backward)
    with pytest.raises(
        ValueError, match=r"twice: gradient for input 0 has shape \(3, 2\) but the input has shape \(2, 3\)"
    ):
        out.backward(np.ones((2, 3)))
    assert issubclass(minigrad.GradShapeError, ValueError)


def test_shape_check_off_lets_the_wrong_rule_through() -> None:
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones((4, 3)), requires_grad=True)
    with minigrad.shape_check(False):
        _add_without_unbroadcast(a, b).sum().backward()
    # Nothing guarded it: the bug is now silent, and a's gradient has the output's shape.
    assert a.grad is not None and a.grad.shape == (4, 3)
    # The context manager restored the check.
    c = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(minigrad.GradShapeError):
        _add_without_unbroadcast(c, b).sum().backward()


def test_set_shape_check_returns_the_previous_value() -> None:
    assert minigrad.set_shape_check(False) is True
    try:
        assert minigrad.set_shape_check(False) is False
    finally:
        assert minigrad.set_shape_check(True) is False


def test_correct_rule_built_with_result_passes_the_guard() -> None:
    """The same hand-made op with unbroadcast in its rule gives the right gradients (hand-derived)."""
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)

    def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return unbroadcast(g, (3,)), unbroadcast(g, (4, 3))

    w = np.arange(12.0).reshape(4, 3) + 1.0
    result(a.data + b.data, "add", (a, b), backward).backward(w)
    np.testing.assert_array_equal(a.grad, w.sum(axis=0))  # [22, 26, 30]
    np.testing.assert_array_equal(a.grad, [22.0, 26.0, 30.0])
    np.testing.assert_array_equal(b.grad, w)

"""crosscheck: silent on correct expressions, firing on broken ops, naming the input and the element.

Broken ops are built with ``minigrad.tensor.result`` and swapped into
``minigrad.ops`` with ``monkeypatch`` (restored after each test), so the
same lambda runs the broken op through ``F.tanh``, ``x.tanh()`` or ``a + b``.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import minigrad
from minigrad import Tensor
from minigrad.diagnostics import CrosscheckError, crosscheck
from minigrad.ops import elementwise, reductions, shape
from minigrad.tensor import result

rng = np.random.default_rng(2024)
A, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))


# --------------------------------------------------------------------------- broken ops


def tanh_backward_uses_input(x: Tensor) -> Tensor:
    return result(np.tanh(x.data), "tanh", (x,), lambda g: (g * (1 - x.data**2),))


def mean_without_1_over_n(x: Tensor, axis: object = None, keepdims: bool = False, *, dim: object = None) -> Tensor:
    return result(np.asarray(x.data.mean()), "mean", (x,), lambda g: (np.broadcast_to(g, x.shape).copy(),))


def add_without_unbroadcast(a: object, b: object) -> Tensor:
    a, b = elementwise._pair(a, b)  # type: ignore[arg-type]
    return result(a.data + b.data, "add", (a, b), lambda g: (g, g))


def stack_with_swapped_gradients(tensors: list[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    first, second = tensors
    return result(np.stack([first.data, second.data]), "stack", (first, second), lambda g: (g[1], g[0]))


# --------------------------------------------------------------------------- silent on correct code

CORRECT = [
    ("softmax of a product (sum)", lambda F, x, y: F.softmax(x @ y, dim=-1).sum(), (A, B)),
    ("softmax of a product", lambda F, x, y: F.softmax(x @ y, dim=-1), (A, B)),
    ("log_softmax axis 0", lambda F, x: F.log_softmax(x, axis=0), (A,)),
    ("cross_entropy", lambda F, z, t: F.cross_entropy(z, t), (A, np.array([3, 0, 1]))),
    ("broadcasting add", lambda F, a, b: a + b, (A[0], B.T)),
    ("getitem with repeats", lambda F, x: x[[0, 2, 0]] * x[[1, 1, 1]], (A,)),
    ("reductions with dim and keepdim", lambda F, x: F.max(x, dim=1, keepdim=True) * F.mean(x, axis=0), (A,)),
    ("logsumexp all and var", lambda F, x: F.logsumexp(x) + F.var(x, dim=0), (A,)),
    (
        "maximum, where, cat, stack",
        lambda F, x, y: F.stack([F.maximum(x, y), F.where(x > y, x, y * 2.0)]),
        (A, A.T.T[::-1]),
    ),
    ("cat and gelu", lambda F, x, y: F.gelu(F.cat([x, y.T], dim=0)), (A, B)),
    ("mse_loss with a constant", lambda F, x: F.mse_loss(F.tanh(x), F.tensor(np.ones((3, 4)))), (A,)),
]


@pytest.mark.parametrize("case", CORRECT, ids=lambda c: c[0])
def test_crosscheck_passes_on_correct_expressions(case: tuple[str, object, tuple[np.ndarray, ...]]) -> None:
    _, fn, arrays = case
    result = crosscheck(fn, *arrays)  # type: ignore[arg-type]
    assert result.ok and result.error is None
    assert result.message.startswith("crosscheck passed")
    assert all(d.ok for d in result.items)
    assert len(result.gradients) == sum(np.asarray(a).dtype.kind == "f" for a in arrays)


def test_integer_arrays_are_constants_and_inputs_are_named_after_the_parameters() -> None:
    result = crosscheck(
        lambda F, logits, targets: F.cross_entropy(logits, targets, reduction="sum"), A, np.array([1, 2, 0])
    )
    assert [d.item for d in result.gradients] == ["grad of input 0 (logits)"]
    assert "grad of input 0 (logits)" in str(result)


def test_namespace_accepts_dim_or_axis_but_not_both() -> None:
    assert crosscheck(lambda F, x: F.sum(x, axis=0) * F.sum(x, dim=0, keepdims=False), A).ok
    with pytest.raises(TypeError, match=r"F\.sum: give dim or axis, not both"):
        crosscheck(lambda F, x: F.sum(x, dim=0, axis=0), A)


# --------------------------------------------------------------------------- firing on broken code


def test_broken_tanh_backward_is_caught_naming_the_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(elementwise, "tanh", tanh_backward_uses_input)
    w = rng.standard_normal((3, 4))
    with pytest.raises(CrosscheckError) as info:
        crosscheck(lambda F, x: F.tanh(x) + x.tanh(), A, upstream=w)
    res = info.value.result
    assert res.output.ok and not res.ok
    grad = res.gradients[0]
    # hand-derived: minigrad gives 2 w (1 - x**2), the truth is 2 w (1 - tanh(x)**2)
    wrong, right = 2 * w * (1 - A**2), 2 * w * (1 - np.tanh(A) ** 2)
    worst = tuple(
        int(i) for i in np.unravel_index(np.argmax(np.abs(wrong - right) - 1e-7 * (1 + np.abs(right))), A.shape)
    )
    assert grad.worst_index == worst
    assert grad.minigrad == pytest.approx(wrong[worst], rel=1e-12)
    assert grad.torch == pytest.approx(right[worst], rel=1e-12)
    assert grad.max_abs == pytest.approx(np.max(np.abs(wrong - right)), rel=1e-9)
    message = str(info.value)
    assert f"grad of input 0 (x): max abs diff {grad.max_abs:.3g}" in message
    assert f"worst element {worst}" in message and "FAIL" in message
    assert isinstance(info.value, AssertionError)


def test_missing_1_over_n_is_caught_with_values_off_by_n(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reductions, "mean", mean_without_1_over_n)
    res = crosscheck(lambda F, x, y: (x @ y).mean(), A, B, raise_exception=False)
    assert not res.ok and res.output.ok
    assert [d.ok for d in res.gradients] == [False, False]
    for d in res.gradients:
        assert d.minigrad == pytest.approx(15 * d.torch, rel=1e-9)  # 3 x 5 outputs averaged
    assert res.message.startswith("crosscheck failed: grad of input 0 (x)") and "(and 1 more)" in res.message


def test_unreduced_broadcast_is_caught_by_the_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(elementwise, "add", add_without_unbroadcast)
    with pytest.raises(CrosscheckError) as info:
        crosscheck(lambda F, a, b: a + b, A, A[0])
    assert isinstance(info.value.result.error, minigrad.GradShapeError)
    assert isinstance(info.value.__cause__, minigrad.GradShapeError)
    assert "minigrad's backward() raised GradShapeError: add: gradient for input 1 has shape (3, 4)" in str(info.value)


def test_unreduced_broadcast_is_caught_with_the_guard_off_naming_the_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(elementwise, "add", add_without_unbroadcast)
    with minigrad.shape_check(False):
        res = crosscheck(lambda F, a, b: a + b, A, A[:, :1], raise_exception=False)
    assert [d.ok for d in res.gradients] == [True, False]
    assert res.gradients[1].note == "minigrad's shape is (3, 4), PyTorch's is (3, 1)"
    assert res.message == "crosscheck failed: grad of input 1 (b): minigrad's shape is (3, 4), PyTorch's is (3, 1)"


def test_a_uniform_upstream_hides_what_the_random_one_catches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shape, "stack", stack_with_swapped_gradients)
    fn = lambda F, x, y: F.stack([x, y])  # noqa: E731
    assert crosscheck(fn, A, A * 2, upstream=np.ones((2, 3, 4))).ok  # every gradient is 1: the swap is invisible
    res = crosscheck(fn, A, A * 2, raise_exception=False)
    assert [d.ok for d in res.gradients] == [False, False]


def test_a_wrong_forward_is_caught() -> None:
    def exp_off_by_a_bit(x: Tensor) -> Tensor:
        out = np.exp(x.data) + 1e-6
        return result(out, "exp", (x,), lambda g: (g * np.exp(x.data),))

    res = crosscheck(lambda F, x: exp_off_by_a_bit(x) if F.name == "minigrad" else F.exp(x), A, raise_exception=False)
    assert not res.output.ok and res.output.max_abs == pytest.approx(1e-6, rel=1e-6)
    assert all(d.ok for d in res.gradients)
    assert res.message.startswith("crosscheck failed: output: max abs diff 1e-06")


# --------------------------------------------------------------------------- bad arguments and missing torch


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(ValueError, match=r"upstream has shape \(2,\) but fn's output has shape \(3, 4\)"):
        crosscheck(lambda F, x: x * 2.0, A, upstream=np.ones(2))
    with pytest.raises(TypeError, match="fn must return one minigrad Tensor"):
        crosscheck(lambda F, x: 3.0, A)
    with pytest.raises(ValueError, match="at least one input array"):
        crosscheck(lambda F: F.tensor(1.0))
    with pytest.raises(TypeError, match="input 0 has dtype <U1"):
        crosscheck(lambda F, x: x, np.array(["a"]))


def test_missing_torch_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match=r"uv sync --extra torch.*pip install minigrad\[torch\]"):
        crosscheck(lambda F, x: x, A)

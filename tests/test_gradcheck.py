"""gradcheck: silent on correct ops, firing on deliberately broken ones, and never touching the inputs.

Broken ops are built here with ``minigrad.tensor.result`` and a wrong backward
closure, so the engine itself stays correct.  Expected numbers come from
hand-derived derivatives and from a finite difference written in this file
on a NumPy-only forward, never from minigrad's backward.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import minigrad
from minigrad import Tensor
from minigrad.diagnostics import GradcheckError, gradcheck, gradcheck_report, gradgradcheck
from minigrad.scalar import Value
from minigrad.tensor import result


def leaf(rng: np.random.Generator, *shape: int, name: str = "") -> Tensor:
    t = Tensor(rng.standard_normal(shape), requires_grad=True)
    t.name = name
    return t


# --------------------------------------------------------------------------- broken ops


def tanh_backward_uses_input(x: Tensor) -> Tensor:
    """tanh whose backward uses the input (1 - x**2) instead of the output (1 - tanh(x)**2)."""
    out = np.tanh(x.data)
    return result(out, "tanh", (x,), lambda g: (g * (1 - x.data**2),))


def mean_without_1_over_n(x: Tensor) -> Tensor:
    """mean whose backward forgets the 1/N."""
    return result(np.asarray(x.data.mean()), "mean", (x,), lambda g: (np.broadcast_to(g, x.shape).copy(),))


def add_without_unbroadcast(a: Tensor, b: Tensor) -> Tensor:
    """a + b whose backward hands the output-shaped gradient to both inputs."""
    return result(a.data + b.data, "add", (a, b), lambda g: (g, g))


def value_mul_assigning(a: Value, b: Value) -> Value:
    """Value * Value whose backward assigns (=) instead of accumulating (+=), the phase 7 bug."""
    out = Value._node(a.data * b.data, "*", (a, b))

    def _backward() -> None:
        a.grad = b.data * out.grad
        b.grad = a.data * out.grad

    out._backward = _backward
    return out


# --------------------------------------------------------------------------- silent on correct code


def correct_cases() -> list[tuple[str, object, list[Tensor]]]:
    rng = np.random.default_rng(11)
    targets = np.array([2, 0, 1, 2])
    return [
        ("matmul", lambda a, b: a @ b, [leaf(rng, 3, 4, name="a"), leaf(rng, 4, 2, name="b")]),
        ("batched matmul broadcast", lambda a, b: a @ b, [leaf(rng, 2, 3, 4), leaf(rng, 4, 2)]),
        ("softmax", lambda x: x.softmax(-1), [leaf(rng, 3, 5)]),
        ("cross_entropy", lambda z: minigrad.functional.cross_entropy(z, targets), [leaf(rng, 4, 3)]),
        ("broadcasting add", lambda a, b: a + b, [leaf(rng, 3), leaf(rng, 4, 3)]),
        ("broadcasting mul, length-1 axis", lambda a, b: a * b, [leaf(rng, 3, 1), leaf(rng, 3, 5)]),
        ("getitem with repeats", lambda x: x[[0, 2, 0, 0]] * 1.5, [leaf(rng, 3, 2)]),
        ("mean over an axis", lambda x: x.mean(axis=0), [leaf(rng, 4, 3)]),
        ("tanh and exp", lambda x: (x.tanh() * x.exp()).sum(), [leaf(rng, 2, 3)]),
    ]


@pytest.mark.parametrize("case", correct_cases(), ids=lambda c: c[0])
def test_gradcheck_passes_on_correct_ops(case: tuple[str, object, list[Tensor]]) -> None:
    _, fn, inputs = case
    assert gradcheck(fn, inputs) is True  # type: ignore[arg-type]
    assert gradcheck(fn, inputs, fast=True) is True  # type: ignore[arg-type]
    report = gradcheck_report(fn, inputs)  # type: ignore[arg-type]
    assert report.ok and report.failures == [] and report.message.startswith("gradcheck passed")
    assert all(c.max_abs_error < 1e-6 for c in report.inputs)


def test_gradcheck_passes_on_correct_value_functions() -> None:
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    assert gradcheck(lambda x, y: (x * y + x.exp()).tanh() + (x * x + 1.0).log() - y / (x + 2.0), [x, y])
    assert gradcheck(lambda x, y: (x**3).relu() * y, [x, y])
    assert gradcheck(lambda x, y: (x**3).relu() * y, [x, y], fast=True)


def numpy_central_difference(f: object, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """An independent finite difference on a NumPy forward (coarser eps than gradcheck's)."""
    grad = np.zeros_like(x)
    for j in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp.flat[j] += eps
        xm.flat[j] -= eps
        grad.flat[j] = (f(xp) - f(xm)) / (2 * eps)  # type: ignore[operator]
    return grad


def test_numeric_gradient_agrees_with_independent_finite_differences() -> None:
    rng = np.random.default_rng(5)
    a, b = leaf(rng, 3, 4), leaf(rng, 4, 2)
    report = gradcheck_report(lambda a, b: (a @ b).tanh(), [a, b])
    w = report.upstream
    assert w is not None and w.shape == (3, 2) and np.unique(w).size == w.size  # random and non-uniform
    expected_a = numpy_central_difference(lambda x: np.sum(w * np.tanh(x @ b.data)), a.data.copy())
    expected_b = numpy_central_difference(lambda x: np.sum(w * np.tanh(a.data @ x)), b.data.copy())
    np.testing.assert_allclose(report.inputs[0].numeric_grad, expected_a, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(report.inputs[1].numeric_grad, expected_b, rtol=1e-6, atol=1e-8)


def test_numeric_gradient_matches_hand_derived_gradient_with_broadcasting() -> None:
    # L = sum(w * (a * b)), a (3, 1), b (3, 5): dL/da = sum_j w[:, j] b[:, j], dL/db = w * a
    rng = np.random.default_rng(6)
    a, b = leaf(rng, 3, 1), leaf(rng, 3, 5)
    report = gradcheck_report(lambda a, b: a * b, [a, b])
    w = report.upstream
    assert w is not None
    np.testing.assert_allclose(report.inputs[0].numeric_grad, (w * b.data).sum(axis=1, keepdims=True), rtol=1e-7)
    np.testing.assert_allclose(report.inputs[1].numeric_grad, w * a.data, rtol=1e-7)


# --------------------------------------------------------------------------- firing on broken code


def test_tanh_backward_using_input_is_caught_with_worst_element_and_values() -> None:
    x = Tensor(np.array([[0.2, -1.5, 0.9], [2.0, -0.3, 1.1]]), requires_grad=True)
    x.name = "x"
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: tanh_backward_uses_input(x).sum(), [x])
    # hand-derived: analytic 1 - x**2, true derivative 1 - tanh(x)**2; worst = widest miss of the tolerance
    wrong, right = 1 - x.data**2, 1 - np.tanh(x.data) ** 2
    margin = np.abs(wrong - right) - (1e-5 + 1e-3 * np.abs(right))
    worst = np.unravel_index(np.argmax(margin), x.shape)
    message = str(info.value)
    assert isinstance(info.value, AssertionError)
    assert "input 0 'x' (shape (2, 3))" in message
    assert f"element {tuple(int(i) for i in worst)}" in message
    analytic = float(re.search(r"analytic (\S+),", message).group(1))  # type: ignore[union-attr]
    numeric = float(re.search(r"numeric (\S+),", message).group(1))  # type: ignore[union-attr]
    assert analytic == pytest.approx(wrong[worst], rel=1e-9)
    assert numeric == pytest.approx(right[worst], rel=1e-6)
    assert f"error {abs(wrong[worst] - right[worst]):.3g} > tolerance" in message
    assert info.value.report.offenders == [x]


def test_mean_missing_1_over_n_is_caught_and_values_differ_by_n() -> None:
    x = leaf(np.random.default_rng(1), 4, 3, name="x")
    report = gradcheck_report(lambda x: mean_without_1_over_n(x), [x])
    assert not report.ok
    check = report.inputs[0]
    assert check.analytic == pytest.approx(1.0) and check.numeric == pytest.approx(1 / 12, rel=1e-6)
    assert "input 0 'x'" in report.message and "12 of 12 elements out of tolerance" in report.message
    assert gradcheck(lambda x: mean_without_1_over_n(x), [x], raise_exception=False) is False


def test_unreduced_broadcast_gradient_is_caught_by_the_engine_guard_inside_gradcheck() -> None:
    rng = np.random.default_rng(2)
    a, b = leaf(rng, 3, name="a"), leaf(rng, 4, 3, name="b")
    report = gradcheck_report(add_without_unbroadcast, [a, b])
    assert not report.ok and isinstance(report.error, minigrad.GradShapeError)
    assert "backward() raised GradShapeError: add: gradient for input 0 has shape (4, 3)" in report.message
    with pytest.raises(GradcheckError) as info:
        gradcheck(add_without_unbroadcast, [a, b])
    assert isinstance(info.value.__cause__, minigrad.GradShapeError)


def test_unreduced_broadcast_gradient_is_caught_with_the_guard_off() -> None:
    rng = np.random.default_rng(3)
    a, b = leaf(rng, 3, 1, name="a"), leaf(rng, 3, 5, name="b")
    with minigrad.shape_check(False):
        report = gradcheck_report(add_without_unbroadcast, [a, b])
    assert not report.ok and report.error is None
    assert [c.ok for c in report.inputs] == [False, True]
    assert report.inputs[0].note == (
        "analytic gradient has shape (3, 5) but the input has shape (3, 1): sum over axis 1 (unbroadcast)"
    )
    assert "input 0 'a' (shape (3, 1))" in report.message


def test_fast_mode_catches_a_broken_op_and_points_to_full_mode() -> None:
    x = leaf(np.random.default_rng(4), 3, 4, name="x")
    report = gradcheck_report(lambda x: tanh_backward_uses_input(x), [x], fast=True)
    assert not report.ok and report.inputs[0].worst_index is None
    assert "worst random direction" in report.message and "rerun with fast=False" in report.message


def test_broken_value_op_is_caught() -> None:
    a = Value(1.5, label="a")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a: value_mul_assigning(a, a), [a])  # d(a*a)/da = 2a = 3, assignment keeps only a
    message = str(info.value)
    assert "input 0 'a' (shape ())" in message and "element ()" in message
    assert "analytic 1.5, numeric " in message
    numeric = float(re.search(r"numeric (\S+),", message).group(1))  # type: ignore[union-attr]
    assert numeric == pytest.approx(3.0, rel=1e-8)
    assert a.data == 1.5 and a.grad == 0.0


def test_output_without_graph_is_caught() -> None:
    x = leaf(np.random.default_rng(8), 3)
    report = gradcheck_report(lambda x: (x * 2.0).detach().sum(), [x])
    assert not report.ok and report.inputs[0].analytic == 0.0 and report.inputs[0].numeric == pytest.approx(2.0)


# --------------------------------------------------------------------------- the inputs are left alone


def test_inputs_data_grads_dtypes_and_versions_are_restored() -> None:
    rng = np.random.default_rng(9)
    x = Tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    weight = leaf(rng, 3, 2)  # closed over, not an input: backward also reaches it
    x_array, x_copy = x.data, x.data.copy()
    x_grad = np.full((2, 3), 7.0, dtype=np.float32)
    weight_grad = np.arange(6.0).reshape(3, 2)
    x.grad, weight.grad = x_grad, weight_grad
    assert gradcheck(lambda x: (x @ weight).tanh(), [x], atol=1e-4)
    assert x.data is x_array and x.dtype == np.float32 and np.array_equal(x.data, x_copy)
    assert x._version == 0 and x.grad is x_grad and weight.grad is weight_grad
    assert np.all(x_grad == 7.0) and np.array_equal(weight_grad, np.arange(6.0).reshape(3, 2))


def test_post_accumulate_hooks_do_not_fire_during_the_check() -> None:
    x = leaf(np.random.default_rng(14), 3)
    calls: list[Tensor] = []
    x.register_post_accumulate_grad_hook(calls.append)
    assert gradcheck(lambda x: (x * x).sum(), [x])
    assert calls == []
    (x * x).sum().backward()  # and the hook is still registered afterwards
    assert calls == [x]


def test_an_ignored_input_reads_zero_not_its_old_grad() -> None:
    rng = np.random.default_rng(15)
    x, ignored = leaf(rng, 3), leaf(rng, 2)
    old = np.full(2, 4.0)
    ignored.grad = old
    report = gradcheck_report(lambda x, ignored: (x * x).sum(), [x, ignored])
    assert report.ok and np.array_equal(report.inputs[1].analytic_grad, np.zeros(2))
    assert ignored.grad is old


def test_inputs_are_restored_when_fn_raises_midway() -> None:
    x = leaf(np.random.default_rng(10), 4)
    original, copy = x.data, x.data.copy()
    calls = 0

    def flaky(x: Tensor) -> Tensor:
        nonlocal calls
        calls += 1
        if calls == 4:  # during the finite differences, with an element perturbed
            raise RuntimeError("boom")
        return x.exp().sum()

    with pytest.raises(RuntimeError, match="boom"):
        gradcheck(flaky, [x])
    assert x.data is original and np.array_equal(x.data, copy) and x.grad is None


def test_value_inputs_are_restored() -> None:
    a, b = Value(0.3, label="a"), Value(2.0)
    a.grad = 5.0
    assert gradcheck(lambda a, b: a * b + b.tanh(), [a, b])
    assert (a.data, a.grad, b.data, b.grad) == (0.3, 5.0, 2.0, 0.0)
    unused = Value(1.0, label="unused")
    unused.grad = 9.0  # an input fn ignores has derivative 0, whatever its old grad
    assert gradcheck(lambda a, unused: a * a, [a, unused])
    assert unused.grad == 9.0


def test_gradcheck_inside_no_grad_still_gets_a_graph() -> None:
    x = leaf(np.random.default_rng(12), 3)
    with minigrad.no_grad():
        assert gradcheck(lambda x: (x * x).sum(), [x])


# --------------------------------------------------------------------------- bad arguments


def test_bad_arguments_are_clear_errors() -> None:
    x = leaf(np.random.default_rng(13), 3)
    with pytest.raises(ValueError, match="no input to check"):
        gradcheck(lambda c: c.sum(), [Tensor([1.0, 2.0])])
    with pytest.raises(ValueError, match=r"input 0 is the result of an op \(grad_fn=<mul>\)"):
        gradcheck(lambda y: y.sum(), [x * 2.0])
    with pytest.raises(TypeError, match="mix Tensors and scalar Values"):
        gradcheck(lambda a, b: a, [x, Value(1.0)])
    with pytest.raises(ValueError, match="input 1 is the same object as input 0"):
        gradcheck(lambda a, b: (a * b).sum(), [x, x])
    with pytest.raises(ValueError, match="eps must be positive"):
        gradcheck(lambda y: y.sum(), [x], eps=0.0)
    with pytest.raises(TypeError, match="fn must return a minigrad Tensor"):
        gradcheck(lambda y: "nope", [x])


def test_gradgradcheck_says_why_it_is_missing() -> None:
    with pytest.raises(NotImplementedError, match="first-order gradients only"):
        gradgradcheck(lambda x: x, [Tensor([1.0], requires_grad=True)])

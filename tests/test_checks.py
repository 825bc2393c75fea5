"""The shape invariant and the engine's guards, from the user's side: silent on correct code, firing on bugs.

Covers ``check_grad_shapes`` (after backward), the engine's per-contribution
shape guard (``GradShapeError``, ``shape_check``), ``detect_anomaly`` and the
in-place version counter.  Broken ops are built with ``minigrad.tensor.result``.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import minigrad
from minigrad import GradShapeError, Tensor
from minigrad.diagnostics import check_grad_shapes, grad_shape_problems
from minigrad.tensor import result


def named(array: object, name: str) -> Tensor:
    t = Tensor(array, requires_grad=True)
    t.name = name
    return t


def add_without_unbroadcast(a: Tensor, b: Tensor) -> Tensor:
    return result(a.data + b.data, "add", (a, b), lambda g: (g, g))


def line_of(marker: str) -> int:
    """The line number in this file of the line that contains ``marker`` (a comment)."""
    lines = inspect.getsource(inspect.getmodule(line_of)).splitlines()  # type: ignore[arg-type]
    return next(i for i, text in enumerate(lines, 1) if marker in text and "line_of(" not in text)


# --------------------------------------------------------------------------- check_grad_shapes


def test_check_grad_shapes_is_silent_after_a_correct_backward() -> None:
    a, b = named(np.ones(3), "a"), named(np.ones((4, 3)), "b")
    ((a + b) * 2.0).sum().backward()
    assert check_grad_shapes([a, b]) is None
    assert check_grad_shapes({"a": a, "b": b}, require_grad=True) is None
    assert grad_shape_problems(a) == []


def test_check_grad_shapes_names_each_offender_with_shapes_and_axes() -> None:
    a, b = named(np.ones(3), "a"), named(np.ones((3, 1)), "b")
    c = named(np.ones((3, 5)), "c")
    with minigrad.shape_check(False):  # let the broken gradients through, to be found after the fact
        add_without_unbroadcast(a, named(np.ones((4, 3)), "")).sum().backward()
        add_without_unbroadcast(b, c).sum().backward()
    with pytest.raises(GradShapeError) as info:
        check_grad_shapes([a, b, c])
    message = str(info.value)
    assert "2 problems" in message
    assert "tensor 0 'a': grad shape (4, 3) but data shape (3,): sum over axis 0 (unbroadcast)" in message
    assert "tensor 1 'b': grad shape (3, 5) but data shape (3, 1): sum over axis 1 (unbroadcast)" in message
    assert "tensor 2" not in message


def test_check_grad_shapes_reports_dtype_and_missing_grads_when_asked() -> None:
    a, b = named(np.ones(2), "a"), named(np.ones(2), "")
    a._grad = np.ones(2, dtype=np.float32)  # past the checked .grad setter, as a faulty engine would write it
    with pytest.raises(
        GradShapeError, match=r"tensor 0 'a' \(shape \(2,\)\): grad dtype float32 but data dtype float64"
    ):
        check_grad_shapes([a, b])
    a.grad = np.ones(2)
    assert check_grad_shapes([a, b]) is None  # b.grad is None: skipped by default
    with pytest.raises(GradShapeError, match=r"tensor 1 \(shape \(2,\)\): grad is None"):
        check_grad_shapes([a, b], require_grad=True)


def test_check_grad_shapes_accepts_modules_and_mappings() -> None:
    w = named(np.ones((2, 3)), "")

    class Model:
        def parameters(self) -> list[Tensor]:
            return [w]

    w._grad = np.ones((4, 2, 3))  # past the checked .grad setter, as a faulty engine would write it
    with pytest.raises(
        GradShapeError, match=r"tensor 0: grad shape \(4, 2, 3\) but data shape \(2, 3\): sum over axis 0"
    ):
        check_grad_shapes(Model())
    w._grad = np.ones(3)  # smaller than the data: no sum can fix it
    with pytest.raises(GradShapeError, match=r"tensor 0 'layer.weight': grad shape \(3,\) .* backward rule is wrong"):
        check_grad_shapes({"layer.weight": w})
    with pytest.raises(TypeError, match="item 1 is a int, not a minigrad Tensor"):
        check_grad_shapes([w, 3])
    with pytest.raises(TypeError, match="expected a Tensor, an iterable"):
        check_grad_shapes(3.5)


# --------------------------------------------------------------------------- the engine's shape guard


def test_shape_guard_is_silent_on_correct_broadcasting() -> None:
    a, b = named(np.arange(3.0), "a"), named(np.ones((4, 3)), "b")
    (a + b).sum().backward()
    np.testing.assert_array_equal(a.grad, [4.0, 4.0, 4.0])  # hand-derived: 4 rows each add 1


def test_shape_guard_names_the_op_the_input_and_the_missing_sum() -> None:
    a, b = named(np.ones((3, 1)), "a"), named(np.ones((3, 5)), "b")
    with pytest.raises(GradShapeError) as info:
        add_without_unbroadcast(a, b).sum().backward()
    assert str(info.value) == (
        "add: gradient for input 0 has shape (3, 5) but the input has shape (3, 1): sum over axis 1 (unbroadcast)"
    )
    assert a.grad is None and b.grad is None  # refused before anything was stored


def test_shape_guard_off_lets_the_wrong_shape_through() -> None:
    a, b = named(np.ones((3, 1)), "a"), named(np.ones((3, 5)), "b")
    previous = minigrad.set_shape_check(False)
    try:
        add_without_unbroadcast(a, b).sum().backward()
    finally:
        minigrad.set_shape_check(previous)
    assert previous is True and a.grad is not None and a.grad.shape == (3, 5)


# --------------------------------------------------------------------------- detect_anomaly


def test_detect_anomaly_is_silent_on_finite_code() -> None:
    x = named(np.array([0.5, 1.0, 2.0]), "x")
    with minigrad.detect_anomaly():
        x.log().sum().backward()
    np.testing.assert_allclose(x.grad, 1 / np.array([0.5, 1.0, 2.0]), rtol=1e-15)


def test_detect_anomaly_names_the_forward_op_and_the_user_line() -> None:
    x = named(np.array([1.0, 0.0]), "x")
    with minigrad.detect_anomaly(), np.errstate(divide="ignore"), pytest.raises(minigrad.AnomalyError) as info:
        x.log()  # anomaly-forward-site
    message = str(info.value)
    assert message.startswith("detect_anomaly: log produced Inf in its forward output")
    assert f"test_checks.py:{line_of('anomaly-forward-site')} in test_detect_anomaly" in message
    assert "x.log()" in message


def test_detect_anomaly_names_the_backward_op_and_where_it_was_created() -> None:
    x = named(np.array([4.0, 0.0]), "x")
    with minigrad.detect_anomaly(), np.errstate(divide="ignore"):
        y = x.sqrt()  # anomaly-backward-site
        with pytest.raises(minigrad.AnomalyError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "the backward of sqrt produced a non-finite gradient for input 0 (shape (2,))" in message
    assert f"test_checks.py:{line_of('anomaly-backward-site')}" in message


def test_without_detect_anomaly_the_inf_passes_silently() -> None:
    x = named(np.array([4.0, 0.0]), "x")
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert x.grad is not None and x.grad[0] == 0.25 and np.isinf(x.grad[1])


# --------------------------------------------------------------------------- in-place version counter


def test_in_place_change_after_backward_is_fine() -> None:
    a, b = named(np.array([1.0, 2.0]), "a"), named(np.array([3.0, 5.0]), "b")
    (a * b).sum().backward()
    with minigrad.no_grad():
        b.add_(1.0)
    np.testing.assert_array_equal(a.grad, [3.0, 5.0])


def test_in_place_change_of_an_unsaved_input_is_fine() -> None:
    a, b = named(np.array([1.0, 2.0]), "a"), named(np.array([3.0, 5.0]), "b")
    out = (a + b).sum()  # add's backward reads no input array
    with minigrad.no_grad():
        b.mul_(2.0)
    out.backward()
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_in_place_change_of_a_saved_input_is_refused_at_backward() -> None:
    a, b = named(np.array([1.0, 2.0]), "a"), named(np.array([3.0, 5.0]), "b")
    out = (a * b).sum()
    with minigrad.no_grad():
        b.add_(1.0)
    with pytest.raises(RuntimeError) as info:
        out.backward()
    message = str(info.value)
    assert "input 1 of mul (shape (2,))" in message and "modified in place" in message
    assert "(version 0 -> 1)" in message and a.grad is None


def test_in_place_change_of_a_saved_output_is_refused_at_backward() -> None:
    x = named(np.array([0.0, 1.0]), "x")
    y = x.exp()
    out = y.sum()
    with minigrad.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError) as info:
        out.backward()
    assert "the output of exp (shape (2,))" in str(info.value) and "modified in place" in str(info.value)

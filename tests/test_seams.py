"""The seams the lab patches, proven equal to the tuned code that runs while they hold the textbook rule.

``engine.accumulate`` and ``optim.adam.adam_direction`` each have a tuned,
in-place copy that runs only while the seam's code is the original one.
Each test swaps in a fresh copy of the same textbook rule (a different code
object, so the engine or optimizer calls it) and checks that both paths give
the same numbers.  The ops' number fast paths (``t * 3.0``...) are checked
against their rule in ``minigrad.ops.rules`` applied to the number as an array.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import minigrad.engine as engine
from minigrad import Tensor
from minigrad.ops import rules
from minigrad.optim import adam as adam_module


@contextlib.contextmanager
def calling(seam: types.FunctionType, rule: Callable[..., Any]) -> Iterator[None]:
    """Run a block with ``seam``'s code replaced by ``rule``'s (as a break does)."""
    original = seam.__code__
    seam.__code__ = rule.__code__
    try:
        yield
    finally:
        seam.__code__ = original


def textbook_accumulate(total: Any, contribution: Any) -> Any:
    if total is None:
        return contribution
    return total + contribution


def textbook_direction(m: Any, v: Any, t: int, beta1: float, beta2: float, eps: float) -> Any:
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return m_hat / (np.sqrt(v_hat) + eps)


def _graph_grads(x_data: np.ndarray, w_data: np.ndarray, upstream: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A graph where x and w are used many times: x * x, a diamond, broadcasting and a 0-d intermediate."""
    x = Tensor(x_data, requires_grad=True)
    w = Tensor(w_data, requires_grad=True)
    h = (x * w).tanh()
    s = (h * h).sum()  # 0-d, used twice below
    y = h * x + h.exp() * w + x * s + s * s + x
    y.backward(upstream)
    assert x.grad is not None and w.grad is not None
    return x.grad, w.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3,), (4, 5), (2, 3, 4)])
def test_engine_in_place_accumulation_equals_accumulate(shape: tuple[int, ...], dtype: type) -> None:
    rng = np.random.default_rng(hash(shape) % 2**32)
    x = rng.normal(size=shape).astype(dtype)
    w = rng.normal(size=shape[-1:]).astype(dtype)  # broadcast along the leading axes
    upstream = rng.normal(size=shape).astype(dtype)
    tuned = _graph_grads(x, w, upstream)
    with calling(engine.accumulate, textbook_accumulate):
        seam = _graph_grads(x, w, upstream)
    for a, b in zip(tuned, seam):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(a, b)  # the same additions in the same order: bit for bit


def test_a_patched_accumulate_is_called() -> None:
    def overwrite(total: Any, contribution: Any) -> Any:
        return contribution

    x = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    with calling(engine.accumulate, overwrite):
        (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.5, -2.0])  # half of 2x: one contribution of two kept


def _adam_run(dtype: type, betas: tuple[float, float], weight_decay: float, decoupled: bool) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    params = [Tensor(rng.normal(size=s).astype(dtype), requires_grad=True) for s in [(4, 3), (3,), (2, 2, 2)]]
    cls = adam_module.AdamW if decoupled else adam_module.Adam
    opt = cls(params, lr=0.01, betas=betas, eps=1e-8, weight_decay=weight_decay)
    for step in range(6):
        for p in params:
            p.grad = rng.normal(size=p.shape).astype(dtype) * (step + 1)
        opt.step()
    return [p.data.copy() for p in params]


@pytest.mark.parametrize("decoupled", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.8), (0.0, 0.0)])
def test_adam_in_place_step_equals_adam_direction(betas: tuple[float, float], dtype: type, decoupled: bool) -> None:
    tuned = _adam_run(dtype, betas, 0.01, decoupled)
    with calling(adam_module.adam_direction, textbook_direction):
        seam = _adam_run(dtype, betas, 0.01, decoupled)
    rtol = 1e-12 if dtype == np.float64 else 1e-5  # reordered arithmetic: sqrt(v) / sqrt(1 - beta2**t)
    for a, b in zip(tuned, seam):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


def test_adam_direction_is_the_textbook_formula() -> None:
    """Hand-derived: one step from zero moments gives m_hat = g, v_hat = g**2: direction g / (|g| + eps)."""
    g = np.array([0.3, -2.0, 1e-3])
    m, v = 0.1 * g, 0.001 * g * g
    np.testing.assert_allclose(adam_module.adam_direction(m, v, 1, 0.9, 0.999, 1e-8), g / (np.abs(g) + 1e-8))


def _grad_of(fn: Callable[[Tensor], Tensor], x: np.ndarray, upstream: np.ndarray) -> np.ndarray:
    t = Tensor(x, requires_grad=True)
    fn(t).backward(upstream)
    assert t.grad is not None
    return t.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5,), (2, 3)])
def test_number_fast_paths_equal_their_rules(shape: tuple[int, ...], dtype: type) -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 2.0, size=shape).astype(dtype)
    g = rng.normal(size=shape).astype(dtype)
    c = dtype(1.75)
    full = np.full(shape, c, dtype=dtype)
    cases = {
        "t + c": (lambda t: t + 1.75, rules.add_backward(g, shape, shape)[0]),
        "c + t": (lambda t: 1.75 + t, rules.add_backward(g, shape, shape)[1]),
        "t - c": (lambda t: t - 1.75, rules.sub_backward(g, shape, shape)[0]),
        "c - t": (lambda t: 1.75 - t, rules.sub_backward(g, shape, shape)[1]),
        "t * c": (lambda t: t * 1.75, rules.mul_backward(g, x, full)[0]),
        "c * t": (lambda t: 1.75 * t, rules.mul_backward(g, full, x)[1]),
        "t / c": (lambda t: t / 1.75, rules.div_backward(g, x, full)[0]),
    }
    for label, (fn, expected) in cases.items():
        np.testing.assert_array_equal(_grad_of(fn, x, g), expected.astype(dtype), err_msg=label)
    # t ** 2: the rule's a ** 1 is a itself (exact); t ** 0.5 through the rule, as written
    np.testing.assert_array_equal(_grad_of(lambda t: t**2, x, g), g * 2 * x)
    np.testing.assert_allclose(_grad_of(lambda t: t**0.5, x, g), g * 0.5 / np.sqrt(x), rtol=1e-5)


@pytest.mark.parametrize(
    ("rule", "patched", "fn"),
    [
        (rules.mul_backward, lambda g, a, b: (g * b, g * a * 0), lambda t: (t * t).sum()),
        (rules.tanh_backward, lambda g, x, out: g * 0, lambda t: t.tanh().sum()),
        (rules.sigmoid_backward, lambda g, x, out: g * 0, lambda t: t.sigmoid().sum()),
        (rules.add_backward, lambda g, a, b: (g * 0, g * 0), lambda t: (t + t).sum()),
    ],
)
def test_every_op_calls_its_rule(rule: Any, patched: Any, fn: Callable[[Tensor], Tensor]) -> None:
    """An op that computed its gradient beside its rule would ignore a break; a patched rule must change it."""
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    with calling(rule, patched):
        fn(x).backward()
    assert x.grad is not None
    before_rule = {rules.mul_backward: 0.5, rules.add_backward: 0.0}.get(rule, 0.0)
    assert x.grad[0] == pytest.approx(before_rule)


def textbook_matmul(g: Any, a: Any, b: Any) -> Any:
    return g @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ g


def textbook_softmax(g: Any, s: Any, axis: int) -> Any:
    return s * (g - (g * s).sum(axis=axis, keepdims=True))


def _matmul_grads(a: np.ndarray, b: np.ndarray, upstream: np.ndarray, needs: tuple[bool, bool]) -> list[Any]:
    ta = Tensor(a, requires_grad=needs[0])
    tb = Tensor(b, requires_grad=needs[1])
    (ta @ tb).backward(upstream)
    return [ta.grad, tb.grad]


@pytest.mark.parametrize("needs", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(
    ("a_shape", "b_shape"),
    [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2))],
)
def test_matmul_tuned_backward_equals_matmul_backward(
    a_shape: tuple[int, ...], b_shape: tuple[int, ...], dtype: type, needs: tuple[bool, bool]
) -> None:
    rng = np.random.default_rng(len(a_shape) * 10 + len(b_shape))
    a = rng.normal(size=a_shape).astype(dtype)
    b = rng.normal(size=b_shape).astype(dtype)
    upstream = rng.normal(size=np.matmul(a, b).shape).astype(dtype)
    tuned = _matmul_grads(a, b, upstream, needs)
    with calling(rules.matmul_backward, textbook_matmul):
        assert not rules.is_textbook(rules.matmul_backward)
        seam = _matmul_grads(a, b, upstream, needs)
    for x, y in zip(tuned, seam):
        if x is None:
            assert y is None
        else:
            assert x.dtype == y.dtype == dtype
            np.testing.assert_array_equal(x, y)  # the same products: bit for bit


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(("shape", "axis"), [((5,), -1), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), 1)])
def test_softmax_in_place_backward_equals_softmax_backward(shape: tuple[int, ...], axis: int, dtype: type) -> None:
    from minigrad.ops.nn import softmax

    rng = np.random.default_rng(sum(shape) + axis)
    x = rng.normal(size=shape).astype(dtype)
    upstream = rng.normal(size=shape).astype(dtype)
    tuned = _grad_of(lambda t: softmax(t, axis), x, upstream)
    with calling(rules.softmax_backward, textbook_softmax):
        seam = _grad_of(lambda t: softmax(t, axis), x, upstream)
    assert tuned.dtype == seam.dtype == dtype
    np.testing.assert_array_equal(tuned, seam)  # the same operations in the same order


def textbook_sum(g: Any, axes: Any, keepdims: bool, shape: Any) -> Any:
    if not keepdims:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def textbook_mean(g: Any, axes: Any, keepdims: bool, shape: Any) -> Any:
    import math

    from minigrad.ops.rules import sum_backward

    count = math.prod(shape[ax] for ax in axes)
    return sum_backward(g / count, axes, keepdims, shape)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(("shape", "axis"), [((5,), None), ((3, 4), None), ((3, 4), 0), ((2, 3, 4), (0, 2))])
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_reductions_full_reduction_fast_path_equals_their_rules(
    op: str, shape: tuple[int, ...], axis: Any, dtype: type, keepdims: bool
) -> None:
    from minigrad.ops import reductions

    rng = np.random.default_rng(len(shape))
    x = rng.normal(size=shape).astype(dtype)
    fn = getattr(reductions, op)
    upstream = rng.normal(size=fn(Tensor(x), axis, keepdims).shape).astype(dtype)
    tuned = _grad_of(lambda t: fn(t, axis, keepdims), x, upstream)
    with calling(rules.sum_backward, textbook_sum), calling(rules.mean_backward, textbook_mean):
        seam = _grad_of(lambda t: fn(t, axis, keepdims), x, upstream)
    assert tuned.dtype == seam.dtype == dtype
    np.testing.assert_array_equal(tuned, seam)

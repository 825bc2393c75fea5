"""The autograd engine: when gradients appear, accumulation, graph freeing, depth, grad modes, in-place safety,
anomaly detection and memory.  Expected values are derived by hand in the comments."""

from __future__ import annotations

import gc
import inspect
import tracemalloc
import weakref

import numpy as np
import pytest

import minigrad
import minigrad.functional as F
from minigrad import Tensor


def leaf(values: list[float] | np.ndarray) -> Tensor:
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


# --------------------------------------------------------------------------- when .grad appears


def test_grad_is_none_until_backward_reaches_the_tensor() -> None:
    x, unused = leaf([1.0, 2.0]), leaf([3.0])
    loss = (x * 3.0).sum()
    assert x.grad is None and unused.grad is None
    loss.backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
    assert unused.grad is None  # not in the graph
    constant = Tensor(np.array([1.0, 2.0]))
    (x * constant).sum().backward()
    assert constant.grad is None  # does not require grad


def test_repeated_backward_on_fresh_graphs_accumulates() -> None:
    x = leaf([1.0, -2.0])
    for _ in range(3):
        (x * x).sum().backward()  # d/dx = 2x
    np.testing.assert_array_equal(x.grad, 3 * np.array([2.0, -4.0]))


def test_retain_graph_allows_a_second_backward_and_doubles_grads() -> None:
    x = leaf([1.0, 2.0])
    h = x.exp()
    loss = (h * x).sum()  # d/dx = exp(x) (1 + x)
    loss.backward(retain_graph=True)
    first = np.array(x.grad)
    np.testing.assert_allclose(first, np.exp([1.0, 2.0]) * np.array([2.0, 3.0]), rtol=1e-15)
    loss.backward()
    np.testing.assert_allclose(x.grad, 2 * first, rtol=1e-15)


def test_second_backward_through_a_freed_graph_names_retain_graph() -> None:
    x = leaf([1.0, 2.0])
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        loss.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])  # the failed call added nothing


def test_freed_subgraph_shared_by_a_second_loss_raises() -> None:
    x = leaf([1.0, 2.0])
    h = x * 2.0
    h.sum().backward()
    with pytest.raises(RuntimeError, match=r"already freed.*retain_graph=True"):
        (h * 3.0).sum().backward()


def test_only_leaves_keep_grad_unless_retain_grad() -> None:
    x = leaf([1.0, 2.0, 3.0])
    h = x * 2.0
    k = x * 3.0
    k.retain_grad()
    w = np.array([1.0, 10.0, 100.0])
    (h * k).backward(w)  # out = 6 x**2
    assert h.grad is None
    np.testing.assert_array_equal(k.grad, w * h.data)  # d out / dk = h
    np.testing.assert_array_equal(x.grad, w * 12.0 * x.data)
    assert x.is_leaf and not h.is_leaf


def test_retain_grad_on_a_tensor_without_grad_raises() -> None:
    with pytest.raises(RuntimeError, match="retain_grad"):
        Tensor(np.ones(2)).retain_grad()


def test_backward_on_non_scalar_without_grad_raises_a_clear_error() -> None:
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"backward: output has shape \(2,\).*grad="):
        (x * 2.0).backward()
    assert x.grad is None


def test_backward_on_one_element_non_scalar_and_explicit_grad() -> None:
    x = leaf([3.0])
    (x * x).backward()  # one element: implicit seed 1, d/dx = 2x
    np.testing.assert_array_equal(x.grad, [6.0])
    y = leaf([1.0, 2.0])
    (y * 5.0).backward(Tensor(np.array([2.0, 3.0])))
    np.testing.assert_array_equal(y.grad, [10.0, 15.0])


def test_backward_on_a_tensor_without_graph_raises() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(np.array(1.0)).backward()


def test_the_callers_upstream_array_is_never_aliased() -> None:
    x = leaf([1.0, 2.0])
    g = np.array([5.0, 7.0])
    (x + 0.0).backward(g)
    assert x.grad is not None and not np.shares_memory(x.grad, g)
    x.grad += 1.0
    np.testing.assert_array_equal(g, [5.0, 7.0])


def test_two_leaves_receiving_the_same_gradient_array_do_not_share_it() -> None:
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).backward(np.array([1.0, 1.0]))  # add hands the same upstream array to both inputs
    assert a.grad is not None and b.grad is not None and not np.shares_memory(a.grad, b.grad)
    a.grad *= 10.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_zero_grad() -> None:
    x = leaf([1.0, 2.0])
    (x * 2.0).sum().backward()
    x.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    x.zero_grad()
    assert x.grad is None


# --------------------------------------------------------------------------- freeing the graph


def test_backward_releases_closures_and_saved_intermediates() -> None:
    x = leaf([0.5, -1.0])
    t = x.tanh()
    loss = (t * t).sum()  # mul saved t (both inputs)
    t_ref = weakref.ref(t)
    t_data_ref = weakref.ref(t.data)
    node = loss.grad_fn
    assert node is not None and node.backward is not None
    del t
    gc.collect()
    assert t_ref() is not None  # the graph keeps it alive until backward
    loss.backward()
    gc.collect()
    assert node.backward is None and node.inputs == ()
    assert t_ref() is None and t_data_ref() is None
    np.testing.assert_allclose(x.grad, 2 * np.tanh(x.data) * (1 - np.tanh(x.data) ** 2), rtol=1e-15)


def test_retain_graph_keeps_the_closures() -> None:
    x = leaf([0.5])
    t = x.tanh()
    loss = (t * t).sum()
    t_ref = weakref.ref(t)
    del t
    loss.backward(retain_graph=True)
    gc.collect()
    assert t_ref() is not None and loss.grad_fn is not None and loss.grad_fn.backward is not None


# --------------------------------------------------------------------------- graph shapes


def test_chain_of_100_000_ops_backpropagates_without_recursion_error() -> None:
    x = leaf([0.5, -1.0])
    y = x
    n, c = 100_000, 1.00001
    for _ in range(n):
        y = y * c
    y.backward(np.array([1.0, 2.0]))
    # d y / d x = c**n elementwise (each of the n multiplications rounds: allow 1e-9)
    np.testing.assert_allclose(x.grad, np.array([1.0, 2.0]) * c**n, rtol=1e-9)


def test_deep_graph_is_freed_without_recursion_error_when_dropped_unused() -> None:
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y_ref = weakref.ref(y)
    del y  # deallocating a 100,000-deep chain must not blow the C stack
    gc.collect()
    assert y_ref() is None


def test_diamond_gets_both_paths() -> None:
    x = leaf([1.0, -2.0, 0.5])
    a = x * 2.0
    b = x * 3.0
    (a * b).backward(np.array([1.0, 2.0, 4.0]))  # 6 x**2 -> 12 x
    np.testing.assert_array_equal(x.grad, np.array([1.0, 2.0, 4.0]) * 12.0 * x.data)


def test_x_times_x_and_x_plus_x() -> None:
    x = leaf([3.0, -1.0])
    (x * x).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [6.0, -20.0])
    y = leaf([3.0, -1.0])
    (y + y).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(y.grad, [2.0, 20.0])
    z = leaf([2.0])
    (z / z).backward(np.array([1.0]))  # constant 1: gradient 1/z - z/z**2 = 0
    np.testing.assert_array_equal(z.grad, [0.0])


def test_node_reused_50_times_sums_all_contributions() -> None:
    x = leaf([0.3, -0.7])
    h = x.exp()
    total = h * 1.0
    for k in range(2, 51):
        total = total + h * float(k)
    total.backward(np.array([1.0, 3.0]))
    # d/dx sum_k k exp(x) = 1275 exp(x)
    np.testing.assert_allclose(x.grad, np.array([1.0, 3.0]) * 1275.0 * np.exp(x.data), rtol=1e-13)


def test_zero_dim_tensor_used_three_times_sums_every_contribution() -> None:
    # The engine adds a third contribution in place into the sum it made of the first two; a 0-d sum is a
    # NumPy scalar, which += cannot change in place, so this is the case that would drop a contribution.
    x = Tensor(np.array(1.5), requires_grad=True)
    (x * x * x + x.exp()).backward(np.array(0.7))
    assert x.grad.shape == ()
    np.testing.assert_allclose(x.grad, 0.7 * (3 * 1.5**2 + np.exp(1.5)), rtol=1e-14)


def test_summing_in_place_never_changes_an_array_another_tensor_received() -> None:
    # add's backward hands the same upstream array to both inputs: x's first contribution is that array,
    # which y keeps as its gradient; x's later contributions must go into a fresh sum, not into y's array.
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    g = np.array([0.5, -2.0])
    ((x + y) + x * 3.0 + x * x).backward(g)
    np.testing.assert_array_equal(y.grad, g)
    np.testing.assert_array_equal(x.grad, g * (1 + 3.0 + 2 * np.array([1.0, 2.0])))


def test_leaf_used_by_many_ops_and_as_both_operands() -> None:
    x = leaf([2.0])
    out = x * x * x + x**2 - x / x + minigrad.maximum(x, x)  # 3x^2 + 2x + 0 + 1 (tie: 1/2 + 1/2)
    out.backward(np.array([1.0]))
    np.testing.assert_array_equal(x.grad, [3 * 4.0 + 2 * 2.0 + 1.0])


def test_gradient_only_for_inputs_that_require_it() -> None:
    x = leaf([1.0, 2.0])
    c = Tensor(np.array([3.0, 4.0]))
    (x * c + c / x - c**x).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad, [3.0 - 3.0 - 3.0 * np.log(3.0), 4.0 - 1.0 - 16.0 * np.log(4.0)], rtol=1e-14)


# --------------------------------------------------------------------------- grad modes


def test_no_grad_records_no_graph() -> None:
    x = leaf([1.0, 2.0])
    with minigrad.no_grad():
        assert not minigrad.is_grad_enabled()
        y = (x * 2.0).exp().sum()
    assert minigrad.is_grad_enabled()
    assert y.requires_grad is False and y.grad_fn is None and y.is_leaf
    with pytest.raises(RuntimeError):
        y.backward()


def test_no_grad_as_decorator_and_enable_grad_inside() -> None:
    x = leaf([1.0])

    @minigrad.no_grad()
    def f(t: Tensor) -> tuple[Tensor, Tensor]:
        inner = t * 2.0
        with minigrad.enable_grad():
            recorded = t * 3.0
        return inner, recorded

    inner, recorded = f(x)
    assert inner.grad_fn is None and recorded.grad_fn is not None
    recorded.backward(np.array([1.0]))
    np.testing.assert_array_equal(x.grad, [3.0])


def test_no_grad_restores_the_mode_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError), minigrad.no_grad():
        1 / 0
    assert minigrad.is_grad_enabled()


def test_detach_shares_data_and_cuts_the_graph() -> None:
    x = leaf([1.0, 2.0])
    d = x.detach()
    assert d.requires_grad is False and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d.data, x.data)
    (x * d).sum().backward()  # d is a constant: gradient d, not 2x
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])


def test_requires_grad_can_only_be_switched_off_on_leaves() -> None:
    x = leaf([1.0])
    y = x * 2.0
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad = False
    x.requires_grad = False
    assert (x * 2.0).grad_fn is None


# --------------------------------------------------------------------------- in-place changes

IN_PLACE = {
    "iadd": lambda t: t.__iadd__(1.0),
    "isub": lambda t: t.__isub__(1.0),
    "imul": lambda t: t.__imul__(2.0),
    "itruediv": lambda t: t.__itruediv__(2.0),
    "add_": lambda t: t.add_(1.0),
    "sub_": lambda t: t.sub_(1.0, alpha=2.0),
    "mul_": lambda t: t.mul_(2.0),
    "div_": lambda t: t.div_(2.0),
    "copy_": lambda t: t.copy_(np.zeros(2)),
    "fill_": lambda t: t.fill_(3.0),
    "zero_": lambda t: t.zero_(),
    "setitem": lambda t: t.__setitem__(0, 5.0),
    "setitem-slice": lambda t: t.__setitem__(slice(None), Tensor(np.array([5.0, 6.0]))),
}

IN_PLACE_RESULTS = {
    "iadd": [2.0, 3.0],
    "isub": [0.0, 1.0],
    "imul": [2.0, 4.0],
    "itruediv": [0.5, 1.0],
    "add_": [2.0, 3.0],
    "sub_": [-1.0, 0.0],
    "mul_": [2.0, 4.0],
    "div_": [0.5, 1.0],
    "copy_": [0.0, 0.0],
    "fill_": [3.0, 3.0],
    "zero_": [0.0, 0.0],
    "setitem": [5.0, 2.0],
    "setitem-slice": [5.0, 6.0],
}


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_change_of_a_tensor_requiring_grad_raises_while_recording(name: str) -> None:
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"in-place.*no_grad"):
        IN_PLACE[name](x)
    np.testing.assert_array_equal(x.data, [1.0, 2.0])  # unchanged
    h = x * 1.0
    if name in ("copy_", "setitem", "setitem-slice"):
        return  # assignment into a non-leaf is recorded, as in PyTorch (tests/test_reliability_round2.py)
    with pytest.raises(RuntimeError, match="in-place"):
        IN_PLACE[name](h)  # a non-leaf too


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_change_is_allowed_under_no_grad_and_on_constants(name: str) -> None:
    x = leaf([1.0, 2.0])
    with minigrad.no_grad():
        IN_PLACE[name](x)
    np.testing.assert_array_equal(x.data, IN_PLACE_RESULTS[name])
    assert x.requires_grad
    c = Tensor(np.array([1.0, 2.0]))
    IN_PLACE[name](c)
    np.testing.assert_array_equal(c.data, IN_PLACE_RESULTS[name])


def test_assigning_data_is_the_escape_hatch_but_counts_as_an_in_place_change() -> None:
    # As with torch's .data, `w.data = ...` (and `w.data -= lr * w.grad`) is allowed while recording:
    # it is the learner's hand-written SGD step. It is not differentiated, and it bumps the version.
    x = leaf([1.0, 2.0])
    version = x._version
    x.data = np.zeros(2)
    np.testing.assert_array_equal(x.data, [0.0, 0.0])
    assert x._version == version + 1 and x.requires_grad and x.is_leaf


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_change_of_a_saved_tensor_makes_backward_raise_naming_the_op(name: str) -> None:
    x = leaf([1.0, 2.0])
    w = Tensor(np.array([3.0, 4.0]))  # a constant: in-place changes are allowed, and mul saved it
    y = x * w
    IN_PLACE[name](w)
    with pytest.raises(RuntimeError, match=r"input 1 of mul .*modified in place"):
        y.sum().backward()
    assert x.grad is None


def test_in_place_change_under_no_grad_of_a_saved_parameter_makes_backward_raise() -> None:
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    y = (x * w).sum()
    with minigrad.no_grad():
        w -= 0.1  # an optimizer step between forward and backward
    with pytest.raises(RuntimeError, match=r"mul"):
        y.backward()


def test_assigning_data_bumps_the_version_so_backward_raises() -> None:
    x = leaf([1.0, 2.0])
    y = x.log()  # log saves its input
    with minigrad.no_grad():
        x.data = np.array([5.0, 6.0])
    with pytest.raises(RuntimeError, match=r"input 0 of log"):
        y.sum().backward()


def test_in_place_change_of_a_saved_output_makes_backward_raise() -> None:
    x = leaf([1.0, 2.0])
    y = x.exp()  # exp's backward reads its output
    with minigrad.no_grad():
        y += 1.0
    with pytest.raises(RuntimeError, match=r"output of exp .*modified in place"):
        y.sum().backward()


@pytest.mark.parametrize(
    "op",
    [lambda x, w: x + w, lambda x, w: x - w, lambda x, w: minigrad.where(np.array([True, False]), x, w)],
    ids=["add", "sub", "where"],
)
def test_ops_that_saved_nothing_do_not_raise_after_in_place_change(op: object) -> None:
    x = leaf([1.0, 2.0])
    w = Tensor(np.array([3.0, 4.0]))
    y = op(x, w)  # type: ignore[operator]
    w += 10.0
    w[0] = -1.0
    y.backward(np.array([2.0, 5.0]))
    expected = [2.0, 0.0] if y.grad_fn is not None and y.grad_fn.op == "where" else [2.0, 5.0]
    np.testing.assert_array_equal(x.grad, expected)


def test_in_place_change_through_detach_is_caught() -> None:
    """detach() shares the array, so it must share the version counter too (as in PyTorch)."""
    x = leaf([1.0, 2.0])
    y = x.exp()
    d = y.detach()
    d += 1.0
    with pytest.raises(RuntimeError, match="exp"):
        y.sum().backward()


VIEWS = {
    "slice": lambda w: w[:],
    "step-slice": lambda w: w[::2],
    "reshape": lambda w: w.reshape(2, 2),
    "transpose": lambda w: w.reshape(2, 2).T,
    "unsqueeze": lambda w: w.unsqueeze(0),
    "none-index": lambda w: w[None],
    "view-of-view": lambda w: w[1:][::-1],
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_in_place_change_through_a_view_is_caught(name: str) -> None:
    x = leaf([1.0, 2.0, 3.0, 4.0])
    w = Tensor(np.array([3.0, 4.0, 5.0, 6.0]))
    view = VIEWS[name](w)
    assert np.shares_memory(view.data, w.data)
    y = x * w
    view += 10.0
    with pytest.raises(RuntimeError, match="input 1 of mul"):
        y.sum().backward()


def test_in_place_change_of_the_base_or_a_sibling_view_is_caught() -> None:
    x = leaf([1.0, 2.0])
    w = Tensor(np.array([3.0, 4.0, 5.0]))
    y = x * w[:2]  # mul saved a view of w
    w += 1.0
    with pytest.raises(RuntimeError, match="input 1 of mul"):
        y.sum().backward()
    w2 = Tensor(np.array([3.0, 4.0, 5.0]))
    y2 = x * w2[:2]
    sibling = w2[1:]
    sibling[0] = 0.0  # overlaps the saved view
    with pytest.raises(RuntimeError, match="input 1 of mul"):
        y2.sum().backward()


def test_advanced_indexing_copies_so_changing_the_copy_is_harmless() -> None:
    x = leaf([1.0, 2.0])
    w = Tensor(np.array([3.0, 4.0, 5.0]))
    copy = w[[0, 1]]
    assert not np.shares_memory(copy.data, w.data)
    y = x * w[:2]
    copy += 100.0
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 40.0])


# --------------------------------------------------------------------------- anomaly detection


def _line_of_next_statement() -> int:
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno + 1


def test_detect_anomaly_names_the_op_and_the_source_line_in_forward() -> None:
    x = leaf([0.0, 1.0])
    with np.errstate(divide="ignore"), minigrad.detect_anomaly():
        line = _line_of_next_statement()
        with pytest.raises(minigrad.AnomalyError) as info:
            x.log()
    message = str(info.value)
    assert "log" in message and "Inf" in message
    assert f"test_engine.py:{line + 1}" in message and "x.log()" in message


def test_detect_anomaly_names_the_op_and_the_source_line_in_backward() -> None:
    x = leaf([0.0, 4.0])
    with np.errstate(divide="ignore", invalid="ignore"), minigrad.detect_anomaly():
        line = _line_of_next_statement()
        y = x.sqrt()  # finite forward; backward 1 / (2 sqrt(0)) is not finite
        with pytest.raises(minigrad.AnomalyError) as info:
            (y * 3.0).sum().backward()
    message = str(info.value)
    assert "sqrt" in message and "non-finite gradient" in message
    assert f"test_engine.py:{line}" in message and "y = x.sqrt()" in message
    assert isinstance(info.value, FloatingPointError)


def test_detect_anomaly_catches_nan_from_backward() -> None:
    x = leaf([0.0, 1.0])
    with np.errstate(divide="ignore", invalid="ignore"), minigrad.detect_anomaly():
        y = x.sqrt()
        with pytest.raises(minigrad.AnomalyError, match="sqrt"):
            y.backward(np.array([0.0, 1.0]))  # 0 / (2 * 0) = NaN


def test_detect_anomaly_is_silent_on_finite_computations_and_off_by_default() -> None:
    x = leaf([0.5, 2.0])
    with minigrad.detect_anomaly():
        loss = F.cross_entropy((x.log() * x.sqrt()).reshape(1, 2), np.array([1]))
        loss.backward()
    assert x.grad is not None and np.all(np.isfinite(x.grad))
    with np.errstate(divide="ignore"):
        out = leaf([0.0]).log()  # outside the block: -inf, no error
    assert np.isneginf(out.data).all()


# --------------------------------------------------------------------------- memory


def test_training_loop_does_not_grow_memory() -> None:
    rng = np.random.default_rng(0)
    inputs = rng.standard_normal((32, 8))
    targets = rng.integers(0, 4, 32)
    w1 = Tensor(rng.standard_normal((8, 16)) * 0.3, requires_grad=True)
    b1 = Tensor(np.zeros(16), requires_grad=True)
    w2 = Tensor(rng.standard_normal((16, 4)) * 0.3, requires_grad=True)
    b2 = Tensor(np.zeros(4), requires_grad=True)
    params = [w1, b1, w2, b2]
    losses = []
    tracemalloc.start()
    try:
        for step in range(2000):
            loss = F.cross_entropy((Tensor(inputs) @ w1 + b1).relu() @ w2 + b2, targets)
            loss.backward()
            with minigrad.no_grad():
                for p in params:
                    assert p.grad is not None
                    p -= 0.1 * p.grad
                    p.grad = None
            if step in (0, 1999):
                losses.append(loss.item())
            if step == 199:
                after_200 = tracemalloc.get_traced_memory()[0]
        after_2000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after_2000 - after_200 < 1024 * 1024, f"memory grew by {(after_2000 - after_200) / 1024:.0f} KiB"
    assert losses[1] < losses[0] / 2  # and it did train

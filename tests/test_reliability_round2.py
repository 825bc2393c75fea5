"""Issue 19, round two: assignment into tensors, the edges of the number range, hostile checkpoints.

Every expected value comes from PyTorch (float64, or float16 where the case is
about float16), run on the same inputs, never from minigrad's own output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from oracles import rng_for, upstream_for

import minigrad
from minigrad import Tensor

TOL = {"rtol": 1e-7, "atol": 1e-7}


def leaf(array: Any) -> Tensor:
    return Tensor(np.array(array, dtype=np.float64), requires_grad=True)


def tleaf(array: Any) -> torch.Tensor:
    return torch.tensor(np.array(array, dtype=np.float64), requires_grad=True)


# --------------------------------------------------------------------------- assignment keeps the graph


def test_slice_assignment_sends_the_gradient_to_the_value() -> None:
    w, wt = leaf([2.0]), tleaf([2.0])
    buf, buft = Tensor(np.zeros(3)), torch.zeros(3, dtype=torch.float64)
    buf[0:1] = w * 3
    buft[0:1] = wt * 3
    (buf * w).sum().backward()
    (buft * wt).sum().backward()
    np.testing.assert_allclose(w.grad, wt.grad.numpy(), **TOL)  # 12, where a dropped graph gave 6


def test_integer_index_assignment_of_a_one_element_value() -> None:
    w, wt = leaf([2.0]), tleaf([2.0])
    buf, buft = Tensor(np.zeros(3)), torch.zeros(3, dtype=torch.float64)
    buf[0] = w * 3  # shape (1,) into a 0-d element: the leading 1 is dropped, as in PyTorch
    buft[0] = wt * 3
    (buf * w).sum().backward()
    (buft * wt).sum().backward()
    np.testing.assert_allclose(w.grad, wt.grad.numpy(), **TOL)


def test_copy_into_a_tensor_is_recorded() -> None:
    w, wt = leaf([2.0, -1.0]), tleaf([2.0, -1.0])
    c, ct = Tensor(np.zeros((3, 2))), torch.zeros((3, 2), dtype=torch.float64)
    c.copy_(w * 3)  # broadcast over the rows
    ct.copy_(wt * 3)
    g = upstream_for(rng_for("copy_"), (3, 2))
    (c * w).backward(g)
    (ct * wt).backward(torch.from_numpy(g))
    np.testing.assert_allclose(w.grad, wt.grad.numpy(), **TOL)


INDEX_KINDS: dict[str, tuple[Any, tuple[int, ...]]] = {
    # name: (index, shape of the value written, which may broadcast)
    "int": (1, (5,)),
    "int-broadcast": (2, (1,)),
    "slice": (slice(1, 3), (2, 5)),
    "slice-broadcast-row": (slice(0, 4, 2), (5,)),
    "two-ints": ((3, 4), ()),
    "int-array": (np.array([0, 2]), (2, 5)),
    "int-array-broadcast": (np.array([3, 1]), (1, 5)),
    "bool-mask": (np.array([True, False, True, True]), (3, 5)),
    "column": ((slice(None), 2), (4,)),
    "mask-2d": ("mask-2d", ()),
}


@pytest.mark.parametrize("kind", list(INDEX_KINDS))
def test_assignment_matches_pytorch_for_every_index_kind(kind: str) -> None:
    rng = rng_for(kind)
    index, value_shape = INDEX_KINDS[kind]
    base = rng.standard_normal((4, 5))
    if isinstance(index, str):
        index = base > 0.3
    value = rng.standard_normal(value_shape)
    # the tensor assigned into has a history of its own (x * 2), so both sides get gradients
    x, xt = leaf(base), tleaf(base)
    v, vt = leaf(value), tleaf(value)
    y = x * 2.0
    yt = xt * 2.0
    y[index] = v * v
    t_index = torch.from_numpy(index) if isinstance(index, np.ndarray) else index
    yt[t_index] = vt * vt
    out, out_t = y * x, yt * xt
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), **TOL)
    g = upstream_for(rng, (4, 5))
    out.backward(g)
    out_t.backward(torch.from_numpy(g))
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(v.grad, vt.grad.numpy(), **TOL)


@pytest.mark.parametrize(("steps", "inputs", "hidden"), [(1, 2, 3), (4, 3, 5), (7, 1, 2), (12, 6, 4)])
def test_rnn_loop_that_stores_hidden_states_matches_pytorch(steps: int, inputs: int, hidden: int) -> None:
    rng = rng_for(f"rnn-{steps}-{inputs}-{hidden}")
    xs = rng.standard_normal((steps, inputs))
    wx, wh = rng.standard_normal((inputs, hidden)) * 0.7, rng.standard_normal((hidden, hidden)) * 0.7
    g = upstream_for(rng, (steps, hidden))

    Wx, Wh, x = leaf(wx), leaf(wh), leaf(xs)
    hs = Tensor(np.zeros((steps, hidden)))
    h = Tensor(np.zeros(hidden))
    for t in range(steps):
        h = (x[t] @ Wx + h @ Wh).tanh()
        hs[t] = h
    hs.backward(g)

    Wxt, Wht, xt = tleaf(wx), tleaf(wh), tleaf(xs)
    hst = torch.zeros((steps, hidden), dtype=torch.float64)
    ht = torch.zeros(hidden, dtype=torch.float64)
    for t in range(steps):
        ht = torch.tanh(xt[t] @ Wxt + ht @ Wht)
        hst[t] = ht
    hst.backward(torch.from_numpy(g))

    np.testing.assert_allclose(hs.data, hst.detach().numpy(), **TOL)
    for mine, theirs in ((Wx, Wxt), (Wh, Wht), (x, xt)):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), **TOL)


def test_loop_that_reads_what_it_wrote_matches_pytorch() -> None:
    # y[t] = tanh(0.9 y[t-1] + a x[t]): each step reads the buffer, then writes into it (no op saves y[t-1]:
    # PyTorch would refuse a saved view of a buffer that is written into afterwards)
    rng = rng_for("running-sum")
    xs, a0 = rng.standard_normal(6), 0.8
    g = upstream_for(rng, (6,))
    x, a = leaf(xs), leaf(a0)
    y = Tensor(np.zeros(6))
    y[0] = x[0]
    for t in range(1, 6):
        y[t] = (y[t - 1] * 0.9 + x[t] * a).tanh()
    y.backward(g)
    xt, at = tleaf(xs), tleaf(a0)
    yt = torch.zeros(6, dtype=torch.float64)
    yt[0] = xt[0]
    for t in range(1, 6):
        yt[t] = torch.tanh(yt[t - 1] * 0.9 + xt[t] * at)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(y.data, yt.detach().numpy(), **TOL)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(a.grad, at.grad.numpy(), **TOL)


def test_an_op_that_read_the_tensor_before_the_write_gets_the_old_history() -> None:
    w, wt = leaf([2.0]), tleaf([2.0])
    buf, buft = Tensor(np.zeros(3)), torch.zeros(3, dtype=torch.float64)
    buf[1] = w * 1
    buft[1] = wt[0] * 1
    before, before_t = buf.sum(), buft.sum()
    buf[0] = w * 3
    buft[0] = wt[0] * 3
    (before + buf.sum() * 10).backward()
    (before_t + buft.sum() * 10).backward()
    np.testing.assert_allclose(w.grad, wt.grad.numpy(), **TOL)  # 41


def test_rows_read_back_from_the_buffer_in_a_2d_loop_match_pytorch() -> None:
    # hs[t] = tanh(0.5 hs[t-1] + x[t] @ W): each step takes a view of the previous row, then writes the next one
    rng = rng_for("2d-loop")
    xs, w0 = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)) * 0.6
    g = upstream_for(rng, (5, 4))
    x, W = leaf(xs), leaf(w0)
    hs = Tensor(np.zeros((5, 4)))
    hs[0] = (x[0] @ W).tanh()
    for t in range(1, 5):
        hs[t] = (hs[t - 1] * 0.5 + x[t] @ W).tanh()
    hs.backward(g)
    xt, Wt = tleaf(xs), tleaf(w0)
    hst = torch.zeros((5, 4), dtype=torch.float64)
    hst[0] = torch.tanh(xt[0] @ Wt)
    for t in range(1, 5):
        hst[t] = torch.tanh(hst[t - 1] * 0.5 + xt[t] @ Wt)
    hst.backward(torch.from_numpy(g))
    np.testing.assert_allclose(hs.data, hst.detach().numpy(), **TOL)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(W.grad, Wt.grad.numpy(), **TOL)


def test_a_view_taken_before_a_write_and_used_after_it_is_refused_not_silently_wrong() -> None:
    w, v = leaf([2.0, 1.0]), leaf([1.0, 1.0])
    buf = Tensor(np.zeros((2, 2)))
    row = buf[0]  # a view of buf
    buf[0] = w * 3
    with pytest.raises(RuntimeError, match=r"view .* taken before a recorded assignment.*row = buf\[0\]"):
        row * v  # its values are w * 3 now, but its graph does not know it
    again = buf[0]
    (again * v).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])  # d/dw of sum(3 w * v)


def test_writing_over_a_value_a_backward_rule_saved_is_still_an_error() -> None:
    w = leaf([1.0, 2.0, 3.0])
    h = w.tanh()  # tanh saves its output
    h[0] = 5.0
    with pytest.raises(RuntimeError, match=r"output of tanh.*modified in place"):
        h.sum().backward()
    w2 = leaf([1.0, 2.0])
    buf = Tensor(np.ones(2))
    product = buf * w2  # mul saves buf to give w2 its gradient
    buf[0] = w2[1] * 2
    with pytest.raises(RuntimeError, match=r"input 0 of mul.*modified in place"):
        product.sum().backward()


def test_writes_that_cannot_be_recorded_are_refused_before_any_change() -> None:
    w = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad.*no_grad"):
        w[0] = 3.0
    np.testing.assert_array_equal(w.data, [1.0, 2.0])
    buf = Tensor(np.zeros((2, 2)))
    row = buf[0]
    with pytest.raises(RuntimeError, match=r"view of another tensor.*buf\[t, :\] = value"):
        row[:] = w * 2
    np.testing.assert_array_equal(buf.data, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"__setitem__: cannot write a value of shape \(3,\) into the indexed part"):
        buf[0] = Tensor(np.ones(3))


def test_backward_on_a_cut_graph_names_the_cuts_instead_of_blaming_the_inputs() -> None:
    w = leaf([1.0, 2.0])
    copied = Tensor(w * 3)  # Tensor(t) copies the values and leaves the graph, as torch.tensor(t) does
    with pytest.raises(RuntimeError, match=r"graph was cut on the way .*Tensor\(t\)") as info:
        copied.sum().backward()
    assert "create its inputs with requires_grad=True" not in str(info.value)  # w has it: that advice was wrong


def test_untracked_assignments_still_work_on_constants_and_under_no_grad() -> None:
    c = Tensor(np.zeros(3))
    c[1] = 4.0
    c[np.array([0, 2])] = Tensor(np.array([1.0, 2.0]))
    assert c.grad_fn is None and not c.requires_grad
    np.testing.assert_array_equal(c.data, [1.0, 4.0, 2.0])
    w = leaf([1.0, 2.0])
    with minigrad.no_grad():
        w[0] = 7.0
    assert w.is_leaf and w.requires_grad
    np.testing.assert_array_equal(w.data, [7.0, 2.0])


# --------------------------------------------------------------------------- numbers at the edges


@pytest.mark.parametrize(("dtype", "value"), [(np.float32, 1e-23), (np.float64, 1e200), (np.float64, 1e-200)])
def test_division_backward_divides_the_quotient_instead_of_squaring_the_divisor(dtype: Any, value: float) -> None:
    a, b = Tensor(np.array([value], dtype), requires_grad=True), Tensor(np.array([value], dtype), requires_grad=True)
    (a / b).backward(np.ones(1, dtype))
    at = torch.tensor([value], dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
    bt = torch.tensor([value], dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
    (at / bt).backward(torch.ones(1, dtype=at.dtype))
    assert np.isfinite(b.grad).all() and b.grad[0] != 0  # -inf and -0 before
    np.testing.assert_allclose(b.grad, bt.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(a.grad, at.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_every_target_ignored_has_zero_gradients(reduction: str) -> None:
    rng = rng_for(f"all-ignored-{reduction}")
    z = rng.standard_normal((3, 4))
    targets = np.array([-100, -100, -100])
    logits, logits_t = leaf(z), tleaf(z)
    loss = minigrad.functional.cross_entropy(logits, targets, reduction=reduction)
    loss_t = torch.nn.functional.cross_entropy(logits_t, torch.from_numpy(targets), reduction=reduction)
    np.testing.assert_allclose(loss.data, loss_t.detach().numpy(), **TOL)  # NaN for 'mean', as PyTorch
    g = upstream_for(rng, loss.shape)
    loss.backward(g)
    loss_t.backward(torch.tensor(g))
    np.testing.assert_array_equal(logits.grad, logits_t.grad.numpy())  # zeros, where NaN came before
    assert not np.isnan(logits.grad).any()


def test_relu_passes_the_upstream_gradient_at_nan_as_pytorch() -> None:
    data = [np.nan, -1.0, 0.0, 2.0]
    x, xt = leaf(data), tleaf(data)
    g = np.array([2.0, 3.0, 4.0, 5.0])
    x.relu().backward(g)
    torch.relu(xt).backward(torch.from_numpy(g))
    np.testing.assert_array_equal(x.grad, xt.grad.numpy())  # [2, 0, 0, 5]


def test_gelu_tanh_does_not_overflow_near_the_float32_maximum() -> None:
    data = np.array([2e38, -2e38, 3.0e38, 1.5], np.float32)
    out = Tensor(data).gelu(approximate="tanh")
    expected = torch.nn.functional.gelu(torch.from_numpy(data), approximate="tanh").numpy()
    assert np.isfinite(out.data[[0, 2, 3]]).all()  # inf before
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)


# --------------------------------------------------------------------------- float16 accumulates in float32

F16 = {"rtol": 2e-3, "atol": 0}  # float16 rounding of one result: 2**-10 relative


def _f16(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float16)


def _compare_f16(
    name: str, mine: Callable[[Tensor], Tensor], theirs: Callable[[torch.Tensor], torch.Tensor], data: np.ndarray
) -> None:
    """Forward: PyTorch float16 (CPU).  Gradient: no further from PyTorch float64 on the same float16 inputs than
    PyTorch float16 itself is, up to float16 rounding (PyTorch rounds some backward sums to float16 on the way)."""
    x = Tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    x64 = torch.tensor(data.astype(np.float64), requires_grad=True)
    out, out_t, out_64 = mine(x), theirs(xt), theirs(x64)
    assert out.dtype == np.float16, name
    expected = out_t.detach().numpy()
    assert np.isfinite(expected).all(), f"{name}: the oracle itself overflowed; pick other data"
    np.testing.assert_allclose(out.data.astype(np.float64), expected.astype(np.float64), **F16, err_msg=name)
    g = upstream_for(rng_for(name), out.shape, np.float16)
    out.backward(g)
    out_t.backward(torch.tensor(g))
    out_64.backward(torch.tensor(g.astype(np.float64)))
    assert x.grad is not None and x.grad.dtype == np.float16
    truth = x64.grad.numpy()
    slack = 2e-3 * np.abs(truth) + 1e-3 * np.abs(truth).max()
    mine_error = np.abs(x.grad.astype(np.float64) - truth)
    torch_error = np.abs(xt.grad.numpy().astype(np.float64) - truth)
    worse = mine_error > torch_error + slack
    assert not worse.any(), f"{name}: {worse.sum()} gradients further from float64 than PyTorch float16's"


N_BIG = 70_000  # more than float16's largest finite value, 65,504


def test_float16_mean_over_more_elements_than_float16_can_count() -> None:
    data = np.abs(_f16(rng_for("mean16"), (N_BIG,)))
    _compare_f16("mean", lambda t: t.mean(), lambda t: t.mean(), data)


def test_float16_maximum_shares_its_gradient_among_more_ties_than_float16_can_count() -> None:
    data = np.ones(N_BIG, np.float16)  # every element ties: each gets g / 70,000
    _compare_f16("max-ties", lambda t: t.max(), lambda t: t.amax(), data)


def test_float16_variance_of_values_whose_squares_overflow() -> None:
    data = _f16(rng_for("var16"), (4, 300), scale=87.0)  # squares up to ~1e5 > 65,504
    _compare_f16("var", lambda t: t.var(axis=1), lambda t: t.var(dim=1), data)
    _compare_f16("var-all", lambda t: t.var(), lambda t: t.var(), data)


@pytest.mark.parametrize(
    ("name", "mine", "theirs", "shape"),
    [
        ("sum", lambda t: (t * 0.25).sum(), lambda t: (t * 0.25).sum(), (N_BIG,)),
        ("sum-axis", lambda t: t.sum(axis=0), lambda t: t.sum(dim=0), (N_BIG, 2)),
        ("logsumexp", lambda t: t.logsumexp(axis=0), lambda t: t.logsumexp(dim=0), (N_BIG, 2)),
        ("softmax", lambda t: t.softmax(axis=0)[:3], lambda t: t.softmax(dim=0)[:3], (N_BIG, 2)),
        ("log_softmax", lambda t: t.log_softmax(axis=0), lambda t: t.log_softmax(dim=0), (N_BIG, 2)),
        ("matmul", lambda t: t @ t.T, lambda t: t @ t.T, (2, N_BIG)),
        # the gradient of the (1,)-shaped operand sums 70,000 upstream values (unbroadcast)
        (
            "broadcast-add",
            lambda t: t[:1] + Tensor(np.zeros(N_BIG, np.float16)),
            lambda t: t[:1] + torch.zeros(N_BIG, dtype=torch.float16),
            (3,),
        ),
    ],
)
def test_float16_reductions_match_pytorch_float16(name: str, mine: Any, theirs: Any, shape: tuple[int, ...]) -> None:
    _compare_f16(name, mine, theirs, _f16(rng_for(name), shape, scale=0.5))


# --------------------------------------------------------------------------- type promotion

PROMOTION_DTYPES = ["float16", "float32", "float64", "int32", "int64", "bool"]
OPERANDS: list[Any] = [(d, s) for d in PROMOTION_DTYPES for s in ((), (2,))] + [3, 2.5, True]


def _operand(spec: Any) -> tuple[Any, Any]:
    """(minigrad operand, PyTorch operand) for a (dtype, shape) pair or a Python number."""
    if not isinstance(spec, tuple):
        return spec, spec
    dtype, shape = spec
    data = np.ones(shape, dtype=dtype)
    return Tensor(data), torch.from_numpy(data)


def _label(spec: Any) -> str:
    return f"{spec[0]}{list(spec[1])}" if isinstance(spec, tuple) else f"py-{type(spec).__name__}"


PAIRS = [(x, y) for x in OPERANDS for y in OPERANDS if isinstance(x, tuple) or isinstance(y, tuple)]


@pytest.fixture
def torch_float64_default() -> Any:
    """minigrad's default float is float64 (NumPy's); PyTorch's is float32 unless told otherwise."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.mark.usefixtures("torch_float64_default")
@pytest.mark.parametrize(("x", "y"), PAIRS, ids=[f"{_label(x)}*{_label(y)}" for x, y in PAIRS])
def test_promotion_table_matches_torch_result_type(x: Any, y: Any) -> None:
    (mx, tx), (my, ty) = _operand(x), _operand(y)
    expected = torch.result_type(tx, ty)
    got = (mx * my).dtype
    assert str(got) == str(expected).removeprefix("torch."), f"{_label(x)} * {_label(y)}"
    if isinstance(x, tuple) and isinstance(y, tuple):
        assert str((mx + my).dtype) == str(expected).removeprefix("torch.")


def test_float32_times_a_0d_float64_tensor_stays_float32_and_its_gradient_too() -> None:
    w = Tensor(np.array([1.5, -2.0], np.float32), requires_grad=True)
    scale = Tensor(2.0, requires_grad=True)  # float64, 0-d
    out = w * scale
    assert out.dtype == np.float32  # float64 before
    out.backward(np.array([1.0, 3.0], np.float32))
    assert w.grad is not None and scale.grad is not None
    assert w.grad.dtype == np.float32 and scale.grad.dtype == np.float64
    np.testing.assert_allclose(scale.grad, 1.5 - 6.0)


# --------------------------------------------------------------------------- integers out of range


@pytest.mark.parametrize("data", [[2**63 + 1, -1], [2**63], 2**64, [[1, 2], [3, -(2**63) - 1]], [10**5000]])
def test_python_ints_outside_int64_are_refused_as_pytorch_refuses_them(data: Any) -> None:
    with pytest.raises((ValueError, RuntimeError, OverflowError)):
        torch.tensor(data)  # the oracle: PyTorch refuses every one of these
    with pytest.raises(ValueError, match=r"^Tensor: the integer .* outside int64's range"):
        Tensor(data)


def test_ints_at_the_edges_of_int64_and_large_floats_are_kept() -> None:
    edges = Tensor([2**63 - 1, -(2**63)])
    assert edges.dtype == np.int64 and edges.tolist() == [2**63 - 1, -(2**63)]
    assert Tensor([1e30, 2]).dtype == np.float64
    mixed = [1.5, 2**70]  # a float among them: floating point, as PyTorch infers
    np.testing.assert_array_equal(Tensor(mixed).data, torch.tensor(mixed, dtype=torch.float64).numpy())


# --------------------------------------------------------------------------- NumPy and a Tensor


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # PyTorch's own __array__
def test_np_array_of_a_tensor_gives_its_values_and_refuses_one_that_requires_grad_as_pytorch() -> None:
    values = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    t = Tensor(values)
    for converted in (np.array(t), np.asarray(t), np.asarray(t, dtype=np.float64)):
        assert converted.dtype != object and converted.shape == (2, 2)  # an object array of 0-d tensors before
        np.testing.assert_array_equal(converted, values)
    assert np.array(t).dtype == np.float32
    w = Tensor(values, requires_grad=True)
    with pytest.raises(RuntimeError):
        np.array(torch.from_numpy(values).requires_grad_())  # the oracle refuses it too
    with pytest.raises(RuntimeError, match=r"requires grad.*np\.array\(t\.detach\(\)\)"):
        np.array(w)
    np.testing.assert_array_equal(np.array(w.detach()), values)


def test_numpy_operators_with_an_array_on_the_left_keep_the_graph() -> None:
    w = leaf([1.0, -2.0])
    out = np.array([3.0, 4.0]) * w + np.array([1.0, 1.0])
    assert isinstance(out, Tensor) and out.grad_fn is not None
    out.backward(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(w.grad, [3.0, 8.0])
    assert isinstance(np.array([0.0, 0.0]) < w, Tensor)


@pytest.mark.parametrize(
    ("call", "advice"),
    [
        (lambda t: np.exp(t), r"np\.exp .*use t\.exp\(\)"),
        (lambda t: np.mean(t), r"np\.mean .*use t\.mean\(\)"),
        (lambda t: np.maximum(t, t), r"minigrad\.maximum\(a, b\)"),
        (lambda t: np.concatenate([t, t]), r"minigrad\.cat\(tensors\)"),
        (lambda t: np.add.reduce(t), r"np\.add\.reduce .*t\.sum\(\)"),
    ],
)
def test_other_numpy_functions_on_a_tensor_are_refused_with_the_minigrad_spelling(call: Any, advice: str) -> None:
    with pytest.raises(TypeError, match=advice + r".*t\.detach\(\)\.numpy\(\)"):
        call(Tensor([1.0, 2.0]))

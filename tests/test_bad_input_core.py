"""Bad input to tensors, ops and backward: a clear error or the right answer, never a silent wrong number.

Each error case asserts the exception type and that the message names the op
and the offending value, dtype or shape.  The right-answer cases compare with
PyTorch float64 (promotion of integer input), and each error is raised before
any state changes.  Every case here failed on the code before issue 7: it
returned a truncated or broadcast result, or raised NumPy's or Python's own
words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minigrad
import minigrad.functional as F
from minigrad import Tensor


def leaf(*shape: int) -> Tensor:
    return Tensor(np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape) / 7.0, requires_grad=True)


def _assign_grad(t: Tensor, value: Any) -> None:
    t.grad = value


# (id, thunk, exception type, patterns that must all appear in the message)
CASES: list[tuple[str, Callable[[], Any], type[BaseException], tuple[str, ...]]] = [
    # construction
    ("text-data", lambda: Tensor("1.5"), TypeError, (r"^Tensor:", r"str '1\.5'", r"float\('1\.5'\)")),
    ("none-data", lambda: Tensor(None), TypeError, (r"^Tensor:", r"NoneType None")),
    ("object-data", lambda: Tensor([object()]), TypeError, (r"^Tensor:", r"dtype object")),
    ("complex-data", lambda: Tensor([1 + 2j]), TypeError, (r"^Tensor:", r"complex", r"complex128")),
    (
        "ragged-lists",
        lambda: Tensor([[1.0, 2.0], [3.0]]),
        ValueError,
        (r"^Tensor:", r"ragged", r"\[\[1\.0, 2\.0\], \[3\.0\]\]"),
    ),
    (
        "int-requires-grad",
        lambda: Tensor([1, 2], requires_grad=True),
        TypeError,
        (r"requires_grad", r"int64", r"double"),
    ),
    ("bool-requires-grad", lambda: Tensor([True]).requires_grad_(), TypeError, (r"requires_grad", r"dtype bool")),
    ("complex-operand", lambda: leaf(2) * np.array([1j, 2j]), TypeError, (r"^mul:", r"complex128")),
    ("complex-number", lambda: leaf(2) + 1j, TypeError, (r"^add:", r"complex")),
    ("text-operand", lambda: leaf(2) - "a", TypeError, (r"^sub:", r"str 'a'")),
    ("astype-complex", lambda: leaf(2).astype(np.complex64), TypeError, (r"^astype:", r"complex64")),
    # float-only ops on integers: PyTorch refuses these
    ("var-int", lambda: Tensor([1, 2, 3, 4]).var(), TypeError, (r"^var:", r"int64", r"double\(\)")),
    ("mean-int", lambda: Tensor([1, 2]).mean(), TypeError, (r"^mean:", r"int64")),
    ("gelu-int", lambda: Tensor([1, 2, -3]).gelu(), TypeError, (r"^gelu:", r"int64")),
    ("softmax-int", lambda: Tensor([1, 2]).softmax(), TypeError, (r"^softmax:", r"int64")),
    ("log-softmax-bool", lambda: Tensor([True]).log_softmax(), TypeError, (r"^log_softmax:", r"bool")),
    (
        "cross-entropy-int-logits",
        lambda: F.cross_entropy(Tensor([[1, 2, 3]]), [0]),
        TypeError,
        (r"^cross_entropy:", r"int64"),
    ),
    ("mse-int", lambda: F.mse_loss(Tensor([1, 2]), Tensor([1, 3])), TypeError, (r"^mse_loss:", r"int64")),
    ("neg-bool", lambda: -Tensor([True, False]), TypeError, (r"^neg:", r"bool", r"~mask")),
    # backward(grad)
    ("grad-complex", lambda: (leaf(2) * 2.0).backward(np.array([1 + 1j, 1])), TypeError, (r"^backward:", r"complex")),
    ("grad-none-inside", lambda: (leaf(2) * 2.0).backward([None, 1.0]), TypeError, (r"^backward:", r"\[None, 1\.0\]")),
    ("grad-text", lambda: (leaf(1) * 2.0).backward(np.array(["a"])), TypeError, (r"^backward:", r"grad", r"<U1")),
    ("grad-bool", lambda: (leaf(2) * 2.0).backward(np.array([True, False])), TypeError, (r"^backward:", r"bool")),
    ("grad-nan", lambda: (leaf(2) * 2.0).backward([np.nan, 1.0]), ValueError, (r"^backward:", r"NaN")),
    (
        "grad-broadcastable-shape",
        lambda: (leaf(2, 3) * 2.0).backward(np.ones(3)),
        ValueError,
        (r"^backward:", r"\(3,\)", r"\(2, 3\)"),
    ),
    # .grad assignment
    (
        "grad-wrong-shape",
        lambda: _assign_grad(leaf(3), np.zeros((2, 3))),
        ValueError,
        (r"^\.grad:", r"\(2, 3\)", r"\(3,\)"),
    ),
    ("grad-int", lambda: _assign_grad(leaf(3), np.zeros(3, dtype=np.int64)), TypeError, (r"^\.grad:", r"int64")),
    ("grad-text-value", lambda: _assign_grad(leaf(1), np.array(["x"])), TypeError, (r"^\.grad:", r"<U1")),
    # numpy() / .data
    ("numpy-requires-grad", lambda: leaf(2).numpy(), RuntimeError, (r"^numpy\(\):", r"detach\(\)\.numpy\(\)")),
    ("data-text", lambda: setattr(Tensor([1.0]), "data", "abc"), TypeError, (r"^\.data:", r"str 'abc'")),
    ("data-int-on-param", lambda: setattr(leaf(2), "data", np.array([1, 2])), TypeError, (r"^\.data:", r"int64")),
    # axes: one resolver, one policy
    ("sum-float-axis", lambda: leaf(2, 2).sum(axis=1.0), TypeError, (r"^sum:", r"float 1\.0")),
    ("mean-text-axis", lambda: leaf(2, 2).mean(axis="rows"), TypeError, (r"^mean:", r"str 'rows'")),
    ("max-bool-axis", lambda: leaf(2, 2).max(axis=True), TypeError, (r"^max:", r"bool True")),
    ("var-axis-range", lambda: leaf(2, 2).var(axis=-3), ValueError, (r"^var:", r"axis -3", r"2 dimension", r"-2 to 1")),
    ("softmax-both", lambda: leaf(3).softmax(0, dim=0), TypeError, (r"^softmax:", r"axis=0", r"dim=0")),
    ("cat-both", lambda: minigrad.cat([leaf(2)], axis=0, dim=0), TypeError, (r"^cat:", r"axis=0", r"dim=0")),
    ("stack-both", lambda: minigrad.stack([leaf(2)], axis=0, dim=1), TypeError, (r"^stack:", r"axis=0", r"dim=1")),
    ("argmax-both", lambda: leaf(2, 2).argmax(0, dim=1), TypeError, (r"^argmax:", r"axis=0", r"dim=1")),
    ("argmax-range", lambda: leaf(2, 2).argmax(2), ValueError, (r"^argmax:", r"axis 2", r"2 dimension")),
    ("unsqueeze-float", lambda: leaf(2).unsqueeze(0.5), TypeError, (r"^unsqueeze:", r"float 0\.5")),
    # cat / stack
    (
        "cat-axis-range",
        lambda: minigrad.cat([leaf(2, 3), leaf(2, 3)], axis=2),
        ValueError,
        (r"^cat:", r"axis 2", r"2 dimension"),
    ),
    ("cat-0d", lambda: minigrad.cat([Tensor(1.0), Tensor(2.0)]), ValueError, (r"^cat:", r"zero-dimensional", r"stack")),
    (
        "cat-mismatch",
        lambda: minigrad.cat([leaf(2, 3), leaf(2, 4)]),
        ValueError,
        (r"^cat:", r"tensor 1 has shape \(2, 4\)", r"axis 0"),
    ),
    ("cat-ndim", lambda: minigrad.cat([leaf(2, 3), leaf(3)]), ValueError, (r"^cat:", r"tensor 1 has shape \(3,\)")),
    ("cat-one-tensor", lambda: minigrad.cat(leaf(2, 3)), TypeError, (r"^cat:", r"list or tuple", r"Tensor")),
    (
        "stack-axis-range",
        lambda: minigrad.stack([leaf(2), leaf(2)], axis=2),
        ValueError,
        (r"^stack:", r"axis 2", r"-2 to 1"),
    ),
    (
        "stack-mismatch",
        lambda: minigrad.stack([leaf(2), leaf(3)]),
        ValueError,
        (r"^stack:", r"tensor 1 has shape \(3,\)"),
    ),
    # in-place
    ("add_-float-into-int", lambda: Tensor([1, 2]).add_(0.5), TypeError, (r"^add_:", r"0\.5", r"int64", r"float64")),
    ("setitem-float-into-int", lambda: Tensor([1, 2]).__setitem__(0, 0.5), TypeError, (r"^__setitem__:", r"0\.5")),
    ("mul_-text", lambda: Tensor([1.0]).mul_("x"), TypeError, (r"^mul_:", r"str 'x'")),
    # sizes and dtypes: never truncated
    ("reshape-float-size", lambda: leaf(6).reshape(2.0, 3), TypeError, (r"^reshape:", r"float 2\.0")),
    ("broadcast-float-size", lambda: leaf(3).broadcast_to((2, 3.0)), TypeError, (r"^broadcast_to:", r"float 3\.0")),
    ("pow-int-negative", lambda: Tensor([2, 4]) ** -1, ValueError, (r"^pow:", r"int64", r"-1")),
    ("astype-not-a-dtype", lambda: leaf(2).astype("banana"), TypeError, (r"^astype:", r"banana")),
    ("list-of-tensors", lambda: Tensor([Tensor(1.0), Tensor(2.0)]), TypeError, (r"^Tensor:", r"minigrad\.stack")),
    # Python conversions
    ("float-many", lambda: float(leaf(2)), ValueError, (r"^float\(\):", r"\(2,\)")),
    ("bool-many", lambda: bool(Tensor([1.0, 0.0])), ValueError, (r"^bool\(\):", r"\(2,\)", r"\.any\(\)")),
    ("int-many", lambda: int(Tensor([[1, 2]])), ValueError, (r"^int\(\):", r"\(1, 2\)")),
]


@pytest.mark.parametrize(("name", "thunk", "error", "patterns"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_naming_the_op_and_the_value(
    name: str, thunk: Callable[[], Any], error: type[BaseException], patterns: tuple[str, ...]
) -> None:
    with pytest.raises(error) as info:
        thunk()
    message = str(info.value)
    for pattern in patterns:
        assert re.search(pattern, message), f"{name}: {pattern!r} not in {message!r}"


# --------------------------------------------------------------------------- integer input: promote like PyTorch


PROMOTING = {
    "exp": (lambda t: t.exp(), torch.exp),
    "log": (lambda t: t.log(), torch.log),
    "sqrt": (lambda t: t.sqrt(), torch.sqrt),
    "tanh": (lambda t: t.tanh(), torch.tanh),
    "sigmoid": (lambda t: t.sigmoid(), torch.sigmoid),
    "logsumexp": (lambda t: t.logsumexp(), lambda t: torch.logsumexp(t, dim=0)),
    "div": (lambda t: t / 4, lambda t: t / 4),
}


@pytest.mark.parametrize("op", sorted(PROMOTING))
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_input_is_promoted_to_float64_never_truncated(op: str, dtype: Any) -> None:
    values = np.array([1, 2, 3, 0, 7], dtype=dtype)
    ours, theirs = PROMOTING[op]
    with np.errstate(divide="ignore"):  # log(0) = -inf, on both sides
        out = ours(Tensor(values))
    assert out.dtype == np.float64, f"{op} on {np.dtype(dtype)} gave {out.dtype}"
    expected = theirs(torch.from_numpy(values.astype(np.float64))).numpy()
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=0)


def test_integer_ops_torch_keeps_integer_stay_integer() -> None:
    t = Tensor([1, -2, 3])
    for out, expected in [(t.sum(), 2), (t.max(), 3), (t.relu().sum(), 4), (abs(t).sum(), 6), ((t * t).sum(), 14)]:
        assert out.dtype.kind == "i" and out.item() == expected


# --------------------------------------------------------------------------- .grad and backward


def test_grad_assignment_casts_to_the_tensor_dtype_and_accumulates_in_its_shape() -> None:
    w = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    w.grad = np.full(3, 0.5)  # float64 into a float32 tensor: cast, as the tensor's own dtype
    assert w.grad is not None and w.grad.dtype == np.float32
    v = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    (w * Tensor(v)).sum().backward()
    np.testing.assert_array_equal(w.grad, np.float32(0.5) + v)
    w.grad = None
    assert w.grad is None


def test_a_misshapen_grad_left_by_an_unchecked_backward_is_caught_at_the_next_accumulation() -> None:
    # With the guard off a wrong backward rule may leave a (3, 5) .grad on a (3, 1) leaf; the old engine then
    # broadcast every later gradient into it with +=, silently, even with the guard back on.
    from minigrad.tensor import result

    a = Tensor(np.ones((3, 1)), requires_grad=True)
    stretched = result(np.ones((3, 5)), "stretch", (a,), lambda g: (g,))  # a backward rule that forgot to sum
    with minigrad.shape_check(False):
        stretched.sum().backward()
    assert a.grad is not None and a.grad.shape == (3, 5)
    with pytest.raises(minigrad.GradShapeError, match=r"\.grad of a tensor of shape \(3, 1\) has shape \(3, 5\)"):
        (a * 2.0).sum().backward()
    a.grad = None
    (a * 2.0).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full((3, 1), 2.0))


def test_errors_in_backward_change_no_grad() -> None:
    x = leaf(2)
    y = x * 3.0
    for bad in ([np.nan, 1.0], np.array([1j, 1]), np.ones(3), [None, 2.0]):
        with pytest.raises((TypeError, ValueError)):
            y.backward(bad)
    assert x.grad is None
    y.backward(np.array([1.0, -1.0]))  # the graph was not freed by the refused calls
    np.testing.assert_array_equal(x.grad, [3.0, -3.0])


def test_detach_numpy_shares_the_array_and_numpy_works_on_constants() -> None:
    x = leaf(3)
    assert np.shares_memory(x.detach().numpy(), x.data)
    c = Tensor([1.0, 2.0])
    assert np.shares_memory(c.numpy(), c.data)


def test_a_refused_in_place_update_leaves_the_tensor_and_its_version_alone() -> None:
    t = Tensor([1, 2])
    with pytest.raises(TypeError):
        t.add_(0.5)
    np.testing.assert_array_equal(t.data, [1, 2])
    assert t._version == 0
    t.add_(3)  # an integer update of an integer tensor is exact: allowed
    np.testing.assert_array_equal(t.data, [4, 5])


def test_a_cast_to_integers_is_a_constant_not_a_differentiable_op() -> None:
    x = leaf(3)
    assert x.astype(np.int64).requires_grad is False
    assert x.double().requires_grad is True


# --------------------------------------------------------------------------- D1: one constructor


def test_gradcheck_passes_when_fn_calls_retain_grad_on_an_intermediate() -> None:
    x = Tensor(np.random.default_rng(7).standard_normal((2, 3)), requires_grad=True)

    def fn(t: Tensor) -> Tensor:
        h = t.tanh()
        h.retain_grad()
        return h * h

    assert minigrad.gradcheck(fn, [x])
    assert minigrad.gradcheck(fn, [x], fast=True)


def test_every_kind_of_tensor_has_every_slot() -> None:
    x = leaf(2)
    made = [x, Tensor._wrap(np.ones(2)), x * 2.0, x.detach(), minigrad.cat([x, x]), Tensor(x)]
    for t in made:
        for slot in Tensor.__slots__:
            if slot != "__weakref__":
                getattr(t, slot)  # AttributeError if a constructor path forgot it

"""``minigrad.unbroadcast`` on its own: hand-derived sums, errors, and a property test against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import BroadcastableShapes, mutually_broadcastable_shapes

from minigrad import unbroadcast


def test_sums_the_created_leading_axis() -> None:
    g = np.arange(12.0).reshape(4, 3)  # rows [0 1 2] [3 4 5] [6 7 8] [9 10 11]
    np.testing.assert_array_equal(unbroadcast(g, (3,)), [18.0, 22.0, 26.0])


def test_sums_several_created_axes() -> None:
    g = np.ones((2, 5, 3))
    out = unbroadcast(g, (3,))
    assert out.shape == (3,)
    np.testing.assert_array_equal(out, [10.0, 10.0, 10.0])


def test_sums_a_stretched_length_one_axis_and_keeps_it() -> None:
    g = np.arange(15.0).reshape(3, 5)  # row sums 10, 35, 60
    out = unbroadcast(g, (3, 1))
    assert out.shape == (3, 1)
    np.testing.assert_array_equal(out, [[10.0], [35.0], [60.0]])


def test_sums_created_and_stretched_axes_together() -> None:
    g = np.arange(24.0).reshape(2, 3, 4)
    out = unbroadcast(g, (3, 1))
    # g[a, i, c] = 12a + 4i + c; out[i, 0] = sum over a < 2, c < 4 = 4 * 12 + 8 * 4i + 2 * 6 = 60 + 32i
    assert out.shape == (3, 1)
    np.testing.assert_array_equal(out, [[60.0], [92.0], [124.0]])


def test_stretched_axis_in_the_middle() -> None:
    g = np.arange(24.0).reshape(2, 3, 4)
    out = unbroadcast(g, (2, 1, 4))
    # out[a, 0, c] = sum_i (12a + 4i + c) = 36a + 12 + 3c
    expected = np.array([[[36.0 * a + 12.0 + 3.0 * c for c in range(4)]] for a in range(2)])
    assert out.shape == (2, 1, 4)
    np.testing.assert_array_equal(out, expected)


def test_length_one_axis_that_was_not_stretched_is_left_alone() -> None:
    g = np.arange(6.0).reshape(3, 1, 2)
    out = unbroadcast(g, (1, 2))
    # axis 0 created (summed), axis 1 length 1 in both: nothing to sum there
    np.testing.assert_array_equal(out, [[0.0 + 2.0 + 4.0, 1.0 + 3.0 + 5.0]])


def test_zero_d_target_sums_everything_and_returns_an_ndarray() -> None:
    g = np.arange(6.0).reshape(2, 3)
    out = unbroadcast(g, ())
    assert type(out) is np.ndarray  # not a NumPy scalar: callers may write into it
    assert out.shape == ()
    assert out == 15.0


def test_zero_d_target_from_a_one_element_gradient() -> None:
    out = unbroadcast(np.array([[2.5]]), ())
    assert type(out) is np.ndarray and out.shape == () and out == 2.5


def test_identity_when_nothing_was_broadcast() -> None:
    g = np.arange(6.0).reshape(2, 3)
    out = unbroadcast(g, (2, 3))
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(out, g)
    assert type(unbroadcast(np.array(3.0), ())) is np.ndarray


def test_accepts_a_list_as_shape_and_keeps_dtype() -> None:
    g = np.ones((4, 3), dtype=np.float32)
    out = unbroadcast(g, [1, 3])  # type: ignore[arg-type]
    assert out.shape == (1, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out, [[4.0, 4.0, 4.0]])


@pytest.mark.parametrize(
    "grad_shape,shape",
    [((4, 3), (4,)), ((4, 3), (2, 3)), ((3,), (4, 3)), ((2, 3), (3, 2)), ((5,), (2,))],
)
def test_incompatible_shapes_raise_a_value_error_naming_both(
    grad_shape: tuple[int, ...], shape: tuple[int, ...]
) -> None:
    with pytest.raises(ValueError, match="unbroadcast") as info:
        unbroadcast(np.ones(grad_shape), shape)
    assert str(grad_shape) in str(info.value) and str(shape) in str(info.value)


# --------------------------------------------------------------------------- property test


def _sum_to_shape_by_loops(big: np.ndarray, small: tuple[int, ...]) -> np.ndarray:
    """The reduction spelled out element by element: every output cell sums the cells that map onto it."""
    out = np.zeros(small)
    lead = big.ndim - len(small)
    for idx in np.ndindex(big.shape):
        target = tuple(0 if n == 1 else i for i, n in zip(idx[lead:], small))
        out[target] += big[idx]
    return out


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=1, max_side=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_unbroadcast_equals_torch_sum_to_size_and_an_explicit_loop(shapes: BroadcastableShapes, seed: int) -> None:
    rng = np.random.default_rng(seed)
    small, _ = shapes.input_shapes
    big = shapes.result_shape
    x = rng.standard_normal(small)
    w = rng.standard_normal(big)
    grad = np.broadcast_to(x, big) * w
    out = unbroadcast(grad, small)
    assert type(out) is np.ndarray
    assert out.shape == small
    # torch's sum_to_size: an independent implementation of the same reduction
    expected = torch.from_numpy(np.array(grad)).sum_to_size(small).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out, _sum_to_shape_by_loops(grad, small), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("grad_shape", "shape", "expected"),
    [
        ((4, 3), (3,), (1, ())),  # one created leading axis
        ((2, 5, 3), (3,), (2, ())),
        ((3, 5), (3, 1), (0, (1,))),  # one stretched axis, numbered in the gradient's shape
        ((2, 3, 5), (3, 1), (1, (2,))),
        ((4, 1, 6), (1, 1, 6), (0, (0,))),  # a length-1 axis that stays 1 is not stretched
        ((3,), (3,), (0, ())),
        ((2, 3), (3, 2), None),  # not broadcast-compatible
        ((3,), (2, 3), None),  # the operand has more axes than the gradient
    ],
)
def test_broadcast_axes_says_which_axes_unbroadcast_sums(
    grad_shape: tuple[int, ...], shape: tuple[int, ...], expected: tuple[int, tuple[int, ...]] | None
) -> None:
    from minigrad.unbroadcast import broadcast_axes

    assert broadcast_axes(grad_shape, shape) == expected


def test_the_shape_guard_names_the_axes_broadcast_axes_finds() -> None:
    from minigrad.engine import missing_reduction

    assert missing_reduction((2, 3, 5), (3, 1)) == "sum over axes 0, 2 (unbroadcast)"
    assert missing_reduction((4, 3), (3,)) == "sum over axis 0 (unbroadcast)"
    assert "not broadcast-compatible" in missing_reduction((2, 3), (3, 2))

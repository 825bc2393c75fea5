"""Edge cases: repeated indices, extreme logits, 0-d and empty tensors, dtypes, ties and kinks, bad input."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from oracles import check_against_torch, rng_for, sample

import minigrad
import minigrad.functional as F
from minigrad import Tensor

# --------------------------------------------------------------------------- repeated integer indices


def test_duplicate_indices_accumulate_hand_derived() -> None:
    x = Tensor(np.arange(5.0), requires_grad=True)
    index = [0, 0, 3, 0, 1]
    w = np.array([1.0, 10.0, 100.0, 1000.0, 10000.0])  # upstream: each read gets a distinct digit
    y = x[index]
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 3.0, 0.0, 1.0])
    y.backward(w)
    # x[0] read at positions 0, 1, 3; x[1] at 4; x[3] at 2; x[2] and x[4] never
    np.testing.assert_array_equal(x.grad, [1011.0, 10000.0, 0.0, 100.0, 0.0])


def test_duplicate_indices_counts_with_sum() -> None:
    x = Tensor(np.zeros((3, 2)), requires_grad=True)
    x[np.array([2, 2, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 1.0], [0.0, 0.0], [3.0, 3.0]])


def test_duplicate_coordinate_pairs_accumulate() -> None:
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    rows, cols = [1, 1, 0, 1], [2, 2, 0, 0]
    x[rows, cols].backward(np.array([2.0, 3.0, 5.0, 7.0]))
    np.testing.assert_array_equal(x.grad, [[5.0, 0.0, 0.0], [7.0, 0.0, 5.0]])


def test_duplicate_indices_in_a_mixed_index() -> None:
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    x[:, [1, 1]].backward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(x.grad, [[0.0, 3.0, 0.0], [0.0, 7.0, 0.0]])


def test_repeated_indices_across_two_getitem_nodes() -> None:
    x = Tensor(np.zeros(3), requires_grad=True)
    (x[[0, 0]].sum() * 2.0 + x[[0, 2]].sum() * 5.0).backward()
    np.testing.assert_array_equal(x.grad, [2 * 2.0 + 5.0, 0.0, 5.0])


# --------------------------------------------------------------------------- extreme logits


EXTREME_LOGITS = np.array([[1e4, -1e4, 0.0, 9999.0], [-1e4, -1e4 + 1.0, -9999.5, -1e4], [3.0, -2.0, 1e4, 1e4]])
EXTREME_TARGETS = np.array([1, 3, 0])

EXTREME_OPS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "softmax": (lambda z: z.softmax(-1), lambda z: z.softmax(-1)),
    "softmax-axis0": (lambda z: F.softmax(z, dim=0), lambda z: TF.softmax(z, dim=0)),
    "log_softmax": (lambda z: z.log_softmax(-1), lambda z: z.log_softmax(-1)),
    "log_softmax-axis0": (lambda z: F.log_softmax(z, 0), lambda z: TF.log_softmax(z, dim=0)),
    "logsumexp": (lambda z: z.logsumexp(-1), lambda z: z.logsumexp(-1)),
    "logsumexp-all": (lambda z: z.logsumexp(), lambda z: z.logsumexp(dim=(0, 1))),
    "cross_entropy": (
        lambda z: F.cross_entropy(z, EXTREME_TARGETS),
        lambda z: TF.cross_entropy(z, torch.from_numpy(EXTREME_TARGETS)),
    ),
    "cross_entropy-none": (
        lambda z: F.cross_entropy(z, EXTREME_TARGETS, reduction="none"),
        lambda z: TF.cross_entropy(z, torch.from_numpy(EXTREME_TARGETS), reduction="none"),
    ),
    "sigmoid": (lambda z: z.sigmoid(), torch.sigmoid),
    "tanh": (lambda z: z.tanh(), torch.tanh),
}


@pytest.mark.parametrize("name", list(EXTREME_OPS))
def test_extreme_logits_stay_finite_and_match_torch(name: str) -> None:
    mg_fn, th_fn = EXTREME_OPS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow in exp, no log(0)
        out, (z,) = check_against_torch(mg_fn, th_fn, [EXTREME_LOGITS], seed=name)
    assert np.all(np.isfinite(out.data))
    assert z.grad is not None and np.all(np.isfinite(z.grad))


def test_extreme_logits_float32() -> None:
    z32 = EXTREME_LOGITS.astype(np.float32)
    for name, (mg_fn, th_fn) in EXTREME_OPS.items():
        out, (z,) = check_against_torch(mg_fn, th_fn, [z32], seed=name, rtol=1e-5, atol=1e-5)
        assert out.dtype == np.float32 and np.all(np.isfinite(out.data)), name
        assert z.grad is not None and np.all(np.isfinite(z.grad)), name


def test_logsumexp_with_minus_infinity_entries() -> None:
    x = np.array([[-np.inf, 0.0, np.log(3.0)], [1.0, -np.inf, 1.0]])
    out, (t,) = check_against_torch(lambda a: a.logsumexp(-1), lambda a: a.logsumexp(-1), [x], seed="lse-inf")
    np.testing.assert_allclose(out.data, [np.log(4.0), 1.0 + np.log(2.0)], rtol=1e-12)
    assert t.grad is not None and t.grad[0, 0] == 0.0 and t.grad[1, 1] == 0.0


# --------------------------------------------------------------------------- 0-d tensors

ZERO_D_OPS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], str]] = {
    "neg": (lambda a: -a, lambda a: -a, "real"),
    "exp": (lambda a: a.exp(), torch.exp, "real"),
    "log": (lambda a: a.log(), torch.log, "positive"),
    "sqrt": (lambda a: a.sqrt(), torch.sqrt, "positive"),
    "abs": (lambda a: a.abs(), torch.abs, "nonzero"),
    "relu": (lambda a: a.relu(), torch.relu, "nonzero"),
    "tanh": (lambda a: a.tanh(), torch.tanh, "real"),
    "sigmoid": (lambda a: a.sigmoid(), torch.sigmoid, "real"),
    "gelu": (lambda a: a.gelu(), TF.gelu, "real"),
    "gelu-tanh": (lambda a: a.gelu("tanh"), lambda a: TF.gelu(a, approximate="tanh"), "real"),
    "clip": (lambda a: a.clip(-0.1, 0.1), lambda a: a.clamp(-0.1, 0.1), "real"),
    "pow": (lambda a: a**3, lambda a: a**3, "real"),
    "rpow": (lambda a: 2.0**a, lambda a: 2.0**a, "real"),
    "mul-scalar": (lambda a: a * 3.0, lambda a: a * 3.0, "real"),
    "add-scalar": (lambda a: a + 3.0, lambda a: a + 3.0, "real"),
    "rdiv": (lambda a: 1.0 / a, lambda a: 1.0 / a, "nonzero"),
    "maximum": (lambda a: minigrad.maximum(a, 0.1), lambda a: torch.clamp(a, min=0.1), "nonzero"),
    "where": (lambda a: minigrad.where(a > 0, a, a * 0.5), lambda a: torch.where(a > 0, a, a * 0.5), "nonzero"),
    "softmax": (lambda a: a.softmax(), lambda a: a.softmax(-1), "real"),
    "log_softmax": (lambda a: a.log_softmax(), lambda a: a.log_softmax(-1), "real"),
    "sum": (lambda a: a.sum(), torch.sum, "real"),
    "sum-axis0": (lambda a: a.sum(0), lambda a: a.sum(0), "real"),
    "sum-axis-1-keepdims": (lambda a: a.sum(-1, keepdims=True), lambda a: a.sum(-1, keepdim=True), "real"),
    "mean": (lambda a: a.mean(), torch.mean, "real"),
    "max": (lambda a: a.max(), torch.amax, "real"),
    "min": (lambda a: a.min(axis=0), lambda a: torch.amin(a, dim=0), "real"),
    "logsumexp": (lambda a: a.logsumexp(), lambda a: a.logsumexp(dim=0), "real"),
    "var-correction0": (lambda a: a.var(correction=0), lambda a: a.var(correction=0), "real"),
    "reshape": (lambda a: a.reshape(1, 1), lambda a: a.reshape(1, 1), "real"),
    "unsqueeze": (lambda a: a.unsqueeze(0), lambda a: a.unsqueeze(0), "real"),
    "flatten": (lambda a: a.flatten(), lambda a: a.flatten(), "real"),
    "broadcast_to": (lambda a: a.broadcast_to((2, 3)), lambda a: a.expand(2, 3), "real"),
    "getitem-none": (lambda a: a[None], lambda a: a[None], "real"),
    "getitem-ellipsis": (lambda a: a[...], lambda a: a[...], "real"),
    "stack": (lambda a: minigrad.stack([a, a * 2.0]), lambda a: torch.stack([a, a * 2.0]), "real"),
    "matmul-after-unsqueeze": (
        lambda a: a.unsqueeze(0) @ a.unsqueeze(0),
        lambda a: a.unsqueeze(0) @ a.unsqueeze(0),
        "real",
    ),
}


@pytest.mark.parametrize("name", list(ZERO_D_OPS))
def test_zero_d_tensor_through_op_matches_torch(name: str) -> None:
    mg_fn, th_fn, domain = ZERO_D_OPS[name]
    x = sample(rng_for(name), (), domain)
    _, (t,) = check_against_torch(mg_fn, th_fn, [x], seed=name)
    assert t.grad is not None and t.grad.shape == () and type(t.grad) is np.ndarray


def test_zero_d_results_hold_a_0d_ndarray() -> None:
    x = Tensor(np.array(0.3), requires_grad=True)
    scalars = [name for name, (mg_fn, _, _) in ZERO_D_OPS.items() if type(mg_fn(x).data) is not np.ndarray]
    assert scalars == [], f"ops whose 0-d result is not an ndarray: {scalars}"


def test_in_place_update_of_a_0d_result() -> None:
    y = Tensor(np.array(2.0)).exp()
    y += 1.0
    np.testing.assert_allclose(y.data, np.exp(2.0) + 1.0)


# --------------------------------------------------------------------------- empty tensors

EMPTY_CASES: dict[str, tuple[Callable[..., Any], Callable[..., Any], list[tuple[int, ...]]]] = {
    "sum-over-empty-axis": (lambda a: a.sum(0), lambda a: a.sum(0), [(0, 3)]),
    "sum-all-empty": (lambda a: a.sum(), lambda a: a.sum(), [(0, 3)]),
    "sum-keeping-empty-axis": (lambda a: a.sum(1), lambda a: a.sum(1), [(0, 3)]),
    "mean-over-empty-axis-is-nan": (lambda a: a.mean(0), lambda a: a.mean(0), [(0, 3)]),
    "exp-of-empty": (lambda a: a.exp(), torch.exp, [(2, 0)]),
    "reshape-empty": (lambda a: a.reshape(3, 0, 2), lambda a: a.reshape(3, 0, 2), [(0, 6)]),
    "reshape-empty-minus-one": (lambda a: a.reshape(-1, 3), lambda a: a.reshape(-1, 3), [(2, 0, 3)]),
    "transpose-empty": (lambda a: a.T, lambda a: a.T, [(0, 4)]),
    "cat-with-empty-part": (lambda a, b: minigrad.cat([a, b]), lambda a, b: torch.cat([a, b]), [(0, 3), (2, 3)]),
    "cat-with-empty-middle": (
        lambda a, b, c: minigrad.cat([a, b, c], axis=1),
        lambda a, b, c: torch.cat([a, b, c], dim=1),
        [(2, 1), (2, 0), (2, 2)],
    ),
    "matmul-empty-inner": (lambda a, b: a @ b, lambda a, b: a @ b, [(2, 0), (0, 3)]),
    "add-broadcast-empty": (lambda a, b: a + b, lambda a, b: a + b, [(0, 3), (3,)]),
    "mul-broadcast-empty": (lambda a, b: a * b, lambda a, b: a * b, [(0, 1), (1, 4)]),
    "getitem-empty-slice": (lambda a: a[2:2], lambda a: a[2:2], [(4, 3)]),
    "softmax-of-empty-batch": (lambda a: a.softmax(-1), lambda a: a.softmax(-1), [(0, 4)]),
}


@pytest.mark.parametrize("name", list(EMPTY_CASES))
def test_empty_tensors_match_torch(name: str) -> None:
    mg_fn, th_fn, shapes = EMPTY_CASES[name]
    rng = rng_for(name)
    _, leaves = check_against_torch(mg_fn, th_fn, [rng.standard_normal(s) for s in shapes], seed=name)
    for leaf, shape in zip(leaves, shapes):
        assert leaf.grad is not None and leaf.grad.shape == shape


def test_mean_over_empty_axis_is_nan_without_warnings() -> None:
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = x.mean(0)
        out.backward(np.ones(3))
    assert np.all(np.isnan(out.data)) and x.grad is not None and x.grad.shape == (0, 3)


def test_max_of_empty_raises_naming_the_op() -> None:
    with pytest.raises(ValueError, match=r"max: .*\(0, 3\)"):
        Tensor(np.zeros((0, 3))).max()
    with pytest.raises(ValueError, match=r"min: "):
        Tensor(np.zeros(0)).min()


# --------------------------------------------------------------------------- dtypes

FLOAT32_OPS: dict[str, tuple[Callable[..., Any], Callable[..., Any], list[tuple[int, ...]], str]] = {
    "add-bcast": (lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (4,)], "real"),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, [(3, 4), (3, 1)], "real"),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, [(3, 4), (3, 4)], "real"),
    "div": (lambda a, b: a / b, lambda a, b: a / b, [(3, 4), (4,)], "positive"),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, [(3, 4), (3, 4)], "positive"),
    "scalar-ops": (
        lambda a: (2.0 * a - 1) / 3.0 + a**2 - 0.5**a,
        lambda a: (2.0 * a - 1) / 3.0 + a**2 - 0.5**a,
        [(3, 4)],
        "real",
    ),
    "exp-log-sqrt": (
        lambda a: a.exp() + a.log() + a.sqrt(),
        lambda a: a.exp() + a.log() + a.sqrt(),
        [(3, 4)],
        "positive",
    ),
    "activations": (
        lambda a: a.relu() + a.tanh() + a.sigmoid() + a.gelu() + a.gelu("tanh") + abs(a) + a.clip(-0.5, 0.5),
        lambda a: (
            a.relu()
            + a.tanh()
            + a.sigmoid()
            + TF.gelu(a)
            + TF.gelu(a, approximate="tanh")
            + a.abs()
            + a.clamp(-0.5, 0.5)
        ),
        [(3, 4)],
        "kinkfree",
    ),
    "maximum-minimum-where": (
        lambda a, b: minigrad.maximum(a, b) + minigrad.minimum(a, 0.0) + minigrad.where(a > b, a, 0.0),
        lambda a, b: torch.maximum(a, b) + torch.clamp(a, max=0.0) + torch.where(a > b, a, 0.0),
        [(3, 4), (4,)],
        "real",
    ),
    "reductions": (
        lambda a: a.sum(0) + a.mean(0) + a.max(0) + a.min(0) + a.logsumexp(0) + a.var(0),
        lambda a: a.sum(0) + a.mean(0) + a.amax(0) + a.amin(0) + a.logsumexp(0) + a.var(0),
        [(3, 4)],
        "real",
    ),
    "shapes-and-indexing": (
        lambda a: minigrad.cat([a.T.reshape(2, 6), a[[0, 0]].reshape(2, 4)], axis=1).flatten()[::2],
        lambda a: torch.cat([a.T.reshape(2, 6), a[[0, 0]].reshape(2, 4)], dim=1).flatten()[::2],
        [(3, 4)],
        "real",
    ),
    "stack-unsqueeze-squeeze": (
        lambda a: minigrad.stack([a, a * 2.0], axis=-1).unsqueeze(0).squeeze(),
        lambda a: torch.stack([a, a * 2.0], dim=-1).unsqueeze(0).squeeze(),
        [(3, 4)],
        "real",
    ),
    "mlp-cross-entropy": (
        lambda x, w1, w2: F.cross_entropy((x @ w1).relu() @ w2, np.array([0, 2, 1])),
        lambda x, w1, w2: TF.cross_entropy((x @ w1).relu() @ w2, torch.tensor([0, 2, 1])),
        [(3, 4), (4, 5), (5, 3)],
        "real",
    ),
    "softmax-family": (
        lambda a: a.softmax(-1) * a.log_softmax(0),
        lambda a: a.softmax(-1) * a.log_softmax(0),
        [(3, 4)],
        "real",
    ),
    "mse": (lambda a, b: F.mse_loss(a, b), lambda a, b: TF.mse_loss(a, b), [(3, 4), (3, 4)], "real"),
}


@pytest.mark.parametrize("name", list(FLOAT32_OPS))
def test_float32_end_to_end(name: str) -> None:
    mg_fn, th_fn, shapes, domain = FLOAT32_OPS[name]
    rng = rng_for(name)
    arrays = [sample(rng, s, domain).astype(np.float32) for s in shapes]
    # check_against_torch keeps dtypes: torch works in float32 too, and assert_close compares dtypes
    out, leaves = check_against_torch(mg_fn, th_fn, arrays, seed=name, rtol=1e-5, atol=1e-5)
    assert out.dtype == np.float32
    for leaf in leaves:
        assert leaf.grad is not None and leaf.grad.dtype == np.float32


@pytest.mark.parametrize(
    "expr",
    [
        lambda t: t * 2.0,
        lambda t: 2.0 * t,
        lambda t: t + 1,
        lambda t: t - 0.5,
        lambda t: 1.0 / t,
        lambda t: t**2,
        lambda t: t**0.5,
        lambda t: 3.0**t,
        lambda t: minigrad.maximum(t, 0.0),
        lambda t: minigrad.where(t > 1.0, t, 0.0),
        lambda t: t.clip(0.1, 1.0),
        lambda t: F.mse_loss(t, np.ones(3, dtype=np.float32)),
    ],
)
def test_float32_with_python_numbers_stays_float32(expr: Callable[[Tensor], Tensor]) -> None:
    t = Tensor(np.array([0.5, 1.5, 2.5], dtype=np.float32), requires_grad=True)
    out = expr(t)
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad is not None and t.grad.dtype == np.float32


def test_mixing_float32_and_float64_promotes_like_numpy() -> None:
    a32 = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    b64 = np.array([0.5, -1.0, 2.0])
    a = Tensor(a32, requires_grad=True)
    b = Tensor(b64, requires_grad=True)
    out = a * b
    assert out.dtype == (a32 * b64).dtype == np.float64
    w = np.array([1.0, 2.0, 3.0])
    out.backward(w)
    # each grad keeps its own leaf's dtype
    assert a.grad is not None and a.grad.dtype == np.float32
    assert b.grad is not None and b.grad.dtype == np.float64
    np.testing.assert_allclose(a.grad, w * b64, rtol=1e-6)
    np.testing.assert_allclose(b.grad, w * a32.astype(np.float64), rtol=1e-12)
    assert (a + b64).dtype == (a32 + b64).dtype
    assert (b64 + a).dtype == (b64 + a32).dtype
    assert (a + np.ones(3, dtype=np.float32)).dtype == np.float32
    assert minigrad.cat([a, b]).dtype == np.concatenate([a32, b64]).dtype
    assert (a @ b).dtype == (a32 @ b64).dtype


def test_astype_float_and_double_cast_gradients_back() -> None:
    x = Tensor(np.array([0.25, -1.5, 2.0]), requires_grad=True)
    y = x.float()
    assert y.dtype == np.float32
    w = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    (y * 3.0).backward(w)
    assert x.grad is not None and x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, 3.0 * w.astype(np.float64))
    z = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    z.double().astype(np.float32).double().sum().backward()
    assert z.grad is not None and z.grad.dtype == np.float32
    np.testing.assert_array_equal(z.grad, [1.0, 1.0])


@pytest.mark.parametrize("data", [np.array([1, 2, 3]), np.array([True, False]), np.array(4, dtype=np.int32)])
def test_requires_grad_on_integer_or_bool_raises_type_error(data: np.ndarray) -> None:
    with pytest.raises(TypeError, match="floating point"):
        Tensor(data, requires_grad=True)
    t = Tensor(data)
    with pytest.raises(TypeError, match=str(data.dtype)):
        t.requires_grad_()
    assert t.requires_grad is False


def test_integer_tensors_as_constants() -> None:
    x = Tensor(np.array([0.5, -2.0, 3.0]), requires_grad=True)
    k = Tensor(np.array([2, 3, 4]))
    out = x * k + k
    assert out.dtype == np.float64
    out.backward(np.array([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 30.0, 400.0])
    ints = k * k + 1
    assert ints.dtype.kind == "i" and not ints.requires_grad and ints.grad_fn is None
    np.testing.assert_array_equal(ints.data, [5, 10, 17])


def test_integer_tensors_as_indices_and_targets() -> None:
    z = sample(rng_for("int-idx"), (4, 3))
    index = Tensor(np.array([3, 0, 3]))
    targets = Tensor(np.array([2, 0, 1], dtype=np.int32))

    def mg_fn(a: Tensor) -> Tensor:
        return F.cross_entropy(a[index], targets) + a[Tensor(np.array(1))].sum()

    def th_fn(a: torch.Tensor) -> torch.Tensor:
        return TF.cross_entropy(a[torch.tensor([3, 0, 3])], torch.tensor([2, 0, 1])) + a[1].sum()

    check_against_torch(mg_fn, th_fn, [z], seed="int-idx")
    assert [10, 20, 30][Tensor(np.array(2))] == 30  # __index__


# --------------------------------------------------------------------------- ties and kinks


def test_max_ties_share_the_gradient_equally_like_amax() -> None:
    x = np.array([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, -1.0], [0.0, 1.0, 2.0, 3.0]])
    _, (t,) = check_against_torch(lambda a: a.max(1), lambda a: a.amax(1), [x], upstream=np.array([6.0, 9.0, 4.0]))
    np.testing.assert_array_equal(t.grad, [[0.0, 3.0, 3.0, 0.0], [3.0, 3.0, 3.0, 0.0], [0.0, 0.0, 0.0, 4.0]])


def test_min_ties_share_the_gradient_equally_like_amin() -> None:
    x = np.array([[2.0, -1.0], [-1.0, 7.0]])
    _, (t,) = check_against_torch(lambda a: a.min(), lambda a: a.amin(), [x], upstream=np.array(8.0))
    np.testing.assert_array_equal(t.grad, [[0.0, 4.0], [4.0, 0.0]])
    check_against_torch(
        lambda a: a.min(axis=0, keepdims=True), lambda a: a.amin(0, keepdim=True), [np.ones((3, 2))], seed=3
    )


def test_maximum_and_minimum_ties_split_in_half() -> None:
    a = np.array([1.0, 2.0, 3.0, -1.0])
    b = np.array([1.0, 0.0, 3.0, 5.0])
    w = np.array([2.0, 4.0, 6.0, 8.0])
    _, (ta, tb) = check_against_torch(minigrad.maximum, torch.maximum, [a, b], upstream=w)
    np.testing.assert_array_equal(ta.grad, [1.0, 4.0, 3.0, 0.0])
    np.testing.assert_array_equal(tb.grad, [1.0, 0.0, 3.0, 8.0])
    _, (ta, tb) = check_against_torch(minigrad.minimum, torch.minimum, [a, b], upstream=w)
    np.testing.assert_array_equal(ta.grad, [1.0, 0.0, 3.0, 8.0])
    np.testing.assert_array_equal(tb.grad, [1.0, 4.0, 3.0, 0.0])


AT_KINKS = np.array([-1.0, -0.5, -0.0, 0.0, 0.25, 0.5, 2.0])


@pytest.mark.parametrize(
    "mg_fn,th_fn",
    [
        pytest.param(lambda a: a.relu(), torch.relu, id="relu"),
        pytest.param(lambda a: a.abs(), torch.abs, id="abs"),
        pytest.param(lambda a: F.relu(a) * a, lambda a: TF.relu(a) * a, id="relu-times-x"),
        pytest.param(
            lambda a: minigrad.maximum(a, 0.5),
            lambda a: torch.maximum(a, torch.tensor(0.5, dtype=a.dtype)),
            id="maximum-scalar",
        ),
        pytest.param(lambda a: a.relu().max(), lambda a: a.relu().amax(), id="max-with-zero-ties"),
        pytest.param(lambda a: a.clip(-3.0, 3.0), lambda a: a.clamp(-3.0, 3.0), id="clip-inside-bounds"),
        pytest.param(lambda a: a.clip(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5), id="clip-at-bounds"),
        pytest.param(lambda a: a.clip(min=0.0), lambda a: a.clamp(min=0.0), id="clip-min-at-bound"),
        pytest.param(lambda a: a.clip(max=0.5), lambda a: a.clamp(max=0.5), id="clip-max-at-bound"),
    ],
)
def test_kinks_match_torch(mg_fn: Any, th_fn: Any) -> None:
    check_against_torch(mg_fn, th_fn, [AT_KINKS], seed=7)


def test_kink_conventions_hand_derived() -> None:
    x = Tensor(np.array([0.0, -0.0, 2.0, -3.0]), requires_grad=True)
    (x.relu() + x.abs()).backward(np.array([5.0, 7.0, 11.0, 13.0]))
    # relu'(0) = 0 and abs'(0) = 0 (also at -0.0); elsewhere relu' = [x > 0], abs' = sign(x)
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 22.0, -13.0])


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad_target", [4, 7, -1])
def test_cross_entropy_out_of_range_target_names_the_class_count(bad_target: int) -> None:
    z = Tensor(np.zeros((3, 4)), requires_grad=True)
    with pytest.raises(IndexError, match=rf"cross_entropy: target {bad_target} .*4 classes"):
        F.cross_entropy(z, np.array([0, bad_target, 1]))
    assert z.grad is None


def test_cross_entropy_rejects_float_targets_and_wrong_target_shapes() -> None:
    z = Tensor(np.zeros((3, 4)))
    with pytest.raises(TypeError, match="cross_entropy: targets must be integer"):
        F.cross_entropy(z, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"cross_entropy: .*\(3, 4\).*\(3,\).*\(2,\)"):
        F.cross_entropy(z, np.array([0, 1]))
    with pytest.raises(ValueError, match="cross_entropy: reduction"):
        F.cross_entropy(z, np.array([0, 1, 2]), reduction="average")


@pytest.mark.parametrize(
    "name,thunk,pattern",
    [
        ("matmul", lambda a, b: a @ b, r"matmul: shapes \(2, 3\) and \(2, 3\) are not aligned"),
        ("matmul-1d", lambda a, b: a @ b.reshape(-1), r"matmul: shapes \(2, 3\) and \(6,\)"),
        (
            "matmul-batch",
            lambda a, b: a.reshape(2, 1, 3) @ b.T.reshape(1, 3, 2).broadcast_to((3, 3, 2)),
            r"matmul: .*batch",
        ),
        ("matmul-0d", lambda a, b: a @ b.sum(), r"matmul: .*at least one dimension"),
        ("add", lambda a, b: a + b.T, r"add: shapes \(2, 3\) and \(3, 2\) do not broadcast"),
        ("sub", lambda a, b: a - b[:, :2], r"sub: shapes \(2, 3\) and \(2, 2\)"),
        ("mul", lambda a, b: a * b.T, r"mul: shapes \(2, 3\) and \(3, 2\)"),
        ("div", lambda a, b: a / b.T, r"div: shapes"),
        ("pow", lambda a, b: a**b.T, r"pow: shapes"),
        ("maximum", lambda a, b: minigrad.maximum(a, b.T), r"maximum: shapes"),
        ("where", lambda a, b: minigrad.where(np.ones((2, 3), bool), a, b.T), r"where: shapes"),
        (
            "where-condition",
            lambda a, b: minigrad.where(np.ones((2, 3)), a, b),
            r"where: the condition must be boolean",
        ),
        (
            "reshape",
            lambda a, b: a.reshape(4, 2),
            r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into \(4, 2\)",
        ),
        ("cat", lambda a, b: minigrad.cat([a, b.T]), r"cat: cannot join shapes \(2, 3\), \(3, 2\) along axis 0"),
        ("cat-empty-list", lambda a, b: minigrad.cat([]), r"cat: expected at least one tensor"),
        ("stack", lambda a, b: minigrad.stack([a, b[:1]]), r"stack: cannot stack shapes \(2, 3\), \(1, 3\)"),
        (
            "broadcast_to",
            lambda a, b: a.broadcast_to((3, 3)),
            r"broadcast_to: cannot broadcast shape \(2, 3\) to \(3, 3\)",
        ),
        ("permute", lambda a, b: a.permute(0, 0), r"permute: \(0, 0\) is not a permutation"),
        ("transpose", lambda a, b: a.transpose(0, 5), r"transpose: axis 5 is out of range"),
        ("unsqueeze", lambda a, b: a.unsqueeze(4), r"unsqueeze: dim 4 is out of range"),
        ("squeeze", lambda a, b: a.squeeze(3), r"squeeze: dim 3 is out of range"),
        ("mse_loss", lambda a, b: F.mse_loss(a, b.T), r"mse_loss: input shape \(2, 3\) and target shape \(3, 2\)"),
        ("gelu", lambda a, b: a.gelu("fast"), r"gelu: approximate must be"),
        ("linear", lambda a, b: F.linear(a, b.T), r"linear: input of shape \(2, 3\) and weight of shape \(3, 2\)"),
        ("linear-bias", lambda a, b: F.linear(a, b, b[0]), r"linear: bias has shape \(3,\), expected \(2,\)"),
        ("clip", lambda a, b: a.clip(), r"clip: give at least one of min and max"),
        ("getitem", lambda a, b: a[5], r"getitem: .*\(2, 3\)"),
        ("sum-axis", lambda a, b: a.sum(axis=2), r"sum: axis 2 is out of range"),
        ("sum-repeated-axis", lambda a, b: a.sum(axis=(1, -1)), r"sum: repeated axis"),
        ("mean-axis-and-dim", lambda a, b: a.mean(axis=0, dim=1), r"mean: give axis or dim, not both"),
        ("softmax-axis", lambda a, b: a.softmax(2), r"softmax: axis 2 is out of range"),
    ],
)
def test_bad_input_errors_name_the_op(name: str, thunk: Any, pattern: str) -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises((ValueError, TypeError, IndexError)) as info:
        thunk(a, b)
    assert info.match(pattern), f"{name}: {info.value}"


def test_flatten_with_out_of_range_dim_raises_naming_flatten() -> None:
    x = Tensor(np.ones((2, 3)))
    with pytest.raises((ValueError, IndexError), match="flatten"):
        x.flatten(5)


def test_backward_with_wrong_grad_shape_names_both_shapes() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"backward: grad has shape \(3, 2\) but the output has shape \(2, 3\)"):
        (x * 2.0).backward(np.ones((3, 2)))
    assert x.grad is None


def test_failed_op_changes_nothing() -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError):
        a @ Tensor(np.ones((2, 3)))
    assert a.grad is None and a.grad_fn is None and a._version == 0
    np.testing.assert_array_equal(a.data, np.ones((2, 3)))


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "logsumexp", "var"])
def test_reductions_accept_pytorch_keepdim_spelling(name: str) -> None:
    x = sample(rng_for(name), (3, 4, 2), "real")
    th_name = {"max": "amax", "min": "amin"}.get(name, name)
    _, (t,) = check_against_torch(
        lambda a: getattr(a, name)(dim=1, keepdim=True),
        lambda a: getattr(a, th_name)(dim=1, keepdim=True),
        [x],
        seed=name,
    )
    assert t.grad is not None and t.grad.shape == (3, 4, 2)

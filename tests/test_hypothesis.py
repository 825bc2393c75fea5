"""Property tests against PyTorch float64: random broadcast shapes, random op chains, non-contiguous data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import BroadcastableShapes, array_shapes, mutually_broadcastable_shapes
from oracles import check_against_torch, sample

import minigrad
from minigrad import Tensor

# derandomize: the same examples on every run (the suite must be deterministic); no example database.
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None)

# name -> (minigrad op, torch op, domain of a, domain of b)
BINARY: dict[str, tuple[Callable[..., Any], Callable[..., Any], str, str]] = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, "real", "real"),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, "real", "real"),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, "real", "real"),
    "div": (lambda a, b: a / b, lambda a, b: a / b, "real", "nonzero"),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, "positive", "real"),
    "maximum": (minigrad.maximum, torch.maximum, "real", "real"),
    "minimum": (minigrad.minimum, torch.minimum, "real", "real"),
    "where": (
        lambda a, b: minigrad.where(a > b, a, b * 2.0),
        lambda a, b: torch.where(a > b, a, b * 2.0),
        "real",
        "real",
    ),
}


@pytest.mark.parametrize("op", list(BINARY))
@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=1, max_side=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_binary_ops_on_random_broadcastable_shapes(op: str, shapes: BroadcastableShapes, seed: int) -> None:
    mg_op, th_op, dom_a, dom_b = BINARY[op]
    rng = np.random.default_rng(seed)
    shape_a, shape_b = shapes.input_shapes
    a, b = sample(rng, shape_a, dom_a), sample(rng, shape_b, dom_b)
    out, _ = check_against_torch(mg_op, th_op, [a, b], seed=seed)
    assert out.shape == shapes.result_shape


# --------------------------------------------------------------------------- random op chains

# (name, minigrad op, torch op, smallest ndim the op accepts).  Every op keeps
# values in a moderate range so that a chain of 8 never overflows.
ChainOp = tuple[str, Callable[[Any], Any], Callable[[Any], Any], int]

SHAPE_PRESERVING: list[ChainOp] = [
    ("tanh", lambda x: x.tanh(), torch.tanh, 0),
    ("sigmoid", lambda x: x.sigmoid(), torch.sigmoid, 0),
    ("exp-of-tanh", lambda x: x.tanh().exp(), lambda x: x.tanh().exp(), 0),
    ("log1p-square", lambda x: (x * x + 1.0).log(), lambda x: (x * x + 1.0).log(), 0),
    ("sqrt-1p-square", lambda x: (x * x + 1.0).sqrt(), lambda x: (x * x + 1.0).sqrt(), 0),
    ("affine", lambda x: x * 0.7 - 0.3, lambda x: x * 0.7 - 0.3, 0),
    ("rsub", lambda x: 1.5 - x, lambda x: 1.5 - x, 0),
    ("rational", lambda x: x / (x * x + 1.0), lambda x: x / (x * x + 1.0), 0),
    ("silu", lambda x: x * x.sigmoid(), lambda x: x * x.sigmoid(), 0),
    ("x-tanh-x", lambda x: x * x.tanh(), lambda x: x * x.tanh(), 0),
    ("gelu", lambda x: x.gelu(), torch.nn.functional.gelu, 0),
    ("gelu-tanh", lambda x: x.gelu("tanh"), lambda x: torch.nn.functional.gelu(x, approximate="tanh"), 0),
    ("relu", lambda x: x.relu(), torch.relu, 0),
    ("abs", lambda x: abs(x), torch.abs, 0),
    ("clip", lambda x: x.clip(-1.0, 1.0), lambda x: x.clamp(-1.0, 1.0), 0),
    ("leaky", lambda x: minigrad.where(x > 0, x, x * 0.1), lambda x: torch.where(x > 0, x, x * 0.1), 0),
    ("maximum-self", lambda x: minigrad.maximum(x, x * 0.5), lambda x: torch.maximum(x, x * 0.5), 0),
    ("minimum-const", lambda x: minigrad.minimum(x, 0.25), lambda x: torch.clamp(x, max=0.25), 0),
    ("pow-sq-tanh", lambda x: x.tanh() ** 2, lambda x: x.tanh() ** 2, 0),
    ("softmax-last", lambda x: x.softmax(-1), lambda x: x.softmax(-1), 1),
    ("log_softmax-first", lambda x: x.log_softmax(0) * 0.3, lambda x: x.log_softmax(0) * 0.3, 1),
    ("center-last", lambda x: x - x.mean(-1, keepdims=True), lambda x: x - x.mean(-1, keepdim=True), 1),
    ("transpose", lambda x: x.T, lambda x: x.permute(*reversed(range(x.ndim))), 0),
    ("flip-first", lambda x: x[::-1], lambda x: x.flip(0), 1),
    (
        "self-matmul",
        lambda x: (x @ x.transpose(-2, -1)) * 0.3,
        lambda x: (x @ x.transpose(-2, -1)) * 0.3,
        2,
    ),
]

REDUCING: list[ChainOp] = [
    ("sum-last-keep", lambda x: x.sum(-1, keepdims=True), lambda x: x.sum(-1, keepdim=True), 1),
    ("mean-first", lambda x: x.mean(0), lambda x: x.mean(0), 2),
    ("max-last-keep", lambda x: x.max(-1, keepdims=True), lambda x: x.amax(-1, keepdim=True), 1),
    ("min-first", lambda x: x.min(0), lambda x: x.amin(0), 2),
    ("logsumexp-last", lambda x: x.logsumexp(-1), lambda x: x.logsumexp(-1), 2),
    ("var-first", lambda x: x.var(0, correction=0), lambda x: x.var(0, correction=0), 2),
    ("norm-last", lambda x: (x * x + 0.1).sum(-1).sqrt(), lambda x: (x * x + 0.1).sum(-1).sqrt(), 2),
    ("sum-all-dims-keep", lambda x: x.sum(keepdims=True), lambda x: x.sum(dim=tuple(range(x.ndim)), keepdim=True), 0),
]


@SETTINGS
@given(
    data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=st.integers(0, 2**32 - 1)
)
def test_random_op_chains_match_torch(data: st.DataObject, shape: tuple[int, ...], seed: int) -> None:
    length = data.draw(st.integers(3, 8), label="length")
    chain: list[ChainOp] = []
    ndim = len(shape)
    for _ in range(length):
        usable = [op for op in SHAPE_PRESERVING + REDUCING if op[3] <= ndim]
        op = data.draw(st.sampled_from(usable), label="op")
        chain.append(op)
        if op[0] in ("mean-first", "min-first", "logsumexp-last", "var-first", "norm-last"):
            ndim -= 1

    def mg_fn(x: Tensor) -> Tensor:
        for _, f, _, _ in chain:
            x = f(x)
        return x

    def th_fn(x: torch.Tensor) -> torch.Tensor:
        for _, _, f, _ in chain:
            x = f(x)
        return x

    rng = np.random.default_rng(seed)
    out, _ = check_against_torch(mg_fn, th_fn, [rng.standard_normal(shape)], seed=seed)
    assert out.ndim == ndim


# --------------------------------------------------------------------------- non-contiguous data

# Views that minigrad's own ops produce without copying, with their torch spelling.
VIEWS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "transpose": (lambda x: x.T, lambda x: x.permute(*reversed(range(x.ndim)))),
    "step-2": (lambda x: x[::2], lambda x: x[::2]),
    "negative-step": (lambda x: x[::-1], lambda x: x.flip(0)),
    "negative-step-last-axis": (lambda x: x[..., ::-2], lambda x: x.flip(-1)[..., ::2]),
    "transpose-then-step": (lambda x: x.T[1::2], lambda x: x.permute(*reversed(range(x.ndim)))[1::2]),
    "broadcast": (lambda x: x.broadcast_to((3, *x.shape)), lambda x: x.expand(3, *x.shape)),
}


def _gram(v: Any) -> Any:
    """``V V^T`` of the view flattened to rows: the same code runs on both libraries."""
    rows = v.reshape(v.shape[0], -1)
    return rows @ rows.T


CONSUMERS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "exp-sum-last": (lambda v: v.exp().sum(-1), lambda v: v.exp().sum(-1)),
    "gram-matmul": (_gram, _gram),
    "softmax": (lambda v: v.softmax(-1) * v, lambda v: v.softmax(-1) * v),
    "max-first": (lambda v: v.max(0), lambda v: v.amax(0)),
    "mul-broadcast": (lambda v: v * v[..., :1], lambda v: v * v[..., :1]),
    "getitem-repeat": (lambda v: v[[0, 0, -1]], lambda v: v[[0, 0, -1]]),
}


@SETTINGS
@given(
    view=st.sampled_from(sorted(VIEWS)),
    consumer=st.sampled_from(sorted(CONSUMERS)),
    shape=array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=5),
    seed=st.integers(0, 2**32 - 1),
)
def test_ops_on_non_contiguous_views_match_torch(view: str, consumer: str, shape: tuple[int, ...], seed: int) -> None:
    mg_view, th_view = VIEWS[view]
    mg_use, th_use = CONSUMERS[consumer]
    rng = np.random.default_rng(seed)
    check_against_torch(
        lambda x: mg_use(mg_view(x)), lambda x: th_use(th_view(x)), [rng.standard_normal(shape)], seed=seed
    )


@SETTINGS
@given(
    shape=array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=5),
    kind=st.sampled_from(["transposed", "strided", "reversed", "fortran"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_non_contiguous_leaf_data_and_upstream_gradient(shape: tuple[int, ...], kind: str, seed: int) -> None:
    """A leaf whose array is a non-contiguous view (assigned to ``.data``) and a non-contiguous ``grad=``."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((2 * shape[0], *shape[1:]))
    views = {
        "transposed": np.swapaxes(base, 0, -1),
        "strided": base[::2],
        "reversed": base[::-1],
        "fortran": np.asfortranarray(base),
    }
    x_np = views[kind]
    x = Tensor(np.zeros(1), requires_grad=True)
    x.data = x_np  # keeps the view as it is (no copy)
    assert not x.data.flags.c_contiguous or kind == "fortran"
    w_np = rng.standard_normal(x_np.shape[-1:])
    out = (x * Tensor(w_np)).tanh() @ Tensor(np.ones(x_np.shape[-1]))
    upstream = (
        np.swapaxes(rng.standard_normal(out.shape[::-1]), 0, -1) if out.ndim > 1 else rng.standard_normal(out.shape)
    )
    out.backward(upstream)

    xt = torch.from_numpy(np.array(x_np)).requires_grad_(True)
    out_t = (xt * torch.from_numpy(w_np)).tanh() @ torch.ones(x_np.shape[-1], dtype=torch.float64)
    out_t.backward(torch.from_numpy(np.array(upstream)))
    torch.testing.assert_close(torch.from_numpy(np.array(out.data)), out_t.detach(), rtol=1e-7, atol=1e-7)
    assert x.grad is not None and x.grad.shape == x_np.shape
    torch.testing.assert_close(torch.from_numpy(np.array(x.grad)), xt.grad, rtol=1e-7, atol=1e-7)

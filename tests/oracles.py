"""Independent oracles shared by the tests: PyTorch float64 and central finite differences.

Nothing here trusts minigrad's backward pass.  ``check_against_torch`` runs
the same computation in PyTorch (float64 unless told otherwise) and compares
the forward value and every input's gradient for a *random, non-uniform*
upstream gradient.  ``check_gradients_numerically`` differentiates minigrad's
own forward pass by central differences, so it needs no second library.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import minigrad
from minigrad import Tensor

Array = np.ndarray

# Cross-check tolerances (float64): rtol = atol = 1e-7, as in the project rules.
TORCH_RTOL = TORCH_ATOL = 1e-7
# Finite differences: the step, and the tolerance a central difference meets in float64.
FD_EPS = 1e-6
FD_RTOL = FD_ATOL = 1e-5


def seed_of(name: str) -> int:
    """A stable per-test seed (Python's hash() of a string changes between runs)."""
    return zlib.crc32(name.encode())


def rng_for(name: str) -> np.random.Generator:
    return np.random.default_rng(seed_of(name))


# --------------------------------------------------------------------------- input domains

KINKS = (-0.5, 0.0, 0.5)  # the kinks of relu/abs (0) and of the clip bounds used in the tests


def sample(rng: np.random.Generator, shape: tuple[int, ...], domain: str = "real") -> Array:
    """Random float64 input of ``shape`` from a named domain.

    real       standard normal
    positive   uniform in [0.5, 2] (log, sqrt, pow bases, divisors)
    nonzero    +-uniform in [0.5, 2] (divisors that may be negative)
    unit       uniform in (-0.9, 0.9)
    kinkfree   normal, but at least 0.05 away from every point in KINKS, so that a
               finite difference never straddles a kink of relu/abs/clip
    """
    if domain == "real":
        return rng.standard_normal(shape)
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "nonzero":
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    if domain == "unit":
        return rng.uniform(-0.9, 0.9, shape)
    if domain == "kinkfree":
        x = rng.standard_normal(shape)
        for kink in KINKS:
            x = np.where(np.abs(x - kink) < 0.05, kink + 0.1, x)
        return x
    raise ValueError(f"unknown domain {domain!r}")


def upstream_for(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any = np.float64) -> Array:
    """A random, non-uniform upstream gradient (never all ones)."""
    return (rng.standard_normal(shape) + 0.5).astype(dtype)


# --------------------------------------------------------------------------- PyTorch oracle


def to_torch(x: Any, requires_grad: bool = False) -> torch.Tensor:
    t = torch.from_numpy(np.array(x))  # np.array: a contiguous, writeable copy
    return t.requires_grad_(requires_grad)


def assert_close_np(
    actual: Any, expected: Any, rtol: float = TORCH_RTOL, atol: float = TORCH_ATOL, msg: str = ""
) -> None:
    """``torch.testing.assert_close`` on arrays: checks shape, dtype and values."""
    actual_t = torch.from_numpy(np.array(actual))
    expected_t = expected.detach() if isinstance(expected, torch.Tensor) else torch.from_numpy(np.array(expected))
    torch.testing.assert_close(actual_t, expected_t, rtol=rtol, atol=atol, equal_nan=True, msg=msg or None)


def assert_leaf_grads_have_leaf_shapes(tensors: Sequence[Tensor]) -> None:
    """The invariant every backward must keep: a leaf's grad has the leaf's shape and dtype."""
    for i, t in enumerate(tensors):
        if t.grad is not None:
            assert isinstance(t.grad, np.ndarray), f"input {i}: grad is {type(t.grad).__name__}, not an ndarray"
            assert t.grad.shape == t.data.shape, f"input {i}: grad shape {t.grad.shape} != data shape {t.data.shape}"
            assert t.grad.dtype == t.data.dtype, f"input {i}: grad dtype {t.grad.dtype} != data dtype {t.data.dtype}"


def check_against_torch(
    mg_fn: Callable[..., Tensor],
    torch_fn: Callable[..., torch.Tensor],
    arrays: Sequence[Array],
    *,
    seed: int | str = 0,
    rtol: float = TORCH_RTOL,
    atol: float = TORCH_ATOL,
    requires_grad: Sequence[bool] | None = None,
    upstream: Array | None = None,
) -> tuple[Tensor, list[Tensor]]:
    """Run ``mg_fn`` and ``torch_fn`` on the same inputs; compare outputs and all input gradients.

    The arrays keep their dtype in both libraries.  Backward uses one random
    upstream gradient of the output's shape (the same for both).  Returns
    minigrad's output and its input tensors for further checks.
    """
    rng = np.random.default_rng(seed_of(seed) if isinstance(seed, str) else seed)
    flags = [a.dtype.kind == "f" for a in arrays] if requires_grad is None else list(requires_grad)
    mg_inputs = [Tensor(a, requires_grad=f) for a, f in zip(arrays, flags)]
    th_inputs = [to_torch(a, requires_grad=f) for a, f in zip(arrays, flags)]
    mg_out = mg_fn(*mg_inputs)
    th_out = torch_fn(*th_inputs)
    assert isinstance(mg_out, Tensor), f"minigrad returned {type(mg_out).__name__}"
    assert_close_np(mg_out.data, th_out, rtol, atol, msg="forward values differ from torch")
    if not any(flags):
        return mg_out, mg_inputs
    g = upstream_for(rng, tuple(th_out.shape), mg_out.dtype) if upstream is None else upstream
    mg_out.backward(g)
    th_out.backward(torch.from_numpy(np.array(g)))
    assert_leaf_grads_have_leaf_shapes(mg_inputs)
    for i, (mt, tt, f) in enumerate(zip(mg_inputs, th_inputs, flags)):
        if not f:
            assert mt.grad is None
            continue
        if tt.grad is None:  # the output does not depend on this input
            assert mt.grad is None or not np.any(mt.grad), f"input {i}: torch has no gradient, minigrad has one"
            continue
        assert mt.grad is not None, f"input {i}: minigrad computed no gradient"
        assert_close_np(mt.grad, tt.grad, rtol, atol, msg=f"gradient of input {i} differs from torch")
    return mg_out, mg_inputs


# --------------------------------------------------------------------------- finite differences


def numerical_vjp(
    fn: Callable[[list[Array]], Array], arrays: Sequence[Array], upstream: Array, eps: float = FD_EPS
) -> list[Array]:
    """``d sum(upstream * fn(x)) / dx`` for every input, by central differences in float64.

    Each output difference is taken elementwise before the dot product with
    the upstream gradient: it keeps the cancellation error at ~1e-16 / eps.
    """
    base = [np.array(a, dtype=np.float64) for a in arrays]
    grads = []
    for k, x in enumerate(base):
        grad = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            plus = [a.copy() for a in base]
            minus = [a.copy() for a in base]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            diff = np.asarray(fn(plus), dtype=np.float64) - np.asarray(fn(minus), dtype=np.float64)
            grad[idx] = np.sum(diff * upstream) / (2 * eps)
        grads.append(grad)
    return grads


def check_gradients_numerically(
    mg_fn: Callable[..., Tensor],
    arrays: Sequence[Array],
    *,
    seed: int | str = 0,
    eps: float = FD_EPS,
    rtol: float = FD_RTOL,
    atol: float = FD_ATOL,
) -> None:
    """minigrad's gradients (random upstream) against central differences of minigrad's forward."""
    rng = np.random.default_rng(seed_of(seed) if isinstance(seed, str) else seed)
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = mg_fn(*inputs)
    upstream = upstream_for(rng, out.shape)
    out.backward(upstream)
    assert_leaf_grads_have_leaf_shapes(inputs)

    def forward(xs: list[Array]) -> Array:
        with minigrad.no_grad():
            return np.asarray(mg_fn(*[Tensor(x) for x in xs]).data)

    expected = numerical_vjp(forward, arrays, upstream, eps)
    for i, (t, e) in enumerate(zip(inputs, expected)):
        actual = np.zeros_like(e) if t.grad is None else t.grad
        np.testing.assert_allclose(actual, e, rtol=rtol, atol=atol, err_msg=f"gradient of input {i}")

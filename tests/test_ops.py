"""One table of op specs drives every forward/backward check of minigrad's public ops.

Each ``OpSpec`` names an op, gives a minigrad callable and a PyTorch callable
that compute the same thing from the same differentiable inputs, the input
shapes and the domain the inputs are drawn from.  Every entry is checked
twice, against two independent oracles:

1. PyTorch float64: forward value and every input's gradient, for a random
   non-uniform upstream gradient, at rtol = atol = 1e-7;
2. central finite differences (float64, eps 1e-6) of minigrad's own forward.

Non-differentiable arguments (indices, targets, conditions, NumPy operands)
are constants captured by the callables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from oracles import check_against_torch, check_gradients_numerically, rng_for, sample

import minigrad
import minigrad.functional as F
from minigrad import Tensor


@dataclass(frozen=True)
class OpSpec:
    name: str
    mg: Callable[..., Tensor]
    th: Callable[..., torch.Tensor]
    shapes: tuple[tuple[int, ...], ...]
    domain: str | tuple[str, ...] = "real"

    def inputs(self) -> list[np.ndarray]:
        rng = rng_for(self.name)
        domains = self.domain if isinstance(self.domain, tuple) else (self.domain,) * len(self.shapes)
        return [sample(rng, shape, d) for shape, d in zip(self.shapes, domains)]


SPECS: list[OpSpec] = []


def spec(
    name: str, mg: Callable[..., Any], th: Callable[..., Any], *shapes: tuple[int, ...], domain: Any = "real"
) -> None:
    assert all(s.name != name for s in SPECS), f"duplicate spec name {name}"
    SPECS.append(OpSpec(name, mg, th, shapes, domain))


def T(a: Any) -> torch.Tensor:
    """A NumPy constant as a torch tensor."""
    return torch.from_numpy(np.array(a))


_const = np.random.default_rng(1234)
C43 = _const.standard_normal((4, 3))  # NumPy operands on the left of an operator
C43_POS = _const.uniform(0.5, 2.0, (4, 3))
C3 = _const.standard_normal(3)
C24 = _const.standard_normal((2, 4))
COND = _const.random((3, 4)) > 0.5
COND_ROW = np.array([True, False, True, True])

# --------------------------------------------------------------------------- arithmetic operators

spec("add", lambda a, b: a + b, lambda a, b: a + b, (3, 4), (3, 4))
spec("add-bcast", lambda a, b: a + b, lambda a, b: a + b, (3, 4), (4,))
spec("sub", lambda a, b: a - b, lambda a, b: a - b, (3, 4), (3, 4))
spec("sub-bcast", lambda a, b: a - b, lambda a, b: a - b, (3, 1), (4,))
spec("mul", lambda a, b: a * b, lambda a, b: a * b, (3, 4), (3, 4))
spec("mul-bcast", lambda a, b: a * b, lambda a, b: a * b, (2, 1, 4), (3, 1))
spec("div", lambda a, b: a / b, lambda a, b: a / b, (3, 4), (3, 4), domain=("real", "nonzero"))
spec("div-bcast", lambda a, b: a / b, lambda a, b: a / b, (4,), (3, 1), domain=("real", "nonzero"))
spec("pow-tensor-tensor", lambda a, b: a**b, lambda a, b: a**b, (3, 4), (3, 4), domain=("positive", "real"))
spec("pow-bcast", lambda a, b: a**b, lambda a, b: a**b, (3, 1), (4,), domain=("positive", "real"))
spec("pow-int", lambda a: a**3, lambda a: a**3, (3, 4))
spec("pow-float", lambda a: a**2.5, lambda a: a**2.5, (3, 4), domain="positive")
spec("pow-negative", lambda a: a**-1.5, lambda a: a**-1.5, (3, 4), domain="positive")
spec("pow-half", lambda a: a**0.5, lambda a: a**0.5, (3, 4), domain="positive")
spec("pow-zero", lambda a: a**0, lambda a: a**0, (3, 4))
spec(
    "pow-exponent-zero-tensor", lambda a, b: a ** (b * 0.0), lambda a, b: a ** (b * 0.0), (3,), (3,), domain="positive"
)
spec("neg", lambda a: -a, lambda a: -a, (3, 4))
spec("neg-of-sum", lambda a, b: -(a + b), lambda a, b: -(a + b), (3, 4), (4,))
spec("matmul-op", lambda a, b: a @ b, lambda a, b: a @ b, (2, 3), (3, 4))

# method spellings
spec("method-add", lambda a, b: a.add(b), lambda a, b: a.add(b), (3, 4), (4,))
spec("method-sub", lambda a, b: a.sub(b), lambda a, b: a.sub(b), (3, 4), (4,))
spec("method-mul", lambda a, b: a.mul(b), lambda a, b: a.mul(b), (3, 4), (4,))
spec("method-div", lambda a, b: a.div(b), lambda a, b: a.div(b), (3, 4), (4,), domain=("real", "nonzero"))
spec("method-pow", lambda a, b: a.pow(b), lambda a, b: a.pow(b), (3, 4), (4,), domain=("positive", "real"))
spec("method-matmul", lambda a, b: a.matmul(b), lambda a, b: a.matmul(b), (2, 3), (3,))

# Python numbers and NumPy arrays on either side
spec("scalar-add-right", lambda a: a + 2.0, lambda a: a + 2.0, (3, 4))
spec("scalar-radd", lambda a: 2.0 + a, lambda a: 2.0 + a, (3, 4))
spec("scalar-rsub", lambda a: 2.0 - a, lambda a: 2.0 - a, (3, 4))
spec("scalar-sub-right", lambda a: a - 3, lambda a: a - 3, (3, 4))
spec("scalar-rmul", lambda a: 3.0 * a, lambda a: 3.0 * a, (3, 4))
spec("scalar-rtruediv", lambda a: 2.0 / a, lambda a: 2.0 / a, (3, 4), domain="nonzero")
spec("scalar-truediv-int", lambda a: a / 2, lambda a: a / 2, (3, 4))
spec("scalar-rpow", lambda a: 2.0**a, lambda a: 2.0**a, (3, 4))
spec("numpy-radd", lambda a: C43 + a, lambda a: T(C43) + a, (4, 3))
spec("numpy-rsub", lambda a: C43 - a, lambda a: T(C43) - a, (3,))
spec("numpy-rmul", lambda a: C43 * a, lambda a: T(C43) * a, (4, 3))
spec("numpy-rmul-bcast", lambda a: C43 * a, lambda a: T(C43) * a, (4, 1))
spec("numpy-rtruediv", lambda a: C43 / a, lambda a: T(C43) / a, (4, 3), domain="nonzero")
spec("numpy-rpow", lambda a: C43_POS**a, lambda a: T(C43_POS) ** a, (3,))
spec("numpy-rmatmul", lambda a: C24 @ a, lambda a: T(C24) @ a, (4, 3))
spec("numpy-right-sub", lambda a: a - C3, lambda a: a - T(C3), (4, 3))
spec("numpy-right-mul", lambda a: a * C43, lambda a: a * T(C43), (4, 3))
spec("numpy-right-matmul", lambda a: a @ C3, lambda a: a @ T(C3), (2, 3))

# --------------------------------------------------------------------------- unary functions

spec("exp", lambda a: a.exp(), torch.exp, (3, 4))
spec("log", lambda a: a.log(), torch.log, (3, 4), domain="positive")
spec("sqrt", lambda a: a.sqrt(), torch.sqrt, (3, 4), domain="positive")
spec("abs-method", lambda a: a.abs(), torch.abs, (3, 4), domain="kinkfree")
spec("abs-builtin", lambda a: abs(a), torch.abs, (3, 4), domain="kinkfree")
spec("relu", lambda a: a.relu(), torch.relu, (3, 4), domain="kinkfree")
spec("tanh", lambda a: a.tanh(), torch.tanh, (3, 4))
spec("sigmoid", lambda a: a.sigmoid(), torch.sigmoid, (3, 4))
spec("sigmoid-wide", lambda a: (a * 8.0).sigmoid(), lambda a: (a * 8.0).sigmoid(), (3, 4))
spec("gelu-default", lambda a: a.gelu(), lambda a: TF.gelu(a), (3, 4))
spec("gelu-none", lambda a: a.gelu(approximate="none"), lambda a: TF.gelu(a, approximate="none"), (3, 4))
spec("gelu-tanh", lambda a: a.gelu(approximate="tanh"), lambda a: TF.gelu(a, approximate="tanh"), (3, 4))
spec("gelu-wide", lambda a: (a * 3.0).gelu(), lambda a: TF.gelu(a * 3.0), (3, 4))
spec("clip-both", lambda a: a.clip(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5), (3, 4), domain="kinkfree")
spec("clip-keywords", lambda a: a.clip(min=-0.5, max=0.5), lambda a: a.clamp(-0.5, 0.5), (3, 4), domain="kinkfree")
spec("clip-min-only", lambda a: a.clip(min=-0.5), lambda a: a.clamp(min=-0.5), (3, 4), domain="kinkfree")
spec("clip-max-only", lambda a: a.clip(max=0.5), lambda a: a.clamp(max=0.5), (3, 4), domain="kinkfree")
spec("clamp-alias", lambda a: a.clamp(0.0, 0.5), lambda a: a.clamp(0.0, 0.5), (3, 4), domain="kinkfree")
spec("double-identity", lambda a: a.double() * 2.0, lambda a: a.double() * 2.0, (3,))

# --------------------------------------------------------------------------- selections

spec("maximum", lambda a, b: minigrad.maximum(a, b), torch.maximum, (3, 4), (3, 4))
spec("maximum-bcast", lambda a, b: minigrad.maximum(a, b), torch.maximum, (3, 1), (4,))
spec("maximum-scalar", lambda a: minigrad.maximum(a, 0.2), lambda a: torch.clamp(a, min=0.2), (3, 4), domain="real")
spec("minimum", lambda a, b: minigrad.minimum(a, b), torch.minimum, (3, 4), (3, 4))
spec("minimum-bcast", lambda a, b: minigrad.minimum(a, b), torch.minimum, (4,), (3, 1))
spec("where", lambda a, b: minigrad.where(COND, a, b), lambda a, b: torch.where(T(COND), a, b), (3, 4), (3, 4))
spec(
    "where-bcast",
    lambda a, b: minigrad.where(COND_ROW, a, b),
    lambda a, b: torch.where(T(COND_ROW), a, b),
    (3, 1),
    (4,),
)
spec(
    "where-tensor-condition",
    lambda a, b: minigrad.where(a > 0, a, b * 2.0),
    lambda a, b: torch.where(a > 0, a, b * 2.0),
    (3, 4),
    (3, 4),
)
spec("where-scalar-branch", lambda a: minigrad.where(COND, a, 0.5), lambda a: torch.where(T(COND), a, 0.5), (3, 4))

# --------------------------------------------------------------------------- reductions


def _dims(axis: Any, ndim: int) -> Any:
    return tuple(range(ndim)) if axis is None else axis


REDUCTIONS: dict[str, Callable[..., torch.Tensor]] = {
    "sum": torch.sum,
    "mean": torch.mean,
    "max": torch.amax,
    "min": torch.amin,
    "logsumexp": torch.logsumexp,
}


def _reduction_spec(op: str, axis: Any, keepdims: bool, shape: tuple[int, ...] = (2, 3, 4)) -> None:
    th = REDUCTIONS[op]
    spec(
        f"{op}-axis{axis}-keepdims{keepdims}",
        lambda a: getattr(a, op)(axis=axis, keepdims=keepdims),
        lambda a: th(a, dim=_dims(axis, a.ndim), keepdim=keepdims),
        shape,
    )


for _op in REDUCTIONS:
    for _axis in (None, 1, -1, (0, 2), (-1, 0)):
        for _keep in (False, True):
            _reduction_spec(_op, _axis, _keep)
    spec(
        f"{_op}-dim-alias",
        lambda a, op=_op: getattr(a, op)(dim=1),
        lambda a, op=_op: REDUCTIONS[op](a, dim=1),
        (2, 3, 4),
    )
    spec(
        f"{_op}-dim-tuple-keepdims",
        lambda a, op=_op: getattr(a, op)(dim=(0, 2), keepdims=True),
        lambda a, op=_op: REDUCTIONS[op](a, dim=(0, 2), keepdim=True),
        (2, 3, 4),
    )
    spec(
        f"{_op}-positional",
        lambda a, op=_op: getattr(a, op)(0, True),
        lambda a, op=_op: REDUCTIONS[op](a, dim=0, keepdim=True),
        (3, 4),
    )
    spec(f"{_op}-1d", lambda a, op=_op: getattr(a, op)(), lambda a, op=_op: REDUCTIONS[op](a, dim=0), (5,))

for _correction in (0, 1, 2):
    for _axis in (None, 1, (0, 2), -1):
        for _keep in (False, True):
            spec(
                f"var-correction{_correction}-axis{_axis}-keepdims{_keep}",
                lambda a, c=_correction, ax=_axis, k=_keep: a.var(axis=ax, keepdims=k, correction=c),
                lambda a, c=_correction, ax=_axis, k=_keep: torch.var(
                    a, dim=_dims(ax, a.ndim), correction=c, keepdim=k
                ),
                (3, 4, 5),
            )
spec("var-default-is-unbiased", lambda a: a.var(), lambda a: torch.var(a), (3, 4))
spec("var-dim-alias", lambda a: a.var(dim=0, correction=0), lambda a: torch.var(a, dim=0, correction=0), (3, 4))

# --------------------------------------------------------------------------- shape ops

spec("reshape-varargs", lambda a: a.reshape(2, 12), lambda a: a.reshape(2, 12), (2, 3, 4))
spec("reshape-tuple", lambda a: a.reshape((4, 6)), lambda a: a.reshape((4, 6)), (2, 3, 4))
spec("reshape-list", lambda a: a.reshape([3, 2, 4]), lambda a: a.reshape([3, 2, 4]), (2, 3, 4))
spec("reshape-minus-one", lambda a: a.reshape(4, -1), lambda a: a.reshape(4, -1), (2, 3, 4))
spec("reshape-minus-one-tuple", lambda a: a.reshape((-1,)), lambda a: a.reshape((-1,)), (2, 3, 4))
spec("view-alias", lambda a: a.view(6, 4), lambda a: a.view(6, 4), (2, 3, 4))
spec("transpose-no-args", lambda a: a.transpose(), lambda a: a.permute(2, 1, 0), (2, 3, 4))
spec("transpose-perm", lambda a: a.transpose((1, 0, 2)), lambda a: a.permute(1, 0, 2), (2, 3, 4))
spec("transpose-swap-negative", lambda a: a.transpose(-2, -1), lambda a: a.transpose(-2, -1), (2, 3, 4))
spec("transpose-swap", lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2), (2, 3, 4))
spec("T-2d", lambda a: a.T, lambda a: a.T, (3, 4))
spec("T-3d", lambda a: a.T, lambda a: a.permute(2, 1, 0), (2, 3, 4))
spec("permute-varargs", lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1), (2, 3, 4))
spec("permute-tuple", lambda a: a.permute((1, 2, 0)), lambda a: a.permute(1, 2, 0), (2, 3, 4))
spec("permute-negative", lambda a: a.permute(-1, 0, 1), lambda a: a.permute(2, 0, 1), (2, 3, 4))
spec("broadcast_to-new-axis", lambda a: a.broadcast_to((4, 3)), lambda a: a.expand(4, 3), (3,))
spec("broadcast_to-stretch", lambda a: a.broadcast_to((2, 4, 3)), lambda a: a.expand(2, 4, 3), (2, 1, 3))
spec("broadcast_to-minus-one", lambda a: a.broadcast_to((4, -1, 3, 5)), lambda a: a.expand(4, -1, 3, 5), (2, 3, 1))
spec("expand-alias", lambda a: a.expand((5, 3, 2)), lambda a: a.expand(5, 3, 2), (3, 1))
spec("unsqueeze-0", lambda a: a.unsqueeze(0), lambda a: a.unsqueeze(0), (3, 4))
spec("unsqueeze-1", lambda a: a.unsqueeze(1), lambda a: a.unsqueeze(1), (3, 4))
spec("unsqueeze-minus-one", lambda a: a.unsqueeze(-1), lambda a: a.unsqueeze(-1), (3, 4))
spec("squeeze-all", lambda a: a.squeeze(), lambda a: a.squeeze(), (1, 3, 1, 2))
spec("squeeze-dim", lambda a: a.squeeze(0), lambda a: a.squeeze(0), (1, 3, 1, 2))
spec("squeeze-negative-dim", lambda a: a.squeeze(-2), lambda a: a.squeeze(-2), (1, 3, 1, 2))
spec("squeeze-non-1-dim-is-noop", lambda a: a.squeeze(1), lambda a: a.squeeze(1), (1, 3, 1, 2))
spec("squeeze-dims-tuple", lambda a: a.squeeze((0, 2)), lambda a: a.squeeze((0, 2)), (1, 3, 1, 2))
spec("flatten-all", lambda a: a.flatten(), lambda a: a.flatten(), (2, 3, 4, 2))
spec("flatten-middle", lambda a: a.flatten(1, 2), lambda a: a.flatten(1, 2), (2, 3, 4, 2))
spec("flatten-negative", lambda a: a.flatten(-3, -2), lambda a: a.flatten(-3, -2), (2, 3, 4, 2))
spec("flatten-start-only", lambda a: a.flatten(start_dim=1), lambda a: a.flatten(start_dim=1), (2, 3, 4, 2))

# --------------------------------------------------------------------------- indexing

IDX_REPEATED = np.array([0, 2, 0, 0])
IDX_2D = np.array([[0, 1], [1, 1], [3, 0]])
MASK_45 = _const.random((4, 5)) > 0.4

spec("getitem-int", lambda a: a[1], lambda a: a[1], (4, 5))
spec("getitem-negative-int", lambda a: a[-1], lambda a: a[-1], (4, 5))
spec("getitem-int-int", lambda a: a[2, -2], lambda a: a[2, -2], (4, 5))
spec("getitem-slice", lambda a: a[1:3], lambda a: a[1:3], (4, 5))
spec("getitem-steps", lambda a: a[::2, 1::2], lambda a: a[::2, 1::2], (4, 5))
spec("getitem-negative-step", lambda a: a[::-1], lambda a: a.flip(0), (4, 5))
spec("getitem-negative-steps-2d", lambda a: a[::-2, 3:0:-1], lambda a: a.flip(0)[::2][:, 1:4].flip(1), (4, 5))
spec("getitem-int-and-slice", lambda a: a[2, 1:4], lambda a: a[2, 1:4], (4, 5))
spec("getitem-none", lambda a: a[None, :, None], lambda a: a[None, :, None], (4, 5))
spec("getitem-ellipsis-last", lambda a: a[..., 1], lambda a: a[..., 1], (2, 3, 4))
spec("getitem-ellipsis-first", lambda a: a[1, ...], lambda a: a[1, ...], (2, 3, 4))
spec("getitem-ellipsis-none", lambda a: a[..., None, 1:], lambda a: a[..., None, 1:], (2, 3, 4))
spec("getitem-int-array-repeated", lambda a: a[IDX_REPEATED], lambda a: a[T(IDX_REPEATED)], (4, 5))
spec("getitem-list-repeated", lambda a: a[[1, 1, 3, 1]], lambda a: a[[1, 1, 3, 1]], (4, 5))
spec("getitem-2d-int-array", lambda a: a[IDX_2D], lambda a: a[T(IDX_2D)], (4, 5))
spec("getitem-negative-int-array", lambda a: a[np.array([-1, -1, 0])], lambda a: a[T(np.array([3, 3, 0]))], (4, 5))
spec("getitem-tensor-index", lambda a: a[Tensor(IDX_REPEATED)], lambda a: a[T(IDX_REPEATED)], (4, 5))
spec("getitem-bool-mask-full", lambda a: a[MASK_45], lambda a: a[T(MASK_45)], (4, 5))
spec("getitem-bool-mask-rows", lambda a: a[COND_ROW], lambda a: a[T(COND_ROW)], (4, 5))
spec("getitem-bool-mask-tensor", lambda a: a[a > 0], lambda a: a[a > 0], (4, 5))
spec("getitem-mixed-slice-array", lambda a: a[1:, [0, 2, 2]], lambda a: a[1:, [0, 2, 2]], (4, 5))
spec("getitem-mixed-int-array", lambda a: a[2, [4, 0, 4]], lambda a: a[2, [4, 0, 4]], (4, 5))
spec("getitem-two-arrays", lambda a: a[[0, 3, 3], [1, 1, 2]], lambda a: a[[0, 3, 3], [1, 1, 2]], (4, 5))
spec(
    "getitem-arrays-around-slice",
    lambda a: a[[0, 1, 0], :, [3, 3, 1]],
    lambda a: a[[0, 1, 0], :, [3, 3, 1]],
    (2, 3, 4),
)
spec("getitem-slice-array-slice", lambda a: a[:, [2, 0, 2], 1:], lambda a: a[:, [2, 0, 2], 1:], (2, 3, 4))

# --------------------------------------------------------------------------- cat and stack

spec("cat-axis0", lambda a, b: minigrad.cat([a, b]), lambda a, b: torch.cat([a, b]), (2, 3), (4, 3))
spec(
    "cat-axis1-three",
    lambda a, b, c: minigrad.cat([a, b, c], axis=1),
    lambda a, b, c: torch.cat([a, b, c], dim=1),
    (2, 1),
    (2, 3),
    (2, 2),
)
spec(
    "cat-negative-axis",
    lambda a, b: minigrad.cat((a, b), axis=-1),
    lambda a, b: torch.cat((a, b), -1),
    (2, 3, 1),
    (2, 3, 2),
)
spec("cat-dim", lambda a, b: minigrad.cat([a, b], dim=1), lambda a, b: torch.cat([a, b], dim=1), (2, 3, 2), (2, 1, 2))
spec("cat-same-tensor-twice", lambda a: minigrad.cat([a, a * 2.0]), lambda a: torch.cat([a, a * 2.0]), (2, 3))
spec("cat-with-constant", lambda a: minigrad.cat([a, Tensor(C3[None])]), lambda a: torch.cat([a, T(C3[None])]), (2, 3))
spec("stack-axis0", lambda a, b: minigrad.stack([a, b]), lambda a, b: torch.stack([a, b]), (2, 3), (2, 3))
spec(
    "stack-axis1-three",
    lambda a, b, c: minigrad.stack([a, b, c], axis=1),
    lambda a, b, c: torch.stack([a, b, c], dim=1),
    (2, 3),
    (2, 3),
    (2, 3),
)
spec(
    "stack-negative-axis",
    lambda a, b: minigrad.stack([a, b], axis=-1),
    lambda a, b: torch.stack([a, b], -1),
    (2, 3),
    (2, 3),
)
spec("stack-dim", lambda a, b: minigrad.stack((a, b), dim=2), lambda a, b: torch.stack((a, b), dim=2), (2, 3), (2, 3))

# --------------------------------------------------------------------------- matmul

spec("matmul-1d-1d", lambda a, b: a @ b, lambda a, b: a @ b, (3,), (3,))
spec("matmul-1d-2d", lambda a, b: a @ b, lambda a, b: a @ b, (3,), (3, 4))
spec("matmul-2d-1d", lambda a, b: a @ b, lambda a, b: a @ b, (4, 3), (3,))
spec("matmul-2d-2d", lambda a, b: a @ b, lambda a, b: a @ b, (2, 3), (3, 4))
spec("matmul-batched", lambda a, b: a @ b, lambda a, b: a @ b, (5, 2, 3), (5, 3, 4))
spec("matmul-broadcast-batched", lambda a, b: a @ b, lambda a, b: a @ b, (5, 1, 2, 3), (4, 3, 2))
spec("matmul-1d-batched", lambda a, b: a @ b, lambda a, b: a @ b, (3,), (4, 3, 2))
spec("matmul-batched-1d", lambda a, b: a @ b, lambda a, b: a @ b, (4, 2, 3), (3,))
spec("matmul-2d-batched", lambda a, b: a @ b, lambda a, b: a @ b, (2, 3), (4, 3, 2))
spec("matmul-batched-2d", lambda a, b: a @ b, lambda a, b: a @ b, (4, 2, 3), (3, 2))
spec("matmul-function-shared", lambda a: a @ a.T, lambda a: a @ a.T, (3, 4))

# --------------------------------------------------------------------------- softmax family and functional

spec("softmax-default", lambda a: a.softmax(), lambda a: a.softmax(-1), (3, 4))
spec("softmax-axis0", lambda a: a.softmax(axis=0), lambda a: a.softmax(0), (3, 4))
spec("softmax-dim", lambda a: a.softmax(dim=1), lambda a: a.softmax(dim=1), (2, 3, 4))
spec("softmax-positional-negative", lambda a: a.softmax(-2), lambda a: a.softmax(-2), (2, 3, 4))
spec("softmax-1d", lambda a: a.softmax(), lambda a: a.softmax(0), (5,))
spec("log_softmax-default", lambda a: a.log_softmax(), lambda a: a.log_softmax(-1), (3, 4))
spec("log_softmax-axis0", lambda a: a.log_softmax(axis=0), lambda a: a.log_softmax(0), (3, 4))
spec("log_softmax-dim", lambda a: a.log_softmax(dim=1), lambda a: a.log_softmax(dim=1), (2, 3, 4))
spec("F.softmax", lambda a: F.softmax(a, dim=0), lambda a: TF.softmax(a, dim=0), (3, 4))
spec("F.softmax-axis", lambda a: F.softmax(a, 1), lambda a: TF.softmax(a, dim=1), (3, 4))
spec("F.log_softmax", lambda a: F.log_softmax(a, dim=-1), lambda a: TF.log_softmax(a, dim=-1), (3, 4))
spec("F.log_softmax-axis", lambda a: F.log_softmax(a, 0), lambda a: TF.log_softmax(a, dim=0), (3, 4))
spec("F.relu", lambda a: F.relu(a), TF.relu, (3, 4), domain="kinkfree")
spec("F.gelu", lambda a: F.gelu(a), TF.gelu, (3, 4))
spec("F.gelu-tanh", lambda a: F.gelu(a, approximate="tanh"), lambda a: TF.gelu(a, approximate="tanh"), (3, 4))
spec("F.sigmoid", lambda a: F.sigmoid(a), torch.sigmoid, (3, 4))
spec("F.tanh", lambda a: F.tanh(a), torch.tanh, (3, 4))
for _reduction in ("mean", "sum", "none"):
    spec(
        f"F.mse_loss-{_reduction}",
        lambda a, b, r=_reduction: F.mse_loss(a, b, reduction=r),
        lambda a, b, r=_reduction: TF.mse_loss(a, b, reduction=r),
        (3, 4),
        (3, 4),
    )
spec("F.mse_loss-default", lambda a, b: F.mse_loss(a, b), lambda a, b: TF.mse_loss(a, b), (5,), (5,))

spec("F.linear", lambda x, w, b: F.linear(x, w, b), TF.linear, (5, 3), (4, 3), (4,))
spec("F.linear-no-bias", lambda x, w: F.linear(x, w), TF.linear, (5, 3), (4, 3))
spec("F.linear-batched", lambda x, w, b: F.linear(x, w, b), TF.linear, (2, 5, 3), (4, 3), (4,))
spec("F.linear-1d-input", lambda x, w, b: F.linear(x, w, b), TF.linear, (3,), (4, 3), (4,))
spec("F.linear-constant-weight", lambda x: F.linear(x, C43), lambda x: TF.linear(x, T(C43)), (2, 3))

TARGETS_NC = np.array([0, 3, 1, 1, 2])
TARGETS_IGNORED = np.array([0, -100, 3, 1, -100])
TARGETS_CUSTOM_IGNORE = np.array([1, 0, 3, 1, 2])
TARGETS_NCD = np.array([[0, 3], [2, 2], [1, 0]])
TARGET_0D = np.array(2)

for _reduction in ("mean", "sum", "none"):
    spec(
        f"cross_entropy-NC-{_reduction}",
        lambda z, r=_reduction: F.cross_entropy(z, TARGETS_NC, reduction=r),
        lambda z, r=_reduction: TF.cross_entropy(z, T(TARGETS_NC), reduction=r),
        (5, 4),
    )
    spec(
        f"cross_entropy-ignored-{_reduction}",
        lambda z, r=_reduction: F.cross_entropy(z, TARGETS_IGNORED, reduction=r),
        lambda z, r=_reduction: TF.cross_entropy(z, T(TARGETS_IGNORED), reduction=r),
        (5, 4),
    )
    spec(
        f"cross_entropy-NCd1-{_reduction}",
        lambda z, r=_reduction: F.cross_entropy(z, TARGETS_NCD, reduction=r),
        lambda z, r=_reduction: TF.cross_entropy(z, T(TARGETS_NCD), reduction=r),
        (3, 4, 2),
    )
    spec(
        f"cross_entropy-C-0d-target-{_reduction}",
        lambda z, r=_reduction: F.cross_entropy(z, TARGET_0D, reduction=r),
        lambda z, r=_reduction: TF.cross_entropy(z, T(TARGET_0D), reduction=r),
        (4,),
    )
spec(
    "cross_entropy-custom-ignore_index",
    lambda z: F.cross_entropy(z, TARGETS_CUSTOM_IGNORE, ignore_index=1),
    lambda z: TF.cross_entropy(z, T(TARGETS_CUSTOM_IGNORE), ignore_index=1),
    (5, 4),
)
spec(
    "cross_entropy-tensor-target",
    lambda z: F.cross_entropy(z, Tensor(TARGETS_NC)),
    lambda z: TF.cross_entropy(z, T(TARGETS_NC)),
    (5, 4),
)
spec(
    "cross_entropy-after-matmul",
    lambda x, w: F.cross_entropy(x @ w, TARGETS_NC),
    lambda x, w: TF.cross_entropy(x @ w, T(TARGETS_NC)),
    (5, 3),
    (3, 4),
)

SPEC_IDS = [s.name for s in SPECS]


@pytest.mark.parametrize("op", SPECS, ids=SPEC_IDS)
def test_forward_and_gradients_match_torch_float64(op: OpSpec) -> None:
    check_against_torch(op.mg, op.th, op.inputs(), seed=op.name)


@pytest.mark.parametrize("op", SPECS, ids=SPEC_IDS)
def test_gradients_match_central_finite_differences(op: OpSpec) -> None:
    check_gradients_numerically(op.mg, op.inputs(), seed=op.name + "/fd")


def test_the_table_covers_every_public_op() -> None:
    """A new public op must get an entry: each name below has to appear in some spec name."""
    names = " ".join(SPEC_IDS)
    required = [
        "add", "sub", "mul", "div", "pow", "neg", "matmul", "rsub", "rmul", "rtruediv", "rpow", "radd", "rmatmul",
        "exp", "log", "sqrt", "abs", "relu", "tanh", "sigmoid", "gelu-none", "gelu-tanh", "clip-min-only",
        "clip-max-only", "maximum", "minimum", "where", "sum", "mean", "var-correction0", "var-correction1",
        "var-correction2", "max", "min", "logsumexp", "reshape", "transpose", "T-2d", "permute", "broadcast_to",
        "unsqueeze", "squeeze", "flatten", "getitem", "cat", "stack", "softmax", "log_softmax", "cross_entropy",
        "mse_loss", "F.linear", "F.relu", "F.gelu", "F.sigmoid", "F.tanh", "F.softmax", "F.log_softmax",
    ]  # fmt: skip
    missing = [r for r in required if r not in names]
    assert not missing, f"ops without a spec: {missing}"


# --------------------------------------------------------------------------- comparisons

COMPARISONS = [
    ("lt", lambda a, b: a < b, np.less),
    ("le", lambda a, b: a <= b, np.less_equal),
    ("gt", lambda a, b: a > b, np.greater),
    ("ge", lambda a, b: a >= b, np.greater_equal),
    ("eq", lambda a, b: a == b, np.equal),
    ("ne", lambda a, b: a != b, np.not_equal),
]

# Small integers as floats, so that equal elements (the interesting case) occur.
_cmp_rng = np.random.default_rng(7)
CMP_A = _cmp_rng.integers(-2, 3, (3, 4)).astype(np.float64)
CMP_B = _cmp_rng.integers(-2, 3, (3, 4)).astype(np.float64)
CMP_ROW = _cmp_rng.integers(-2, 3, (4,)).astype(np.float64)


def _other_operands() -> list[tuple[str, Any, Any]]:
    """(id, minigrad operand, NumPy operand) for the right-hand side of a comparison."""
    return [
        ("tensor", Tensor(CMP_B, requires_grad=True), CMP_B),
        ("bcast-tensor", Tensor(CMP_ROW), CMP_ROW),
        ("python-float", 0.0, 0.0),
        ("python-int", 1, 1),
        ("numpy-array", CMP_B, CMP_B),
    ]


@pytest.mark.parametrize("name,mg_cmp,np_cmp", COMPARISONS, ids=[c[0] for c in COMPARISONS])
@pytest.mark.parametrize("other_id", ["tensor", "bcast-tensor", "python-float", "python-int", "numpy-array"])
def test_comparisons_give_boolean_constants_equal_to_numpy(name: str, mg_cmp: Any, np_cmp: Any, other_id: str) -> None:
    a = Tensor(CMP_A, requires_grad=True)
    other_mg, other_np = next((m, n) for i, m, n in _other_operands() if i == other_id)
    for result, expected in (
        (mg_cmp(a, other_mg), np_cmp(CMP_A, other_np)),
        (mg_cmp(other_mg, a), np_cmp(other_np, CMP_A)),
    ):
        assert isinstance(result, Tensor)
        assert result.dtype == np.bool_
        assert result.requires_grad is False
        assert result.grad_fn is None
        np.testing.assert_array_equal(result.data, expected)

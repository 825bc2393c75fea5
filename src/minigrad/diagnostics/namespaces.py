"""The namespaces ``F`` that :func:`~minigrad.diagnostics.crosscheck.crosscheck` passes to the checked function.

``MinigradFunctions`` and ``TorchFunctions`` expose the same names with the
same meaning, so that one ``fn(F, *tensors)`` runs in both frameworks.
Reductions take ``dim``/``axis`` and ``keepdim``/``keepdims``; softmax,
log_softmax, cat and stack take ``dim``/``axis``.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from ..messages import text
from ..ops import elementwise as _ew
from ..ops import matmul as _mm
from ..ops import nn as _nn
from ..ops import reductions as _red
from ..ops import shape as _shape
from ..ops.registry import UNARY_OPS, install_namespace_methods
from ..tensor import Tensor

Dim = int | Sequence[int] | None


def _dim(op: str, dim: Dim, axis: Dim, default: Dim = None) -> Dim:
    """PyTorch's ``dim`` or NumPy's ``axis``: either spelling, not both."""
    if dim is not None and axis is not None:
        raise TypeError(text("tools.dim_or_axis", op=op))
    return dim if dim is not None else axis if axis is not None else default


def _keep(keepdim: bool, keepdims: bool | None) -> bool:
    return keepdim if keepdims is None else keepdims


class MinigradFunctions:
    """The ``F`` that :func:`crosscheck` passes for the minigrad run.

    Every name here exists with the same meaning in :class:`TorchFunctions`.
    Reductions take ``dim``/``axis`` and ``keepdim``/``keepdims``; softmax,
    log_softmax, cat and stack take ``dim``/``axis``.  Each call looks its op
    up in ``minigrad.ops`` at call time, so a break injected into an op is
    seen here too.
    """

    name = "minigrad"

    # exp, log, sqrt, abs, tanh, relu, sigmoid, softplus...: generated from their declarations (end of file).

    def tensor(self, data: Any) -> Tensor:
        """A constant (no gradient); float data becomes float64, as in the checked inputs."""
        array = np.asarray(data)
        return Tensor(array.astype(np.float64) if array.dtype.kind == "f" else array)

    def gelu(self, x: Any, approximate: str = "none") -> Tensor:
        return _ew.gelu(x, approximate)

    def pow(self, x: Any, exponent: Any) -> Tensor:
        return _ew.pow(x, exponent)

    def clip(self, x: Any, min: float | None = None, max: float | None = None) -> Tensor:
        return _ew.clip(x, min, max)

    clamp = clip

    def maximum(self, a: Any, b: Any) -> Tensor:
        return _ew.maximum(a, b)

    def minimum(self, a: Any, b: Any) -> Tensor:
        return _ew.minimum(a, b)

    def where(self, condition: Any, a: Any, b: Any) -> Tensor:
        return _ew.where(condition, a, b)

    def matmul(self, a: Any, b: Any) -> Tensor:
        return _mm.matmul(a, b)

    def sum(
        self, x: Any, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool | None = None
    ) -> Tensor:
        return _red.sum(x, _dim("sum", dim, axis), _keep(keepdim, keepdims))

    def mean(
        self, x: Any, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool | None = None
    ) -> Tensor:
        return _red.mean(x, _dim("mean", dim, axis), _keep(keepdim, keepdims))

    def max(
        self, x: Any, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool | None = None
    ) -> Tensor:
        """The maximum values (``torch.amax``): ties share the gradient equally."""
        return _red.max(x, _dim("max", dim, axis), _keep(keepdim, keepdims))

    def min(
        self, x: Any, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool | None = None
    ) -> Tensor:
        return _red.min(x, _dim("min", dim, axis), _keep(keepdim, keepdims))

    def logsumexp(
        self, x: Any, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool | None = None
    ) -> Tensor:
        return _red.logsumexp(x, _dim("logsumexp", dim, axis), _keep(keepdim, keepdims))

    def var(
        self,
        x: Any,
        dim: Dim = None,
        keepdim: bool = False,
        *,
        correction: int = 1,
        axis: Dim = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        return _red.var(x, _dim("var", dim, axis), _keep(keepdim, keepdims), correction=correction)

    def softmax(self, x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        return _nn.softmax(x, _as_int(_dim("softmax", dim, axis, -1)))

    def log_softmax(self, x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        return _nn.log_softmax(x, _as_int(_dim("log_softmax", dim, axis, -1)))

    def cross_entropy(self, logits: Any, targets: Any, reduction: str = "mean", ignore_index: int = -100) -> Tensor:
        return _nn.cross_entropy(logits, targets, reduction, ignore_index=ignore_index)

    def mse_loss(self, input: Any, target: Any, reduction: str = "mean") -> Tensor:
        return _nn.mse_loss(input, target, reduction)

    def cat(self, tensors: Sequence[Any], dim: int | None = None, *, axis: int | None = None) -> Tensor:
        return _shape.cat(tensors, _as_int(_dim("cat", dim, axis, 0)))

    def stack(self, tensors: Sequence[Any], dim: int | None = None, *, axis: int | None = None) -> Tensor:
        return _shape.stack(tensors, _as_int(_dim("stack", dim, axis, 0)))

    def reshape(self, x: Any, *shape: Any) -> Tensor:
        return _shape.reshape(x, *shape)

    def transpose(self, x: Any, dim0: int, dim1: int) -> Tensor:
        """Swap two axes (PyTorch's form)."""
        return _shape.transpose(x, dim0, dim1)


def _as_int(dim: Dim) -> int:
    if not isinstance(dim, int):
        raise TypeError(text("tools.single_axis", dim=dim))
    return dim


class TorchFunctions:
    """The ``F`` that :func:`crosscheck` passes for the PyTorch run: the names of :class:`MinigradFunctions`.

    Reductions over all axes (``dim=None``) flatten first, since several
    PyTorch reductions (``amax``, ``logsumexp``) need an explicit ``dim``.
    """

    name = "torch"

    def __init__(self, torch: ModuleType) -> None:
        self.torch = torch
        self.functional = importlib.import_module("torch.nn.functional")

    def _t(self, x: Any) -> Any:
        """``x`` as a torch tensor; numbers and arrays become constants (float64 for floats)."""
        if self.torch.is_tensor(x):
            return x
        array = np.asarray(x)
        return self.torch.as_tensor(array.astype(np.float64) if array.dtype.kind == "f" else array)

    def _reduce(self, fn: Any, x: Any, dim: Dim, keepdim: bool, **kwargs: Any) -> Any:
        x = self._t(x)
        if dim is None:
            out = fn(x.reshape(-1), dim=0, **kwargs)
            return out.reshape([1] * x.dim()) if keepdim else out
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        return fn(x, dim=dims, keepdim=keepdim, **kwargs)

    def tensor(self, data: Any) -> Any:
        return self._t(data)

    def unary(self, torch_name: str, x: Any) -> Any:
        """``torch.<torch_name>(x)``; a dotted name (``nn.functional.softplus``) is followed attribute by attribute."""
        fn: Any = self.torch
        for part in torch_name.split("."):
            fn = getattr(fn, part)
        return fn(self._t(x))

    def gelu(self, x: Any, approximate: str = "none") -> Any:
        return self.functional.gelu(self._t(x), approximate=approximate)

    def pow(self, x: Any, exponent: Any) -> Any:
        return self.torch.pow(self._t(x), exponent if isinstance(exponent, (int, float)) else self._t(exponent))

    def clip(self, x: Any, min: float | None = None, max: float | None = None) -> Any:
        return self.torch.clamp(self._t(x), min=min, max=max)

    clamp = clip

    def maximum(self, a: Any, b: Any) -> Any:
        return self.torch.maximum(self._t(a), self._t(b))

    def minimum(self, a: Any, b: Any) -> Any:
        return self.torch.minimum(self._t(a), self._t(b))

    def where(self, condition: Any, a: Any, b: Any) -> Any:
        return self.torch.where(self._t(condition), self._t(a), self._t(b))

    def matmul(self, a: Any, b: Any) -> Any:
        return self.torch.matmul(self._t(a), self._t(b))

    def sum(
        self, x: Any, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool | None = None
    ) -> Any:
        return self._reduce(self.torch.sum, x, _dim("sum", dim, axis), _keep(keepdim, keepdims))

    def mean(
        self, x: Any, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool | None = None
    ) -> Any:
        return self._reduce(self.torch.mean, x, _dim("mean", dim, axis), _keep(keepdim, keepdims))

    def max(
        self, x: Any, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool | None = None
    ) -> Any:
        return self._reduce(self.torch.amax, x, _dim("max", dim, axis), _keep(keepdim, keepdims))

    def min(
        self, x: Any, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool | None = None
    ) -> Any:
        return self._reduce(self.torch.amin, x, _dim("min", dim, axis), _keep(keepdim, keepdims))

    def logsumexp(
        self, x: Any, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool | None = None
    ) -> Any:
        return self._reduce(self.torch.logsumexp, x, _dim("logsumexp", dim, axis), _keep(keepdim, keepdims))

    def var(
        self,
        x: Any,
        dim: Dim = None,
        keepdim: bool = False,
        *,
        correction: int = 1,
        axis: Dim = None,
        keepdims: bool | None = None,
    ) -> Any:
        dims = _dim("var", dim, axis)
        return self._reduce(self.torch.var, x, dims, _keep(keepdim, keepdims), correction=correction)

    def softmax(self, x: Any, dim: int | None = None, *, axis: int | None = None) -> Any:
        return self.torch.softmax(self._t(x), dim=_dim("softmax", dim, axis, -1))

    def log_softmax(self, x: Any, dim: int | None = None, *, axis: int | None = None) -> Any:
        return self.torch.log_softmax(self._t(x), dim=_dim("log_softmax", dim, axis, -1))

    def cross_entropy(self, logits: Any, targets: Any, reduction: str = "mean", ignore_index: int = -100) -> Any:
        return self.functional.cross_entropy(
            self._t(logits), self._t(targets), reduction=reduction, ignore_index=ignore_index
        )

    def mse_loss(self, input: Any, target: Any, reduction: str = "mean") -> Any:
        return self.functional.mse_loss(self._t(input), self._t(target), reduction=reduction)

    def cat(self, tensors: Sequence[Any], dim: int | None = None, *, axis: int | None = None) -> Any:
        return self.torch.cat([self._t(t) for t in tensors], dim=_dim("cat", dim, axis, 0))

    def stack(self, tensors: Sequence[Any], dim: int | None = None, *, axis: int | None = None) -> Any:
        return self.torch.stack([self._t(t) for t in tensors], dim=_dim("stack", dim, axis, 0))

    def reshape(self, x: Any, *shape: Any) -> Any:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return self._t(x).reshape(shape)

    def transpose(self, x: Any, dim0: int, dim1: int) -> Any:
        return self.torch.transpose(self._t(x), dim0, dim1)


# One method per declared unary op (minigrad.ops.registry), in both namespaces: F.exp(x), F.softplus(x)...
install_namespace_methods(MinigradFunctions, lambda F, name, x: getattr(_ew, name)(x))
install_namespace_methods(TorchFunctions, lambda F, name, x: F.unary(UNARY_OPS[name].torch_name, x))

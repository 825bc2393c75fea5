"""Normalization layers: ``LayerNorm``, ``RMSNorm``, ``BatchNorm1d``.

``RMSNorm`` and ``BatchNorm1d`` are composed from minigrad ops (mean, var,
sqrt, div, mul), so their backward pass is the chain rule through them; that
includes the terms from the mean and variance depending on every input.
``LayerNorm`` is one fused op, :func:`minigrad.ops.nn.layer_norm` (faster,
fewer temporaries), whose backward rule is that chain rule worked out by hand:
with ``xhat = (x - mu) / sigma`` over ``N`` elements,

    dL/dx = (g' - mean(g') - xhat * mean(g' * xhat)) / sigma,   g' = g * weight
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..engine import no_grad
from ..messages import text
from ..ops.nn import layer_norm
from ..tensor import Tensor, TensorLike, as_tensor
from .arguments import check_flag, check_number, check_size, float_dtype
from .module import Module
from .parameter import Parameter


def _normalized_shape(layer: str, shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        dims: tuple[object, ...] = (shape,)
    elif isinstance(shape, (tuple, list)):
        dims = tuple(shape)
    else:
        raise TypeError(text("nn.norm.shape_type", layer=layer, shape=shape, type=type(shape).__name__))
    if not dims:
        raise ValueError(text("nn.norm.shape_empty", layer=layer))
    return tuple(check_size(layer, "normalized_shape", n, minimum=1) for n in dims)


def _float_input(layer: str, x: TensorLike) -> Tensor:
    x = as_tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(text("nn.norm.float_input", layer=layer, dtype=x.dtype))
    return x


def _trailing_axes(layer: str, x: Tensor, normalized_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The last ``len(normalized_shape)`` axes of ``x``, which must have exactly that shape."""
    k = len(normalized_shape)
    if x.shape[x.ndim - k :] != normalized_shape or x.ndim < k:
        raise ValueError(text("nn.norm.trailing", layer=layer, shape=x.shape, normalized=normalized_shape))
    return tuple(range(x.ndim - k, x.ndim))


class LayerNorm(Module):
    """Normalize over the trailing ``normalized_shape`` axes of each sample, then scale and shift.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias``, with the biased
    variance (divide by ``N``).  ``weight`` starts at 1 and ``bias`` at 0.
    """

    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        *,
        dtype: npt.DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        self.normalized_shape = _normalized_shape("LayerNorm", normalized_shape)
        self.eps = check_number("LayerNorm", "eps", eps, at_least=0)
        self.elementwise_affine = check_flag("LayerNorm", "elementwise_affine", elementwise_affine)
        bias = check_flag("LayerNorm", "bias", bias)
        resolved = float_dtype("LayerNorm", dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=resolved))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=resolved))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: TensorLike) -> Tensor:
        x = _float_input("LayerNorm", x)
        _trailing_axes("LayerNorm", x, self.normalized_shape)
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """``y = x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``normalized_shape`` axes.

    No centering and no bias.  ``eps`` is inside the square root, so an
    all-zero input gives zeros (and finite gradients) instead of ``0 / 0``;
    ``eps=None`` uses the input dtype's machine epsilon, as PyTorch does.
    """

    weight: Parameter | None

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        *,
        dtype: npt.DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        self.normalized_shape = _normalized_shape("RMSNorm", normalized_shape)
        self.eps = None if eps is None else check_number("RMSNorm", "eps", eps, at_least=0)
        self.elementwise_affine = check_flag("RMSNorm", "elementwise_affine", elementwise_affine)
        resolved = float_dtype("RMSNorm", dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=resolved))
        else:
            self.register_parameter("weight", None)

    def forward(self, x: TensorLike) -> Tensor:
        x = _float_input("RMSNorm", x)
        axes = _trailing_axes("RMSNorm", x, self.normalized_shape)
        eps = float(np.finfo(x.dtype).eps) if self.eps is None else self.eps
        mean_square = (x * x).mean(axis=axes, keepdims=True)
        y = x / (mean_square + eps).sqrt()
        return y if self.weight is None else y * self.weight

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class BatchNorm1d(Module):
    """Normalize each channel over the batch: input ``(N, C)`` or ``(N, C, L)``, statistics per ``C``.

    Training: ``y = (x - mean_B) / sqrt(var_B + eps) * weight + bias`` with the
    batch mean and biased batch variance (gradients flow through both), and
    the buffers move towards the batch:
    ``running = (1 - momentum) * running + momentum * batch_stat``, using the
    *unbiased* batch variance for ``running_var`` (``momentum=None``: a
    cumulative average, factor ``1 / num_batches_tracked``).  Eval: the
    running statistics are used instead, as constants.  With
    ``track_running_stats=False`` there are no buffers and batch statistics
    are used in both modes.
    """

    weight: Parameter | None
    bias: Parameter | None
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        bias: bool = True,
        dtype: npt.DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        self.num_features = check_size("BatchNorm1d", "num_features", num_features, minimum=1)
        self.eps = check_number("BatchNorm1d", "eps", eps, at_least=0)
        if momentum is not None:  # None: a cumulative average of the batches' statistics
            momentum = check_number("BatchNorm1d", "momentum", momentum, at_least=0, at_most=1)
        self.momentum = momentum
        self.affine = check_flag("BatchNorm1d", "affine", affine)
        self.track_running_stats = check_flag("BatchNorm1d", "track_running_stats", track_running_stats)
        bias = check_flag("BatchNorm1d", "bias", bias)
        resolved = float_dtype("BatchNorm1d", dtype)
        if affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=resolved))
            if bias:
                self.bias = Parameter(np.zeros(self.num_features, dtype=resolved))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=resolved))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=resolved))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x: TensorLike) -> Tensor:
        x = _float_input("BatchNorm1d", x)
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(text("nn.norm.batchnorm_shape", features=self.num_features, shape=x.shape))
        axes = (0,) if x.ndim == 2 else (0, 2)
        stat_shape = (1, self.num_features) + (1,) * (x.ndim - 2)
        if self.training or self.running_mean is None or self.running_var is None:
            per_channel = x.size // self.num_features
            if self.training and per_channel <= 1:
                raise ValueError(text("nn.norm.batchnorm_one_value", shape=x.shape))
            mean = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True, correction=0)
            if self.training and self.track_running_stats:
                self._update_running_stats(x, axes)
        else:
            mean = Tensor(self.running_mean.data.reshape(stat_shape))
            var = Tensor(self.running_var.data.reshape(stat_shape))
        y = (x - mean) / (var + self.eps).sqrt()
        # (C,) broadcasts against (N, C) as it is; for (N, C, L) it becomes (1, C, 1).
        if self.weight is not None:
            y = y * (self.weight if x.ndim == 2 else self.weight.reshape(stat_shape))
        if self.bias is not None:
            y = y + (self.bias if x.ndim == 2 else self.bias.reshape(stat_shape))
        return y

    def _update_running_stats(self, x: Tensor, axes: tuple[int, ...]) -> None:
        """Move the buffers towards this batch's mean and unbiased variance (in place, no graph)."""
        assert self.running_mean is not None and self.running_var is not None
        assert self.num_batches_tracked is not None
        batch = x.data
        with no_grad():
            self.num_batches_tracked.copy_(self.num_batches_tracked.data + 1)
            factor = 1.0 / int(self.num_batches_tracked.data) if self.momentum is None else self.momentum
            batch_mean = batch.mean(axis=axes)
            batch_var = batch.var(axis=axes, ddof=1)
            self.running_mean.copy_((1 - factor) * self.running_mean.data + factor * batch_mean)
            self.running_var.copy_((1 - factor) * self.running_var.data + factor * batch_var)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )

"""Positions (phase 16): sinusoidal and learned tables added to the input, and rotary embeddings.

Attention alone is permutation-equivariant: it sees a set, not a sequence.
Each of these gives the model the order back.

* :class:`SinusoidalPositionalEncoding` (Vaswani et al. 2017), a fixed table,
  sine on even features and cosine on odd ones::

      PE[t, 2i] = sin(t / 10000^(2i/d)),   PE[t, 2i+1] = cos(t / 10000^(2i/d))

* :class:`LearnedPositionalEmbedding`, a learned ``(max_len, d)`` table (GPT-2).
* :class:`RotaryEmbedding` (RoPE, Su et al. 2021), in the **rotate-half**
  convention of GPT-NeoX and Hugging Face's Llama: feature ``i`` is paired
  with feature ``i + d/2`` (not with ``i + 1`` as in the paper's interleaved
  form), and the pair at position ``t`` is rotated by ``t * base^(-2i/d)``::

      rope(x)[t] = x[t] * cos(theta_t) + rotate_half(x[t]) * sin(theta_t),
      rotate_half([x1, x2]) = [-x2, x1]

  It is applied to queries and keys (not values), after the head split.

The tables are non-persistent buffers: recomputed, not saved in a state_dict.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..messages import text
from ..ops.shape import cat
from ..tensor import Array, Tensor, TensorLike, as_tensor
from . import init
from .arguments import check_size, float_dtype
from .module import Module
from .parameter import Parameter


def sinusoidal_table(max_len: int, d_model: int) -> Array:
    """The ``(max_len, d_model)`` table: ``PE[t, 2i] = sin(t w_i)``, ``PE[t, 2i+1] = cos(t w_i)``.

    ``w_i = 10000^(-2i/d)``.
    """
    positions = np.arange(max_len, dtype=np.float64)[:, None]
    frequencies = 10000.0 ** (-np.arange(0, d_model, 2, dtype=np.float64) / d_model)
    table = np.zeros((max_len, d_model))
    table[:, 0::2] = np.sin(positions * frequencies)
    table[:, 1::2] = np.cos(positions * frequencies[: d_model // 2])
    return table


def _positions(layer: str, x: Tensor, max_len: int, d_model: int) -> int:
    if x.ndim < 2 or x.shape[-1] != d_model:
        raise ValueError(text("nn.positional.input_shape", layer=layer, shape=x.shape, d_model=d_model))
    length = x.shape[-2]
    if length > max_len:
        raise ValueError(text("nn.positional.too_long", layer=layer, length=length, max_len=max_len))
    return int(length)


class SinusoidalPositionalEncoding(Module):
    """``x + PE[:T]`` for ``x`` of shape ``(..., T, d_model)``; no parameters."""

    def __init__(self, d_model: int, max_len: int = 512, *, dtype: npt.DTypeLike = np.float64) -> None:
        super().__init__()
        self.d_model = check_size("SinusoidalPositionalEncoding", "d_model", d_model, 1)
        self.max_len = check_size("SinusoidalPositionalEncoding", "max_len", max_len, 1)
        resolved = float_dtype("SinusoidalPositionalEncoding", dtype)
        self.register_buffer("pe", Tensor(sinusoidal_table(max_len, d_model).astype(resolved)), persistent=False)

    def forward(self, x: TensorLike) -> Tensor:
        x = as_tensor(x)
        length = _positions("SinusoidalPositionalEncoding", x, self.max_len, self.d_model)
        table: Tensor = self.pe
        return x + table[:length]

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}"


class LearnedPositionalEmbedding(Module):
    """``x + weight[:T]``, ``weight`` a learned ``(max_len, d_model)`` table drawn from ``N(0, 0.02^2)``."""

    weight: Parameter

    def __init__(
        self,
        max_len: int,
        d_model: int,
        *,
        dtype: npt.DTypeLike = np.float64,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.max_len = check_size("LearnedPositionalEmbedding", "max_len", max_len, 1)
        self.d_model = check_size("LearnedPositionalEmbedding", "d_model", d_model, 1)
        resolved = float_dtype("LearnedPositionalEmbedding", dtype)
        self.weight = Parameter(np.zeros((max_len, d_model), dtype=resolved))
        init.normal_(self.weight, 0.0, 0.02, generator=init.resolve_generator("LearnedPositionalEmbedding", generator))

    def forward(self, x: TensorLike) -> Tensor:
        x = as_tensor(x)
        length = _positions("LearnedPositionalEmbedding", x, self.max_len, self.d_model)
        return x + self.weight[:length]

    def extra_repr(self) -> str:
        return f"{self.max_len}, {self.d_model}"


def rotate_half(x: Tensor) -> Tensor:
    """``[x1, x2] -> [-x2, x1]`` on the last axis, halves ``x1 = x[..., :d/2]`` and ``x2 = x[..., d/2:]``."""
    half = x.shape[-1] // 2
    return cat([-x[..., half:], x[..., :half]], dim=-1)


class RotaryEmbedding(Module):
    """RoPE, rotate-half convention: ``x * cos + rotate_half(x) * sin`` on ``(..., T, dim)``.

    ``cos`` and ``sin`` are ``(max_len, dim)``: angle ``t * base^(-2i/dim)``
    for ``i < dim/2``, repeated for the second half.  No parameters.
    """

    def __init__(
        self, dim: int, max_len: int = 512, base: float = 10000.0, *, dtype: npt.DTypeLike = np.float64
    ) -> None:
        super().__init__()
        self.dim = check_size("RotaryEmbedding", "dim", dim, 2)
        if dim % 2:
            raise ValueError(text("nn.positional.rotary_odd", dim=dim))
        self.max_len = check_size("RotaryEmbedding", "max_len", max_len, 1)
        self.base = float(base)
        resolved = float_dtype("RotaryEmbedding", dtype)
        inv_freq = self.base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)
        angles = np.arange(max_len, dtype=np.float64)[:, None] * inv_freq
        angles = np.concatenate([angles, angles], axis=-1)
        self.register_buffer("cos", Tensor(np.cos(angles).astype(resolved)), persistent=False)
        self.register_buffer("sin", Tensor(np.sin(angles).astype(resolved)), persistent=False)

    def forward(self, x: TensorLike) -> Tensor:
        x = as_tensor(x)
        length = _positions("RotaryEmbedding", x, self.max_len, self.dim)
        cos: Tensor = self.cos
        sin: Tensor = self.sin
        return x * cos[:length] + rotate_half(x) * sin[:length]

    def extra_repr(self) -> str:
        return f"dim={self.dim}, max_len={self.max_len}, base={self.base:g}"

"""``MultiheadAttention`` with ``torch.nn.MultiheadAttention``'s names, arguments and parameter layout.

Parameters: ``in_proj_weight`` ``(3E, E)`` (the query, key and value
projections stacked in that order), ``in_proj_bias`` ``(3E,)``, and
``out_proj`` (a Linear ``E -> E``), so a PyTorch state_dict loads as is.

Masks follow ``nn.MultiheadAttention`` (the opposite of the functional's
boolean convention): a boolean ``attn_mask`` or ``key_padding_mask`` is True
where attention is **not** allowed; a float one is added to the scores.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..messages import text
from ..ops.attention import attention, causal_mask, scale_factor
from ..ops.nn import linear
from ..tensor import Array, Tensor, TensorLike, as_tensor
from . import init
from .arguments import check_size, float_dtype
from .layers import Linear
from .module import Module
from .parameter import Parameter
from .positional import RotaryEmbedding


def _mask_array(name: str, mask: TensorLike | None) -> Array | None:
    if mask is None:
        return None
    array = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if array.dtype != np.bool_ and array.dtype.kind != "f":
        raise TypeError(text("nn.attention.mask_dtype", name=name, dtype=array.dtype))
    return array


def merge_masks(
    attn_mask: Array | None, key_padding_mask: Array | None, batch: int, heads: int, length: int, source: int
) -> Array | None:
    """One mask for scores of shape ``(N, H, L, S)``: boolean True = may attend, or float (added).

    ``attn_mask`` is ``(L, S)`` or ``(N*H, L, S)``, ``key_padding_mask`` is
    ``(N, S)``; both in ``nn.MultiheadAttention``'s convention (True = blocked).
    When either is float, both become additive (``-inf`` where blocked).
    """
    parts: list[Array] = []
    if attn_mask is not None:
        if attn_mask.shape == (length, source):
            parts.append(attn_mask[None, None])
        elif attn_mask.shape == (batch * heads, length, source):
            parts.append(attn_mask.reshape(batch, heads, length, source))
        else:
            raise ValueError(
                text(
                    "nn.attention.attn_mask_shape",
                    shape=attn_mask.shape,
                    square=(length, source),
                    per_head=(batch * heads, length, source),
                )
            )
    if key_padding_mask is not None:
        if key_padding_mask.shape != (batch, source):
            raise ValueError(
                text("nn.attention.padding_mask_shape", shape=key_padding_mask.shape, expected=(batch, source))
            )
        parts.append(key_padding_mask[:, None, None, :])
    if not parts:
        return None
    if all(p.dtype == np.bool_ for p in parts):
        blocked = parts[0] if len(parts) == 1 else parts[0] | parts[1]
        return ~blocked
    additive = [np.where(p, -np.inf, 0.0) if p.dtype == np.bool_ else p for p in parts]
    return additive[0] if len(additive) == 1 else additive[0] + additive[1]


class MultiheadAttention(Module):
    """``MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, batch_first=False)``.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False)`` returns
    ``(output, weights)``: output ``(N, L, E)`` with ``batch_first`` (else
    ``(L, N, E)``; unbatched ``(L, E)`` also works), weights ``(N, L, S)``
    averaged over the heads, ``(N, H, L, S)`` per head, or None.

    Heads: the projected ``(N, L, E)`` is reshaped to ``(N, L, H, E/H)`` and
    transposed to ``(N, H, L, E/H)``.  ``is_causal=True`` with no
    ``attn_mask`` builds the causal mask (PyTorch asks for both).
    ``rotary``, an extension PyTorch's class lacks: a :class:`RotaryEmbedding`
    applied to queries and keys after the head split (it has no parameters,
    so the state_dict is unchanged).
    """

    in_proj_weight: Parameter
    in_proj_bias: Parameter | None

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        batch_first: bool = False,
        *,
        rotary: RotaryEmbedding | None = None,
        dtype: npt.DTypeLike = np.float64,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.embed_dim = check_size("MultiheadAttention", "embed_dim", embed_dim, 1)
        self.num_heads = check_size("MultiheadAttention", "num_heads", num_heads, 1)
        if embed_dim % num_heads:
            raise ValueError(text("nn.attention.divisible", embed_dim=embed_dim, num_heads=num_heads))
        if not 0 <= dropout < 1:
            raise ValueError(text("nn.attention.dropout", value=dropout))
        self.head_dim = embed_dim // num_heads
        if rotary is not None and rotary.dim != self.head_dim:
            raise ValueError(text("nn.attention.rotary_dim", rotary=rotary.dim, head_dim=self.head_dim))
        self.dropout = float(dropout)
        self.batch_first = batch_first
        self.generator = generator
        resolved = float_dtype("MultiheadAttention", dtype)
        self.in_proj_weight = Parameter(np.zeros((3 * embed_dim, embed_dim), dtype=resolved))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=resolved))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=resolved, generator=generator)
        self.rotary = rotary
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """PyTorch's: Xavier-uniform ``in_proj_weight``, zero biases, ``out_proj.weight`` as a Linear's."""
        rng = init.resolve_generator("MultiheadAttention", generator)
        init.xavier_uniform_(self.in_proj_weight, generator=rng)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
        if self.out_proj.bias is not None:
            init.zeros_(self.out_proj.bias)

    def split_heads(self, x: Tensor) -> Tensor:
        """``(N, L, E) -> (N, H, L, E/H)``."""
        n, length, _ = x.shape
        return x.reshape(n, length, self.num_heads, self.head_dim).transpose(1, 2)

    def merge_heads(self, x: Tensor) -> Tensor:
        """``(N, H, L, E/H) -> (N, L, E)``."""
        n, _, length, _ = x.shape
        return x.transpose(1, 2).reshape(n, length, self.embed_dim)

    def forward(
        self,
        query: TensorLike,
        key: TensorLike,
        value: TensorLike,
        key_padding_mask: TensorLike | None = None,
        need_weights: bool = True,
        attn_mask: TensorLike | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
        unbatched = q.ndim == 2
        if unbatched:
            q, k, v = q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0)
        elif not self.batch_first:
            q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        if q.ndim != 3 or k.ndim != 3 or v.ndim != 3 or q.shape[-1] != self.embed_dim or k.shape != v.shape:
            raise ValueError(
                text(
                    "nn.attention.inputs",
                    query=as_tensor(query).shape,
                    key=as_tensor(key).shape,
                    value=as_tensor(value).shape,
                    embed_dim=self.embed_dim,
                )
            )
        n, length, source = q.shape[0], q.shape[1], k.shape[1]
        kpm = _mask_array("key_padding_mask", key_padding_mask)
        if unbatched and kpm is not None and kpm.ndim == 1:
            kpm = kpm[None]
        am = _mask_array("attn_mask", attn_mask)
        if is_causal and am is None:
            am = ~causal_mask(length, source)
        mask = merge_masks(am, kpm, n, self.num_heads, length, source)
        e, b = self.embed_dim, self.in_proj_bias
        w_q, w_k, w_v = (self.in_proj_weight[i * e : (i + 1) * e] for i in range(3))
        b_q, b_k, b_v = (None, None, None) if b is None else (b[i * e : (i + 1) * e] for i in range(3))
        heads_q = self.split_heads(linear(q, w_q, b_q))
        heads_k = self.split_heads(linear(k, w_k, b_k))
        heads_v = self.split_heads(linear(v, w_v, b_v))
        if self.rotary is not None:
            heads_q, heads_k = self.rotary(heads_q), self.rotary(heads_k)
        p = self.dropout if self.training else 0.0
        heads_out, weights = attention(heads_q, heads_k, heads_v, mask, scale_factor(self.head_dim), p, self.generator)
        out = self.out_proj(self.merge_heads(heads_out))
        if unbatched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        returned = weights.mean(axis=1) if average_attn_weights else weights
        return out, (returned.squeeze(0) if unbatched else returned)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"

"""Scaled dot-product attention, composed from existing ops (matmul, where, softmax, mul).

``attention(Q, K, V) = softmax(Q K^T / sqrt(d_k) + mask) V``, softmax over the
key axis.  Every step is an engine op, so the gradients are the engine's:
nothing here has a backward rule of its own.  Each step sits in its own small
function (:func:`scale_factor`, :func:`attention_scores`, :func:`apply_mask`,
:func:`attention_weights`, :func:`causal_mask`) so that the course's bugs are
one-line edits of one named function; keep these bodies free of comments.

Masks follow ``torch.nn.functional.scaled_dot_product_attention``: a boolean
mask is True where a query **may** attend a key; a float mask is added to
the scores (``-inf`` blocks).  A query row that may attend no key at all
gives NaN, as PyTorch's reference implementation does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..messages import text
from ..tensor import Array, Tensor, TensorLike, as_tensor
from . import elementwise, matmul, nn
from .generator import resolve_generator


def scale_factor(d_k: int) -> float:
    """The ``1/sqrt(d_k)`` that keeps the scores' variance near 1 when q and k have unit variance."""
    return 1.0 / math.sqrt(d_k)


def attention_scores(q: Tensor, k: Tensor, scale: float) -> Tensor:
    """``(Q * scale) K^T``: shape ``(..., L, S)``, one row per query, one column per key.

    Scaling Q rather than the scores multiplies ``L * E`` numbers instead of ``L * S``.
    """
    return matmul.matmul(q * scale, k.transpose(-2, -1))


def apply_mask(scores: Tensor, mask: Array | None) -> Tensor:
    """Boolean ``mask`` (True = may attend): blocked scores become ``-inf``; float ``mask``: added."""
    if mask is None:
        return scores
    if mask.dtype == np.bool_:
        return elementwise.where(Tensor._wrap(mask), scores, -math.inf)
    return scores + Tensor._wrap(mask.astype(scores.dtype, copy=False))


def attention_weights(scores: Tensor) -> Tensor:
    """Softmax over the key axis (the last one): each query's weights sum to 1."""
    return nn.softmax(scores, dim=-1)


def causal_mask(length: int, source_length: int | None = None) -> Array:
    """Boolean ``(L, S)``: True where query ``i`` may attend key ``j``, that is ``j <= i``."""
    return np.tril(np.ones((length, length if source_length is None else source_length), dtype=np.bool_), k=0)


def _check_mask(op: str, mask: Any, scores_shape: tuple[int, ...]) -> Array:
    array = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if array.dtype != np.bool_ and array.dtype.kind != "f":
        raise TypeError(text("tensor.attn_mask_dtype", op=op, dtype=array.dtype))
    try:
        np.broadcast_shapes(array.shape, scores_shape)
    except ValueError:
        raise ValueError(text("tensor.attn_mask_shape", op=op, shape=array.shape, scores_shape=scores_shape)) from None
    return array


def dropout_weights(weights: Tensor, p: float, generator: np.random.Generator | None) -> Tensor:
    """Inverted dropout on the attention weights: zero with probability ``p``, scale the rest by ``1/(1-p)``."""
    keep = resolve_generator("scaled_dot_product_attention", generator).random(weights.shape) >= p
    return weights * Tensor._wrap(keep.astype(weights.dtype) / weights.dtype.type(1 - p))


def attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Array | None,
    scale: float,
    dropout_p: float = 0.0,
    generator: np.random.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """``(softmax(Q K^T * scale + mask) V, weights)``; the shared path of the functional and the module."""
    scores = attention_scores(q, k, scale)
    weights = attention_weights(apply_mask(scores, mask))
    if dropout_p > 0:
        weights = dropout_weights(weights, dropout_p, generator)
    return matmul.matmul(weights, v), weights


def scaled_dot_product_attention(
    query: TensorLike,
    key: TensorLike,
    value: TensorLike,
    attn_mask: TensorLike | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """``softmax(Q K^T / sqrt(E) + mask) V``, as ``torch.nn.functional.scaled_dot_product_attention``.

    ``query`` ``(..., L, E)``, ``key`` ``(..., S, E)``, ``value`` ``(..., S, Ev)``;
    the result is ``(..., L, Ev)``.  ``attn_mask``: boolean (True = may
    attend) or float (added to the scores), broadcastable to ``(..., L, S)``.
    ``is_causal=True``: query ``i`` attends keys ``j <= i`` (no ``attn_mask``
    then).  ``dropout_p``: dropout on the weights, drawn from ``generator``.
    ``scale`` defaults to ``1/sqrt(E)``.

    Backward: through the ops it is made of (``dS = P * (dP - sum(dP * P))``
    for the softmax, matmul's rules for the two products).
    """
    op = "scaled_dot_product_attention"
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(text("tensor.attention_ndim", op=op, q_shape=q.shape, k_shape=k.shape, v_shape=v.shape))
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(text("tensor.attention_fit", op=op, q_shape=q.shape, k_shape=k.shape, v_shape=v.shape))
    if not 0 <= dropout_p < 1:
        raise ValueError(text("tensor.attention_dropout", op=op, dropout_p=dropout_p))
    if is_causal and attn_mask is not None:
        raise ValueError(text("tensor.attention_mask_and_causal", op=op))
    length, source = q.shape[-2], k.shape[-2]
    scores_shape = (*np.broadcast_shapes(q.shape[:-2], k.shape[:-2]), length, source)
    mask = causal_mask(length, source) if is_causal else None
    if attn_mask is not None:
        mask = _check_mask(op, attn_mask, scores_shape)
    factor = scale_factor(q.shape[-1]) if scale is None else scale
    return attention(q, k, v, mask, factor, dropout_p, generator)[0]

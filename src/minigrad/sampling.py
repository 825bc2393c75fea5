"""Choosing the next token (phase 21): greedy, temperature, top-k, top-p.

Given one row of logits ``z`` over the vocabulary:

* **greedy**: ``argmax z`` (``temperature=0``); ties go to the lowest id.
* **temperature** ``T > 0``: sample from ``softmax(z / T)``; small T sharpens,
  large T flattens.
* **top-k**: keep the ``k`` largest logits (and any tied with the k-th),
  set the rest to ``-inf``.
* **top-p** (nucleus): sort the probabilities in decreasing order (ties by
  id) and keep the shortest prefix whose sum reaches ``p``: token ``i`` stays
  when the probability mass *before* it is below ``p``.

The filters apply in that order (temperature, top-k, top-p), then one
uniform draw ``u = generator.random()`` picks the token by inverse CDF: the
first id whose cumulative probability exceeds ``u``.  The same generator
state gives the same token.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .messages import text

Array = npt.NDArray[Any]


def filter_logits(
    logits: Array, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> Array:
    """``logits / temperature`` with the tokens that top-k and top-p drop set to ``-inf`` (last axis)."""
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(text("tools.logits_shape", shape=z.shape))
    if not temperature > 0:
        raise ValueError(text("tools.temperature", temperature=temperature))
    z = z / temperature
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1:
            raise ValueError(text("tools.top_k", top_k=top_k))
        k = min(int(top_k), z.shape[-1])
        kth = -np.sort(-z, axis=-1)[..., k - 1 : k]
        z = np.where(z < kth, -np.inf, z)
    if top_p is not None:
        if not 0 < top_p <= 1:
            raise ValueError(text("tools.top_p", top_p=top_p))
        probs = softmax(z)
        order = np.argsort(-probs, axis=-1, kind="stable")
        sorted_probs = np.take_along_axis(probs, order, axis=-1)
        mass_before = np.cumsum(sorted_probs, axis=-1) - sorted_probs
        drop_sorted = mass_before >= top_p
        drop = np.zeros_like(drop_sorted)
        np.put_along_axis(drop, order, drop_sorted, axis=-1)
        z = np.where(drop, -np.inf, z)
    return z


def softmax(z: Array) -> Array:
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    out: Array = e / e.sum(axis=-1, keepdims=True)
    return out


def greedy(logits: Array) -> Array:
    """``argmax`` over the last axis (the lowest id among ties)."""
    return np.asarray(np.argmax(np.asarray(logits), axis=-1))


def sample(
    logits: Array,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: np.random.Generator | None = None,
) -> Array:
    """One token id per row of ``logits`` (``(V,)`` gives a 0-d array); ``temperature=0`` is greedy."""
    if temperature == 0:
        return greedy(logits)
    probs = softmax(filter_logits(logits, temperature, top_k, top_p))
    rng = generator if generator is not None else np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(text("tools.generator", type=type(rng).__name__))
    u = rng.random((*probs.shape[:-1], 1))
    cdf = np.cumsum(probs, axis=-1)
    ids = np.minimum((cdf <= u * cdf[..., -1:]).sum(axis=-1), probs.shape[-1] - 1)
    return np.asarray(ids)


def generate(
    model: Any,
    prompt_ids: Any,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: np.random.Generator | None = None,
    stop_id: int | None = None,
) -> list[int]:
    """Extend ``prompt_ids`` one token at a time with ``model(ids[None, -context:])[0, -1]``'s logits."""
    from .engine import no_grad

    ids = [int(i) for i in np.asarray(prompt_ids).reshape(-1)]
    if not ids:
        raise ValueError(text("tools.empty_prompt"))
    context = int(getattr(model, "context_length", len(ids) + max_new_tokens))
    with no_grad():
        for _ in range(max_new_tokens):
            logits = model(np.asarray([ids[-context:]], dtype=np.int64)).data[0, -1]
            ids.append(int(sample(logits, temperature, top_k, top_p, generator)))
            if stop_id is not None and ids[-1] == stop_id:
                break
    return ids

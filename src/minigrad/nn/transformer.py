"""A Pre-LN transformer block and MiniGPT, the course's tiny GPT (phase 17).

``TransformerBlock``: ``x + attn(ln1(x))``, then ``x + mlp(ln2(x))``, with the
mask passed in by the caller.  ``MiniGPT``: token embedding, positions, the
blocks under a causal mask, a final LayerNorm and a language-model head whose
weight is the token embedding's (weight tying).

The course's configuration, :meth:`MiniGPT.course`: vocab 64, d_model 64, 4
heads, 2 layers, d_ff 256.  Its 103,680 parameters come out exactly with
attention projections without biases, MLP Linears with biases, LayerNorms
with weight and bias (two per block and a final one), tied embeddings and
sinusoidal positions (no table)::

    token embedding (tied with the head)   64 * 64                      =   4,096
    per block: attention in/out (no bias)  3 * 64 * 64 + 64 * 64        =  16,384
               MLP (with biases)           64 * 256 + 256 + 256 * 64 + 64 = 33,088
               ln1, ln2                    2 * (64 + 64)                =     256
    2 blocks                               2 * 49,728                   =  99,456
    final LayerNorm                        64 + 64                      =     128
    total                                                                 103,680

Other configurations also give 103,680: every Linear without bias and a
learned position table of context 10 (98,304 + 640 LayerNorm + 4,096 + 640),
or LayerNorms without bias and a learned table of context 15.  With every
bias on (PyTorch's default) the count is 104,192 before any position table,
so the course's model cannot have had them all; the sinusoidal choice is the
one that leaves the context length free (the benchmark uses 16, training 44).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..messages import text
from ..ops.attention import causal_mask
from ..tensor import Array, Tensor, TensorLike
from . import init
from .activations import GELU
from .arguments import check_size
from .attention import MultiheadAttention
from .layers import Dropout, Embedding, Linear, Sequential
from .module import Module, ModuleList
from .normalization import LayerNorm
from .positional import LearnedPositionalEmbedding, RotaryEmbedding, SinusoidalPositionalEncoding

POSITIONS = ("sinusoidal", "learned", "rope", "none")


class TransformerBlock(Module):
    """Pre-LN: ``x = x + attn(ln1(x))``; ``x = x + mlp(ln2(x))``; ``mlp = Linear, GELU, Linear``.

    The GELU is GPT-2's tanh approximation (``GELU(approximate="tanh")``),
    which is also several times faster here than the exact ``erf`` form.

    ``forward(x, attn_mask=None, key_padding_mask=None)``: ``x`` is ``(N, T,
    d_model)``; the masks are :class:`MultiheadAttention`'s (True = blocked).
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        d_ff: int,
        dropout: float = 0.0,
        *,
        attn_bias: bool = True,
        mlp_bias: bool = True,
        rotary: RotaryEmbedding | None = None,
        dtype: npt.DTypeLike = np.float64,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        kw: dict[str, Any] = {"dtype": dtype, "generator": generator}
        self.ln1 = LayerNorm(d_model, dtype=dtype)
        self.attn = MultiheadAttention(d_model, n_heads, dropout, bias=attn_bias, batch_first=True, rotary=rotary, **kw)
        self.ln2 = LayerNorm(d_model, dtype=dtype)
        self.mlp = Sequential(
            Linear(d_model, d_ff, mlp_bias, **kw), GELU(approximate="tanh"), Linear(d_ff, d_model, mlp_bias, **kw)
        )
        self.dropout = Dropout(dropout, generator=generator)

    def forward(self, x: Tensor, attn_mask: Array | None = None, key_padding_mask: Array | None = None) -> Tensor:
        h = self.ln1(x)
        a = self.attn(h, h, h, key_padding_mask=key_padding_mask, need_weights=False, attn_mask=attn_mask)[0]
        x = x + self.dropout(a)
        x = x + self.dropout(self.mlp(self.ln2(x)))
        return x


class MiniGPT(Module):
    """A decoder-only transformer language model: ``forward(ids) -> logits`` of shape ``(N, T, vocab_size)``.

    ``positions``: ``"sinusoidal"`` (added table), ``"learned"`` (added
    table, ``context_length`` rows), ``"rope"`` (rotary, in each attention)
    or ``"none"``.  With ``tie_weights`` the head's weight *is* the token
    embedding's weight: one Parameter, whose gradient sums the head's and the
    embedding's.  Weights start as GPT-2's: ``N(0, 0.02^2)``, biases 0.
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        n_heads: int,
        n_layers: int,
        d_ff: int,
        context_length: int,
        *,
        positions: str = "sinusoidal",
        attn_bias: bool = True,
        mlp_bias: bool = True,
        tie_weights: bool = True,
        dropout: float = 0.0,
        dtype: npt.DTypeLike = np.float64,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if positions not in POSITIONS:
            raise ValueError(text("nn.transformer.positions", choices=", ".join(POSITIONS), value=positions))
        self.vocab_size = check_size("MiniGPT", "vocab_size", vocab_size, 1)
        self.context_length = check_size("MiniGPT", "context_length", context_length, 1)
        n_layers = check_size("MiniGPT", "n_layers", n_layers, 1)
        self.positions = positions
        self.tok_emb = Embedding(vocab_size, d_model, dtype=dtype, generator=generator)
        if positions == "sinusoidal":
            self.pos_emb: Module | None = SinusoidalPositionalEncoding(d_model, context_length, dtype=dtype)
        elif positions == "learned":
            self.pos_emb = LearnedPositionalEmbedding(context_length, d_model, dtype=dtype, generator=generator)
        else:
            self.pos_emb = None
        rotary = RotaryEmbedding(d_model // n_heads, context_length, dtype=dtype) if positions == "rope" else None
        self.blocks = ModuleList(
            TransformerBlock(
                d_model, n_heads, d_ff, dropout, attn_bias=attn_bias, mlp_bias=mlp_bias, rotary=rotary,
                dtype=dtype, generator=generator,
            )
            for _ in range(n_layers)
        )  # fmt: skip
        self.ln_f = LayerNorm(d_model, dtype=dtype)
        self.lm_head = Linear(d_model, vocab_size, bias=False, dtype=dtype, generator=generator)
        self.tie_weights = tie_weights
        self.reset_parameters(generator)
        if tie_weights:
            self.lm_head.weight = self.tok_emb.weight

    @classmethod
    def course(cls, **overrides: Any) -> MiniGPT:
        """The course's model: vocab 64, d_model 64, 4 heads, 2 layers, d_ff 256; 103,680 parameters.

        See the module docstring for how the count comes out.  ``overrides``
        change any constructor argument (``context_length`` is 64 unless given).
        """
        config: dict[str, Any] = {
            "vocab_size": 64,
            "d_model": 64,
            "n_heads": 4,
            "n_layers": 2,
            "d_ff": 256,
            "context_length": 64,
            "positions": "sinusoidal",
            "attn_bias": False,
            "mlp_bias": True,
            "tie_weights": True,
        }
        config.update(overrides)
        return cls(**config)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """GPT-2's initialization: every weight matrix and table ``N(0, 0.02^2)``, biases 0, LayerNorms (1, 0)."""
        rng = init.resolve_generator("MiniGPT", generator)
        for module in self.modules():
            if isinstance(module, (Linear, Embedding, LearnedPositionalEmbedding)):
                init.normal_(module.weight, 0.0, 0.02, generator=rng)
            if isinstance(module, Linear) and module.bias is not None:
                init.zeros_(module.bias)
            if isinstance(module, MultiheadAttention):
                init.normal_(module.in_proj_weight, 0.0, 0.02, generator=rng)
                if module.in_proj_bias is not None:
                    init.zeros_(module.in_proj_bias)

    def causal_mask(self, length: int) -> Array:
        """``(T, T)`` boolean, True above the diagonal: the future a query must not see."""
        return ~causal_mask(length)

    def forward(self, ids: TensorLike, key_padding_mask: Array | None = None) -> Tensor:
        index = ids.data if isinstance(ids, Tensor) else np.asarray(ids)
        if index.ndim != 2:
            raise ValueError(text("nn.transformer.ids_shape", shape=index.shape))
        if index.shape[1] > self.context_length:
            raise ValueError(text("nn.transformer.too_long", length=index.shape[1], context_length=self.context_length))
        x = self.tok_emb(index)
        if self.pos_emb is not None:
            x = self.pos_emb(x)
        mask = self.causal_mask(index.shape[1])
        for block in self.blocks:
            x = block(x, attn_mask=mask, key_padding_mask=key_padding_mask)
        logits: Tensor = self.lm_head(self.ln_f(x))
        return logits

    def generate(
        self,
        prompt_ids: Any,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        generator: np.random.Generator | None = None,
        stop_id: int | None = None,
    ) -> list[int]:
        """The prompt followed by up to ``max_new_tokens`` sampled ids (see :mod:`minigrad.sampling`).

        ``temperature=0`` is greedy.  The model sees the last
        ``context_length`` ids.  Generation stops after ``stop_id`` if given.
        """
        from ..sampling import generate

        return generate(self, prompt_ids, max_new_tokens, temperature, top_k, top_p, generator, stop_id)

    def extra_repr(self) -> str:
        return f"positions={self.positions!r}, context_length={self.context_length}, tie_weights={self.tie_weights}"

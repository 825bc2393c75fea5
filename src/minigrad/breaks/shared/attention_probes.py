"""What several breaks of the attention family share in their probes and checks.

Breaks in attention and MiniGPT (course phases 15-17): scaling, masks, softmax axis, heads, positions, RoPE,
LayerNorm placement, weight tying and the language-model loss.

These bugs compute the *wrong function with the right gradients*: every op is still differentiated
correctly, so finite differences stay silent.  A cross-check against PyTorch catches those on the path of
``scaled_dot_product_attention`` (the probe every break here shares); the rest are caught only by
behavioural probes, run as every break's checks: the public ones of :mod:`minigrad.diagnostics.sequence_probes`
(causality, permutation, scale, shift), the permutation probe after the positional encoding, and three
that test a property of one component (RoPE's relative positions, the Pre-LN residual path, the tied
weight's gradient).  Each check returns what it saw when it fires, and an empty string when the
behaviour is the correct one; `breaks verify` holds each to silence on correct code for every break."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...diagnostics.sequence_probes import causality_probe, permutation_probe, scale_probe, shift_probe
from ...engine import no_grad
from ...messages import text
from ...nn import MiniGPT, MultiheadAttention, RotaryEmbedding, SinusoidalPositionalEncoding, TransformerBlock
from ...ops import attention as attention_ops
from ...tensor import Tensor
from ...training.gpt import language_model_loss
from ..core import Probe

Array = np.ndarray[Any, np.dtype[Any]]
VOCAB, D_MODEL, HEADS, CONTEXT = 16, 16, 2, 8
IDS = np.random.default_rng(700).integers(0, VOCAB, (2, CONTEXT))


def _gpt(n_layers: int = 2, positions: str = "sinusoidal") -> MiniGPT:
    """A small MiniGPT (vocab 16, d_model 16, 2 heads, context 8), seeded, float64.

    Its weight matrices are scaled from GPT-2's std 0.02 to 0.5, so that what one token does to another
    shows in the logits at a size one can read, not at 1e-8.
    """
    model = MiniGPT(
        VOCAB, D_MODEL, HEADS, n_layers, 32, CONTEXT, positions=positions, generator=np.random.default_rng(701)
    )
    with no_grad():
        for p in model.parameters():
            if p.ndim == 2:
                p.copy_(p.data * 25.0)
    return model


def _fired(result: Any) -> str:
    """A check's answer: what the probe saw when it failed, else an empty string (silent)."""
    return "" if result.passed else str(result.summary())


# A finite additive causal mask, written here rather than taken from minigrad's causal_mask: the probe tests
# the attention op, and a -inf mask would make the anomaly detector fire on correct code.
PROBE_MASK = np.where(np.tril(np.ones((5, 5), dtype=bool)), 0.0, -1e4)


def _probe_masked_attention(F: Any, q: Any, k: Any, v: Any) -> Any:
    """Scaled dot-product attention with an additive causal mask; PyTorch: its own function, same mask."""
    if F.name == "torch":
        return F.functional.scaled_dot_product_attention(q, k, v, attn_mask=F.tensor(PROBE_MASK))
    return attention_ops.scaled_dot_product_attention(q, k, v, attn_mask=PROBE_MASK)


PROBE = Probe(
    _probe_masked_attention,
    (
        np.random.default_rng(710).standard_normal((2, 5, 4)),
        np.random.default_rng(711).standard_normal((2, 5, 4)),
        np.random.default_rng(712).standard_normal((2, 5, 3)),
    ),
)


def _causality_check() -> str:
    """Change token 4 of a 2-layer MiniGPT's input: no logit at positions 0..3 may move."""
    return _fired(causality_probe(_gpt(), IDS, position=4, vocab_size=VOCAB))


def _permutation_check() -> str:
    """4-head attention without positions or mask: permuting the tokens must only permute the outputs."""
    mha = MultiheadAttention(D_MODEL, 4, batch_first=True, generator=np.random.default_rng(720))
    return _fired(
        permutation_probe(
            lambda x: mha(x, x, x)[0],
            np.random.default_rng(721).standard_normal((2, 6, D_MODEL)),
            expect_equivariant=True,
        )
    )


def _positions_check() -> str:
    """The same attention after sinusoidal positions: permuting the tokens must now change more than the order."""
    mha = MultiheadAttention(D_MODEL, 4, batch_first=True, generator=np.random.default_rng(722))
    positions = SinusoidalPositionalEncoding(D_MODEL, CONTEXT)

    def attend(x: Any) -> Any:
        h = positions(x)
        return mha(h, h, h)[0]

    return _fired(
        permutation_probe(attend, np.random.default_rng(723).standard_normal((2, 6, D_MODEL)), expect_equivariant=False)
    )


def _scale_check() -> str:
    return _fired(scale_probe())


def _shift_check() -> str:
    return _fired(shift_probe(language_model_loss, vocab_size=VOCAB))


def _log_weights(mha: MultiheadAttention, x: Array) -> Array:
    with no_grad():
        weights = mha(x, x, x, need_weights=True, average_attn_weights=False)[1]
    assert weights is not None
    log_weights: Array = np.log(weights.data)
    return log_weights


def _rope_shift_discrepancy() -> float:
    """RoPE scores depend on ``i - j`` only: prefixing 3 tokens must leave every score difference unchanged.

    Within one query row, ``log w[i, j] - log w[i, 0]`` is a difference of scores (the softmax's
    normalizer cancels), so it can be compared between ``x`` and ``[prefix, x]`` at shifted positions.
    """
    mha = MultiheadAttention(
        8, 2, batch_first=True, rotary=RotaryEmbedding(4, 16), generator=np.random.default_rng(730)
    )
    x, prefix = (
        np.random.default_rng(731).standard_normal((1, 5, 8)),
        np.random.default_rng(732).standard_normal((1, 3, 8)),
    )
    plain = _log_weights(mha, x)
    shifted = _log_weights(mha, np.concatenate([prefix, x], axis=1))[..., 3:, 3:]
    return float(np.abs((plain - plain[..., :1]) - (shifted - shifted[..., :1])).max())


def _rope_relative_check() -> str:
    gap = _rope_shift_discrepancy()
    if gap < 1e-9:
        return ""
    return text("lab.check.rope_relative", gap=gap)


def _zero_branch_block() -> TransformerBlock:
    """A block whose attention output projection and last MLP layer are zero: both branches output 0."""
    block = TransformerBlock(D_MODEL, HEADS, 32, generator=np.random.default_rng(740))
    with no_grad():
        for p in (block.attn.out_proj.weight, block.attn.out_proj.bias, block.mlp[2].weight, block.mlp[2].bias):
            assert p is not None
            p.copy_(np.zeros(p.shape))
    return block


def _pre_ln_identity_check() -> str:
    """Pre-LN keeps a clean residual path: with both branches zero, the block is the identity."""
    x = 3.0 + 5.0 * np.random.default_rng(741).standard_normal((2, 4, D_MODEL))
    with no_grad():
        out = _zero_branch_block()(Tensor(x)).data
    gap = float(np.abs(out - x).max())
    if gap < 1e-12:
        return ""
    return text("lab.check.pre_ln_identity", gap=gap, output_std=out.std(), input_std=x.std())


def _tied_gradient_gap() -> tuple[float, float]:
    """The shared matrix's gradient against a finite difference of the loss along a random direction.

    Perturbing ``tok_emb.weight`` in place perturbs the head too (they are one Parameter), so the
    central difference measures the derivative through both uses.
    """
    model = _gpt(n_layers=1)
    weight = model.tok_emb.weight
    direction = np.random.default_rng(750).standard_normal(weight.shape)
    upstream = np.random.default_rng(751).standard_normal((2, CONTEXT, VOCAB))
    model(IDS).backward(upstream)
    assert weight.grad is not None
    analytic = float((weight.grad * direction).sum())
    eps, original = 1e-6, weight.data.copy()
    with no_grad():
        losses = []
        for sign in (1.0, -1.0):
            weight.data[...] = original + sign * eps * direction
            losses.append(float((model(IDS).data * upstream).sum()))
        weight.data[...] = original
    return analytic, (losses[0] - losses[1]) / (2 * eps)


def _tied_gradient_check() -> str:
    analytic, numeric = _tied_gradient_gap()
    if not np.isfinite([analytic, numeric]).all():
        return text("lab.check.tied_not_finite", analytic=analytic, numeric=numeric)
    if abs(analytic - numeric) <= 1e-6 * (1 + abs(numeric)):
        return ""
    return text("lab.check.tied_gradient", analytic=analytic, numeric=numeric)


# Every break of the family runs every probe, so that `breaks verify` shows each one silent on correct code
# and which breaks it sees.
PROBE_CHECKS = {
    "scale-probe": _scale_check,
    "causality-probe": _causality_check,
    "permutation-probe": _permutation_check,
    "positions-probe": _positions_check,
    "rope-relative-probe": _rope_relative_check,
    "pre-ln-identity": _pre_ln_identity_check,
    "tied-gradient": _tied_gradient_check,
    "shift-probe": _shift_check,
}


def family_checks(*claimed: str) -> dict[str, Any]:
    """Every probe, those the break's page claims last: `breaks verify` shows a break's own checks in one
    column, the last one."""
    unclaimed = {name: check for name, check in PROBE_CHECKS.items() if name not in claimed}
    return {**unclaimed, **{name: PROBE_CHECKS[name] for name in claimed}}

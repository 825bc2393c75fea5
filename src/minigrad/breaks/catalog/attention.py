"""Breaks in attention and MiniGPT (course phases 15-17): scaling, masks, softmax axis, heads, positions, RoPE,
LayerNorm placement, weight tying and the language-model loss.

These bugs compute the *wrong function with the right gradients*: every op is still differentiated
correctly, so finite differences stay silent.  A cross-check against PyTorch catches those on the path of
``scaled_dot_product_attention`` (the probe every break here shares); the rest are caught only by
behavioural probes, run as every break's checks: the public ones of :mod:`minigrad.diagnostics.probes`
(causality, permutation, scale, shift), the permutation probe after the positional encoding, and three
that test a property of one component (RoPE's relative positions, the Pre-LN residual path, the tied
weight's gradient).  Each check returns what it saw when it fires, and an empty string when the
behaviour is the correct one; `breaks verify` holds each to silence on correct code for every break.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...diagnostics.probes import causality_probe, permutation_probe, scale_probe, shift_probe
from ...engine import no_grad
from ...nn import MiniGPT, MultiheadAttention, RotaryEmbedding, SinusoidalPositionalEncoding, TransformerBlock
from ...ops import attention as attention_ops
from ...ops.attention import causal_mask
from ...tensor import Tensor
from ...training.gpt import language_model_loss  # the loss of `minigrad train gpt` (a break swaps its code)
from ..core import BreakCode, CaseCode, Expect, Probe
from ._support import SAME, WRONG_VALUES, Observation, normal, rng

Array = np.ndarray[Any, np.dtype[Any]]

VOCAB, D_MODEL, HEADS, CONTEXT = 16, 16, 2, 8
IDS = rng(700).integers(0, VOCAB, (2, CONTEXT))


def _gpt(n_layers: int = 2, positions: str = "sinusoidal") -> MiniGPT:
    """A small MiniGPT (vocab 16, d_model 16, 2 heads, context 8), seeded, float64.

    Its weight matrices are scaled from GPT-2's std 0.02 to 0.5, so that what one token does to another
    shows in the logits at a size one can read, not at 1e-8.
    """
    model = MiniGPT(VOCAB, D_MODEL, HEADS, n_layers, 32, CONTEXT, positions=positions, generator=rng(701))
    with no_grad():
        for p in model.parameters():
            if p.ndim == 2:
                p.copy_(p.data * 25.0)
    return model


def _fired(result: Any) -> str:
    """A check's answer: what the probe saw when it failed, else an empty string (silent)."""
    return "" if result.passed else str(result.summary_en)


# A finite additive causal mask, written here rather than taken from minigrad's causal_mask: the probe tests
# the attention op, and a -inf mask would make the anomaly detector fire on correct code.
PROBE_MASK = np.where(np.tril(np.ones((5, 5), dtype=bool)), 0.0, -1e4)


def _probe_masked_attention(F: Any, q: Any, k: Any, v: Any) -> Any:
    """Scaled dot-product attention with an additive causal mask; PyTorch: its own function, same mask."""
    if F.name == "torch":
        return F.functional.scaled_dot_product_attention(q, k, v, attn_mask=F.tensor(PROBE_MASK))
    return attention_ops.scaled_dot_product_attention(q, k, v, attn_mask=PROBE_MASK)


PROBE = Probe(_probe_masked_attention, (normal(710, 2, 5, 4), normal(711, 2, 5, 4), normal(712, 2, 5, 3)))


# --------------------------------------------------------------------------- the behavioural checks


def _causality_check() -> str:
    """Change token 4 of a 2-layer MiniGPT's input: no logit at positions 0..3 may move."""
    return _fired(causality_probe(_gpt(), IDS, position=4, vocab_size=VOCAB))


def _permutation_check() -> str:
    """4-head attention without positions or mask: permuting the tokens must only permute the outputs."""
    mha = MultiheadAttention(D_MODEL, 4, batch_first=True, generator=rng(720))
    return _fired(permutation_probe(lambda x: mha(x, x, x)[0], normal(721, 2, 6, D_MODEL), expect_equivariant=True))


def _positions_check() -> str:
    """The same attention after sinusoidal positions: permuting the tokens must now change more than the order."""
    mha = MultiheadAttention(D_MODEL, 4, batch_first=True, generator=rng(722))
    positions = SinusoidalPositionalEncoding(D_MODEL, CONTEXT)

    def attend(x: Any) -> Any:
        h = positions(x)
        return mha(h, h, h)[0]

    return _fired(permutation_probe(attend, normal(723, 2, 6, D_MODEL), expect_equivariant=False))


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
    mha = MultiheadAttention(8, 2, batch_first=True, rotary=RotaryEmbedding(4, 16), generator=rng(730))
    x, prefix = normal(731, 1, 5, 8), normal(732, 1, 3, 8)
    plain = _log_weights(mha, x)
    shifted = _log_weights(mha, np.concatenate([prefix, x], axis=1))[..., 3:, 3:]
    return float(np.abs((plain - plain[..., :1]) - (shifted - shifted[..., :1])).max())


def _rope_relative_check() -> str:
    gap = _rope_shift_discrepancy()
    if gap < 1e-9:
        return ""
    return (
        f"prefixing 3 tokens changed the score differences of the same query and keys by up to {gap:.3g}: "
        "the scores depend on absolute positions, not only on i - j; is RoPE applied to both queries and keys?"
    )


def _zero_branch_block() -> TransformerBlock:
    """A block whose attention output projection and last MLP layer are zero: both branches output 0."""
    block = TransformerBlock(D_MODEL, HEADS, 32, generator=rng(740))
    with no_grad():
        for p in (block.attn.out_proj.weight, block.attn.out_proj.bias, block.mlp[2].weight, block.mlp[2].bias):
            assert p is not None
            p.copy_(np.zeros(p.shape))
    return block


def _pre_ln_identity_check() -> str:
    """Pre-LN keeps a clean residual path: with both branches zero, the block is the identity."""
    x = 3.0 + 5.0 * normal(741, 2, 4, D_MODEL)
    with no_grad():
        out = _zero_branch_block()(Tensor(x)).data
    gap = float(np.abs(out - x).max())
    if gap < 1e-12:
        return ""
    return (
        f"with both branches zero the block changed its input by up to {gap:.3g} (output std {out.std():.3g}, "
        f"input std {x.std():.3g}): a LayerNorm sits on the residual path (Post-LN), not only inside the branches"
    )


def _tied_gradient_gap() -> tuple[float, float]:
    """The shared matrix's gradient against a finite difference of the loss along a random direction.

    Perturbing ``tok_emb.weight`` in place perturbs the head too (they are one Parameter), so the
    central difference measures the derivative through both uses.
    """
    model = _gpt(n_layers=1)
    weight = model.tok_emb.weight
    direction = normal(750, *weight.shape)
    upstream = normal(751, 2, CONTEXT, VOCAB)
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
        return (
            f"the tied weight's gradient ({analytic:.6g} along a random direction) and the loss's rate of change "
            f"along it ({numeric:.6g}) are not both finite: the model's outputs are NaN or Inf"
        )
    if abs(analytic - numeric) <= 1e-6 * (1 + abs(numeric)):
        return ""
    return (
        f"the tied weight's gradient gives a directional derivative {analytic:.6g}, but moving the shared "
        f"matrix changes the loss at rate {numeric:.6g}: one of its two uses sends no gradient to it"
    )


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


def _probes(*claimed: str) -> dict[str, Any]:
    """Every probe, those the break's page claims last: `breaks verify` shows a break's own checks in one
    column, the last one."""
    unclaimed = {name: check for name, check in PROBE_CHECKS.items() if name not in claimed}
    return {**unclaimed, **{name: PROBE_CHECKS[name] for name in claimed}}


# --------------------------------------------------------------------------- no-sqrt-dk-scaling


# Every case function is standalone: NumPy and minigrad's public API only, so that `minigrad breaks show` prints
# it as a script a learner can run (see breaks/script.py).  The MiniGPTs are _gpt's, written out: vocab 16,
# d_model 16, 2 heads, d_ff 32, context 8, token ids from seed 700, weights from seed 701 scaled to std 0.5.


def _logit_std_at_d_k_1() -> Observation:
    rng = np.random.default_rng(760)
    q, k = Tensor(rng.standard_normal((64, 1))), Tensor(rng.standard_normal((64, 1)))
    scores = attention_ops.attention_scores(q, k, attention_ops.scale_factor(1)).data
    weights = attention_ops.attention_weights(Tensor(scores)).data
    return {"logit std at d_k=1": float(scores.std()), "mean largest weight at d_k=1": float(weights.max(-1).mean())}


def _logit_std_growing_d_k() -> Observation:
    rng = np.random.default_rng(761)
    observed = {}
    for d_k in (16, 64, 256):
        q, k = Tensor(rng.standard_normal((64, d_k))), Tensor(rng.standard_normal((64, d_k)))
        scores = attention_ops.attention_scores(q, k, attention_ops.scale_factor(d_k)).data
        weights = attention_ops.attention_weights(Tensor(scores)).data
        observed[f"logit std at d_k={d_k}"] = float(scores.std())
        observed[f"mean largest weight at d_k={d_k}"] = float(weights.max(axis=-1).mean())
    return observed


NO_SQRT_DK_SCALING = BreakCode(
    "no-sqrt-dk-scaling",
    cases=(
        CaseCode("d-k-one", _logit_std_at_d_k_1, SAME),
        CaseCode("growing-d-k", _logit_std_growing_d_k, WRONG_VALUES, Expect("logit std at d_k=64", 8.0)),
    ),
    probe=PROBE,
    checks=_probes("scale-probe"),
)


# --------------------------------------------------------------------------- forget-causal-mask


def _last_position_one_layer() -> Observation:
    ids = np.random.default_rng(700).integers(0, 16, (2, 8))
    # vocab 16, d_model 16, 2 heads, 1 layer, d_ff 32, context 8
    model = MiniGPT(16, 16, 2, 1, 32, 8, generator=np.random.default_rng(701))
    with no_grad():
        logits = model(ids).data
    return {"logits at the last position": logits[:, -1]}


def _future_token_two_layers() -> Observation:
    ids = np.random.default_rng(700).integers(0, 16, (2, 8))
    model = MiniGPT(16, 16, 2, 2, 32, 8, generator=np.random.default_rng(701))
    with no_grad():
        for p in model.parameters():  # weights of std 0.5 instead of 0.02, so that the effects are readable
            if p.ndim == 2:
                p.copy_(p.data * 25.0)
    seen = causality_probe(model, ids, position=4, vocab_size=16).measurements  # changes token 4, then compares
    return {
        "largest logit change at positions 0..3": seen["max_change_before"],
        "positions among 0..3 that moved": len(seen["leaked_positions"]),
    }


FORGET_CAUSAL_MASK = BreakCode(
    "forget-causal-mask",
    cases=(
        CaseCode("one-layer-last-position", _last_position_one_layer, SAME),
        CaseCode("two-layers-future-token", _future_token_two_layers, WRONG_VALUES),
    ),
    probe=PROBE,
    checks=_probes("causality-probe"),
)


# --------------------------------------------------------------------------- scale-by-d-k

SCALE_BY_D_K = BreakCode(
    "scale-by-d-k",
    cases=(
        CaseCode("d-k-one", _logit_std_at_d_k_1, SAME),
        CaseCode("growing-d-k", _logit_std_growing_d_k, WRONG_VALUES, Expect("logit std at d_k=64", 1 / 8)),
    ),
    probe=PROBE,
    checks=_probes("scale-probe"),
)


# --------------------------------------------------------------------------- mask-added-after-softmax


def _attention_no_mask() -> Observation:
    q = np.random.default_rng(770).standard_normal((1, 5, 4))
    k = np.random.default_rng(771).standard_normal((1, 5, 4))
    v = np.random.default_rng(772).standard_normal((1, 5, 3))
    out, weights = attention_ops.attention(Tensor(q), Tensor(k), Tensor(v), None, attention_ops.scale_factor(4))
    return {
        "output": out.data,
        "weight sums per query": weights.data.sum(axis=-1),
        "NaN outputs": int(np.isnan(out.data).sum()),
    }


def _attention_additive_mask() -> Observation:
    q = np.random.default_rng(770).standard_normal((1, 5, 4))
    k = np.random.default_rng(771).standard_normal((1, 5, 4))
    v = np.random.default_rng(772).standard_normal((1, 5, 3))
    mask = np.where(np.tril(np.ones((5, 5), dtype=bool)), 0.0, -1e4)  # 0 where query i may see key j, else -1e4
    out, weights = attention_ops.attention(Tensor(q), Tensor(k), Tensor(v), mask, attention_ops.scale_factor(4))
    return {
        "output": out.data,
        "weight sums per query": weights.data.sum(axis=-1),
        "NaN outputs": int(np.isnan(out.data).sum()),
    }


def _attention_boolean_mask() -> Observation:
    q = np.random.default_rng(770).standard_normal((1, 5, 4))
    k = np.random.default_rng(771).standard_normal((1, 5, 4))
    v = np.random.default_rng(772).standard_normal((1, 5, 3))
    mask = attention_ops.causal_mask(5)  # True where query i may see key j
    out, weights = attention_ops.attention(Tensor(q), Tensor(k), Tensor(v), mask, attention_ops.scale_factor(4))
    return {
        "output": out.data,
        "weight sums per query": weights.data.sum(axis=-1),
        "NaN outputs": int(np.isnan(out.data).sum()),
    }


MASK_ADDED_AFTER_SOFTMAX = BreakCode(
    "mask-added-after-softmax",
    cases=(
        CaseCode("no-mask", _attention_no_mask, SAME),
        CaseCode("additive-mask", _attention_additive_mask, WRONG_VALUES),
        CaseCode("boolean-causal-mask", _attention_boolean_mask, WRONG_VALUES),
    ),
    probe=PROBE,
    checks=_probes("tied-gradient", "causality-probe"),
)


# --------------------------------------------------------------------------- softmax-over-queries


def _weight_sums() -> Observation:
    q = np.random.default_rng(770).standard_normal((1, 5, 4))
    k = np.random.default_rng(771).standard_normal((1, 5, 4))
    v = np.random.default_rng(772).standard_normal((1, 5, 3))
    _, w = attention_ops.attention(Tensor(q), Tensor(k), Tensor(v), None, attention_ops.scale_factor(4))
    return {"weight sums per query (over keys)": w.data.sum(-1), "weight sums per key (over queries)": w.data.sum(-2)}


def _future_token_one_layer() -> Observation:
    ids = np.random.default_rng(700).integers(0, 16, (2, 8))
    # vocab 16, d_model 16, 2 heads, 1 layer, d_ff 32, context 8
    model = MiniGPT(16, 16, 2, 1, 32, 8, generator=np.random.default_rng(701))
    with no_grad():
        for p in model.parameters():  # weights of std 0.5 instead of 0.02, so that the effects are readable
            if p.ndim == 2:
                p.copy_(p.data * 25.0)
    seen = causality_probe(model, ids, position=4, vocab_size=16).measurements  # changes token 4, then compares
    return {
        "largest output change at positions 0..3": seen["max_change_before"],
        "positions among 0..3 that moved": len(seen["leaked_positions"]),
    }


def _future_token_two_layers_outputs() -> Observation:
    ids = np.random.default_rng(700).integers(0, 16, (2, 8))
    # vocab 16, d_model 16, 2 heads, 2 layers, d_ff 32, context 8
    model = MiniGPT(16, 16, 2, 2, 32, 8, generator=np.random.default_rng(701))
    with no_grad():
        for p in model.parameters():  # weights of std 0.5 instead of 0.02, so that the effects are readable
            if p.ndim == 2:
                p.copy_(p.data * 25.0)
    seen = causality_probe(model, ids, position=4, vocab_size=16).measurements  # changes token 4, then compares
    return {
        "largest output change at positions 0..3": seen["max_change_before"],
        "positions among 0..3 that moved": len(seen["leaked_positions"]),
    }


SOFTMAX_OVER_QUERIES = BreakCode(
    "softmax-over-queries",
    cases=(
        CaseCode("weight-sums", _weight_sums, WRONG_VALUES),
        CaseCode("future-token", _future_token_two_layers_outputs, WRONG_VALUES),
    ),
    probe=PROBE,
    checks=_probes("rope-relative-probe", "causality-probe"),
)


# --------------------------------------------------------------------------- causal-mask-off-by-one


def _mask_matrix() -> Observation:
    mask = causal_mask(4)  # True where query i may attend to key j
    return {"causal_mask(4) (1 = may attend)": mask.astype(np.int64)}


CAUSAL_MASK_OFF_BY_ONE = BreakCode(
    "causal-mask-off-by-one",
    cases=(
        CaseCode("mask-matrix", _mask_matrix, WRONG_VALUES),
        CaseCode("one-layer", _future_token_one_layer, WRONG_VALUES),
        CaseCode("two-layers", _future_token_two_layers_outputs, WRONG_VALUES),
    ),
    probe=PROBE,
    checks=_probes("causality-probe"),
)


# --------------------------------------------------------------------------- heads-reshape-no-transpose


def _one_head_output() -> Observation:
    x = np.random.default_rng(781).standard_normal((2, 6, 16))
    mha = MultiheadAttention(16, 1, batch_first=True, generator=np.random.default_rng(780))  # d_model 16, 1 head
    with no_grad():
        output = mha(x, x, x)[0].data
    return {"output": output}


def _four_heads_output() -> Observation:
    x = np.random.default_rng(781).standard_normal((2, 6, 16))
    mha = MultiheadAttention(16, 4, batch_first=True, generator=np.random.default_rng(780))  # d_model 16, 4 heads
    with no_grad():
        output = mha(x, x, x)[0].data
    return {"output": output}


def _four_heads_future_change() -> Observation:
    x = np.random.default_rng(782).standard_normal((2, 8, 16))
    mha = MultiheadAttention(16, 4, batch_first=True, generator=np.random.default_rng(780))
    # change position 4 of x, then compare the causal self-attention's outputs at positions 0..3
    seen = causality_probe(lambda h: mha(h, h, h, is_causal=True), x, position=4).measurements
    return {
        "largest output change at positions 0..3": seen["max_change_before"],
        "positions among 0..3 that moved": len(seen["leaked_positions"]),
    }


HEADS_RESHAPE_NO_TRANSPOSE = BreakCode(
    "heads-reshape-no-transpose",
    cases=(
        CaseCode("one-head", _one_head_output, SAME),
        CaseCode("four-heads", _four_heads_output, WRONG_VALUES),
        CaseCode("four-heads-causal", _four_heads_future_change, WRONG_VALUES),
    ),
    probe=PROBE,
    checks=_probes("rope-relative-probe", "permutation-probe", "causality-probe"),
)


# --------------------------------------------------------------------------- rope-queries-only


def _rope_first_position() -> Observation:
    x = np.random.default_rng(731).standard_normal((1, 5, 8))
    # d_model 8, 2 heads of size 4, rotary positions up to 16
    mha = MultiheadAttention(
        8, 2, batch_first=True, rotary=RotaryEmbedding(4, 16), generator=np.random.default_rng(730)
    )
    with no_grad():
        output = mha(x, x, x, is_causal=True)[0].data
    return {"output at position 0 (causal)": output[:, 0]}


def _rope_shifted_sequence() -> Observation:
    x = np.random.default_rng(731).standard_normal((1, 5, 8))
    prefix = np.random.default_rng(732).standard_normal((1, 3, 8))
    mha = MultiheadAttention(
        8, 2, batch_first=True, rotary=RotaryEmbedding(4, 16), generator=np.random.default_rng(730)
    )
    longer = np.concatenate([prefix, x], axis=1)  # x at positions 3..7
    with no_grad():
        plain = mha(x, x, x, need_weights=True, average_attn_weights=False)[1]
        shifted = mha(longer, longer, longer, need_weights=True, average_attn_weights=False)[1]
    assert plain is not None and shifted is not None
    # log w[i, j] - log w[i, 0] is a difference of scores (the softmax's normalizer cancels): with RoPE it
    # depends on i - j only, so the prefix must leave it unchanged
    log_plain, log_shifted = np.log(plain.data), np.log(shifted.data)[..., 3:, 3:]
    gap = (log_plain - log_plain[..., :1]) - (log_shifted - log_shifted[..., :1])
    return {"largest change of a score difference after a 3-token prefix": float(np.abs(gap).max())}


ROPE_QUERIES_ONLY = BreakCode(
    "rope-queries-only",
    cases=(
        CaseCode("first-position", _rope_first_position, SAME),
        CaseCode("shifted-sequence", _rope_shifted_sequence, WRONG_VALUES),
    ),
    probe=PROBE,
    checks=_probes("rope-relative-probe"),
)


# --------------------------------------------------------------------------- lm-loss-unshifted


def _lm_loss_uniform_logits() -> Observation:
    ids = np.random.default_rng(700).integers(1, 16, (2, 6))  # tokens 1..15: none is the padding id 0
    logits = Tensor(np.zeros((2, 6, 16)))
    return {"loss of all-zero logits": language_model_loss(logits, ids).item()}


def _lm_loss_two_predictors() -> Observation:
    # the shift probe scores a perfect next-token predictor and a copier of the current token
    return dict(shift_probe(language_model_loss, vocab_size=16).measurements)


LM_LOSS_UNSHIFTED = BreakCode(
    "lm-loss-unshifted",
    cases=(
        CaseCode("uniform-logits", _lm_loss_uniform_logits, SAME),
        CaseCode("two-predictors", _lm_loss_two_predictors, WRONG_VALUES),
    ),
    probe=PROBE,
    checks=_probes("shift-probe"),
)


# --------------------------------------------------------------------------- post-ln-instead-of-pre-ln


def _zero_branches() -> Observation:
    x = 3.0 + 5.0 * np.random.default_rng(741).standard_normal((2, 4, 16))
    block = TransformerBlock(16, 2, 32, generator=np.random.default_rng(740))  # d_model 16, 2 heads, d_ff 32
    with no_grad():
        # zero the attention's output projection and the MLP's last layer: both branches output 0
        for p in [*block.attn.out_proj.parameters(), *block.mlp[2].parameters()]:
            p.copy_(np.zeros(p.shape))
        out = block(Tensor(x)).data
    return {"largest |block(x) - x|": float(np.abs(out - x).max()), "output std": float(out.std())}


def _stack_output_std() -> Observation:
    blocks = [TransformerBlock(16, 2, 32, generator=np.random.default_rng(790 + i)) for i in range(4)]
    x = Tensor(5.0 * np.random.default_rng(795).standard_normal((2, 6, 16)))
    with no_grad():
        for block in blocks:
            x = block(x)
    return {"std after 4 blocks (input std 5)": float(x.data.std())}


POST_LN_INSTEAD_OF_PRE_LN = BreakCode(
    "post-ln-instead-of-pre-ln",
    cases=(
        CaseCode("zero-branches", _zero_branches, WRONG_VALUES),
        CaseCode("four-blocks", _stack_output_std, WRONG_VALUES),
    ),
    probe=PROBE,
    checks=_probes("pre-ln-identity"),
)


# --------------------------------------------------------------------------- tied-head-detached


def _tied_logits() -> Observation:
    ids = np.random.default_rng(700).integers(0, 16, (2, 8))
    # vocab 16, d_model 16, 2 heads, 1 layer, d_ff 32, context 8; the head reuses tok_emb.weight
    model = MiniGPT(16, 16, 2, 1, 32, 8, generator=np.random.default_rng(701))
    with no_grad():
        for p in model.parameters():  # weights of std 0.5 instead of 0.02, so that the effects are readable
            if p.ndim == 2:
                p.copy_(p.data * 25.0)
        logits = model(ids).data
    return {"logits": logits}


def _tied_gradient() -> Observation:
    ids = np.random.default_rng(700).integers(0, 16, (2, 8))
    direction = np.random.default_rng(750).standard_normal((16, 16))  # a random direction for tok_emb.weight
    upstream = np.random.default_rng(751).standard_normal((2, 8, 16))  # a random upstream gradient for the logits
    model = MiniGPT(16, 16, 2, 1, 32, 8, generator=np.random.default_rng(701))
    with no_grad():
        for p in model.parameters():  # weights of std 0.5 instead of 0.02, so that the effects are readable
            if p.ndim == 2:
                p.copy_(p.data * 25.0)
    weight = model.tok_emb.weight  # one Parameter, used by the embedding and by the head
    model(ids).backward(upstream)
    assert weight.grad is not None
    # moving the shared matrix in place moves both of its uses: the central difference sees the whole derivative
    eps, original, losses = 1e-6, weight.data.copy(), []
    with no_grad():
        for sign in (1.0, -1.0):
            weight.data[...] = original + sign * eps * direction
            losses.append(float((model(ids).data * upstream).sum()))
        weight.data[...] = original
    return {
        "directional derivative from .grad": float((weight.grad * direction).sum()),
        "finite difference of the loss": (losses[0] - losses[1]) / (2 * eps),
    }


TIED_HEAD_DETACHED = BreakCode(
    "tied-head-detached",
    cases=(
        CaseCode("logits", _tied_logits, SAME),
        CaseCode("shared-weight-gradient", _tied_gradient, WRONG_VALUES),
    ),
    probe=PROBE,
    checks=_probes("tied-gradient"),
)


# --------------------------------------------------------------------------- positions-not-added


def _sinusoidal_of_zeros() -> Observation:
    encoding = SinusoidalPositionalEncoding(4, max_len=8)
    with no_grad():
        return {"encoding of zeros (3, 4)": encoding(np.zeros((3, 4))).data}


def _shuffled_prefix_learned() -> Observation:
    ids = np.random.default_rng(700).integers(0, 16, (2, 8))
    order = np.random.default_rng(703).permutation(7)  # shuffle tokens 0..6, keep token 7
    # vocab 16, d_model 16, 2 heads, 1 layer, d_ff 32, context 8, a learned table of positions
    model = MiniGPT(16, 16, 2, 1, 32, 8, positions="learned", generator=np.random.default_rng(701))
    shuffled = np.concatenate([ids[:, order], ids[:, 7:]], axis=1)
    with no_grad():
        for p in model.parameters():  # weights of std 0.5 instead of 0.02, so that the effects are readable
            if p.ndim == 2:
                p.copy_(p.data * 25.0)
        before, after = model(ids).data[:, -1], model(shuffled).data[:, -1]
    return {"largest change of the last position's logits": float(np.abs(after - before).max())}


def _shuffled_prefix_sinusoidal() -> Observation:
    ids = np.random.default_rng(700).integers(0, 16, (2, 8))
    order = np.random.default_rng(703).permutation(7)  # shuffle tokens 0..6, keep token 7
    # vocab 16, d_model 16, 2 heads, 1 layer, d_ff 32, context 8, sinusoidal positions
    model = MiniGPT(16, 16, 2, 1, 32, 8, positions="sinusoidal", generator=np.random.default_rng(701))
    shuffled = np.concatenate([ids[:, order], ids[:, 7:]], axis=1)
    with no_grad():
        for p in model.parameters():  # weights of std 0.5 instead of 0.02, so that the effects are readable
            if p.ndim == 2:
                p.copy_(p.data * 25.0)
        before, after = model(ids).data[:, -1], model(shuffled).data[:, -1]
    return {"largest change of the last position's logits": float(np.abs(after - before).max())}


POSITIONS_NOT_ADDED = BreakCode(
    "positions-not-added",
    cases=(
        CaseCode("table-of-zeros", _sinusoidal_of_zeros, WRONG_VALUES),
        CaseCode("learned-positions", _shuffled_prefix_learned, SAME),
        CaseCode("shuffled-prefix", _shuffled_prefix_sinusoidal, WRONG_VALUES),
    ),
    probe=PROBE,
    checks=_probes("positions-probe"),
)


BREAKS = [
    NO_SQRT_DK_SCALING,
    SCALE_BY_D_K,
    MASK_ADDED_AFTER_SOFTMAX,
    SOFTMAX_OVER_QUERIES,
    HEADS_RESHAPE_NO_TRANSPOSE,
    POSITIONS_NOT_ADDED,
    ROPE_QUERIES_ONLY,
    CAUSAL_MASK_OFF_BY_ONE,
    FORGET_CAUSAL_MASK,
    POST_LN_INSTEAD_OF_PRE_LN,
    TIED_HEAD_DETACHED,
    LM_LOSS_UNSHIFTED,
]

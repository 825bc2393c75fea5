"""Behavioural probes: each fires on a deliberately wrong model built here and stays silent on the correct one."""

import numpy as np
import pytest

import minigrad.functional as F
from minigrad import diagnostics, nn
from minigrad.diagnostics import causality_probe, permutation_probe, scale_probe, shift_probe
from minigrad.ops import attention as attention_ops
from minigrad.ops.nn import cross_entropy
from minigrad.training.gpt import language_model_loss


class NoMaskGPT(nn.MiniGPT):
    """The course's bug: the blocks get no causal mask."""

    def causal_mask(self, length):
        return None


class OffByOneGPT(nn.MiniGPT):
    """The mask lets each query see one future position."""

    def causal_mask(self, length):
        return np.triu(np.ones((length, length), bool), k=2)


def small(cls=nn.MiniGPT, **kw):
    return cls(13, 8, 2, 2, 16, 10, generator=np.random.default_rng(0), **kw)


IDS = np.random.default_rng(1).integers(0, 13, (3, 9))


def test_causality_probe_silent_on_minigpt_and_fires_without_the_mask():
    ok = causality_probe(small(), IDS, vocab_size=13)
    assert ok.passed and ok.measurements["leaked_positions"] == []
    bad = causality_probe(small(NoMaskGPT), IDS, vocab_size=13)
    assert not bad.passed
    assert bad.measurements["leaked_positions"] == [0, 1, 2, 3]  # every position before the changed one (4)
    assert "causal mask" in bad.summary("en") and "máscara causal" in bad.summary("es")


def test_causality_probe_catches_a_mask_off_by_one():
    bad = causality_probe(small(OffByOneGPT), IDS, vocab_size=13, position=5)
    # each of the 2 layers lets information move one step back: positions 4 and 3 see position 5
    assert not bad.passed and bad.measurements["leaked_positions"] == [3, 4]


def test_causality_probe_on_attention_itself():
    x = np.random.default_rng(2).standard_normal((2, 6, 4))
    assert causality_probe(lambda x: F.scaled_dot_product_attention(x, x, x, is_causal=True), x).passed
    assert not causality_probe(lambda x: F.scaled_dot_product_attention(x, x, x), x).passed


def test_permutation_probe():
    block = nn.TransformerBlock(8, 2, 16, generator=np.random.default_rng(0))
    positions = nn.SinusoidalPositionalEncoding(8, 16)
    x = np.random.default_rng(3).standard_normal((2, 7, 8))
    assert permutation_probe(block, x, expect_equivariant=True).passed
    assert permutation_probe(lambda x: block(positions(x)), x, expect_equivariant=False).passed
    forgot = permutation_probe(block, x, expect_equivariant=False)  # "with positions" but none were added
    assert not forgot.passed and "positions" in forgot.summary() and "posiciones" in forgot.summary("es")
    leaks = permutation_probe(lambda x: block(positions(x)), x, expect_equivariant=True)
    assert not leaks.passed and not leaks.measurements["equivariant"]


def test_scale_probe_silent_with_sqrt_dk_and_fires_without(monkeypatch):
    ok = scale_probe()
    assert ok.passed and abs(ok.measurements["slope"]) < 0.1
    assert all(0.8 < s < 1.2 for s in ok.measurements["std"])
    monkeypatch.setattr(attention_ops, "scale_factor", lambda d_k: 1.0)
    bad = scale_probe()
    assert not bad.passed
    assert 0.4 < bad.measurements["slope"] < 0.6  # grows like sqrt(d_k)
    assert bad.measurements["mean_top_weight"][-1] > 0.5  # the softmax saturates
    assert "sqrt(d_k)" in bad.summary() and "sqrt(d_k)" in bad.summary("es")


def test_scale_probe_takes_a_custom_score_function():
    assert not scale_probe(lambda q, k, d: (q @ k.T) * (1 / d)).passed  # over-scaled: std shrinks like 1/sqrt(d)


def unshifted_loss(logits, ids):
    n, t, v = logits.shape
    return cross_entropy(logits.reshape(n * t, v), ids.reshape(n * t))


def test_shift_probe():
    ok = shift_probe(language_model_loss)
    assert ok.passed
    bad = shift_probe(unshifted_loss)
    assert not bad.passed
    assert bad.measurements["loss_copy_predictor"] < 0.1 < bad.measurements["loss_next_token_predictor"]
    assert "ids[:, 1:]" in bad.summary()


def test_probe_results_are_public_and_validate_input():
    assert diagnostics.ProbeResult is type(scale_probe())
    with pytest.raises(ValueError, match="T >= 2"):
        causality_probe(lambda x: x, np.zeros((2, 1)))
    with pytest.raises(ValueError, match="vocab_size"):
        causality_probe(lambda x: x, np.zeros((2, 4), np.int64))
    with pytest.raises(ValueError, match="language"):
        scale_probe().summary("fr")

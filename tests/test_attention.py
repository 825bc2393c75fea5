"""Attention and positions against PyTorch float64 (1e-7, random non-uniform upstream gradients),
hand-written references and finite differences."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad
import minigrad.functional as F
from minigrad import Tensor, nn

TOL = {"rtol": 1e-7, "atol": 1e-9}


def close(ours, theirs):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours.data if isinstance(ours, Tensor) else ours, theirs, **TOL)


def leaves(rng, *shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    return (
        arrays,
        [Tensor(a, requires_grad=True) for a in arrays],
        [torch.tensor(a, requires_grad=True) for a in arrays],
    )


def random_mask(rng, shape):
    """Boolean (True = may attend) with at least one allowed key per query row."""
    mask = rng.random(shape) < 0.6
    mask[..., 0] = True
    return mask


# --------------------------------------------------------------------------- scaled_dot_product_attention


@pytest.mark.parametrize("mask_kind", ["none", "bool", "float", "causal", "scale", "broadcast"])
def test_sdpa_matches_torch(mask_kind):
    rng = np.random.default_rng(1)
    L = S = 5 if mask_kind == "causal" else None
    L, S = (5, 5) if mask_kind == "causal" else (4, 6)
    _, ours, theirs = leaves(rng, (2, 3, L, 8), (2, 3, S, 8), (2, 3, S, 7))
    kwargs = {}
    if mask_kind == "bool":
        kwargs["attn_mask"] = random_mask(rng, (2, 3, L, S))
    elif mask_kind == "float":
        kwargs["attn_mask"] = rng.standard_normal((L, S)) * 2
    elif mask_kind == "broadcast":
        kwargs["attn_mask"] = random_mask(rng, (2, 1, 1, S))
    elif mask_kind == "causal":
        kwargs["is_causal"] = True
    elif mask_kind == "scale":
        kwargs["scale"] = 0.37
    out = F.scaled_dot_product_attention(*ours, **kwargs)
    torch_kwargs = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    ref = TF.scaled_dot_product_attention(*theirs, **torch_kwargs)
    close(out, ref)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        close(a.grad, b.grad)


def test_sdpa_dropout_is_deterministic_under_a_generator_and_matches_the_formula():
    rng = np.random.default_rng(2)
    (q, k, v), ours, _ = leaves(rng, (2, 4, 5), (2, 6, 5), (2, 6, 3))
    p = 0.3
    out1 = F.scaled_dot_product_attention(*ours, dropout_p=p, generator=np.random.default_rng(7))
    out2 = F.scaled_dot_product_attention(*ours, dropout_p=p, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(out1.data, out2.data)
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(5)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    keep = np.random.default_rng(7).random(weights.shape) >= p
    np.testing.assert_allclose(out1.data, (weights * keep / (1 - p)) @ v, rtol=1e-12)


def test_sdpa_errors_name_the_shapes():
    q = Tensor(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"\(2, 4, 5\).*\(2, 4, 6\)"):
        F.scaled_dot_product_attention(q, Tensor(np.zeros((2, 4, 6))), q)
    with pytest.raises(ValueError, match="not both"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((4, 4), bool), is_causal=True)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 3\)"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), bool))
    with pytest.raises(TypeError, match="boolean"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((4, 4), np.int64))


def test_sdpa_gradcheck_small():
    rng = np.random.default_rng(3)
    _, ours, _ = leaves(rng, (1, 3, 2), (1, 4, 2), (1, 4, 2))
    mask = random_mask(rng, (3, 4))
    assert minigrad.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask), ours)


# --------------------------------------------------------------------------- MultiheadAttention


def twin_mha(batch_first, bias=True, seed=0):
    torch.manual_seed(seed)
    ref = torch.nn.MultiheadAttention(8, 2, bias=bias, batch_first=batch_first, dtype=torch.float64)
    with torch.no_grad():  # non-zero biases, so that a misplaced bias shows
        for p in ref.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    ours = nn.MultiheadAttention(8, 2, bias=bias, batch_first=batch_first)
    ours.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})  # no renaming
    return ours, ref


def test_mha_state_dict_has_torchs_keys_and_shapes():
    ours, ref = twin_mha(True)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in ref.state_dict().items()
    }
    assert list(ours.state_dict()) == list(ref.state_dict())


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("masks", ["none", "bool", "float", "padding", "both", "per_head", "causal"])
@pytest.mark.parametrize("average", [True, False])
def test_mha_matches_torch(batch_first, masks, average):
    rng = np.random.default_rng(4)
    N, L, S, E = 3, 4, 5, 8
    if masks == "causal":
        S = L
    shape_q, shape_kv = ((N, L, E), (N, S, E)) if batch_first else ((L, N, E), (S, N, E))
    _, xs, ts = leaves(rng, shape_q, shape_kv, shape_kv)
    ours, ref = twin_mha(batch_first)
    kw = {}
    blocked = ~random_mask(rng, (L, S))
    if masks in ("bool", "both"):
        kw["attn_mask"] = blocked
    if masks == "float":
        kw["attn_mask"] = rng.standard_normal((L, S))
    if masks == "per_head":
        kw["attn_mask"] = ~random_mask(rng, (N * 2, L, S))
    if masks in ("padding", "both"):
        pad = np.zeros((N, S), bool)
        pad[0, -2:] = True
        pad[2, -1] = True
        kw["key_padding_mask"] = pad
    if masks == "causal":
        kw["attn_mask"] = np.triu(np.ones((L, L), bool), 1)
        kw["is_causal"] = True
    out, w = ours(*xs, average_attn_weights=average, **kw)
    ref_out, ref_w = ref(
        *ts,
        average_attn_weights=average,
        **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()},
    )
    close(out, ref_out)
    close(w, ref_w)
    g, gw = rng.standard_normal(out.shape), rng.standard_normal(w.shape)
    (out * Tensor(g)).sum().add((w * Tensor(gw)).sum()).backward()
    ((ref_out * torch.tensor(g)).sum() + (ref_w * torch.tensor(gw)).sum()).backward()
    for a, b in zip(xs, ts):
        close(a.grad, b.grad)
    for (name, p), (rname, rp) in zip(ours.named_parameters(), ref.named_parameters()):
        assert name == rname
        close(p.grad, rp.grad)


def test_mha_self_attention_without_bias_unbatched_and_need_weights_false():
    rng = np.random.default_rng(5)
    ours, ref = twin_mha(True, bias=False)
    x = rng.standard_normal((4, 8))
    out, w = ours(x, x, x, need_weights=False)
    assert w is None
    ref_out, _ = ref(*(torch.tensor(x),) * 3, need_weights=False)
    close(out, ref_out)
    assert [n for n, _ in ours.named_parameters()] == ["in_proj_weight", "out_proj.weight"]


def test_mha_default_init_is_torchs():
    ours = nn.MultiheadAttention(64, 4, generator=np.random.default_rng(0))
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier_uniform on (3E, E)
    assert np.abs(ours.in_proj_weight.data).max() <= bound
    assert np.abs(ours.in_proj_weight.data).max() > 0.9 * bound
    assert not ours.in_proj_bias.data.any() and not ours.out_proj.bias.data.any()


def test_mha_errors():
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    att = nn.MultiheadAttention(8, 2, batch_first=True)
    x = np.zeros((2, 3, 8))
    with pytest.raises(ValueError, match=r"key_padding_mask has shape \(2, 4\)"):
        att(x, x, x, key_padding_mask=np.zeros((2, 4), bool))
    with pytest.raises(ValueError, match=r"attn_mask has shape \(2, 2\)"):
        att(x, x, x, attn_mask=np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="embed_dim = 8"):
        att(np.zeros((2, 3, 6)), x, x)


def test_mha_gradcheck_small():
    att = nn.MultiheadAttention(4, 2, batch_first=True, generator=np.random.default_rng(0))
    x = Tensor(np.random.default_rng(6).standard_normal((2, 3, 4)), requires_grad=True)
    pad = np.array([[False, False, True], [False, False, False]])
    assert minigrad.gradcheck(lambda x: att(x, x, x, key_padding_mask=pad)[0], [x])
    assert minigrad.gradcheck(lambda w: att(x.detach(), x.detach(), x.detach())[0], [att.in_proj_weight])


# --------------------------------------------------------------------------- positions


def test_sinusoidal_table_is_the_papers_formula():
    pe = nn.SinusoidalPositionalEncoding(6, max_len=5)
    expected = np.zeros((5, 6))
    for t in range(5):
        for i in range(3):
            expected[t, 2 * i] = math.sin(t / 10000 ** (2 * i / 6))
            expected[t, 2 * i + 1] = math.cos(t / 10000 ** (2 * i / 6))
    x = np.random.default_rng(0).standard_normal((2, 4, 6))
    np.testing.assert_allclose(pe(x).data, x + expected[:4], rtol=1e-14)
    assert pe.state_dict() == {}
    with pytest.raises(ValueError, match="longer than max_len = 5"):
        pe(np.zeros((1, 6, 6)))


def test_learned_positions_match_torch_embedding_and_get_gradients():
    rng = np.random.default_rng(1)
    pos = nn.LearnedPositionalEmbedding(6, 4)
    table = torch.tensor(pos.weight.data.copy(), requires_grad=True)
    x = rng.standard_normal((2, 5, 4))
    out = pos(x)
    ref = torch.tensor(x) + torch.nn.functional.embedding(torch.arange(5), table)
    close(out, ref)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    close(pos.weight.grad, table.grad)


def rope_reference(x, base=10000.0):
    """Rotate-half (GPT-NeoX) RoPE written as explicit 2x2 rotations of the pairs (i, i + d/2)."""
    *_, T, d = x.shape
    out = np.empty_like(x)
    for t in range(T):
        for i in range(d // 2):
            angle = t * base ** (-2 * i / d)
            c, s = math.cos(angle), math.sin(angle)
            a, b = x[..., t, i], x[..., t, i + d // 2]
            out[..., t, i] = c * a - s * b
            out[..., t, i + d // 2] = s * a + c * b
    return out


def test_rope_is_the_rotate_half_convention_and_its_gradient_matches_torch():
    rng = np.random.default_rng(2)
    rope = nn.RotaryEmbedding(8, max_len=16)
    x = rng.standard_normal((2, 3, 6, 8))
    xt = Tensor(x, requires_grad=True)
    out = rope(xt)
    np.testing.assert_allclose(out.data, rope_reference(x), rtol=1e-12, atol=1e-14)
    # torch: the same rotation as a (d, d) block matrix per position, built from the reference
    ref_x = torch.tensor(x, requires_grad=True)
    rotations = torch.tensor(np.stack([rope_reference(np.eye(8)[:, None, :].repeat(6, 1))[:, t, :] for t in range(6)]))
    ref = torch.einsum("bhtd,tde->bhte", ref_x, rotations)
    close(out, ref)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    close(xt.grad, ref_x.grad)


def test_rope_scores_depend_only_on_relative_position():
    rng = np.random.default_rng(3)
    rope = nn.RotaryEmbedding(4, max_len=20)
    q, k = rng.standard_normal(4), rng.standard_normal(4)

    def score(tq, tk):
        seq_q = np.zeros((20, 4))
        seq_k = np.zeros((20, 4))
        seq_q[tq], seq_k[tk] = q, k
        return float(rope(seq_q).data[tq] @ rope(seq_k).data[tk])

    assert score(5, 2) == pytest.approx(score(15, 12), rel=1e-12)
    assert score(5, 2) != pytest.approx(score(5, 3), rel=1e-3)


def test_rope_errors():
    with pytest.raises(ValueError, match="even"):
        nn.RotaryEmbedding(5)
    with pytest.raises(ValueError, match=r"rotary\.dim is 8 but head_dim is 4"):
        nn.MultiheadAttention(8, 2, rotary=nn.RotaryEmbedding(8))

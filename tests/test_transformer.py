"""TransformerBlock and MiniGPT against the same models written in PyTorch (float64, 1e-7): logits and
every parameter's gradient, for a random non-uniform upstream gradient, with masks and padding."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad
from minigrad import Tensor, nn

TOL = {"rtol": 1e-7, "atol": 1e-9}


def close(ours, theirs):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours.data if isinstance(ours, Tensor) else ours, theirs, **TOL)


# --------------------------------------------------------------------------- the torch twins, written here


def torch_rope(x, base=10000.0):
    d, T = x.shape[-1], x.shape[-2]
    inv = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    angles = torch.arange(T, dtype=torch.float64)[:, None] * inv
    angles = torch.cat([angles, angles], dim=-1)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return x * torch.cos(angles) + torch.cat([-x2, x1], dim=-1) * torch.sin(angles)


class TorchRopeAttention(torch.nn.Module):
    """nn.MultiheadAttention's parameters, attention written out so that RoPE can go in."""

    def __init__(self, d, h, bias):
        super().__init__()
        self.h = h
        self.in_proj_weight = torch.nn.Parameter(torch.empty(3 * d, d, dtype=torch.float64))
        self.in_proj_bias = torch.nn.Parameter(torch.empty(3 * d, dtype=torch.float64)) if bias else None
        self.out_proj = torch.nn.Linear(d, d, bias=bias, dtype=torch.float64)

    def forward(self, x, _x, __x, attn_mask=None, key_padding_mask=None, need_weights=False):
        N, T, d = x.shape
        q, k, v = TF.linear(x, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
        q, k, v = (t.reshape(N, T, self.h, d // self.h).transpose(1, 2) for t in (q, k, v))
        q, k = torch_rope(q), torch_rope(k)
        allowed = ~attn_mask[None, None]
        if key_padding_mask is not None:
            allowed = allowed & ~key_padding_mask[:, None, None, :]
        out = TF.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        return self.out_proj(out.transpose(1, 2).reshape(N, T, d)), None


class TorchBlock(torch.nn.Module):
    def __init__(self, d, h, ff, attn_bias, mlp_bias, rope):
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(d, dtype=torch.float64)
        if rope:
            self.attn = TorchRopeAttention(d, h, attn_bias)
        else:
            self.attn = torch.nn.MultiheadAttention(d, h, bias=attn_bias, batch_first=True, dtype=torch.float64)
        self.ln2 = torch.nn.LayerNorm(d, dtype=torch.float64)
        self.mlp = torch.nn.Sequential(
            torch.nn.Linear(d, ff, bias=mlp_bias, dtype=torch.float64),
            torch.nn.GELU(approximate="tanh"),
            torch.nn.Linear(ff, d, bias=mlp_bias, dtype=torch.float64),
        )

    def forward(self, x, attn_mask=None, key_padding_mask=None):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


def sinusoid(T, d):
    pe = torch.zeros(T, d, dtype=torch.float64)
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=torch.float64) / d)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    return pe


class TorchGPT(torch.nn.Module):
    def __init__(self, V, d, h, layers, ff, ctx, positions, attn_bias, mlp_bias, tie):
        super().__init__()
        self.positions = positions
        self.tok_emb = torch.nn.Embedding(V, d, dtype=torch.float64)
        if positions == "learned":
            self.pos_emb = torch.nn.Module()
            self.pos_emb.weight = torch.nn.Parameter(torch.randn(ctx, d, dtype=torch.float64))
        self.blocks = torch.nn.ModuleList(
            TorchBlock(d, h, ff, attn_bias, mlp_bias, positions == "rope") for _ in range(layers)
        )
        self.ln_f = torch.nn.LayerNorm(d, dtype=torch.float64)
        self.lm_head = torch.nn.Linear(d, V, bias=False, dtype=torch.float64)
        if tie:
            self.lm_head.weight = self.tok_emb.weight

    def forward(self, ids, key_padding_mask=None):
        T = ids.shape[1]
        x = self.tok_emb(ids)
        if self.positions == "learned":
            x = x + self.pos_emb.weight[:T]
        elif self.positions == "sinusoidal":
            x = x + sinusoid(T, x.shape[-1])
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
        for block in self.blocks:
            x = block(x, attn_mask=mask, key_padding_mask=key_padding_mask)
        return self.lm_head(self.ln_f(x))


def perturb(model, rng):
    """Non-trivial values everywhere (LayerNorm weights not 1, biases not 0), so every parameter matters."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.3))


# --------------------------------------------------------------------------- tests


CONFIGS = [
    dict(positions="sinusoidal", attn_bias=False, mlp_bias=True, tie_weights=True),
    dict(positions="learned", attn_bias=True, mlp_bias=True, tie_weights=False),
    dict(positions="rope", attn_bias=True, mlp_bias=False, tie_weights=True),
    dict(positions="none", attn_bias=False, mlp_bias=False, tie_weights=False),
]


@pytest.mark.parametrize("config", CONFIGS, ids=[c["positions"] for c in CONFIGS])
@pytest.mark.parametrize("padding", [False, True])
def test_minigpt_logits_and_every_gradient_match_torch(config, padding):
    rng = np.random.default_rng(0)
    V, d, h, layers, ff, ctx = 11, 8, 2, 2, 12, 7
    ours = nn.MiniGPT(V, d, h, layers, ff, ctx, **config)
    ref = TorchGPT(V, d, h, layers, ff, ctx, config["positions"], config["attn_bias"], config["mlp_bias"],
                   config["tie_weights"])  # fmt: skip
    perturb(ref, rng)
    assert list(ours.state_dict()) == list(ref.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})  # a torch state_dict, no renaming
    ids = rng.integers(0, V, (3, 6))
    pad = None
    if padding:
        pad = np.zeros((3, 6), bool)
        pad[1, 4:] = True  # keys the causal mask leaves open for later queries
        pad[2, 2] = True
    logits = ours(ids, key_padding_mask=pad)
    ref_logits = ref(torch.tensor(ids), None if pad is None else torch.tensor(pad))
    close(logits, ref_logits)
    g = rng.standard_normal(logits.shape)
    logits.backward(g)
    ref_logits.backward(torch.tensor(g))
    ours_params = dict(ours.named_parameters())
    ref_params = dict(ref.named_parameters())
    assert list(ours_params) == list(ref_params)
    for name, p in ours_params.items():
        assert p.grad is not None, name
        close(p.grad, ref_params[name].grad)


def test_tied_head_shares_one_parameter_that_gets_both_gradients():
    model = nn.MiniGPT(7, 4, 1, 1, 8, 5, positions="none")
    assert model.lm_head.weight is model.tok_emb.weight
    assert "lm_head.weight" not in dict(model.named_parameters())
    ids = np.array([[1, 2, 3]])
    model(ids).sum().backward()
    # the embedding's rows 1-3 get a lookup gradient on top of the head's: rows never looked up get only the head's
    head_only = nn.MiniGPT(7, 4, 1, 1, 8, 5, positions="none", tie_weights=False)
    head_only.load_state_dict({**model.state_dict()})
    head_only(ids).sum().backward()
    np.testing.assert_allclose(model.tok_emb.weight.grad[[0, 4, 5, 6]], head_only.lm_head.weight.grad[[0, 4, 5, 6]])
    assert not np.allclose(model.tok_emb.weight.grad[1:4], head_only.lm_head.weight.grad[1:4])


def count(V, d, layers, ff, attn_bias, mlp_bias, ln_bias, final_ln, tie, table):
    """The parameter count, written out by hand."""
    attn = 4 * d * d + (4 * d if attn_bias else 0)
    mlp = 2 * d * ff + ((ff + d) if mlp_bias else 0)
    ln = d * (2 if ln_bias else 1)
    return V * d * (1 if tie else 2) + layers * (attn + mlp + 2 * ln) + (ln if final_ln else 0) + table * d


def test_course_configuration_has_103680_parameters():
    model = nn.MiniGPT.course()
    n = sum(p.size for p in model.parameters())
    assert n == 103_680
    assert n == count(64, 64, 2, 256, attn_bias=False, mlp_bias=True, ln_bias=True, final_ln=True, tie=True, table=0)
    # every bias on (PyTorch's default) is already more than the course's count, with no position table at all
    assert count(64, 64, 2, 256, True, True, True, True, True, 0) == 104_192
    # the documented alternatives that also give 103,680
    assert count(64, 64, 2, 256, False, False, True, True, True, 10) == 103_680
    assert count(64, 64, 2, 256, False, False, False, True, True, 15) == 103_680
    learned = nn.MiniGPT.course(positions="learned", attn_bias=False, mlp_bias=False, context_length=10)
    assert sum(p.size for p in learned.parameters()) == 103_680


def test_transformer_block_gradcheck_small():
    rng = np.random.default_rng(1)
    block = nn.TransformerBlock(4, 2, 6, generator=np.random.default_rng(0))
    x = Tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    mask = np.triu(np.ones((3, 3), bool), 1)
    assert minigrad.gradcheck(lambda x: block(x, attn_mask=mask), [x])


def test_module_list_and_to_dtype():
    layers = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 1)])
    assert len(layers) == 2 and layers[-1] is list(layers)[1]
    assert [n for n, _ in layers.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    with pytest.raises(IndexError, match="out of range for 2"):
        layers[2]
    with pytest.raises(TypeError, match="expected a Module"):
        layers.append(3)
    model = nn.MiniGPT(9, 8, 2, 1, 8, 6, positions="rope")
    ids = np.array([[1, 2, 3, 4]])
    reference = model(ids).data
    weight = model.tok_emb.weight
    assert model.to(np.float32) is model
    assert model.tok_emb.weight is weight and model.lm_head.weight is weight
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert {b.dtype for b in model.buffers()} == {np.dtype(np.float32)}
    out = model(ids)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, reference, rtol=1e-4, atol=1e-5)
    with pytest.raises(TypeError, match="floating point"):
        model.to(np.int64)


def test_minigpt_rejects_bad_input():
    model = nn.MiniGPT(9, 8, 2, 1, 8, 4)
    with pytest.raises(ValueError, match="longer than context_length = 4"):
        model(np.zeros((1, 5), np.int64))
    with pytest.raises(ValueError, match=r"\(N, T\)"):
        model(np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="positions must be one of"):
        nn.MiniGPT(9, 8, 2, 1, 8, 4, positions="alibi")


@pytest.mark.parametrize("shape", [(), (5,), (6, 9), (2, 3, 40)])
def test_embedding_gathers_and_scatter_adds_like_torch(shape):
    # ids from 6 of the table's 11 rows: repeated ids accumulate, absent ids get a zero gradient row
    rng = np.random.default_rng(len(shape))
    ids = rng.choice([0, 2, 3, 7, 9, 10], size=shape)
    ours = nn.Embedding(11, 4, generator=rng)
    theirs = torch.nn.Embedding(11, 4, dtype=torch.float64)
    theirs.weight.data = torch.tensor(ours.weight.data)
    upstream = rng.standard_normal((*shape, 4))
    out = ours(ids)
    ref = theirs(torch.tensor(ids))
    close(out, ref)
    out.backward(upstream)
    ref.backward(torch.tensor(upstream))
    close(ours.weight.grad, theirs.weight.grad)
    assert not ours.weight.grad[[1, 4, 5, 6, 8]].any()

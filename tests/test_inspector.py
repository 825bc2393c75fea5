"""The Inspector: Welford statistics against NumPy over the whole series, handles, and numbers left unchanged."""

from __future__ import annotations

import math

import numpy as np
import pytest
from oracles import rng_for

from minigrad import Tensor, nn, no_grad
from minigrad.inspector import HookHandle, Inspector, RunningStats
from minigrad.ops.nn import cross_entropy
from minigrad.optim import AdamW


def test_running_stats_match_numpy_over_the_whole_series() -> None:
    rng = rng_for("welford")
    # arrays of different sizes and far-off means: a naive sum(x^2)/n - mean^2 would lose digits here
    series = [rng.normal(1e4 + 3.0 * i, 0.5 + i, size=rng.integers(1, 300)) for i in range(40)]
    stats = RunningStats()
    for array in series:
        stats.update(array)
    everything = np.concatenate(series)
    got = stats.summary()
    assert got["count"] == everything.size
    assert got["mean"] == pytest.approx(np.mean(everything), rel=1e-12)
    assert got["std"] == pytest.approx(np.std(everything), rel=1e-9)
    assert got["max"] == np.max(everything)
    assert got["mean_abs"] == pytest.approx(np.mean(np.abs(everything)), rel=1e-12)
    assert got["l2"] == pytest.approx(np.linalg.norm(everything), rel=1e-12)
    assert math.isnan(RunningStats().summary()["mean"])


def _model(seed: int) -> nn.MiniGPT:
    return nn.MiniGPT(
        11,
        8,
        2,
        2,
        16,
        6,
        generator=np.random.default_rng(seed),  # vocab, d_model, heads, layers, d_ff, context
    )


def _train(model: nn.MiniGPT, steps: int, inspector: Inspector | None = None) -> list[dict[str, object]]:
    rng = np.random.default_rng(5)
    optimizer = AdamW(model.parameters(), lr=1e-2)
    snapshots = []
    for _ in range(steps):
        ids = rng.integers(0, 11, size=(3, 6))
        optimizer.zero_grad()
        logits = model(ids)
        loss = cross_entropy(logits[:, :-1].reshape(15, 11), ids[:, 1:].reshape(15))
        loss.backward()
        optimizer.step()
        if inspector is not None:
            snapshots.append(inspector.snapshot())
            inspector.reset()
    return snapshots


def test_instrumentation_never_changes_the_numbers() -> None:
    plain, watched = _model(3), _model(3)
    inspector = Inspector(watched).register_all()
    _train(plain, 6)
    snapshots = _train(watched, 6, inspector)
    for (name, a), (_, b) in zip(plain.named_parameters(), watched.named_parameters()):
        assert a.data.tobytes() == b.data.tobytes(), name
    last = snapshots[-1]
    assert set(last["gradients"]) == {name for name, _ in watched.named_parameters()}  # type: ignore[arg-type]
    assert "blocks.0.mlp" in last["activations"]  # type: ignore[operator]


def test_forward_and_backward_stats_are_the_arrays_the_hooks_saw() -> None:
    model = _model(1)
    inspector = Inspector(model)
    inspector.register_forward("head", model.lm_head)
    inspector.register_backward("head.weight", model.lm_head.weight)
    seen: list[np.ndarray] = []
    model.lm_head.register_forward_hook(lambda m, i, out: seen.append(np.array(out.data)))
    ids = np.random.default_rng(0).integers(0, 11, size=(2, 6))
    model(ids).sum().backward()
    model(ids[:, :4]).sum().backward()  # a second pass: .grad is now the sum of both
    snap = inspector.snapshot()
    outputs = np.concatenate([a.ravel() for a in seen]).astype(np.float64)
    assert snap["activations"]["head"]["mean"] == pytest.approx(outputs.mean(), rel=1e-12)
    assert snap["activations"]["head"]["count"] == outputs.size
    grad = snap["gradients"]["head.weight"]
    assert grad["count"] == 2 * model.lm_head.weight.data.size  # one filled .grad per backward pass
    assert grad["weight_l2"] == pytest.approx(np.linalg.norm(model.lm_head.weight.data))


def test_handles_reset_and_remove_all() -> None:
    model = _model(2)
    inspector = Inspector(model)
    handle = inspector.register_forward("ln_f", model.ln_f)
    inspector.register_backward("ln_f.weight", model.ln_f.weight)
    assert isinstance(handle, HookHandle)
    with pytest.raises(ValueError, match="already watched"):
        inspector.register_forward("ln_f", model.ln_f)
    with pytest.raises(TypeError, match="leaf tensor that requires grad"):
        inspector.register_backward("x", Tensor(np.ones(2)))
    ids = np.zeros((1, 3), dtype=np.int64)
    model(ids).sum().backward()
    assert inspector.snapshot()["activations"]["ln_f"]["count"] == 3 * 8
    inspector.reset()
    assert inspector.snapshot()["activations"]["ln_f"]["count"] == 0
    model(ids).sum().backward()
    assert inspector.snapshot()["gradients"]["ln_f.weight"]["count"] == 8
    handle.remove()
    assert "ln_f" not in inspector.snapshot()["activations"]
    inspector.remove_all()
    model(ids).sum().backward()
    assert inspector.snapshot() == {"activations": {}, "gradients": {}, "dead_units": {}, "attention_entropy": {}}
    assert not model.ln_f._forward_hooks and not model.ln_f.weight._hooks


def test_spectral_norm_by_power_iteration_matches_the_svd() -> None:
    from minigrad.inspector import spectral_norm

    rng = rng_for("spectral")
    for shape in ((64, 256), (256, 64), (5, 5)):
        w = rng.normal(size=shape)
        assert spectral_norm(w, iterations=200) == pytest.approx(np.linalg.norm(w, 2), rel=1e-6)
    assert spectral_norm(np.zeros((3, 4))) == 0.0


# --------------------------------------------------------------------------- dead units and attention entropy


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def test_dead_units_are_the_hidden_units_never_positive_as_numpy_counts_them() -> None:
    model = _model(4)
    hidden = model.blocks[0].mlp[0]
    hidden.bias.data[:3] = -50.0  # three units of block 0 that cannot fire: at least 3/16 dead there
    inspector = Inspector(model).register_all()
    assert set(inspector.dead_units) == {"blocks.0.mlp.1", "blocks.1.mlp.1"}  # the GELUs, below max_depth too
    pre: dict[int, list[np.ndarray]] = {0: [], 1: []}
    for i in (0, 1):
        model.blocks[i].mlp[0].register_forward_hook(lambda m, a, out, i=i: pre[i].append(np.array(out.data)))
    rng = np.random.default_rng(7)
    model(rng.integers(0, 11, size=(3, 6)))
    model(rng.integers(0, 11, size=(2, 4)))  # a second call: a unit is dead only if it never fired in either
    got = inspector.snapshot()["dead_units"]
    for i in (0, 1):
        activation = np.concatenate([_gelu_tanh(a.reshape(-1, 16)) for a in pre[i]])  # every position, both calls
        expected = np.mean(np.all(activation <= 0, axis=0))
        assert got[f"blocks.{i}.mlp.1"] == pytest.approx(expected, abs=1e-15)
    assert got["blocks.0.mlp.1"] >= 3 / 16
    inspector.reset()
    assert math.isnan(inspector.snapshot()["dead_units"]["blocks.0.mlp.1"])  # nothing seen since the reset


def test_dead_relu_units_by_construction_and_the_type_check() -> None:
    rng = rng_for("dead-relu")
    mlp = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
    mlp[0].bias.data[:] = np.array([-9.0, -9.0, 9.0, 9.0, 9.0, 9.0, 9.0, -9.0])  # weights ~ U(-0.45, 0.45), |x| < 1
    inspector = Inspector(mlp)
    inspector.register_dead_units("relu", mlp[1])
    mlp(rng.uniform(-1, 1, size=(10, 5)))
    assert inspector.snapshot()["dead_units"]["relu"] == 3 / 8  # units 0, 1 and 7 can never fire
    with no_grad():  # not a training pass: not counted (counted, these two rows would make every unit fire)
        mlp(np.array([[1e3] * 5, [-1e3] * 5]))
    assert inspector.snapshot()["dead_units"]["relu"] == 3 / 8
    mlp(np.full((1, 5), np.nan))
    assert math.isnan(inspector.snapshot()["dead_units"]["relu"])  # NaN is not a dead unit
    with pytest.raises(TypeError, match="ReLU or GELU"):
        inspector.register_dead_units("linear", mlp[0])


def _entropy_oracle(
    x: np.ndarray, in_w: np.ndarray, in_b: np.ndarray, heads: int, blocked: np.ndarray, padded: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per head: (sum of row entropies, rows) for x (N, L, E), blocked (L, L) True = not allowed, padded (N, L)."""
    n, length, e = x.shape
    d = e // heads
    q = x @ in_w[:e].T + in_b[:e]
    k = x @ in_w[e : 2 * e].T + in_b[e : 2 * e]
    total, rows = np.zeros(heads), np.zeros(heads)
    for b in range(n):
        for h in range(heads):
            qh, kh = q[b, :, h * d : (h + 1) * d], k[b, :, h * d : (h + 1) * d]
            scores = qh @ kh.T / math.sqrt(d)
            allowed = ~blocked.copy()
            if padded is not None:
                allowed &= ~padded[b][None, :]
            for i in range(length):
                if not allowed[i].any() or (padded is not None and padded[b, i]):
                    continue
                s = scores[i][allowed[i]]
                p = np.exp(s - s.max())
                p /= p.sum()
                total[h] += -np.sum(p * np.log(p))
                rows[h] += 1
    return total, rows


def test_attention_entropy_per_head_matches_numpy_on_a_tiny_minigpt() -> None:
    model = _model(6)
    rng = rng_for("attention-entropy")
    for block in model.blocks:
        block.attn.in_proj_weight.data[:] = rng.normal(0, 0.8, size=block.attn.in_proj_weight.shape)  # not uniform
        block.attn.in_proj_bias.data[:] = rng.normal(0, 0.3, size=block.attn.in_proj_bias.shape)
    inspector = Inspector(model).register_all()
    seen: dict[int, list[np.ndarray]] = {0: [], 1: []}
    for i in (0, 1):
        model.blocks[i].ln1.register_forward_hook(lambda m, a, out, i=i: seen[i].append(np.array(out.data)))
    padding = np.array([[False] * 6, [False] * 4 + [True] * 2, [False] * 3 + [True] * 3])
    calls = [(rng.integers(0, 11, size=(3, 6)), padding), (rng.integers(0, 11, size=(2, 5)), None)]
    for ids, pad in calls:
        model(ids, key_padding_mask=pad)
    got = inspector.snapshot()["attention_entropy"]
    for i in (0, 1):
        attn = model.blocks[i].attn
        total, rows = np.zeros(2), np.zeros(2)
        for h, (ids, pad) in zip(seen[i], calls):
            length = ids.shape[1]
            causal_blocked = np.triu(np.ones((length, length), dtype=bool), k=1)
            t, r = _entropy_oracle(h, attn.in_proj_weight.data, attn.in_proj_bias.data, 2, causal_blocked, pad)
            total, rows = total + t, rows + r
        assert rows[0] == 3 * 6 - 2 - 3 + 2 * 5  # every query row but the five padded ones
        np.testing.assert_allclose(got[f"blocks.{i}.attn"], total / rows, rtol=1e-10, atol=0)
    assert max(got["blocks.0.attn"]) < math.log(6) and min(got["blocks.0.attn"]) > 0


def test_attention_entropy_of_a_sequence_first_causal_call() -> None:
    rng = rng_for("entropy-seq-first")
    attn = nn.MultiheadAttention(6, 3, batch_first=False, generator=rng)
    attn.in_proj_bias.data[:] = rng.normal(size=18)
    inspector = Inspector(attn)
    inspector.register_attention_entropy("attn", attn)
    x = rng.normal(size=(5, 2, 6))  # (L, N, E)
    attn(x, x, x, is_causal=True, need_weights=False)
    with no_grad():  # not a training pass: not counted
        attn(x[:2], x[:2], x[:2], is_causal=True, need_weights=False)
    blocked = np.triu(np.ones((5, 5), dtype=bool), k=1)
    weight, bias = attn.in_proj_weight.data, attn.in_proj_bias.data
    total, rows = _entropy_oracle(x.transpose(1, 0, 2), weight, bias, 3, blocked, None)
    np.testing.assert_allclose(inspector.snapshot()["attention_entropy"]["attn"], total / rows, rtol=1e-10, atol=0)
    with pytest.raises(TypeError, match="MultiheadAttention"):
        inspector.register_attention_entropy("linear", attn.out_proj)


def test_attention_entropy_of_an_unbatched_call_with_an_additive_mask() -> None:
    rng = rng_for("entropy-additive")
    attn = nn.MultiheadAttention(4, 2, batch_first=True, generator=rng)
    inspector = Inspector(attn)
    inspector.register_attention_entropy("attn", attn)
    x = rng.normal(size=(5, 4))  # (L, E): no batch axis
    bias = rng.normal(size=(5, 5))
    bias[np.triu_indices(5, k=1)] = -np.inf  # causal, and a finite bias on the allowed scores
    attn(x, x, x, attn_mask=bias, need_weights=False)
    w, b = attn.in_proj_weight.data, attn.in_proj_bias.data
    q, k = x @ w[:4].T + b[:4], x @ w[4:8].T + b[4:8]
    expected = []
    for h in range(2):
        scores = q[:, 2 * h : 2 * h + 2] @ k[:, 2 * h : 2 * h + 2].T / math.sqrt(2) + bias
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        expected.append(np.mean([-np.sum(row[row > 0] * np.log(row[row > 0])) for row in p]))
    np.testing.assert_allclose(inspector.snapshot()["attention_entropy"]["attn"], expected, rtol=1e-10, atol=0)


def test_remove_all_takes_the_dead_unit_and_entropy_hooks_off_too() -> None:
    model = _model(8)
    inspector = Inspector(model).register_all()
    assert set(inspector.attention_entropy) == {"blocks.0.attn", "blocks.1.attn"}
    with pytest.raises(ValueError, match="already watched"):
        inspector.register_attention_entropy("blocks.0.attn", model.blocks[0].attn)
    inspector.remove_all()
    model(np.zeros((1, 3), dtype=np.int64))
    assert inspector.snapshot() == {"activations": {}, "gradients": {}, "dead_units": {}, "attention_entropy": {}}
    assert not any(m._forward_hooks for m in model.modules())


def _entropy_of_self_attention(attn: nn.MultiheadAttention, x: np.ndarray) -> list[float]:
    """Each head's mean row entropy of a causal self-attention call on x (N, L, E), by the NumPy oracle."""
    blocked = np.triu(np.ones((x.shape[1], x.shape[1]), dtype=bool), k=1)
    bias = attn.in_proj_bias.data if attn.in_proj_bias is not None else np.zeros(3 * attn.embed_dim)
    total, rows = _entropy_oracle(x, attn.in_proj_weight.data, bias, attn.num_heads, blocked, None)
    return list(total / rows)


def test_attention_entropy_reads_the_scores_before_dropout_and_leaves_the_run_alone() -> None:
    # dropout 0.5 in training mode: the softmax's output is then multiplied by a random keep mask, and the
    # entropy must still be that of the weights before it; the dropout draws must be the run's own
    rng = rng_for("entropy-dropout")
    plain = nn.MultiheadAttention(6, 3, dropout=0.5, batch_first=True, generator=np.random.default_rng(11))
    watched = nn.MultiheadAttention(6, 3, dropout=0.5, batch_first=True, generator=np.random.default_rng(11))
    watched.in_proj_bias.data[:] = plain.in_proj_bias.data[:] = rng.normal(size=18)
    inspector = Inspector(watched)
    inspector.register_attention_entropy("attn", watched)
    x = rng.normal(size=(2, 5, 6))
    outputs = [m(Tensor(x), Tensor(x), Tensor(x), is_causal=True, need_weights=False)[0] for m in (plain, watched)]
    assert outputs[0].data.tobytes() == outputs[1].data.tobytes()
    expected = _entropy_of_self_attention(watched, x)
    np.testing.assert_allclose(inspector.snapshot()["attention_entropy"]["attn"], expected, rtol=1e-10, atol=0)


def test_attention_entropy_without_a_graph_recomputes_the_scores() -> None:
    # nothing needs a gradient (frozen weights, a plain array in) yet gradients are on: the call is counted,
    # and with no graph to read the scores from, the inspector recomputes them
    rng = rng_for("entropy-no-graph")
    attn = nn.MultiheadAttention(4, 2, batch_first=True, generator=rng).requires_grad_(False)
    attn.in_proj_bias.data[:] = rng.normal(size=12)
    inspector = Inspector(attn, params={})
    inspector.register_attention_entropy("attn", attn)
    x = rng.normal(size=(3, 4, 4))
    out = attn(x, x, x, is_causal=True, need_weights=False)[0]
    assert out.grad_fn is None
    expected = _entropy_of_self_attention(attn, x)
    np.testing.assert_allclose(inspector.snapshot()["attention_entropy"]["attn"], expected, rtol=1e-10, atol=0)


class _Passthrough(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x


class _AddOneInPlace(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.add_(1.0)


def test_an_output_seen_twice_is_summarized_once_but_an_in_place_change_is_seen() -> None:
    # the second module returns the very tensor the first one did (a summary reused); the third changes it
    # in place before returning it (the reuse must not happen: its statistics are those of x + 1)
    model = nn.Sequential(_Passthrough(), _Passthrough(), _AddOneInPlace(), _Passthrough())
    inspector = Inspector(model, params={}).register_all()
    x = rng_for("inspector-same-output").normal(2.0, 3.0, size=(4, 5))
    model(Tensor(x.copy()))
    got = inspector.snapshot()["activations"]
    for name, expected in (("0", x), ("1", x), ("2", x + 1.0), ("3", x + 1.0)):
        assert got[name]["mean"] == pytest.approx(np.mean(expected), rel=1e-12), name
        assert got[name]["std"] == pytest.approx(np.std(expected), rel=1e-12), name
        assert got[name]["max"] == np.max(expected), name
        assert got[name]["l2"] == pytest.approx(np.linalg.norm(expected), rel=1e-12), name

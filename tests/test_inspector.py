"""The Inspector: Welford statistics against NumPy over the whole series, handles, and numbers left unchanged."""

from __future__ import annotations

import math

import numpy as np
import pytest
from oracles import rng_for

from minigrad import Tensor, nn
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
    assert inspector.snapshot() == {"activations": {}, "gradients": {}}
    assert not model.ln_f._forward_hooks and not model.ln_f.weight._hooks


def test_spectral_norm_by_power_iteration_matches_the_svd() -> None:
    from minigrad.inspector import spectral_norm

    rng = rng_for("spectral")
    for shape in ((64, 256), (256, 64), (5, 5)):
        w = rng.normal(size=shape)
        assert spectral_norm(w, iterations=200) == pytest.approx(np.linalg.norm(w, 2), rel=1e-6)
    assert spectral_norm(np.zeros((3, 4))) == 0.0

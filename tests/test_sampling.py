"""Sampling (phase 21) against the same algorithm written with torch here, fed the same uniform draws."""

import numpy as np
import pytest
import torch

from minigrad import nn, sampling


def torch_sample(logits, u, temperature, top_k, top_p):
    """Temperature, then top-k (ties with the k-th kept), then top-p (keep while the mass before < p),
    then inverse CDF on the uniform draw u."""
    z = torch.tensor(logits, dtype=torch.float64) / temperature
    if top_k is not None:
        kth = torch.topk(z, min(top_k, z.shape[-1]), dim=-1).values[..., -1:]
        z = z.masked_fill(z < kth, float("-inf"))
    if top_p is not None:
        probs = torch.softmax(z, dim=-1)
        sorted_probs, order = torch.sort(probs, dim=-1, descending=True, stable=True)
        before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
        drop = torch.zeros_like(before, dtype=torch.bool).scatter(-1, order, before >= top_p)
        z = z.masked_fill(drop, float("-inf"))
    probs = torch.softmax(z, dim=-1)
    cdf = torch.cumsum(probs, dim=-1)
    u = torch.tensor(u, dtype=torch.float64)
    return torch.searchsorted(cdf, (u * cdf[..., -1:]).contiguous(), right=True).clamp(max=z.shape[-1] - 1)[..., 0]


@pytest.mark.parametrize(
    ("temperature", "top_k", "top_p"),
    [(1.0, None, None), (0.5, None, None), (2.0, None, None), (1.0, 3, None), (0.8, 5, 0.9), (1.0, None, 0.5),
     (1.3, 1, None), (1.0, None, 1e-9)],
)  # fmt: skip
def test_sample_matches_torch_under_the_same_draws(temperature, top_k, top_p):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((200, 10)) * 2
    ids = sampling.sample(logits, temperature, top_k, top_p, generator=np.random.default_rng(42))
    u = np.random.default_rng(42).random((200, 1))
    expected = torch_sample(logits, u, temperature, top_k, top_p).numpy()
    np.testing.assert_array_equal(ids, expected)


def test_filters_keep_what_they_should():
    z = np.log(np.array([0.5, 0.2, 0.15, 0.1, 0.05]))
    kept_p = np.isfinite(sampling.filter_logits(z, top_p=0.8))
    assert list(kept_p) == [True, True, True, False, False]  # 0.5 + 0.2 = 0.7 < 0.8, so the third is needed
    kept_k = np.isfinite(sampling.filter_logits(z, top_k=2))
    assert list(kept_k) == [True, True, False, False, False]
    assert np.isfinite(sampling.filter_logits(np.zeros(4), top_k=1)).all()  # ties with the k-th are kept


def test_greedy_is_argmax_and_temperature_zero():
    logits = np.random.default_rng(1).standard_normal((5, 7))
    np.testing.assert_array_equal(sampling.greedy(logits), torch.argmax(torch.tensor(logits), dim=-1).numpy())
    np.testing.assert_array_equal(sampling.sample(logits, temperature=0), sampling.greedy(logits))


def test_deterministic_under_a_generator_and_frequencies_follow_the_probabilities():
    z = np.log(np.array([0.6, 0.3, 0.1]))
    a = sampling.sample(np.tile(z, (20000, 1)), generator=np.random.default_rng(3))
    b = sampling.sample(np.tile(z, (20000, 1)), generator=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    freq = np.bincount(a, minlength=3) / a.size
    np.testing.assert_allclose(freq, [0.6, 0.3, 0.1], atol=0.015)


def test_bad_arguments():
    with pytest.raises(ValueError, match="top_k"):
        sampling.sample(np.zeros(3), top_k=0)
    with pytest.raises(ValueError, match="top_p"):
        sampling.sample(np.zeros(3), top_p=1.5)
    with pytest.raises(ValueError, match="temperature"):
        sampling.filter_logits(np.zeros(3), temperature=-1)


def test_generate_is_deterministic_and_greedy_follows_argmax():
    model = nn.MiniGPT(12, 8, 2, 1, 16, 6, generator=np.random.default_rng(0))
    out1 = model.generate([1, 2], 8, temperature=0.8, top_k=5, top_p=0.9, generator=np.random.default_rng(5))
    out2 = model.generate([1, 2], 8, temperature=0.8, top_k=5, top_p=0.9, generator=np.random.default_rng(5))
    assert out1 == out2 and len(out1) == 10 and out1[:2] == [1, 2]
    greedy = model.generate([3], 7, temperature=0)
    for t in range(1, len(greedy)):  # each greedy token is the argmax given the last 6 ids before it
        context = greedy[max(0, t - 6) : t]
        assert greedy[t] == int(np.argmax(model(np.array([context])).data[0, -1]))
    stopped = model.generate([3], 7, temperature=0, stop_id=greedy[2])
    assert stopped == greedy[: greedy.index(greedy[2], 1) + 1]

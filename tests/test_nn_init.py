"""minigrad.nn.init: gains and fans against torch.nn.init, distributions checked statistically.

Random draws cannot match torch's bit for bit (different generators), so the
checks are: exact bounds, and mean/std over a large tensor within a tolerance
many standard errors wide (std of a sample std over n draws is about
std / sqrt(2 n); at n = 240,000 a 1% tolerance is more than 6 of them), with
the expected std computed from torch's gain and fan functions and compared
with torch's own initializers' output.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minigrad
from minigrad import Tensor, nn
from minigrad.nn import init

SHAPE = (600, 400)  # 240,000 draws


def big(shape: tuple[int, ...] = SHAPE, dtype: Any = np.float64) -> Tensor:
    return Tensor(np.zeros(shape, dtype=dtype))


def torch_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    return torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


# --------------------------------------------------------------------------- gains and fans


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("conv1d", None),
        ("conv2d", None),
        ("conv3d", None),
        ("conv_transpose1d", None),
        ("conv_transpose2d", None),
        ("conv_transpose3d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", math.sqrt(5)),
        ("leaky_relu", 0),
        ("selu", None),
    ],
)
def test_calculate_gain_matches_torch(nonlinearity: str, param: float | None) -> None:
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15
    )


@pytest.mark.parametrize(("nonlinearity", "param"), [("softplus", None), ("leaky_relu", "a"), ("leaky_relu", True)])
def test_calculate_gain_rejects_what_torch_rejects(nonlinearity: str, param: Any) -> None:
    with pytest.raises(ValueError):
        torch.nn.init.calculate_gain(nonlinearity, param)
    with pytest.raises(ValueError, match="calculate_gain"):
        init.calculate_gain(nonlinearity, param)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 3, 2), (6, 2, 3, 3), (2, 3, 1, 2, 2), (1, 1)])
def test_fans_match_torch(shape: tuple[int, ...]) -> None:
    assert init.calculate_fan_in_and_fan_out(big(shape)) == torch_fans(shape)


def test_fans_need_two_dimensions() -> None:
    with pytest.raises(ValueError, match=r"shape \(5,\) has fewer than 2 dimensions"):
        init.calculate_fan_in_and_fan_out(big((5,)))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(big((5,)))


# --------------------------------------------------------------------------- distributions


def assert_uniform(values: np.ndarray, low: float, high: float) -> None:
    assert values.min() >= low and values.max() <= high
    width = high - low
    assert values.min() < low + 0.001 * width and values.max() > high - 0.001 * width  # the whole range is used
    np.testing.assert_allclose(values.mean(), (low + high) / 2, atol=0.01 * width)
    np.testing.assert_allclose(values.std(), width / math.sqrt(12), rtol=0.01)


def assert_normal(values: np.ndarray, mean: float, std: float) -> None:
    np.testing.assert_allclose(values.mean(), mean, atol=0.01 * std)
    np.testing.assert_allclose(values.std(), std, rtol=0.01)
    # Normal, not uniform: about 4.55% of draws lie beyond 2 std.
    np.testing.assert_allclose(np.mean(np.abs(values - mean) > 2 * std), 0.0455, atol=0.003)


def torch_std(fn: Callable[..., Any], shape: tuple[int, ...] = SHAPE, **kwargs: Any) -> float:
    t = torch.empty(shape, dtype=torch.float64)
    torch.manual_seed(0)
    fn(t, **kwargs)
    return float(t.std())


def test_uniform_and_normal() -> None:
    rng = np.random.default_rng(0)
    assert_uniform(init.uniform_(big(), -2.0, 3.0, generator=rng).data, -2.0, 3.0)
    assert_uniform(init.uniform_(big(), generator=rng).data, 0.0, 1.0)
    assert_normal(init.normal_(big(), 1.5, 0.2, generator=rng).data, 1.5, 0.2)
    assert_normal(init.normal_(big(), generator=rng).data, 0.0, 1.0)


def test_constant_zeros_ones() -> None:
    t = Tensor(np.ones((3, 2)))
    assert init.constant_(t, 2.5) is t and np.all(t.data == 2.5)
    assert np.all(init.zeros_(t).data == 0)
    assert np.all(init.ones_(t).data == 1)
    counter = Tensor(np.array([5, 6]))
    assert np.all(init.zeros_(counter).data == 0) and counter.dtype == np.int64


@pytest.mark.parametrize("shape", [(300, 500), (200, 150, 5, 5)])
@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier(shape: tuple[int, ...], gain: float) -> None:
    rng = np.random.default_rng(1)
    fan_in, fan_out = torch_fans(shape)
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    bound = math.sqrt(3) * std
    assert_uniform(init.xavier_uniform_(big(shape), gain, generator=rng).data, -bound, bound)
    assert_normal(init.xavier_normal_(big(shape), gain=gain, generator=rng).data, 0.0, std)
    np.testing.assert_allclose(std, torch_std(torch.nn.init.xavier_normal_, shape, gain=gain), rtol=0.01)
    np.testing.assert_allclose(
        bound / math.sqrt(3), torch_std(torch.nn.init.xavier_uniform_, shape, gain=gain), rtol=0.01
    )


@pytest.mark.parametrize(
    ("a", "mode", "nonlinearity", "shape"),
    [
        (0.0, "fan_in", "leaky_relu", (300, 800)),
        (math.sqrt(5), "fan_in", "leaky_relu", (800, 300)),
        (0.0, "fan_out", "relu", (300, 800)),
        (0.1, "fan_out", "leaky_relu", (300, 200, 3, 3)),
        (0.0, "fan_in", "tanh", (400, 300, 5)),
        (0.0, "fan_in", "linear", (500, 500)),
    ],
)
def test_kaiming(a: float, mode: str, nonlinearity: str, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(2)
    fan_in, fan_out = torch_fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3) * std
    out = init.kaiming_uniform_(big(shape), a=a, mode=mode, nonlinearity=nonlinearity, generator=rng)
    assert_uniform(out.data, -bound, bound)
    out = init.kaiming_normal_(big(shape), a, mode, nonlinearity, generator=rng)
    assert_normal(out.data, 0.0, std)
    kwargs = {"a": a, "mode": mode, "nonlinearity": nonlinearity}
    np.testing.assert_allclose(std, torch_std(torch.nn.init.kaiming_normal_, shape, **kwargs), rtol=0.01)
    np.testing.assert_allclose(std, torch_std(torch.nn.init.kaiming_uniform_, shape, **kwargs), rtol=0.01)


# --------------------------------------------------------------------------- in place, outside the graph


def test_init_fills_parameters_in_place_without_a_graph() -> None:
    p = nn.Parameter(np.zeros((4, 3)))
    version = p._version
    for fn in (
        lambda t: init.uniform_(t, -1, 1),
        lambda t: init.normal_(t),
        init.xavier_uniform_,
        init.xavier_normal_,
        init.kaiming_uniform_,
        init.kaiming_normal_,
        init.zeros_,
        init.ones_,
        lambda t: init.constant_(t, 0.3),
    ):
        assert minigrad.is_grad_enabled()  # works without the caller's no_grad
        assert fn(p) is p
        assert p.is_leaf and p.requires_grad and p.grad_fn is None
        assert p._version > version
        version = p._version


def test_float32_is_kept() -> None:
    t = big((50, 40), np.float32)
    init.kaiming_uniform_(t, generator=np.random.default_rng(0))
    assert t.dtype == np.float32 and np.abs(t.data).max() <= math.sqrt(3) * math.sqrt(2 / (1 + 0.01**2)) / math.sqrt(40)


def test_generators_and_manual_seed() -> None:
    a = init.normal_(big((5, 5)), generator=np.random.default_rng(9)).data
    b = init.normal_(big((5, 5)), generator=np.random.default_rng(9)).data
    np.testing.assert_array_equal(a, b)
    gen = init.manual_seed(3)
    assert init.default_generator() is gen
    c = init.xavier_uniform_(big((5, 5))).data
    init.manual_seed(3)
    d = init.xavier_uniform_(big((5, 5))).data
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(c, init.xavier_uniform_(big((5, 5))).data)  # the stream moves on
    with pytest.raises(TypeError, match=r"uniform_: generator must be a numpy\.random\.Generator"):
        init.uniform_(big((2, 2)), generator=np.random.RandomState(0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="manual_seed: seed must be an int"):
        init.manual_seed(1.5)  # type: ignore[arg-type]


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="normal_: random initialization needs a floating point tensor"):
        init.normal_(Tensor(np.zeros(3, dtype=np.int64)))
    with pytest.raises(TypeError, match="expected a minigrad Tensor"):
        init.uniform_(np.zeros(3))  # type: ignore[type-var]
    with pytest.raises(ValueError, match="uniform_: the range needs a <= b, got a=1, b=0"):
        init.uniform_(big((2,)), 1, 0)
    with pytest.raises(ValueError, match="normal_: std must be >= 0"):
        init.normal_(big((2,)), 0, -1)
    with pytest.raises(ValueError, match="kaiming_uniform_: mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_uniform_(big((2, 2)), mode="fan_avg")
    empty = big((0, 3))
    assert init.kaiming_uniform_(empty) is empty and init.kaiming_normal_(empty) is empty  # a no-op, as in torch

"""minigrad.nn layers against torch.nn in float64, with the same weights, plus finite differences.

Every layer is built in minigrad, its state_dict is loaded into the torch layer
(so the parameter names must be PyTorch's), and both run forward and backward
with the same input and the same random, non-uniform upstream gradient; the
outputs, the input gradients, every parameter gradient and the buffers must
agree at rtol = atol = 1e-7, in train and in eval mode.  A central-difference
gradcheck differentiates minigrad's own forward pass for every layer.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

import minigrad
from minigrad import Tensor, nn

RTOL = ATOL = 1e-7


def rng_for(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def upstream(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A random, non-uniform upstream gradient (never all ones)."""
    return np.asarray(rng.standard_normal(shape) + 0.5)


def to_torch_state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(v) for k, v in module.state_dict().items()}


def randomize_parameters(module: nn.Module, rng: np.random.Generator) -> None:
    """Non-trivial weights (norm layers start at weight 1, bias 0, which would hide bugs)."""
    for param in module.parameters():
        nn.init.normal_(param, 0.3, 1.0, generator=rng)


# --------------------------------------------------------------------------- the cross-check


def crosscheck(
    mg_module: nn.Module, torch_module: torch.nn.Module, inputs: list[np.ndarray], rng: np.random.Generator
) -> None:
    """Forward, backward with a random upstream gradient, compare everything with torch."""
    mg_inputs = [Tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    torch_inputs = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    mg_out = mg_module(*mg_inputs)
    torch_out = torch_module(*torch_inputs)
    np.testing.assert_allclose(mg_out.data, torch_out.detach().numpy(), rtol=RTOL, atol=ATOL)
    assert mg_out.dtype == np.float64

    g = upstream(rng, tuple(torch_out.shape))
    mg_out.backward(g)
    torch_out.backward(torch.from_numpy(g))
    for mg_x, torch_x in zip(mg_inputs, torch_inputs):
        if torch_x.requires_grad:
            np.testing.assert_allclose(mg_x.grad, torch_x.grad.numpy(), rtol=RTOL, atol=ATOL)

    torch_params = dict(torch_module.named_parameters())
    mg_params = dict(mg_module.named_parameters())
    assert list(mg_params) == list(torch_params)
    for name, param in mg_params.items():
        assert param.grad is not None, name
        np.testing.assert_allclose(param.grad, torch_params[name].grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)

    torch_buffers = dict(torch_module.named_buffers())
    mg_buffers = dict(mg_module.named_buffers())
    assert list(mg_buffers) == list(torch_buffers)
    for name, buffer in mg_buffers.items():
        np.testing.assert_allclose(buffer.data, torch_buffers[name].numpy(), rtol=RTOL, atol=ATOL, err_msg=name)


class TorchResidual(torch.nn.Module):
    def __init__(self, fn: torch.nn.Module) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fn(x)


F64 = {"dtype": torch.float64}


@dataclass
class Case:
    id: str
    make: Callable[[np.random.Generator], nn.Module]
    make_torch: Callable[[], torch.nn.Module]
    inputs: Callable[[np.random.Generator], list[np.ndarray]]


def normal(*shape: int) -> Callable[[np.random.Generator], list[np.ndarray]]:
    return lambda rng: [rng.standard_normal(shape)]


def kinkfree(*shape: int) -> Callable[[np.random.Generator], list[np.ndarray]]:
    """Normal draws kept 0.05 away from 0, so that ReLU's kink never lies inside a finite difference."""

    def draw(rng: np.random.Generator) -> list[np.ndarray]:
        x = rng.standard_normal(shape)
        return [np.where(np.abs(x) < 0.05, 0.1, x)]

    return draw


def logits_and_targets(shape: tuple[int, ...], classes_axis: int = 1, ignore: int | None = None) -> Callable:
    def draw(rng: np.random.Generator) -> list[np.ndarray]:
        logits = rng.standard_normal(shape) * 2
        target_shape = shape[:classes_axis] + shape[classes_axis + 1 :]
        targets = rng.integers(0, shape[classes_axis], size=target_shape)
        if ignore is not None:
            targets.flat[::3] = ignore
        return [logits, targets]

    return draw


def ids(num: int, *shape: int) -> Callable[[np.random.Generator], list[np.ndarray]]:
    def draw(rng: np.random.Generator) -> list[np.ndarray]:
        out = rng.integers(0, num, size=shape)
        out.flat[0] = out.flat[-1]  # at least one repeated id
        return [out]

    return draw


def with_random_weights(make: Callable[[], nn.Module]) -> Callable[[np.random.Generator], nn.Module]:
    def build(rng: np.random.Generator) -> nn.Module:
        module = make()
        randomize_parameters(module, rng)
        return module

    return build


CASES = [
    Case("linear", lambda rng: nn.Linear(5, 4, generator=rng), lambda: torch.nn.Linear(5, 4, **F64), normal(3, 5)),
    Case(
        "linear-nobias",
        lambda rng: nn.Linear(5, 4, bias=False, generator=rng),
        lambda: torch.nn.Linear(5, 4, bias=False, **F64),
        normal(3, 5),
    ),
    Case(
        "linear-3d", lambda rng: nn.Linear(5, 4, generator=rng), lambda: torch.nn.Linear(5, 4, **F64), normal(2, 3, 5)
    ),
    Case("linear-1d", lambda rng: nn.Linear(5, 4, generator=rng), lambda: torch.nn.Linear(5, 4, **F64), normal(5)),
    Case("relu", lambda rng: nn.ReLU(), torch.nn.ReLU, kinkfree(4, 6)),
    Case("tanh", lambda rng: nn.Tanh(), torch.nn.Tanh, normal(4, 6)),
    Case("sigmoid", lambda rng: nn.Sigmoid(), torch.nn.Sigmoid, normal(4, 6)),
    Case("gelu", lambda rng: nn.GELU(), torch.nn.GELU, normal(4, 6)),
    Case("gelu-tanh", lambda rng: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh"), normal(4, 6)),
    Case("softmax-dim1", lambda rng: nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1), normal(3, 5)),
    Case("softmax-dim0-3d", lambda rng: nn.Softmax(0), lambda: torch.nn.Softmax(0), normal(3, 2, 4)),
    Case("flatten", lambda rng: nn.Flatten(), torch.nn.Flatten, normal(2, 3, 4)),
    Case("flatten-0-1", lambda rng: nn.Flatten(0, 1), lambda: torch.nn.Flatten(0, 1), normal(2, 3, 4)),
    Case("identity", lambda rng: nn.Identity(), torch.nn.Identity, normal(3, 4)),
    Case(
        "embedding",
        lambda rng: nn.Embedding(7, 3, generator=rng),
        lambda: torch.nn.Embedding(7, 3, **F64),
        ids(7, 4, 5),
    ),
    Case(
        "layernorm",
        with_random_weights(lambda: nn.LayerNorm(6)),
        lambda: torch.nn.LayerNorm(6, **F64),
        normal(4, 6),
    ),
    Case(
        "layernorm-2d-shape",
        with_random_weights(lambda: nn.LayerNorm((3, 4), eps=1e-3)),
        lambda: torch.nn.LayerNorm((3, 4), eps=1e-3, **F64),
        normal(2, 3, 4),
    ),
    Case(
        "layernorm-nobias",
        with_random_weights(lambda: nn.LayerNorm(6, bias=False)),
        lambda: torch.nn.LayerNorm(6, bias=False, **F64),
        normal(4, 6),
    ),
    Case(
        "layernorm-noaffine",
        lambda rng: nn.LayerNorm(6, elementwise_affine=False),
        lambda: torch.nn.LayerNorm(6, elementwise_affine=False, **F64),
        normal(4, 6),
    ),
    Case("rmsnorm", with_random_weights(lambda: nn.RMSNorm(6)), lambda: torch.nn.RMSNorm(6, **F64), normal(4, 6)),
    Case(
        "rmsnorm-eps-2d-shape",
        with_random_weights(lambda: nn.RMSNorm([3, 4], eps=1e-2)),
        lambda: torch.nn.RMSNorm([3, 4], eps=1e-2, **F64),
        normal(2, 3, 4),
    ),
    Case(
        "rmsnorm-noaffine",
        lambda rng: nn.RMSNorm(6, elementwise_affine=False),
        lambda: torch.nn.RMSNorm(6, elementwise_affine=False, **F64),
        normal(4, 6),
    ),
    Case(
        "batchnorm-2d",
        with_random_weights(lambda: nn.BatchNorm1d(4)),
        lambda: torch.nn.BatchNorm1d(4, **F64),
        normal(6, 4),
    ),
    Case(
        "batchnorm-3d",
        with_random_weights(lambda: nn.BatchNorm1d(3, momentum=0.3)),
        lambda: torch.nn.BatchNorm1d(3, momentum=0.3, **F64),
        normal(4, 3, 5),
    ),
    Case(
        "batchnorm-noaffine-cumulative",
        lambda rng: nn.BatchNorm1d(3, affine=False, momentum=None),
        lambda: torch.nn.BatchNorm1d(3, affine=False, momentum=None, **F64),
        normal(5, 3),
    ),
    Case(
        "batchnorm-untracked",
        with_random_weights(lambda: nn.BatchNorm1d(3, track_running_stats=False)),
        lambda: torch.nn.BatchNorm1d(3, track_running_stats=False, **F64),
        normal(5, 3),
    ),
    Case(
        "residual",
        lambda rng: nn.Residual(nn.Linear(4, 4, generator=rng)),
        lambda: TorchResidual(torch.nn.Linear(4, 4, **F64)),
        normal(3, 4),
    ),
    Case(
        "sequential-mlp",
        lambda rng: nn.Sequential(
            nn.Linear(5, 8, generator=rng), nn.LayerNorm(8), nn.Tanh(), nn.Linear(8, 3, generator=rng)
        ),
        lambda: torch.nn.Sequential(
            torch.nn.Linear(5, 8, **F64), torch.nn.LayerNorm(8, **F64), torch.nn.Tanh(), torch.nn.Linear(8, 3, **F64)
        ),
        normal(4, 5),
    ),
    Case(
        "cross-entropy-mean",
        lambda rng: nn.CrossEntropyLoss(),
        torch.nn.CrossEntropyLoss,
        logits_and_targets((6, 4)),
    ),
    Case(
        "cross-entropy-sum-ignore",
        lambda rng: nn.CrossEntropyLoss(reduction="sum", ignore_index=-1),
        lambda: torch.nn.CrossEntropyLoss(reduction="sum", ignore_index=-1),
        logits_and_targets((6, 4), ignore=-1),
    ),
    Case(
        "cross-entropy-none-3d",
        lambda rng: nn.CrossEntropyLoss(reduction="none"),
        lambda: torch.nn.CrossEntropyLoss(reduction="none"),
        logits_and_targets((3, 4, 2)),
    ),
    Case(
        "cross-entropy-mean-ignore",
        lambda rng: nn.CrossEntropyLoss(ignore_index=2),
        lambda: torch.nn.CrossEntropyLoss(ignore_index=2),
        logits_and_targets((6, 4), ignore=2),
    ),
    Case(
        "mse-mean",
        lambda rng: nn.MSELoss(),
        torch.nn.MSELoss,
        lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal((4, 3))],
    ),
    Case(
        "mse-sum",
        lambda rng: nn.MSELoss("sum"),
        lambda: torch.nn.MSELoss(reduction="sum"),
        lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal((4, 3))],
    ),
    Case(
        "mse-none",
        lambda rng: nn.MSELoss(reduction="none"),
        lambda: torch.nn.MSELoss(reduction="none"),
        lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal((4, 3))],
    ),
]


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_layer_matches_torch(case: Case, mode: str) -> None:
    rng = rng_for(case.id + mode)
    layer = case.make(rng)
    twin = case.make_torch()
    twin.load_state_dict(to_torch_state(layer))  # strict: the names must be PyTorch's
    layer.train(mode == "train")
    twin.train(mode == "train")
    crosscheck(layer, twin, case.inputs(rng), rng)


# --------------------------------------------------------------------------- finite differences


def gradcheck(
    forward: Callable[[], Tensor], tensors: dict[str, Tensor], rng: np.random.Generator, eps: float = 1e-6
) -> None:
    """Compare backward's gradients of ``sum(forward() * g)`` with central differences.

    The perturbation writes into each tensor's array directly (no graph is
    recorded: the differences run under no_grad).
    """
    for t in tensors.values():
        t.grad = None
    out = forward()
    g = upstream(rng, out.shape)
    out.backward(g)
    for name, t in tensors.items():
        assert t.grad is not None, name
        numeric = np.zeros(t.shape)
        flat = t.data.reshape(-1)  # a view: writing it perturbs the tensor
        with minigrad.no_grad():
            for i in range(flat.size):
                original = flat[i]
                flat[i] = original + eps
                plus = float(np.sum(forward().data * g))
                flat[i] = original - eps
                minus = float(np.sum(forward().data * g))
                flat[i] = original
                numeric.reshape(-1)[i] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(t.grad, numeric, rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_layer_gradcheck(case: Case, mode: str) -> None:
    rng = rng_for("fd" + case.id + mode)
    layer = case.make(rng)
    if isinstance(layer, nn.BatchNorm1d) and layer.running_var is not None:
        # Non-trivial running statistics for eval mode.
        layer.running_mean.copy_(rng.standard_normal(layer.num_features))
        layer.running_var.copy_(rng.uniform(0.5, 2.0, layer.num_features))
    layer.train(mode == "train")
    inputs = [Tensor(x, requires_grad=x.dtype.kind == "f") for x in case.inputs(rng)]
    tensors = {f"input{i}": t for i, t in enumerate(inputs) if t.requires_grad}
    tensors.update(layer.named_parameters())
    gradcheck(lambda: layer(*inputs), tensors, rng)


def test_dropout_gradcheck_with_fixed_mask() -> None:
    rng = rng_for("dropout-fd")
    layer = nn.Dropout(0.4)
    x = Tensor(rng.standard_normal((4, 5)), requires_grad=True)

    def forward() -> Tensor:
        layer.generator = np.random.default_rng(3)  # the same mask on every evaluation
        return layer(x)

    gradcheck(forward, {"x": x}, rng)


# --------------------------------------------------------------------------- BatchNorm over several steps


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [((8, 3), {}), ((4, 3, 5), {"momentum": 0.25}), ((6, 3), {"momentum": None}), ((6, 3), {"eps": 1e-2})],
)
def test_batchnorm_training_steps_then_eval_match_torch(shape: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    rng = rng_for(f"bn-steps{shape}{kwargs}")
    layer = nn.BatchNorm1d(3, **kwargs)
    randomize_parameters(layer, rng)
    twin = torch.nn.BatchNorm1d(3, **kwargs, **F64)
    twin.load_state_dict(to_torch_state(layer))
    for step in range(4):
        # A shifted, scaled batch each step, so the running statistics move visibly.
        x = rng.standard_normal(shape) * (1 + step) + step
        layer.zero_grad()
        twin.zero_grad()
        crosscheck(layer, twin, [x], rng)
        assert int(layer.num_batches_tracked.data) == step + 1
    layer.eval()
    twin.eval()
    before = layer.state_dict()
    crosscheck(layer, twin, [rng.standard_normal(shape) * 3 - 1], rng)
    for key, value in layer.state_dict().items():  # eval leaves the buffers alone
        np.testing.assert_array_equal(value, before[key])


def test_batchnorm_running_var_uses_unbiased_variance() -> None:
    x = np.array([[1.0], [2.0], [6.0]])  # mean 3, unbiased var 7, biased var 14/3
    layer = nn.BatchNorm1d(1, momentum=0.5)
    layer(Tensor(x))
    np.testing.assert_allclose(layer.running_mean.data, [0.5 * 0 + 0.5 * 3])
    np.testing.assert_allclose(layer.running_var.data, [0.5 * 1 + 0.5 * 7])
    np.testing.assert_allclose(layer(Tensor(x)).data[:, 0], (x[:, 0] - 3) / np.sqrt(14 / 3 + 1e-5))


def test_batchnorm_eval_uses_running_statistics_not_the_batch() -> None:
    layer = nn.BatchNorm1d(2)
    layer.running_mean.copy_(np.array([1.0, -2.0]))
    layer.running_var.copy_(np.array([4.0, 0.25]))
    layer.eval()
    x = np.array([[3.0, -1.0], [5.0, 0.0]])
    expected = (x - [1.0, -2.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-5)
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-12)
    # A single sample is fine in eval mode.
    np.testing.assert_allclose(layer(Tensor(x[:1])).data, expected[:1], rtol=1e-12)


def test_batchnorm_bad_inputs() -> None:
    layer = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3\)"):
        layer(Tensor(np.ones((1, 3))))
    assert int(layer.num_batches_tracked.data) == 0  # refused before any state changed
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected input of shape \(N, 3\).*got \(4, 2\)"):
        layer(Tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match="BatchNorm1d"):
        layer(Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm1d(3, momentum=1.5)
    with pytest.raises(ValueError, match="num_features"):
        nn.BatchNorm1d(0)


# --------------------------------------------------------------------------- RMSNorm and LayerNorm specifics


def test_rmsnorm_all_zero_input_gives_zeros_and_finite_gradients_like_torch() -> None:
    rng = rng_for("rms-zero")
    layer = nn.RMSNorm(4)
    randomize_parameters(layer, rng)
    twin = torch.nn.RMSNorm(4, **F64)
    twin.load_state_dict(to_torch_state(layer))
    x = np.zeros((3, 4))
    x[1] = rng.standard_normal(4)  # one normal row beside two zero rows
    with minigrad.detect_anomaly():  # raises on any NaN/Inf, forward or backward
        crosscheck(layer, twin, [x], rng)
    out = layer(Tensor(np.zeros((2, 4)), requires_grad=True))
    np.testing.assert_array_equal(out.data, 0.0)


def test_rmsnorm_default_eps_is_the_dtype_epsilon() -> None:
    # eps inside the root: at x = 1e-9 (x**2 = 1e-18 << eps) the output is x / sqrt(eps).
    for dtype in (np.float64, np.float32):
        layer = nn.RMSNorm(2, dtype=dtype)
        x = np.full((1, 2), 1e-9, dtype=dtype)
        eps = np.finfo(dtype).eps
        expected = x / np.sqrt(x.astype(np.float64) ** 2 + eps)
        out = layer(Tensor(x))
        assert out.dtype == dtype
        np.testing.assert_allclose(out.data, expected, rtol=1e-5)


def test_norm_layers_reject_wrong_trailing_shape() -> None:
    with pytest.raises(ValueError, match=r"LayerNorm: input of shape \(2, 5\) does not end with .*\(4,\)"):
        nn.LayerNorm(4)(Tensor(np.ones((2, 5))))
    with pytest.raises(ValueError, match=r"RMSNorm: input of shape \(3,\) does not end with .*\(2, 3\)"):
        nn.RMSNorm((2, 3))(Tensor(np.ones(3)))
    with pytest.raises(TypeError, match="LayerNorm: input must be floating point"):
        nn.LayerNorm(2)(Tensor(np.ones((2, 2), dtype=np.int64)))


# --------------------------------------------------------------------------- Linear specifics


def test_linear_default_init_is_pytorchs() -> None:
    rng = rng_for("linear-init")
    layer = nn.Linear(400, 300, generator=rng)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)): gain sqrt(1/3), bound gain*sqrt(3/fan_in)
    w, b = layer.weight.data, layer.bias.data
    assert w.shape == (300, 400) and b.shape == (300,)
    assert w.dtype == np.float64 and b.dtype == np.float64
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.01)
    np.testing.assert_allclose(w.mean(), 0, atol=0.01 * bound)
    # Compare with torch's own default initialization, statistically.
    torch.manual_seed(0)
    twin = torch.nn.Linear(400, 300, **F64)
    np.testing.assert_allclose(w.std(), twin.weight.detach().numpy().std(), rtol=0.02)
    np.testing.assert_allclose(np.abs(b).max(), twin.bias.detach().abs().max().item(), rtol=0.02)


def test_linear_seeding_and_dtype() -> None:
    a = nn.Linear(3, 2, generator=np.random.default_rng(5))
    b = nn.Linear(3, 2, generator=np.random.default_rng(5))
    c = nn.Linear(3, 2, generator=np.random.default_rng(6))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    nn.init.manual_seed(11)
    d = nn.Linear(3, 2)
    nn.init.manual_seed(11)
    e = nn.Linear(3, 2)
    np.testing.assert_array_equal(d.weight.data, e.weight.data)
    f32 = nn.Linear(3, 2, dtype=np.float32)
    assert f32.weight.dtype == np.float32 and f32.bias.dtype == np.float32
    assert f32(Tensor(np.ones((1, 3), dtype=np.float32))).dtype == np.float32
    with pytest.raises(TypeError, match="Linear: dtype must be a floating point"):
        nn.Linear(3, 2, dtype=np.int64)
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(-1, 2)


def test_linear_rejects_wrong_input_width() -> None:
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"Linear: input of shape \(4, 5\) does not fit in_features=3"):
        layer(Tensor(np.ones((4, 5))))


def test_linear_accepts_arrays_and_computes_x_wT_plus_b() -> None:
    rng = rng_for("linear-array")
    layer = nn.Linear(3, 2, generator=rng)
    x = rng.standard_normal((4, 3))
    expected = x @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-12)


# --------------------------------------------------------------------------- Embedding specifics


def test_embedding_repeated_ids_accumulate_gradient() -> None:
    rng = rng_for("embedding-repeat")
    layer = nn.Embedding(5, 3, generator=rng)
    index = np.array([[1, 3, 1], [1, 0, 3]])
    g = upstream(rng, (2, 3, 3))
    out = layer(index)
    np.testing.assert_array_equal(out.data, layer.weight.data[index])
    out.backward(g)
    expected = np.zeros((5, 3))
    for position, i in np.ndenumerate(index):
        expected[i] += g[position]
    np.testing.assert_allclose(layer.weight.grad, expected, rtol=1e-12)
    assert np.all(layer.weight.grad[[2, 4]] == 0)


def test_embedding_init_is_standard_normal_and_accepts_any_id_shape() -> None:
    layer = nn.Embedding(1000, 200, generator=rng_for("embedding-init"))
    np.testing.assert_allclose(layer.weight.data.std(), 1.0, rtol=0.01)
    np.testing.assert_allclose(layer.weight.data.mean(), 0.0, atol=0.01)
    assert layer(np.array(4)).shape == (200,)
    assert layer(Tensor(np.array([[[1, 2]]], dtype=np.int32))).shape == (1, 1, 2, 200)
    assert layer([0, 999]).shape == (2, 200)


@pytest.mark.parametrize("bad", [5, -1, 100])
def test_embedding_out_of_range_ids_raise_index_error(bad: int) -> None:
    layer = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match=rf"Embedding: id {bad} is out of range for a table of 5 embeddings"):
        layer(np.array([0, bad, 1]))


@pytest.mark.parametrize("bad", [np.array([0.0, 1.0]), np.array([True, False]), [0.5]])
def test_embedding_non_integer_ids_raise_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="Embedding: ids must be integers"):
        nn.Embedding(5, 2)(bad)


# --------------------------------------------------------------------------- Dropout


def test_dropout_train_uses_the_documented_mask_and_scale() -> None:
    rng = rng_for("dropout")
    p = 0.3
    x = Tensor(rng.standard_normal((50, 40)), requires_grad=True)
    layer = nn.Dropout(p, generator=np.random.default_rng(123))
    out = layer(x)
    keep = np.random.default_rng(123).random((50, 40)) >= p  # hand computation of the mask
    np.testing.assert_allclose(out.data, np.where(keep, x.data / (1 - p), 0.0), rtol=1e-15)
    assert np.all(out.data[~keep] == 0)
    g = upstream(rng, out.shape)
    out.backward(g)
    np.testing.assert_allclose(x.grad, np.where(keep, g / (1 - p), 0.0), rtol=1e-15)
    # The same computation in torch, with this mask: torch's dropout is x * mask / (1 - p).
    tx = torch.tensor(x.data, requires_grad=True)
    (tx * torch.from_numpy(keep) / (1 - p)).backward(torch.from_numpy(g))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_dropout_statistics_and_determinism() -> None:
    p = 0.25
    x = Tensor(np.ones(200_000))
    layer = nn.Dropout(p)
    nn.init.manual_seed(4)
    first = layer(x).data
    nn.init.manual_seed(4)
    second = layer(x).data
    np.testing.assert_array_equal(first, second)  # the default generator drives the mask
    np.testing.assert_allclose(np.mean(first == 0), p, atol=0.005)
    np.testing.assert_allclose(first.mean(), 1.0, atol=0.01)  # inverted dropout keeps the expectation
    assert set(np.unique(first)) == {0.0, 1 / (1 - p)}
    assert not np.array_equal(layer(x).data, first)  # a fresh mask each call


def test_dropout_eval_and_p_zero_are_the_identity() -> None:
    rng = rng_for("dropout-eval")
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    layer = nn.Dropout(0.5).eval()
    out = layer(x)
    np.testing.assert_array_equal(out.data, x.data)
    g = upstream(rng, (3, 4))
    out.backward(g)
    np.testing.assert_array_equal(x.grad, g)
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x.data)


def test_dropout_keeps_float32() -> None:
    out = nn.Dropout(0.5)(Tensor(np.ones((4, 4), dtype=np.float32)))
    assert out.dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, float("nan")])
def test_dropout_rejects_p_out_of_range(p: Any) -> None:
    with pytest.raises(ValueError, match=rf"Dropout: invalid p={p}; it must be a finite number >= 0 and < 1"):
        nn.Dropout(p)


@pytest.mark.parametrize("p", [True, "0.5", None])
def test_dropout_rejects_p_that_is_not_a_number(p: Any) -> None:
    with pytest.raises(TypeError, match=r"Dropout: p must be a finite number >= 0 and < 1, got"):
        nn.Dropout(p)


# --------------------------------------------------------------------------- the others


def test_residual_adds_the_identity_path() -> None:
    rng = rng_for("residual-zero")
    inner = nn.Linear(3, 3, generator=rng)
    nn.init.zeros_(inner.weight)
    nn.init.zeros_(inner.bias)
    block = nn.Residual(inner)
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    out = block(x)
    np.testing.assert_array_equal(out.data, x.data)  # f(x) = 0
    g = upstream(rng, (2, 3))
    out.backward(g)
    np.testing.assert_allclose(x.grad, g)  # the gradient passes through unchanged
    with pytest.raises(ValueError, match=r"Residual: fn maps an input of shape \(2, 3\) to \(2, 4\)"):
        nn.Residual(nn.Linear(3, 4))(x)
    with pytest.raises(TypeError, match="Residual: fn must be a Module"):
        nn.Residual(lambda x: x)  # type: ignore[arg-type]


def test_activation_and_loss_arguments_are_validated() -> None:
    with pytest.raises(ValueError, match="GELU: approximate"):
        nn.GELU("fast")
    with pytest.raises(TypeError, match="Softmax: dim must be an int"):
        nn.Softmax(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="CrossEntropyLoss: reduction"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match="MSELoss: reduction"):
        nn.MSELoss("batchmean")


def test_layer_reprs_match_torch() -> None:
    pairs = [
        (nn.Linear(3, 2, bias=False), torch.nn.Linear(3, 2, bias=False)),
        (nn.ReLU(), torch.nn.ReLU()),
        (nn.Tanh(), torch.nn.Tanh()),
        (nn.Sigmoid(), torch.nn.Sigmoid()),
        (nn.GELU("tanh"), torch.nn.GELU("tanh")),
        (nn.Softmax(dim=-1), torch.nn.Softmax(dim=-1)),
        (nn.Embedding(10, 3), torch.nn.Embedding(10, 3)),
        (nn.LayerNorm((2, 3), elementwise_affine=False), torch.nn.LayerNorm((2, 3), elementwise_affine=False)),
        (nn.RMSNorm(4, eps=1e-6), torch.nn.RMSNorm(4, eps=1e-6)),
        (nn.RMSNorm(4), torch.nn.RMSNorm(4)),
        (nn.BatchNorm1d(3, momentum=None, bias=False), torch.nn.BatchNorm1d(3, momentum=None, bias=False)),
        (nn.BatchNorm1d(3, affine=False), torch.nn.BatchNorm1d(3, affine=False)),
        (nn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
        (nn.Identity(), torch.nn.Identity()),
        (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
        (nn.MSELoss(), torch.nn.MSELoss()),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2)"  # no inplace argument in minigrad

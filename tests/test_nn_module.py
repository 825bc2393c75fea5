"""Module mechanics: Parameter, registration, names, state dicts, repr, hooks, modes.

The oracle for names, orders and reprs is torch.nn: the same structure is
built in both libraries and the results compared.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pytest
import torch

import minigrad
from minigrad import Tensor, nn


def rng_for(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


F64 = {"dtype": torch.float64}


# --------------------------------------------------------------------------- Parameter


def test_parameter_is_a_tensor_that_requires_grad() -> None:
    p = nn.Parameter(np.array([1.0, 2.0]))
    assert isinstance(p, Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert not hasattr(p, "__dict__")  # Tensor's __slots__ are kept
    out = p * 3.0 + p  # ops accept it; their outputs are plain Tensors
    assert type(out) is Tensor
    out.backward(np.array([0.5, -2.0]))
    np.testing.assert_array_equal(p.grad, [2.0, -8.0])
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad
    assert repr(nn.Parameter([1.0])).startswith("Parameter containing:\nTensor([1.]")


def test_parameter_copies_its_data_and_keeps_float_dtype() -> None:
    source = np.array([1.0, 2.0], dtype=np.float32)
    p = nn.Parameter(source)
    source[0] = 99
    assert p.data[0] == 1.0 and p.dtype == np.float32
    x = Tensor([1.0, 2.0], requires_grad=True)
    q = nn.Parameter(x * 2)  # the result of ops becomes a new leaf
    assert q.is_leaf and q.requires_grad
    np.testing.assert_array_equal(q.data, [2.0, 4.0])
    assert nn.Parameter([1.0, 2.0]).dtype == np.float64


@pytest.mark.parametrize("data", [np.array([1, 2]), [1, 2], np.array([True]), Tensor(np.arange(3))])
def test_parameter_rejects_non_float_data(data: Any) -> None:
    with pytest.raises(TypeError, match="Parameter: data must be floating point, got dtype"):
        nn.Parameter(data)


# --------------------------------------------------------------------------- registration and names


class MgBlock(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.norm = nn.BatchNorm1d(4)
        self.scale = nn.Parameter(np.ones(4))

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(self.proj(x)) * self.scale


class TorchBlock(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = torch.nn.Linear(4, 4, **F64)
        self.norm = torch.nn.BatchNorm1d(4, **F64)
        self.scale = torch.nn.Parameter(torch.ones(4, **F64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.proj(x)) * self.scale


class MgNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.register_buffer("step", np.array(0.0))
        self.layers = nn.Sequential(MgBlock(), nn.ReLU(), nn.Sequential(nn.Linear(4, 4), nn.Tanh()))
        self.gain = nn.Parameter(np.array(1.5))
        self.head = nn.Linear(4, 3, bias=False)
        self.norm = nn.LayerNorm(3)
        self.register_buffer("mask", np.ones(3), persistent=False)

    def forward(self, ids: Any) -> Tensor:
        return self.norm(self.head(self.layers(self.embed(ids))) * self.gain)


class TorchNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(10, 4, **F64)
        self.register_buffer("step", torch.tensor(0.0, **F64))
        self.layers = torch.nn.Sequential(
            TorchBlock(), torch.nn.ReLU(), torch.nn.Sequential(torch.nn.Linear(4, 4, **F64), torch.nn.Tanh())
        )
        self.gain = torch.nn.Parameter(torch.tensor(1.5, **F64))
        self.head = torch.nn.Linear(4, 3, bias=False, **F64)
        self.norm = torch.nn.LayerNorm(3, **F64)
        self.register_buffer("mask", torch.ones(3, **F64), persistent=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.norm(self.head(self.layers(self.embed(ids))) * self.gain)


def test_names_and_orders_match_torch() -> None:
    ours, theirs = MgNet(), TorchNet()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [type(m).__name__ for m in ours.modules()] == [
        type(m).__name__.replace("Torch", "Mg") for m in theirs.modules()
    ]
    assert [n for n, _ in ours.layers[0].named_parameters(prefix="layers.0")] == [
        n for n, _ in theirs.layers[0].named_parameters(prefix="layers.0")
    ]
    assert [n for n, _ in ours.named_parameters(recurse=False)] == ["gain"]
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert len(list(ours.children())) == 4


def test_whole_model_forward_backward_matches_torch_after_loading_state() -> None:
    rng = rng_for("whole-model")
    ours, theirs = MgNet(), TorchNet()
    for p in ours.parameters():
        nn.init.normal_(p, 0.2, 0.7, generator=rng)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    ids = rng.integers(0, 10, size=6)
    for mode in (True, False):
        ours.train(mode)
        theirs.train(mode)
        ours.zero_grad()
        theirs.zero_grad()
        out, ref = ours(ids), theirs(torch.from_numpy(ids))
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-7, atol=1e-7)
        g = rng.standard_normal(out.shape) + 0.5
        out.backward(g)
        ref.backward(torch.from_numpy(g))
        grads = {n: p.grad for n, p in theirs.named_parameters()}
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(p.grad, grads[name].numpy(), rtol=1e-7, atol=1e-7, err_msg=name)
        buffers = dict(theirs.named_buffers())
        for name, b in ours.named_buffers():
            np.testing.assert_allclose(b.data, buffers[name].numpy(), rtol=1e-7, atol=1e-7, err_msg=name)


def test_registration_follows_assignment() -> None:
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.b = nn.Parameter(np.zeros(1))
            self.a = nn.Parameter(np.zeros(2))
            self.plain = Tensor(np.zeros(3))  # a plain tensor is an attribute, not a parameter
            self.number = 3

    m = M()
    assert [n for n, _ in m.named_parameters()] == ["b", "a"]
    assert "plain" not in dict(m.named_buffers()) and m.number == 3
    first_b = m.b
    m.b = nn.Parameter(np.ones(1))  # reassignment keeps the place in the order
    assert [n for n, _ in m.named_parameters()] == ["b", "a"] and m.b is not first_b
    m.a = None
    assert [n for n, _ in m.named_parameters()] == ["b"] and m.a is None
    with pytest.raises(TypeError, match=r"cannot assign Tensor as parameter 'b'.*nn\.Parameter"):
        m.b = Tensor(np.zeros(1))
    m.sub = nn.Linear(2, 2)
    m.sub = nn.Identity()  # replacing a child keeps its name and place
    assert [n for n, _ in m.named_children()] == ["sub"] and isinstance(m.sub, nn.Identity)
    m.plain = nn.Parameter(np.zeros(3))  # a plain attribute may become a parameter
    assert [n for n, _ in m.named_parameters()] == ["b", "plain"]
    del m.plain
    assert [n for n, _ in m.named_parameters()] == ["b"]
    with pytest.raises(AttributeError, match="'M' object has no attribute 'plain'"):
        _ = m.plain


def test_assignment_before_super_init_is_a_clear_error() -> None:
    class Forgetful(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(np.zeros(1))

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first in Forgetful.__init__"):
        Forgetful()


def test_register_methods_validate() -> None:
    m = nn.Module()
    m.register_buffer("b", np.arange(3))
    assert isinstance(m.b, Tensor) and m.b.dtype == np.int64
    m.b = np.zeros(2)  # assigning to a buffer name replaces the buffer
    assert isinstance(m.b, Tensor) and list(m.state_dict()) == ["b"]
    m.register_buffer("gone", None)
    assert list(m.state_dict()) == ["b"]
    with pytest.raises(KeyError, match=r'must be non-empty and contain no "\."'):
        m.register_buffer("a.b", np.zeros(1))
    with pytest.raises(KeyError, match="attribute 'b' already exists"):
        m.register_parameter("b", nn.Parameter(np.zeros(1)))
    with pytest.raises(TypeError, match=r"must be a nn\.Parameter or None, got Tensor"):
        m.register_parameter("w", Tensor(np.zeros(1)))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="add_module: 'x' must be a Module or None"):
        m.add_module("x", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a Tensor, a numeric array or None"):
        m.register_buffer("s", "text")  # type: ignore[arg-type]


def test_shared_parameter_listed_once_but_saved_under_each_name_like_torch() -> None:
    ours = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    ours[1].weight = ours[0].weight
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2))
    theirs[1].weight = theirs[0].weight
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    shared = nn.Linear(2, 2)
    twice = nn.Sequential(shared, shared)
    assert [n for n, _ in twice.named_modules()] == ["", "0"]
    assert len(list(twice.parameters())) == 2


def test_module_without_forward() -> None:
    with pytest.raises(NotImplementedError, match='Module has no "forward" method'):
        nn.Module()(1)


# --------------------------------------------------------------------------- Sequential


def test_sequential_container_behaviour_matches_torch() -> None:
    layers = [nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)]
    seq = nn.Sequential(*layers)
    ref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    assert len(seq) == 3 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[2]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == layers[1:]
    assert [n for n, _ in tail.named_parameters()] == [n for n, _ in ref[1:].named_parameters()]
    with pytest.raises(IndexError, match="Sequential: index 3 is out of range for 3 modules"):
        seq[3]
    seq.append(nn.Tanh())
    assert len(seq) == 4 and [n for n, _ in seq.named_children()][-1] == "3"
    with pytest.raises(TypeError, match="Sequential: '0' must be a Module, got function"):
        nn.Sequential(lambda x: x)  # type: ignore[arg-type]
    named = nn.Sequential({"fc": nn.Linear(3, 2), "act": nn.ReLU()})
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    x = np.ones((2, 3))
    np.testing.assert_allclose(
        seq(x).data, layers[2](layers[1](layers[0](x))).tanh().data, rtol=1e-15
    )  # chained in order


# --------------------------------------------------------------------------- state dicts


def test_state_dict_is_a_dict_of_array_copies() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    state = model.state_dict()
    assert all(type(v) is np.ndarray for v in state.values())
    np.testing.assert_array_equal(state["0.weight"], model[0].weight.data)
    state["0.weight"][...] = 7.0
    assert not np.any(model[0].weight.data == 7.0)
    assert state["1.num_batches_tracked"].dtype == np.int64 and state["1.num_batches_tracked"].shape == ()


def test_state_dict_round_trip_reproduces_the_model() -> None:
    rng = rng_for("round-trip")
    nn.init.manual_seed(1)
    source = MgNet()
    for p in source.parameters():
        nn.init.normal_(p, generator=rng)
    source(rng.integers(0, 10, size=5))  # moves BatchNorm's running statistics
    nn.init.manual_seed(2)
    target = MgNet()
    params_before = list(target.parameters())
    versions = [p._version for p in params_before]
    result = target.load_state_dict(source.state_dict())
    assert result == ([], []) and result.missing_keys == [] and result.unexpected_keys == []
    assert all(a is b for a, b in zip(target.parameters(), params_before))  # loaded in place
    assert all(p._version > v for p, v in zip(target.parameters(), versions))
    assert all(p.grad_fn is None for p in target.parameters())
    for key, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[key], value)
    source.eval()
    target.eval()
    ids = rng.integers(0, 10, size=7)
    np.testing.assert_array_equal(source(ids).data, target(ids).data)


def test_load_state_dict_accepts_tensors_and_torch_state() -> None:
    theirs = TorchNet()
    ours = MgNet()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())
    ours.load_state_dict({k: Tensor(np.zeros_like(v)) for k, v in ours.state_dict().items()})
    assert all(np.all(v == 0) for v in ours.state_dict().values())


def test_load_state_dict_into_float32_casts() -> None:
    ours = nn.Linear(2, 2, dtype=np.float32)
    ours.load_state_dict({"weight": np.ones((2, 2)), "bias": np.zeros(2)})
    assert ours.weight.dtype == np.float32 and np.all(ours.weight.data == 1)


def test_strict_load_lists_every_problem_and_changes_nothing() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    before = model.state_dict()
    state = dict(before)
    del state["0.bias"]
    del state["1.running_var"]
    state["0.weight"] = np.zeros((2, 2))
    state["2.weight"] = np.zeros(3)
    state["extra"] = np.zeros(1)
    state["1.num_batches_tracked"] = np.array(1.5)
    with pytest.raises(nn.StateDictError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    for expected in (
        "missing keys: '0.bias', '1.running_var'",
        "unexpected keys: '2.weight', 'extra'",
        "0.weight: shape (2, 2) in the state dict, (3, 2) in the model",
        "1.num_batches_tracked: dtype float64 in the state dict cannot be cast to int64",
        "nothing loaded",
    ):
        assert expected in message
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    for key, value in model.state_dict().items():  # nothing changed, not even the valid keys
        np.testing.assert_array_equal(value, before[key])


def test_non_strict_load_returns_missing_and_unexpected_like_torch() -> None:
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    state = {"0.weight": np.full((3, 2), 0.5), "2.bias": np.array([2.0]), "3.weight": np.zeros(1)}
    result = ours.load_state_dict(state, strict=False)
    expected = theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    missing, unexpected = result
    assert missing == expected.missing_keys and unexpected == expected.unexpected_keys
    np.testing.assert_array_equal(ours[0].weight.data, 0.5)
    np.testing.assert_array_equal(ours[2].bias.data, [2.0])
    with pytest.raises(ValueError, match=r"0.weight: shape \(1, 1\) in the state dict, \(3, 2\) in the model"):
        ours.load_state_dict({"0.weight": np.zeros((1, 1))}, strict=False)  # shapes are never skipped
    with pytest.raises(TypeError, match="load_state_dict: expected a mapping"):
        ours.load_state_dict([("0.weight", np.zeros((3, 2)))])  # type: ignore[arg-type]


def test_loading_after_forward_is_caught_by_the_version_check() -> None:
    layer = nn.Linear(2, 2)
    out = layer(Tensor(np.ones((1, 2)), requires_grad=True))
    layer.load_state_dict({"weight": np.zeros((2, 2)), "bias": np.zeros(2)})
    with pytest.raises(RuntimeError, match="modified in place"):
        out.sum().backward()


# --------------------------------------------------------------------------- repr


def test_repr_matches_torch() -> None:
    ours = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    assert repr(ours) == repr(theirs)
    assert repr(ours) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=512, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=512, out_features=10, bias=True)\n"
        ")"
    )
    assert repr(MgNet()) == repr(TorchNet()).replace("TorchBlock", "MgBlock").replace("TorchNet", "MgNet")


def test_extra_repr_with_several_lines_and_children() -> None:
    class Custom(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = nn.Tanh()

        def extra_repr(self) -> str:
            return "alpha=1\nbeta=2"

    class TorchCustom(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = torch.nn.Tanh()

        def extra_repr(self) -> str:
            return "alpha=1\nbeta=2"

    assert repr(nn.Sequential(Custom())) == repr(torch.nn.Sequential(TorchCustom())).replace("TorchCustom", "Custom")


# --------------------------------------------------------------------------- hooks


def test_forward_hooks_see_inputs_and_output_and_can_be_removed() -> None:
    layer = nn.Linear(2, 2)
    calls: list[tuple[Any, ...]] = []

    def record(module: nn.Module, inputs: tuple[Any, ...], output: Tensor) -> None:
        calls.append((module, inputs, output))

    handle = layer.register_forward_hook(record)
    x = Tensor(np.ones((1, 2)))
    out = layer(x)
    assert len(calls) == 1 and calls[0][0] is layer and calls[0][1][0] is x and calls[0][2] is out
    handle.remove()
    handle.remove()  # harmless
    layer(x)
    assert len(calls) == 1

    order: list[str] = []
    layer.register_forward_hook(lambda m, i, o: order.append("first"))
    layer.register_forward_hook(lambda m, i, o: o * 0)  # a returned value replaces the output
    with layer.register_forward_hook(lambda m, i, o: order.append("third")):
        np.testing.assert_array_equal(layer(x).data, 0.0)
    layer(x)
    assert order == ["first", "third", "first"]
    with pytest.raises(TypeError, match="hook must be callable"):
        layer.register_forward_hook(3)  # type: ignore[arg-type]


def test_forward_hooks_collect_activations_in_a_sequential() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    seen: dict[str, tuple[int, ...]] = {}
    for name, module in model.named_children():
        module.register_forward_hook(lambda m, i, o, name=name: seen.__setitem__(name, o.shape))
    model(np.ones((5, 3)))
    assert seen == {"0": (5, 4), "1": (5, 4), "2": (5, 2)}


def test_parameter_grad_hook_runs_after_accumulation() -> None:
    rng = rng_for("grad-hook")
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    seen: dict[str, np.ndarray] = {}
    calls: list[str] = []

    def hook(name: str, param: nn.Parameter) -> None:
        assert param is dict(model.named_parameters())[name]
        calls.append(name)
        seen[name] = param.grad.copy()

    handle = model.register_parameter_grad_hook(hook)
    x = rng.standard_normal((5, 3))
    model(x).sum().backward()
    assert sorted(calls) == ["0.bias", "0.weight", "2.bias", "2.weight"]  # each exactly once
    for name, param in model.named_parameters():
        np.testing.assert_array_equal(seen[name], param.grad)
    handle.remove()
    seen.clear()
    model(x).sum().backward()
    assert seen == {}


def test_parameter_grad_hook_sees_the_accumulated_sum() -> None:
    layer = nn.Linear(2, 1)
    grads: list[np.ndarray] = []
    layer.register_parameter_grad_hook(lambda name, p: grads.append(p.grad.copy()) if name == "bias" else None)
    layer(np.ones((3, 2))).sum().backward()  # bias gets 3 contributions, summed once
    layer(np.ones((1, 2))).sum().backward()  # accumulates onto the previous grad
    np.testing.assert_array_equal(np.concatenate(grads), [3.0, 4.0])


# --------------------------------------------------------------------------- modes and gradients


def test_train_and_eval_set_the_flag_recursively() -> None:
    model = MgNet()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.layers.train()
    assert not model.training and all(m.training for m in model.layers.modules())
    assert model.train() is model and all(m.training for m in model.modules())
    with pytest.raises(TypeError, match="train: mode must be a bool"):
        model.train("no")  # type: ignore[arg-type]


def test_zero_grad_sets_every_grad_to_none() -> None:
    model = MgNet()
    model(np.array([1, 2, 3])).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model(np.array([1, 2, 3])).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and np.all(p.grad == 0) for p in model.parameters())


def test_requires_grad_freezes_and_apply_visits_every_module() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    model[0].requires_grad_(False)
    x = Tensor(np.ones((1, 2)))
    model(x).sum().backward()
    assert model[0].weight.grad is None and model[1].weight.grad is not None
    visited: list[str] = []
    model.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "Linear", "Sequential"]


def test_load_state_dict_is_not_recorded_in_the_graph() -> None:
    layer = nn.Linear(2, 2)
    with minigrad.enable_grad():
        layer.load_state_dict({"weight": np.eye(2), "bias": np.zeros(2)})
    assert layer.weight.is_leaf and layer.weight.requires_grad


# --------------------------------------------------------------------------- views share the version counter


def test_inplace_change_of_a_viewed_parameter_is_detected() -> None:
    x = Tensor(np.ones((1, 2)), requires_grad=True)
    w = nn.Parameter(np.eye(2))
    out = x @ w.T  # matmul saves the transposed view, not w
    with minigrad.no_grad():
        w.copy_(np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="modified in place"):
        out.sum().backward()

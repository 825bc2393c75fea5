"""Tensor hooks with PyTorch's names and semantics, cross-checked with PyTorch float64.

``register_hook`` (grad hooks, on leaves and non-leaves, which may replace the
gradient) and ``register_post_accumulate_grad_hook`` (after a leaf's ``.grad``
is filled): the same graph and the same hooks run in both libraries, and the
calls (which tensor, in which order, with which gradient) and the resulting
``.grad`` arrays must agree.  Removal goes through the returned handles.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from oracles import TORCH_ATOL, TORCH_RTOL, rng_for

import minigrad
from minigrad import Tensor

Events = list[tuple[str, np.ndarray]]


def _scenario(lib: str, x0: np.ndarray, w0: np.ndarray, u: np.ndarray, v: np.ndarray) -> dict[str, Any]:
    """Build ``loss = sum(tanh(x*w) * u) + sum(x*w * v)`` with hooks, run backward twice, log every hook call."""
    events: Events = []

    def as_np(g: Any) -> np.ndarray:
        return g.detach().numpy().copy() if isinstance(g, torch.Tensor) else np.array(g)

    def record(name: str, scale: float | None = None, shift: np.ndarray | None = None) -> Callable[[Any], Any]:
        def hook(g: Any) -> Any:
            events.append((name, as_np(g)))
            if scale is not None:
                return g * scale
            if shift is not None:
                return g + (torch.from_numpy(shift) if lib == "torch" else shift)
            return None

        return hook

    def record_param(name: str) -> Callable[[Any], None]:
        def hook(p: Any) -> None:
            events.append((name, as_np(p.grad)))

        return hook

    if lib == "torch":
        x = torch.tensor(x0, requires_grad=True)
        w = torch.tensor(w0, requires_grad=True)
        uu, vv = torch.from_numpy(u), torch.from_numpy(v)
    else:
        x = Tensor(x0, requires_grad=True)
        w = Tensor(w0, requires_grad=True)
        uu, vv = Tensor(u), Tensor(v)
    shift = np.linspace(-1.0, 2.0, x0.size).reshape(x0.shape)
    handles = {
        "x_double": x.register_hook(record("x_double", scale=2.0)),
        "x_after": x.register_hook(record("x_after")),  # sees the doubled gradient
        "w_post": w.register_post_accumulate_grad_hook(record_param("w_post")),
        "x_post": x.register_post_accumulate_grad_hook(record_param("x_post")),
    }
    grads = []
    for _ in range(2):
        y = x * w
        y.retain_grad()
        handles["y_shift"] = y.register_hook(record("y_shift", shift=shift))
        loss = (y.tanh() * uu).sum() + (y * vv).sum()
        handles["loss"] = loss.register_hook(record("loss"))
        loss.backward()
        grads.append((as_np(x.grad), as_np(w.grad), as_np(y.grad)))
        handles["x_double"].remove()  # the second pass runs without the doubling
        handles["x_double"].remove()  # removing twice is harmless
    return {"events": events, "grads": grads}


def test_hooks_match_pytorch_calls_order_replacements_and_removal() -> None:
    rng = rng_for("hooks")
    x0, w0 = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    u, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))  # non-uniform upstream gradients
    ours, theirs = _scenario("minigrad", x0, w0, u, v), _scenario("torch", x0, w0, u, v)

    def per_tensor(events: Events) -> dict[str, list[np.ndarray]]:
        out: dict[str, list[np.ndarray]] = {}
        for name, g in events:
            out.setdefault(name, []).append(g)
        return out

    mine, ref = per_tensor(ours["events"]), per_tensor(theirs["events"])
    assert {k: len(g) for k, g in mine.items()} == {k: len(g) for k, g in ref.items()}
    assert len(ref["x_double"]) == 1 and len(ref["x_after"]) == 2  # removal took effect in both
    for name in ref:
        for a, b in zip(mine[name], ref[name]):
            np.testing.assert_allclose(a, b, rtol=TORCH_RTOL, atol=TORCH_ATOL, err_msg=name)
    for events in (ours["events"], theirs["events"]):  # the order the graph forces, in both libraries
        names = [n for n, _ in events]
        names = names[: names.index("loss", 1)]  # the first pass
        assert names.index("loss") < names.index("y_shift") < names.index("x_double") < names.index("x_after")
        assert names.index("x_after") < names.index("x_post")
        assert names.index("y_shift") < names.index("w_post")
    for (gx, gw, gy), (tx, tw, ty) in zip(ours["grads"], theirs["grads"]):
        for a, b in ((gx, tx), (gw, tw), (gy, ty)):
            np.testing.assert_allclose(a, b, rtol=TORCH_RTOL, atol=TORCH_ATOL)


def test_a_replacement_on_a_non_leaf_reaches_the_leaves() -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * 3.0
    y.register_hook(lambda g: np.array([10.0, 0.0, -1.0]))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [30.0, 0.0, -3.0])  # d(3x)/dx times the replaced gradient


def test_the_hook_sees_a_read_only_gradient() -> None:
    x = Tensor(np.ones(3), requires_grad=True)

    def in_place(g: np.ndarray) -> None:
        g *= 2

    x.register_hook(in_place)
    with pytest.raises(ValueError, match="read-only"):
        (x * 2.0).sum().backward()


def test_bad_hooks_and_bad_replacements_are_refused_with_the_shapes() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(np.ones(2)).register_hook(lambda g: None)
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="callable"):
        x.register_hook(3)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="only leaf"):
        (x * 2.0).register_post_accumulate_grad_hook(lambda p: None)
    x.register_hook(lambda g: np.ones(5))
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*shape \(5,\)"):
        (x * 2.0).sum().backward()


def test_post_accumulate_handles_remove_only_their_own_registration() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    calls: list[str] = []

    def hook(p: Tensor) -> None:
        calls.append("hook")

    first = x.register_post_accumulate_grad_hook(hook)
    with x.register_post_accumulate_grad_hook(hook):  # the same function twice: two registrations
        (x * 1.0).sum().backward()
    assert calls == ["hook", "hook"]
    (x * 1.0).sum().backward()
    assert calls == ["hook", "hook", "hook"]
    first.remove()
    (x * 1.0).sum().backward()
    assert calls == ["hook", "hook", "hook"]
    assert isinstance(first, minigrad.nn.RemovableHandle)


def test_forward_hook_with_kwargs_gets_args_kwargs_and_output_as_in_pytorch() -> None:
    seen: dict[str, list[Any]] = {"minigrad": [], "torch": []}

    class Scale(minigrad.nn.Module):
        def forward(self, x: Any, factor: float = 1.0) -> Any:
            return x * factor

    class TorchScale(torch.nn.Module):
        def forward(self, x: Any, factor: float = 1.0) -> Any:
            return x * factor

    for lib, module in (("minigrad", Scale()), ("torch", TorchScale())):

        def hook(m: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, lib: str = lib) -> Any:
            seen[lib].append((len(args), dict(kwargs), float(out.sum())))
            return out + 1.0

        handle = module.register_forward_hook(hook, with_kwargs=True)
        x = Tensor(np.arange(3.0)) if lib == "minigrad" else torch.arange(3.0, dtype=torch.float64)
        first = module(x, factor=2.0)
        handle.remove()
        second = module(x, factor=2.0)
        seen[lib].append((float(first.sum()), float(second.sum())))
    assert seen["minigrad"] == seen["torch"] == [(1, {"factor": 2.0}, 6.0), (9.0, 6.0)]


def _full_backward_scenario(lib: str, x0: np.ndarray, y0: np.ndarray, w0: np.ndarray, u: np.ndarray) -> Any:
    """``out = tanh(x @ w) * y`` in a module; x also feeds the loss outside the module (its share must not leak)."""
    calls: list[tuple[list[Any], list[Any]]] = []

    def as_np(g: Any) -> Any:
        return None if g is None else (g.detach().numpy() if isinstance(g, torch.Tensor) else np.array(g))

    def hook(module: Any, grad_input: tuple[Any, ...], grad_output: tuple[Any, ...]) -> None:
        calls.append(([as_np(g) for g in grad_input], [as_np(g) for g in grad_output]))

    if lib == "torch":

        class TorchGated(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.w = torch.nn.Parameter(torch.from_numpy(w0.copy()))

            def forward(self, x: Any, y: Any) -> Any:
                return torch.tanh(x @ self.w) * y

        module: Any = TorchGated()
        x, y, uu = torch.tensor(x0, requires_grad=True), torch.tensor(y0), torch.from_numpy(u)
    else:

        class Gated(minigrad.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.w = minigrad.nn.Parameter(w0.copy())

            def forward(self, x: Any, y: Any) -> Any:
                return (x @ self.w).tanh() * y

        module = Gated()
        x, y, uu = Tensor(x0, requires_grad=True), Tensor(y0), Tensor(u)
    handle = module.register_full_backward_hook(hook)
    for _ in range(2):
        out = module(x, y)
        ((out * uu).sum() + (x * x).sum()).backward()
        handle.remove()  # the second pass: no call
    return calls


def test_full_backward_hook_matches_pytorch() -> None:
    rng = rng_for("full backward")
    x0, y0, w0, u = rng.normal(size=(3, 4)), rng.normal(size=(3, 5)), rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
    ours, theirs = _full_backward_scenario("minigrad", x0, y0, w0, u), _full_backward_scenario("torch", x0, y0, w0, u)
    assert len(ours) == len(theirs) == 1
    (gi, go), (ti, to) = ours[0], theirs[0]
    assert len(gi) == len(ti) == 2
    np.testing.assert_allclose(gi[0], ti[0], rtol=TORCH_RTOL, atol=TORCH_ATOL)  # the module's share only
    np.testing.assert_array_equal(gi[1], ti[1])  # y requires no grad: zeros in PyTorch
    assert len(go) == len(to) == 1
    np.testing.assert_allclose(go[0], to[0], rtol=TORCH_RTOL, atol=TORCH_ATOL)


def _numpy(g: Any) -> np.ndarray:
    return g.detach().numpy() if isinstance(g, torch.Tensor) else np.array(g)


def test_full_backward_hook_without_input_grads_fires_at_the_output_as_in_pytorch() -> None:
    seen = {}
    w0 = rng_for("no input grad").normal(size=(2, 3))
    ours, theirs = minigrad.nn.Linear(3, 2), torch.nn.Linear(3, 2).double()
    ours.weight.data[...] = w0
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(w0))
    for lib, layer, x in ((("minigrad", ours, Tensor(np.ones((1, 3))))), ("torch", theirs, torch.ones(1, 3).double())):
        layer.register_full_backward_hook(lambda m, gi, go, lib=lib: seen.__setitem__(lib, (gi, _numpy(go[0]))))
        with pytest.warns(UserWarning) if lib == "torch" else contextlib.nullcontext():
            (layer(x) * 3.0).sum().backward()
    assert seen["minigrad"][0] == seen["torch"][0] == (None,)
    np.testing.assert_array_equal(seen["minigrad"][1], seen["torch"][1])


def test_a_full_backward_hook_that_returns_a_value_is_refused() -> None:
    layer = minigrad.nn.Linear(2, 2)
    layer.register_full_backward_hook(lambda m, gi, go: gi)
    with pytest.raises(RuntimeError, match="only observe"):
        layer(Tensor(np.ones((1, 2)), requires_grad=True)).sum().backward()

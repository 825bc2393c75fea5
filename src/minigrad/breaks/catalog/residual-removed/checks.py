"""residual-removed: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import numpy as np

from ....messages import text
from ....nn import Linear, Residual, Sequential, Tanh
from ....tensor import Tensor
from ...shared.modules import Array, _differs, _torch

WIDTH = 16


def _residual_stack(depth: int) -> Sequential:
    """``depth`` blocks ``Residual(Sequential(Linear(16, 16), Tanh()))`` with PyTorch's default init, seeded."""
    generator = np.random.default_rng(0)
    return Sequential(*[Residual(Sequential(Linear(WIDTH, WIDTH, generator=generator), Tanh())) for _ in range(depth)])


def _block_weights(model: Sequential) -> list[Tensor]:
    return [block.fn[0].weight for block in model]


def _grad_norms(tensors: list[Tensor]) -> Array:
    norms = []
    for t in tensors:
        assert t.grad is not None
        norms.append(np.linalg.norm(t.grad))
    return np.array(norms)


RESIDUAL_CHECK_DEPTH = 30


def _residual_stack_differs_from_torch() -> str:
    """30 residual blocks in minigrad and ``h = h + tanh(h @ W.T + b)`` in torch, same weights: block grad norms."""
    torch = _torch()
    model = _residual_stack(RESIDUAL_CHECK_DEPTH)
    x_data, upstream = (
        np.random.default_rng(641).standard_normal((8, WIDTH)),
        np.random.default_rng(642).standard_normal((8, WIDTH)),
    )
    (model(x_data) * upstream).sum().backward()
    mine = _grad_norms(_block_weights(model))

    def torch_norms(skip: bool) -> Array:
        layers = [block.fn[0] for block in model]
        weights = [torch.tensor(layer.weight.data, requires_grad=True) for layer in layers]
        biases = [torch.from_numpy(layer.bias.data) for layer in layers]
        h = torch.from_numpy(x_data)
        for w, b in zip(weights, biases):
            f = torch.tanh(h @ w.T + b)
            h = h + f if skip else f
        h.backward(torch.from_numpy(upstream))
        return np.array([float(w.grad.norm()) for w in weights])

    theirs = torch_norms(skip=True)
    if not _differs(mine, theirs):
        return ""
    plain = torch_norms(skip=False)
    return text(
        "lab.check.residual_stack",
        mine=mine[0],
        mine_last=mine[-1],
        depth=RESIDUAL_CHECK_DEPTH,
        theirs=theirs[0],
        theirs_last=theirs[-1],
        plain=plain[0],
        plain_last=plain[-1],
    )


CHECKS = {"torch-residual-stack": _residual_stack_differs_from_torch}

"""Activation layers: thin modules around the elementwise ops (whose docstrings give the backward rules)."""

from __future__ import annotations

from ..messages import text
from ..tensor import Tensor, TensorLike, as_tensor
from .module import Module


class ReLU(Module):
    """``max(x, 0)``; the gradient at 0 is 0, as in PyTorch."""

    def forward(self, x: TensorLike) -> Tensor:
        return as_tensor(x).relu()


class Tanh(Module):
    """``tanh(x)``."""

    def forward(self, x: TensorLike) -> Tensor:
        return as_tensor(x).tanh()


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``."""

    def forward(self, x: TensorLike) -> Tensor:
        return as_tensor(x).sigmoid()


class GELU(Module):
    """``x * Phi(x)``, exact (``approximate='none'``) or with PyTorch's tanh approximation (``'tanh'``)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(text("nn.layers.gelu_approximate", value=approximate))
        self.approximate = approximate

    def forward(self, x: TensorLike) -> Tensor:
        return as_tensor(x).gelu(self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """Softmax along ``dim`` (required: PyTorch's implicit choice of axis is a classic bug)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(text("nn.layers.softmax_dim", value=dim))
        self.dim = dim

    def forward(self, x: TensorLike) -> Tensor:
        return as_tensor(x).softmax(dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"

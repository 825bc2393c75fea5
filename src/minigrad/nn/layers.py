"""Containers and basic layers: ``Sequential``, ``Residual``, ``Linear``, ``Embedding``,
``Dropout``, ``Flatten``, ``Identity``.

Layers with weights take ``dtype`` (default float64, so that a learner's
float64 cross-check against PyTorch needs no casts; PyTorch's default is
float32) and ``generator`` (a ``numpy.random.Generator`` for their initial
values; without one, the default generator that
:func:`minigrad.nn.init.manual_seed` seeds).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Mapping
from typing import Any, SupportsIndex

import numpy as np
import numpy.typing as npt

from ..messages import text
from ..ops.nn import embedding, linear
from ..tensor import Tensor, TensorLike, as_tensor
from . import init
from .arguments import check_flag, check_number, check_size, float_dtype
from .module import Module
from .parameter import Parameter

# --------------------------------------------------------------------------- containers


class Sequential(Module):
    """Modules applied one after another: ``Sequential(Linear(4, 8), ReLU(), Linear(8, 2))``.

    Children are named ``0``, ``1``, ... (or by the keys of a single dict
    argument).  Indexable (``seq[0]``, ``seq[-1]``, ``seq[1:]`` gives a
    Sequential), with ``len`` and iteration.
    """

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        first = modules[0] if len(modules) == 1 else None
        if isinstance(first, Mapping):
            for name, child in first.items():
                self._add("Sequential", name, child)
        else:
            for index, module in enumerate(modules):
                self._add("Sequential", str(index), module)

    def _add(self, fn: str, name: str, module: object) -> None:
        if not isinstance(module, Module):
            raise TypeError(text("nn.layers.not_module", fn=fn, name=name, type=type(module).__name__))
        self.add_module(name, module)

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end, named by its position; return self."""
        self._add("Sequential.append", str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        for module in self._modules.values():
            if module is not None:
                yield module

    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        items = [(name, module) for name, module in self._modules.items() if module is not None]
        if isinstance(index, slice):
            return Sequential(dict(items[index]))  # keeps the children's names, as PyTorch does
        i = operator.index(index)
        if not -len(items) <= i < len(items):
            raise IndexError(text("nn.module.index", owner="Sequential", index=i, count=len(items)))
        return items[i][1]

    def forward(self, x: Any) -> Any:
        for module in self:
            x = module(x)
        return x


class Residual(Module):
    """``x + fn(x)``: a skip connection around ``fn`` (whose output must have ``x``'s shape).

    The gradient reaching ``x`` is ``g + (dfn/dx)^T g``: the identity path
    carries ``g`` unchanged through any depth of stacked blocks.
    """

    def __init__(self, fn: Module) -> None:
        super().__init__()
        if not isinstance(fn, Module):
            raise TypeError(text("nn.layers.residual_fn", type=type(fn).__name__))
        self.fn = fn

    def forward(self, x: TensorLike) -> Tensor:
        x = as_tensor(x)
        y = self.fn(x)
        if not isinstance(y, Tensor) or y.shape != x.shape:
            shape = y.shape if isinstance(y, Tensor) else type(y).__name__
            raise ValueError(text("nn.layers.residual_shape", shape=x.shape, result=shape))
        return x + y


class Identity(Module):
    """Returns its input unchanged (extra arguments are ignored, as in PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    """Merge axes ``start_dim..end_dim`` into one: ``(N, C, L) -> (N, C * L)`` by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(text("nn.layers.flatten_axis", name=name, value=value, type=type(value).__name__))
        self.start_dim = int(start_dim)
        self.end_dim = int(end_dim)

    def forward(self, x: TensorLike) -> Tensor:
        return as_tensor(x).flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


# --------------------------------------------------------------------------- layers with weights


class Linear(Module):
    """``y = x @ weight.T + bias``, weight of shape ``(out_features, in_features)``.

    PyTorch's default initialization: ``kaiming_uniform_(weight, a=sqrt(5))``,
    which is ``U(-1/sqrt(in_features), 1/sqrt(in_features))``, and the bias
    from the same range.  Forward and backward are the fused
    :func:`minigrad.functional.linear`: ``dL/dW = g^T x``, ``dL/db = sum of g
    over the batch axes``, ``dL/dx = g W``.
    """

    weight: Parameter
    bias: Parameter | None

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        dtype: npt.DTypeLike = np.float64,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.in_features = check_size("Linear", "in_features", in_features, minimum=1)
        self.out_features = check_size("Linear", "out_features", out_features, minimum=1)
        bias = check_flag("Linear", "bias", bias)
        resolved = float_dtype("Linear", dtype)
        self.weight = Parameter(np.zeros((self.out_features, self.in_features), dtype=resolved))
        if bias:
            self.bias = Parameter(np.zeros(self.out_features, dtype=resolved))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Draw the weights again with PyTorch's default initialization."""
        rng = init.resolve_generator("Linear", generator)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, generator=rng)

    def forward(self, x: TensorLike) -> Tensor:
        x = as_tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            found = (
                text("nn.layers.linear_no_axis")
                if x.ndim == 0
                else text("nn.layers.linear_last_axis", size=x.shape[-1])
            )
            raise ValueError(text("nn.layers.linear_input", shape=x.shape, features=self.in_features, found=found))
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Embedding(Module):
    """A lookup table: ``Embedding(n, d)(ids)`` is ``weight[ids]``, of shape ``ids.shape + (d,)``.

    ``ids`` are integers of any shape in ``[0, num_embeddings)``.  The weight
    starts as ``N(0, 1)`` draws, as in PyTorch.  Backward scatter-adds: an id
    that occurs ``k`` times gets the sum of its ``k`` upstream gradient rows.
    """

    weight: Parameter

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        *,
        dtype: npt.DTypeLike = np.float64,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = check_size("Embedding", "num_embeddings", num_embeddings, minimum=1)
        self.embedding_dim = check_size("Embedding", "embedding_dim", embedding_dim, minimum=1)
        resolved = float_dtype("Embedding", dtype)
        self.weight = Parameter(np.zeros((self.num_embeddings, self.embedding_dim), dtype=resolved))
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        init.normal_(self.weight, 0.0, 1.0, generator=init.resolve_generator("Embedding", generator))

    def forward(self, ids: TensorLike) -> Tensor:
        index = ids.data if isinstance(ids, Tensor) else np.asarray(ids)
        if index.dtype.kind not in "iu":
            raise TypeError(text("nn.layers.embedding_dtype", dtype=index.dtype))
        out_of_range = (index < 0) | (index >= self.num_embeddings)
        if out_of_range.any():
            bad = index[out_of_range].flat[0]
            raise IndexError(
                text("nn.layers.embedding_range", id=bad, count=self.num_embeddings, last=self.num_embeddings - 1)
            )
        return embedding(index, self.weight)  # repeated ids accumulate their gradients

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale the rest by
    ``1 / (1 - p)``, so that the expected output equals the input; in eval, the identity.

    The mask is ``generator.random(x.shape) >= p`` (the layer's ``generator``,
    else the default one).  Backward: ``dL/dx = g * mask / (1 - p)``.
    """

    def __init__(self, p: float = 0.5, *, generator: np.random.Generator | None = None) -> None:
        super().__init__()
        # p = 1 would scale the kept (none) by 1 / 0; PyTorch returns zeros, we refuse a layer that learns nothing
        self.p = check_number("Dropout", "p", p, at_least=0, below=1)
        self.generator = None if generator is None else init.resolve_generator("Dropout", generator)

    def forward(self, x: TensorLike) -> Tensor:
        x = as_tensor(x)
        if not self.training or self.p == 0:
            return x
        rng = init.resolve_generator("Dropout", self.generator)
        keep = rng.random(x.shape) >= self.p
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        scale = keep.astype(dtype) / dtype.type(1 - self.p)
        return x * Tensor(scale)

    def extra_repr(self) -> str:
        return f"p={self.p}"

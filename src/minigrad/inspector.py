"""``Inspector``: running statistics of activations and gradients, read through hooks (phase 19).

An inspector watches named modules (their outputs, through
:meth:`Module.register_forward_hook` with ``with_kwargs=True``) and named
parameters (their gradients, through
:meth:`Tensor.register_post_accumulate_grad_hook`, called once ``.grad`` is
filled).  Each watched thing keeps a :class:`RunningStats` over every value
it has produced since the last :meth:`Inspector.reset`; :meth:`snapshot`
reads them all.  Hooks only read arrays: instrumentation never changes a
number of the run (``tests/test_inspector.py`` checks the weights).

The statistics of a series of arrays x_1, x_2, ... (all their elements
together, n values in all) are accumulated one array at a time, in float64:

* mean and variance by Welford's update, merged a whole array at a time
  (Chan et al.'s parallel form): with the running (n, mean, M2) and an array
  of n_b values, mean_b and M2_b = sum (x - mean_b)^2,
  delta = mean_b - mean, n' = n + n_b, mean' = mean + delta n_b / n',
  M2' = M2 + M2_b + delta^2 n n_b / n'; std = sqrt(M2 / n) (population);
* max = the largest value, mean_abs = sum |x| / n;
* l2 = sqrt(sum x^2), the L2 norm of the whole series.

Subtracting the array's own mean before squaring keeps the variance exact
where the naive sum(x^2)/n - mean^2 cancels catastrophically.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .hooks import RemovableHandle
from .nn.module import Module
from .tensor import Array, Tensor

__all__ = ["HookHandle", "Inspector", "RunningStats", "spectral_norm"]


def spectral_norm(matrix: Array, iterations: int = 30) -> float:
    """The largest singular value of a 2-D array, by power iteration on ``W^T W``.

    ``v <- W^T W v / ||W^T W v||`` from the all-ones vector (deterministic: no
    random generator of the run is touched), then ``sigma = ||W v||``.  It
    converges as ``(sigma_2 / sigma_1)^(2k)``; 30 iterations are ample for
    monitoring, not for a proof.
    """
    w = np.asarray(matrix, dtype=np.float64)
    if w.ndim != 2:
        raise ValueError(f"spectral_norm: expected a 2-D array, got shape {w.shape}")
    v = np.ones(w.shape[1]) / math.sqrt(w.shape[1])
    for _ in range(iterations):
        u = w.T @ (w @ v)
        norm = float(np.linalg.norm(u))
        if norm == 0.0 or not math.isfinite(norm):
            return norm if not math.isfinite(norm) else 0.0
        v = u / norm
    return float(np.linalg.norm(w @ v))


class RunningStats:
    """Mean, population std, max, mean |x| and L2 norm of every value seen, without keeping the values."""

    __slots__ = ("count", "mean", "m2", "max", "abs_sum", "square_sum")

    def __init__(self) -> None:
        self.count = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.max = -math.inf
        self.abs_sum = 0.0
        self.square_sum = 0.0

    def update(self, values: Array) -> None:
        """Add every element of ``values`` to the series (NaN and Inf propagate, as they should: they are news).

        Sums run in float64 whatever the array's dtype; a float32 or float16
        array is centred in its own precision (no float64 copy of a large
        activation), which is all the precision its values have.
        """
        batch = np.asarray(values).ravel()
        if batch.dtype.kind != "f":
            batch = batch.astype(np.float64)
        n_b = batch.size
        if n_b == 0:
            return
        mean_b = float(np.sum(batch, dtype=np.float64)) / n_b
        self.abs_sum += float(np.sum(np.abs(batch), dtype=np.float64))
        self.max = max(self.max, float(batch.max()))
        centered = batch - batch.dtype.type(mean_b)
        np.square(centered, out=centered)
        m2_b = float(np.sum(centered, dtype=np.float64))
        self.square_sum += m2_b + n_b * mean_b * mean_b  # sum x^2 = sum (x - mean)^2 + n mean^2: no cancellation
        n = self.count
        total = n + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / total
        self.m2 += m2_b + delta * delta * n * n_b / total
        self.count = total

    def summary(self) -> dict[str, float]:
        """``{count, mean, std, max, mean_abs, l2}``; an empty series gives NaNs (count 0)."""
        if self.count == 0:
            nan = float("nan")
            return {"count": 0, "mean": nan, "std": nan, "max": nan, "mean_abs": nan, "l2": nan}
        return {
            "count": self.count,
            "mean": self.mean,
            "std": math.sqrt(max(self.m2, 0.0) / self.count),
            "max": self.max,
            "mean_abs": self.abs_sum / self.count,
            "l2": math.sqrt(self.square_sum),
        }


class HookHandle(RemovableHandle):
    """What :meth:`Inspector.register_forward` and :meth:`Inspector.register_backward` return.

    ``remove()`` takes the hook off the module or parameter and forgets the
    name in the inspector (its statistics go with it).
    """


def _first_array(output: Any) -> Array | None:
    """The array of a module's output: the Tensor itself, or the first Tensor of a tuple (attention's ``(out, w)``)."""
    if isinstance(output, Tensor):
        return output.data
    if isinstance(output, tuple | list):
        for item in output:
            if isinstance(item, Tensor):
                return item.data
    return None


class Inspector:
    """Named hooks on a model's modules and parameters, each feeding a :class:`RunningStats`.

    ``params`` names the parameters the inspector may watch (default:
    ``model.named_parameters()``).  :meth:`register_all` watches every
    submodule's output and every one of those parameters' gradients.
    """

    def __init__(self, model: Module, params: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None = None):
        if not isinstance(model, Module):
            raise TypeError(f"Inspector: model must be a minigrad.nn.Module, got {type(model).__name__}")
        self.model = model
        named = model.named_parameters() if params is None else params
        self.params: dict[str, Tensor] = dict(named.items() if isinstance(named, Mapping) else named)
        self.activations: dict[str, RunningStats] = {}
        self.gradients: dict[str, RunningStats] = {}
        # ||w|| at the last gradient, for the grad-to-weight ratio ||g|| / ||w||
        self.weight_norms: dict[str, float] = {}
        self._handles: dict[tuple[str, str], HookHandle] = {}

    def _claim(self, kind: str, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"Inspector.register_{kind}: name must be a non-empty str, got {name!r}")
        if (kind, name) in self._handles:
            raise ValueError(
                f"Inspector.register_{kind}: {name!r} is already watched; "
                "remove its handle first or choose another name"
            )

    def register_forward(self, name: str, module: Module) -> HookHandle:
        """Watch ``module``'s output under ``name``: its hook gets ``(module, args, kwargs, output)``."""
        self._claim("forward", name)
        if not isinstance(module, Module):
            raise TypeError(f"Inspector.register_forward: {name!r} must be a Module, got {type(module).__name__}")
        activations = self.activations
        activations[name] = RunningStats()

        def observe(module: Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
            array = _first_array(output)
            if array is not None:
                activations[name].update(array)

        hook = module.register_forward_hook(observe, with_kwargs=True)
        return self._keep("forward", name, hook, self.activations)

    def register_backward(self, name: str, param: Tensor) -> HookHandle:
        """Watch ``param``'s gradient under ``name``: its hook gets ``(param, grad)`` once ``.grad`` is filled."""
        self._claim("backward", name)
        if not isinstance(param, Tensor) or not param.requires_grad or not param.is_leaf:
            raise TypeError(f"Inspector.register_backward: {name!r} must be a leaf tensor that requires grad")
        gradients, norms = self.gradients, self.weight_norms
        gradients[name] = RunningStats()

        def observe(param: Tensor, grad: Array) -> None:
            gradients[name].update(grad)
            weight = param.data.astype(np.float64, copy=False).ravel()
            norms[name] = math.sqrt(float(weight @ weight))

        def filled(param: Tensor) -> None:
            if param.grad is not None:
                observe(param, param.grad)

        hook = param.register_post_accumulate_grad_hook(filled)
        return self._keep("backward", name, hook, self.gradients)

    def _keep(self, kind: str, name: str, hook: RemovableHandle, table: dict[str, RunningStats]) -> HookHandle:
        handles = self._handles

        def forget() -> None:
            table.pop(name, None)
            if kind == "backward":
                self.weight_norms.pop(name, None)
            handles.pop((kind, name), None)

        handle = HookHandle([hook.remove, forget])
        handles[(kind, name)] = handle
        return handle

    def register_all(self, max_depth: int | None = None) -> Inspector:
        """Watch every called submodule's output (by dotted name) and the gradient of every parameter in ``params``.

        ``max_depth`` keeps only modules whose dotted name has at most that
        many dots: ``max_depth=2`` watches ``blocks.0.attn`` but not the
        layers inside it (what ``--inspect`` uses: per-layer, and cheaper).
        """
        for name, module in self.model.named_modules():
            if not name or type(module).forward is Module.forward:  # the root, containers never called (ModuleList)
                continue
            if max_depth is None or name.count(".") <= max_depth:
                self.register_forward(name, module)
        for name, param in self.params.items():
            self.register_backward(name, param)
        return self

    def snapshot(self) -> dict[str, Any]:
        """``{"activations": {name: summary}, "gradients": {name: summary + grad_to_weight}}`` since the last reset.

        ``grad_to_weight`` is ``l2 / ||w||``: the gradient's norm over the series
        against the weight's norm at its last gradient.
        """
        gradients = {}
        for name, stats in self.gradients.items():
            summary: dict[str, float] = stats.summary()
            weight = self.weight_norms.get(name, float("nan"))
            summary["weight_l2"] = weight
            summary["grad_to_weight"] = summary["l2"] / weight if weight > 0 else float("nan")
            gradients[name] = summary
        return {
            "activations": {name: stats.summary() for name, stats in self.activations.items()},
            "gradients": gradients,
        }

    def reset(self) -> None:
        """Start every series again (the hooks stay: they look their statistics up by name at each call)."""
        for table in (self.activations, self.gradients):
            for name in table:
                table[name] = RunningStats()

    def remove_all(self) -> None:
        """Take every hook off and forget every name."""
        for handle in list(self._handles.values()):
            handle.remove()

"""Global-norm gradient clipping (``torch.nn.utils.clip_grad_norm_``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..messages import text
from ..nn.arguments import check_number
from ..nn.module import Module
from ..tensor import Tensor


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``; return that norm.

    The total norm treats every gradient as one long vector:
    ``total = (sum_p ||g_p||^q)^(1/q)`` for ``norm_type = q``, and
    ``max_p max|g_p|`` for ``norm_type = inf``.  Every gradient is then
    multiplied by ``min(1, max_norm / (total + 1e-6))`` in place (the 1e-6
    avoids a division by zero), which keeps the direction of the update.
    Parameters without a gradient are skipped.  Returns the norm *before*
    clipping, as a 0-d Tensor (as PyTorch does).
    """
    if isinstance(parameters, Module):
        raise TypeError(text("optim.clip_module", type=type(parameters).__name__))
    if not isinstance(parameters, (Tensor, Iterable)):
        raise TypeError(text("optim.clip_not_iterable", type=type(parameters).__name__))
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for index, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(text("optim.clip_param_type", index=index, type=type(p).__name__))
    check_number("clip_grad_norm_", "max_norm", max_norm, at_least=0)
    norm_type = check_number("clip_grad_norm_", "norm_type", norm_type, above=0, finite=False)  # inf: the max norm
    with_grad = [p for p in params if p.grad is not None]
    grads = [np.asarray(p.grad) for p in with_grad]
    if not grads:
        return Tensor(0.0)
    dtype = np.result_type(*grads)
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        per_param = np.array([np.sum(np.abs(g) ** norm_type) ** (1 / norm_type) for g in grads], dtype=dtype)
        total = float(np.sum(per_param**norm_type) ** (1 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(text("optim.clip_nonfinite", norm_type=norm_type, total=total))
    scale = min(1.0, max_norm / (total + 1e-6))
    for p, g in zip(with_grad, grads):
        if g is p.grad and g.flags.writeable:
            g *= scale  # in place, as PyTorch: the engine's .grad arrays are owned by their tensors
        else:
            p.grad = g * scale  # a NumPy scalar or read-only array someone assigned
    return Tensor(np.asarray(total, dtype=dtype))

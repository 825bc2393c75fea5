"""Adam (L2 penalty in the gradient, ``torch.optim.Adam``) and AdamW (decoupled decay, ``torch.optim.AdamW``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import no_grad
from ..messages import text
from ..nn.arguments import check_number
from ..tensor import Array, Tensor
from .optimizer import Optimizer, ParamGroup, Params, gradient


def adam_direction(m: Array, v: Array, t: int, beta1: float, beta2: float, eps: float) -> Array:
    """The direction of Adam's step, ``m_hat / (sqrt(v_hat) + eps)``, with the moments bias-corrected.

    ``m_hat = m / (1 - beta1**t)`` and ``v_hat = v / (1 - beta2**t)``; the step is ``p = p - lr * direction``.
    :meth:`Adam.step` runs a tuned, in-place copy of this rule while this
    function holds the textbook code, and calls it when it has been patched
    (a break of the lab); tests/test_seams.py proves the two equal.
    """
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return m_hat / (np.sqrt(v_hat) + eps)


_TEXTBOOK_DIRECTION = adam_direction.__code__


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)``.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = g + weight_decay * p                      (L2 penalty: it goes through the moments)
        m = beta1 * m + (1 - beta1) * g               (first moment, starts at 0)
        v = beta2 * v + (1 - beta2) * g**2            (second moment, starts at 0)
        m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)     (bias correction)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    Bias correction undoes the pull towards the zero start of ``m`` and ``v``.
    Without it, the first step's ``m`` is ``1 - beta1`` times too small but its
    denominator ``sqrt(v)`` is ``sqrt(1 - beta2)`` times too small, so the
    step comes out ``(1 - beta1) / sqrt(1 - beta2)`` (about 3.2 with the
    defaults) times too *large* (the ``adam-no-bias-correction`` break).
    """

    decoupled = False  # AdamW sets it: weight decay then shrinks p directly instead of adding to g

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay})
        self._work: dict[tuple[tuple[int, ...], np.dtype[Any]], Array] = {}

    def _check_hyperparameters(self, group: ParamGroup) -> None:
        super()._check_hyperparameters(group)
        name = type(self).__name__
        betas = group["betas"]
        if not isinstance(betas, (tuple, list, np.ndarray)) or len(betas) != 2:
            raise TypeError(text("optim.betas", name=name, betas=betas))
        # stored as a tuple of floats whatever pair was passed (a list, an array)
        group["betas"] = tuple(
            check_number(name, f"betas[{i}]", beta, at_least=0, below=1) for i, beta in enumerate(betas)
        )
        check_number(name, "eps", group["eps"], at_least=0)

    def step(self) -> None:
        with no_grad():  # an update is not part of any model: record no graph
            for group in self.param_groups:
                lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
                beta1, beta2 = group["betas"]
                for p in group["params"]:
                    if p.grad is None:  # not used by this loss: no update, no state
                        continue
                    if self.decoupled:
                        p.mul_(1 - lr * weight_decay)  # AdamW: decay the weight itself, outside the moments
                        g = p.grad
                    else:
                        g = gradient(p, weight_decay)
                    state = self._state_for(p)
                    state["step"] += 1
                    t = state["step"]
                    m, v = state["exp_avg"], state["exp_avg_sq"]
                    work = self._work_for(p)  # every product below is written into it: no temporaries
                    m *= beta1
                    m += np.multiply(g, 1 - beta1, out=work)
                    v *= beta2
                    v += np.multiply(np.square(g, out=work), 1 - beta2, out=work)
                    if adam_direction.__code__ is not _TEXTBOOK_DIRECTION:  # patched by a break: the rule itself
                        p.sub_(lr * adam_direction(m, v, t, beta1, beta2, eps))
                        continue
                    # adam_direction, in place: sqrt(v_hat) = sqrt(v) / sqrt(1 - beta2**t), and 1 / (1 - beta1**t)
                    # folded into the learning rate
                    bias_correction1 = 1 - beta1**t
                    bias_correction2 = 1 - beta2**t
                    denominator = np.divide(np.sqrt(v, out=work), math.sqrt(bias_correction2), out=work)
                    denominator += eps
                    p.sub_(np.multiply(np.divide(m, denominator, out=work), lr / bias_correction1, out=work))

    def _work_for(self, p: Tensor) -> Array:
        """A scratch array of ``p``'s shape and dtype, shared by every parameter of that shape and dtype."""
        key = (p.data.shape, p.data.dtype)
        work = self._work.get(key)
        if work is None:
            work = self._work[key] = np.empty_like(p.data)
        return work

    def _state_for(self, p: Tensor) -> dict[str, Any]:
        state = self.state.get(p)
        if state is None:
            state = {"step": 0, "exp_avg": np.zeros_like(p.data), "exp_avg_sq": np.zeros_like(p.data)}
            self.state[p] = state
        return state


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)``: Adam with decoupled decay.

    Each step first shrinks the weight, ``p = p * (1 - lr * weight_decay)``,
    then applies the Adam update of the plain gradient.  Unlike Adam's L2
    penalty, the decay is not divided by ``sqrt(v_hat)``, so every weight
    decays at the same rate whatever its gradient history.
    """

    decoupled = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

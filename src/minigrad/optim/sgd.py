"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (``torch.optim.SGD``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import no_grad
from ..messages import text
from ..nn.arguments import check_flag, check_number
from .optimizer import Optimizer, ParamGroup, Params, gradient


class SGD(Optimizer):
    """``SGD(params, lr, momentum=0, dampening=0, nesterov=False, weight_decay=0)``.

    For each parameter ``p`` with gradient ``g``, exactly as ``torch.optim.SGD``::

        g = g + weight_decay * p                      (L2 penalty, if weight_decay > 0)
        b = g                         on the first step, then
        b = momentum * b + (1 - dampening) * g        (if momentum > 0)
        g = g + momentum * b  if nesterov  else  b
        p = p - lr * g
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "nesterov": nesterov,
            "weight_decay": weight_decay,
        }
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: ParamGroup) -> None:
        super()._check_hyperparameters(group)
        momentum = check_number("SGD", "momentum", group["momentum"], at_least=0)
        dampening = check_number("SGD", "dampening", group["dampening"], at_least=0, at_most=1)
        check_flag("SGD", "nesterov", group["nesterov"])
        if group["nesterov"] and (momentum <= 0 or dampening != 0):
            raise ValueError(text("optim.nesterov", momentum=momentum, dampening=dampening))

    def step(self) -> None:
        with no_grad():  # an update is not part of any model: record no graph
            for group in self.param_groups:
                lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
                for p in group["params"]:
                    if p.grad is None:  # not used by this loss: leave it (and its momentum) alone
                        continue
                    g = gradient(p, group["weight_decay"])
                    if momentum != 0:
                        state: dict[str, Any] = self.state.setdefault(p, {})
                        buf = state.get("momentum_buffer")
                        if buf is None:
                            buf = np.array(g)  # a copy: g may be p.grad itself
                        else:
                            buf *= momentum
                            buf += (1 - dampening) * g
                        state["momentum_buffer"] = buf
                        g = g + momentum * buf if group["nesterov"] else buf
                    p.sub_(g, alpha=lr)

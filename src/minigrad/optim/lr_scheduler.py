"""Learning-rate schedules: linear warmup, cosine decay, and the two in sequence.

A scheduler sets ``group["lr"]`` of its optimizer's groups from a formula of
the step count, called once per step *after* ``optimizer.step()``, as in
``torch.optim.lr_scheduler``::

    for batch in data:
        loss = ...; loss.backward(); optimizer.step(); optimizer.zero_grad()
        scheduler.step()

Creating the scheduler applies the value of step 0.  The formulas are the
closed forms of PyTorch's ``LinearLR`` and ``CosineAnnealingLR``; the tests
compare the sequences with PyTorch's.
"""

from __future__ import annotations

import math
from typing import Any

from ..messages import text
from ..nn.arguments import check_number
from .optimizer import Optimizer


def step_count(scheduler: str, name: str, value: object) -> int:
    """A number of steps: a whole number >= 1 (``5.0`` is accepted as 5, ``2.5`` and ``"5"`` are not)."""
    number = check_number(scheduler, name, value, at_least=1)
    if not number.is_integer():
        raise ValueError(text("optim.steps_whole", scheduler=scheduler, name=name, value=value))
    return int(number)


class LRScheduler:
    """Base class: subclasses give ``lr_at(base_lr, step)``; ``step()`` advances and applies it."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(text("optim.scheduler_optimizer", name=type(self).__name__, type=type(optimizer).__name__))
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])  # what the schedule scales, as in PyTorch
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def lr_at(self, base_lr: float, step: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one step and set every group's ``lr``."""
        self.last_epoch += 1
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base_lr, self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group after the latest ``step()``."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict) or not {"base_lrs", "last_epoch"} <= state.keys():
            raise TypeError(text("optim.scheduler_load_not_dict", name=type(self).__name__, state=state))
        if len(state["base_lrs"]) != len(self.base_lrs):
            saved, here = len(state["base_lrs"]), len(self.base_lrs)
            raise ValueError(text("optim.scheduler_load_groups", name=type(self).__name__, saved=saved, here=here))
        self.base_lrs = list(state["base_lrs"])
        self.last_epoch = int(state["last_epoch"])
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base_lr, self.last_epoch)


class LinearLR(LRScheduler):
    """Scale the learning rate linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` steps.

    ``lr(t) = base_lr * (start + (end - start) * min(t, total_iters) / total_iters)``,
    then constant.  With ``end_factor=1`` this is linear warmup.
    """

    def __init__(
        self, optimizer: Optimizer, start_factor: float = 1 / 3, end_factor: float = 1.0, total_iters: int = 5
    ) -> None:
        check_number("LinearLR", "start_factor", start_factor, above=0, at_most=1)
        check_number("LinearLR", "end_factor", end_factor, at_least=0, at_most=1)
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = step_count("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, step: int) -> float:
        fraction = min(step, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * fraction)


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` steps.

    ``lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``.
    Past ``T_max`` the cosine goes on (back up), as PyTorch's does.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = step_count("CosineAnnealingLR", "T_max", T_max)
        check_number("CosineAnnealingLR", "eta_min", eta_min, at_least=0)
        self.eta_min = eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, step: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * step / self.T_max)) / 2


class WarmupCosine(LRScheduler):
    """Linear warmup for ``warmup_steps`` steps, then cosine decay to ``eta_min`` at ``total_steps``.

    The same sequence as PyTorch's ``SequentialLR(optimizer, [LinearLR(optimizer,
    start_factor, 1.0, warmup_steps), CosineAnnealingLR(optimizer,
    total_steps - warmup_steps, eta_min)], milestones=[warmup_steps])``::

        t <  warmup_steps:  lr = base_lr * (start_factor + (1 - start_factor) * t / warmup_steps)
        t >= warmup_steps:  lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * (t - w) / (total - w))) / 2

    After ``total_steps`` the learning rate stays at ``eta_min`` (PyTorch's cosine would rise again).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        warmup_steps: int,
        total_steps: int,
        start_factor: float = 1e-3,
        eta_min: float = 0.0,
    ) -> None:
        self.warmup_steps = step_count("WarmupCosine", "warmup_steps", warmup_steps)
        self.total_steps = step_count("WarmupCosine", "total_steps", total_steps)
        if self.total_steps <= self.warmup_steps:
            raise ValueError(text("optim.warmup_cosine_total", total_steps=total_steps, warmup_steps=warmup_steps))
        check_number("WarmupCosine", "start_factor", start_factor, above=0, at_most=1)
        check_number("WarmupCosine", "eta_min", eta_min, at_least=0)
        self.start_factor, self.eta_min = start_factor, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, step: int) -> float:
        if step < self.warmup_steps:
            return base_lr * (self.start_factor + (1 - self.start_factor) * step / self.warmup_steps)
        decay_steps = self.total_steps - self.warmup_steps
        t = min(step - self.warmup_steps, decay_steps)
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / decay_steps)) / 2

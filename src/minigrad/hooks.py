"""``RemovableHandle``: what every ``register_*_hook`` returns, on tensors and modules alike.

It lives apart from both so that :mod:`minigrad.tensor` and
:mod:`minigrad.nn.module` share one class (``nn.RemovableHandle`` is this one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .messages import text


class RemovableHandle:
    """What ``register_*_hook`` returns: ``handle.remove()`` unregisters the hook(s).

    Also a context manager: ``with module.register_forward_hook(f): ...``
    removes the hook when the block ends.  Removing twice is harmless.
    """

    def __init__(self, removers: list[Callable[[], None]]) -> None:
        self._removers = removers

    def remove(self) -> None:
        removers, self._removers = self._removers, []
        for remove in removers:
            remove()

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def remover(hooks: dict[int, Any], hook_id: int) -> Callable[[], None]:
    """A function that drops ``hooks[hook_id]`` if it is still there."""

    def remove() -> None:
        hooks.pop(hook_id, None)

    return remove


class BackwardCapture:
    """One forward call of a module with full backward hooks: gathers ``grad_input`` and ``grad_output``.

    As PyTorch does, every positional Tensor argument that requires grad is
    passed to ``forward`` through an identity (``x * 1``, exact), and so is
    every Tensor of the output: a gradient hook on each copy sees exactly the
    module's own share of the gradient, even when the input also feeds other
    modules.  Once the last input copy has its gradient (the engine walks
    newest first, so by then every gradient of the call is known), each hook
    is called as ``hook(module, grad_input, grad_output)``: tuples with one
    entry per Tensor argument / output (as PyTorch: zeros for an argument that
    needs no gradient, None for all of them when none does).  When no input
    requires grad the hooks run at the output's gradient instead.

    Unlike PyTorch, a hook cannot return a replacement ``grad_input``: the
    engine has passed the other inputs' gradients on by the time the last one
    arrives.  Returning anything but None is an error that says so.
    """

    def __init__(self, module: Any, hooks: list[Callable[..., Any]]) -> None:
        self.module, self.hooks = module, hooks
        self.grad_input: list[Any] = []
        self.grad_output: list[Any] = []
        self.inputs_with_grad = 0
        self.waiting = 0  # input gradients still to come in this backward pass

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        from .tensor import Tensor

        wrapped = list(args)
        slots = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.grad_input = [None] * len(slots)
        self.inputs_with_grad = 0
        for slot, position in enumerate(slots):
            arg = args[position]
            if arg.requires_grad:
                copy = arg * 1
                copy.register_hook(self._input_hook(slot))
                wrapped[position] = copy
                self.inputs_with_grad += 1
        if self.inputs_with_grad:  # as PyTorch: zeros for the Tensor arguments that need no gradient
            for slot, position in enumerate(slots):
                if not args[position].requires_grad:
                    self.grad_input[slot] = np.zeros(args[position].shape, dtype=args[position].dtype)
        self.waiting = self.inputs_with_grad
        return tuple(wrapped)

    def wrap_output(self, output: Any) -> Any:
        from .tensor import Tensor

        single = isinstance(output, Tensor)
        items = [output] if single else list(output) if isinstance(output, tuple) else None
        if items is None:
            return output
        slots = [i for i, o in enumerate(items) if isinstance(o, Tensor)]
        self.grad_output = [None] * len(slots)
        for slot, position in enumerate(slots):
            item = items[position]
            if item.requires_grad:
                copy = item * 1
                copy.register_hook(self._output_hook(slot))
                items[position] = copy
        return items[0] if single else tuple(items)

    def _input_hook(self, slot: int) -> Callable[[Any], None]:
        def record(grad: Any) -> None:
            self.grad_input[slot] = grad.copy()
            self.waiting -= 1
            if self.waiting == 0:
                self._fire()

        return record

    def _output_hook(self, slot: int) -> Callable[[Any], None]:
        def record(grad: Any) -> None:
            self.grad_output[slot] = grad.copy()
            if self.inputs_with_grad == 0:
                self._fire()

        return record

    def _fire(self) -> None:
        grad_input, grad_output = tuple(self.grad_input), tuple(self.grad_output)
        self.waiting = self.inputs_with_grad  # ready for another pass over a retained graph
        for hook in self.hooks:
            if hook(self.module, grad_input, grad_output) is not None:
                raise RuntimeError(text("nn.hooks.returned_value", cls=type(self.module).__name__))

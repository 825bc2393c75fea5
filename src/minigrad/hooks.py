"""``RemovableHandle``: what every ``register_*_hook`` returns, on tensors and modules alike.

It lives apart from both so that :mod:`minigrad.tensor` and
:mod:`minigrad.nn.module` share one class (``nn.RemovableHandle`` is this one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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

"""The autograd engine: graph nodes, grad mode, and the backward pass.

A tensor produced by an op that needs gradients carries a :class:`Node` in
``tensor._ctx``: the op's name, its input tensors, and a ``backward`` closure
that maps the upstream gradient ``g = dL/d(out)`` to one gradient per input.
:func:`run_backward` sorts the graph topologically (iteratively, so depth is
not limited by Python's recursion limit), walks it from the output to the
leaves, sums every contribution that reaches a tensor (``+=`` semantics:
:func:`accumulate`), and frees each node once it has been used unless
``retain_graph=True``.  :func:`topological_order` and :func:`accumulate` are
seams the lab's breaks patch: plain rules, with the tuning around them.

Its error messages come from ``messages/engine.toml``, in the current language
(``MINIGRAD_LANG=es`` or :func:`minigrad.messages.using_lang`).
"""

from __future__ import annotations

import contextlib
import functools
import operator
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from .messages import text
from .unbroadcast import broadcast_axes

if TYPE_CHECKING:
    from .tensor import Tensor

Array = npt.NDArray[Any]
Grads = tuple["Array | None", ...]
BackwardFn = Callable[[Array], Grads]
F = TypeVar("F", bound=Callable[..., Any])


class _State:
    """Process-wide switches, read on every op (plain attributes: cheap); grad mode is per thread: ``grad_mode``."""

    __slots__ = ("shape_check", "anomaly")

    def __init__(self) -> None:
        self.shape_check = True
        self.anomaly = False


state = _State()


class _GradMode(threading.local):
    """Grad mode, one per thread as in PyTorch: ``no_grad`` in one thread leaves the others recording.

    ``saved`` is the thread's stack of modes to restore: a ``with`` block
    pushes on entry and pops on exit, so nesting, recursion and one context
    object shared by several calls all restore the right mode.
    """

    enabled = True  # a class attribute: the default every new thread starts with

    def __init__(self) -> None:
        self.saved: list[bool] = []


grad_mode = _GradMode()

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class Node:
    """One op application in the graph (PyTorch's ``grad_fn``).

    ``saved`` are the input tensors whose arrays ``backward`` reads, with their
    version counters at forward time in ``versions``; ``saves_output`` says the
    closure also reads the output's array.  Both are checked before
    ``backward`` runs so that an in-place change in between is an error, not a
    silently wrong gradient.  ``site`` is the user's source line, recorded only
    under :func:`detect_anomaly`.
    """

    __slots__ = ("op", "inputs", "backward", "saved", "versions", "saves_output", "site")

    def __init__(
        self,
        op: str,
        inputs: tuple[Tensor, ...],
        backward: BackwardFn,
        saved: tuple[Tensor, ...],
        saves_output: bool,
    ) -> None:
        self.op = op
        self.inputs = inputs
        self.backward: BackwardFn | None = backward
        self.saved = saved
        self.versions = tuple([t._version for t in saved]) if saved else ()
        self.saves_output = saves_output
        self.site: str | None = user_site() if state.anomaly else None

    def free(self) -> None:
        """Drop the closure and the inputs: what the backward pass no longer needs."""
        self.backward = None
        self.inputs = ()
        self.saved = ()

    def __repr__(self) -> str:
        return f"<{self.op}>"


# --------------------------------------------------------------------------- switches


class _SetGradMode:
    """A context manager and decorator that sets grad mode for a block, then restores the previous mode.

    The previous mode lives on the current thread's stack, not on the
    object, so one instance can be entered again while active (a recursive
    call of a decorated function, nested ``with`` blocks) and from several
    threads.  As a decorator it enters a fresh context on every call.
    """

    enabled: bool

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        """``@no_grad()`` and, as in PyTorch, ``@no_grad`` without parentheses both decorate ``fn``."""
        mode = super().__new__(cls)
        return mode if fn is None else mode(fn)

    def __enter__(self) -> None:
        grad_mode.saved.append(grad_mode.enabled)
        grad_mode.enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        grad_mode.enabled = grad_mode.saved.pop()

    def __call__(self, fn: F) -> F:
        mode = type(self)

        @functools.wraps(fn)
        def run_in_mode(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return fn(*args, **kwargs)

        return run_in_mode  # type: ignore[return-value]


class no_grad(_SetGradMode):
    """Context manager (and decorator) in which ops record no graph, in the current thread."""

    enabled = False


class enable_grad(_SetGradMode):
    """Context manager (and decorator) that turns graph recording back on inside ``no_grad``."""

    enabled = True


def is_grad_enabled() -> bool:
    """Whether ops in the current thread record a graph."""
    return grad_mode.enabled


def set_shape_check(enabled: bool) -> bool:
    """Turn the per-contribution gradient shape check on or off; return the old value.

    The check is on by default.  Turning it off is for speed measurements and
    for demonstrating what a shape bug does when nothing guards against it.
    """
    prev = state.shape_check
    state.shape_check = bool(enabled)
    return prev


@contextlib.contextmanager
def shape_check(enabled: bool) -> Iterator[None]:
    """``with minigrad.shape_check(False): ...`` runs a block with the check switched."""
    prev = set_shape_check(enabled)
    try:
        yield
    finally:
        set_shape_check(prev)


class AnomalyError(FloatingPointError):
    """Raised under :func:`detect_anomaly` when an op produces NaN or Inf."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op whose forward or backward produces NaN or Inf.

    Inside the block every node remembers the line of user code that created
    it, and the error names the op and that line.  It costs a finiteness check
    per op, so it is off by default.
    """
    prev = state.anomaly
    state.anomaly = True
    try:
        yield
    finally:
        state.anomaly = prev


def user_site() -> str:
    """The innermost stack frame outside the minigrad package, as 'file:line in fn'."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "<unknown>"
    info = traceback.extract_stack(frame, limit=1)[-1]
    line = f"{info.filename}:{info.lineno} in {info.name}"
    return line + (f": {info.line.strip()}" if info.line else "")


def check_finite_forward(op: str, data: Array) -> None:
    if data.dtype.kind in "fc" and not np.all(np.isfinite(data)):
        kind = "NaN" if np.isnan(data).any() else "Inf"
        raise AnomalyError(text("engine.anomaly_forward", op=op, kind=kind, site=user_site()))


# --------------------------------------------------------------------------- backward


class GraphFreedError(RuntimeError):
    pass


class GradShapeError(ValueError):
    """A backward rule returned a gradient whose shape is not its input's shape."""


def missing_reduction(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> str:
    """Explain how a gradient of ``grad_shape`` would reduce to ``shape``, if it can."""
    axes = broadcast_axes(grad_shape, shape)
    if axes is None:
        return text("engine.reduction.not_broadcast")
    lead, stretched = axes
    summed = [*range(lead), *stretched]
    key = "engine.reduction.one_axis" if len(summed) == 1 else "engine.reduction.axes"
    return text(key, axes=", ".join(map(str, summed)))


def shape_error(op: str, index: int, grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> GradShapeError:
    reduction = missing_reduction(grad_shape, shape)
    return GradShapeError(
        text("engine.grad_shape", op=op, index=index, grad_shape=grad_shape, shape=shape, reduction=reduction)
    )


# A tensor's creation stamp (its ``_seq``), read in C: the sort key of every backward pass.
_creation_stamp: Callable[[Tensor], int] = operator.attrgetter("_seq")


def topological_order(root: Tensor) -> list[Tensor]:
    """The tensors ``root`` depends on that need a gradient, each before every tensor it was computed from.

    First collect the graph with an explicit stack (no recursion, so a chain
    of 100,000 ops is fine), then sort it by creation stamp, newest first:
    an op's inputs always exist before its output, so creation order is a
    topological order, and sorting is cheaper than a post-order walk.
    """
    found = [root]
    seen = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()._ctx
        if node is not None:
            for parent in node.inputs:
                if parent._rg and id(parent) not in seen:
                    seen.add(id(parent))
                    found.append(parent)
                    stack.append(parent)
    found.sort(key=_creation_stamp, reverse=True)
    return found


def accumulate(total: Array | None, contribution: Array) -> Array:
    """The one place a gradient contribution is added in: ``total + contribution`` (``+=`` semantics).

    A tensor used in several places gets one contribution per use, and the
    multivariable chain rule sums them.  :func:`run_backward` runs a tuned
    copy of this rule (in place into sums it allocated itself) while this
    function holds the textbook code; a patched rule is called instead
    (tests/test_seams.py proves the two equal).
    """
    if total is None:
        return contribution
    return total + contribution


_TEXTBOOK_ACCUMULATE = accumulate.__code__


def _own(g: Array, handed: set[int]) -> Array:
    """A gradient array that may be stored in ``.grad`` and later updated in place."""
    if type(g) is not np.ndarray or g.base is not None or id(g) in handed or not g.flags.writeable:
        g = np.array(g)  # a fresh, writeable copy that nothing else references
    handed.add(id(g))
    return g


def _store_grad(t: Tensor, g: Array, handed: set[int], check: bool) -> None:
    """``t.grad += g``, creating ``t.grad`` on the first contribution.

    With the shape check on, a ``.grad`` of the wrong shape (left by an
    unchecked backward) is an error: ``+=`` would broadcast into it silently.
    """
    held = t._grad
    if held is None:
        t._grad = _own(g, handed)
    else:
        if check and held.shape != t._data.shape:
            raise GradShapeError(text("engine.grad_left_wrong_shape", shape=t._data.shape, grad_shape=held.shape))
        held += g


def run_backward(root: Tensor, grad: Array | None, retain_graph: bool) -> None:
    """Backpropagate from ``root``; see :meth:`minigrad.Tensor.backward`."""
    if not root._rg:
        raise RuntimeError(text("engine.no_graph"))
    if grad is None:
        if root._data.size != 1:
            raise RuntimeError(text("engine.not_scalar", shape=root._data.shape))
        seed = np.ones(root._data.shape, dtype=root._data.dtype)
    else:  # already checked by Tensor.backward: real, finite, the output's shape
        seed = np.array(grad, dtype=root._data.dtype)  # a copy: the caller's array is never aliased

    check = state.shape_check
    anomaly = state.anomaly
    grads: dict[int, Array] = {id(root): seed}  # by id(tensor): the sum of contributions so far
    # ids of tensors whose entry in grads is an array the engine allocated.  An id never needs removing: every
    # contribution to a tensor arrives before the walk reaches it, and the ids of the graph's tensors are distinct.
    summed: set[int] = set()
    handed: set[int] = set()
    tuned = accumulate.__code__ is _TEXTBOOK_ACCUMULATE
    order = topological_order(root)
    order.reverse()  # popped from the end: a tensor is released as soon as the walk is past it
    while order:
        t = order.pop()
        g = grads.pop(id(t), None)
        if g is None:
            continue
        if t._grad_hooks:  # Tensor.register_hook: may replace the gradient before anything uses it
            g = t._run_grad_hooks(g)
        node = t._ctx
        if node is None:  # a leaf: accumulate into .grad
            _store_grad(t, g, handed, check)
            for hook in t._hooks or ():
                hook(t)
            continue
        if t._retains_grad:
            _store_grad(t, g, handed, check)
        backward = node.backward
        if backward is None:
            raise GraphFreedError(text("engine.graph_freed", op=node.op))
        if node.saved:
            for saved, version in zip(node.saved, node.versions):
                if saved._version != version:
                    raise _modified_error(node, saved, version)
        if node.saves_output and t._version:
            raise _modified_error(node, t, 0)
        for inp, gi in zip(node.inputs, backward(g)):
            if gi is None or not inp._rg:
                continue
            data = inp._data
            if gi.shape != data.shape and check:
                raise shape_error(node.op, _position(node, inp), gi.shape, data.shape)
            if gi.dtype is not data.dtype and gi.dtype != data.dtype:  # e.g. float32 promoted by a float64 constant
                gi = gi.astype(data.dtype)
            if anomaly and gi.dtype.kind == "f" and not np.isfinite(gi).all():
                raise AnomalyError(
                    text(
                        "engine.anomaly_backward",
                        op=node.op,
                        index=_position(node, inp),
                        shape=data.shape,
                        site=node.site,
                    )
                )
            if inp._seq > t._seq:  # assigned into after this op read it: the gradient goes to the history it read
                inp = inp.history_before(t._seq)
                if not inp._rg:
                    continue
            key = id(inp)
            prev = grads.get(key)
            if not tuned:  # accumulate was patched (a break of the lab): call it for every contribution
                grads[key] = accumulate(prev, gi)
            elif prev is None:
                grads[key] = gi
            elif key in summed and prev.shape == gi.shape:
                prev += gi  # a sum the engine made itself: add in place, no fresh array
            else:
                total = prev + gi  # out of place: a backward may hand the same array to several inputs
                grads[key] = total
                if total.ndim:  # a 0-d sum comes back as a NumPy scalar, which += cannot change in place
                    summed.add(key)
        if not retain_graph:
            node.free()


def _position(node: Node, inp: Tensor) -> int:
    return next(i for i, x in enumerate(node.inputs) if x is inp)


def _modified_error(node: Node, saved: Tensor, version: int) -> RuntimeError:
    what = (
        text("engine.modified.output")
        if saved._ctx is node
        else text("engine.modified.input", index=_position(node, saved))
    )
    return RuntimeError(
        text("engine.modified", what=what, op=node.op, shape=saved._data.shape, saved=version, now=saved._version)
    )

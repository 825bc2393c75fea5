"""One place to declare an op: its forward, its backward rule, its PyTorch name and its test domain.

Adding an elementwise function of one tensor is one :func:`unary` call in
:mod:`minigrad.ops.elementwise`.  From that declaration come the op function
(``minigrad.ops.elementwise.<name>``), the ``Tensor`` method
(:func:`install_tensor_methods`), ``minigrad.functional.<name>``, both ``F``
namespaces of :mod:`minigrad.diagnostics.namespaces`, and the row of
:data:`UNARY_OPS` that tests and the doctor read (name, PyTorch name, domain).

The backward rule is a plain function ``rule(g, x, out) -> dL/dx`` from
:mod:`minigrad.ops.rules`: the seam a break of the lab patches.  The closure
calls it through the function object, so a patched rule takes effect at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy.typing as npt

from ..messages import text
from ..tensor import Tensor, TensorLike, as_tensor, floating, result

Array = npt.NDArray[Any]
Rule = Callable[[Array, Array, Array], Array]


@dataclass(frozen=True)
class UnaryOp:
    """The declaration of an elementwise op of one tensor.

    ``inputs``: ``"real"`` promotes integer and bool input to float64 (PyTorch's
    ``exp``, ``tanh``...); ``"number"`` keeps integer dtypes and refuses bool
    (``abs``, ``relu``).  ``saves``: what the rule reads, the input (its
    version is checked before backward) or the output.  ``domain``: the
    interval test inputs are drawn from, away from kinks and poles.
    """

    name: str
    torch_name: str  # the attribute of the torch module: torch.<torch_name>
    forward: Callable[[Array], Array]
    backward: Rule
    domain: tuple[float, float]
    saves: Literal["input", "output"]
    inputs: Literal["real", "number"] = "real"
    doc: str = ""


UNARY_OPS: dict[str, UnaryOp] = {}


def _not_bool(op: str, a: Tensor) -> Tensor:
    """``a``, unless it is boolean: PyTorch refuses ``-``, ``abs`` and ``relu`` on masks, and so do we."""
    if a._data.dtype.kind == "b":
        raise TypeError(text("tensor.bool_refused", op=op))
    return a


def unary(
    name: str,
    *,
    torch_name: str | None = None,
    forward: Callable[[Array], Array],
    backward: Rule,
    domain: tuple[float, float],
    saves: Literal["input", "output"],
    inputs: Literal["real", "number"] = "real",
    doc: str = "",
) -> Callable[[TensorLike], Tensor]:
    """Declare an elementwise op of one tensor; return its op function (``op(x) -> Tensor``)."""
    if name in UNARY_OPS or name in HAND_WRITTEN_UNARY:
        raise ValueError(text("tensor.op_declared", name=name))
    spec = UnaryOp(name, torch_name or name, forward, backward, domain, saves, inputs, doc)
    UNARY_OPS[name] = spec

    def op(a: TensorLike) -> Tensor:
        if inputs == "real":
            a = floating(name, a, promote=True)
        else:
            a = _not_bool(name, as_tensor(a, op=name))
        x = a._data
        out = forward(x)

        def backward_fn(g: Array) -> tuple[Array]:
            return (backward(g, x, out),)

        if saves == "input":
            return result(out, name, (a,), backward_fn, saved=(a,))
        return result(out, name, (a,), backward_fn, saves_output=True)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc or f"``{name}(x)``, elementwise.  Backward: :func:`minigrad.ops.rules.{backward.__name__}`."
    return op


def install_tensor_methods(cls: type[Any], module: Any) -> None:
    """Give ``cls`` (``Tensor``) one method per declared unary op that it does not define itself."""
    for name in UNARY_OPS:
        if name in cls.__dict__:
            continue

        def method(self: Any, _name: str = name) -> Any:
            return getattr(module, _name)(self)

        method.__name__ = method.__qualname__ = name
        method.__doc__ = f"``minigrad.ops.elementwise.{name}(self)``."
        setattr(cls, name, method)


def install_namespace_methods(cls: type[Any], call: Callable[[Any, str, Any], Any]) -> None:
    """Give an ``F`` namespace class one method per declared unary op: ``F.<name>(x) = call(F, name, x)``."""
    for name in UNARY_OPS:
        if name in cls.__dict__:
            continue

        def method(self: Any, x: Any, _name: str = name) -> Any:
            return call(self, _name, x)

        method.__name__ = method.__qualname__ = name
        setattr(cls, name, method)


# Ops of one tensor written by hand (extra keyword arguments, a tuned forward): they join the table only;
# their Tensor method and F entries are written beside them.  name -> (PyTorch name, domain, input kind).
HAND_WRITTEN_UNARY: dict[str, tuple[str, tuple[float, float], str, bool]] = {}


def hand_written_unary(
    name: str, *, torch_name: str, domain: tuple[float, float], inputs: str = "real", one_definition: bool = True
) -> None:
    """Add a hand-written op of one tensor (``gelu(x, approximate)``) to :func:`op_table`.

    ``one_definition=False`` says that engines define the op in more than one right way (GELU exact, or its
    tanh approximation, as GPT-2 and minGPT write it): the doctor then does not probe it, since no single
    reference can tell a learner's right variant from a bug.
    """
    if name in UNARY_OPS or name in HAND_WRITTEN_UNARY:
        raise ValueError(text("tensor.op_declared", name=name))
    HAND_WRITTEN_UNARY[name] = (torch_name, domain, inputs, one_definition)


def op_table() -> list[dict[str, Any]]:
    """The ops of one tensor as data: name, PyTorch name, input domain, input kind, and whether engines agree
    on one definition (for the doctor and tests)."""
    declared = [(s.name, s.torch_name, s.domain, s.inputs, True) for s in UNARY_OPS.values()]
    by_hand = [(name, *row) for name, row in HAND_WRITTEN_UNARY.items()]
    return [
        {"name": name, "torch_name": torch_name, "domain": domain, "inputs": inputs, "one_definition": one}
        for name, torch_name, domain, inputs, one in [*declared, *by_hand]
    ]

"""The interface the doctor probes: what a learner's ``Tensor``/``Value`` must offer to be examined.

The doctor never imports a learner's engine for its types: it finds out at run time what the class does
(:class:`.adapter.Engine` probes it once).  These protocols write that contract down; the adapter's
annotations use them.  None is checked with ``isinstance``: an engine that spells an op another way (a
module-level function, an op class, an ``--adapter`` line) is driven all the same.

What a learner's class must offer, how the probe finds each part, and the line of an ``--adapter`` file
(``minigrad doctor engine.py:Tensor --adapter my_adapter.py``) that stands in for it when it cannot:

- a leaf, ``Tensor(data)`` or ``Tensor(data, requires_grad=True)``: the class, or a function that makes one
  (``variable(1.3)``); ``make = lambda value, requires_grad: ...``
- ``x.data``: ``data``, ``value``, ``val`` or ``_data``; ``data = lambda x: ...``
- ``x.grad``, ``None`` or zeros before backward: ``grad``, ``gradient`` or ``_grad``; ``grad = lambda x: ...``
- ``y.backward()``: a method, or ``backward(y)`` in the module; ``backward = lambda y: ...``
- ``x.zero_grad()``: ``zero_grad``, ``zerograd``, ``cleargrad``...; ``zero_grad = lambda x: ...``
- ``a + b``, ``a - b``, ``a * b``, ``a / b``, ``a @ b``, ``-a``, ``a ** c``: operators, module functions
  (``add(a, b)``) or op classes (``Add.apply(a, b)``, ``Add()(a, b)``); ``OPS = {"+": lambda a, b: ...}``
- a number on the left, ``2.0 - a``, ``2.0 / a``: ``__radd__``, ``__rsub__``, ``__rmul__``, ``__rtruediv__``
- ``a.exp()``, ``a.log()``, ``a.tanh()``, ``a.relu()``...: methods, functions or op classes;
  ``OPS = {"exp": lambda x: ...}``
- ``a.sum(axis, keepdims)``, ``a.mean(...)`` (``axis`` or ``dim``, ``keepdims`` or ``keepdim``):
  ``OPS = {"sum": lambda x, axis=None, keepdims=False: ...}``
- ``a.reshape(shape)``, ``a.transpose()`` or ``a.T``, ``a.softmax(axis)``, ``cross_entropy(logits, labels)``:
  ``OPS = {"reshape": lambda x, shape: ...}`` and so on.

The unary ops probed are those of minigrad's op registry (:func:`minigrad.ops.registry.op_table`): one
declaration there adds an op to the doctor's checks.  A tensor engine's ``data`` is an array (its dtype
sets the tolerance); a scalar engine's ``data`` is one number.  Only ``data``, ``grad``, ``backward`` and
``+``/``*`` are needed for a report; every other part that is missing makes its checks "not present".

Standard library only: this module runs in the learner's process too (see :mod:`.child`).
"""

from __future__ import annotations

from typing import Any, Protocol


class LearnerValue(Protocol):
    """The core every engine offers: a value, its gradient, a backward pass, and ``+``/``*`` between values.

    ``data``: the forward value (an array for a tensor engine, a number for a scalar one).  ``grad``:
    ``dL/d(self)`` after ``loss.backward()``, the same shape as ``data``; ``None`` or zeros before (an engine
    object holding the array, as DeZero's ``Variable``, is read through its ``data``).
    """

    data: Any
    grad: Any

    def backward(self) -> None:
        """From this value (the loss); ``backward(self, grad)`` that wants the seed, ``backward(retain_graph=True)``
        and a module-level ``backward(y)`` are driven too."""

    def __add__(self, other: Any, /) -> Any: ...

    def __mul__(self, other: Any, /) -> Any: ...


class LearnerArithmetic(LearnerValue, Protocol):
    """The rest of the arithmetic: ``-``, ``/``, ``-a``, ``a ** c`` and a number on either side."""

    def __sub__(self, other: Any, /) -> Any: ...

    def __truediv__(self, other: Any, /) -> Any: ...

    def __neg__(self) -> Any: ...

    def __pow__(self, exponent: float, /) -> Any: ...

    def __radd__(self, other: float, /) -> Any: ...

    def __rsub__(self, other: float, /) -> Any: ...

    def __rmul__(self, other: float, /) -> Any: ...

    def __rtruediv__(self, other: float, /) -> Any: ...


class LearnerTensor(LearnerArithmetic, Protocol):
    """A tensor engine's ops beyond arithmetic (each one optional: a missing op's checks are "not present").

    The unary ops are those of minigrad's registry (``exp``, ``log``, ``tanh``, ``relu``, ``sigmoid``...),
    called as ``a.exp()``; reductions take ``axis`` (or ``dim``) and ``keepdims`` (or ``keepdim``).
    """

    def __matmul__(self, other: Any, /) -> Any: ...

    def __getitem__(self, key: Any, /) -> Any: ...

    def sum(self, axis: Any = None, keepdims: bool = False) -> Any: ...

    def mean(self, axis: Any = None, keepdims: bool = False) -> Any: ...

    def reshape(self, *shape: int) -> Any: ...

    def transpose(self) -> Any: ...

    @property
    def T(self) -> Any: ...  # the transpose, as NumPy spells it

    def zero_grad(self) -> None: ...


class LeafMaker(Protocol):
    """How a leaf is made: the class itself (``Tensor(data)``, ``Tensor(data, requires_grad=True)``) or a
    function (``variable(1.3)``); an ``--adapter`` file's ``make(value, requires_grad)`` stands for it."""

    def __call__(self, value: Any, /, *args: Any, **kwargs: Any) -> Any: ...

"""``Tensor``: a NumPy array that records the ops applied to it.

The class holds data, the gradient and the graph link; the ops themselves live
in ``minigrad.ops`` by family, each forward beside its backward rule.  Methods
here only forward to those functions, so that ``a + b``, ``a.add(b)`` and the
functional spelling share one implementation.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, SupportsIndex, Union

import numpy as np
import numpy.typing as npt

from .engine import BackwardFn, Grads, Node, check_finite_forward, grad_mode, run_backward, state
from .hooks import RemovableHandle, remover
from .messages import text
from .unbroadcast import unbroadcast

Array = npt.NDArray[Any]
DTypeLike = npt.DTypeLike
Scalar = Union[int, float, bool, np.number[Any], np.bool_]
TensorLike = Union["Tensor", Scalar, Array, Sequence[Any]]
Axis = Union[int, Sequence[int], None]

_creation_counter = itertools.count()
_hook_ids = itertools.count()
_creation_stamp = operator.attrgetter("_seq")


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data, requires_grad=False, dtype=None)`` copies ``data`` into a
    NumPy array (Python floats become float64, as in NumPy).  Only floating
    point tensors may require gradients.  After ``loss.backward()`` every leaf
    tensor with ``requires_grad=True`` that the loss depends on has ``.grad``,
    an array of the tensor's own shape and dtype.

    NumPy and a Tensor: ``np.asarray(t)`` and ``np.array(t)`` give the values
    (``__array__``), refused when ``t`` requires grad, as in PyTorch: write
    ``np.array(t.detach())``.  NumPy's arithmetic and comparison operators
    with an array on the left (``array + t``, ``array < t``) dispatch to the
    Tensor ops and keep the graph.  Every other NumPy function or ufunc on a
    Tensor (``np.exp(t)``, ``np.mean(t)``) is refused with a TypeError naming
    the Tensor method to use (``t.exp()``, ``t.mean()``): it would compute
    outside the graph.
    """

    __slots__ = (
        "_data",
        "_grad",
        "_rg",
        "_ctx",
        "_vc",
        "_retains_grad",
        "_hooks",
        "_grad_hooks",
        "_seq",
        "_past",
        "_view_version",
        "name",
        "__weakref__",
    )

    _data: Array
    _grad: Array | None
    _rg: bool
    _ctx: Node | None
    _vc: list[int] | None  # the version counter: one cell shared by a tensor and its views, made on first need
    _retains_grad: bool
    _hooks: list[Callable[[Tensor], None]] | None  # set on leaves only; see register_post_accumulate_grad_hook
    _grad_hooks: dict[int, Callable[[Array], Any]] | None  # see register_hook; by id, in registration order
    _seq: int  # creation stamp: inputs are always older than outputs (engine.topological_order)
    _past: list[Tensor] | None  # the histories this tensor had before each recorded assignment into it, oldest first
    # -1, or: its array is a view of another tensor's (indexing, reshape, transpose), taken at this version
    _view_version: int
    name: str

    def __init__(self, data: TensorLike, *, requires_grad: bool = False, dtype: DTypeLike | None = None) -> None:
        if isinstance(data, Tensor):
            data = data._data
        self._init_fields(to_array("Tensor", data, dtype))
        if requires_grad:
            self.requires_grad = True

    def _init_fields(self, data: Array, version_cell: list[int] | None = None) -> None:
        """The one place that gives every slot its starting value (``__init__``, ``_wrap`` and ``result`` call it)."""
        self._data = data
        self._grad = None
        self._rg = False
        self._ctx = None
        self._vc = version_cell
        self._retains_grad = False
        self._hooks = None
        self._grad_hooks = None
        self._seq = next(_creation_counter)
        self._past = None
        self._view_version = -1
        self.name = ""

    @classmethod
    def _wrap(cls, data: Array, version_cell: list[int] | None = None) -> Tensor:
        """A constant tensor around ``data``, without copying or checking (internal fast path)."""
        t = object.__new__(cls)
        t._init_fields(data, version_cell)
        return t

    # ------------------------------------------------------------------ attributes

    @property
    def data(self) -> Array:
        """The underlying array, shared, outside the graph.

        Writes through it (``t.data[...] = 0``) are untracked, as with
        PyTorch's ``.data``: no version counter sees them, so a backward pass
        that saved ``t`` would use the new values without a word.  Change
        ``.data`` only between training steps (e.g. in an optimizer under
        ``no_grad``), never between a forward pass and its ``backward()``.
        Assigning a new array (``t.data = a``) counts as an in-place change.
        """
        return self._data

    @data.setter
    def data(self, value: TensorLike) -> None:
        array = value._data if isinstance(value, Tensor) else to_array(".data", value, None, copy=False, what="value")
        if self._rg and array.dtype.kind != "f":
            raise TypeError(text("tensor.data_dtype", dtype=array.dtype))
        self._data = array
        self._version += 1

    @property
    def grad(self) -> Array | None:
        """The accumulated gradient ``dL/dself``: None, or an array of this tensor's shape and dtype."""
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        # As in PyTorch: an assigned gradient must match the tensor, or the next accumulation would broadcast.
        if value is None:
            self._grad = None
            return
        array = value._data if isinstance(value, Tensor) else np.asarray(value)
        if array.dtype.kind != "f":
            raise TypeError(text("tensor.grad_dtype", dtype=array.dtype, tensor_dtype=self._data.dtype))
        if array.shape != self._data.shape:
            raise ValueError(text("tensor.grad_shape", shape=array.shape, tensor_shape=self._data.shape))
        array = array.astype(self._data.dtype, copy=False)
        self._grad = array if array.flags.writeable else array.copy()  # backward adds into it in place

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's array (or a view of it) has had.

        A backward rule that saved the tensor compares this with the value at
        forward time, as PyTorch's version counter does.  Writes through
        ``t.data[...]`` bypass it, as they bypass PyTorch's ``.data``.
        """
        return 0 if self._vc is None else self._vc[0]

    @_version.setter
    def _version(self, value: int) -> None:
        if self._vc is None:
            self._vc = [value]
        else:
            self._vc[0] = value

    def _shared_version_cell(self) -> list[int]:
        """The version counter's cell, created now if needed, for a view to share."""
        if self._vc is None:
            self._vc = [0]
        return self._vc

    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if flag and self._data.dtype.kind != "f":
            raise TypeError(text("tensor.requires_grad_dtype", dtype=self._data.dtype))
        if self._ctx is not None and not flag:
            raise RuntimeError(text("tensor.requires_grad_off"))
        self._rg = bool(flag)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        self.requires_grad = flag
        return self

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created; False for results of ops that recorded a graph."""
        return self._ctx is None

    @property
    def grad_fn(self) -> Node | None:
        """The node that produced this tensor (None for leaves and constants)."""
        return self._ctx

    @property
    def T(self) -> Tensor:
        return _shape.transpose(self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError(text("tensor.len_0d"))
        return len(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __hash__(self) -> int:  # tensors are hashable by identity, as in PyTorch
        return id(self)

    def __bool__(self) -> bool:
        return bool(self._one_element("bool")[()])

    def __float__(self) -> float:
        return float(self._one_element("float")[()])

    def __int__(self) -> int:
        return int(self._one_element("int")[()])

    def _one_element(self, op: str) -> Array:
        """The data reshaped to 0-d, for Python's ``bool()``, ``float()`` and ``int()``."""
        if self._data.size != 1:
            hint = text("tensor.one_element.hint_bool" if op == "bool" else "tensor.one_element.hint_number")
            raise ValueError(text("tensor.one_element", op=op, shape=self._data.shape, size=self._data.size, hint=hint))
        return self._data.reshape(())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub":
            raise TypeError(text("tensor.index_dtype", dtype=self._data.dtype))
        return int(self._data)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(")
        extra = ""
        if self._data.dtype not in (np.float64, np.int64, np.bool_):
            extra += f", dtype={self._data.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn=<{self._ctx.op}>"
        elif self._rg:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    # ------------------------------------------------------------------ autograd

    def backward(self, grad: TensorLike | None = None, retain_graph: bool = False) -> None:
        """Accumulate ``d self / d leaf`` into ``leaf.grad`` for every leaf in the graph.

        ``grad`` is the upstream gradient ``dL/dself`` (default 1 for a
        single-element tensor).  Contributions add to existing ``.grad``
        arrays.  The graph is freed afterwards unless ``retain_graph=True``.
        """
        run_backward(self, None if grad is None else upstream_gradient(self, grad), retain_graph)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it).

        Under ``no_grad`` nothing is recorded, so there is nothing to keep: a
        no-op there, so that code calling it also runs in evaluation (and
        inside ``gradcheck``'s perturbed evaluations).
        """
        if not self._rg and not grad_mode.enabled:
            return self
        if not self._rg:
            raise RuntimeError(text("tensor.retain_grad"))
        self._retains_grad = True
        return self

    def register_hook(self, hook: Callable[[Array], Any]) -> RemovableHandle:
        """Call ``hook(grad)`` each time a backward pass has computed ``dL/dself``; returns a handle.

        As in PyTorch: ``grad`` is the sum of every contribution to this
        tensor in this pass, given before anything uses it.  A hook that
        returns None leaves it as it is; one that returns an array (or a
        Tensor) of the same shape replaces it, for the next hook, for
        ``.grad`` (a leaf, or a tensor that called :meth:`retain_grad`) and
        for everything the pass propagates from here.  Hooks run in the order
        they were registered.  ``grad`` is read-only: return a new array
        rather than changing it in place (the engine may share it).
        """
        if not callable(hook):
            raise TypeError(text("tensor.hook_not_callable", op="register_hook", type=type(hook).__name__))
        if not self._rg:
            raise RuntimeError(text("tensor.hook_no_grad"))
        hooks = self._grad_hooks
        if hooks is None:
            hooks = self._grad_hooks = {}
        hook_id = next(_hook_ids)
        hooks[hook_id] = hook
        return RemovableHandle([remover(hooks, hook_id)])

    def _run_grad_hooks(self, grad: Array) -> Array:
        """``grad`` passed through this tensor's :meth:`register_hook` hooks, in order (called by the engine)."""
        for hook in tuple((self._grad_hooks or {}).values()):  # a copy: a hook may remove itself
            shown = grad.view()
            shown.flags.writeable = False
            result = hook(shown)
            if result is None:
                continue
            array = result._data if isinstance(result, Tensor) else np.asarray(result)
            if array.shape != self._data.shape or array.dtype.kind != "f":
                raise RuntimeError(
                    text("tensor.hook_returned", shape=self._data.shape, grad_shape=array.shape, dtype=array.dtype)
                )
            grad = np.array(array, dtype=self._data.dtype)  # a fresh copy: the hook may keep its own array
        return grad

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Call ``hook(tensor)`` each time a backward pass has added into this leaf's ``.grad``.

        Returns a handle whose ``remove()`` unregisters the hook.  Only leaves
        accumulate, so only leaves accept hooks (as in PyTorch).  They run
        after the :meth:`register_hook` hooks, in the order registered.
        """
        if not callable(hook):
            op = "register_post_accumulate_grad_hook"
            raise TypeError(text("tensor.hook_not_callable", op=op, type=type(hook).__name__))
        if self._ctx is not None:
            raise RuntimeError(text("tensor.post_hook_leaf"))
        hooks = self._hooks
        if hooks is None:
            hooks = self._hooks = []

        def entry(tensor: Tensor) -> None:  # one object per registration: remove() takes out this one only
            hook(tensor)

        hooks.append(entry)

        def remove() -> None:
            if entry in hooks:
                hooks.remove(entry)

        return RemovableHandle([remove])

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the accumulated gradient (``None``), or fill it with zeros in place."""
        if set_to_none or self.grad is None:
            self.grad = None
        else:
            self.grad[...] = 0

    def detach(self) -> Tensor:
        """A constant tensor sharing this tensor's array (and version counter), cut from the graph."""
        return Tensor._wrap(self._data, self._shared_version_cell())

    def item(self) -> Any:
        if self._data.size != 1:
            raise ValueError(text("tensor.item", shape=self._data.shape))
        return self._data.item()

    def numpy(self) -> Array:
        """The underlying array (shared, not copied); refused when this tensor requires grad, as in PyTorch.

        A write into the shared array would change what backward uses
        without any record of it; ``t.detach().numpy()`` says that the
        array is outside the graph.
        """
        if self._rg:
            raise RuntimeError(text("tensor.numpy_requires_grad"))
        return self._data

    def tolist(self) -> Any:
        return self._data.tolist()

    # ------------------------------------------------------------------ NumPy's protocols (see the class docstring)

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> Array:
        if self._rg:
            raise RuntimeError(text("tensor.array_requires_grad"))
        if copy is False and dtype is not None and np.dtype(dtype) != self._data.dtype:
            raise ValueError(text("tensor.asarray_copy", dtype=dtype))
        return np.array(self._data, dtype=dtype, copy=True if copy else None)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        op = _NUMPY_OPERATORS.get(ufunc)
        if op is not None and method == "__call__" and not kwargs and len(inputs) == 2:
            return op(*inputs)
        name = getattr(ufunc, "__name__", str(ufunc))
        if method != "__call__":
            name += f".{method}"
        raise TypeError(_numpy_refusal(name))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        raise TypeError(_numpy_refusal(getattr(func, "__name__", str(func))))

    # ------------------------------------------------------------------ in-place updates
    # In-place arithmetic (add_, mul_, +=...) is not differentiable: it is for
    # optimizers (under no_grad) and constants.  Assignment (t[i] = v, copy_)
    # is recorded in the graph, as in PyTorch (see __setitem__).  Each bumps
    # the version counter, so that a backward rule that saved this tensor
    # notices it changed.

    def _check_inplace(self, op: str) -> None:
        if self._rg and grad_mode.enabled:
            raise RuntimeError(text("tensor.inplace_recorded", op=op))

    def _inplace(self, op: str, ufunc: Any, other: TensorLike) -> Tensor:
        """``self = ufunc(self, other)`` written into this tensor's own array."""
        self._check_inplace(op)
        value = other._data if isinstance(other, Tensor) else to_array(op, other, None, copy=False, what="value")
        self._check_cast(op, value, other)
        if value.shape != self._data.shape:
            try:
                fits = np.broadcast_shapes(value.shape, self._data.shape) == self._data.shape
            except ValueError:
                fits = False
            if not fits:
                raise ValueError(text("tensor.inplace_shape", op=op, shape=self._data.shape, value_shape=value.shape))
        if ufunc is None:
            np.copyto(self._data, value, casting="same_kind")
        else:
            ufunc(self._data, value, out=self._data, casting="same_kind")
        self._version += 1
        return self

    def _check_cast(self, op: str, value: Array, given: Any) -> None:
        """Refuse an in-place write that NumPy would truncate (a float into an integer tensor)."""
        produced = np.result_type(self._data, value)
        if not np.can_cast(produced, self._data.dtype, casting="same_kind"):
            raise TypeError(
                text("tensor.inplace_cast", op=op, value=_brief(given), produced=produced, dtype=self._data.dtype)
            )

    def add_(self, other: TensorLike, alpha: float = 1.0) -> Tensor:
        """``self += alpha * other``, in place."""
        return self._inplace("add_", np.add, other if alpha == 1 else alpha * _array(other))

    def sub_(self, other: TensorLike, alpha: float = 1.0) -> Tensor:
        """``self -= alpha * other``, in place."""
        return self._inplace("sub_", np.subtract, other if alpha == 1 else alpha * _array(other))

    def mul_(self, other: TensorLike) -> Tensor:
        return self._inplace("mul_", np.multiply, other)

    def div_(self, other: TensorLike) -> Tensor:
        return self._inplace("div_", np.true_divide, other)

    def copy_(self, other: TensorLike) -> Tensor:
        """Copy ``other`` (broadcast) into this tensor; recorded like ``self[...] = other`` (see ``__setitem__``)."""
        self._write("copy_", ..., other)
        return self

    def fill_(self, value: Scalar) -> Tensor:
        return self._inplace("fill_", None, value)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def __iadd__(self, other: TensorLike) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: TensorLike) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: TensorLike) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: TensorLike) -> Tensor:
        return self.div_(other)

    def __setitem__(self, index: Any, value: TensorLike) -> None:
        """``self[index] = value``, recorded in the graph when either side requires grad, as in PyTorch.

        The value broadcasts to ``self[index]`` (leading axes of length 1
        dropped first, as PyTorch does).  Backward, with ``g = dL/d(self after)``:
        ``dL/d value = unbroadcast(g[index])``, and ``dL/d(self before) = g``
        with ``g[index] = 0``: the overwritten elements get no gradient.  The
        write bumps the version counter, so a backward rule that saved this
        tensor's old values still refuses to run.  An op that read this tensor
        before the write sends its gradient to the history it read, as in
        PyTorch.  Refused while recording: a leaf that requires grad (its
        values are the parameters themselves), and a view (``row = buf[0]``)
        whose base would change without a record; write into the base itself
        (``buf[0, :] = value``).  A view taken before the write
        (``row = buf[0]``) and used after it is refused at that use: its
        values changed without its graph knowing; take it again after the
        write.  (PyTorch follows such views; minigrad says so instead.)
        """
        self._write("__setitem__", index, value)

    def _write(self, op: str, index: Any, value: TensorLike) -> None:
        """``self[index] = value`` for ``__setitem__`` and ``copy_``; see ``__setitem__`` for the gradients."""
        source = value if isinstance(value, Tensor) else None
        array = value._data if isinstance(value, Tensor) else to_array(op, value, None, copy=False, what="value")
        self._check_cast(op, array, value)
        recorded = grad_mode.enabled and (self._rg or (source is not None and source._rg))
        if recorded:
            self._check_recordable_write(op)
        index = _index_arrays(index)
        try:
            target = self._data[index]
        except IndexError as err:
            raise IndexError(text("tensor.index_error", op=op, err=err, shape=self._data.shape)) from None
        target_shape = np.shape(target)
        fitted = _fit_value(op, array, target_shape, "whole" if index is ... else "part")
        self._data[index] = array.reshape(fitted)
        self._version += 1
        if recorded:
            self._record_write(op, index, source if source is not None else Tensor._wrap(array), fitted)

    def _check_recordable_write(self, op: str) -> None:
        """Refuse the writes that minigrad cannot record (see ``__setitem__``), before anything changes."""
        if self._rg and self._ctx is None:
            raise RuntimeError(text("tensor.write_leaf", op=op))
        if self._view_version >= 0:
            raise RuntimeError(text("tensor.write_view", op=op, shape=self._data.shape))

    def _record_write(self, op: str, index: Any, value: Tensor, fitted: tuple[int, ...]) -> None:
        """Give this tensor a new history: a node whose inputs are its history so far and ``value``.

        The history so far moves into a new tensor object, kept in ``_past``:
        nodes recorded before the write still name ``self`` as their input,
        and the backward pass routes their gradients to the history they
        read (the newest past one older than them, ``history_before``).
        """
        cell = self._shared_version_cell()
        if len(cell) < 2:
            cell.append(0)
        cell[1] = cell[0]  # the version of the last recorded write: views taken before it are stale (``result``)
        past = Tensor._wrap(self._data, cell)  # shares the version cell: an old node that saved it still sees
        past._ctx, past._rg, past._seq, past.name = self._ctx, self._rg, self._seq, self.name
        if self._past is None:
            self._past = []
        self._past.append(past)
        value_shape = value._data.shape

        def backward(g: Array) -> Grads:
            g_past = g_value = None
            if past._rg:
                g_past = np.array(g)
                g_past[index] = 0
            if value._rg:
                g_value = unbroadcast(np.asarray(g[index]), fitted).reshape(value_shape)
            return g_past, g_value

        self._ctx = Node(op, (past, value), backward, (), False)
        self._rg = True
        self._seq = next(_creation_counter)

    def history_before(self, stamp: int) -> Tensor:
        """This tensor as it was before the first assignment recorded after creation stamp ``stamp``."""
        past = self._past or []
        return past[bisect.bisect_left(past, stamp, key=_creation_stamp) - 1]

    # ------------------------------------------------------------------ arithmetic

    def __add__(self, other: TensorLike) -> Tensor:
        return _ew.add(self, other)

    def __radd__(self, other: TensorLike) -> Tensor:
        return _ew.add(other, self)

    def __sub__(self, other: TensorLike) -> Tensor:
        return _ew.sub(self, other)

    def __rsub__(self, other: TensorLike) -> Tensor:
        return _ew.sub(other, self)

    def __mul__(self, other: TensorLike) -> Tensor:
        return _ew.mul(self, other)

    def __rmul__(self, other: TensorLike) -> Tensor:
        return _ew.mul(other, self)

    def __truediv__(self, other: TensorLike) -> Tensor:
        return _ew.div(self, other)

    def __rtruediv__(self, other: TensorLike) -> Tensor:
        return _ew.div(other, self)

    def __pow__(self, other: TensorLike) -> Tensor:
        return _ew.pow(self, other)

    def __rpow__(self, other: TensorLike) -> Tensor:
        return _ew.pow(other, self)

    def __matmul__(self, other: TensorLike) -> Tensor:
        return _mm.matmul(self, other)

    def __rmatmul__(self, other: TensorLike) -> Tensor:
        return _mm.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ew.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ew.abs(self)

    def __lt__(self, other: TensorLike) -> Tensor:
        return compare(np.less, self, other)

    def __le__(self, other: TensorLike) -> Tensor:
        return compare(np.less_equal, self, other)

    def __gt__(self, other: TensorLike) -> Tensor:
        return compare(np.greater, self, other)

    def __ge__(self, other: TensorLike) -> Tensor:
        return compare(np.greater_equal, self, other)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return compare(np.equal, self, other)  # type: ignore[arg-type]

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return compare(np.not_equal, self, other)  # type: ignore[arg-type]

    def add(self, other: TensorLike) -> Tensor:
        return _ew.add(self, other)

    def sub(self, other: TensorLike) -> Tensor:
        return _ew.sub(self, other)

    def mul(self, other: TensorLike) -> Tensor:
        return _ew.mul(self, other)

    def div(self, other: TensorLike) -> Tensor:
        return _ew.div(self, other)

    def pow(self, exponent: TensorLike) -> Tensor:
        return _ew.pow(self, exponent)

    def matmul(self, other: TensorLike) -> Tensor:
        return _mm.matmul(self, other)

    # ------------------------------------------------------------------ elementwise

    # exp, log, sqrt, abs, relu, tanh, sigmoid, softplus...: generated from their declarations in
    # minigrad.ops.elementwise (minigrad.ops.registry.install_tensor_methods, at the end of this file).
    # These signatures exist for type checkers only; tests/test_op_registry.py keeps them equal to the registry.
    if TYPE_CHECKING:

        def exp(self) -> Tensor: ...
        def log(self) -> Tensor: ...
        def log1p(self) -> Tensor: ...
        def sqrt(self) -> Tensor: ...
        def abs(self) -> Tensor: ...
        def relu(self) -> Tensor: ...
        def tanh(self) -> Tensor: ...
        def sigmoid(self) -> Tensor: ...
        def softplus(self) -> Tensor: ...
        def silu(self) -> Tensor: ...

    def gelu(self, approximate: str = "none") -> Tensor:
        return _ew.gelu(self, approximate)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        return _ew.clip(self, min, max)

    clamp = clip

    def astype(self, dtype: DTypeLike) -> Tensor:
        return _ew.astype(self, dtype)

    def float(self) -> Tensor:
        """A float32 copy (PyTorch's ``.float()``)."""
        return _ew.astype(self, np.float32)

    def double(self) -> Tensor:
        return _ew.astype(self, np.float64)

    # ------------------------------------------------------------------ reductions

    def sum(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        return _red.sum(self, axis, _keep(keepdims, keepdim), dim=dim)

    def mean(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        return _red.mean(self, axis, _keep(keepdims, keepdim), dim=dim)

    def var(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        correction: int = 1,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        return _red.var(self, axis, _keep(keepdims, keepdim), correction=correction, dim=dim)

    def max(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        return _red.max(self, axis, _keep(keepdims, keepdim), dim=dim)

    def min(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        return _red.min(self, axis, _keep(keepdims, keepdim), dim=dim)

    def logsumexp(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        return _red.logsumexp(self, axis, _keep(keepdims, keepdim), dim=dim)

    def argmax(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None) -> Tensor:
        """Indices of the maxima (an integer tensor, not differentiable)."""
        return self._arg("argmax", np.argmax, axis, keepdims, dim)

    def argmin(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None) -> Tensor:
        """Indices of the minima (an integer tensor, not differentiable)."""
        return self._arg("argmin", np.argmin, axis, keepdims, dim)

    def _arg(self, op: str, fn: Any, axis: int | None, keepdims: bool, dim: int | None) -> Tensor:
        axis = _axes.pick(op, axis, dim)
        if axis is not None:
            axis = _axes.resolve_axis(op, axis, self._data.ndim)
        if self._data.size == 0:
            raise ValueError(text("tensor.arg_empty", op=op, shape=self._data.shape))
        return Tensor._wrap(np.asarray(fn(self._data, axis=axis if self._data.ndim else None, keepdims=keepdims)))

    # ------------------------------------------------------------------ shape and indexing

    def reshape(self, *shape: SupportsIndex | Sequence[SupportsIndex]) -> Tensor:
        return _shape.reshape(self, *shape)

    view = reshape

    def transpose(self, *axes: SupportsIndex | Sequence[SupportsIndex]) -> Tensor:
        return _shape.transpose(self, *axes)

    def permute(self, *dims: SupportsIndex | Sequence[SupportsIndex]) -> Tensor:
        return _shape.permute(self, *dims)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        return _shape.broadcast_to(self, shape)

    expand = broadcast_to

    def unsqueeze(self, dim: int) -> Tensor:
        return _shape.unsqueeze(self, dim)

    def squeeze(self, dim: Axis = None) -> Tensor:
        return _shape.squeeze(self, dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _shape.flatten(self, start_dim, end_dim)

    def __getitem__(self, index: Any) -> Tensor:
        return _shape.getitem(self, index)

    # ------------------------------------------------------------------ nn

    def softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        return _nn.softmax(self, axis, dim=dim)

    def log_softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        return _nn.log_softmax(self, axis, dim=dim)


# ---------------------------------------------------------------------- op plumbing


def _keep(keepdims: bool, keepdim: bool | None) -> bool:
    """``keepdims`` (NumPy's spelling) or ``keepdim`` (PyTorch's), whichever was given."""
    return keepdims if keepdim is None else keepdim


def _array(x: TensorLike) -> Any:
    """The array (or Python number) behind ``x``, for in-place updates and indices."""
    return x._data if isinstance(x, Tensor) else x


def _index_arrays(index: Any) -> Any:
    """An index with Tensors replaced by their arrays and lists by arrays (NumPy's meaning of a list index)."""
    index = _index(index)
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, tuple):
        return tuple(np.asarray(p) if isinstance(p, list) else p for p in index)
    return index


def _fit_value(op: str, value: Array, target: tuple[int, ...], where: str) -> tuple[int, ...]:
    """``value``'s shape without the leading 1s that ``target`` lacks, checked to broadcast to ``target``.

    ``where`` is ``"whole"`` (``t[...] = value``, ``copy_``) or ``"part"`` (an indexed part).
    """
    shape = value.shape
    while len(shape) > len(target) and shape[0] == 1:
        shape = shape[1:]
    try:
        fits = np.broadcast_shapes(shape, target) == target
    except ValueError:
        fits = False
    if not fits:
        into = text(f"tensor.fit_value.{where}")
        raise ValueError(text("tensor.fit_value", op=op, value_shape=value.shape, where=into, target=target))
    return shape


def _index(index: Any) -> Any:
    """An index with any Tensors in it replaced by their arrays."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index


# Data kinds a tensor may hold: bool, signed and unsigned integers, floating point.
# Complex is refused: its gradients need conventions (Wirtinger) that minigrad does not implement.
_NUMERIC_KINDS = frozenset("biuf")


def _brief(value: Any) -> str:
    """A value for an error message, cut to one short line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _what(what: str) -> str:
    """The argument ``to_array`` read, as its messages name it: ``"data"``, ``"value"`` or ``"grad"``."""
    return text(f"tensor.what.{what}")


def to_array(op: str, data: Any, dtype: DTypeLike | None, *, copy: bool = True, what: str = "data") -> Array:
    """``data`` as a NumPy array of a real numeric dtype, or an error that names ``op``, ``what`` and the problem.

    ``what`` is ``"data"``, ``"value"`` or ``"grad"`` (a key of ``messages/tensor.toml``'s ``what``).
    """
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        raise TypeError(text("tensor.list_of_tensors", op=op, what=_what(what)))
    try:
        array = np.array(data, dtype=dtype, copy=copy if copy else None)
    except ValueError as err:
        if "inhomogeneous" not in str(err):
            raise ValueError(text("tensor.not_an_array", op=op, what=_what(what), data=_brief(data), err=err)) from None
        raise ValueError(text("tensor.ragged", op=op, what=_what(what), data=_brief(data))) from None
    except TypeError as err:
        raise TypeError(text("tensor.not_an_array", op=op, what=_what(what), data=_brief(data), err=err)) from None
    if dtype is None and isinstance(data, (int, list, tuple)) and array.dtype.kind in "uOf":
        array = _python_ints_checked(op, data, array, what)
    kind = array.dtype.kind
    if kind not in _NUMERIC_KINDS:
        if kind == "c":
            raise TypeError(text("tensor.complex", op=op, what=_what(what), dtype=array.dtype))
        if kind in "US":
            fix = text("tensor.not_numeric.fix_text")
        elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
            fix = text("tensor.not_numeric.fix_tensors")
        else:
            fix = text("tensor.not_numeric.fix_other")
        found = type(data).__name__
        raise TypeError(
            text(
                "tensor.not_numeric", op=op, what=_what(what), type=found, data=_brief(data), dtype=array.dtype, fix=fix
            )
        )
    return array


_INT64 = np.iinfo(np.int64)


def _scan_python_numbers(data: Any) -> tuple[int | None, bool]:
    """The first Python int in nested lists/tuples ``data`` that int64 cannot hold, and whether a float occurs."""
    big, has_float = None, False
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, float):
            has_float = True
        elif big is None and isinstance(item, int) and not _INT64.min <= item <= _INT64.max:
            big = item
    return big, has_float


def _python_ints_checked(op: str, data: Any, array: Array, what: str) -> Array:
    """Python ints outside int64 refused, as PyTorch does, where NumPy would make uint64, float64 or objects.

    With a float among them the data is floating point (PyTorch's inference),
    so a big int is just a large float.  A float64 array can only hide such an
    int if some value reached 2**63, so the walk over the lists runs only then.
    """
    if array.dtype.kind == "f" and not (np.abs(array) >= 2.0**63).any():  # NaN compares False: no warning
        return array
    big, has_float = _scan_python_numbers(data)
    if big is None:
        return array
    if has_float:
        return np.array(data, dtype=np.float64)
    if big.bit_length() < 200:
        shown = _brief(big)
    else:
        shown = ("-" if big < 0 else "") + text("tensor.int64_range.bits", bits=big.bit_length())
    raise ValueError(text("tensor.int64_range", op=op, shown=shown, what=_what(what)))


def upstream_gradient(out: Tensor, grad: Any) -> Array:
    """The ``grad`` given to ``out.backward(grad)``, checked: real numbers, finite, exactly ``out``'s shape."""
    array = grad._data if isinstance(grad, Tensor) else to_array("backward", grad, None, copy=False, what="grad")
    if array.dtype.kind not in "iuf":
        raise TypeError(text("tensor.upstream_dtype", dtype=array.dtype, out_dtype=out._data.dtype))
    if array.shape != out._data.shape:
        raise ValueError(text("tensor.upstream_shape", shape=array.shape, out_shape=out._data.shape))
    if not np.isfinite(array).all():
        raise ValueError(text("tensor.upstream_finite", values=_brief(array)))
    return array


def _fits(value: int, dtype: np.dtype[Any]) -> bool:
    info = np.iinfo(dtype)
    return bool(info.min <= value <= info.max)


def as_tensor(x: TensorLike, like: Tensor | None = None, op: str = "Tensor") -> Tensor:
    """``x`` as a Tensor; a Python number takes ``like``'s dtype (a float, or an int into an integer), as in PyTorch.

    ``float32_tensor * 2.0`` stays float32; a NumPy array keeps its own dtype
    and promotes as NumPy does.  Non-numeric data is refused, naming ``op``.
    """
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float)):
        kind = like._data.dtype.kind
        if kind == "f" or (kind in "iu" and type(x) is int and _fits(x, like._data.dtype)):
            return Tensor._wrap(np.asarray(x, dtype=like._data.dtype))
    return Tensor._wrap(to_array(op, x, None, copy=False))


# PyTorch's type categories: a result has the highest category among its operands.
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _promote_pair(a: np.dtype[Any], b: np.dtype[Any]) -> np.dtype[Any]:
    """PyTorch's ``promote_types``: within a category the wider dtype; across categories the higher category's.

    (NumPy differs across categories: int32 with float16 is float64 there, float16 in PyTorch.)
    """
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca == cb:
        return np.promote_types(a, b)
    return a if ca > cb else b


def _promote_all(dtypes: list[np.dtype[Any]]) -> np.dtype[Any] | None:
    out = None
    for d in dtypes:
        out = d if out is None else _promote_pair(out, d)
    return out


def result_dtype(*tensors: Tensor) -> np.dtype[Any]:
    """The dtype of an elementwise op on ``tensors``, by PyTorch's rule (``torch.result_type``).

    Tensors with dimensions decide among themselves.  A 0-d tensor (and a
    Python number, which arrives here as one) counts only when its category
    (bool < integer < floating point) is higher than theirs: a float32 vector
    times ``Tensor(2.0)`` (float64) stays float32, while an int32 vector times
    ``Tensor(2.0)`` is float64.
    """
    dimensioned = _promote_all([t._data.dtype for t in tensors if t._data.ndim])
    scalar = _promote_all([t._data.dtype for t in tensors if not t._data.ndim])
    if dimensioned is None:
        assert scalar is not None
        return scalar
    if scalar is None or dimensioned.kind == "f":
        return dimensioned
    if dimensioned.kind == "b" or scalar.kind == "f":
        return _promote_pair(dimensioned, scalar)
    return dimensioned


def floating(op: str, x: TensorLike, promote: bool) -> Tensor:
    """``x`` as a tensor for an op defined on real numbers only; integer or bool input follows PyTorch.

    ``promote=True`` (exp, log, tanh...: PyTorch promotes) gives a float64
    copy; ``promote=False`` (mean, var, softmax...: PyTorch refuses) raises.
    Never truncate the result back to integers.  Integer tensors cannot
    require grad, so the promoted copy needs no graph link.
    """
    a = x if isinstance(x, Tensor) else as_tensor(x, op=op)
    if a._data.dtype.kind == "f":
        return a
    if promote:
        return Tensor._wrap(a._data.astype(np.float64))
    raise TypeError(text("tensor.floating", op=op, dtype=a._data.dtype))


def widened(x: Array) -> Array:
    """``x`` as float32 when it is float16, else ``x`` itself.

    Sums, means, variances, softmaxes and matrix products of float16 data
    accumulate in float32 and round once at the end, as PyTorch does on the
    CPU: a float16 sum of 65,505 ones is already inf.
    """
    return x.astype(np.float32) if x.dtype == np.float16 else x


def result(
    data: Array,
    op: str,
    inputs: tuple[Tensor, ...],
    backward: BackwardFn,
    saved: tuple[Tensor, ...] = (),
    saves_output: bool = False,
    view_of: Tensor | None = None,
) -> Tensor:
    """Wrap an op's output; record a graph node when an input needs gradients.

    ``backward(g)`` must return one gradient (or None) per input, each of that
    input's shape: the engine checks this as it accumulates.  ``view_of``:
    the output's array is a view of that tensor's array, so they share one
    version counter (an in-place change of either is a change of both).
    """
    if type(data) is not np.ndarray:  # a ufunc on 0-d input returns a NumPy scalar
        data = np.asarray(data)
    out = object.__new__(Tensor)
    if view_of is None:
        out._init_fields(data)
    else:
        cell = view_of._shared_version_cell()
        out._init_fields(data, cell)
        out._view_version = cell[0]
    if grad_mode.enabled:
        for t in inputs:
            if t._view_version >= 0:
                shared = t._vc
                if shared is not None and len(shared) > 1 and shared[1] > t._view_version:
                    raise _stale_view_error(op, t)
        for t in inputs:
            if t._rg:
                out._rg = True
                out._ctx = Node(op, inputs, backward, saved, saves_output)
                break
    if state.anomaly:
        check_finite_forward(op, data)
    return out


def _numpy_operators() -> dict[Any, Callable[[Any, Any], Tensor]]:
    """The NumPy ufuncs behind Python's operators, for ``array <op> tensor``: each to its Tensor op."""
    ops: dict[Any, Callable[[Any, Any], Tensor]] = {
        np.add: _ew.add,
        np.subtract: _ew.sub,
        np.multiply: _ew.mul,
        np.true_divide: _ew.div,
        np.power: _ew.pow,
        np.matmul: _mm.matmul,
    }
    for ufunc in (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal):
        ops[ufunc] = functools.partial(compare, ufunc)
    return ops


_MINIGRAD_SPELLING = {
    "absolute": "t.abs()",
    "negative": "-t",
    "maximum": "minigrad.maximum(a, b)",
    "minimum": "minigrad.minimum(a, b)",
    "add.reduce": "t.sum()",
    "concatenate": "minigrad.cat(tensors)",
    "stack": "minigrad.stack(tensors)",
    "where": "minigrad.where(condition, a, b)",
}


def _numpy_refusal(name: str) -> str:
    """The message for a NumPy function or ufunc called on a Tensor: the minigrad spelling, and the way out."""
    spelling = _MINIGRAD_SPELLING.get(name)
    if spelling is None:
        spelling = f"t.{name}()" if hasattr(Tensor, name) else text("tensor.numpy_refusal.own_methods")
    return text("tensor.numpy_refusal", name=name, spelling=spelling)


def _stale_view_error(op: str, view: Tensor) -> RuntimeError:
    return RuntimeError(text("tensor.stale_view", op=op, shape=view._data.shape))


def compare(ufunc: Any, a: TensorLike, b: TensorLike) -> Tensor:
    """An elementwise comparison: a boolean tensor outside the graph."""
    a_data = a._data if isinstance(a, Tensor) else np.asarray(a)
    b_data = b._data if isinstance(b, Tensor) else np.asarray(b)
    return Tensor._wrap(np.asarray(ufunc(a_data, b_data)))


# The ops modules import Tensor from here, so they are bound at the end, as
# modules: each method looks its op up when called, whatever the import order.
from .ops import axes as _axes  # noqa: E402
from .ops import elementwise as _ew  # noqa: E402
from .ops import matmul as _mm  # noqa: E402
from .ops import nn as _nn  # noqa: E402
from .ops import reductions as _red  # noqa: E402
from .ops import shape as _shape  # noqa: E402
from .ops.registry import install_tensor_methods as _install_tensor_methods  # noqa: E402

_install_tensor_methods(Tensor, _ew)

_NUMPY_OPERATORS = _numpy_operators()

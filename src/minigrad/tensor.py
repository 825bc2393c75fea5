"""``Tensor``: a NumPy array that records the ops applied to it.

The class holds data, the gradient and the graph link; the ops themselves live
in ``minigrad.ops`` by family, each forward beside its backward rule.  Methods
here only forward to those functions, so that ``a + b``, ``a.add(b)`` and the
functional spelling share one implementation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, SupportsIndex, Union

import numpy as np
import numpy.typing as npt

from .engine import BackwardFn, Node, check_finite_forward, run_backward, state

Array = npt.NDArray[Any]
DTypeLike = npt.DTypeLike
Scalar = Union[int, float, bool, np.number[Any], np.bool_]
TensorLike = Union["Tensor", Scalar, Array, Sequence[Any]]
Axis = Union[int, Sequence[int], None]

_creation_counter = itertools.count()


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data, requires_grad=False, dtype=None)`` copies ``data`` into a
    NumPy array (Python floats become float64, as in NumPy).  Only floating
    point tensors may require gradients.  After ``loss.backward()`` every leaf
    tensor with ``requires_grad=True`` that the loss depends on has ``.grad``,
    an array of the tensor's own shape and dtype.
    """

    __slots__ = ("_data", "grad", "_rg", "_ctx", "_vc", "_retains_grad", "_hooks", "_seq", "name", "__weakref__")
    # NumPy must not treat a Tensor as an array-like of objects: with this,
    # ``ndarray + Tensor`` defers to ``Tensor.__radd__``.
    __array_ufunc__ = None

    _data: Array
    grad: Array | None
    _rg: bool
    _ctx: Node | None
    _vc: list[int] | None  # the version counter: one cell shared by a tensor and its views, made on first need
    _retains_grad: bool
    _hooks: list[Callable[[Tensor], None]] | None  # set on leaves only; see register_post_accumulate_grad_hook
    _seq: int  # creation stamp: inputs are always older than outputs (engine.topological_order)
    name: str

    def __init__(self, data: TensorLike, *, requires_grad: bool = False, dtype: DTypeLike | None = None) -> None:
        if isinstance(data, Tensor):
            data = data._data
        array = np.array(data, dtype=dtype)
        if array.dtype == object:
            raise TypeError(f"Tensor: cannot make a numeric array from {type(data).__name__} data {data!r:.80}")
        self._data = array
        self.grad = None
        self._ctx = None
        self._vc = None
        self._retains_grad = False
        self._hooks = None
        self._seq = next(_creation_counter)
        self.name = ""
        self._rg = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, data: Array) -> Tensor:
        """A constant tensor around ``data``, without copying (internal fast path)."""
        t = object.__new__(cls)
        t._data = data
        t.grad = None
        t._rg = False
        t._ctx = None
        t._vc = None
        t._retains_grad = False
        t._hooks = None
        t._seq = next(_creation_counter)
        t.name = ""
        return t

    # ------------------------------------------------------------------ attributes

    @property
    def data(self) -> Array:
        """The underlying array.  Assigning to it counts as an in-place change."""
        return self._data

    @data.setter
    def data(self, value: TensorLike) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._version += 1

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
        if flag and self._data.dtype.kind not in "fc":
            raise TypeError(
                f"Tensor: only floating point tensors can require gradients, got dtype {self._data.dtype}; "
                "pass dtype=np.float64 (or float32)"
            )
        if self._ctx is not None and not flag:
            raise RuntimeError("requires_grad can only be switched off on leaf tensors; use .detach()")
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
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __hash__(self) -> int:  # tensors are hashable by identity, as in PyTorch
        return id(self)

    def __bool__(self) -> bool:
        return bool(self._data)

    def __float__(self) -> float:
        return float(self._data)

    def __int__(self) -> int:
        return int(self._data)

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, got dtype {self._data.dtype}")
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
        g = None if grad is None else (grad._data if isinstance(grad, Tensor) else np.asarray(grad))
        run_backward(self, g, retain_graph)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self._rg:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        self._retains_grad = True
        return self

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> Callable[[], None]:
        """Call ``hook(tensor)`` each time a backward pass has added into this leaf's ``.grad``.

        Returns a function that removes the hook.  Only leaves accumulate, so
        only leaves accept hooks (as in PyTorch).
        """
        if self._ctx is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: only leaf tensors accumulate gradients")
        hooks = getattr(self, "_hooks", None)
        if hooks is None:
            hooks = self._hooks = []
        hooks.append(hook)
        return lambda: hooks.remove(hook) if hook in hooks else None

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the accumulated gradient (``None``), or fill it with zeros in place."""
        if set_to_none or self.grad is None:
            self.grad = None
        else:
            self.grad[...] = 0

    def detach(self) -> Tensor:
        """A constant tensor sharing this tensor's array (and version counter), cut from the graph."""
        t = Tensor._wrap(self._data)
        t._vc = self._shared_version_cell()
        return t

    def item(self) -> Any:
        if self._data.size != 1:
            raise ValueError(f"item: only single-element tensors can be converted, shape is {self._data.shape}")
        return self._data.item()

    def numpy(self) -> Array:
        """The underlying array (shared, not copied)."""
        return self._data

    def tolist(self) -> Any:
        return self._data.tolist()

    # ------------------------------------------------------------------ in-place updates
    # In-place changes are not differentiable: they are for optimizers (under
    # no_grad) and constants.  Each bumps the version counter, so that a
    # backward rule that saved this tensor notices it changed.

    def _check_inplace(self, op: str) -> None:
        if self._rg and state.grad_enabled:
            raise RuntimeError(
                f"{op}: in-place change of a tensor that requires grad while gradients are recorded; "
                "wrap the update in `with minigrad.no_grad():` or use the out-of-place op"
            )

    def _inplace(self, op: str, ufunc: Any, other: TensorLike) -> Tensor:
        """``self = ufunc(self, other)`` written into this tensor's own array."""
        self._check_inplace(op)
        value = other._data if isinstance(other, Tensor) else np.asarray(other)
        if value.shape != self._data.shape:
            try:
                fits = np.broadcast_shapes(value.shape, self._data.shape) == self._data.shape
            except ValueError:
                fits = False
            if not fits:
                raise ValueError(f"{op}: cannot update a tensor of shape {self._data.shape} with shape {value.shape}")
        if ufunc is None:
            np.copyto(self._data, value, casting="same_kind")
        else:
            ufunc(self._data, value, out=self._data, casting="same_kind")
        self._version += 1
        return self

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
        return self._inplace("copy_", None, other)

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
        self._check_inplace("__setitem__")
        self._data[_index(index)] = _array(value)
        self._version += 1

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

    def exp(self) -> Tensor:
        return _ew.exp(self)

    def log(self) -> Tensor:
        return _ew.log(self)

    def sqrt(self) -> Tensor:
        return _ew.sqrt(self)

    def abs(self) -> Tensor:
        return _ew.abs(self)

    def relu(self) -> Tensor:
        return _ew.relu(self)

    def tanh(self) -> Tensor:
        return _ew.tanh(self)

    def sigmoid(self) -> Tensor:
        return _ew.sigmoid(self)

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
        return Tensor._wrap(np.asarray(np.argmax(self._data, axis=dim if dim is not None else axis, keepdims=keepdims)))

    def argmin(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None) -> Tensor:
        return Tensor._wrap(np.asarray(np.argmin(self._data, axis=dim if dim is not None else axis, keepdims=keepdims)))

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

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return _nn.softmax(self, axis, dim=dim)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return _nn.log_softmax(self, axis, dim=dim)


# ---------------------------------------------------------------------- op plumbing


def _keep(keepdims: bool, keepdim: bool | None) -> bool:
    """``keepdims`` (NumPy's spelling) or ``keepdim`` (PyTorch's), whichever was given."""
    return keepdims if keepdim is None else keepdim


def _array(x: TensorLike) -> Any:
    """The array (or Python number) behind ``x``, for in-place updates and indices."""
    return x._data if isinstance(x, Tensor) else x


def _index(index: Any) -> Any:
    """An index with any Tensors in it replaced by their arrays."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index


def as_tensor(x: TensorLike, like: Tensor | None = None) -> Tensor:
    """``x`` as a Tensor; a Python number takes ``like``'s float dtype, as in PyTorch.

    ``float32_tensor * 2.0`` stays float32; a NumPy array keeps its own dtype
    and promotes as NumPy does.
    """
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float)) and like._data.dtype.kind == "f":
        return Tensor._wrap(np.asarray(x, dtype=like._data.dtype))
    return Tensor._wrap(np.asarray(x))


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
    out._data = data
    out.grad = None
    out._vc = None if view_of is None else view_of._shared_version_cell()
    out._retains_grad = False
    out._seq = next(_creation_counter)
    out.name = ""
    out._rg = False
    out._ctx = None
    if state.grad_enabled:
        for t in inputs:
            if t._rg:
                out._rg = True
                out._ctx = Node(op, inputs, backward, saved, saves_output)
                break
    if state.anomaly:
        check_finite_forward(op, data)
    return out


def compare(ufunc: Any, a: TensorLike, b: TensorLike) -> Tensor:
    """An elementwise comparison: a boolean tensor outside the graph."""
    a_data = a._data if isinstance(a, Tensor) else np.asarray(a)
    b_data = b._data if isinstance(b, Tensor) else np.asarray(b)
    return Tensor._wrap(np.asarray(ufunc(a_data, b_data)))


# The ops modules import Tensor from here, so they are bound at the end, as
# modules: each method looks its op up when called, whatever the import order.
from .ops import elementwise as _ew  # noqa: E402
from .ops import matmul as _mm  # noqa: E402
from .ops import nn as _nn  # noqa: E402
from .ops import reductions as _red  # noqa: E402
from .ops import shape as _shape  # noqa: E402

"""How the doctor talks to a foreign engine: probe its API once, then drive it through one adapter.

This module imports only NumPy and the standard library: it runs inside the
learner's child process, where their own package may be called ``minigrad``.
The adapter records every call as a line of Python in the learner's own
spelling, so that a failing check prints a self-contained, pasteable example.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

Array = np.ndarray[Any, np.dtype[Any]]

UNARY = ("exp", "log", "tanh", "relu", "sigmoid")
BINARY = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "@": "__matmul__"}
REVERSED = {"+": "__radd__", "-": "__rsub__", "*": "__rmul__", "/": "__rtruediv__"}
METHODS = (*UNARY, "sum", "mean", "reshape", "transpose", "softmax")
FUNCTIONS = (*UNARY, "sum", "mean", "reshape", "transpose", "matmul", "softmax", "cross_entropy")
DATA_NAMES = ("data", "value", "val", "_data")
ZERO_GRAD_NAMES = ("zero_grad", "zerograd", "cleargrad", "clear_grad")


_APPLY: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "@": lambda a, b: a @ b,
}


class NotPresentError(Exception):
    """The engine has no such operation: the check is "not present", never a failure."""


def _params(func: Any) -> list[str]:
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return []


def _fmt(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"np.array({np.array2string(value, separator=', ', precision=17, threshold=10**6)})".replace("\n", "")
    return repr(value)


class Engine:
    """A probed foreign engine.  ``api`` says what was found; every op goes through here."""

    def __init__(
        self,
        cls: type,
        module: types.ModuleType,
        class_name: str,
        scalar: bool | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        self.cls = cls
        self.module = module
        self.class_name = class_name
        self.over = overrides or {}
        self.lines: list[str] = []
        self.names: dict[int, str] = {}
        self._keep: list[Any] = []  # keeps named objects alive, so that ids stay unique
        self.recording = True
        self.api: dict[str, Any] = {}
        self._probe(scalar)

    # ------------------------------------------------------------------ probing
    def _probe(self, scalar: bool | None) -> None:
        cls, api = self.cls, self.api
        init = _params(cls)
        api["requires_grad_kw"] = "requires_grad" in init
        if scalar is None:
            try:
                scalar = np.ndim(self._raw(cls(np.array([1.0, 2.0])))) != 1
            except Exception:
                scalar = True
            # A Value class may keep whatever it is given, arrays included: without any sum it is scalar.
            if (
                not scalar
                and not callable(getattr(cls, "sum", None))
                and not callable(getattr(self.module, "sum", None))
            ):
                scalar = True
        api["scalar"] = scalar
        sample = self._construct(2.0 if scalar else np.array([1.0, 2.0]), True)
        api["data_attr"] = next((n for n in DATA_NAMES if self._is_data(getattr(sample, n, None))), "data")
        api["grad_attr"] = "grad"
        api["grad_initial"] = "none" if getattr(sample, "grad", None) is None else "zeros"
        api["dunders"] = sorted(
            d for d in (*BINARY.values(), *REVERSED.values(), "__pow__", "__neg__") if callable(getattr(cls, d, None))
        )
        api["methods"] = sorted(m for m in METHODS if callable(getattr(cls, m, None)))
        api["T"] = isinstance(inspect.getattr_static(cls, "T", None), property)
        api["functions"] = sorted(
            f
            for f in FUNCTIONS
            if callable(getattr(self.module, f, None)) and not isinstance(getattr(self.module, f), type)
        )
        api["zero_grad"] = next((n for n in ZERO_GRAD_NAMES if callable(getattr(cls, n, None))), None)
        backward = getattr(cls, "backward", None)
        api["backward"] = backward is not None
        api["retain_graph"] = backward is not None and "retain_graph" in _params(backward)
        sum_fn = getattr(cls, "sum", None) or getattr(self.module, "sum", None)
        params = _params(sum_fn) if sum_fn is not None else []
        api["axis_kw"] = next((k for k in ("axis", "dim") if k in params), None)
        api["keepdims_kw"] = next((k for k in ("keepdims", "keepdim") if k in params), None)
        api["overrides"] = sorted(self.over)

    def _is_data(self, value: Any) -> bool:
        return isinstance(value, (np.ndarray, float, int, np.floating)) and np.allclose(
            np.asarray(value, dtype=float).ravel()[:1], [2.0 if self.api.get("scalar") else 1.0]
        )

    def _construct(self, value: Any, requires_grad: bool) -> Any:
        if "make" in self.over:
            return self.over["make"](value, requires_grad)
        if self.api.get("requires_grad_kw"):
            return self.cls(value, requires_grad=requires_grad)
        return self.cls(value)

    def _raw(self, obj: Any) -> Any:
        for name in DATA_NAMES:
            value = getattr(obj, name, None)
            if value is not None and not callable(value):
                return value
        return obj

    # ------------------------------------------------------------------ recording
    def name(self, obj: Any) -> str:
        if isinstance(obj, (int, float)):
            return repr(obj)
        return self.names.get(id(obj), "?")

    def _bind(self, obj: Any, expr: str, label: str | None = None) -> Any:
        if not self.recording:
            return obj
        name = label or f"t{len(self.names)}"
        self.names[id(obj)] = name
        self._keep.append(obj)
        self.emit(f"{name} = {expr}")
        return obj

    def emit(self, line: str) -> None:
        if self.recording:
            self.lines.append(line)

    @contextmanager
    def quiet(self, code: str) -> Iterator[None]:
        """Run a block without recording it line by line; ``code`` stands for it in the example."""
        self.emit(code)
        was, self.recording = self.recording, False
        try:
            yield
        finally:
            self.recording = was

    def example_header(self) -> list[str]:
        funcs = [f for f in self.api["functions"]]
        names = ", ".join([self.class_name, *funcs])
        return ["import numpy as np", f"from {self.module.__name__} import {names}"]

    # ------------------------------------------------------------------ values in and out
    def leaf(self, value: Any, requires_grad: bool = True, label: str | None = None, exact: bool = False) -> Any:
        if self.api["scalar"]:
            value = float(value) if exact else round(float(value), 2)
        elif np.issubdtype(np.asarray(value).dtype, np.floating) and self.recording and not exact:
            value = np.round(value, 2)  # short numbers make short, pasteable examples
        obj = self._construct(value, requires_grad)
        rg = ", requires_grad=True" if requires_grad and self.api["requires_grad_kw"] else ""
        return self._bind(obj, f"{self.class_name}({_fmt(value)}{rg})", label)

    def const(self, value: Any) -> Any:
        return self.leaf(value, requires_grad=False)

    def data(self, obj: Any) -> Any:
        if "data" in self.over:
            return np.array(self.over["data"](obj), dtype=float)
        return np.array(self._raw(obj), dtype=float)

    def grad(self, obj: Any) -> Any:
        """The gradient as a float array (dtype kept, to see truncation), or None."""
        g = self.over["grad"](obj) if "grad" in self.over else getattr(obj, "grad", None)
        if g is None:
            return None
        if isinstance(g, self.cls):
            g = self._raw(g)
        return np.array(g)

    # ------------------------------------------------------------------ ops
    def binop(self, op: str, a: Any, b: Any) -> Any:
        if op in self.over:
            return self._bind(self.over[op](a, b), f"{self.name(a)} {op} {self.name(b)}")
        left = isinstance(a, self.cls)
        dunder = BINARY[op] if left else REVERSED.get(op, "")
        if not callable(getattr(self.cls, dunder, None)):
            if op == "@" and "matmul" in self.api["functions"]:
                return self._bind(self.module.matmul(a, b), f"matmul({self.name(a)}, {self.name(b)})")
            raise NotPresentError(dunder or op)
        try:
            result = _APPLY[op](a, b)
        except (TypeError, AttributeError):
            if not isinstance(b, (int, float)) or not left:
                raise
            # An engine whose operators take only its own objects: wrap the number, as its users must.
            wrapped = self.leaf(np.full(np.shape(self.data(a)), float(b)), requires_grad=False, exact=True)
            result = _APPLY[op](a, wrapped)
        if result is NotImplemented:
            raise NotPresentError(dunder)
        return self._bind(result, f"{self.name(a)} {op} {self.name(b)}")

    def index(self, a: Any, key: Any) -> Any:
        if not callable(getattr(self.cls, "__getitem__", None)):
            raise NotPresentError("__getitem__")
        return self._bind(a[key], f"{self.name(a)}[{key!r}]")

    def pow(self, a: Any, c: float) -> Any:
        if not callable(getattr(self.cls, "__pow__", None)):
            raise NotPresentError("__pow__")
        return self._bind(a**c, f"{self.name(a)} ** {c!r}")

    def neg(self, a: Any) -> Any:
        if not callable(getattr(self.cls, "__neg__", None)):
            raise NotPresentError("__neg__")
        return self._bind(-a, f"-{self.name(a)}")

    def call(self, op: str, a: Any, *args: Any, **kwargs: Any) -> Any:
        """A method or module-level function: ``a.op(*args, **kwargs)`` or ``op(a, *args, **kwargs)``."""
        kw = "".join(f", {k}={v!r}" for k, v in kwargs.items())
        pos = "".join(f", {self.name(v) if isinstance(v, self.cls) else _fmt(v)}" for v in args)
        if op in self.over:
            return self._bind(self.over[op](a, *args, **kwargs), f"{op}({self.name(a)}{pos}{kw})")
        if callable(getattr(self.cls, op, None)):
            text = f"{self.name(a)}.{op}({(pos + kw)[2:]})"
            return self._bind(getattr(a, op)(*args, **kwargs), text)
        if op in self.api["functions"]:
            return self._bind(getattr(self.module, op)(a, *args, **kwargs), f"{op}({self.name(a)}{pos}{kw})")
        raise NotPresentError(op)

    def reduce(self, op: str, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        kwargs: dict[str, Any] = {}
        if axis is not None:
            if self.api["axis_kw"] is None:
                raise NotPresentError(f"{op}(axis)")
            kwargs[self.api["axis_kw"]] = axis
        if keepdims:
            if self.api["keepdims_kw"] is None:
                raise NotPresentError(f"{op}(keepdims)")
            kwargs[self.api["keepdims_kw"]] = True
        return self.call(op, a, **kwargs)

    def reshape(self, a: Any, shape: tuple[int, ...]) -> Any:
        try:
            return self.call("reshape", a, shape)
        except TypeError:
            if "reshape" not in self.api["methods"]:
                raise
            return self._bind(a.reshape(*shape), f"{self.name(a)}.reshape(*{shape!r})")

    def transpose(self, a: Any) -> Any:
        if "transpose" in self.api["methods"] or "transpose" in self.api["functions"] or "transpose" in self.over:
            return self.call("transpose", a)
        if self.api["T"]:
            return self._bind(a.T, f"{self.name(a)}.T")
        raise NotPresentError("transpose")

    def backward(self, root: Any) -> None:
        if "backward" in self.over:
            self.over["backward"](root)
        elif self.api["retain_graph"]:
            root.backward(retain_graph=True)
        else:
            root.backward()
        self.emit(f"{self.name(root)}.backward()")

    def zero_grad(self, *leaves: Any) -> None:
        for leaf in leaves:
            if "zero_grad" in self.over:
                self.over["zero_grad"](leaf)
            elif self.api["zero_grad"]:
                getattr(leaf, self.api["zero_grad"])()
                self.emit(f"{self.name(leaf)}.{self.api['zero_grad']}()")
                continue
            elif self.api["grad_initial"] == "none":
                leaf.grad = None
            else:
                leaf.grad = np.zeros_like(leaf.grad) if isinstance(leaf.grad, np.ndarray) else 0.0
            self.emit(f"{self.name(leaf)}.grad = {'None' if self.api['grad_initial'] == 'none' else '0 * ...'}")

    def loss(self, y: Any, w: Any) -> Any:
        """``(y * w).sum()`` with a constant, non-uniform ``w``: works without ``backward(grad)``."""
        if self.api["scalar"]:
            return self.binop("*", y, float(w))
        return self.call("sum", self.binop("*", y, self.const(w)))


Check = Callable[[Engine, np.random.Generator], dict[str, Any]]

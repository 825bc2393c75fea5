"""How the doctor talks to a foreign engine: probe its API once, then drive it through one adapter.

In the learner's child process this module imports only NumPy and the standard
library (their own package may be called ``minigrad``): the op registry's table
of unary ops, which minigrad reads from :mod:`minigrad.ops.registry`, comes
from the parent there (:func:`unary_ops`).
The adapter records every call as a line of Python in the learner's own
spelling, so that a failing check prints a self-contained, pasteable example.
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

import numpy as np

from .interface import LeafMaker, LearnerTensor, LearnerValue

Array = np.ndarray[Any, np.dtype[Any]]
Operand = LearnerValue | float  # an engine object, or a plain number beside one (``x - 2``)

SENT_UNARY_OPS = "SENT_UNARY_OPS"  # the attribute of the child's private package that holds the parent's table


def unary_ops() -> dict[str, tuple[float, float]]:
    """The ops of one tensor the doctor probes, name -> the interval their test inputs come from.

    They are minigrad's op registry (:func:`minigrad.ops.registry.op_table`): declaring an op there adds its
    check to the doctor.  In the learner's child, where minigrad cannot be imported (their package may have its
    name), the table is the one the parent sent (:mod:`.child` sets it on its private package first).
    """
    sent = getattr(sys.modules.get(__package__ or ""), SENT_UNARY_OPS, None)
    if sent is not None:
        return dict(sent)
    from ..ops import elementwise  # noqa: F401  (its declarations fill the registry)
    from ..ops.registry import op_table

    # An op engines write in more than one right way (GELU exact or tanh) has no single reference: not probed.
    return {
        row["name"]: (float(row["domain"][0]), float(row["domain"][1])) for row in op_table() if row["one_definition"]
    }


UNARY_OPS = unary_ops()
UNARY = tuple(UNARY_OPS)
BINARY = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "@": "__matmul__"}
REVERSED = {"+": "__radd__", "-": "__rsub__", "*": "__rmul__", "/": "__rtruediv__"}
METHODS = (*UNARY, "sum", "mean", "reshape", "transpose", "softmax")
FUNCTIONS = (*UNARY, "sum", "mean", "reshape", "transpose", "matmul", "softmax", "cross_entropy")
DATA_NAMES = ("data", "value", "val", "_data")
GRAD_NAMES = ("grad", "gradient", "_grad")
ZERO_GRAD_NAMES = ("zero_grad", "zerograd", "cleargrad", "clear_grad")
# The other spellings of each op, as a module-level function or an op class (``Add``, ``Add.apply``, ``Add()``):
# DeZero's ``Function`` subclasses, functional APIs (``g.mul(x, y)``), one subclass per op, ``Operation`` classes.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "+": ("add",),
    "-": ("sub", "subtract"),
    "*": ("mul", "multiply"),
    "/": ("div", "divide", "truediv"),
    "@": ("matmul", "dot", "mm"),
    "neg": ("neg", "negative"),
    "pow": ("pow", "power"),
    **{op: (op,) for op in (*UNARY, "sum", "mean", "reshape", "transpose", "softmax", "cross_entropy")},
}
FOREIGN = ("numpy", "torch", "scipy", "jax", "cupy", "builtins")
CONSTANT_NAMES = ("constant", "const")


_APPLY: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "@": lambda a, b: a @ b,
}


class NotPresentError(Exception):
    """The engine has no such operation: the check is "not present", never a failure."""


class ProbeError(Exception):
    """The engine cannot be driven at all (no constructor that takes the data): a refusal, with the fix."""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(key, fields)
        self.key, self.fields = key, fields


def _params(func: Any) -> list[str]:
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return []


def _required(func: Any) -> int:
    """How many parameters ``func`` needs (``self`` left out for a class)."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return 0
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in kinds and p.default is inspect.Parameter.empty for p in sig.parameters.values())


def _fmt(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"np.array({np.array2string(value, separator=', ', precision=17, threshold=10**6)})".replace("\n", "")
    return repr(value)


def _single(result: Any) -> Any:
    """A DeZero-style function may return its outputs as a list or a tuple: one output is the output."""
    if isinstance(result, (list, tuple)) and len(result) == 1:
        return result[0]
    return result


class Engine:
    """A probed foreign engine.  ``api`` says what was found; every op goes through here.

    ``cls`` is the learner's class, or a function that makes a leaf (``variable``): then the class is the type of
    what it returns.  Every op is looked up in this order: an ``--adapter`` override, the operator or method, a
    module-level function (``mul``, ``exp``), an op class (``Mul.apply``, ``Mul()(...)``, ``Mul(...)``).
    """

    def __init__(
        self,
        cls: LeafMaker | type,
        module: types.ModuleType,
        class_name: str,
        scalar: bool | None = None,
        overrides: dict[str, Any] | None = None,
        probe_ops: bool = True,
    ) -> None:
        self.maker = cls
        self.probe_ops = probe_ops  # False: decide tensor or scalar without running any op (one killed the process)
        self.cls: type = cls if isinstance(cls, type) else type(None)
        self.module = module
        self.class_name = class_name
        self.over = overrides or {}
        self.lines: list[str] = []
        self.names: dict[int, str] = {}
        self._keep: list[Any] = []  # keeps named objects alive, so that ids stay unique
        self.recording = True
        self.api: dict[str, Any] = {}
        self.phase: Callable[[str], None] = lambda phase: None  # told "backward" and "forward" (the child's progress)
        self.current_phase = "forward"  # stays "backward" when backward() raised: what the crash report names
        self._probe(scalar)

    # ------------------------------------------------------------------ probing
    def _probe(self, scalar: bool | None) -> None:
        api = self.api
        api["requires_grad_kw"] = "requires_grad" in _params(self.maker)
        api["leaf_from"] = "array"
        api["constant"] = next(
            (n for n in CONSTANT_NAMES if callable(getattr(self.module, n, None)) and "make" not in self.over), None
        )
        # A first leaf, from array data unless told scalar: a ProbeError (with the --adapter fix) when none can be made.
        sample = self._sample(2.0 if scalar else np.array([1.0, 2.0]), fallback=2.0 if scalar is None else None)
        if not isinstance(self.maker, type) or "make" in self.over:
            self.cls = type(sample)
        api["op_classes"] = self._op_classes()
        api["helpers"] = self._numpy_helpers(sample)
        if scalar is None:
            scalar = self._behaves_as_scalar()
        api["scalar"] = scalar
        sample = self._sample(2.0 if scalar else np.array([1.0, 2.0]))
        api["data_attr"] = next((n for n in DATA_NAMES if self._is_data(getattr(sample, n, None))), "data")
        api["grad_attr"] = next((n for n in GRAD_NAMES if hasattr(sample, n)), "grad")
        api["grad_initial"] = "none" if getattr(sample, api["grad_attr"], None) is None else "zeros"
        cls = self.cls
        api["dunders"] = sorted(
            d for d in (*BINARY.values(), *REVERSED.values(), "__pow__", "__neg__") if callable(getattr(cls, d, None))
        )
        api["methods"] = sorted(m for m in METHODS if callable(getattr(cls, m, None)))
        api["T"] = isinstance(inspect.getattr_static(cls, "T", None), property)
        names = {n for spellings in SPELLINGS.values() for n in spellings}
        api["functions"] = sorted(
            f
            for f in names | set(FUNCTIONS)
            if callable(getattr(self.module, f, None))
            and not isinstance(getattr(self.module, f), type)
            and self._theirs(getattr(self.module, f))
        )
        api["zero_grad"] = next((n for n in ZERO_GRAD_NAMES if callable(getattr(cls, n, None))), None)
        backward = getattr(cls, "backward", None)
        module_backward = getattr(self.module, "backward", None)
        api["backward"] = "method" if callable(backward) else "function" if callable(module_backward) else None
        api["retain_graph"] = callable(backward) and "retain_graph" in _params(backward)
        # ``def backward(self, grad)`` with no default: the root's gradient must be passed (ones, as PyTorch's seed)
        api["backward_seed"] = callable(backward) and _required(backward) > 1
        sum_fn = self._lookup("sum")
        params = _params(sum_fn[1]) if sum_fn is not None else []
        api["axis_kw"] = next((k for k in ("axis", "dim") if k in params), None)
        api["keepdims_kw"] = next((k for k in ("keepdims", "keepdim") if k in params), None)
        api["overrides"] = sorted(self.over)

    def _sample(self, value: Any, fallback: Any = None) -> Any:
        """A leaf made from ``value`` (a list when the engine refuses arrays), or a ProbeError that says the fix."""
        try:
            return self._construct(value, True)
        except Exception as error:
            first = error
        if isinstance(value, np.ndarray):
            try:
                made = self._construct(value.tolist(), True)
                self.api["leaf_from"] = "list"
                return made
            except Exception:
                pass
        if fallback is not None:
            try:
                return self._construct(fallback, True)
            except Exception:
                pass
        rg = ", requires_grad=True" if self.api["requires_grad_kw"] else ""
        raise ProbeError(
            "construct", call=f"{self.class_name}({_fmt(value)}{rg})", error=f"{type(first).__name__}: {first}"
        ) from first

    def _behaves_as_scalar(self) -> bool:
        """Tensor or scalar, by what the engine does with array data (never by its method names)."""
        try:
            leaf = self._construct(np.array([1.0, 2.0]), True)
        except Exception:
            if self.api["leaf_from"] == "list":
                leaf = self._construct([1.0, 2.0], True)
            else:
                return True
        if np.shape(self._raw(leaf)) != (2,):
            return True  # the data became one number (``float(data)`` would have raised)
        for op in UNARY if self.probe_ops else ():  # a scalar engine's math.exp, or ``self.data > 0``, refuses arrays
            if self._lookup(op) is None:
                continue
            was, self.recording = self.recording, False
            try:
                out = self._apply(op, [leaf])
            except (TypeError, ValueError):
                return True
            except Exception:
                continue
            finally:
                self.recording = was
            return bool(np.shape(self._raw(out)) != (2,))
        if self._lookup("sum") is not None:
            return False
        grad = getattr(leaf, "grad", None)
        if isinstance(grad, (int, float)) and not isinstance(grad, bool):
            return True  # ``self.grad = 0.0``: the micrograd Value's start
        return False

    def _numpy_helpers(self, sample: Any) -> list[str]:
        """Module functions that work on NumPy arrays, not on the engine's objects (``def sigmoid(x): return
        1 / (1 + np.exp(-x))``, used inside their class): helpers, never the op itself."""
        helpers = []
        raw = np.asarray(self._raw(sample), dtype=float)
        was, self.recording = self.recording, False
        try:
            for op in (*UNARY, "sum", "mean", "softmax"):
                found = self._lookup(op)
                if found is None or found[0] != "function":
                    continue
                try:
                    if self.is_engine(_single(found[1](sample))):
                        continue
                except Exception:
                    pass
                try:
                    found[1](raw.copy())
                except Exception:
                    continue
                helpers.append(found[1].__name__)
        finally:
            self.recording = was
        return helpers

    def _op_classes(self) -> dict[str, str]:
        """Op classes of the module by name (``Add``, ``Exp``, ``MatMul``): op -> class name."""
        found: dict[str, str] = {}
        for attr, value in vars(self.module).items():
            if not isinstance(value, type) or value is self.cls or attr.startswith("_") or not self._theirs(value):
                continue
            key = attr.lower()
            for op, spellings in SPELLINGS.items():
                if key in spellings and op not in found:
                    found[op] = attr
        return found

    def _theirs(self, value: Any) -> bool:
        """Defined by the learner, not imported from NumPy or the standard library (``from math import exp``)."""
        top = str(getattr(value, "__module__", "") or "").split(".")[0]
        if top == self.module.__name__.split(".")[0]:
            return True  # their own file, even when it shares a standard module's name (``operator.py``)
        return top not in FOREIGN and top not in sys.stdlib_module_names

    def _lookup(self, op: str) -> tuple[str, Any] | None:
        """How ``op`` is spelled in this engine: ("method", fn), ("function", fn) or ("class", cls)."""
        method = BINARY.get(op, {"neg": "__neg__", "pow": "__pow__"}.get(op, op))
        if callable(getattr(self.cls, method, None)):
            return "method", getattr(self.cls, method)
        for name in SPELLINGS.get(op, (op,)):
            fn = getattr(self.module, name, None)
            if (
                callable(fn)
                and not isinstance(fn, type)
                and self._theirs(fn)
                and name not in self.api.get("helpers", ())
            ):
                return "function", fn
        name = self.api.get("op_classes", {}).get(op)
        if name is not None:
            return "class", getattr(self.module, name)
        return None

    def _apply(self, op: str, tensors: list[Any], *args: Any, **kwargs: Any) -> LearnerValue:
        """Run ``op`` on engine objects ``tensors`` (and plain ``args``) however the engine spells it."""
        text, result = self._run_op(op, tensors, args, kwargs)
        return self._bind(result, text)

    def _run_op(self, op: str, tensors: list[Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, Any]:
        found = self._lookup(op)
        names = [self.name(t) for t in tensors]
        rest = [_fmt(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        if found is None:
            raise NotPresentError(op)
        how, fn = found
        if how == "method":
            if op in BINARY:
                return f"{names[0]} {op} {names[1]}", _APPLY[op](*tensors)
            if op == "neg":
                return f"-{names[0]}", -tensors[0]
            if op == "pow":
                return f"{names[0]} ** {args[0]!r}", tensors[0] ** args[0]
            text = f"{names[0]}.{op}({', '.join(names[1:] + rest)})"
            return text, getattr(tensors[0], op)(*tensors[1:], *args, **kwargs)
        name = fn.__name__
        self._used(name)
        if how == "function":
            return f"{name}({', '.join(names + rest)})", _single(fn(*tensors, *args, **kwargs))
        if callable(getattr(fn, "apply", None)):  # torch.autograd.Function, minitorch
            return f"{name}.apply({', '.join(names + rest)})", _single(fn.apply(*tensors, *args, **kwargs))
        callable_instances = any("__call__" in vars(k) for k in fn.__mro__ if k is not object)
        if issubclass(fn, self.cls) or not callable_instances:  # one subclass per op: the op is its constructor
            return f"{name}({', '.join(names + rest)})", _single(fn(*tensors, *args, **kwargs))
        # DeZero: the op's settings go to the constructor, the variables to the call
        return f"{name}({', '.join(rest)})({', '.join(names)})", _single(fn(*args, **kwargs)(*tensors))

    def _used(self, name: str) -> None:
        if name not in self.api.setdefault("used", []):
            self.api["used"].append(name)

    def _is_data(self, value: Any) -> bool:
        return isinstance(value, (np.ndarray, float, int, np.floating, list)) and np.allclose(
            np.asarray(value, dtype=float).ravel()[:1], [2.0 if self.api.get("scalar") else 1.0]
        )

    def _construct(self, value: Any, requires_grad: bool) -> Any:
        if "make" in self.over:
            return self.over["make"](value, requires_grad)
        if self.api.get("leaf_from") == "list" and isinstance(value, np.ndarray):
            value = value.tolist()
        if not requires_grad and self.api.get("constant"):
            return getattr(self.module, self.api["constant"])(value)
        if self.api.get("requires_grad_kw"):
            return self.maker(value, requires_grad=requires_grad)
        return self.maker(value)

    def _raw(self, obj: Any) -> Any:
        for name in DATA_NAMES:
            value = getattr(obj, name, None)
            if value is not None and not callable(value):
                return value
        return obj

    def is_engine(self, obj: Any) -> bool:
        """An object of the engine (a leaf, an op's output, an op subclass), as opposed to a number or an array."""
        if isinstance(obj, self.cls):
            return True
        return not isinstance(obj, (int, float, np.ndarray, np.generic, list, tuple)) and any(
            hasattr(obj, n) for n in DATA_NAMES
        )

    # ------------------------------------------------------------------ recording
    def name(self, obj: Any) -> str:
        if isinstance(obj, (int, float)):
            return repr(obj)
        return self.names.get(id(obj), "?")

    def _bind(self, obj: Any, expr: str, label: str | None = None) -> LearnerValue:
        if not self.recording:
            return cast(LearnerValue, obj)
        name = label or f"t{len(self.names)}"
        self.names[id(obj)] = name
        self._keep.append(obj)
        self.emit(f"{name} = {expr}")
        return cast(LearnerValue, obj)

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
        funcs = [*self.api["functions"], *self.api.get("op_classes", {}).values()]
        if self.api.get("constant"):
            funcs.append(self.api["constant"])
        names = ", ".join(dict.fromkeys([self.class_name, *sorted(funcs)]))
        return ["import numpy as np", f"from {self.module.__name__} import {names}"]

    # ------------------------------------------------------------------ values in and out
    def leaf(
        self, value: Any, requires_grad: bool = True, label: str | None = None, exact: bool = False
    ) -> LearnerValue:
        if self.api["scalar"]:
            value = float(value) if exact else round(float(value), 2)
        elif np.issubdtype(np.asarray(value).dtype, np.floating) and self.recording and not exact:
            value = np.round(value, 2)  # short numbers make short, pasteable examples
        obj = self._construct(value, requires_grad)
        shown = f"{_fmt(value)}.tolist()" if self.api["leaf_from"] == "list" and not self.api["scalar"] else _fmt(value)
        if not requires_grad and self.api.get("constant") and "make" not in self.over:
            return self._bind(obj, f"{self.api['constant']}({shown})", label)
        rg = f", requires_grad={requires_grad}" if self.api["requires_grad_kw"] else ""
        return self._bind(obj, f"{self.class_name}({shown}{rg})", label)

    def const(self, value: Any) -> LearnerValue:
        return self.leaf(value, requires_grad=False)

    def data(self, obj: LearnerValue) -> Any:
        if "data" in self.over:
            return np.array(self.over["data"](obj), dtype=float)
        return np.array(self._raw(obj), dtype=float)

    def grad(self, obj: LearnerValue) -> Any:
        """The gradient as an array (dtype kept, to see truncation), or None (a constant's "no gradient")."""
        g = self.over["grad"](obj) if "grad" in self.over else getattr(obj, self.api.get("grad_attr", "grad"), None)
        if g is None:
            return None
        for _ in range(3):  # ``.grad`` may itself be an engine object (DeZero keeps a Variable there)
            if not self.is_engine(g):
                break
            g = self._raw(g)
        return np.array(g)

    # ------------------------------------------------------------------ ops
    def binop(self, op: str, a: Operand, b: Operand) -> LearnerValue:
        if op in self.over:
            return self._bind(self.over[op](a, b), f"{self.name(a)} {op} {self.name(b)}")
        left = self.is_engine(a)
        found = self._lookup(op)
        if found is not None and found[0] == "method" and not left:
            if not callable(getattr(self.cls, REVERSED.get(op, "-"), None)):
                raise NotPresentError(REVERSED.get(op, op))
        if found is None:
            raise NotPresentError(op)
        try:
            text, result = self._run_op(op, [a, b], (), {})
        except (TypeError, AttributeError):
            number = b if left else a
            if not isinstance(number, (int, float)) or (not left and found[0] == "method"):
                raise  # a reflected operator that fails is the engine's answer to ``2.5 - x``
            # An engine whose operators take only its own objects: wrap the number, as its users must.
            other = cast(LearnerValue, a if left else b)  # the engine object beside the number
            wrapped = self.leaf(np.full(np.shape(self.data(other)), float(number)), requires_grad=False, exact=True)
            text, result = self._run_op(op, [a, wrapped] if left else [wrapped, b], (), {})
        if result is NotImplemented:
            raise NotPresentError(op)
        return self._bind(result, text)

    def index(self, a: LearnerValue, key: Any) -> LearnerValue:
        if not callable(getattr(self.cls, "__getitem__", None)):
            raise NotPresentError("__getitem__")
        return self._bind(cast(LearnerTensor, a)[key], f"{self.name(a)}[{key!r}]")

    def pow(self, a: LearnerValue, c: float) -> LearnerValue:
        if "pow" in self.over:
            return self._bind(self.over["pow"](a, c), f"pow({self.name(a)}, {c!r})")
        return self._apply("pow", [a], c)

    def neg(self, a: LearnerValue) -> LearnerValue:
        if "neg" in self.over:
            return self._bind(self.over["neg"](a), f"neg({self.name(a)})")
        return self._apply("neg", [a])

    def call(self, op: str, a: LearnerValue, *args: Any, **kwargs: Any) -> LearnerValue:
        """A method, module-level function or op class: ``a.op(...)``, ``op(a, ...)``, ``Op.apply(a, ...)``."""
        if op in self.over:
            kw = "".join(f", {k}={v!r}" for k, v in kwargs.items())
            pos = "".join(f", {self.name(v) if self.is_engine(v) else _fmt(v)}" for v in args)
            return self._bind(self.over[op](a, *args, **kwargs), f"{op}({self.name(a)}{pos}{kw})")
        tensors = [a, *(v for v in args if self.is_engine(v))]
        plain = tuple(v for v in args if not self.is_engine(v))
        return self._apply(op, tensors, *plain, **kwargs)

    def reduce(self, op: str, a: LearnerValue, axis: Any = None, keepdims: bool = False) -> LearnerValue:
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

    def reshape(self, a: LearnerValue, shape: tuple[int, ...]) -> LearnerValue:
        try:
            return self.call("reshape", a, shape)
        except TypeError:
            if "reshape" not in self.api["methods"]:
                raise
            return self._bind(cast(LearnerTensor, a).reshape(*shape), f"{self.name(a)}.reshape(*{shape!r})")

    def transpose(self, a: LearnerValue) -> LearnerValue:
        if "transpose" in self.over or self._lookup("transpose") is not None:
            return self.call("transpose", a)
        if self.api["T"]:
            return self._bind(cast(LearnerTensor, a).T, f"{self.name(a)}.T")
        raise NotPresentError("transpose")

    def backward(self, root: LearnerValue) -> None:
        seed = ""
        if self.api.get("backward_seed"):
            seed = "1.0" if self.api["scalar"] else f"np.ones_like({self.name(root)}.{self.api['data_attr']})"
        if self.api["backward"] == "function":
            self.emit(f"backward({self.name(root)})")
        else:
            self.emit(f"{self.name(root)}.backward({seed})")
        if self.api["backward"] is None and "backward" not in self.over:
            raise NotPresentError("backward")
        self.current_phase = "backward"
        self.phase("backward")  # the line is recorded first: an error raised inside backward() pastes with it
        if "backward" in self.over:
            self.over["backward"](root)
        elif self.api["backward"] == "function":
            self.module.backward(root)
        elif self.api.get("backward_seed"):  # ``def backward(self, grad)``: the seed is theirs to pass
            seeded: Callable[..., None] = root.backward
            seeded(np.ones_like(self.data(root)) if not self.api["scalar"] else 1.0)
        elif self.api["retain_graph"]:
            retained: Callable[..., None] = root.backward
            retained(retain_graph=True)
        else:
            root.backward()
        self.current_phase = "forward"
        self.phase("forward")

    def zero_grad(self, *leaves: LearnerValue) -> None:
        attr = self.api.get("grad_attr", "grad")
        for leaf in leaves:
            if "zero_grad" in self.over:
                self.over["zero_grad"](leaf)
            elif self.api["zero_grad"]:
                getattr(leaf, self.api["zero_grad"])()
                self.emit(f"{self.name(leaf)}.{self.api['zero_grad']}()")
                continue
            elif self.api["grad_initial"] == "none":
                setattr(leaf, attr, None)
            else:
                old = getattr(leaf, attr, None)
                setattr(leaf, attr, np.zeros_like(old) if isinstance(old, np.ndarray) else 0.0)
            self.emit(f"{self.name(leaf)}.{attr} = {'None' if self.api['grad_initial'] == 'none' else '0 * ...'}")

    def loss(self, y: LearnerValue, w: Any) -> LearnerValue:
        """``(y * w).sum()`` with a constant, non-uniform ``w``: works without ``backward(grad)``."""
        if self.api["scalar"]:
            return self.binop("*", y, float(w))
        return self.call("sum", self.binop("*", y, self.const(w)))


Check = Callable[[Engine, np.random.Generator], dict[str, Any]]

"""The doctor's checks: small procedures run through an :class:`Engine` on any engine.

Each check builds a tiny graph with seeded random inputs, takes the loss
``(f(x) * w).sum()`` with a random non-uniform ``w`` and returns named
observations (forward values, gradients).  The same check runs on the
learner's engine (in a child process) and on minigrad (the reference, and
minigrad with each break on, for the fingerprints); the parent compares.
Values keep the engine's own dtype (a float32 engine is compared at float32's
tolerance), and an op's gradient is also compared with the finite differences
of the engine's own forward (``fd:`` observations).  Every graph check (reuse,
topological order, a second backward) is built from ``+`` and ``*``, which
every engine has; the ``exp``/``tanh`` variants are extras.  A check's lines
are recorded as the learner would write them, ``backward()`` before it runs,
so that a failing check prints an example that reproduces what it got.
NumPy and the standard library only: this module runs in the learner's process.
"""

from __future__ import annotations

import gc
import inspect
import os
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .adapter import UNARY_OPS, Engine, NotPresentError
from .compare import ENGINE_OBJECT, FD_PREFIX, ONE_OP, TIME_LIMIT, TIME_RATIO, fd_step

Obs = dict[str, Any]
HERE = os.path.dirname(os.path.abspath(__file__))
# Frames in these folders are not the learner's: "raised at" names the deepest frame outside them (not NumPy's).
NOT_THEIRS = tuple(
    os.path.realpath(p) for p in {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"], HERE}
)


@dataclass(frozen=True)
class CheckSpec:
    id: str
    group: str
    run: Callable[[Engine, np.random.Generator], Obs]
    repeat: int = 1  # order-sensitive checks run again with fresh objects
    oracle: str = "reference"  # "reference": minigrad's run; "self": the check returns its own expected-* values


TENSOR: list[CheckSpec] = []
SCALAR: list[CheckSpec] = []


def _nonuniform(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
    """Upstream weights, rounded as every constant of an example is: the example's numbers are the check's."""
    return np.round(rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape), 2)


def _grads(e: Engine, **leaves: Any) -> Obs:
    return {f"{name}.grad": e.grad(t) for name, t in leaves.items()}


def _theirs(filename: str) -> bool:
    path = os.path.realpath(filename)
    return not filename.startswith("<") and not path.startswith(NOT_THEIRS) and "_minigrad_doctor" not in filename


def _end_at_their_frame(error: BaseException) -> None:
    """Cut the traceback after the deepest frame in the learner's files: "raised at" names their line."""
    tb, last = error.__traceback__, None
    while tb is not None:
        if _theirs(tb.tb_frame.f_code.co_filename):
            last = tb
        tb = tb.tb_next
    if last is not None:
        last.tb_next = None


def _guarded(run: Callable[[Engine, np.random.Generator], Obs]) -> Callable[[Engine, np.random.Generator], Obs]:
    def guarded(e: Engine, rng: np.random.Generator) -> Obs:
        try:
            return run(e, rng)
        except NotPresentError:
            raise
        except Exception as error:
            _end_at_their_frame(error)
            raise

    guarded.__doc__ = run.__doc__
    return guarded


def _add(
    group: str,
    check_id: str,
    run: Callable[[Engine, np.random.Generator], Obs],
    repeat: int = 1,
    oracle: str = "reference",
    scalar: bool = False,
) -> None:
    (SCALAR if scalar else TENSOR).append(CheckSpec(check_id, group, _guarded(run), repeat, oracle))


def _literal(value: Any) -> str:
    """``value`` as Python source that gives back the very same numbers (repr of floats round-trips)."""
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    return repr(float(value))


def _backward(e: Engine, root: Any) -> None:
    """The engine's backward from ``root``; the adapter writes its line (as the learner spells it: a method, a
    module function, a seed) before it runs, so an example whose backward raises still shows it."""
    e.backward(root)


def _zero_grad(e: Engine, leaf: Any) -> None:
    """The engine's ``zero_grad``, or the assignment its users write, recorded as code that runs when pasted."""
    if e.api["zero_grad"] and "zero_grad" not in e.over:
        e.zero_grad(leaf)  # records ``x.zero_grad()``
        return
    name = e.name(leaf)
    if "zero_grad" in e.over:
        text = f"# (zero_grad({name}), as your adapter does it)"
    elif e.api["grad_initial"] == "none":
        text = f"{name}.grad = None"
    else:
        text = f"{name}.grad = np.zeros_like({name}.grad) if isinstance({name}.grad, np.ndarray) else 0.0"
    with e.quiet(text):
        e.zero_grad(leaf)


def _data(e: Engine, obj: Any) -> Any:
    """The values of ``obj`` as an array of the engine's own float dtype (a float32 engine stays float32)."""
    raw = e.over["data"](obj) if "data" in e.over else e._raw(obj)
    value = np.array(raw)
    return value if np.issubdtype(value.dtype, np.floating) else value.astype(float)


def _raw_grad(e: Engine, obj: Any) -> Any:
    """The gradient object itself (no copy): to see whether two leaves share one array."""
    g = e.over["grad"](obj) if "grad" in e.over else getattr(obj, "grad", None)
    return e._raw(g) if isinstance(g, e.cls) else g


def _number_op(e: Engine, op: str, a: Any, b: Any) -> Any:
    """``a op b`` with a plain number as one operand, as a learner writes it (the adapter would wrap the number)."""
    left = isinstance(a, e.cls)
    dunder = {"+": "add", "-": "sub", "*": "mul", "/": "truediv"}[op]
    if op in e.over or not any(callable(getattr(e.cls, f"__{d}__", None)) for d in ("add", "sub", "mul", "truediv")):
        # An adapter's op, or an engine without operators (a functional API: div(x, 2.0)): the adapter calls the
        # engine's own function, and wraps the number as the engine's users must when it takes only its objects.
        return e.binop(op, a, b)
    if not callable(getattr(e.cls, f"__{'' if left else 'r'}{dunder}__", None)):
        raise NotPresentError(f"__{'' if left else 'r'}{dunder}__")
    result = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[op]()
    if result is NotImplemented:
        raise NotPresentError(f"__{dunder}__")
    return e._bind(result, f"{e.name(a)} {op} {e.name(b)}")


# ---------------------------------------------------------------- tensor: broadcasting regimes and zoo

ZOO = [((3,), (4, 3)), ((3, 1), (3, 5)), ((1, 3), (4, 1)), ((2, 1, 3), (4, 1)), ((4, 3), (3,))]
SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def _binary(op: str, sa: tuple[int, ...], sb: tuple[int, ...], uniform: bool = False) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        a0, b0 = rng.uniform(0.5, 2.0, size=sa), rng.uniform(0.5, 2.0, size=sb)
        a, b = e.leaf(a0, label="a"), e.leaf(b0, label="b")
        y = e.binop(SYMBOL[op], a, b)
        w = np.ones(np.broadcast_shapes(sa, sb)) if uniform else _nonuniform(rng, np.broadcast_shapes(sa, sb))
        _backward(e, e.call("sum", y) if uniform else e.loss(y, w))
        return {"forward": _data(e, y), **_grads(e, a=a, b=b)}

    return run


_add("regimes", "spec-(3,)+(4,3)-sum", _binary("add", (3,), (4, 3), uniform=True))
_add("regimes", "spec-(3,1)+(3,5)-sum", _binary("add", (3, 1), (3, 5), uniform=True))
_add("regimes", "spec-(3,)+(4,3)-nonuniform", _binary("add", (3,), (4, 3)))
for _op in SYMBOL:
    for _sa, _sb in ZOO:
        _add("broadcast", f"{_op}{_sa}{_sb}".replace(" ", ""), _binary(_op, _sa, _sb))


# ---------------------------------------------------------------- tensor: each op against the reference


def _apply_unary(e: Engine, op: str, x: Any, kwargs: dict[str, Any]) -> Any:
    if op == "pow":
        return e.pow(x, kwargs["c"])
    if op == "neg":
        return e.neg(x)
    if op in ("sum", "mean"):
        return e.reduce(op, x, kwargs.get("axis"), kwargs.get("keepdims", False))
    if op == "reshape":
        return e.reshape(x, kwargs["shape"])
    if op == "transpose":
        return e.transpose(x)
    if op == "permute":
        return _permute(e, x, kwargs["axes"])
    if op == "softmax":
        axis = kwargs.get("axis")
        if axis is None:
            return e.call("softmax", x, axis=-1) if "axis" in _kw(e, "softmax") else e.call("softmax", x)
        if "axis" in _kw(e, "softmax"):
            return e.call("softmax", x, axis=axis)
        if "dim" in _kw(e, "softmax"):
            return e.call("softmax", x, dim=axis)
        raise NotPresentError("softmax(axis)")
    return e.call(op, x)


def _unary(op: str, low: float = -2.0, high: float = 2.0, **kwargs: Any) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x0 = rng.uniform(low, high, size=kwargs.get("size", (3, 4))) * kwargs.get("scale", 1.0)
        if "values" in kwargs:
            x0 = np.array(kwargs["values"], dtype=float)
        x = e.leaf(x0, label="x", exact="values" in kwargs)
        y = _apply_unary(e, op, x, kwargs)
        w = _nonuniform(rng, np.shape(_data(e, y)))
        _backward(e, e.loss(y, w))
        obs = {"forward": _data(e, y), "x.grad": e.grad(x)}
        if op not in ("softmax",) and "values" not in kwargs:
            forward = lambda e, x0: _data(e, _apply_unary(e, op, e.leaf(x0, exact=True), kwargs))  # noqa: E731
            obs[FD_PREFIX + "x.grad"] = _finite_differences(e, forward, _data(e, x), w)
        return obs

    return run


def _finite_differences(e: Engine, forward: Callable[..., Any], x0: Any, w: Any) -> Any:
    """Central differences of ``sum(f(x) * w)`` with the engine's own forward (no backward), in float64.

    The step follows the engine's precision: a float32 forward needs a larger one (rounding error eps / h).
    """
    eps = fd_step(np.asarray(x0).dtype.itemsize)
    grad = np.zeros(np.shape(x0), dtype=float)
    x0 = np.asarray(x0, dtype=float)
    with e.quiet("# (finite differences of sum(f(x) * w), with your forward)"):
        for i in np.ndindex(*x0.shape):
            up, down = x0.copy(), x0.copy()
            up[i] += eps
            down[i] -= eps
            grad[i] = (np.sum(forward(e, up) * w, dtype=float) - np.sum(forward(e, down) * w, dtype=float)) / (2 * eps)
    return grad


def _kw(e: Engine, op: str) -> list[str]:
    import inspect

    func = e.over.get(op) or getattr(e.cls, op, None) or getattr(e.module, op, None)
    try:
        return list(inspect.signature(func).parameters) if func is not None else []
    except (TypeError, ValueError):
        return []


# Every op of one tensor in minigrad's op registry, its inputs from the op's declared domain.
for _name, (_lo, _hi) in UNARY_OPS.items():
    _add("ops", _name, _unary(_name, _lo, _hi))
_add("ops", "neg", _unary("neg"))
for _c in (2, 3, 0.5, -1):
    _add("ops", f"pow{_c}", _unary("pow", 0.5, 2.0, c=_c))
for _axis, _keep in ((None, False), (0, False), (1, False), (-1, False), ((0, 1), False), (0, True), (1, True)):
    _add("reductions", f"sum(axis={_axis},keepdims={_keep})", _unary("sum", axis=_axis, keepdims=_keep))
    _add("reductions", f"mean(axis={_axis},keepdims={_keep})", _unary("mean", axis=_axis, keepdims=_keep))
for _op in ("sum", "mean"):  # a tuple of some axes of three: a backward that restores only one axis breaks
    _add("reductions", f"{_op}(axis=(0,2)) of a (2,3,4)", _unary(_op, axis=(0, 2), size=(2, 3, 4)))
_add("ops", "reshape(4,3)", _unary("reshape", shape=(4, 3)))
_add("ops", "reshape(12,)", _unary("reshape", shape=(12,)))
_add("ops", "transpose", _unary("transpose"))
_add("ops", "softmax", _unary("softmax"))
_add("ops", "softmax-logits-1e4", _unary("softmax", scale=1e4))
# A softmax taken along a fixed axis is right on the (3, 4) of the first check only.
_add("ops", "softmax(axis=0)", _unary("softmax", axis=0))
_add("ops", "softmax of a (2,3,4)", _unary("softmax", size=(2, 3, 4)))
# A cyclic permutation of three axes is not its own inverse: a backward that applies it again is seen, with
# distinct sizes as a wrong shape, with equal ones as scrambled values.
_add("ops", "permute(1,2,0) of a (2,3,4)", _unary("permute", axes=(1, 2, 0), size=(2, 3, 4)))
_add("ops", "permute(1,2,0) of a (3,3,3)", _unary("permute", axes=(1, 2, 0), size=(3, 3, 3)))
# Saturated inputs: PyTorch gives 0 and 1 (and zero gradients); an exp that overflows gives nan, or raises.
_add("ops", "sigmoid(-1000)", _unary("sigmoid", values=[-1000.0, 0.25, 1000.0]))
_add("ops", "tanh(400)", _unary("tanh", values=[400.0, -0.25, -400.0]))


def _permute(e: Engine, x: Any, axes: tuple[int, ...]) -> Any:
    """``x.permute(*axes)`` or ``x.transpose(*axes)`` (a method or a module function), whichever the engine has."""
    text = ", ".join(map(str, axes))
    for name in ("permute", "transpose"):
        if name in e.over:
            return e._bind(e.over[name](x, axes), f"{name}({e.name(x)}, {axes!r})")
        method = getattr(e.cls, name, None)
        if callable(method) and _accepts(getattr(x, name), *axes):
            return e._bind(getattr(x, name)(*axes), f"{e.name(x)}.{name}({text})")
        if callable(method) and _accepts(getattr(x, name), axes):
            return e._bind(getattr(x, name)(axes), f"{e.name(x)}.{name}({axes!r})")
        function = getattr(e.module, name, None)
        if callable(function) and not isinstance(function, type) and _accepts(function, x, axes):
            return e._bind(function(x, axes), f"{name}({e.name(x)}, {axes!r})")
    raise NotPresentError("permute(*axes)")


def _accepts(func: Any, *args: Any) -> bool:
    try:
        inspect.signature(func).bind(*args)
    except (TypeError, ValueError):
        return False
    return True


def _reversed(op: str, reverse: bool = True) -> Callable[..., Obs]:
    """A plain number on the left (``2.5 - x``: ``__rsub__`` and the like) or on the right (``x - 2.5``)."""

    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x = e.leaf(rng.uniform(0.5, 2.0, size=(3, 4)), label="x")
        y = _number_op(e, SYMBOL[op], 2.5, x) if reverse else _number_op(e, SYMBOL[op], x, 2.5)
        _backward(e, e.loss(y, _nonuniform(rng, (3, 4))))
        return {"forward": _data(e, y), "x.grad": e.grad(x)}

    return run


for _op in SYMBOL:
    _add("ops", f"c {SYMBOL[_op]} x", _reversed(_op))
    _add("ops", f"x {SYMBOL[_op]} c", _reversed(_op, reverse=False))


def _getitem(key: Any) -> Callable[..., Obs]:
    """Indexing: the backward scatters the upstream gradient into zeros of x's shape, adding at repeated indices."""

    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x = e.leaf(rng.uniform(-2.0, 2.0, size=(4, 3)), label="x")
        y = e.index(x, key)
        if not isinstance(y, e.cls) and "make" not in e.over:  # a plain array: the graph ends here
            return {ENGINE_OBJECT: False}
        _backward(e, e.loss(y, _nonuniform(rng, np.shape(_data(e, y)))))
        return {ENGINE_OBJECT: True, "forward": _data(e, y), "x.grad": e.grad(x)}

    return run


_add("ops", "x[1:3]", _getitem(slice(1, 3)))
_add("ops", "x[[0,2,0]]", _getitem([0, 2, 0]))


def _matmul(sa: tuple[int, ...], sb: tuple[int, ...]) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        a, b = e.leaf(rng.normal(size=sa), label="a"), e.leaf(rng.normal(size=sb), label="b")
        y = e.binop("@", a, b)
        _backward(e, e.loss(y, _nonuniform(rng, np.shape(_data(e, y)))))
        return {"forward": _data(e, y), **_grads(e, a=a, b=b)}

    return run


# 2-D, then what NumPy's matmul also accepts: a 1-D operand on either side, batches (broadcast too).
for _sa, _sb in (((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((2, 3, 4), (4, 2)), ((2, 3, 4), (2, 4, 5))):
    _add("matmul", f"matmul{_sa}@{_sb}".replace(" ", ""), _matmul(_sa, _sb))


def _cross_entropy(scale: float) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        z = e.leaf(rng.normal(size=(4, 5)) * scale, label="z")
        loss = e.call("cross_entropy", z, np.array([0, 3, 1, 4]))
        _backward(e, loss)
        return {"forward": _data(e, loss), "z.grad": e.grad(z)}

    return run


_add("ops", "cross_entropy", _cross_entropy(1.0))
_add("ops", "cross_entropy-logits-1e4", _cross_entropy(1e4))


# ---------------------------------------------------------------- engine semantics (tensor and scalar)


def _shape(e: Engine) -> tuple[int, ...]:
    return () if e.api["scalar"] else (3,)


def _x(e: Engine, rng: np.random.Generator, low: float = 0.5, high: float = 1.5, label: str = "x") -> Any:
    shape = _shape(e)
    return e.leaf(rng.uniform(low, high, size=shape) if shape else rng.uniform(low, high), label=label)


def _w(e: Engine, rng: np.random.Generator) -> Any:
    shape = _shape(e)
    return _nonuniform(rng, shape) if shape else float(_nonuniform(rng, (1,))[0])


def _reuse_add(e: Engine, rng: np.random.Generator) -> Obs:
    x = _x(e, rng)
    _backward(e, e.loss(e.binop("+", x, x), _w(e, rng)))
    return _grads(e, x=x)


def _one_op(e: Engine, rng: np.random.Generator) -> Obs:
    """The leaf feeds the root directly: ``x * w`` on a scalar engine, ``x.sum()`` on a tensor one.  Whatever
    order a walk takes, the root's own backward is its only step, so only a root that is never seeded gets this
    wrong.  That tells two bugs apart that give every longer graph zero gradients: a walk run leaves-first
    (``for node in topo`` without ``reversed``: right here) and a root never seeded (zero here too)."""
    x = _x(e, rng)
    _backward(e, e.loss(x, _w(e, rng)) if e.api["scalar"] else e.call("sum", x))
    return _grads(e, x=x)


def _reuse_mul(e: Engine, rng: np.random.Generator) -> Obs:
    x = _x(e, rng)
    _backward(e, e.loss(e.binop("*", x, x), _w(e, rng)))
    return _grads(e, x=x)


# Every graph check is built from + and * (which every engine has); the exp and tanh variants are extras.
def _unary_or_square(e: Engine, op: str, a: Any) -> Any:
    return e.binop("*", a, a) if op == "*" else e.call(op, a)


def _diamond(op: str) -> Callable[..., Obs]:
    """``y = 1.5 x`` reaches ``z`` by two paths (``f(y)`` and ``y * y``): both must add into ``y``'s gradient."""

    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x = _x(e, rng)
        y = e.binop("*", x, 1.5)
        first = e.binop("*", y, 0.5) if op == "*" else e.call(op, y)
        z = e.binop("+", first, e.binop("*", y, y))
        _backward(e, e.loss(z, _w(e, rng)))
        return _grads(e, x=x)

    return run


def _three_uses(op: str) -> Callable[..., Obs]:
    """``h = x * u`` is used by three ops: three contributions to add, for both leaves."""

    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x, u = _x(e, rng), _x(e, rng, label="u")
        h = e.binop("*", x, u)
        first = e.binop("*", h, h) if op == "*" else e.call(op, h)
        z = e.binop("+", e.binop("+", first, e.binop("*", h, 2.0)), e.binop("*", h, u))
        _backward(e, e.loss(z, _w(e, rng)))
        return _grads(e, x=x, u=u)

    return run


def _topo(op: str) -> Callable[..., Obs]:
    """``a`` reaches the output by a short path and by a long one: processing ``a`` before the long path is done
    (breadth-first, or in the order a walk discovers nodes) loses that path's contribution."""

    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x = _x(e, rng)
        a = e.binop("*", x, 1.5)
        c = e.binop("*", _unary_or_square(e, op, a), _unary_or_square(e, op, a))
        d = e.binop("*", e.binop("+", c, a), e.binop("+", a, c))
        _backward(e, e.loss(d, _w(e, rng)))
        return _grads(e, x=x)

    return run


ORDER_PROBE = "small-graph-repeated"


# Every graph of the repeated small-graph check, kept alive for the child's lifetime (40 small graphs): a set's
# order follows its members' addresses, and a graph freed before the next is built hands the next the very same
# addresses, so a walk in a set's order would be wrong, or right, in every run alike.
_KEPT_GRAPHS: list[Any] = []


def _small_graph(e: Engine, rng: np.random.Generator) -> Obs:
    """Three nodes, run many times with fresh objects at fresh addresses: a walk in a set's order gets it right
    in some runs only."""
    x = _x(e, rng)
    y = e.binop("*", x, x)
    root = e.loss(y, _w(e, rng)) if e.api["scalar"] else e.call("sum", y)
    _KEPT_GRAPHS.append((x, y, root))  # all three: an engine may drop a node's inputs once backward is done
    del _KEPT_GRAPHS[:-64]
    _backward(e, root)
    return _grads(e, x=x)


def _deep(n: int) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x = _x(e, rng)
        w = _w(e, rng)
        loss = "(y * 2.0 * w)" if e.api["scalar"] else "(y * 2.0 * w).sum()"
        code = f"w = {_literal(w)}\ny = {e.name(x)}\nfor _ in range({n}):\n    y = y * 1.0\n{loss}.backward()"
        with e.quiet(code):
            y = x
            for _ in range(n):
                y = e.binop("*", y, 1.0)
            e.backward(e.loss(e.binop("*", y, 2.0), w))
        return _grads(e, x=x)

    return run


def _second_backward(zero: bool, op: str = "*") -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x = _x(e, rng)
        h = e.binop("*", x, x)
        y = e.binop("+", _unary_or_square(e, op, h), h)
        root = e.loss(y, _w(e, rng))
        _backward(e, root)
        first = e.grad(x)
        if zero:
            _zero_grad(e, x)
        _backward(e, root)
        return {"x.grad (first backward)": first, "x.grad (second backward)": e.grad(x)}

    return run


SQUARINGS_SHORT, SQUARINGS = 10, 16
# ``y = y * y`` n times makes n nodes but 2**n paths.  The check times backward at 10 and at 16 squarings: a walk
# that visits each node once takes at most 16/10 as long (less, with its fixed cost per call); one that follows
# every path takes 2**6 = 64 times as long.  A ratio of two times from one engine, never a time against a clock.
WALK_LIMIT = 8.0


def _best_backward_time(build: Callable[[], Any], e: Engine, repeat: int = 5) -> float:
    """The shortest of ``repeat`` backward passes from a graph ``build()`` makes, each timed without its forward
    (the doctor's own forward calls cost more per op than a backward step, and would hide a slow walk).  CPU time
    of this thread, with the garbage collector off: a loaded machine or a collection pauses the clock of no pass,
    so the ratio of two such times holds on a busy 2-core CI runner as on an idle laptop."""
    best = float("inf")
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            root = build()
            started = time.thread_time()
            e.backward(root)
            best = min(best, time.thread_time() - started)
            if best > 0.5:  # already far too slow: no need for a cleaner measurement
                break
    finally:
        if collecting:
            gc.enable()
    return best


def _exponential_walk(e: Engine, rng: np.random.Generator) -> Obs:
    """``y = y * y`` sixteen times: 16 nodes, but 2**16 paths.  A walk that follows every path (no record of the
    nodes it has visited) gets the values right and takes exponential time.  Measured as the ratio of this
    engine's own backward times at 16 and at 10 squarings (see ``WALK_LIMIT``).  The timed passes run from a leaf
    of their own: the example's ``x`` gets one backward pass, as the pasted code does (no zero_grad between
    passes to trust)."""
    x = _x(e, rng, 1.0, 1.0)
    w = _w(e, rng)

    def squarings(leaf: Any, times: int) -> Any:
        y = leaf
        for _ in range(times):
            y = e.binop("*", y, y)
        return e.loss(y, w)

    loss = "(y * w)" if e.api["scalar"] else "(y * w).sum()"
    code = (
        f"import time\nw = {_literal(w)}\ny = {e.name(x)}\nfor _ in range({SQUARINGS}):\n    y = y * y\n"
        f"started = time.perf_counter()\n{loss}.backward()\nprint(time.perf_counter() - started)"
    )
    with e.quiet(code):
        timed = e.leaf(e.data(x), exact=True)  # not recorded: the example shows x alone
        short = _best_backward_time(lambda: squarings(timed, SQUARINGS_SHORT), e)
        long = _best_backward_time(lambda: squarings(timed, SQUARINGS), e)
        e.backward(squarings(x, SQUARINGS))
    # thread_time ticks in microseconds or finer; a floor keeps a too-fast-to-measure short pass from dividing by 0
    ratio = long / max(short, 1e-6)
    return {"x.grad": e.grad(x), TIME_RATIO: float(ratio), TIME_LIMIT: WALK_LIMIT}


def _constant_operand(op: str) -> Callable[..., Obs]:
    """A constant made as the engine makes data that needs no gradient (``requires_grad=False``): backward must
    skip it, never add into its ``None`` gradient."""

    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x = _x(e, rng)
        shape = _shape(e)
        c = e.const(rng.uniform(0.5, 1.5, size=shape) if shape else float(rng.uniform(0.5, 1.5)))
        y = e.binop(op, x, c)
        _backward(e, e.loss(y, _w(e, rng)))
        return {"forward": _data(e, y), "x.grad": e.grad(x)}

    return run


def _shared_grads(e: Engine, rng: np.random.Generator) -> Obs:
    """``a + b``: add hands the same upstream array to both inputs; each leaf must own its gradient (a copy).

    Sharing one array is harmless until something writes into it in place, as in-place gradient clipping
    (``p.grad *= scale``) or a learner's ``a.grad *= 0.5`` does: then the other leaf's gradient changes too.
    So the check scales ``a.grad`` in place and reads ``b.grad``, which must be unchanged (PyTorch's and
    minigrad's leaves each own their gradient).  An engine that shares but never writes in place gives the right
    ``b.grad`` here only if its arrays are separate, which is the point."""
    a, b = e.leaf(rng.uniform(0.5, 1.5, size=(2, 3)), label="a"), e.leaf(rng.uniform(0.5, 1.5, size=(2, 3)), label="b")
    _backward(e, e.loss(e.binop("+", a, b), _nonuniform(rng, (2, 3))))
    ga = _raw_grad(e, a)
    e.emit(f"{e.name(a)}.grad *= 0.5  # in place, as gradient clipping does")
    if isinstance(ga, np.ndarray) and ga.flags.writeable:
        ga *= 0.5
    return _grads(e, b=b)


def _cat(e: Engine, parts: list[Any], axis: int) -> Any:
    """``cat(parts, axis=...)`` by whichever name the engine has (a module function or a static method)."""
    names = ", ".join(e.name(p) for p in parts)
    if "cat" in e.over:
        return e._bind(e.over["cat"](parts, axis), f"cat([{names}], {axis})")
    for name in ("cat", "concatenate", "concat"):
        for owner, prefix in ((e.module, ""), (e.cls, f"{e.class_name}.")):
            func = getattr(owner, name, None)
            if not callable(func) or isinstance(func, type) or (owner is e.cls and not _static(e.cls, name)):
                continue
            for kw in ("axis", "dim"):
                if kw in _kw_of(func):
                    return e._bind(func(parts, **{kw: axis}), f"{prefix}{name}([{names}], {kw}={axis})")
            if _accepts(func, parts, axis):
                return e._bind(func(parts, axis), f"{prefix}{name}([{names}], {axis})")
    raise NotPresentError("cat")


def _static(cls: type, name: str) -> bool:
    return isinstance(inspect.getattr_static(cls, name, None), (staticmethod, classmethod))


def _kw_of(func: Any) -> list[str]:
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return []


def _cat_check(sizes: tuple[int, ...]) -> Callable[..., Obs]:
    """Pieces of sizes 2, 3, 4 along axis 1: the backward cuts g at the running totals 2 and 5, not at 2 and 3."""

    def run(e: Engine, rng: np.random.Generator) -> Obs:
        parts = [e.leaf(rng.uniform(-2, 2, size=(3, n)), label="abcd"[i]) for i, n in enumerate(sizes)]
        y = _cat(e, parts, 1)
        _backward(e, e.loss(y, _nonuniform(rng, (3, sum(sizes)))))
        return {"forward": _data(e, y), **_grads(e, **{"abcd"[i]: p for i, p in enumerate(parts)})}

    return run


def _integer_input(e: Engine, rng: np.random.Generator) -> Obs:
    try:
        x = e.leaf(np.array([1, 2, 3]), label="x")
    except Exception as error:  # refusing integer data with an error is a fine answer
        return {"refused": f"{type(error).__name__}: {error}"[:200]}
    w = np.array([0.5, -1.25, 2.75])
    _backward(e, e.loss(e.binop("*", x, 1.0), w))
    g = e.grad(x)
    return {"x.grad": g, "expected-x.grad": w, "x.grad dtype": None if g is None else str(g.dtype)}


for _scalar in (False, True):
    _add("reuse", "x+x", _reuse_add, scalar=_scalar)
    _add("reuse", "x*x", _reuse_mul, scalar=_scalar)
    _add("reuse", "diamond", _diamond("*"), repeat=3, scalar=_scalar)
    _add("reuse", "three-uses", _three_uses("*"), repeat=3, scalar=_scalar)
    _add("reuse", "topological-order", _topo("*"), repeat=5, scalar=_scalar)
    _add("reuse", "diamond-exp", _diamond("exp"), repeat=3, scalar=_scalar)
    _add("reuse", "three-uses-tanh", _three_uses("tanh"), repeat=3, scalar=_scalar)
    _add("reuse", "topological-order-tanh", _topo("tanh"), repeat=5, scalar=_scalar)
    _add("reuse", ORDER_PROBE, _small_graph, repeat=40, scalar=_scalar)
    _add("reuse", "x * constant", _constant_operand("*"), scalar=_scalar)
    _add("reuse", "x + constant", _constant_operand("+"), scalar=_scalar)
    _add("backward-twice", "second-backward-after-zero_grad", _second_backward(True), scalar=_scalar)
    _add("backward-twice", "second-backward-accumulates", _second_backward(False), scalar=_scalar)
    _add("backward-twice", "second-backward-accumulates-tanh", _second_backward(False, "tanh"), scalar=_scalar)
    _add("walk", ONE_OP, _one_op, scalar=_scalar)
    _add("walk", "y = y * y, 16 times", _exponential_walk, scalar=_scalar)
    _add("deep-1000", "deep-chain-1000", _deep(1000), scalar=_scalar)
    _add("deep-100000", "deep-chain-100000", _deep(100_000), scalar=_scalar)
_add("backward-twice", "a + b: each leaf owns its gradient", _shared_grads)
_add("ops", "cat of two pieces", _cat_check((2, 3)))
_add("ops", "cat of three pieces (2,3,4)", _cat_check((2, 3, 4)))
_add("integers", "integer-input", _integer_input, oracle="self")


# ---------------------------------------------------------------- scalar ops


def _scalar_op(op: str, low: float = 0.5, high: float = 2.0, reverse: bool = False) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x, other = _x(e, rng, low, high), float(rng.uniform(0.5, 2.0))
        if op in SYMBOL.values():
            y = _number_op(e, op, other, x) if reverse else _number_op(e, op, x, other)
        elif op == "leaves":
            u = _x(e, rng, label="u")
            y = e.binop("/", e.binop("-", e.binop("*", x, u), u), e.binop("+", x, 0.5))
            _backward(e, e.loss(y, _w(e, rng)))
            return {"forward": _data(e, y), **_grads(e, x=x, u=u)}
        elif op.startswith("pow"):
            y = e.pow(x, float(op[3:]))
        elif op == "neg":
            y = e.neg(x)
        elif op in ("sigmoid(-1000)", "tanh(400)"):
            x = e.leaf(-1000.0 if op.startswith("sigmoid") else 400.0, label="x", exact=True)
            y = e.call(op.partition("(")[0], x)
        else:
            y = e.call(op, x)
        _backward(e, e.loss(y, _w(e, rng)))
        return {"forward": _data(e, y), "x.grad": e.grad(x)}

    return run


for _sym in SYMBOL.values():
    _add("ops", f"x {_sym} c", _scalar_op(_sym), scalar=True)
    _add("ops", f"c {_sym} x", _scalar_op(_sym, reverse=True), scalar=True)
_add("ops", "x*u - u / (x + 0.5)", _scalar_op("leaves"), scalar=True)
for _name, (_lo, _hi) in UNARY_OPS.items():
    _add("ops", _name, _scalar_op(_name, _lo, _hi), scalar=True)
_add("ops", "neg", _scalar_op("neg"), scalar=True)
_add("ops", "sigmoid(-1000)", _scalar_op("sigmoid(-1000)"), scalar=True)
_add("ops", "tanh(400)", _scalar_op("tanh(400)"), scalar=True)
for _exponent in ("2", "3", "0.5", "-1"):
    _add("ops", f"pow{_exponent}", _scalar_op(f"pow{_exponent}"), scalar=True)


def checks_for(scalar: bool) -> list[CheckSpec]:
    return SCALAR if scalar else TENSOR


def groups_for(scalar: bool) -> list[str]:
    return list(dict.fromkeys(c.group for c in checks_for(scalar)))

"""The doctor's checks: small procedures run through an :class:`Engine` on any engine.

Each check builds a tiny graph with seeded random inputs, takes the loss
``(f(x) * w).sum()`` with a random non-uniform ``w`` and returns named
observations (forward values, gradients).  The same check runs on the
learner's engine (in a child process) and on minigrad (the reference, and
minigrad with each break on, for the fingerprints); the parent compares.
NumPy and the standard library only: this module runs in the learner's process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .adapter import Engine

Obs = dict[str, Any]


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
    return rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _grads(e: Engine, **leaves: Any) -> Obs:
    return {f"{name}.grad": e.grad(t) for name, t in leaves.items()}


def _add(
    group: str,
    check_id: str,
    run: Callable[[Engine, np.random.Generator], Obs],
    repeat: int = 1,
    oracle: str = "reference",
    scalar: bool = False,
) -> None:
    (SCALAR if scalar else TENSOR).append(CheckSpec(check_id, group, run, repeat, oracle))


# ---------------------------------------------------------------- tensor: broadcasting regimes and zoo

ZOO = [((3,), (4, 3)), ((3, 1), (3, 5)), ((1, 3), (4, 1)), ((2, 1, 3), (4, 1)), ((4, 3), (3,))]
SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def _binary(op: str, sa: tuple[int, ...], sb: tuple[int, ...], uniform: bool = False) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        a0, b0 = rng.uniform(0.5, 2.0, size=sa), rng.uniform(0.5, 2.0, size=sb)
        a, b = e.leaf(a0, label="a"), e.leaf(b0, label="b")
        y = e.binop(SYMBOL[op], a, b)
        w = np.ones(np.broadcast_shapes(sa, sb)) if uniform else _nonuniform(rng, np.broadcast_shapes(sa, sb))
        e.backward(e.call("sum", y) if uniform else e.loss(y, w))
        return {"forward": e.data(y), **_grads(e, a=a, b=b)}

    return run


_add("regimes", "spec-(3,)+(4,3)-sum", _binary("add", (3,), (4, 3), uniform=True))
_add("regimes", "spec-(3,1)+(3,5)-sum", _binary("add", (3, 1), (3, 5), uniform=True))
_add("regimes", "spec-(3,)+(4,3)-nonuniform", _binary("add", (3,), (4, 3)))
for _op in SYMBOL:
    for _sa, _sb in ZOO:
        _add("broadcast", f"{_op}{_sa}{_sb}".replace(" ", ""), _binary(_op, _sa, _sb))


# ---------------------------------------------------------------- tensor: each op against the reference


def _unary(op: str, low: float = -2.0, high: float = 2.0, **kwargs: Any) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x0 = rng.uniform(low, high, size=kwargs.get("size", (3, 4)))
        x = e.leaf(x0, label="x")
        if op == "pow":
            y = e.pow(x, kwargs["c"])
        elif op == "neg":
            y = e.neg(x)
        elif op in ("sum", "mean"):
            y = e.reduce(op, x, kwargs.get("axis"), kwargs.get("keepdims", False))
        elif op == "reshape":
            y = e.reshape(x, kwargs["shape"])
        elif op == "transpose":
            y = e.transpose(x)
        elif op == "softmax":
            x = e.leaf(x0 * kwargs.get("scale", 1.0), label="x")
            y = e.call("softmax", x, axis=-1) if "axis" in _kw(e, "softmax") else e.call("softmax", x)
        else:
            y = e.call(op, x)
        w = _nonuniform(rng, np.shape(e.data(y)))
        e.backward(e.loss(y, w))
        obs = {"forward": e.data(y), "x.grad": e.grad(x)}
        if op not in ("softmax",):
            obs["finite differences of your forward"] = _finite_differences(e, run_forward, e.data(x), w)
        return obs

    def run_forward(e: Engine, x0: Any) -> Any:
        x = e.leaf(x0)
        if op == "pow":
            return e.data(e.pow(x, kwargs["c"]))
        if op == "neg":
            return e.data(e.neg(x))
        if op in ("sum", "mean"):
            return e.data(e.reduce(op, x, kwargs.get("axis"), kwargs.get("keepdims", False)))
        if op == "reshape":
            return e.data(e.reshape(x, kwargs["shape"]))
        if op == "transpose":
            return e.data(e.transpose(x))
        return e.data(e.call(op, x))

    return run


def _finite_differences(e: Engine, forward: Callable[..., Any], x0: Any, w: Any, eps: float = 1e-6) -> Any:
    """Central differences of ``sum(f(x) * w)`` computed with the engine's own forward (no backward)."""
    grad = np.zeros_like(x0, dtype=float)
    with e.quiet("# (finite differences of sum(f(x) * w), with your forward)"):
        for i in np.ndindex(*x0.shape):
            up, down = x0.astype(float), x0.astype(float)
            up[i] += eps
            down[i] -= eps
            grad[i] = (np.sum(forward(e, up) * w) - np.sum(forward(e, down) * w)) / (2 * eps)
    return grad


def _kw(e: Engine, op: str) -> list[str]:
    import inspect

    func = e.over.get(op) or getattr(e.cls, op, None) or getattr(e.module, op, None)
    try:
        return list(inspect.signature(func).parameters) if func is not None else []
    except (TypeError, ValueError):
        return []


for _name, _lo, _hi in (("exp", -2, 2), ("log", 0.5, 3), ("tanh", -2, 2), ("relu", -2, 2), ("sigmoid", -3, 3)):
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


def _reversed(op: str) -> Callable[..., Obs]:
    """A number on the left (``2.5 - x``): the reflected dunder, ``__rsub__`` and the like."""

    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x = e.leaf(rng.uniform(0.5, 2.0, size=(3, 4)), label="x")
        y = e.binop(SYMBOL[op], 2.5, x)
        e.backward(e.loss(y, _nonuniform(rng, (3, 4))))
        return {"forward": e.data(y), "x.grad": e.grad(x)}

    return run


for _op in SYMBOL:
    _add("ops", f"c {SYMBOL[_op]} x", _reversed(_op))


def _getitem(key: Any) -> Callable[..., Obs]:
    """Indexing: the backward scatters the upstream gradient into zeros of x's shape, adding at repeated indices."""

    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x = e.leaf(rng.uniform(-2.0, 2.0, size=(4, 3)), label="x")
        y = e.index(x, key)
        e.backward(e.loss(y, _nonuniform(rng, np.shape(e.data(y)))))
        return {"forward": e.data(y), "x.grad": e.grad(x)}

    return run


_add("ops", "x[1:3]", _getitem(slice(1, 3)))
_add("ops", "x[[0,2,0]]", _getitem([0, 2, 0]))


def _matmul(sa: tuple[int, ...], sb: tuple[int, ...]) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        a, b = e.leaf(rng.normal(size=sa), label="a"), e.leaf(rng.normal(size=sb), label="b")
        y = e.binop("@", a, b)
        e.backward(e.loss(y, _nonuniform(rng, np.shape(e.data(y)))))
        return {"forward": e.data(y), **_grads(e, a=a, b=b)}

    return run


# 2-D, then what NumPy's matmul also accepts: a 1-D operand on either side, batches (broadcast too).
for _sa, _sb in (((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((2, 3, 4), (4, 2)), ((2, 3, 4), (2, 4, 5))):
    _add("matmul", f"matmul{_sa}@{_sb}".replace(" ", ""), _matmul(_sa, _sb))


def _cross_entropy(scale: float) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        z = e.leaf(rng.normal(size=(4, 5)) * scale, label="z")
        loss = e.call("cross_entropy", z, np.array([0, 3, 1, 4]))
        e.backward(loss)
        return {"forward": e.data(loss), "z.grad": e.grad(z)}

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
    e.backward(e.loss(e.binop("+", x, x), _w(e, rng)))
    return _grads(e, x=x)


def _reuse_mul(e: Engine, rng: np.random.Generator) -> Obs:
    x = _x(e, rng)
    e.backward(e.loss(e.binop("*", x, x), _w(e, rng)))
    return _grads(e, x=x)


def _diamond(e: Engine, rng: np.random.Generator) -> Obs:
    x = _x(e, rng)
    y = e.binop("*", x, 1.5)
    z = e.binop("+", e.call("exp", y), e.binop("*", y, y))
    e.backward(e.loss(z, _w(e, rng)))
    return _grads(e, x=x)


def _three_uses(e: Engine, rng: np.random.Generator) -> Obs:
    x, u = _x(e, rng), _x(e, rng, label="u")
    h = e.binop("*", x, u)
    z = e.binop("+", e.binop("+", e.call("tanh", h), e.binop("*", h, 2.0)), e.binop("*", h, h))
    e.backward(e.loss(z, _w(e, rng)))
    return _grads(e, x=x, u=u)


def _topo(e: Engine, rng: np.random.Generator) -> Obs:
    """``a`` reaches the output by a short path and by a long one: processing ``a`` before the long path is done
    (breadth-first, or in the order a walk discovers nodes) loses that path's contribution."""
    x = _x(e, rng)
    a = e.binop("*", x, 1.5)
    c = e.binop("*", e.call("tanh", a), e.call("tanh", a))
    d = e.binop("*", e.binop("+", c, a), e.binop("+", a, c))
    e.backward(e.loss(d, _w(e, rng)))
    return _grads(e, x=x)


ORDER_PROBE = "small-graph-repeated"


def _small_graph(e: Engine, rng: np.random.Generator) -> Obs:
    """Three nodes, run many times with fresh objects: a walk in a set's order gets it right in some runs only."""
    x = _x(e, rng)
    y = e.call("exp", x)
    e.backward(e.loss(y, _w(e, rng)) if e.api["scalar"] else e.call("sum", y))
    return _grads(e, x=x)


def _deep(n: int) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x = _x(e, rng)
        w = _w(e, rng)
        code = f"y = {e.name(x)}\nfor _ in range({n}):\n    y = y * 1.0\n(y * 2.0 * w).sum().backward()  # w = {w!r}"
        with e.quiet(code):
            y = x
            for _ in range(n):
                y = e.binop("*", y, 1.0)
            e.backward(e.loss(e.binop("*", y, 2.0), w))
        return _grads(e, x=x)

    return run


def _second_backward(zero: bool) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x = _x(e, rng)
        h = e.binop("*", x, x)
        y = e.binop("+", e.call("tanh", h), h)
        root = e.loss(y, _w(e, rng))
        e.backward(root)
        first = e.grad(x)
        if zero:
            e.zero_grad(x)
        e.backward(root)
        return {"x.grad (first backward)": first, "x.grad (second backward)": e.grad(x)}

    return run


def _integer_input(e: Engine, rng: np.random.Generator) -> Obs:
    try:
        x = e.leaf(np.array([1, 2, 3]), label="x")
    except Exception as error:  # refusing integer data with an error is a fine answer
        return {"refused": f"{type(error).__name__}: {error}"[:200]}
    w = np.array([0.5, -1.25, 2.75])
    e.backward(e.loss(e.binop("*", x, 1.0), w))
    g = e.grad(x)
    return {"x.grad": g, "expected-x.grad": w, "x.grad dtype": None if g is None else str(g.dtype)}


for _scalar in (False, True):
    _add("reuse", "x+x", _reuse_add, scalar=_scalar)
    _add("reuse", "x*x", _reuse_mul, scalar=_scalar)
    _add("reuse", "diamond", _diamond, repeat=3, scalar=_scalar)
    _add("reuse", "three-uses", _three_uses, repeat=3, scalar=_scalar)
    _add("reuse", "topological-order", _topo, repeat=5, scalar=_scalar)
    _add("reuse", ORDER_PROBE, _small_graph, repeat=40, scalar=_scalar)
    _add("backward-twice", "second-backward-after-zero_grad", _second_backward(True), scalar=_scalar)
    _add("backward-twice", "second-backward-accumulates", _second_backward(False), scalar=_scalar)
    _add("deep-1000", "deep-chain-1000", _deep(1000), scalar=_scalar)
    _add("deep-100000", "deep-chain-100000", _deep(100_000), scalar=_scalar)
_add("integers", "integer-input", _integer_input, oracle="self")


# ---------------------------------------------------------------- scalar ops


def _scalar_op(op: str, low: float = 0.5, high: float = 2.0, reverse: bool = False) -> Callable[..., Obs]:
    def run(e: Engine, rng: np.random.Generator) -> Obs:
        x, other = _x(e, rng, low, high), float(rng.uniform(0.5, 2.0))
        if op in SYMBOL.values():
            y = e.binop(op, other, x) if reverse else e.binop(op, x, other)
        elif op == "leaves":
            u = _x(e, rng, label="u")
            y = e.binop("/", e.binop("-", e.binop("*", x, u), u), e.binop("+", x, 0.5))
            e.backward(e.loss(y, _w(e, rng)))
            return {"forward": e.data(y), **_grads(e, x=x, u=u)}
        elif op.startswith("pow"):
            y = e.pow(x, float(op[3:]))
        elif op == "neg":
            y = e.neg(x)
        else:
            y = e.call(op, x)
        e.backward(e.loss(y, _w(e, rng)))
        return {"forward": e.data(y), "x.grad": e.grad(x)}

    return run


for _sym in SYMBOL.values():
    _add("ops", f"x {_sym} c", _scalar_op(_sym), scalar=True)
    _add("ops", f"c {_sym} x", _scalar_op(_sym, reverse=True), scalar=True)
_add("ops", "x*u - u / (x + 0.5)", _scalar_op("leaves"), scalar=True)
for _name, _lo, _hi in (("exp", -2, 2), ("log", 0.5, 3), ("tanh", -2, 2), ("relu", 0.2, 2), ("sigmoid", -3, 3)):
    _add("ops", _name, _scalar_op(_name, _lo, _hi), scalar=True)
_add("ops", "neg", _scalar_op("neg"), scalar=True)
for _exponent in ("2", "3", "0.5", "-1"):
    _add("ops", f"pow{_exponent}", _scalar_op(f"pow{_exponent}"), scalar=True)


def checks_for(scalar: bool) -> list[CheckSpec]:
    return SCALAR if scalar else TENSOR


def groups_for(scalar: bool) -> list[str]:
    return list(dict.fromkeys(c.group for c in checks_for(scalar)))

"""The doctor's evaluation corpus (tests/engines/corpus): each engine and each of its bugs, established by PyTorch.

Fast group: every clean engine agrees with PyTorch float64 on the probes its bugs name (1e-7 for a float64
engine, 1e-5 relative for a float32 one), and every mutant, single-bug or "as found", disagrees on at
least one probe of each of its bugs: wrong values, a wrong shape, an exception, or (``exponential-walk``)
right values that take far longer than on the clean engine.  This makes each bug a fact that does not
depend on the doctor.

Slow group: the doctor's evaluation (benchmarks/eval_doctor.py) on the whole corpus, with its invariants
and its rates at floors (the constants below: what the doctor on main achieved when this was written).
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from engines.corpus.manifest import (
    AS_FOUND,
    ENGINES,
    HELDOUT,
    HELDOUT_AS_FOUND,
    NEW_IDS,
    Bug,
    Case,
    Engine,
    cases,
)

ROOT = Path(__file__).resolve().parents[1]

# The PyTorch confirmations run on the corpus and on the held-out set alike (the floors below: the corpus only).
ALL_ENGINES: dict[str, Engine] = {**ENGINES, **HELDOUT}
ALL_AS_FOUND: dict[str, tuple[str, tuple[str, ...]]] = {**AS_FOUND, **HELDOUT_AS_FOUND}

# ---------------------------------------------------------------- the floors of the slow evaluation
# What the doctor as on main (3815c4d) achieved (benchmarks/eval_doctor.py, 82 runs): 59/81 bugs shown, 44/81 named,
# 47/138 top-3 candidates real, 36/64 mutants first and in the top three.  Raise them as the doctor improves.
# On that doctor the invariants below fail (21 silent "ok", 8 runs with no check, 25 false alarms): the "before".
# After issue 15's work (82 runs): 81/81 shown, 78/81 named, 78/94 top-3 candidates real, 60/64 first, 62/64 in the
# top three, 0 false alarms, every engine examined.  Then (second bugs must show a check of their own, near ties
# explain as many checks, forgot-zero-grad and a lone unwrapped number op named, ops from the registry, 82 runs):
# 81/81 shown, 80/81 named, 79/84 top-3 candidates real, 63/64 first, 64/64 in the top three, 0 false alarms.
# The floors sit at or just under those figures, and at the issue's targets (first >= 90%, top three >= 98%,
# top-3 real >= 90%).
FLOOR_SHOWN = 0.98  # share of known bugs whose engine gets >= 1 failing check
FLOOR_NAMED = 0.97  # share of known bugs named among the candidates
FLOOR_TOP3_REAL = 0.90  # share of the top-3 candidates that are bugs the engine has
FLOOR_FIRST = 0.95  # single-bug mutants whose first candidate is the bug
FLOOR_TOP3 = 0.98  # single-bug mutants with the bug among the first three
MAX_FALSE_ALARMS = 0  # failing checks on clean engines
EXP_WALK_RATIO = 20.0  # an exponential walk takes at least this many times the clean engine's time

# ---------------------------------------------------------------- two backends with one interface


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _arr(seed: int, *shape: int, low: float = -1.5, high: float = 1.5) -> np.ndarray:
    return _rng(seed).uniform(low, high, size=shape)


class Torch:
    """The oracle: the same probe, in PyTorch float64."""

    def __init__(self, scalar: bool) -> None:
        self.scalar = scalar

    def leaf(self, v: Any) -> torch.Tensor:
        return torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True)

    def const(self, v: Any) -> torch.Tensor:
        return torch.tensor(np.asarray(v, dtype=np.float64))

    def op(self, name: str, *args: Any, **kw: Any) -> Any:
        a = args[0]
        ops: dict[str, Callable[[], Any]] = {
            "add": lambda: args[0] + args[1],
            "sub": lambda: args[0] - args[1],
            "mul": lambda: args[0] * args[1],
            "div": lambda: args[0] / args[1],
            "neg": lambda: -a,
            "pow": lambda: a ** args[1],
            "rsub": lambda: args[0] - args[1],  # rsub(c, x): the number on the left
            "rtruediv": lambda: args[0] / args[1],
            "matmul": lambda: args[0] @ args[1],
            "exp": lambda: a.exp(),
            "log": lambda: a.log(),
            "tanh": lambda: a.tanh(),
            "sigmoid": lambda: a.sigmoid(),
            "relu": lambda: a.relu(),
            "sum": lambda: (
                a.sum(dim=kw.get("axis"), keepdim=kw.get("keepdims", False)) if kw.get("axis") is not None else a.sum()
            ),
            "mean": lambda: (
                a.mean(dim=kw.get("axis"), keepdim=kw.get("keepdims", False))
                if kw.get("axis") is not None
                else a.mean()
            ),
            "softmax": lambda: torch.softmax(a, dim=kw["axis"]),
            "transpose": lambda: a.permute(*args[1]),
            "getitem": lambda: a[args[1]],
            "cat": lambda: torch.cat(list(args[0]), dim=kw.get("axis", 0)),
        }
        return ops[name]()

    def backward(self, y: torch.Tensor, retain: bool = False) -> None:
        y.backward(retain_graph=retain)

    def grad(self, x: torch.Tensor) -> Any:
        return None if x.grad is None else x.grad.numpy().copy()

    def value(self, y: Any) -> np.ndarray:
        return np.asarray(y.detach().numpy(), dtype=np.float64)

    def zero_grad(self, x: torch.Tensor) -> None:
        x.grad = None


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Learner:
    """A learner's engine driven through the same interface (``api`` in the manifest says how)."""

    def __init__(self, engine: Engine, module: Any) -> None:
        self.engine, self.m = engine, module
        self.scalar = engine.scalar
        self.cls = getattr(module, engine.target)

    def _make(self, v: Any, grad: bool) -> Any:
        api, data = self.engine.api, np.asarray(v, dtype=np.float64)
        if api == "functional":
            return self.m.variable(float(data)) if grad else self.m.constant(float(data))
        if api == "requires-grad":
            return self.cls(data, requires_grad=grad)
        return self.cls(float(data) if self.scalar else data)

    def leaf(self, v: Any) -> Any:
        return self._make(v, True)

    def const(self, v: Any) -> Any:
        return self._make(v, False)

    def op(self, name: str, *args: Any, **kw: Any) -> Any:
        m, a, api = self.m, args[0], self.engine.api
        if api == "functional":
            fn = {"rsub": "sub", "rtruediv": "div", "pow": "power"}.get(name, name)
            return getattr(m, fn)(*args)
        module_fns = api == "dezero" and name in ("exp", "tanh", "sum", "transpose", "matmul")
        if module_fns:
            if name == "sum":
                return m.sum(a, axis=kw.get("axis"), keepdims=kw.get("keepdims", False))
            return getattr(m, name)(*args)
        ops: dict[str, Callable[[], Any]] = {
            "add": lambda: args[0] + args[1],
            "sub": lambda: args[0] - args[1],
            "mul": lambda: args[0] * args[1],
            "div": lambda: args[0] / args[1],
            "neg": lambda: -a,
            "pow": lambda: a ** args[1],
            "rsub": lambda: args[0] - args[1],
            "rtruediv": lambda: args[0] / args[1],
            "matmul": lambda: args[0] @ args[1],
            "transpose": lambda: a.permute(args[1]) if hasattr(a, "permute") else a.transpose(args[1]),
            "getitem": lambda: a[args[1]],
            "cat": lambda: m.cat(list(args[0]), axis=kw.get("axis", 0)),
            "sum": lambda: a.sum(**kw),
            "mean": lambda: a.mean(**kw),
            "softmax": lambda: a.softmax(axis=kw["axis"]),
        }
        if name in ops:
            return ops[name]()
        return getattr(a, name)()

    def backward(self, y: Any, retain: bool = False) -> None:
        if self.engine.api == "functional":
            self.m.backward(y)
        else:
            y.backward()

    def grad(self, x: Any) -> Any:
        g = x.grad
        if g is None:
            return None
        if hasattr(g, "data") and not isinstance(g, np.ndarray):  # .grad as an engine object
            g = g.data
        return np.asarray(g, dtype=np.float64).copy()

    def value(self, y: Any) -> np.ndarray:
        for attr in ("data", "val", "value"):
            if hasattr(y, attr) and not isinstance(y, np.ndarray):
                return np.asarray(getattr(y, attr), dtype=np.float64)
        return np.asarray(y, dtype=np.float64)  # a plain array (a cut graph)

    def zero_grad(self, x: Any) -> None:
        if self.engine.api == "functional":
            self.m.zero_grad(x)
        elif self.engine.api == "dezero":
            x.cleargrad()
        else:
            x.zero_grad()


# ---------------------------------------------------------------- the probes (one function, run on both backends)

Obs = dict[str, Any]


def _loss(B: Any, y: Any, shape: tuple[int, ...], seed: int = 99) -> Any:
    """A scalar with a non-uniform upstream gradient: sum(W * y), or c * y on a scalar engine."""
    if B.scalar:
        return B.op("mul", y, B.const(0.37))
    return B.op("sum", B.op("mul", y, B.const(_arr(seed, *shape, low=0.3, high=1.7))))


def _binary(op: str, positive: bool = False) -> Callable[[Any], Obs]:
    def probe(B: Any) -> Obs:
        low = 0.6 if positive else -1.5
        if B.scalar:
            a, b = B.leaf(1.3), B.leaf(0.8 if positive else -0.7)
            shape: tuple[int, ...] = ()
        else:
            a, b = B.leaf(_arr(1, 3, 1)), B.leaf(_arr(2, 1, 4, low=low, high=1.9))
            shape = (3, 4)
        y = B.op(op, a, b)
        B.backward(_loss(B, y, shape))
        return {"y": B.value(y), "ga": B.grad(a), "gb": B.grad(b)}

    return probe


def _unary(op: str, *extra: Any, low: float = -1.5, high: float = 1.5) -> Callable[[Any], Obs]:
    def probe(B: Any) -> Obs:
        x = B.leaf(0.83 if B.scalar else _arr(3, 2, 3, low=low, high=high))
        y = B.op(op, x, *extra)
        B.backward(_loss(B, y, () if B.scalar else (2, 3)))
        return {"y": B.value(y), "gx": B.grad(x)}

    return probe


def _x(B: Any, seed: int = 4, low: float = 0.5, high: float = 1.5) -> Any:
    return B.leaf(1.17 if B.scalar else _arr(seed, 3, low=low, high=high))


def _shape(B: Any) -> tuple[int, ...]:
    return () if B.scalar else (3,)


def p_numbers(B: Any) -> Obs:
    x = _x(B)
    y = B.op("add", B.op("mul", B.op("sub", x, 2.0), x), B.op("neg", x))
    y = B.op("add", y, B.op("rtruediv", 2.0, x))
    y = B.op("add", y, B.op("mul", x, 3.0))
    B.backward(_loss(B, y, _shape(B)))
    return {"y": B.value(y), "gx": B.grad(x)}


def p_rsub(B: Any) -> Obs:
    x = _x(B)
    y = B.op("rsub", 2.0, x)
    B.backward(_loss(B, y, _shape(B)))
    return {"y": B.value(y), "gx": B.grad(x)}


def p_rtruediv(B: Any) -> Obs:
    x = _x(B)
    y = B.op("rtruediv", 2.0, x)
    B.backward(_loss(B, y, _shape(B)))
    return {"y": B.value(y), "gx": B.grad(x)}


def p_reuse(B: Any) -> Obs:
    x = _x(B)
    y = B.op("add", B.op("mul", x, x), x)  # d/dx = 2x + 1: three contributions to x
    B.backward(_loss(B, y, _shape(B)))
    return {"y": B.value(y), "gx": B.grad(x)}


def p_topo(B: Any) -> Obs:
    """Paths of different lengths meet: a node's gradient is complete only after all of its users ran."""
    x, w = _x(B, 5), _x(B, 6)
    a = B.op("mul", x, w)
    b = B.op("mul", a, a)
    c = B.op("add", B.op("mul", b, a), a)
    d = B.op("add", B.op("mul", c, c), b)
    B.backward(_loss(B, d, _shape(B)))
    return {"d": B.value(d), "gx": B.grad(x), "gw": B.grad(w)}


def p_deep(B: Any) -> Obs:
    x = _x(B, 7)
    y = x
    for _ in range(3000):
        y = B.op("add", y, 0.001)
    B.backward(_loss(B, y, _shape(B)))
    return {"gx": B.grad(x)}  # y itself carries 3000 roundings in float32: the gradient is the claim


def p_same_graph_twice(B: Any) -> Obs:
    """backward twice on one graph: the leaves get twice the gradient, nothing more."""
    x, w = _x(B, 8), _x(B, 9)
    b = B.op("add", B.op("mul", x, w), x)
    y = _loss(B, B.op("mul", b, w), _shape(B))
    B.backward(y, retain=True)
    B.backward(y)
    return {"gx": B.grad(x), "gw": B.grad(w)}


def p_zero_grad(B: Any) -> Obs:
    x, w = _x(B, 10), _x(B, 11)
    B.backward(_loss(B, B.op("mul", x, w), _shape(B)))
    B.zero_grad(x)
    B.zero_grad(w)
    B.backward(_loss(B, B.op("mul", x, B.op("mul", w, w)), _shape(B)))
    return {"gx": B.grad(x), "gw": B.grad(w)}


def p_constant(B: Any) -> Obs:
    x, c = _x(B, 12), B.const(_arr(13, 3))
    y = B.op("add", B.op("mul", x, c), c)
    B.backward(_loss(B, y, (3,)))
    return {"y": B.value(y), "gx": B.grad(x)}


def p_aliasing(B: Any) -> Obs:
    out: Obs = {}
    for order in ("sum-first", "a-first"):
        a, b = _x(B, 14), _x(B, 15)
        if order == "sum-first":  # the graph built in this order: creation-ordered engines run it in reverse
            s = _loss(B, B.op("add", a, b), (3,), 21)
            t = _loss(B, a, (3,), 22)
        else:
            t = _loss(B, a, (3,), 22)
            s = _loss(B, B.op("add", a, b), (3,), 21)
        B.backward(B.op("add", s, t))
        out[f"ga {order}"], out[f"gb {order}"] = B.grad(a), B.grad(b)
    return out


def p_exp_overflow(B: Any) -> Obs:
    s, t = B.leaf(-1000.0), B.leaf(400.0)
    y = B.op("add", B.op("sigmoid", s), B.op("tanh", t))
    B.backward(y)
    return {"y": B.value(y), "gs": B.grad(s), "gt": B.grad(t)}


EXP_WALK_SQUARINGS = 16


def p_exp_walk(B: Any) -> Obs:
    """y = y * y, 16 times: 16 nodes, but 2**16 paths from y back to x."""
    x = B.leaf(1.00001 if B.scalar else np.full(2, 1.00001))
    y = x
    for _ in range(EXP_WALK_SQUARINGS):
        y = B.op("mul", y, y)
    B.backward(_loss(B, y, () if B.scalar else (2,)))
    return {"y": B.value(y), "gx": B.grad(x)}


def p_sum_axis(B: Any) -> Obs:
    x = B.leaf(_arr(16, 3, 4))
    s0 = _loss(B, B.op("sum", x, axis=0), (4,), 31)
    s1 = _loss(B, B.op("sum", x, axis=1), (3,), 32)
    B.backward(B.op("add", s0, s1))
    return {"s0": B.value(s0), "s1": B.value(s1), "gx": B.grad(x)}


def p_mean_axis(B: Any) -> Obs:
    x = B.leaf(_arr(17, 3, 4))
    m1 = B.op("mean", x, axis=1)
    B.backward(_loss(B, m1, (3,)))
    return {"m1": B.value(m1), "gx": B.grad(x)}


def _matmul_pairs(B: Any, pairs: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> Obs:
    out: Obs = {}
    for i, (sa, sb) in enumerate(pairs):
        a, b = B.leaf(_arr(40 + i, *sa)), B.leaf(_arr(50 + i, *sb))
        y = B.op("matmul", a, b)
        shape = np.broadcast_shapes(sa[:-2], sb[:-2]) + sa[-2:-1] + sb[-1:] if len(sb) > 1 else sa[:-1]
        B.backward(_loss(B, y, tuple(shape)))
        out[f"{sa}@{sb}"] = B.value(y)
        out[f"ga {sa}@{sb}"], out[f"gb {sa}@{sb}"] = B.grad(a), B.grad(b)
    return out


def p_matmul(B: Any) -> Obs:
    return _matmul_pairs(B, [((3, 4), (4, 2))])


def p_matmul_batched(B: Any) -> Obs:
    return _matmul_pairs(B, [((2, 3, 4), (4, 5)), ((3, 4), (4,))])


def _softmax(axis: int) -> Callable[[Any], Obs]:
    def probe(B: Any) -> Obs:
        x = B.leaf(_arr(18, 3, 4))
        y = B.op("softmax", x, axis=axis)
        B.backward(_loss(B, y, (3, 4)))
        return {"y": B.value(y), "gx": B.grad(x)}

    return probe


def p_transpose3d(B: Any) -> Obs:
    x = B.leaf(_arr(19, 2, 3, 4))
    y = B.op("transpose", x, (1, 2, 0))
    B.backward(_loss(B, y, (3, 4, 2)))
    return {"y": B.value(y), "gx": B.grad(x)}


def p_getitem(B: Any) -> Obs:
    x = B.leaf(_arr(20, 5, 3))
    y = B.op("getitem", x, slice(1, 4))
    B.backward(_loss(B, y, (3, 3)))
    return {"y": B.value(y), "gx": B.grad(x)}


def p_cat(B: Any) -> Obs:
    pieces = [B.leaf(_arr(60 + i, n, 3)) for i, n in enumerate((2, 3, 1))]
    y = B.op("cat", pieces, axis=0)
    B.backward(_loss(B, y, (6, 3)))
    return {"y": B.value(y), **{f"g{i}": B.grad(p) for i, p in enumerate(pieces)}}


def p_reductions(B: Any) -> Obs:
    """sum and mean over every axis form: all, one axis (negative too), a tuple, keepdims."""
    out: Obs = {}
    x = B.leaf(_arr(23, 2, 3, 4))
    forms: list[dict[str, Any]] = [{}, {"axis": 0}, {"axis": -1}, {"axis": (0, 2)}, {"axis": 1, "keepdims": True}]
    for op in ("sum", "mean"):
        for i, kw in enumerate(forms):
            y = B.op(op, x, **kw)
            shape = np.asarray(np.zeros((2, 3, 4)).sum(**kw)).shape
            B.backward(_loss(B, y, shape, 70 + i))
            out[f"{op}{kw}"] = B.value(y)
    out["gx"] = B.grad(x)
    return out


PROBES: dict[str, Callable[[Any], Obs]] = {
    "add": _binary("add"),
    "sub": _binary("sub"),
    "mul": _binary("mul"),
    "div": _binary("div", positive=True),
    "pow": _unary("pow", 3, low=0.5, high=1.5),
    "pow-half": _unary("pow", 0.5, low=0.5, high=1.5),
    "pow-minus-one": _unary("pow", -1, low=0.5, high=1.5),
    "neg": _unary("neg"),
    "unary-log": _unary("log", low=0.5, high=2.0),
    "reductions": p_reductions,
    "unary-exp": _unary("exp"),
    "unary-tanh": _unary("tanh"),
    "unary-sigmoid": _unary("sigmoid"),
    "unary-relu": _unary("relu"),
    "numbers": p_numbers,
    "rsub": p_rsub,
    "rtruediv": p_rtruediv,
    "reuse": p_reuse,
    "topo": p_topo,
    "deep": p_deep,
    "same-graph-twice": p_same_graph_twice,
    "zero-grad": p_zero_grad,
    "constant": p_constant,
    "aliasing": p_aliasing,
    "exp-overflow": p_exp_overflow,
    "exp-walk": p_exp_walk,
    "sum-axis": p_sum_axis,
    "mean-axis": p_mean_axis,
    "matmul": p_matmul,
    "matmul-batched": p_matmul_batched,
    "softmax": _softmax(-1),
    "softmax-axis0": _softmax(0),
    "transpose3d": p_transpose3d,
    "getitem": p_getitem,
    "cat": p_cat,
}

# ---------------------------------------------------------------- running a probe, comparing with PyTorch

_serial = itertools.count()


def _module(case: Case, folder: Path) -> Any:
    path = case.write(folder / f"case{next(_serial)}")
    return _load(path, f"corpus_{case.engine.name}_{next(_serial)}")


def _run(case: Case, folder: Path, probe: str) -> tuple[Obs | str, float]:
    """The probe's observations on the engine (or the exception it raised, as text) and its time in seconds."""
    learner = Learner(case.engine, _module(case, folder))
    started = time.perf_counter()
    try:
        obs: Obs | str = PROBES[probe](learner)
    except Exception as error:  # any exception is an observation: the engine cannot do what PyTorch does
        obs = f"raised {type(error).__name__}: {str(error)[:200]}"
    return obs, time.perf_counter() - started


def _expected(case: Case, probe: str) -> Obs:
    return PROBES[probe](Torch(case.engine.scalar))


def _disagreement(got: Obs | str, expected: Obs, dtype: str) -> str:
    """'' when ``got`` matches PyTorch's ``expected``; otherwise what differs."""
    if isinstance(got, str):
        return got
    rtol, atol = (1e-7, 1e-9) if dtype == "float64" else (1e-5, 1e-6)
    for key, want in expected.items():
        have = got.get(key)
        if have is None:
            return f"{key}: None where PyTorch has {np.asarray(want).shape}"
        have, want = np.asarray(have, dtype=np.float64), np.asarray(want, dtype=np.float64)
        if have.shape != want.shape:
            return f"{key}: shape {have.shape} instead of {want.shape}"
        if not np.allclose(have, want, rtol=rtol, atol=atol, equal_nan=True):
            return f"{key}: max error {np.nanmax(np.abs(have - want)):.3g}"
    return ""


# ---------------------------------------------------------------- the fast tests


def test_the_corpus_is_as_the_issue_asks() -> None:
    assert len(ENGINES) >= 12
    for engine in ENGINES.values():
        assert 3 <= len(engine.bugs) <= 6, engine.name
        assert engine.dtype in ("float64", "float32")
        assert set(engine.clean_probes) <= set(PROBES), engine.name
        for bug in engine.bugs:
            assert bug.probes and all(p in PROBES for p in bug.probes), (engine.name, bug.id)
    assert 4 <= len(AS_FOUND) <= 6 and all(2 <= len(ids) <= 4 for _, ids in AS_FOUND.values())
    used = {b.id for e in ENGINES.values() for b in e.bugs}
    assert set(NEW_IDS) <= used, set(NEW_IDS) - used


def test_the_heldout_set_is_as_its_brief_asks() -> None:
    assert len(HELDOUT) >= 4 and not set(HELDOUT) & set(ENGINES)
    catalog = {p.name for p in (ROOT / "src" / "minigrad" / "breaks" / "catalog").iterdir() if p.is_dir()}
    for engine in HELDOUT.values():
        assert 4 <= len(engine.bugs) <= 6, engine.name
        assert engine.api in ("operators", "dezero", "functional", "requires-grad")
        assert set(engine.clean_probes) <= set(PROBES), engine.name
        for bug in engine.bugs:
            assert bug.id in catalog and set(bug.also_right) <= catalog, (engine.name, bug.id)
            assert bug.probes and all(p in PROBES for p in bug.probes), (engine.name, bug.id)
    assert len(HELDOUT_AS_FOUND) >= 2 and all(2 <= len(ids) <= 3 for _, ids in HELDOUT_AS_FOUND.values())
    assert all(engine in HELDOUT for engine, _ in HELDOUT_AS_FOUND.values())


def test_every_bug_edits_its_engine_exactly_as_written() -> None:
    for case in cases() + cases(heldout=True):
        text = case.source()
        compile(text, case.engine.file, "exec")
        if case.bugs:
            assert text != case.engine.source(), case.name


@pytest.mark.parametrize("name", sorted(ALL_ENGINES))
def test_each_clean_engine_agrees_with_pytorch_on_its_probes(tmp_path: Path, name: str) -> None:
    engine = ALL_ENGINES[name]
    clean = Case(name, engine, ())
    for probe in engine.clean_probes:
        got, _ = _run(clean, tmp_path, probe)
        assert _disagreement(got, _expected(clean, probe), engine.dtype) == "", (name, probe, got)


def _bug_is_seen(case: Case, bug: Bug, folder: Path) -> str:
    """Why ``bug`` is established on ``case`` (a PyTorch disagreement or a time blow-up), or '' when it is not."""
    for probe in bug.probes:
        got, seconds = _run(case, folder, probe)
        differs = _disagreement(got, _expected(case, probe), case.engine.dtype)
        if bug.id == "exponential-walk":
            # Values right, time exponential: measured as a ratio to the clean engine on the same probe.
            clean = Case(case.engine.name, case.engine, ())
            clean_seconds = min(_run(clean, folder, probe)[1] for _ in range(3))  # the best of 3: load only adds
            ratio = seconds / max(clean_seconds, 1e-4)
            if differs == "" and ratio >= EXP_WALK_RATIO:
                return f"{probe}: values right, {ratio:.0f}x the clean engine's time"
        elif differs:
            return f"{probe}: {differs}"
    return ""


SINGLE = [(e.name, b.id) for e in ALL_ENGINES.values() for b in e.bugs]


@pytest.mark.parametrize(("name", "bug_id"), SINGLE, ids=[f"{n}/{b}" for n, b in SINGLE])
def test_each_mutant_disagrees_with_pytorch(tmp_path: Path, name: str, bug_id: str) -> None:
    engine = ALL_ENGINES[name]
    bug = engine.bug(bug_id)
    assert _bug_is_seen(Case(f"{name}/{bug_id}", engine, (bug,)), bug, tmp_path), f"{name}/{bug_id} not established"


@pytest.mark.parametrize("name", sorted(ALL_AS_FOUND))
def test_each_bug_of_an_as_found_engine_is_seen_there(tmp_path: Path, name: str) -> None:
    engine_name, ids = ALL_AS_FOUND[name]
    engine = ALL_ENGINES[engine_name]
    case = Case(name, engine, tuple(engine.bug(i) for i in ids))
    unseen = [bug.id for bug in case.bugs if not _bug_is_seen(case, bug, tmp_path)]
    assert unseen == [], f"{name}: {unseen} not established with the other bugs present"


# ---------------------------------------------------------------- the slow evaluation


def _evaluate(*flags: str, max_false_alarms: int = 0) -> tuple[dict[str, Any], list[str]]:
    """``eval_doctor.py --json`` in a fresh interpreter: its totals, and every broken invariant at once (every
    case examined, no "ok" on an engine with a bug, at most ``max_false_alarms`` failing checks on clean ones)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "eval_doctor.py"), "--json", *flags],
        capture_output=True,
        text=True,
        env=env,
        timeout=3000,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout)
    totals, rows = result["totals"], result["rows"]
    print(json.dumps(totals, indent=1))
    problems = []
    not_examined = [r["case"] for r in rows if not r["examined"]]
    if not_examined:
        problems.append(f"not examined (crash, timeout, refusal, or no check ran): {not_examined}")
    silent = [r["case"] for r in rows if r["silent_ok"]]
    if silent:
        problems.append(f"'ok' on an engine with a bug: {silent}")
    if totals["false_alarm_checks"] > max_false_alarms:
        false_alarms = {r["case"]: r["failing"] for r in rows if r["kind"] == "clean" and r["failing"]}
        problems.append(f"{totals['false_alarm_checks']} false-alarm checks on clean engines: {false_alarms}")
    return totals, problems


@pytest.mark.slow
def test_the_doctor_on_the_corpus() -> None:
    # every invariant and floor at once, so that one run shows all that is missing
    totals, problems = _evaluate(max_false_alarms=MAX_FALSE_ALARMS)
    floors = [
        ("shown_rate", FLOOR_SHOWN),
        ("named_rate", FLOOR_NAMED),
        ("top3_real_rate", FLOOR_TOP3_REAL),
        ("first_rate", FLOOR_FIRST),
        ("top3_rate", FLOOR_TOP3),
    ]
    problems += [f"{key} {totals[key]:.2%} below its floor {floor:.0%}" for key, floor in floors if totals[key] < floor]
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
def test_the_doctor_on_the_heldout_set() -> None:
    """The held-out set's invariants only (no floors: its rates are the held-out measurement, not a target)."""
    totals, problems = _evaluate("--heldout", "--jobs", "2")
    assert totals["cases"] == len(cases(heldout=True))
    assert problems == [], "\n".join(problems)

"""Breaks in the scalar engine of phase 7 (``minigrad/scalar.py``, the ``Value`` class)."""

from __future__ import annotations

from typing import Any

from ...scalar import Value
from ..core import BreakCode, CaseCode, Expect, Probe
from ._support import SAME, WRONG_VALUES, Observation, rng


def _each_value_used_once() -> Observation:
    a, b, c = Value(2.0), Value(-3.0), Value(0.5)
    (a * b + c).backward()
    return {"a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}


def _a_times_a() -> Observation:
    a = Value(2.0)
    (a * a).backward()  # d(a**2)/da = 2a = 4
    return {"a.grad": a.grad}


def _module_docstring_example() -> Observation:
    a, b = Value(2.0), Value(-3.0)
    (a * b + a).backward()  # a is used twice: d/da = b + 1 = -2
    return {"a.grad": a.grad, "b.grad": b.grad}


def _reused_intermediate() -> Observation:
    a, b = Value(0.5), Value(-1.5)
    h = a * b
    (h * h.tanh() + h).backward()  # h is used three times: by *, by tanh and by +
    return {"a.grad": a.grad, "b.grad": b.grad}


def _probe_reuse(F: Any, a: Value, b: Value) -> Value:
    return a * b + a * a


SCALAR_INPUTS = tuple(float(v) for v in rng(231).standard_normal(2))

VALUE_ASSIGN_NOT_ACCUMULATE = BreakCode(
    "value-assign-not-accumulate",
    cases=(
        CaseCode("each-value-used-once", _each_value_used_once, SAME),
        CaseCode("a-times-a", _a_times_a, WRONG_VALUES, expect=Expect("a.grad", factor=0.5)),
        CaseCode("module-docstring-example", _module_docstring_example, WRONG_VALUES),
        CaseCode("reused-intermediate", _reused_intermediate, WRONG_VALUES),
    ),
    probe=Probe(_probe_reuse, SCALAR_INPUTS, scalar=True),
)

BREAKS = [VALUE_ASSIGN_NOT_ACCUMULATE]

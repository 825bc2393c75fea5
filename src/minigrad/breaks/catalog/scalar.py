"""Breaks in the scalar engine of phase 7 (``minigrad/scalar.py``, the ``Value`` class)."""

from __future__ import annotations

from typing import Any

from ...scalar import Value
from ..core import Break, Case, Patch, Probe, Text
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

VALUE_ASSIGN_NOT_ACCUMULATE = Break(
    id="value-assign-not-accumulate",
    family="scalar",
    title=Text(
        en="Value backward assigns (=) instead of accumulating (+=)",
        es="El backward de Value asigna (=) en vez de acumular (+=)",
    ),
    lesson=Text(
        en="The phase 7 classic. Each _backward adds its input's share: self.grad += ... . Writing = instead "
        "works as long as every value is used exactly once (every grad starts at 0, so = and += agree), and "
        "breaks as soon as a value is reused: a * a, a * b + a, a hidden unit feeding two others. The use whose "
        "_backward runs last wins.",
        es="El clásico de la fase 7. Cada _backward suma la parte de su entrada: self.grad += ... . Escribir = "
        "funciona mientras cada valor se use exactamente una vez (todo grad empieza en 0, así que = y += "
        "coinciden), y falla en cuanto un valor se reutiliza: a * a, a * b + a, una unidad oculta que alimenta "
        "a otras dos. Gana el uso cuyo _backward se ejecuta en último lugar.",
    ),
    hypothesis=Text(
        en="With = in the _backward of + and *, a graph in which every value is used once is unaffected; a * a "
        "gives a.grad = a instead of 2a; a * b + a and a reused intermediate node get wrong gradients.",
        es="Con = en el _backward de + y *, un grafo en el que cada valor se usa una vez no cambia; a * a da "
        "a.grad = a en vez de 2a; a * b + a y un nodo intermedio reutilizado reciben gradientes erróneos.",
    ),
    patches=(
        Patch(
            "scalar:Value.__add__",
            "        self.grad += out.grad\n        other.grad += out.grad\n",
            "        self.grad = out.grad\n        other.grad = out.grad\n",
        ),
        Patch(
            "scalar:Value.__mul__",
            "        self.grad += other.data * out.grad\n        other.grad += self.data * out.grad\n",
            "        self.grad = other.data * out.grad\n        other.grad = self.data * out.grad\n",
        ),
    ),
    cases=(
        Case(
            Text("each value used once: a * b + c", "cada valor se usa una vez: a * b + c"),
            _each_value_used_once,
            SAME,
        ),
        Case(
            Text("a * a at a = 2", "a * a en a = 2"),
            _a_times_a,
            WRONG_VALUES,
            Text(
                "Both inputs of the product are a: other.grad = a * dout overwrites self.grad = a * dout, so "
                "a.grad is 2 instead of 4.",
                "Las dos entradas del producto son a: other.grad = a * dout sobrescribe self.grad = a * dout, así "
                "que a.grad vale 2 en vez de 4.",
            ),
        ),
        Case(
            Text(
                "a * b + a (the example of scalar.py's docstring)",
                "a * b + a (el ejemplo del docstring de scalar.py)",
            ),
            _module_docstring_example,
            WRONG_VALUES,
        ),
        Case(
            Text(
                "a reused intermediate: h = a * b; h * tanh(h) + h",
                "un intermedio reutilizado: h = a * b; h * tanh(h) + h",
            ),
            _reused_intermediate,
            WRONG_VALUES,
        ),
    ),
    probe=Probe(_probe_reuse, SCALAR_INPUTS, scalar=True),
    catches=("gradcheck",),
)

BREAKS = [VALUE_ASSIGN_NOT_ACCUMULATE]

"""Breaks in undoing broadcasting: the family that tensor autograd adds to scalar autograd."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...engine import shape_check
from ..core import Break, Case, Patch, Probe, Text
from ._support import LOUD_OR_SHAPE, SAME, WRONG_VALUES, backward_of, grads, leaf, rng

W_3x5 = np.arange(15, dtype=np.float64).reshape(3, 5)


def _regime1() -> Any:
    a = leaf([1.0, 2.0, 3.0])
    b = leaf([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0], [70.0, 80.0, 90.0], [100.0, 110.0, 120.0]])
    return (a + b).sum(), {"a": a, "b": b}


def _regime2() -> Any:
    a2 = leaf([[1.0], [2.0], [3.0]])
    b2 = leaf(np.ones((3, 5)))
    return (a2 + b2).sum(), {"a2": a2, "b2": b2}


def _regime2_weighted() -> Any:
    a2 = leaf([[1.0], [2.0], [3.0]])
    b2 = leaf(np.ones((3, 5)))
    return ((a2 + b2) * W_3x5).sum(), {"a2": a2, "b2": b2}


def _regime2_unguarded() -> dict[str, Any]:
    with shape_check(False):
        return backward_of(_regime2_weighted)()


def _regime2_preallocated() -> dict[str, Any]:
    # Engines in the micrograd style start every .grad at zeros and add in place; do the same here.
    with shape_check(False):
        loss, leaves = _regime2_weighted()
        for t in leaves.values():
            t.grad = np.zeros(t.shape)
        loss.backward()
        return grads(**leaves)


SKIP_UNBROADCAST = Break(
    id="skip-unbroadcast",
    family="broadcasting",
    title=Text(
        en="Skip the unbroadcast (axis-sum) in the add backward",
        es="Omitir el unbroadcast (suma por ejes) en el backward de add",
    ),
    lesson=Text(
        en="Forward broadcasting is virtual replication; the chain rule says the gradient of the replicated "
        "operand is the sum over the copies. NumPy does not do that sum for you: every op that broadcasts "
        "must call unbroadcast(grad, input.shape) in its backward.",
        es="El broadcasting en forward es una replicación virtual; la regla de la cadena dice que el gradiente "
        "del operando replicado es la suma sobre las copias. NumPy no hace esa suma por ti: toda operación que "
        "hace broadcasting debe llamar a unbroadcast(grad, input.shape) en su backward.",
    ),
    hypothesis=Text(
        en="Without unbroadcast, (1) when broadcasting created an axis ((3,) + (4, 3)) the gradient has the "
        "wrong shape and either crashes or silently corrupts; (2) when only a length-1 axis was stretched "
        "((3, 1) + (3, 5)) the shapes happen to line up and the bug is disguised as correct for a sum loss, "
        "and gives wrong values for a non-uniform loss.",
        es="Sin unbroadcast, (1) cuando el broadcasting creó un eje ((3,) + (4, 3)) el gradiente sale con forma "
        "errónea y o bien crashea o corrompe en silencio; (2) cuando solo se estiró un eje de longitud 1 "
        "((3, 1) + (3, 5)) las formas encajan por accidente y el bug parece correcto con una pérdida suma, y da "
        "valores erróneos con una pérdida no uniforme.",
    ),
    patches=(
        Patch(
            "ops.elementwise:add",
            "        return unbroadcast(g, a_shape), unbroadcast(g, b_shape)\n",
            "        return g, g\n",
        ),
    ),
    cases=(
        Case(
            Text("regime 1: (3,) + (4, 3), loss = sum", "régimen 1: (3,) + (4, 3), pérdida = suma"),
            backward_of(_regime1),
            LOUD_OR_SHAPE,
        ),
        Case(
            Text("regime 2: (3, 1) + (3, 5), loss = sum", "régimen 2: (3, 1) + (3, 5), pérdida = suma"),
            backward_of(_regime2),
            SAME,
            Text(
                "minigrad checks every gradient's shape as it accumulates, so the (3, 5) gradient for the "
                "(3, 1) input is refused by name instead of lining up by accident.",
                "minigrad comprueba la forma de cada gradiente al acumularlo, así que el gradiente (3, 5) "
                "para la entrada (3, 1) se rechaza con nombre en vez de encajar por accidente.",
            ),
        ),
        Case(
            Text("regime 2, non-uniform loss sum((a2 + b2) * w)", "régimen 2, pérdida no uniforme sum((a2 + b2) * w)"),
            backward_of(_regime2_weighted),
            WRONG_VALUES,
        ),
        Case(
            Text("regime 2, non-uniform loss, shape check off", "régimen 2, pérdida no uniforme, sin comprobar formas"),
            _regime2_unguarded,
            WRONG_VALUES,
            Text(
                "Unguarded, the first gradient to reach a leaf becomes its .grad: a2.grad silently takes the "
                "shape (3, 5) of the output. Nothing lines up 'by accident'; the shape is simply wrong.",
                "Sin la comprobación, el primer gradiente que llega a una hoja pasa a ser su .grad: a2.grad "
                "toma en silencio la forma (3, 5) de la salida. Nada encaja 'por accidente'; la forma es errónea.",
            ),
        ),
        Case(
            Text(
                "regime 2, .grad pre-filled with zeros and updated in place (+=)",
                "régimen 2, .grad inicializado a ceros y actualizado in situ (+=)",
            ),
            _regime2_preallocated,
            WRONG_VALUES,
            Text(
                "With in-place accumulation (a2.grad += g), NumPy refuses to write a (3, 5) gradient into (3, 1) "
                "storage: 'non-broadcastable output operand'. The spec's 'disguised as correct' regime does "
                "not happen with in-place +=; it would need an out-of-place a2.grad = a2.grad + g.",
                "Con acumulación in situ (a2.grad += g), NumPy se niega a escribir un gradiente (3, 5) en un "
                "almacenamiento (3, 1): 'non-broadcastable output operand'. El régimen 'disfrazado de correcto' "
                "de la especificación no ocurre con += in situ; haría falta a2.grad = a2.grad + g.",
            ),
        ),
    ),
    probe=Probe(
        lambda F, a, b, w: ((a + b) * w).sum(),
        (rng(1).normal(size=(3, 1)), rng(2).normal(size=(3, 5)), rng(3).normal(size=(3, 5))),
    ),
    catches=("shape-guard", "grad-shapes", "gradcheck", "crosscheck"),
)

BREAKS = [SKIP_UNBROADCAST]

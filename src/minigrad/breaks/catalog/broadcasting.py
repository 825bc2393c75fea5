"""Breaks in undoing broadcasting: the family that tensor autograd adds to scalar autograd."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...engine import shape_check
from ..core import Break, Case, Patch, Probe, Text
from ._support import (
    CRASH,
    LOUD_OR_SHAPE,
    SAME,
    WRONG_SHAPE,
    WRONG_VALUES,
    Observation,
    backward_of,
    grads,
    leaf,
    normal,
    rng,
)

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
            Text(
                "The non-uniform loss changes the values, not the shapes: the (3, 5) gradient still reaches the "
                "(3, 1) input, and the shape guard refuses it before any wrong number can be stored.",
                "La pérdida no uniforme cambia los valores, no las formas: el gradiente (3, 5) sigue llegando a "
                "la entrada (3, 1), y la comprobación de formas lo rechaza antes de guardar ningún número erróneo.",
            ),
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


# --------------------------------------------------------------------------- skip-unbroadcast-mul


def _mul_same_shapes() -> Observation:
    x, w = leaf(normal(1, 3, 4)), leaf(normal(2, 3, 4))
    (x * w * normal(3, 3, 4)).sum().backward()
    return grads(x=x, w=w)


def _mul_feature_scale() -> Observation:
    x, gain = leaf(normal(1, 4, 3)), leaf(normal(2, 3))  # a per-feature gain, as in layer norm
    (x * gain * normal(3, 4, 3)).sum().backward()
    return grads(x=x, gain=gain)


def _mul_column_unguarded() -> Observation:
    x, col = leaf(normal(1, 3, 5)), leaf(normal(2, 3, 1))
    with shape_check(False):
        (x * col * normal(3, 3, 5)).sum().backward()
    return grads(x=x, col=col)


def _mul_by_python_number() -> Observation:
    x = leaf(normal(1, 4, 3))
    (x * 2.0 * normal(3, 4, 3)).sum().backward()
    return grads(x=x)


def _probe_scale(F: Any, x: Any, gain: Any, w: Any) -> Any:
    return x * gain * w


SKIP_UNBROADCAST_MUL = Break(
    id="skip-unbroadcast-mul",
    family="broadcasting",
    title=Text(
        en="Skip the unbroadcast in the mul backward",
        es="Omitir el unbroadcast en el backward de mul",
    ),
    lesson=Text(
        en="The spec's bug is not specific to add: every op that broadcasts in forward must sum its input "
        "gradients back to the input shapes. For mul the chain rule gives g * b for a, still of the output's "
        "shape; a per-feature gain or a column scale needs that product summed over the replicated axes.",
        es="El fallo de la especificación no es exclusivo de add: toda operación que hace broadcasting en el "
        "forward debe sumar los gradientes de sus entradas hasta la forma de cada entrada. Para mul la regla de "
        "la cadena da g * b para a, todavía con la forma de la salida; una ganancia por característica o un "
        "escalado por columnas necesita sumar ese producto sobre los ejes replicados.",
    ),
    hypothesis=Text(
        en="Without unbroadcast in mul: equal shapes are unaffected; a (3,) gain on a (4, 3) input gets a (4, 3) "
        "gradient and the engine's shape check refuses it, naming mul; with the check off a (3, 1) column "
        "ends up with a (3, 5) .grad; x * 2.0 (a Python number) is unaffected.",
        es="Sin unbroadcast en mul: con formas iguales no cambia nada; una ganancia (3,) sobre una entrada (4, 3) "
        "recibe un gradiente (4, 3) y la comprobación de formas del motor lo rechaza nombrando mul; sin la "
        "comprobación, una columna (3, 1) acaba con un .grad (3, 5); x * 2.0 (un número de Python) no se ve "
        "afectado.",
    ),
    patches=(
        Patch(
            "ops.elementwise:mul",
            "            unbroadcast(g * b_data, a_data.shape) if a._rg else None,\n"
            "            unbroadcast(g * a_data, b_data.shape) if b._rg else None,\n",
            "            g * b_data if a._rg else None,\n            g * a_data if b._rg else None,\n",
        ),
    ),
    cases=(
        Case(Text("equal shapes: (3, 4) * (3, 4)", "formas iguales: (3, 4) * (3, 4)"), _mul_same_shapes, SAME),
        Case(
            Text("a per-feature gain: (4, 3) * (3,)", "una ganancia por característica: (4, 3) * (3,)"),
            _mul_feature_scale,
            CRASH,
        ),
        Case(
            Text(
                "a column scale (3, 5) * (3, 1), shape check off",
                "un escalado por columnas (3, 5) * (3, 1), sin comprobar formas",
            ),
            _mul_column_unguarded,
            WRONG_SHAPE,
        ),
        Case(
            Text("x * 2.0 (a Python number)", "x * 2.0 (un número de Python)"),
            _mul_by_python_number,
            SAME,
            Text(
                "A Python number never becomes a graph input: it takes a separate fast path (_scale) whose "
                "backward is g * c, so this break cannot reach it.",
                "Un número de Python nunca se convierte en entrada del grafo: sigue un camino rápido aparte "
                "(_scale) cuyo backward es g * c, así que este fallo no lo alcanza.",
            ),
        ),
    ),
    probe=Probe(_probe_scale, (normal(71, 4, 3), normal(72, 3), normal(73, 4, 3))),
    catches=("shape-guard", "grad-shapes", "gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- unbroadcast-mean


def _add_same_shapes() -> Observation:
    a, b = leaf(normal(1, 4, 3)), leaf(normal(2, 4, 3))
    ((a + b) * normal(3, 4, 3)).sum().backward()
    return grads(a=a, b=b)


def _add_bias() -> Observation:
    x, bias = leaf(normal(1, 4, 3)), leaf(normal(2, 3))
    ((x + bias) * normal(3, 4, 3)).sum().backward()  # dL/dbias = the column sums of the weights
    return grads(x=x, bias=bias)


def _spec_regime_2() -> Observation:
    a2 = leaf([[1.0], [2.0], [3.0]])
    b2 = leaf(np.ones((3, 5)))
    (a2 + b2).sum().backward()
    return grads(a2=a2, b2=b2)


def _batch_of_one() -> Observation:
    x, bias = leaf(normal(1, 1, 3)), leaf(normal(2, 3))
    ((x + bias) * normal(3, 1, 3)).sum().backward()
    return grads(x=x, bias=bias)


def _probe_bias(F: Any, x: Any, bias: Any, w: Any) -> Any:
    return (x + bias) * w


UNBROADCAST_MEAN = Break(
    id="unbroadcast-mean",
    family="broadcasting",
    title=Text(
        en="The unbroadcast helper averages over the replicated axes instead of summing",
        es="La función unbroadcast promedia sobre los ejes replicados en vez de sumar",
    ),
    lesson=Text(
        en="Each replica of a broadcast operand contributes fully to the loss, so its gradient is the sum over "
        "the replicas, not their average. Averaging keeps every shape right, so no shape check can notice: "
        "the gradient of a bias is simply divided by the batch size, which looks like a smaller learning rate. "
        "With a batch of one the mean of one copy is the copy, and the bug hides.",
        es="Cada réplica de un operando con broadcasting contribuye por completo a la pérdida, así que su "
        "gradiente es la suma sobre las réplicas, no su media. Promediar mantiene todas las formas correctas, "
        "así que ninguna comprobación de formas puede notarlo: el gradiente de un sesgo queda simplemente "
        "dividido por el tamaño del lote, lo que parece una tasa de aprendizaje menor. Con un lote de uno, la "
        "media de una copia es la copia, y el fallo se esconde.",
    ),
    hypothesis=Text(
        en="With .mean( instead of .sum( in unbroadcast, shapes stay right; a broadcast operand's gradient is "
        "divided by the number of replicas ((3,) + (4, 3): by 4; the spec's regime 2: [1, 1, 1] instead of "
        "[5, 5, 5]); without broadcasting, or with a batch of one, nothing changes.",
        es="Con .mean( en vez de .sum( en unbroadcast, las formas siguen siendo correctas; el gradiente de un "
        "operando con broadcasting queda dividido por el número de réplicas ((3,) + (4, 3): entre 4; el "
        "régimen 2 de la especificación: [1, 1, 1] en vez de [5, 5, 5]); sin broadcasting, o con un lote de "
        "uno, nada cambia.",
    ),
    patches=(
        Patch(
            "unbroadcast:unbroadcast",
            "        grad = grad.sum(axis=stretched, keepdims=True)\n",
            "        grad = grad.mean(axis=stretched, keepdims=True)\n",
        ),
        Patch(
            "unbroadcast:unbroadcast",
            "        grad = np.asarray(grad.sum(axis=tuple(range(lead))))",
            "        grad = np.asarray(grad.mean(axis=tuple(range(lead))))",
        ),
    ),
    cases=(
        Case(Text("no broadcasting: (4, 3) + (4, 3)", "sin broadcasting: (4, 3) + (4, 3)"), _add_same_shapes, SAME),
        Case(Text("a bias: (4, 3) + (3,)", "un sesgo: (4, 3) + (3,)"), _add_bias, WRONG_VALUES),
        Case(
            Text(
                "the spec's regime 2: (3, 1) + (3, 5), loss = sum",
                "el régimen 2 de la especificación: (3, 1) + (3, 5), pérdida = suma",
            ),
            _spec_regime_2,
            WRONG_VALUES,
        ),
        Case(
            Text("a batch of one: (1, 3) + (3,)", "un lote de uno: (1, 3) + (3,)"),
            _batch_of_one,
            SAME,
            Text(
                "Broadcasting created an axis of length 1: the mean over one copy equals the sum. Tests that "
                "use a single example cannot tell the two apart.",
                "El broadcasting creó un eje de longitud 1: la media sobre una copia es igual a la suma. Las "
                "pruebas con un único ejemplo no pueden distinguirlas.",
            ),
        ),
    ),
    probe=Probe(_probe_bias, (normal(81, 4, 3), normal(82, 3), normal(83, 4, 3))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- sum-backward-no-keepdims


def _row_sums_rectangular() -> Observation:
    x = leaf(normal(1, 3, 4))
    (x.sum(axis=1) * normal(3, 3)).sum().backward()
    return grads(x=x)


def _row_sums_square() -> Observation:
    x = leaf(normal(1, 3, 3))
    (x.sum(axis=1) * normal(3, 3)).sum().backward()  # dL/dx[i, j] = w[i]
    return grads(x=x)


def _row_sums_square_uniform() -> Observation:
    x = leaf(normal(1, 3, 3))
    x.sum(axis=1).sum().backward()
    return grads(x=x)


def _column_sums() -> Observation:
    x = leaf(normal(1, 4, 3))
    (x.sum(axis=0) * normal(3, 3)).sum().backward()  # a reduction over the leading (batch) axis
    return grads(x=x)


def _probe_row_sums(F: Any, x: Any, w: Any) -> Any:
    return F.sum(x, dim=1) * w


SUM_BACKWARD_NO_KEEPDIMS = Break(
    id="sum-backward-no-keepdims",
    family="broadcasting",
    title=Text(
        en="Reduction backward broadcasts g back without re-inserting the reduced axes",
        es="El backward de una reducción hace broadcasting de g sin reinsertar los ejes reducidos",
    ),
    lesson=Text(
        en="x.sum(axis=1) of a (3, 4) x has shape (3,); to spread g back over the summed axis it must first "
        "become (3, 1). Broadcasting (3,) straight to (3, 4) aligns it on the right, with the wrong axis: it "
        "fails for (3, 4), but for a square (3, 3) it succeeds and silently transposes the gradient. "
        "Reductions over the leading axis, over all axes, or with keepdims=True happen to be right. The helper "
        "is shared by sum, mean, var, max and logsumexp, so all of them break together.",
        es="x.sum(axis=1) de un x (3, 4) tiene forma (3,); para repartir g sobre el eje sumado primero debe "
        "convertirse en (3, 1). Hacer broadcasting de (3,) directamente a (3, 4) lo alinea por la derecha, en el "
        "eje equivocado: falla para (3, 4), pero para un (3, 3) cuadrado funciona y traspone el gradiente en "
        "silencio. Las reducciones sobre el primer eje, sobre todos los ejes o con keepdims=True resultan "
        "correctas por casualidad. La función auxiliar la comparten sum, mean, var, max y logsumexp, así que "
        "fallan todas a la vez.",
    ),
    hypothesis=Text(
        en="Without np.expand_dims in _expand: (3, 4).sum(axis=1) crashes in backward; (3, 3).sum(axis=1) gives "
        "wrong values silently, except under a uniform loss (then g is constant and its direction does not "
        "matter); a sum over the leading axis stays right.",
        es="Sin np.expand_dims en _expand: (3, 4).sum(axis=1) falla en backward; (3, 3).sum(axis=1) da valores "
        "erróneos en silencio, salvo con una pérdida uniforme (entonces g es constante y su orientación da "
        "igual); una suma sobre el primer eje sigue siendo correcta.",
    ),
    patches=(
        Patch(
            "ops.reductions:_expand",
            "    if not keepdims:\n        g = np.expand_dims(g, axes)\n",
            "",
        ),
    ),
    cases=(
        Case(
            Text("row sums of a (3, 4) x, weighted loss", "sumas por filas de un x (3, 4), pérdida ponderada"),
            _row_sums_rectangular,
            CRASH,
            Text(
                "The error comes from NumPy inside sum's backward and does not name the op or the tensor: only "
                "the traceback leads to _expand.",
                "El error viene de NumPy dentro del backward de sum y no nombra la operación ni el tensor: solo "
                "la traza lleva hasta _expand.",
            ),
        ),
        Case(
            Text(
                "row sums of a square (3, 3) x, weighted loss",
                "sumas por filas de un x (3, 3) cuadrado, pérdida ponderada",
            ),
            _row_sums_square,
            WRONG_VALUES,
            Text(
                "g (3,) broadcast to (3, 3) puts w[j] in column j instead of w[i] in row i: the gradient is "
                "transposed, with the right shape, so no shape check can see it.",
                "g (3,) con broadcasting a (3, 3) pone w[j] en la columna j en vez de w[i] en la fila i: el "
                "gradiente sale traspuesto, con la forma correcta, así que ninguna comprobación de formas lo ve.",
            ),
        ),
        Case(
            Text(
                "row sums of a square (3, 3) x, loss = sum", "sumas por filas de un x (3, 3) cuadrado, pérdida = suma"
            ),
            _row_sums_square_uniform,
            SAME,
        ),
        Case(
            Text(
                "column sums (axis=0) of a (4, 3) x, weighted loss",
                "sumas por columnas (axis=0) de un x (4, 3), pérdida ponderada",
            ),
            _column_sums,
            SAME,
            Text(
                "NumPy broadcasting aligns shapes on the right, so a (3,) gradient spread over (4, 3) lands on "
                "the leading axis, which is exactly the axis that was summed.",
                "El broadcasting de NumPy alinea las formas por la derecha, así que un gradiente (3,) repartido "
                "sobre (4, 3) cae en el primer eje, que es justo el eje que se sumó.",
            ),
        ),
    ),
    probe=Probe(_probe_row_sums, (normal(91, 3, 3), normal(92, 3))),
    catches=("gradcheck", "crosscheck"),
)

BREAKS = [SKIP_UNBROADCAST, SKIP_UNBROADCAST_MUL, UNBROADCAST_MEAN, SUM_BACKWARD_NO_KEEPDIMS]

"""Breaks in single ops' backward rules (``minigrad/ops/*.py``): one wrong line of calculus each."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...diagnostics.gradcheck import gradcheck_report
from ...engine import shape_check
from ...ops.nn import cross_entropy, mse_loss, softmax
from ...ops.shape import cat
from ...tensor import Tensor
from ..core import Break, Case, Patch, Probe, Text
from ._support import CRASH, SAME, WRONG_SHAPE, WRONG_VALUES, Observation, const, grads, leaf, normal, rng

# --------------------------------------------------------------------------- matmul-no-transpose


def _matmul_rectangular() -> Observation:
    a, b = leaf(normal(1, 2, 3)), leaf(normal(2, 3, 4))
    ((a @ b) * normal(3, 2, 4)).sum().backward()
    return grads(a=a, b=b)


def _matmul_square() -> Observation:
    a, b = leaf(normal(1, 3, 3)), leaf(normal(2, 3, 3))
    ((a @ b) * normal(3, 3, 3)).sum().backward()
    return grads(a=a, b=b)


def _matmul_symmetric() -> Observation:
    m, n = normal(1, 3, 3), normal(2, 3, 3)
    a, b = leaf(m + m.T), leaf(n + n.T)  # symmetric: a.T == a, b.T == b
    ((a @ b) * normal(3, 3, 3)).sum().backward()
    return grads(a=a, b=b)


def _probe_matmul(F: Any, a: Any, b: Any, w: Any) -> Any:
    return (a @ b) * w


MATMUL_NO_TRANSPOSE = Break(
    id="matmul-no-transpose",
    family="ops",
    title=Text(
        en="matmul backward without the transposes: G @ B instead of G @ B.T",
        es="El backward de matmul sin las trasposiciones: G @ B en vez de G @ B.T",
    ),
    lesson=Text(
        en="For C = A @ B, dL/dA = G @ B.T and dL/dB = A.T @ G: each gradient must have its operand's shape, "
        "and the transposes are what make the shapes fit. Dropping them fails loudly for rectangular "
        "matrices, but with square ones every shape still fits and the gradients are silently wrong; with "
        "symmetric matrices they are even right. Test matmul with rectangular, non-symmetric operands.",
        es="Para C = A @ B, dL/dA = G @ B.T y dL/dB = A.T @ G: cada gradiente debe tener la forma de su "
        "operando, y las trasposiciones son lo que hace encajar las formas. Quitarlas falla con estrépito con "
        "matrices rectangulares, pero con matrices cuadradas todas las formas siguen encajando y los "
        "gradientes son erróneos en silencio; con matrices simétricas incluso son correctos. Prueba matmul con "
        "operandos rectangulares y no simétricos.",
    ),
    hypothesis=Text(
        en="Without the transposes, (2, 3) @ (3, 4) crashes in backward (the inner sizes no longer match); "
        "(3, 3) @ (3, 3) gives wrong values with the right shapes; symmetric operands give the right values.",
        es="Sin las trasposiciones, (2, 3) @ (3, 4) falla en backward (las dimensiones internas ya no "
        "coinciden); (3, 3) @ (3, 3) da valores erróneos con las formas correctas; con operandos simétricos "
        "los valores son correctos.",
    ),
    patches=(
        Patch(
            "ops.matmul:matmul",
            "ga = unbroadcast(np.matmul(g, np.swapaxes(B, -1, -2)), A.shape)",
            "ga = unbroadcast(np.matmul(g, B), A.shape)",
        ),
        Patch(
            "ops.matmul:matmul",
            "gb = unbroadcast(np.matmul(np.swapaxes(A, -1, -2), g), B.shape)",
            "gb = unbroadcast(np.matmul(A, g), B.shape)",
        ),
    ),
    cases=(
        Case(Text("rectangular: (2, 3) @ (3, 4)", "rectangulares: (2, 3) @ (3, 4)"), _matmul_rectangular, CRASH),
        Case(Text("square: (3, 3) @ (3, 3)", "cuadradas: (3, 3) @ (3, 3)"), _matmul_square, WRONG_VALUES),
        Case(
            Text("square and symmetric", "cuadradas y simétricas"),
            _matmul_symmetric,
            SAME,
            Text(
                "B.T == B and A.T == A, so leaving the transposes out changes nothing: a test built on "
                "symmetric matrices (an identity, a covariance) cannot see this bug.",
                "B.T == B y A.T == A, así que omitir las trasposiciones no cambia nada: una prueba construida "
                "con matrices simétricas (una identidad, una covarianza) no puede ver este fallo.",
            ),
        ),
    ),
    probe=Probe(_probe_matmul, (normal(101, 3, 3), normal(102, 3, 3), normal(103, 3, 3))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- mean-missing-1-over-n


def _mean_over_length_one_axis() -> Observation:
    x = leaf(normal(1, 3, 1))
    (x.mean(axis=1) * normal(3, 3)).sum().backward()
    return grads(x=x)


def _mean_of_all() -> Observation:
    x = leaf(normal(1, 4, 3))
    x.mean().backward()  # d mean / dx = 1 / 12 everywhere
    return grads(x=x)


def _mse_loss() -> Observation:
    pred = leaf(normal(1, 8, 2))
    mse_loss(pred, const(normal(2, 8, 2))).backward()  # the mean of 16 squared errors
    return grads(pred=pred)


def _probe_row_means(F: Any, x: Any, w: Any) -> Any:
    return F.mean(x, dim=1) * w


MEAN_MISSING_1_OVER_N = Break(
    id="mean-missing-1-over-n",
    family="ops",
    title=Text(
        en="mean backward without the 1/N: the gradient of a mean is the gradient of a sum",
        es="El backward de mean sin el 1/N: el gradiente de una media es el de una suma",
    ),
    lesson=Text(
        en="mean = sum / N, so each element's share of the gradient is g / N. Forgetting the 1/N multiplies "
        "every gradient that flows through a mean (most losses) by the number of averaged elements: a loss "
        "averaged over a batch of 256 trains as if the learning rate were 256 times larger. The direction is "
        "right, which is why training may still seem to work with a small enough learning rate.",
        es="mean = sum / N, así que a cada elemento le corresponde g / N del gradiente. Olvidar el 1/N multiplica "
        "todo gradiente que pase por una media (casi todas las pérdidas) por el número de elementos "
        "promediados: una pérdida promediada sobre un lote de 256 entrena como si la tasa de aprendizaje fuera "
        "256 veces mayor. La dirección es correcta, y por eso el entrenamiento puede parecer que funciona con "
        "una tasa de aprendizaje lo bastante pequeña.",
    ),
    hypothesis=Text(
        en="Without the 1/N, a mean over an axis of length 1 is unaffected; the mean of 12 elements gives "
        "gradients 12 times too large; mse_loss (a mean) gives gradients N times too large.",
        es="Sin el 1/N, una media sobre un eje de longitud 1 no cambia; la media de 12 elementos da gradientes "
        "12 veces demasiado grandes; mse_loss (una media) da gradientes N veces demasiado grandes.",
    ),
    patches=(
        Patch(
            "ops.reductions:mean",
            "            return (_expand(g / count, axes, keepdims, shape),)\n",
            "            return (_expand(g, axes, keepdims, shape),)\n",
        ),
    ),
    cases=(
        Case(
            Text("mean over an axis of length 1", "media sobre un eje de longitud 1"),
            _mean_over_length_one_axis,
            SAME,
        ),
        Case(Text("mean of a (4, 3) tensor", "media de un tensor (4, 3)"), _mean_of_all, WRONG_VALUES),
        Case(Text("mse_loss over 8 x 2 predictions", "mse_loss sobre 8 x 2 predicciones"), _mse_loss, WRONG_VALUES),
    ),
    probe=Probe(_probe_row_means, (normal(111, 3, 4), normal(112, 3))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- tanh-backward-uses-input


def _tanh_at_zero() -> Observation:
    x = leaf(np.zeros(4))
    (x.tanh() * normal(3, 4)).sum().backward()
    return grads(x=x)


def _tanh_moderate() -> Observation:
    x = leaf(normal(1, 4))
    (x.tanh() * normal(3, 4)).sum().backward()
    return grads(x=x)


def _tanh_saturated() -> Observation:
    x = leaf([-3.0, -2.5, 2.5, 3.0])
    (x.tanh() * normal(3, 4)).sum().backward()
    return grads(x=x)


def _tanh_tiny_inputs() -> Observation:
    x, v = leaf(0.01 * normal(1, 4)), const(normal(3, 4))
    (x.tanh() * v).sum().backward()
    report = gradcheck_report(lambda t: (t.tanh() * v).sum(), [x])  # default tolerances: atol 1e-5, rtol 1e-3
    return {**grads(x=x), "gradcheck passes": report.ok}


def _probe_tanh(F: Any, x: Any, w: Any) -> Any:
    return F.tanh(x) * w


TANH_BACKWARD_USES_INPUT = Break(
    id="tanh-backward-uses-input",
    family="ops",
    title=Text(
        en="tanh backward uses the input instead of the output: 1 - x**2 instead of 1 - tanh(x)**2",
        es="El backward de tanh usa la entrada en vez de la salida: 1 - x**2 en vez de 1 - tanh(x)**2",
    ),
    lesson=Text(
        en="d tanh(x)/dx = 1 - tanh(x)**2 is written in terms of the output, which is why the op saves its "
        "output. Plugging in the input instead is right at 0, nearly right for tiny inputs (tanh(x) ~ x), and "
        "wrong everywhere else: for |x| > 1 the 'gradient' changes sign and pushes saturated units the wrong "
        "way. Gradient checks must use inputs of order 1, not tiny ones.",
        es="d tanh(x)/dx = 1 - tanh(x)**2 está escrita en función de la salida, y por eso la operación guarda "
        "su salida. Usar la entrada en su lugar es correcto en 0, casi correcto para entradas diminutas "
        "(tanh(x) ~ x), y erróneo en todo lo demás: para |x| > 1 el 'gradiente' cambia de signo y empuja a las "
        "unidades saturadas en la dirección equivocada. Las comprobaciones de gradientes deben usar entradas de "
        "orden 1, no diminutas.",
    ),
    hypothesis=Text(
        en="With 1 - x**2: x = 0 gives the right gradient; inputs of order 1 give wrong values; saturated inputs "
        "(|x| >= 2.5) get large gradients of the wrong sign; inputs of order 0.01 are off by only ~1e-8.",
        es="Con 1 - x**2: x = 0 da el gradiente correcto; las entradas de orden 1 dan valores erróneos; las "
        "entradas saturadas (|x| >= 2.5) reciben gradientes grandes y de signo contrario; las entradas de "
        "orden 0.01 se desvían solo ~1e-8.",
    ),
    patches=(
        Patch(
            "ops.elementwise:tanh",
            "        return (g * (1 - out * out),)\n",
            "        return (g * (1 - a._data * a._data),)\n",
        ),
    ),
    cases=(
        Case(Text("exactly at x = 0", "justo en x = 0"), _tanh_at_zero, SAME),
        Case(Text("inputs of order 1: x ~ N(0, 1)", "entradas de orden 1: x ~ N(0, 1)"), _tanh_moderate, WRONG_VALUES),
        Case(
            Text("saturated: |x| >= 2.5", "saturadas: |x| >= 2.5"),
            _tanh_saturated,
            WRONG_VALUES,
            Text(
                "1 - x**2 is about -8 at |x| = 3, where the true slope is about 0.01: the gradient is hundreds "
                "of times too large and of the opposite sign.",
                "1 - x**2 vale unos -8 en |x| = 3, donde la pendiente verdadera es de unos 0.01: el gradiente es "
                "cientos de veces demasiado grande y de signo contrario.",
            ),
        ),
        Case(
            Text("tiny inputs: x ~ 0.01 * N(0, 1)", "entradas diminutas: x ~ 0.01 * N(0, 1)"),
            _tanh_tiny_inputs,
            WRONG_VALUES,
            Text(
                "x**2 - tanh(x)**2 ~ (2/3) x**4 ~ 1e-8 here: different, but far inside gradcheck's default "
                "tolerance (atol 1e-5), so gradcheck on these tiny inputs passes with the break.",
                "x**2 - tanh(x)**2 ~ (2/3) x**4 ~ 1e-8 aquí: distinto, pero muy dentro de la tolerancia por "
                "defecto de gradcheck (atol 1e-5), así que gradcheck con estas entradas diminutas pasa con el fallo.",
            ),
        ),
    ),
    probe=Probe(_probe_tanh, (1.5 * normal(121, 3, 4), normal(122, 3, 4))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- pow-wrong-exponent


def _square_at_one() -> Observation:
    x = leaf(np.ones(4))
    (x**2 * normal(3, 4)).sum().backward()
    return grads(x=x)


def _square() -> Observation:
    x = leaf(normal(1, 4))
    (x**2 * normal(3, 4)).sum().backward()
    return grads(x=x)


def _power_by_tensor() -> Observation:
    x = leaf(normal(1, 4))
    (x ** const(2.0) * normal(3, 4)).sum().backward()  # a tensor exponent: the general pow rule
    return grads(x=x)


def _probe_cube(F: Any, x: Any, w: Any) -> Any:
    return F.pow(x, 3) * w


POW_WRONG_EXPONENT = Break(
    id="pow-wrong-exponent",
    family="ops",
    title=Text(
        en="pow backward with the wrong exponent: c * x**c instead of c * x**(c - 1)",
        es="El backward de pow con el exponente erróneo: c * x**c en vez de c * x**(c - 1)",
    ),
    lesson=Text(
        en="The power rule lowers the exponent by one: d(x**c)/dx = c * x**(c - 1). Keeping the exponent "
        "multiplies the true gradient by x, so it is right only where x = 1, which is also where many "
        "hand-written tests evaluate. minigrad has two pow rules (a Python-number exponent and a tensor "
        "exponent); a bug in one is invisible through the other.",
        es="La regla de la potencia baja el exponente en uno: d(x**c)/dx = c * x**(c - 1). Mantener el "
        "exponente multiplica el gradiente verdadero por x, así que solo es correcto donde x = 1, que es "
        "justo donde se evalúan muchas pruebas escritas a mano. minigrad tiene dos reglas de pow (exponente "
        "número de Python y exponente tensor); un fallo en una es invisible a través de la otra.",
    ),
    hypothesis=Text(
        en="With a ** c in _power_by_number: x**2 at x = 1 is right; x**2 elsewhere is wrong by a factor x; a "
        "tensor exponent (x ** Tensor(2.0)) uses the other rule and is right.",
        es="Con a ** c en _power_by_number: x**2 en x = 1 es correcto; x**2 en otros puntos se equivoca en un "
        "factor x; un exponente tensor (x ** Tensor(2.0)) usa la otra regla y es correcto.",
    ),
    patches=(
        Patch(
            "ops.elementwise:_power_by_number",
            "        return (g * c * a_data ** (c - 1),)\n",
            "        return (g * c * a_data**c,)\n",
        ),
    ),
    cases=(
        Case(Text("x**2 at x = 1", "x**2 en x = 1"), _square_at_one, SAME),
        Case(Text("x**2 at x ~ N(0, 1)", "x**2 en x ~ N(0, 1)"), _square, WRONG_VALUES),
        Case(
            Text("x ** Tensor(2.0) (a tensor exponent)", "x ** Tensor(2.0) (un exponente tensor)"),
            _power_by_tensor,
            SAME,
        ),
    ),
    probe=Probe(_probe_cube, (normal(131, 3, 4), normal(132, 3, 4))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- div-backward-sign


def _divide_by_constant() -> Observation:
    x = leaf(normal(1, 4))
    (x / const(1.5 + rng(2).random(4)) * normal(3, 4)).sum().backward()
    return grads(x=x)


def _divide_by_learned() -> Observation:
    x, y = leaf(normal(1, 4)), leaf(1.5 + rng(2).random(4))
    (x / y * normal(3, 4)).sum().backward()
    return grads(x=x, y=y)


def _normalize() -> Observation:
    x = leaf(1.0 + rng(1).random(4))
    (x / x.sum() * normal(3, 4)).sum().backward()  # proportions: x_i / sum(x)
    return grads(x=x)


def _probe_divide(F: Any, x: Any, y: Any, w: Any) -> Any:
    return x / y * w


DIV_BACKWARD_SIGN = Break(
    id="div-backward-sign",
    family="ops",
    title=Text(
        en="div backward with the wrong sign for the divisor: +a/b**2 instead of -a/b**2",
        es="El backward de div con el signo erróneo para el divisor: +a/b**2 en vez de -a/b**2",
    ),
    lesson=Text(
        en="d(a/b)/db = -a / b**2: making the divisor larger makes the quotient smaller. Losing the minus sign "
        "sends the divisor the wrong way, and it hides whenever the divisor is a constant (dividing by a fixed "
        "number or a data statistic), which is the common case in tests.",
        es="d(a/b)/db = -a / b**2: si el divisor crece, el cociente disminuye. Perder el signo menos empuja al "
        "divisor en la dirección equivocada, y se esconde siempre que el divisor es una constante (dividir por "
        "un número fijo o por una estadística de los datos), que es el caso habitual en las pruebas.",
    ),
    hypothesis=Text(
        en="Without the minus sign, x / c with a constant c is unaffected; x / y gives y.grad with the wrong "
        "sign (x.grad stays right); a normalization x / sum(x) gets a wrong x.grad, since x is also the divisor.",
        es="Sin el signo menos, x / c con una constante c no cambia; x / y da y.grad con el signo contrario "
        "(x.grad sigue bien); una normalización x / sum(x) recibe un x.grad erróneo, porque x también es "
        "el divisor.",
    ),
    patches=(
        Patch(
            "ops.elementwise:div",
            "unbroadcast(-g * a_data / (b_data * b_data), b_data.shape)",
            "unbroadcast(g * a_data / (b_data * b_data), b_data.shape)",
        ),
    ),
    cases=(
        Case(Text("x / c, c a constant", "x / c, con c constante"), _divide_by_constant, SAME),
        Case(Text("x / y, both learned", "x / y, ambos aprendidos"), _divide_by_learned, WRONG_VALUES),
        Case(Text("proportions: x / sum(x)", "proporciones: x / sum(x)"), _normalize, WRONG_VALUES),
    ),
    probe=Probe(_probe_divide, (normal(141, 3, 4), 1.5 + rng(142).random((3, 4)), normal(143, 3, 4))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- getitem-plain-add


def _distinct_indices() -> Observation:
    x = leaf(normal(1, 5))
    (x[[0, 2, 3]] * normal(3, 3)).sum().backward()
    return grads(x=x)


def _embedding_lookup() -> Observation:
    table = leaf(normal(1, 5, 2))  # 5 embeddings of size 2
    tokens = [1, 3, 1, 1]  # token 1 appears three times
    (table[tokens] * normal(3, 4, 2)).sum().backward()
    return grads(table=table)


def _boolean_mask() -> Observation:
    x = leaf(normal(1, 5))
    mask = np.array([True, False, True, True, False])
    (x[mask] * normal(3, 3)).sum().backward()
    return grads(x=x)


def _probe_gather(F: Any, x: Any, w: Any) -> Any:
    return x[[0, 2, 0, 1, 2, 2]] * w


GETITEM_PLAIN_ADD = Break(
    id="getitem-plain-add",
    family="ops",
    title=Text(
        en="getitem backward with grad[index] += g instead of np.add.at: repeated indices count once",
        es="El backward de getitem con grad[index] += g en vez de np.add.at: los índices repetidos cuentan una vez",
    ),
    lesson=Text(
        en="x[[1, 1]] reads x[1] twice, so x[1] must receive both gradients. NumPy's grad[index] += g is "
        "buffered: it reads grad[index], adds g and writes back, so with a repeated index the last write wins "
        "and all but one contribution vanish. np.add.at is the unbuffered scatter-add. The classic victim is an "
        "embedding table, where frequent tokens appear many times in a batch.",
        es="x[[1, 1]] lee x[1] dos veces, así que x[1] debe recibir ambos gradientes. El grad[index] += g de "
        "NumPy usa un búfer: lee grad[index], suma g y vuelve a escribir, así que con un índice repetido gana "
        "la última escritura y se pierden todas las contribuciones menos una. np.add.at es la suma dispersa "
        "sin búfer. La víctima clásica es una tabla de embeddings, donde los tokens frecuentes aparecen muchas "
        "veces en un lote.",
    ),
    hypothesis=Text(
        en="With grad[index] += g, distinct indices and boolean masks are unaffected; an embedding lookup with a "
        "repeated token gives that row only one occurrence's gradient.",
        es="Con grad[index] += g, los índices distintos y las máscaras booleanas no cambian; una búsqueda en "
        "la tabla de embeddings con un token repetido da a esa fila el gradiente de una sola aparición.",
    ),
    patches=(Patch("ops.shape:getitem", "            np.add.at(grad, index, g)\n", "            grad[index] += g\n"),),
    cases=(
        Case(Text("distinct indices: x[[0, 2, 3]]", "índices distintos: x[[0, 2, 3]]"), _distinct_indices, SAME),
        Case(
            Text("an embedding lookup, token 1 three times", "una búsqueda de embeddings, el token 1 tres veces"),
            _embedding_lookup,
            WRONG_VALUES,
        ),
        Case(Text("a boolean mask", "una máscara booleana"), _boolean_mask, SAME),
    ),
    probe=Probe(_probe_gather, (normal(151, 3), normal(152, 6))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- max-routes-to-every-tie


def _max_without_ties() -> Observation:
    x = leaf(normal(1, 3, 4))
    (x.max(axis=1) * normal(3, 3)).sum().backward()
    return grads(x=x)


def _max_with_a_tie() -> Observation:
    data = normal(1, 3, 4)
    data[0, 1] = data[0, 3] = data[0].max() + 1.0  # two elements share row 0's maximum
    x = leaf(data)
    (x.max(axis=1) * normal(3, 3)).sum().backward()
    return grads(x=x)


def _max_after_relu() -> Observation:
    h = leaf(np.zeros((2, 4)))  # the output of a ReLU whose inputs were all negative: a 4-way tie per row
    (h.max(axis=1) * normal(3, 2)).sum().backward()
    return grads(h=h)


def _tied_rows() -> np.ndarray[Any, np.dtype[np.float64]]:
    x = normal(161, 3, 4)
    x[0, 1] = x[0, 3] = x[0].max() + 1.0  # two-way ties only: there central differences give exactly 1/2
    x[2, 0] = x[2, 2] = x[2].max() + 1.0
    return x


def _probe_max(F: Any, x: Any, w: Any) -> Any:
    return F.max(x, dim=1) * w


MAX_ROUTES_TO_EVERY_TIE = Break(
    id="max-routes-to-every-tie",
    family="ops",
    title=Text(
        en="max backward routes the whole gradient to every tied element instead of sharing it",
        es="El backward de max envía el gradiente entero a cada elemento empatado en vez de repartirlo",
    ),
    lesson=Text(
        en="When k elements tie for the maximum, max is not differentiable there; the convention (PyTorch's amax, "
        "and the average of the one-sided derivatives for a two-way tie) splits g equally, g / k each. Giving "
        "each tied element all of g multiplies the total gradient by k. Ties look rare with random floats, but "
        "they are everywhere after ReLU (zeros) or with quantized and integer-valued data. The rule is shared "
        "with min.",
        es="Cuando k elementos empatan en el máximo, max no es diferenciable ahí; la convención (el amax de "
        "PyTorch, y la media de las derivadas laterales en un empate doble) reparte g a partes iguales, g / k "
        "para cada uno. Dar a cada elemento empatado todo g multiplica el gradiente total por k. Los empates "
        "parecen raros con números aleatorios, pero abundan tras ReLU (ceros) o con datos cuantizados o "
        "enteros. La regla es compartida con min.",
    ),
    hypothesis=Text(
        en="With share = hits, rows without ties are unaffected; a two-way tie gives each tied element g instead "
        "of g / 2; a row of ReLU zeros (a k-way tie) gives k times the total gradient.",
        es="Con share = hits, las filas sin empates no cambian; un empate doble da a cada elemento empatado g en "
        "vez de g / 2; una fila de ceros tras ReLU (un empate de k) da k veces el gradiente total.",
    ),
    patches=(
        Patch(
            "ops.reductions:_extreme",
            "        share = hits / hits.sum(axis=axes, keepdims=True)\n",
            "        share = hits\n",
        ),
    ),
    cases=(
        Case(Text("no ties", "sin empates"), _max_without_ties, SAME),
        Case(Text("a two-way tie in row 0", "un empate doble en la fila 0"), _max_with_a_tie, WRONG_VALUES),
        Case(
            Text("max over ReLU outputs that are all 0", "max sobre salidas de ReLU que valen todas 0"),
            _max_after_relu,
            WRONG_VALUES,
            Text(
                "Each of the 4 zeros in a row receives g instead of g / 4: four times the total gradient.",
                "Cada uno de los 4 ceros de una fila recibe g en vez de g / 4: cuatro veces el gradiente total.",
            ),
        ),
    ),
    probe=Probe(_probe_max, (_tied_rows(), normal(162, 3))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- softmax-no-max-subtraction


def _softmax_small_logits() -> Observation:
    z = leaf(normal(1, 2, 5))
    (softmax(z, axis=-1) * normal(3, 2, 5)).sum().backward()
    return grads(z=z)


def _softmax_large_logits() -> Observation:
    z = leaf(1000.0 + normal(1, 2, 5))  # e.g. unnormalized scores, or a temperature of 1e-3
    probs = softmax(z, axis=-1)
    (probs * normal(3, 2, 5)).sum().backward()
    return {"probs": probs.data.copy(), **grads(z=z)}


def _softmax_float32_logits() -> Observation:
    z = Tensor(100.0 + normal(1, 2, 5), dtype=np.float32, requires_grad=True)  # float32 overflows above ~88.7
    probs = softmax(z, axis=-1)
    (probs * normal(3, 2, 5)).sum().backward()
    return {"probs": probs.data.copy(), **grads(z=z)}


def _probe_softmax(F: Any, z: Any, w: Any) -> Any:
    return F.softmax(z, dim=-1) * w


SOFTMAX_NO_MAX_SUBTRACTION = Break(
    id="softmax-no-max-subtraction",
    family="ops",
    title=Text(
        en="softmax without subtracting the maximum: exp overflows and the result is NaN",
        es="Softmax sin restar el máximo: exp se desborda y el resultado es NaN",
    ),
    lesson=Text(
        en="softmax(z) = softmax(z - c) for any c, and with c = max(z) every exponent is <= 0, so exp never "
        "overflows. Without the shift, exp(z) is inf for z above ~709 (float64) or ~88.7 (float32), and "
        "inf / inf is NaN, which then spreads to every gradient. NumPy's 'overflow encountered in exp' warning "
        "is the clue in the logs; detect_anomaly names the op.",
        es="softmax(z) = softmax(z - c) para cualquier c, y con c = max(z) todos los exponentes son <= 0, así que "
        "exp nunca se desborda. Sin el desplazamiento, exp(z) es inf para z por encima de ~709 (float64) o "
        "~88.7 (float32), e inf / inf es NaN, que luego se propaga a todos los gradientes. El aviso 'overflow "
        "encountered in exp' de NumPy es la pista en los registros; detect_anomaly nombra la operación.",
    ),
    hypothesis=Text(
        en="Without the max subtraction, logits of order 1 give the same result; float64 logits around 1000 "
        "give NaN probabilities and NaN gradients; float32 logits overflow much earlier, around 100.",
        es="Sin restar el máximo, los logits de orden 1 dan el mismo resultado; los logits float64 en torno a "
        "1000 dan probabilidades y gradientes NaN; los logits float32 se desbordan mucho antes, en torno a 100.",
    ),
    patches=(
        Patch("ops.nn:softmax", "    e = np.exp(x - np.max(x, axis=ax, keepdims=True))\n", "    e = np.exp(x)\n"),
    ),
    cases=(
        Case(Text("moderate logits ~ N(0, 1)", "logits moderados ~ N(0, 1)"), _softmax_small_logits, SAME),
        Case(Text("float64 logits around 1000", "logits float64 en torno a 1000"), _softmax_large_logits, WRONG_VALUES),
        Case(Text("float32 logits around 100", "logits float32 en torno a 100"), _softmax_float32_logits, WRONG_VALUES),
    ),
    probe=Probe(_probe_softmax, (1000.0 + normal(171, 2, 5), normal(172, 2, 5))),
    catches=("gradcheck", "crosscheck", "anomaly"),
)


# --------------------------------------------------------------------------- cross-entropy-log-of-softmax


def _cross_entropy_moderate() -> Observation:
    logits = leaf(normal(1, 3, 4))
    loss = cross_entropy(logits, np.array([0, 3, 1]))
    loss.backward()
    return {"loss": loss.data.copy(), **grads(logits=logits)}


def _cross_entropy_confident_and_wrong() -> Observation:
    z = normal(1, 3, 4)
    z[0, 2] += 800.0  # row 0 is sure of class 2, but its target is class 0
    logits = leaf(z)
    loss = cross_entropy(logits, np.array([0, 3, 1]))
    loss.backward()
    return {"loss": loss.data.copy(), **grads(logits=logits)}


def _cross_entropy_confident_and_right() -> Observation:
    z = normal(1, 3, 4)
    z[0, 0] += 800.0  # row 0 is sure of class 0, and its target is class 0
    logits = leaf(z)
    loss = cross_entropy(logits, np.array([0, 3, 1]))
    loss.backward()
    return {"loss": loss.data.copy(), **grads(logits=logits)}


def _gap_logits() -> np.ndarray[Any, np.dtype[np.float64]]:
    z = normal(181, 3, 4)
    z[0, 2] += 800.0
    return z


def _probe_cross_entropy(F: Any, logits: Any, targets: Any) -> Any:
    return F.cross_entropy(logits, targets)


CROSS_ENTROPY_LOG_OF_SOFTMAX = Break(
    id="cross-entropy-log-of-softmax",
    family="ops",
    title=Text(
        en="cross-entropy as log(softmax(z)) instead of the stable log_softmax",
        es="Entropía cruzada como log(softmax(z)) en vez del log_softmax estable",
    ),
    lesson=Text(
        en="log_softmax(z) = z - max(z) - log(sum(exp(z - max(z)))) never takes the log of a tiny number. "
        "Computing softmax first and then its log does: a probability below ~5e-324 (a logit gap above ~745 "
        "in float64, ~103 in float32) underflows to 0 and log(0) = -inf, so a confidently wrong prediction "
        "gives an infinite loss, and the mean over the batch is inf. Even a max-subtracted softmax does not "
        "help: the gap itself is the problem.",
        es="log_softmax(z) = z - max(z) - log(sum(exp(z - max(z)))) nunca toma el logaritmo de un número "
        "diminuto. Calcular primero softmax y luego su logaritmo sí: una probabilidad por debajo de ~5e-324 "
        "(una diferencia de logits de más de ~745 en float64, ~103 en float32) se queda en 0 y log(0) = -inf, "
        "así que una predicción errónea muy segura da una pérdida infinita, y la media del lote es inf. Ni "
        "siquiera un softmax con el máximo restado ayuda: el problema es la propia diferencia.",
    ),
    hypothesis=Text(
        en="With np.log(softmax(z)), moderate logits give the same loss; a prediction that is confident and "
        "wrong (target logit 800 below the maximum) gives loss = inf; a confident and right one is still fine, "
        "because only the target's log-probability is used.",
        es="Con np.log(softmax(z)), los logits moderados dan la misma pérdida; una predicción segura y errónea "
        "(el logit del objetivo 800 por debajo del máximo) da pérdida = inf; una segura y correcta sigue bien, "
        "porque solo se usa la log-probabilidad del objetivo.",
    ),
    patches=(
        Patch(
            "ops.nn:cross_entropy",
            "    logp = _log_softmax(z, class_axis)\n",
            "    logp = np.log(softmax(z, class_axis).data)\n",
        ),
    ),
    cases=(
        Case(Text("moderate logits ~ N(0, 1)", "logits moderados ~ N(0, 1)"), _cross_entropy_moderate, SAME),
        Case(
            Text("confident and wrong: a gap of 800", "segura y errónea: una diferencia de 800"),
            _cross_entropy_confident_and_wrong,
            WRONG_VALUES,
            Text(
                "Only the loss is wrong (inf): the backward uses exp(logp), a softmax that underflows to 0 "
                "harmlessly, so the gradients are still right here. The training log shows loss = inf, and "
                "every running average of the loss stays inf from then on.",
                "Solo la pérdida es errónea (inf): el backward usa exp(logp), un softmax que se queda en 0 sin "
                "consecuencias, así que los gradientes siguen siendo correctos aquí. El registro del "
                "entrenamiento muestra pérdida = inf, y toda media acumulada de la pérdida se queda en inf.",
            ),
        ),
        Case(
            Text("confident and right: a gap of 800", "segura y correcta: una diferencia de 800"),
            _cross_entropy_confident_and_right,
            SAME,
        ),
    ),
    probe=Probe(_probe_cross_entropy, (_gap_logits(), np.array([0, 3, 1]))),
    catches=("gradcheck", "crosscheck", "anomaly"),
)


# --------------------------------------------------------------------------- sub-backward-sign


def _mse_fixed_target() -> Observation:
    pred = leaf(normal(1, 4, 2))
    mse_loss(pred, const(normal(2, 4, 2))).backward()  # mse_loss computes pred - target
    return grads(pred=pred)


def _difference_of_learned() -> Observation:
    x, y = leaf(normal(1, 4)), leaf(normal(2, 4))
    ((x - y) * normal(3, 4)).sum().backward()
    return grads(x=x, y=y)


def _centering() -> Observation:
    x = leaf(normal(1, 4))
    ((x - x.mean()) * normal(3, 4)).sum().backward()  # the first step of every normalization layer
    return grads(x=x)


def _probe_sub(F: Any, x: Any, y: Any, w: Any) -> Any:
    return (x - y) * w


SUB_BACKWARD_SIGN = Break(
    id="sub-backward-sign",
    family="ops",
    title=Text(
        en="sub backward without negating the subtrahend's gradient",
        es="El backward de sub sin cambiar el signo del gradiente del sustraendo",
    ),
    lesson=Text(
        en="d(a - b)/db = -1. When the subtrahend is a constant (a target, a fixed mean) its gradient is "
        "never used, so the bug hides in the most common use of subtraction, the loss. It shows as soon as "
        "both sides learn, and in centering x - mean(x), where x is on both sides, which breaks every "
        "normalization layer.",
        es="d(a - b)/db = -1. Cuando el sustraendo es una constante (un objetivo, una media fija) su gradiente "
        "nunca se usa, así que el fallo se esconde en el uso más común de la resta, la pérdida. Aparece en "
        "cuanto ambos lados aprenden, y al centrar x - mean(x), donde x está en los dos lados, lo que rompe "
        "todas las capas de normalización.",
    ),
    hypothesis=Text(
        en="Without the minus, mse_loss against a fixed target is unaffected; x - y gives y.grad with the wrong "
        "sign; centering x - mean(x) gives a wrong x.grad.",
        es="Sin el signo menos, mse_loss contra un objetivo fijo no cambia; x - y da y.grad con el signo "
        "contrario; centrar x - mean(x) da un x.grad erróneo.",
    ),
    patches=(
        Patch(
            "ops.elementwise:sub",
            "(-unbroadcast(g, b_shape) if b._rg else None)",
            "(unbroadcast(g, b_shape) if b._rg else None)",
        ),
    ),
    cases=(
        Case(Text("mse_loss against a fixed target", "mse_loss contra un objetivo fijo"), _mse_fixed_target, SAME),
        Case(Text("x - y, both learned", "x - y, ambos aprendidos"), _difference_of_learned, WRONG_VALUES),
        Case(Text("centering: x - mean(x)", "centrado: x - mean(x)"), _centering, WRONG_VALUES),
    ),
    probe=Probe(_probe_sub, (normal(191, 3, 4), normal(192, 3, 4), normal(193, 3, 4))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- sigmoid-backward-missing-factor


def _sigmoid_very_negative() -> Observation:
    x = leaf(-40.0 + normal(1, 4))  # s ~ 4e-18: 1 - s rounds to 1
    (x.sigmoid() * normal(3, 4)).sum().backward()
    return grads(x=x)


def _sigmoid_moderate() -> Observation:
    x = leaf(normal(1, 4))
    (x.sigmoid() * normal(3, 4)).sum().backward()
    return grads(x=x)


def _sigmoid_very_positive() -> Observation:
    x = leaf(40.0 + normal(1, 4))  # s rounds to 1: the true slope s * (1 - s) is exactly 0
    (x.sigmoid() * normal(3, 4)).sum().backward()
    return grads(x=x)


def _probe_sigmoid(F: Any, x: Any, w: Any) -> Any:
    return F.sigmoid(x) * w


SIGMOID_BACKWARD_MISSING_FACTOR = Break(
    id="sigmoid-backward-missing-factor",
    family="ops",
    title=Text(
        en="sigmoid backward missing the (1 - s) factor: g * s instead of g * s * (1 - s)",
        es="El backward de sigmoid sin el factor (1 - s): g * s en vez de g * s * (1 - s)",
    ),
    lesson=Text(
        en="s'(x) = s(x) (1 - s(x)) peaks at 1/4 at x = 0 and vanishes on both sides. Dropping (1 - s) leaves "
        "g * s, which agrees only where s is about 0 (very negative inputs) and is worst for saturated "
        "positive units, which get the full gradient instead of none.",
        es="s'(x) = s(x) (1 - s(x)) alcanza su máximo, 1/4, en x = 0 y se anula a ambos lados. Quitar (1 - s) "
        "deja g * s, que solo coincide donde s vale casi 0 (entradas muy negativas) y es peor en las unidades "
        "saturadas positivas, que reciben el gradiente entero en vez de nada.",
    ),
    hypothesis=Text(
        en="With g * s, inputs around -40 give the same gradient; inputs of order 1 give wrong values; inputs "
        "around +40 get g where the true gradient is 0.",
        es="Con g * s, las entradas en torno a -40 dan el mismo gradiente; las de orden 1 dan valores erróneos; "
        "las entradas en torno a +40 reciben g donde el gradiente verdadero es 0.",
    ),
    patches=(
        Patch("ops.elementwise:sigmoid", "        return (g * out * (1 - out),)\n", "        return (g * out,)\n"),
    ),
    cases=(
        Case(Text("x around -40", "x en torno a -40"), _sigmoid_very_negative, SAME),
        Case(
            Text("inputs of order 1: x ~ N(0, 1)", "entradas de orden 1: x ~ N(0, 1)"), _sigmoid_moderate, WRONG_VALUES
        ),
        Case(Text("x around +40 (saturated)", "x en torno a +40 (saturadas)"), _sigmoid_very_positive, WRONG_VALUES),
    ),
    probe=Probe(_probe_sigmoid, (normal(201, 3, 4), normal(202, 3, 4))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- transpose-backward-same-perm


def _matrix_transpose() -> Observation:
    x = leaf(normal(1, 2, 3))
    (x.T * normal(3, 3, 2)).sum().backward()
    return grads(x=x)


def _swap_last_two() -> Observation:
    x = leaf(normal(1, 2, 3, 4))
    (x.permute(0, 2, 1) * normal(3, 2, 4, 3)).sum().backward()  # a swap is its own inverse
    return grads(x=x)


def _cyclic_rectangular() -> Observation:
    x = leaf(normal(1, 2, 3, 4))
    (x.permute(1, 2, 0) * normal(3, 3, 4, 2)).sum().backward()
    return grads(x=x)


def _cyclic_cube() -> Observation:
    x = leaf(normal(1, 3, 3, 3))
    (x.permute(1, 2, 0) * normal(3, 3, 3, 3)).sum().backward()
    return grads(x=x)


def _probe_cyclic(F: Any, x: Any, w: Any) -> Any:
    return x.permute(1, 2, 0) * w


TRANSPOSE_BACKWARD_SAME_PERM = Break(
    id="transpose-backward-same-perm",
    family="ops",
    title=Text(
        en="permute/transpose backward applies perm again instead of its inverse",
        es="El backward de permute/transpose aplica perm otra vez en vez de su inversa",
    ),
    lesson=Text(
        en="Moving the gradient back means undoing the permutation: g.transpose(argsort(perm)). Every 2-D "
        "transpose and every swap of two axes is its own inverse, so tests on matrices never notice. A cyclic "
        "permutation of three axes (1, 2, 0) is not: its inverse is (2, 0, 1). With distinct sizes the "
        "gradient comes back with the wrong shape; with equal sizes it silently scrambles the elements.",
        es="Devolver el gradiente significa deshacer la permutación: g.transpose(argsort(perm)). Toda "
        "trasposición 2-D y todo intercambio de dos ejes es su propia inversa, así que las pruebas con "
        "matrices nunca lo notan. Una permutación cíclica de tres ejes (1, 2, 0) no lo es: su inversa es "
        "(2, 0, 1). Con tamaños distintos el gradiente vuelve con la forma equivocada; con tamaños iguales "
        "desordena los elementos en silencio.",
    ),
    hypothesis=Text(
        en="Applying perm instead of its inverse changes nothing for x.T and for a swap of two axes; "
        "permute(1, 2, 0) on a (2, 3, 4) tensor gives a gradient of the wrong shape, refused by the shape "
        "check; on a (3, 3, 3) tensor it gives wrong values with the right shape.",
        es="Aplicar perm en vez de su inversa no cambia nada para x.T ni para un intercambio de dos ejes; "
        "permute(1, 2, 0) sobre un tensor (2, 3, 4) da un gradiente de forma errónea, que la comprobación de "
        "formas rechaza; sobre un tensor (3, 3, 3) da valores erróneos con la forma correcta.",
    ),
    patches=(
        Patch(
            "ops.shape:_permute", "        return (g.transpose(inverse),)\n", "        return (g.transpose(perm),)\n"
        ),
    ),
    cases=(
        Case(Text("x.T of a (2, 3) matrix", "x.T de una matriz (2, 3)"), _matrix_transpose, SAME),
        Case(
            Text("swap the last two axes: permute(0, 2, 1)", "intercambiar los dos últimos ejes: permute(0, 2, 1)"),
            _swap_last_two,
            SAME,
        ),
        Case(
            Text("cyclic permute(1, 2, 0) of a (2, 3, 4) tensor", "permute(1, 2, 0) cíclico de un tensor (2, 3, 4)"),
            _cyclic_rectangular,
            CRASH,
        ),
        Case(
            Text("cyclic permute(1, 2, 0) of a (3, 3, 3) tensor", "permute(1, 2, 0) cíclico de un tensor (3, 3, 3)"),
            _cyclic_cube,
            WRONG_VALUES,
        ),
    ),
    probe=Probe(_probe_cyclic, (normal(211, 2, 3, 4), normal(212, 3, 4, 2))),
    catches=("shape-guard", "grad-shapes", "gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- var-wrong-denominator


def _population_variance() -> Observation:
    x = leaf(normal(1, 3, 5))
    (x.var(axis=1, correction=0) * normal(3, 3)).sum().backward()
    return grads(x=x)


def _sample_variance() -> Observation:
    x = leaf(normal(1, 3, 5))
    (x.var(axis=1) * normal(3, 3)).sum().backward()  # correction=1: divides by N - 1 = 4
    return grads(x=x)


def _sample_variance_large_n() -> Observation:
    x, v = leaf(normal(1, 2, 1000)), const(normal(3, 2))
    (x.var(axis=1) * v).sum().backward()
    report = gradcheck_report(lambda t: (t.var(axis=1) * v).sum(), [x])  # default tolerances: rtol 1e-3
    return {**grads(x=x), "gradcheck passes": report.ok}


def _probe_var(F: Any, x: Any, w: Any) -> Any:
    return F.var(x, dim=1) * w


VAR_WRONG_DENOMINATOR = Break(
    id="var-wrong-denominator",
    family="ops",
    title=Text(
        en="var backward divides by N instead of N - correction",
        es="El backward de var divide entre N en vez de entre N - correction",
    ),
    lesson=Text(
        en="The unbiased variance divides by N - 1 (Bessel's correction), and its gradient must use the same "
        "denominator as its forward: 2 (x - mean) / (N - correction). Using N in backward only is consistent "
        "for the population variance (correction=0) and off by a factor (N - 1) / N otherwise: 20% for N = 5, "
        "which gradcheck sees, but only 0.1% for N = 1000, inside gradcheck's default tolerances (rtol 1e-3, "
        "atol 1e-5). Here a small probe finds the bug and a large one does not.",
        es="La varianza insesgada divide entre N - 1 (corrección de Bessel), y su gradiente debe usar el mismo "
        "denominador que su forward: 2 (x - mean) / (N - correction). Usar N solo en el backward es coherente "
        "para la varianza poblacional (correction=0) y se desvía en un factor (N - 1) / N en los demás casos: "
        "un 20% para N = 5, que gradcheck ve, pero solo un 0.1% para N = 1000, dentro de las tolerancias por "
        "defecto de gradcheck (rtol 1e-3, atol 1e-5). Aquí una sonda pequeña encuentra el fallo y una grande, no.",
    ),
    hypothesis=Text(
        en="With 2 / count in backward, var(correction=0) is unaffected and the default unbiased var gets "
        "gradients (N - 1) / N times too small; for N = 1000 that is too small for gradcheck to notice.",
        es="Con 2 / count en el backward, var(correction=0) no cambia y la var insesgada por defecto recibe "
        "gradientes (N - 1) / N veces demasiado pequeños; para N = 1000 es demasiado poco para que gradcheck "
        "lo note.",
    ),
    patches=(
        Patch(
            "ops.reductions:var",
            "* centered * (2.0 / denom),)",
            "* centered * (2.0 / count),)",
        ),
    ),
    cases=(
        Case(
            Text("population variance: correction=0", "varianza poblacional: correction=0"), _population_variance, SAME
        ),
        Case(
            Text("unbiased variance (default), N = 5", "varianza insesgada (por defecto), N = 5"),
            _sample_variance,
            WRONG_VALUES,
        ),
        Case(
            Text("unbiased variance, N = 1000", "varianza insesgada, N = 1000"),
            _sample_variance_large_n,
            WRONG_VALUES,
            Text(
                "The gradients are 0.1% too small: wrong, yet gradcheck at its default tolerances passes "
                "with the break (measured above).",
                "Los gradientes son un 0.1% demasiado pequeños: erróneos, y aun así gradcheck con sus "
                "tolerancias por defecto pasa con el fallo (medido arriba).",
            ),
        ),
    ),
    probe=Probe(_probe_var, (normal(221, 3, 5), normal(222, 3))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- cat-split-at-sizes


def _cat_two_pieces() -> Observation:
    fwd, bwd = leaf(normal(1, 3, 2)), leaf(normal(2, 3, 4))  # e.g. the two directions of a bidirectional RNN
    (cat([fwd, bwd], axis=1) * normal(3, 3, 6)).sum().backward()
    return grads(fwd=fwd, bwd=bwd)


def _cat_three_pieces() -> Observation:
    a, b, c = leaf(normal(1, 2, 3)), leaf(normal(2, 3, 3)), leaf(normal(4, 4, 3))
    (cat([a, b, c]) * normal(3, 9, 3)).sum().backward()
    return grads(a=a, b=b, c=c)


def _cat_three_pieces_unguarded() -> Observation:
    a, b, c = leaf(normal(1, 2, 3)), leaf(normal(2, 3, 3)), leaf(normal(4, 4, 3))
    with shape_check(False):
        (cat([a, b, c]) * normal(3, 9, 3)).sum().backward()
    return grads(a=a, b=b, c=c)


def _probe_cat(F: Any, a: Any, b: Any, c: Any, w: Any) -> Any:
    return F.cat([a, b, c], dim=0) * w


CAT_SPLIT_AT_SIZES = Break(
    id="cat-split-at-sizes",
    family="ops",
    title=Text(
        en="cat backward splits g at the pieces' sizes instead of at their offsets",
        es="El backward de cat parte g por los tamaños de las piezas en vez de por sus posiciones",
    ),
    lesson=Text(
        en="np.split(g, points) cuts at positions along the axis, so the cut points are the running totals of "
        "the sizes (np.cumsum), not the sizes. With two pieces the only cut point is the first size, which is "
        "also its running total, so the bug hides in the most common use, joining two tensors; it shows with "
        "the third piece.",
        es="np.split(g, puntos) corta en posiciones a lo largo del eje, así que los puntos de corte son las sumas "
        "acumuladas de los tamaños (np.cumsum), no los tamaños. Con dos piezas el único punto de corte es el "
        "primer tamaño, que coincide con su suma acumulada, así que el fallo se esconde en el uso más común, "
        "unir dos tensores; aparece con la tercera pieza.",
    ),
    hypothesis=Text(
        en="Cutting at the sizes leaves cat of two pieces right; with three pieces of sizes 2, 3 and 4 the "
        "second and third gradients get sizes 1 and 6, which the shape check refuses, naming cat, and which "
        "land in .grad unguarded.",
        es="Cortar por los tamaños deja bien el cat de dos piezas; con tres piezas de tamaños 2, 3 y 4 los "
        "gradientes segundo y tercero salen con tamaños 1 y 6, que la comprobación de formas rechaza nombrando "
        "cat, y que sin ella acaban en .grad.",
    ),
    patches=(
        Patch(
            "ops.shape:cat",
            "    bounds = np.cumsum([t._data.shape[axis] for t in parts])[:-1]\n",
            "    bounds = [t._data.shape[axis] for t in parts][:-1]\n",
        ),
    ),
    cases=(
        Case(Text("two pieces along axis 1", "dos piezas a lo largo del eje 1"), _cat_two_pieces, SAME),
        Case(Text("three pieces of sizes 2, 3, 4", "tres piezas de tamaños 2, 3, 4"), _cat_three_pieces, CRASH),
        Case(
            Text("three pieces, shape check off", "tres piezas, sin comprobar formas"),
            _cat_three_pieces_unguarded,
            WRONG_SHAPE,
        ),
    ),
    probe=Probe(_probe_cat, (normal(231, 2, 3), normal(232, 3, 3), normal(233, 4, 3), normal(234, 9, 3))),
    catches=("shape-guard", "grad-shapes", "gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- cross-entropy-mean-counts-ignored

PAD = -100  # cross_entropy's default ignore_index: padding positions


def _cross_entropy_no_padding() -> Observation:
    logits = leaf(normal(1, 4, 3))
    loss = cross_entropy(logits, np.array([2, 0, 1, 1]))
    loss.backward()
    return {"loss": loss.data.copy(), **grads(logits=logits)}


def _cross_entropy_padded_batch() -> Observation:
    logits = leaf(normal(1, 4, 3))
    loss = cross_entropy(logits, np.array([2, PAD, 1, PAD]))  # two real targets, two padding positions
    loss.backward()
    return {"loss": loss.data.copy(), **grads(logits=logits)}


def _cross_entropy_padded_sum() -> Observation:
    logits = leaf(normal(1, 4, 3))
    loss = cross_entropy(logits, np.array([2, PAD, 1, PAD]), reduction="sum")
    loss.backward()
    return {"loss": loss.data.copy(), **grads(logits=logits)}


def _probe_padded_cross_entropy(F: Any, logits: Any, targets: Any) -> Any:
    return F.cross_entropy(logits, targets)


CROSS_ENTROPY_MEAN_COUNTS_IGNORED = Break(
    id="cross-entropy-mean-counts-ignored",
    family="ops",
    title=Text(
        en="cross-entropy's mean divides by every target, padding (ignore_index) included",
        es="La media de la entropía cruzada divide entre todos los objetivos, relleno (ignore_index) incluido",
    ),
    lesson=Text(
        en="With ignore_index, the mean is over the targets that count: sum of losses / number of counted "
        "targets. Dividing by the batch size instead shrinks the loss and its gradient by the fraction of "
        "padding, which changes from batch to batch. The forward and the backward agree with each other, so "
        "finite differences see a perfectly consistent function and gradcheck passes: only an independent "
        "reference (PyTorch) knows what the loss should be. A gradient check verifies derivatives, not "
        "definitions.",
        es="Con ignore_index, la media es sobre los objetivos que cuentan: suma de pérdidas / número de "
        "objetivos contados. Dividir entre el tamaño del lote reduce la pérdida y su gradiente en la fracción "
        "de relleno, que cambia de un lote a otro. El forward y el backward concuerdan entre sí, así que las "
        "diferencias finitas ven una función perfectamente coherente y gradcheck pasa: solo una referencia "
        "independiente (PyTorch) sabe cuánto debe valer la pérdida. Una comprobación de gradientes verifica "
        "derivadas, no definiciones.",
    ),
    hypothesis=Text(
        en="Counting every target changes nothing without padding or with reduction='sum'; a batch with two "
        "padded positions out of four gets half the loss and half the gradient; gradcheck does not notice, "
        "crosscheck does.",
        es="Contar todos los objetivos no cambia nada sin relleno ni con reduction='sum'; un lote con dos "
        "posiciones de relleno de cuatro recibe la mitad de la pérdida y la mitad del gradiente; gradcheck no "
        "lo nota, crosscheck sí.",
    ),
    patches=(
        Patch(
            "ops.nn:cross_entropy",
            "    n_counted = int(counted.sum())\n",
            "    n_counted = int(counted.size)\n",
        ),
    ),
    cases=(
        Case(Text("no padding", "sin relleno"), _cross_entropy_no_padding, SAME),
        Case(
            Text("two of four targets are padding", "dos de cuatro objetivos son relleno"),
            _cross_entropy_padded_batch,
            WRONG_VALUES,
        ),
        Case(
            Text("padding, reduction='sum'", "relleno, reduction='sum'"),
            _cross_entropy_padded_sum,
            SAME,
        ),
    ),
    probe=Probe(_probe_padded_cross_entropy, (normal(241, 5, 3), np.array([2, PAD, 0, PAD, 1]))),
    catches=("crosscheck",),
)


BREAKS = [
    MATMUL_NO_TRANSPOSE,
    MEAN_MISSING_1_OVER_N,
    TANH_BACKWARD_USES_INPUT,
    SIGMOID_BACKWARD_MISSING_FACTOR,
    POW_WRONG_EXPONENT,
    SUB_BACKWARD_SIGN,
    DIV_BACKWARD_SIGN,
    VAR_WRONG_DENOMINATOR,
    GETITEM_PLAIN_ADD,
    MAX_ROUTES_TO_EVERY_TIE,
    TRANSPOSE_BACKWARD_SAME_PERM,
    CAT_SPLIT_AT_SIZES,
    SOFTMAX_NO_MAX_SUBTRACTION,
    CROSS_ENTROPY_LOG_OF_SOFTMAX,
    CROSS_ENTROPY_MEAN_COUNTS_IGNORED,
]

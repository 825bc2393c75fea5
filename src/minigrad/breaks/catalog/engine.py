"""Breaks in the engine itself (``minigrad/engine.py``): accumulation, ordering, depth, freeing, guards."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np

from ...engine import GraphFreedError, no_grad
from ...optim.clip import clip_grad_norm_
from ..core import Break, Case, Patch, Probe, Text
from ._support import CRASH, SAME, WRONG_VALUES, Observation, const, grads, leaf, normal, raises

# --------------------------------------------------------------------------- accumulate-overwrite


def _each_tensor_used_once() -> Observation:
    x, w = leaf(normal(1, 3, 4)), leaf(normal(2, 3, 4))
    loss = ((x * w).tanh() * normal(3, 3, 4)).sum()
    loss.backward()
    return grads(x=x, w=w)


def _x_times_x() -> Observation:
    x = leaf(normal(1, 3, 4))
    loss = (x * x * normal(3, 3, 4)).sum()  # d/dx sum(x * x * v) = 2 * x * v
    loss.backward()
    return grads(x=x)


def _diamond() -> Observation:
    x = leaf(normal(1, 3, 4))
    h = x.tanh()  # h feeds two branches: its gradient is the sum of both
    loss = (h * normal(3, 3, 4) + h.exp() * normal(4, 3, 4)).sum()
    loss.backward()
    return grads(x=x)


def _probe_reuse(F: Any, x: Any, w: Any) -> Any:
    return (x * x + F.tanh(x)) * w


ACCUMULATE_OVERWRITE = Break(
    id="accumulate-overwrite",
    family="engine",
    title=Text(
        en="Overwrite instead of accumulate: a tensor keeps only its last gradient contribution",
        es="Sobrescribir en vez de acumular: un tensor se queda solo con su última contribución al gradiente",
    ),
    lesson=Text(
        en="A tensor used in several places receives one gradient contribution per use, and the multivariable "
        "chain rule says they add up: dL/dx = sum over the uses of x. The engine must accumulate (+=); storing "
        "each contribution (=) keeps only the last one. It is invisible while every tensor is used once, which "
        "is why tests on simple chains never see it.",
        es="Un tensor que se usa en varios sitios recibe una contribución al gradiente por cada uso, y la regla de "
        "la cadena multivariable dice que se suman: dL/dx = suma sobre los usos de x. El motor debe acumular "
        "(+=); guardar cada contribución (=) conserva solo la última. Es invisible mientras cada tensor se usa "
        "una sola vez, y por eso las pruebas con cadenas simples nunca lo ven.",
    ),
    hypothesis=Text(
        en="With grads[key] = gi, a tensor used once gets the right gradient; x * x gives x.grad = x * v instead "
        "of 2 * x * v; in a diamond (h feeds two branches) h, and so x, keeps only one branch's gradient.",
        es="Con grads[key] = gi, un tensor que se usa una vez recibe el gradiente correcto; x * x da "
        "x.grad = x * v en vez de 2 * x * v; en un diamante (h alimenta dos ramas) h, y con él x, se queda con "
        "el gradiente de una sola rama.",
    ),
    patches=(
        Patch(
            "engine:run_backward",
            "            prev = grads.get(key)\n"
            "            grads[key] = gi if prev is None else prev + gi  # out of place: gi may be shared\n",
            "            grads[key] = gi\n",
        ),
    ),
    cases=(
        Case(
            Text("each tensor used once: sum(tanh(x * w) * v)", "cada tensor se usa una vez: sum(tanh(x * w) * v)"),
            _each_tensor_used_once,
            SAME,
        ),
        Case(
            Text("x used twice by one op: sum(x * x * v)", "x usado dos veces por una operación: sum(x * x * v)"),
            _x_times_x,
            WRONG_VALUES,
            Text(
                "mul returns one gradient per input, g * b for a and g * a for b; both inputs are x, so the second "
                "contribution overwrites the first and x.grad is exactly half the right value.",
                "mul devuelve un gradiente por entrada, g * b para a y g * a para b; las dos entradas son x, así que "
                "la segunda contribución sobrescribe la primera y x.grad es exactamente la mitad del valor correcto.",
            ),
        ),
        Case(
            Text(
                "a diamond: h = tanh(x) feeds h * v and exp(h) * u",
                "un diamante: h = tanh(x) alimenta h * v y exp(h) * u",
            ),
            _diamond,
            WRONG_VALUES,
        ),
    ),
    probe=Probe(_probe_reuse, (normal(11, 3, 4), normal(12, 3, 4))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- no-topological-order


def _tree() -> Observation:
    x, w = leaf(normal(1, 3, 4)), leaf(normal(2, 3, 4))
    loss = ((x * w).tanh().exp() * normal(3, 3, 4)).sum()  # a chain: every tensor feeds exactly one op
    loss.backward()
    return grads(x=x, w=w)


def _two_uses_in_one_op() -> Observation:
    x = leaf(normal(1, 3, 4))
    loss = (x * x * normal(3, 3, 4)).sum()
    loss.backward()
    return grads(x=x)


def _x_plus_exp_x() -> Observation:
    x = leaf(normal(1, 3, 4))
    loss = ((x + x.exp()) * normal(3, 3, 4)).sum()  # x is found as an input of + before exp(x) has run
    loss.backward()
    return grads(x=x)


def _symmetric_diamond() -> Observation:
    x = leaf(normal(1, 3, 4))
    h = x.tanh()
    loss = (h * normal(3, 3, 4)).sum() + (h * normal(4, 3, 4)).sum()
    loss.backward()
    return grads(x=x)


def _probe_x_plus_exp_x(F: Any, x: Any, w: Any) -> Any:
    return (x + F.exp(x)) * w


NO_TOPOLOGICAL_ORDER = Break(
    id="no-topological-order",
    family="engine",
    title=Text(
        en="No topological order: nodes are processed in the order the graph walk discovers them",
        es="Sin orden topológico: los nodos se procesan en el orden en que el recorrido del grafo los descubre",
    ),
    lesson=Text(
        en="A node may pass its gradient on only once it is complete, that is, after every op that used it has "
        "contributed. A topological order (each tensor after all its consumers) guarantees that; the order in "
        "which a walk from the loss first meets the nodes does not. On a tree the two coincide, so the bug "
        "hides until a tensor feeds two paths of different lengths.",
        es="Un nodo solo puede propagar su gradiente cuando está completo, es decir, cuando todas las operaciones "
        "que lo usaron han contribuido. Un orden topológico (cada tensor después de todos sus consumidores) lo "
        "garantiza; el orden en que un recorrido desde la pérdida encuentra los nodos por primera vez, no. En un "
        "árbol ambos coinciden, así que el fallo se esconde hasta que un tensor alimenta dos caminos de "
        "distinta longitud.",
    ),
    hypothesis=Text(
        en="Without the sort, a graph in which every tensor feeds one op (a chain, a tree) is still right, but a "
        "reused tensor that is reached by a short path before a long one is processed with a partial gradient; "
        "what arrives later is never propagated.",
        es="Sin la ordenación, un grafo en el que cada tensor alimenta una sola operación (una cadena, un árbol) "
        "sigue siendo correcto, pero un tensor reutilizado al que se llega por un camino corto antes que por "
        "uno largo se procesa con un gradiente parcial; lo que llega después nunca se propaga.",
    ),
    patches=(Patch("engine:topological_order", "    found.sort(key=_creation_stamp, reverse=True)\n", ""),),
    cases=(
        Case(Text("a chain: sum(exp(tanh(x * w)) * v)", "una cadena: sum(exp(tanh(x * w)) * v)"), _tree, SAME),
        Case(
            Text("x used twice by one op: sum(x * x * v)", "x usado dos veces por una operación: sum(x * x * v)"),
            _two_uses_in_one_op,
            SAME,
            Text(
                "Both uses of x are in the same node, so both contributions are summed before x is visited: "
                "reuse alone does not expose the bug, reuse across different nodes does.",
                "Los dos usos de x están en el mismo nodo, así que ambas contribuciones se suman antes de visitar x: "
                "la reutilización por sí sola no revela el fallo; la reutilización en nodos distintos, sí.",
            ),
        ),
        Case(
            Text(
                "x feeds a short and a long path: sum((x + exp(x)) * v)",
                "x alimenta un camino corto y uno largo: sum((x + exp(x)) * v)",
            ),
            _x_plus_exp_x,
            WRONG_VALUES,
            Text(
                "The walk meets x as an input of + before exp(x) has run, so x.grad is v: the exp branch's "
                "v * exp(x) arrives after x was processed and is dropped.",
                "El recorrido encuentra x como entrada de + antes de ejecutar exp(x), así que x.grad vale v: el "
                "v * exp(x) de la rama exp llega después de procesar x y se pierde.",
            ),
        ),
        Case(
            Text(
                "a symmetric diamond: sum(h * v) + sum(h * u), h = tanh(x)",
                "un diamante simétrico: sum(h * v) + sum(h * u), h = tanh(x)",
            ),
            _symmetric_diamond,
            WRONG_VALUES,
            Text(
                "Even with two equally long branches, a depth-first walk reaches h through the second branch and "
                "visits it before the first branch's multiplication has contributed.",
                "Incluso con dos ramas igual de largas, un recorrido en profundidad llega a h por la segunda rama y "
                "lo visita antes de que la multiplicación de la primera haya contribuido.",
            ),
        ),
    ),
    probe=Probe(_probe_x_plus_exp_x, (normal(21, 3, 4), normal(22, 3, 4))),
    catches=("gradcheck", "crosscheck"),
)


# --------------------------------------------------------------------------- recursive-walk

DEEP = 5_000  # ops in the deep chain: well past Python's default recursion limit of 1,000


def _small_network() -> Observation:
    x, w = leaf(normal(1, 4, 3)), leaf(normal(2, 3, 5))
    loss = ((x @ w).tanh() * normal(3, 4, 5)).sum()
    loss.backward()
    return grads(x=x, w=w)


def _chain_of_300() -> Observation:
    x = leaf(normal(1, 3))
    h = x
    for _ in range(300):
        h = h * 0.999
    (h * normal(3, 3)).sum().backward()
    return grads(x=x)


def _chain_of_5000() -> Observation:
    x = leaf(normal(1, 3))
    h = x
    for _ in range(DEEP):  # e.g. an RNN unrolled over a long sequence
        h = h * 0.999
    (h * normal(3, 3)).sum().backward()
    return grads(x=x)


def _deep_chain_fails() -> bool:
    """Fires when backpropagating through a chain of 5,000 ops hits Python's recursion limit."""
    x = leaf(np.ones(2))
    h = x
    for _ in range(DEEP):
        h = h * 0.999
    return raises(lambda: h.sum().backward(), RecursionError)


def _probe_small(F: Any, x: Any, w: Any) -> Any:
    return F.tanh(x @ w)


RECURSIVE_WALK = Break(
    id="recursive-walk",
    family="engine",
    title=Text(
        en="Recursive graph walk: correct on small graphs, RecursionError on a deep chain",
        es="Recorrido recursivo del grafo: correcto en grafos pequeños, RecursionError en una cadena profunda",
    ),
    lesson=Text(
        en="The textbook topological sort is a recursive depth-first search, and it is correct. But Python "
        "limits recursion depth (1,000 frames by default), so the graph of an RNN unrolled over a long sequence "
        "or a chain of thousands of ops crashes the backward pass. Collect the graph with an explicit stack. "
        "No gradient check on a small probe can see this bug: it needs a test with a deep graph.",
        es="La ordenación topológica de los libros es una búsqueda en profundidad recursiva, y es correcta. Pero "
        "Python limita la profundidad de recursión (1000 marcos por defecto), así que el grafo de una RNN "
        "desplegada sobre una secuencia larga o una cadena de miles de operaciones hace fallar el backward. "
        "Recorre el grafo con una pila explícita. Ninguna comprobación de gradientes sobre una sonda pequeña "
        "puede ver este fallo: hace falta una prueba con un grafo profundo.",
    ),
    hypothesis=Text(
        en="A recursive walk gives exactly the same gradients on small and moderately deep graphs, and raises "
        "RecursionError once the graph is deeper than the recursion limit (a chain of 5,000 ops).",
        es="Un recorrido recursivo da exactamente los mismos gradientes en grafos pequeños y moderadamente "
        "profundos, y lanza RecursionError cuando el grafo es más profundo que el límite de recursión (una "
        "cadena de 5000 operaciones).",
    ),
    patches=(
        Patch(
            "engine:topological_order",
            "    stack = [root]\n"
            "    while stack:\n"
            "        node = stack.pop()._ctx\n"
            "        if node is not None:\n"
            "            for parent in node.inputs:\n"
            "                if parent._rg and id(parent) not in seen:\n"
            "                    seen.add(id(parent))\n"
            "                    found.append(parent)\n"
            "                    stack.append(parent)\n",
            "\n"
            "    def visit(t: Tensor) -> None:\n"
            "        node = t._ctx\n"
            "        if node is not None:\n"
            "            for parent in node.inputs:\n"
            "                if parent._rg and id(parent) not in seen:\n"
            "                    seen.add(id(parent))\n"
            "                    found.append(parent)\n"
            "                    visit(parent)\n"
            "\n"
            "    visit(root)\n",
        ),
    ),
    cases=(
        Case(Text("a small network: tanh(x @ w)", "una red pequeña: tanh(x @ w)"), _small_network, SAME),
        Case(Text("a chain of 300 ops", "una cadena de 300 operaciones"), _chain_of_300, SAME),
        Case(Text("a chain of 5,000 ops", "una cadena de 5000 operaciones"), _chain_of_5000, CRASH),
    ),
    probe=Probe(_probe_small, (normal(31, 4, 3), normal(32, 3, 5))),
    catches=("deep-chain",),
    checks={"deep-chain": _deep_chain_fails},
)


# --------------------------------------------------------------------------- graph-not-freed


def _one_backward() -> Observation:
    x = leaf(normal(1, 3, 4))
    loss = ((x * normal(2, 3, 4)).tanh()).sum()
    loss.backward()
    return grads(x=x)


def _second_backward() -> Observation:
    x = leaf(normal(1, 3, 4))
    loss = ((x * normal(2, 3, 4)).tanh()).sum()
    loss.backward()
    refused = raises(loss.backward, GraphFreedError)  # the correct engine refuses: the graph is gone
    return {"second backward refused": refused, **grads(x=x)}


def _intermediate_kept_alive() -> Observation:
    x = leaf(normal(1, 300, 400))
    loss = (x * 2.0).tanh().sum()
    tanh_output = weakref.ref(loss.grad_fn.inputs[0])  # type: ignore[union-attr]
    loss.backward()
    gc.collect()
    return {"tanh output still alive after backward": tanh_output() is not None}


def _second_backward_succeeds() -> bool:
    """Fires when a second backward() without retain_graph=True does not raise."""
    x = leaf(normal(1, 3))
    loss = (x * x).sum()
    loss.backward()
    return not raises(loss.backward, GraphFreedError)


def _probe_tanh_mul(F: Any, x: Any, w: Any) -> Any:
    return F.tanh(x * w)


GRAPH_NOT_FREED = Break(
    id="graph-not-freed",
    family="engine",
    title=Text(
        en="Graph not freed: a second backward() silently succeeds and doubles .grad",
        es="Grafo no liberado: un segundo backward() funciona en silencio y duplica .grad",
    ),
    lesson=Text(
        en="After backward() the graph has done its job: freeing each node releases the saved arrays (most of "
        "a training step's memory) and makes an accidental second backward() an error. Without it, calling "
        "backward twice on the same loss runs again and adds the same gradient a second time, and every "
        "intermediate result of every step stays alive as long as the loss does.",
        es="Después de backward() el grafo ya ha cumplido: liberar cada nodo suelta los arrays guardados (casi "
        "toda la memoria de un paso de entrenamiento) y convierte un segundo backward() accidental en un error. "
        "Sin eso, llamar a backward dos veces sobre la misma pérdida lo ejecuta otra vez y suma el mismo "
        "gradiente una segunda vez, y cada resultado intermedio de cada paso sigue vivo mientras viva la pérdida.",
    ),
    hypothesis=Text(
        en="Skipping node.free() changes nothing in a single backward(); a second backward() without "
        "retain_graph=True no longer raises and .grad doubles; the intermediate tensors stay in memory.",
        es="Omitir node.free() no cambia nada en un único backward(); un segundo backward() sin "
        "retain_graph=True ya no lanza un error y .grad se duplica; los tensores intermedios siguen en memoria.",
    ),
    patches=(Patch("engine:run_backward", "        if not retain_graph:\n            node.free()\n", ""),),
    cases=(
        Case(Text("one backward()", "un solo backward()"), _one_backward, SAME),
        Case(
            Text("backward() twice on the same loss", "backward() dos veces sobre la misma pérdida"),
            _second_backward,
            WRONG_VALUES,
            Text(
                "Correct code raises GraphFreedError at the second call and x.grad keeps one gradient; with the "
                "break the call succeeds and x.grad holds two.",
                "El código correcto lanza GraphFreedError en la segunda llamada y x.grad conserva un gradiente; "
                "con el fallo la llamada funciona y x.grad contiene dos.",
            ),
        ),
        Case(
            Text(
                "memory: is the (300, 400) tanh output freed after backward()?",
                "memoria: ¿se libera la salida (300, 400) de tanh tras backward()?",
            ),
            _intermediate_kept_alive,
            WRONG_VALUES,
        ),
    ),
    probe=Probe(_probe_tanh_mul, (normal(41, 3, 4), normal(42, 3, 4))),
    catches=("second-backward",),
    checks={"second-backward": _second_backward_succeeds},
)


# --------------------------------------------------------------------------- inplace-guard-off


def _update_after_backward() -> Observation:
    x, c = leaf(normal(1, 3)), const(normal(2, 3))
    loss = (x * c).sum()
    loss.backward()
    c.add_(1.0)  # after backward: nothing is waiting to read c
    return grads(x=x)


def _update_between_forward_and_backward() -> Observation:
    x, c = leaf(normal(1, 3)), const(normal(2, 3))
    loss = (x * c).sum()  # mul saves c: dL/dx = c
    c.add_(1.0)  # in place, before backward
    refused = raises(loss.backward, RuntimeError)
    return {"backward refused": refused, **grads(x=x)}


def _output_changed_before_backward() -> Observation:
    x = leaf(normal(1, 3))
    y = x.exp()  # exp's backward reads its own output: dL/dx = g * exp(x)
    with no_grad():
        y.mul_(2.0)
    refused = raises(lambda: (y * normal(2, 3)).sum().backward(), RuntimeError)
    return {"backward refused": refused, **grads(x=x)}


def _version_guard_silent() -> bool:
    """Fires when an in-place change of a saved tensor between forward and backward raises no error."""
    x, c = leaf(normal(1, 3)), const(normal(2, 3))
    loss = (x * c).sum()
    c.mul_(3.0)
    return not raises(loss.backward, RuntimeError)


def _probe_mul(F: Any, x: Any, w: Any) -> Any:
    return x * w


INPLACE_GUARD_OFF = Break(
    id="inplace-guard-off",
    family="engine",
    title=Text(
        en="In-place guard off: changing a saved tensor before backward silently gives wrong gradients",
        es="Sin protección in situ: modificar un tensor guardado antes de backward da gradientes erróneos en silencio",
    ),
    lesson=Text(
        en="A backward rule reads the arrays it saved in forward (mul saves both inputs, exp its output). "
        "An in-place change in between (x += ..., an optimizer step, a normalization done in place) makes it "
        "compute the gradient at the new values. A version counter bumped by every in-place op, checked at "
        "backward, turns that silent error into a loud one, as in PyTorch.",
        es="Una regla backward lee los arrays que guardó en el forward (mul guarda sus dos entradas, exp su "
        "salida). Un cambio in situ entre medias (x += ..., un paso del optimizador, una normalización hecha in "
        "situ) le hace calcular el gradiente con los valores nuevos. Un contador de versiones que incrementa "
        "cada operación in situ, comprobado en backward, convierte ese error silencioso en uno ruidoso, como "
        "en PyTorch.",
    ),
    hypothesis=Text(
        en="Without the version check, in-place changes after backward stay harmless; a change of a saved input "
        "or output between forward and backward is no longer refused and the gradient uses the new values.",
        es="Sin la comprobación de versiones, los cambios in situ después de backward siguen siendo inofensivos; "
        "un cambio de una entrada o salida guardada entre forward y backward ya no se rechaza y el gradiente "
        "usa los valores nuevos.",
    ),
    patches=(
        Patch(
            "engine:run_backward",
            "        if node.saved:\n"
            "            for saved, version in zip(node.saved, node.versions):\n"
            "                if saved._version != version:\n"
            "                    raise _modified_error(node, saved, version)\n"
            "        if node.saves_output and t._version:\n"
            "            raise _modified_error(node, t, 0)\n",
            "",
        ),
    ),
    cases=(
        Case(
            Text("c += 1 after backward (an optimizer step)", "c += 1 después de backward (un paso del optimizador)"),
            _update_after_backward,
            SAME,
        ),
        Case(
            Text(
                "c += 1 between forward and backward of sum(x * c)",
                "c += 1 entre el forward y el backward de sum(x * c)",
            ),
            _update_between_forward_and_backward,
            WRONG_VALUES,
            Text(
                "Correct code refuses: 'input 1 of mul ... was modified in place after the forward pass'. With the "
                "break backward runs and x.grad is c + 1, the gradient of a function that was never computed.",
                "El código correcto se niega: 'input 1 of mul ... was modified in place after the forward pass'. "
                "Con el fallo backward se ejecuta y x.grad vale c + 1, el gradiente de una función que nunca se "
                "calculó.",
            ),
        ),
        Case(
            Text(
                "y = exp(x), then y *= 2 under no_grad, then backward",
                "y = exp(x), luego y *= 2 bajo no_grad, luego backward",
            ),
            _output_changed_before_backward,
            WRONG_VALUES,
        ),
    ),
    probe=Probe(_probe_mul, (normal(51, 3, 4), normal(52, 3, 4))),
    catches=("version-guard",),
    checks={"version-guard": _version_guard_silent},
)


# --------------------------------------------------------------------------- grad-aliasing


def _clip_after_mul() -> Observation:
    x, w = leaf(normal(1, 3)), leaf(normal(2, 3))
    (x * w).backward(normal(3, 3))
    clip_grad_norm_([x, w], max_norm=0.5)  # scales every .grad in place
    return grads(x=x, w=w)


def _clip_after_add() -> Observation:
    a, b = leaf(normal(1, 3)), leaf(normal(2, 3))
    (a + b).backward(normal(3, 3))  # add hands the same array g to both inputs
    clip_grad_norm_([a, b], max_norm=0.5)
    return grads(a=a, b=b)


def _accumulate_two_batches() -> Observation:
    a, b = leaf(normal(1, 3)), leaf(normal(2, 3))
    (a + b).backward(normal(3, 3))  # micro-batch 1
    (a + b).backward(normal(4, 3))  # micro-batch 2: .grad accumulates (+=) in place
    return grads(a=a, b=b)


def _accumulate_after_column_sums() -> Observation:
    a, b = leaf(normal(1, 2, 3)), leaf(normal(2, 2, 3))
    v = normal(3, 3)
    ((a + b).sum(axis=0) * v).sum().backward()  # sum(axis=0) spreads g back with np.broadcast_to: a read-only view
    ((a + b).sum(axis=0) * v).sum().backward()
    return grads(a=a, b=b)


def _grads_share_memory() -> bool:
    """Fires when an in-place change of one leaf's .grad changes another leaf's .grad."""
    a, b = leaf(normal(1, 3)), leaf(normal(2, 3))
    (a + b).backward(normal(3, 3))
    assert a.grad is not None and b.grad is not None
    before = np.array(b.grad)
    if not a.grad.flags.writeable:
        return True  # a .grad nobody may update in place is not owned by its tensor either
    a.grad *= 0.5
    return not np.array_equal(b.grad, before)


ALIASING_PROBE_INPUTS = (normal(61, 3, 4), normal(62, 3, 4))


def _probe_add(F: Any, a: Any, b: Any) -> Any:
    return F.tanh(a + b)


GRAD_ALIASING = Break(
    id="grad-aliasing",
    family="engine",
    title=Text(
        en="Gradient aliasing: two leaves of a + b share one .grad array",
        es="Gradientes compartidos: dos hojas de a + b comparten un mismo array .grad",
    ),
    lesson=Text(
        en="A backward rule may return the same array for several inputs (add returns g for both) or a "
        "read-only view (sum broadcasts g). Values are right, so every gradient check passes; but the first "
        "array stored in a .grad must be one the tensor owns, because .grad is later updated in place: "
        "accumulation over micro-batches (+=), clipping, an optimizer's weight decay. With shared storage an "
        "update of one parameter's gradient silently updates the other's.",
        es="Una regla backward puede devolver el mismo array para varias entradas (add devuelve g para ambas) o "
        "una vista de solo lectura (sum hace broadcasting de g). Los valores son correctos, así que toda "
        "comprobación de gradientes pasa; pero el primer array que se guarda en un .grad debe pertenecer al "
        "tensor, porque .grad se actualiza luego in situ: acumulación sobre micro-lotes (+=), recorte, el "
        "weight decay de un optimizador. Con memoria compartida, actualizar el gradiente de un parámetro "
        "actualiza en silencio el del otro.",
    ),
    hypothesis=Text(
        en="If _own never copies, a single backward still gives the right values, so gradcheck and crosscheck "
        "stay silent; in-place updates of the .grad of a or b after a + b (clipping, a second backward) "
        "change both, or fail on a read-only view.",
        es="Si _own nunca copia, un único backward sigue dando los valores correctos, así que gradcheck y "
        "crosscheck no dicen nada; las actualizaciones in situ del .grad de a o de b tras a + b (recorte, un "
        "segundo backward) cambian los dos, o fallan sobre una vista de solo lectura.",
    ),
    patches=(
        Patch(
            "engine:_own",
            "    if type(g) is not np.ndarray or g.base is not None or id(g) in handed or not g.flags.writeable:\n"
            "        g = np.array(g)  # a fresh, writeable copy that nothing else references\n",
            "",
        ),
    ),
    cases=(
        Case(
            Text("x * w, then clip_grad_norm_", "x * w, luego clip_grad_norm_"),
            _clip_after_mul,
            SAME,
            Text(
                "mul computes a new array for each input (g * w, g * x), so nothing is shared.",
                "mul calcula un array nuevo para cada entrada (g * w, g * x), así que nada se comparte.",
            ),
        ),
        Case(
            Text("a + b, then clip_grad_norm_", "a + b, luego clip_grad_norm_"),
            _clip_after_add,
            WRONG_VALUES,
            Text(
                "a.grad and b.grad are one array: clipping scales it once through a and once more through b.",
                "a.grad y b.grad son un único array: el recorte lo escala una vez a través de a y otra vez a "
                "través de b.",
            ),
        ),
        Case(
            Text(
                "gradient accumulation: backward of a + b for two micro-batches",
                "acumulación de gradientes: backward de a + b para dos micro-lotes",
            ),
            _accumulate_two_batches,
            WRONG_VALUES,
            Text(
                "The second batch adds its gradient to the shared array through a, then again through b.",
                "El segundo lote suma su gradiente al array compartido a través de a y otra vez a través de b.",
            ),
        ),
        Case(
            Text(
                "column sums of a + b, backward twice (accumulation)",
                "sumas por columnas de a + b, backward dos veces (acumulación)",
            ),
            _accumulate_after_column_sums,
            CRASH,
            Text(
                "The first .grad is the view np.broadcast_to makes in sum's backward, which NumPy marks "
                "read-only: the second backward's a.grad += g raises 'output array is read-only'.",
                "El primer .grad es la vista que crea np.broadcast_to en el backward de sum, y NumPy la marca de "
                "solo lectura: el a.grad += g del segundo backward lanza 'output array is read-only'.",
            ),
        ),
    ),
    probe=Probe(_probe_add, ALIASING_PROBE_INPUTS),
    catches=("grad-ownership",),
    checks={"grad-ownership": _grads_share_memory},
)


BREAKS = [
    ACCUMULATE_OVERWRITE,
    NO_TOPOLOGICAL_ORDER,
    RECURSIVE_WALK,
    GRAPH_NOT_FREED,
    INPLACE_GUARD_OFF,
    GRAD_ALIASING,
]

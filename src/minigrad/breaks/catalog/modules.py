"""Breaks in modules and optimizers (``minigrad/nn``, ``minigrad/optim``): normalization, dropout, residuals,
Adam and AdamW, and ``zero_grad``.

Gradient checks test how a function is differentiated.  These bugs change *which* function a layer computes,
or what an optimizer does with a correct gradient, so finite differences mostly stay silent: a broken layer
is still differentiated correctly.  Each break therefore brings its own check against PyTorch's module or
optimizer (PyTorch is imported only when the check runs), and a probe that crosschecks the layer where
PyTorch has a functional counterpart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...engine import no_grad
from ...nn import BatchNorm1d, Dropout, Linear, Module, Residual, RMSNorm, Sequential, Tanh
from ...optim import SGD, Adam, AdamW, Optimizer
from ...tensor import Tensor
from ..core import Break, Case, Patch, Probe, Text
from ._support import SAME, WRONG_VALUES, Observation, const, grads, leaf, normal, rng

Array = np.ndarray[Any, np.dtype[np.float64]]


def _torch() -> Any:
    """PyTorch, imported lazily (a clear error names the extra to install if it is missing)."""
    from ...diagnostics.crosscheck import import_torch

    return import_torch()


def _differs(mine: Any, theirs: Any, tol: float = 1e-9) -> bool:
    """Elementwise ``|mine - theirs| > tol * (1 + |theirs|)`` anywhere; NaN always differs."""
    return not np.allclose(np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float), rtol=tol, atol=tol)


def _worst(mine: Any, theirs: Any) -> float:
    return float(np.max(np.abs(np.asarray(mine, dtype=float) - np.asarray(theirs, dtype=float))))


# --------------------------------------------------------------------------- batchnorm-eval-uses-batch-stats

BN_MEAN = np.array([1.0, -2.0, 0.5])  # the training distribution, per channel
BN_STD = np.array([2.0, 0.5, 1.0])


def _bn_batch(seed: int, n: int = 8, shift: float = 0.0) -> Array:
    """``n`` examples of 3 channels from N(BN_MEAN + shift, BN_STD**2)."""
    return np.asarray(BN_MEAN + shift + BN_STD * normal(seed, n, 3), dtype=np.float64)


def _trained_batchnorm() -> BatchNorm1d:
    """A BatchNorm1d after 30 training batches (train mode, which the break leaves alone), switched to eval."""
    layer = BatchNorm1d(3)
    with no_grad():
        for seed in range(30):
            layer(Tensor(_bn_batch(100 + seed)))
    layer.eval()
    return layer


def _bn_train_mode() -> Observation:
    layer = BatchNorm1d(3)
    x = leaf(_bn_batch(1))
    y = layer(x)
    (y * normal(2, 8, 3)).sum().backward()
    assert layer.weight is not None and layer.running_mean is not None and layer.running_var is not None
    return {
        "y": y.data.copy(),
        **grads(x=x, weight=layer.weight),
        "running_mean": layer.running_mean.data.copy(),
        "running_var": layer.running_var.data.copy(),
    }


def _bn_eval_one_example() -> Observation:
    layer = _trained_batchnorm()
    x = leaf(_bn_batch(3, n=1))  # one example at inference time
    y = layer(x)
    (y * normal(4, 1, 3)).sum().backward()
    return {"y": y.data.copy(), **grads(x=x)}


def _bn_eval_example_in_two_batches() -> Observation:
    layer = _trained_batchnorm()
    example = _bn_batch(5, n=1)
    in_batch_a = layer(Tensor(np.concatenate([example, _bn_batch(6, n=7)]))).data[0]
    in_batch_b = layer(Tensor(np.concatenate([example, _bn_batch(7, n=7, shift=2.0)]))).data[0]
    return {
        "y of the example in batch A": in_batch_a,
        "y of the example in batch B": in_batch_b,
        "same prediction in both batches": bool(np.array_equal(in_batch_a, in_batch_b)),
    }


def _bn_eval_shifted_batch() -> Observation:
    layer = _trained_batchnorm()
    y = layer(Tensor(_bn_batch(8, n=64, shift=3.0))).data  # inputs 3 units above the training mean
    return {"per-channel mean of y": y.mean(axis=0), "per-channel std of y": y.std(axis=0)}


BN_PROBE_MEAN = np.array([0.5, -1.0, 2.0])
BN_PROBE_VAR = np.array([0.25, 4.0, 1.5])


def _probe_batchnorm_eval(F: Any, x: Any) -> Any:
    """BatchNorm1d in eval mode with fixed running statistics; PyTorch: ``batch_norm(training=False)``."""
    if F.name == "torch":
        return F.functional.batch_norm(x, F.tensor(BN_PROBE_MEAN), F.tensor(BN_PROBE_VAR), training=False)
    layer = BatchNorm1d(3)
    assert layer.running_mean is not None and layer.running_var is not None
    with no_grad():
        layer.running_mean.copy_(BN_PROBE_MEAN)
        layer.running_var.copy_(BN_PROBE_VAR)
    layer.eval()
    return layer(x)


def _batchnorm_eval_differs_from_torch() -> str:
    """torch.nn.BatchNorm1d and minigrad's, trained on the same batches, then in eval: outputs and input grads."""
    torch = _torch()
    mine = BatchNorm1d(3)
    theirs = torch.nn.BatchNorm1d(3, dtype=torch.float64)
    with no_grad(), torch.no_grad():
        for seed in range(5):
            batch = _bn_batch(200 + seed)
            mine(Tensor(batch))
            theirs(torch.from_numpy(batch))
    mine.eval()
    theirs.eval()
    problems = []
    for label, batch in (("one example", _bn_batch(210, n=1)), ("a batch shifted by +3", _bn_batch(211, shift=3.0))):
        upstream = normal(212, *batch.shape)
        x = leaf(batch)
        y = mine(x)
        (y * upstream).sum().backward()
        tx = torch.tensor(batch, requires_grad=True)
        ty = theirs(tx)
        ty.backward(torch.from_numpy(upstream))
        ref = ty.detach().numpy()
        if _differs(y.data, ref) or _differs(x.grad, tx.grad.numpy()):
            problems.append(f"{label} (max |y - y_torch| = {_worst(y.data, ref):.3g})")
    if not problems:
        return ""
    return "eval output differs from torch.nn.BatchNorm1d in eval mode on " + " and on ".join(problems)


BATCHNORM_EVAL_USES_BATCH_STATS = Break(
    id="batchnorm-eval-uses-batch-stats",
    family="modules",
    title=Text(
        en="BatchNorm1d in eval mode normalizes with the batch statistics instead of the running ones",
        es="BatchNorm1d en modo evaluación normaliza con las estadísticas del lote en vez de las acumuladas",
    ),
    lesson=Text(
        en="In training BatchNorm normalizes each channel with the batch's mean and variance and keeps running "
        "averages of them; in eval it must use those running statistics, so that a prediction depends only "
        "on its own input. Using the batch statistics in eval makes a model's answer depend on which other "
        "examples share its batch, gives a constant output for a batch of one, and silently re-centres a batch "
        "whose distribution has shifted, hiding exactly the change you wanted to see. Training is untouched, "
        "so the loss curve looks perfect; gradient checks pass too, because the wrong function is still "
        "differentiated correctly. Only a comparison with a reference in eval mode sees it.",
        es="En entrenamiento, BatchNorm normaliza cada canal con la media y la varianza del lote y lleva medias "
        "móviles de ambas; en evaluación debe usar esas estadísticas acumuladas, para que una predicción "
        "dependa solo de su propia entrada. Usar las del lote en evaluación hace que la respuesta del modelo "
        "dependa de qué otros ejemplos comparten su lote, da una salida constante para un lote de uno y "
        "recentra en silencio un lote cuya distribución ha cambiado, ocultando justo el cambio que querías ver. "
        "El entrenamiento no se ve afectado, así que la curva de pérdida parece perfecta; las comprobaciones de "
        "gradientes también pasan, porque la función equivocada se sigue derivando bien. Solo una comparación "
        "con una referencia en modo evaluación lo detecta.",
    ),
    hypothesis=Text(
        en="With the batch statistics in eval, train mode is unchanged (output, gradients, running buffers); "
        "in eval a single example normalizes to zeros (its own mean, zero variance), the same example gets a "
        "different output in a different batch, and a batch shifted by +3 comes out centred at 0 instead of "
        "showing the shift.",
        es="Con las estadísticas del lote en evaluación, el modo entrenamiento no cambia (salida, gradientes, "
        "buffers acumulados); en evaluación un único ejemplo se normaliza a ceros (su propia media, varianza "
        "cero), el mismo ejemplo recibe otra salida en otro lote, y un lote desplazado +3 sale centrado en 0 "
        "en vez de mostrar el desplazamiento.",
    ),
    patches=(
        Patch(
            "nn.normalization:BatchNorm1d.forward",
            "        mean = Tensor(self.running_mean.data.reshape(stat_shape))\n"
            "        var = Tensor(self.running_var.data.reshape(stat_shape))\n",
            "        mean = x.mean(axis=axes, keepdims=True)\n"
            "        var = x.var(axis=axes, keepdims=True, correction=0)\n",
        ),
    ),
    cases=(
        Case(
            Text(
                "train mode: a batch of 8, forward and backward",
                "modo entrenamiento: un lote de 8, forward y backward",
            ),
            _bn_train_mode,
            SAME,
        ),
        Case(
            Text("eval mode: a single example", "modo evaluación: un único ejemplo"),
            _bn_eval_one_example,
            WRONG_VALUES,
            Text(
                "The batch mean of one example is the example itself and its variance is 0, so y = 0 / sqrt(eps) "
                "= 0 (plus the bias, 0 here) and its gradient is 0 too: every input gets the same answer.",
                "La media de un lote de un ejemplo es el propio ejemplo y su varianza es 0, así que y = "
                "0 / sqrt(eps) = 0 (más el sesgo, aquí 0) y su gradiente también es 0: toda entrada recibe la "
                "misma respuesta.",
            ),
        ),
        Case(
            Text(
                "eval mode: the same example in two different batches",
                "modo evaluación: el mismo ejemplo en dos lotes distintos",
            ),
            _bn_eval_example_in_two_batches,
            WRONG_VALUES,
        ),
        Case(
            Text(
                "eval mode: a batch of 64 from a distribution shifted by +3",
                "modo evaluación: un lote de 64 de una distribución desplazada +3",
            ),
            _bn_eval_shifted_batch,
            WRONG_VALUES,
            Text(
                "With the running statistics the shift shows: channel means near 3 / std = (1.5, 6, 3). With the "
                "batch statistics every channel comes out with mean 0 and std 1, as if nothing had changed.",
                "Con las estadísticas acumuladas el desplazamiento se ve: medias por canal cerca de 3 / std = "
                "(1.5, 6, 3). Con las del lote cada canal sale con media 0 y desviación 1, como si nada hubiera "
                "cambiado.",
            ),
        ),
    ),
    probe=Probe(_probe_batchnorm_eval, (1.0 + normal(601, 5, 3),)),
    catches=("crosscheck", "torch-batchnorm-eval"),
    checks={"torch-batchnorm-eval": _batchnorm_eval_differs_from_torch},
)


# --------------------------------------------------------------------------- dropout-no-rescale


def _dropout_run(layer: Dropout) -> Observation:
    x = leaf(normal(2, 4, 5))
    y = layer(x)
    (y * normal(3, 4, 5)).sum().backward()
    return {"y": y.data.copy(), **grads(x=x)}


def _dropout_eval() -> Observation:
    layer = Dropout(0.5, generator=rng(1))
    layer.eval()
    return _dropout_run(layer)


def _dropout_p_zero() -> Observation:
    return _dropout_run(Dropout(0.0, generator=rng(1)))


def _dropout_one_mask() -> Observation:
    return _dropout_run(Dropout(0.5, generator=rng(1)))


def _dropout_expectation() -> Observation:
    x = normal(4, 5)
    layer = Dropout(0.5, generator=rng(5))
    train_mean = layer(Tensor(np.tile(x, (10_000, 1)))).data.mean(axis=0)  # 10,000 masks of the same 5 inputs
    layer.eval()
    eval_output = layer(Tensor(x)).data
    return {
        "mean train output over 10,000 masks": train_mean,
        "eval output": eval_output,
        "ratio train mean / eval": train_mean / eval_output,
    }


DROPOUT_P = 0.5
DROPOUT_SEED = 11


def _probe_dropout(F: Any, x: Any, w: Any) -> Any:
    """Dropout in training mode; PyTorch side: inverted dropout with the same mask (torch draws its own masks)."""
    if F.name == "torch":
        keep = rng(DROPOUT_SEED).random(tuple(x.shape)) >= DROPOUT_P  # the draw Dropout's docstring documents
        return x * F.tensor(keep / (1 - DROPOUT_P)) * w
    return Dropout(DROPOUT_P, generator=rng(DROPOUT_SEED))(x) * w


def _dropout_mean_differs_from_torch() -> str:
    """Mean of Dropout(0.5) over 20,000 ones, in minigrad and in torch.nn.functional.dropout (both ~1)."""
    torch = _torch()
    mine = float(Dropout(0.5, generator=rng(12))(Tensor(np.ones((100, 200)))).data.mean())
    with torch.random.fork_rng(devices=[]):  # leave the caller's torch random state alone
        torch.manual_seed(12)
        ones = torch.ones(100, 200, dtype=torch.float64)
        theirs = float(torch.nn.functional.dropout(ones, DROPOUT_P, training=True).mean())
    if abs(mine - theirs) <= 0.05:  # both means have a standard deviation of 1 / sqrt(20,000) ~ 0.007
        return ""
    return (
        f"Dropout(p=0.5) in training mode averages {mine:.3f} over 20,000 ones; torch.nn.Dropout averages "
        f"{theirs:.3f} (inverted dropout keeps E[output] = input)"
    )


DROPOUT_NO_RESCALE = Break(
    id="dropout-no-rescale",
    family="modules",
    title=Text(
        en="Dropout without the 1/(1-p) scale: training activations shrink by (1-p) on average",
        es="Dropout sin el factor 1/(1-p): en entrenamiento las activaciones se reducen en promedio a (1-p) veces",
    ),
    lesson=Text(
        en="Inverted dropout zeroes each activation with probability p and divides the survivors by 1 - p, so "
        "that E[output] = input and eval mode can be the identity. Without the division the network trains on "
        "activations that are (1 - p) times smaller than the ones it sees at test time: every layer after a "
        "dropout gets inputs of a different scale in eval. The loss still goes down, gradients are correct for "
        "the function computed, and with p = 0 or in eval nothing changes; only the expectation over masks (or "
        "a reference with the same mask) shows the missing factor.",
        es="El dropout invertido anula cada activación con probabilidad p y divide las supervivientes por 1 - p, "
        "para que E[salida] = entrada y el modo evaluación pueda ser la identidad. Sin la división, la red "
        "entrena con activaciones (1 - p) veces más pequeñas que las que ve en evaluación: cada capa que sigue "
        "a un dropout recibe entradas de otra escala en evaluación. La pérdida sigue bajando, los gradientes "
        "son correctos para la función calculada, y con p = 0 o en evaluación nada cambia; solo la esperanza "
        "sobre las máscaras (o una referencia con la misma máscara) muestra el factor que falta.",
    ),
    hypothesis=Text(
        en="Without the scale, eval mode and p = 0 are unaffected; in training with p = 0.5 the kept "
        "activations and their gradients are half the right value, and averaged over many masks the training "
        "output is about 0.5 times the eval output instead of about equal to it.",
        es="Sin el factor, el modo evaluación y p = 0 no cambian; en entrenamiento con p = 0.5 las activaciones "
        "que se conservan y sus gradientes valen la mitad de lo correcto, y promediada sobre muchas máscaras "
        "la salida de entrenamiento es unas 0.5 veces la de evaluación en vez de aproximadamente igual.",
    ),
    patches=(
        Patch(
            "nn.layers:Dropout.forward",
            "    scale = keep.astype(dtype) / dtype.type(1 - self.p)\n",
            "    scale = keep.astype(dtype)\n",
        ),
    ),
    cases=(
        Case(Text("eval mode, p = 0.5", "modo evaluación, p = 0.5"), _dropout_eval, SAME),
        Case(Text("training mode, p = 0", "modo entrenamiento, p = 0"), _dropout_p_zero, SAME),
        Case(
            Text("training mode, p = 0.5: one mask", "modo entrenamiento, p = 0.5: una máscara"),
            _dropout_one_mask,
            WRONG_VALUES,
            Text(
                "Both runs draw the same mask from the same seed: the dropped elements agree (0), the kept ones "
                "are x instead of 2x, and so are their gradients.",
                "Las dos ejecuciones sacan la misma máscara de la misma semilla: los elementos anulados "
                "coinciden (0), los conservados valen x en vez de 2x, y lo mismo sus gradientes.",
            ),
        ),
        Case(
            Text(
                "training vs eval: the mean output over 10,000 masks",
                "entrenamiento frente a evaluación: la salida media sobre 10 000 máscaras",
            ),
            _dropout_expectation,
            WRONG_VALUES,
        ),
    ),
    probe=Probe(_probe_dropout, (normal(611, 4, 5), normal(612, 4, 5))),
    catches=("crosscheck", "torch-dropout-expectation"),
    checks={"torch-dropout-expectation": _dropout_mean_differs_from_torch},
)


# --------------------------------------------------------------------------- optimizers: a small least-squares problem

LSQ_A = normal(501, 6, 3)
LSQ_B = normal(502, 6)
LSQ_START = normal(503, 3)


def _least_squares(p: Tensor) -> Tensor:
    """``0.5 * |A p - b|**2``: convex, one minimum at the least-squares solution."""
    r = const(LSQ_A) @ p - const(LSQ_B)
    return (r * r).sum() * 0.5


def _fit(make: Callable[[list[Tensor]], Optimizer], steps: int) -> tuple[Tensor, list[float]]:
    """The PyTorch training loop: zero_grad, loss, backward, step; returns the parameter and the losses."""
    p = leaf(LSQ_START)
    optimizer = make([p])
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = _least_squares(p)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return p, losses


def _probe_least_squares(F: Any, p: Any, a: Any, b: Any) -> Any:
    r = a @ p - b
    return r * r


OPTIMIZER_PROBE = Probe(_probe_least_squares, (LSQ_START, LSQ_A, LSQ_B))


def _trajectory_differs(
    make_mine: Callable[[list[Tensor]], Optimizer],
    make_theirs: Callable[[Any, list[Any]], Any],
    name: str,
    steps: int = 5,
) -> str:
    """Run minigrad's and torch's optimizer on the least-squares problem in float64; '' if they agree at 1e-10."""
    torch = _torch()
    p = leaf(LSQ_START)
    mine = make_mine([p])
    tp = torch.tensor(LSQ_START, requires_grad=True)
    theirs = make_theirs(torch, [tp])
    a, b = torch.from_numpy(LSQ_A), torch.from_numpy(LSQ_B)
    for step in range(1, steps + 1):
        mine.zero_grad()
        _least_squares(p).backward()
        mine.step()
        theirs.zero_grad()
        r = a @ tp - b
        ((r * r).sum() * 0.5).backward()
        theirs.step()
        ref = tp.detach().numpy()
        if _differs(p.data, ref, tol=1e-10):
            return f"after step {step} the parameters differ from {name} by up to {_worst(p.data, ref):.3g}"
    return ""


# --------------------------------------------------------------------------- adam-no-bias-correction


def _adam_without_moving_averages() -> Observation:
    p, losses = _fit(lambda ps: Adam(ps, lr=0.05, betas=(0.0, 0.0)), 10)
    return {"p": p.data.copy(), "loss at steps 1-10": np.array(losses)}


def _adam_first_step() -> Observation:
    p, _ = _fit(lambda ps: Adam(ps, lr=0.01), 1)
    return {"first step / lr": (p.data - LSQ_START) / 0.01}


def _adam_first_steps() -> Observation:
    _, losses = _fit(lambda ps: Adam(ps, lr=0.01), 20)
    return {"loss at steps 1, 5, 10, 20": np.array(losses)[[0, 4, 9, 19]]}


def _adam_converged() -> Observation:
    p, losses = _fit(lambda ps: Adam(ps, lr=0.01), 3000)
    return {"p after 3000 steps": p.data.copy(), "final loss": losses[-1]}


def _adam_differs_from_torch() -> str:
    return _trajectory_differs(
        lambda ps: Adam(ps, lr=0.05), lambda torch, ps: torch.optim.Adam(ps, lr=0.05), "torch.optim.Adam"
    )


ADAM_NO_BIAS_CORRECTION = Break(
    id="adam-no-bias-correction",
    family="modules",
    title=Text(
        en="Adam without bias correction: m / (sqrt(v) + eps) with the raw moments",
        es="Adam sin corrección de sesgo: m / (sqrt(v) + eps) con los momentos sin corregir",
    ),
    lesson=Text(
        en="Adam's moments start at 0, so after t steps m and v are biased towards 0 by the factors 1 - beta1**t "
        "and 1 - beta2**t; dividing by them gives m_hat and v_hat. It is tempting to think the uncorrected "
        "steps are too small, since both moments start at 0. But the denominator is a square root of a moment "
        "whose factor is far smaller (1 - 0.999 = 0.001), so the first step is lr * 0.1 / sqrt(0.001) ~ "
        "3.16 lr: more than three times too large, and it stays too large for hundreds of steps. On an easy "
        "convex problem both versions still end at the minimum, which is why the bug survives; on a real "
        "model the oversized early steps are exactly what warmup was invented to tame.",
        es="Los momentos de Adam empiezan en 0, así que tras t pasos m y v están sesgados hacia 0 por los "
        "factores 1 - beta1**t y 1 - beta2**t; dividir por ellos da m_hat y v_hat. Es tentador pensar que sin "
        "la corrección los pasos son demasiado pequeños, porque los dos momentos empiezan en 0. Pero el "
        "denominador es la raíz de un momento con un factor mucho menor (1 - 0.999 = 0.001), así que el primer "
        "paso es lr * 0.1 / sqrt(0.001) ~ 3.16 lr: más de tres veces demasiado grande, y sigue siéndolo "
        "durante cientos de pasos. En un problema convexo sencillo las dos versiones acaban igualmente en el "
        "mínimo, y por eso el fallo sobrevive; en un modelo real, esos primeros pasos desmesurados son "
        "justo lo que el warmup se inventó para domar.",
    ),
    hypothesis=Text(
        en="Without bias correction, beta1 = beta2 = 0 changes nothing (1 - 0**t = 1); with the default betas "
        "the first step is lr * (1 - beta1) / sqrt(1 - beta2) ~ 3.16 lr instead of ~ lr, the early losses "
        "differ from Adam's, and after 3000 steps on a convex least-squares problem both reach the same "
        "minimum.",
        es="Sin corrección de sesgo, beta1 = beta2 = 0 no cambia nada (1 - 0**t = 1); con los betas por "
        "defecto el primer paso es lr * (1 - beta1) / sqrt(1 - beta2) ~ 3.16 lr en vez de ~ lr, las primeras "
        "pérdidas difieren de las de Adam y, tras 3000 pasos en un problema convexo de mínimos cuadrados, las "
        "dos llegan al mismo mínimo.",
    ),
    patches=(
        Patch(
            "optim.adam:Adam.step",
            "                bias_correction1 = 1 - beta1**t\n"
            "                bias_correction2 = 1 - beta2**t\n"
            "                denominator = np.sqrt(v) / math.sqrt(bias_correction2) + eps\n"
            "                p.sub_(m / denominator, alpha=lr / bias_correction1)\n",
            "                denominator = np.sqrt(v) + eps\n                p.sub_(m / denominator, alpha=lr)\n",
        ),
    ),
    cases=(
        Case(
            Text("beta1 = beta2 = 0: no moving averages", "beta1 = beta2 = 0: sin medias móviles"),
            _adam_without_moving_averages,
            SAME,
        ),
        Case(
            Text("the first step, default betas (0.9, 0.999)", "el primer paso, betas por defecto (0.9, 0.999)"),
            _adam_first_step,
            WRONG_VALUES,
            Text(
                "Corrected, m_hat / sqrt(v_hat) = g / |g|: each coordinate moves by lr. Uncorrected it moves by "
                "0.1 / sqrt(0.001) = 3.162 lr: the missing correction of v outweighs that of m.",
                "Con la corrección, m_hat / sqrt(v_hat) = g / |g|: cada coordenada se mueve lr. Sin ella se "
                "mueve 0.1 / sqrt(0.001) = 3.162 lr: la corrección que falta en v pesa más que la de m.",
            ),
        ),
        Case(
            Text("the first 20 steps", "los primeros 20 pasos"),
            _adam_first_steps,
            WRONG_VALUES,
            Text(
                "From the same moments, the uncorrected step is (1 - 0.9**t) / sqrt(1 - 0.999**t) times the "
                "corrected one: 3.2 at t = 1, 6.5 at t = 10, still 1.26 at t = 1000. Here the larger steps "
                "happen to bring the loss down faster; on a harder problem they overshoot.",
                "Con los mismos momentos, el paso sin corregir es (1 - 0.9**t) / sqrt(1 - 0.999**t) veces el "
                "corregido: 3.2 en t = 1, 6.5 en t = 10, todavía 1.26 en t = 1000. Aquí los pasos mayores bajan "
                "la pérdida más deprisa; en un problema más difícil se pasan de largo.",
            ),
        ),
        Case(
            Text("3000 steps on a convex problem", "3000 pasos en un problema convexo"),
            _adam_converged,
            SAME,
            Text(
                "Both end at the least-squares solution (to ~1e-15; the broken one even gets there sooner, its "
                "steps being larger): on an easy convex problem the bug changes the path, not the destination.",
                "Las dos acaban en la solución de mínimos cuadrados (a ~1e-15; la rota incluso llega antes, "
                "porque sus pasos son mayores): en un problema convexo sencillo el fallo cambia el camino, no el "
                "destino.",
            ),
        ),
    ),
    probe=OPTIMIZER_PROBE,
    catches=("torch-adam-trajectory",),
    checks={"torch-adam-trajectory": _adam_differs_from_torch},
)


# --------------------------------------------------------------------------- l2-as-adamw


def _adamw_no_decay() -> Observation:
    p, losses = _fit(lambda ps: AdamW(ps, lr=0.05, weight_decay=0.0), 10)
    return {"p": p.data.copy(), "loss at steps 1-10": np.array(losses)}


def _adam_with_l2() -> Observation:
    p, losses = _fit(lambda ps: Adam(ps, lr=0.05, weight_decay=0.1), 10)
    return {"p": p.data.copy(), "loss at steps 1-10": np.array(losses)}


def _adamw_with_decay() -> Observation:
    p, losses = _fit(lambda ps: AdamW(ps, lr=0.05, weight_decay=0.1), 10)
    return {"p": p.data.copy(), "loss at steps 1-10": np.array(losses)}


def _adamw_weights_without_gradient() -> Observation:
    w = leaf(np.array([0.8, -0.5, 0.8, -0.5]))
    x = const(np.array([1.0, -2.0, 0.0, 0.0]))  # the last two inputs are always 0: w[2:] get a zero gradient
    optimizer = AdamW([w], lr=0.01, weight_decay=0.01)
    for _ in range(10):
        optimizer.zero_grad()
        ((x * w).sum() - 1.0).pow(2).backward()
        optimizer.step()
    return {"w after 10 steps": w.data.copy()}


def _adamw_differs_from_torch() -> str:
    found = _trajectory_differs(
        lambda ps: AdamW(ps, lr=0.05, weight_decay=0.1),
        lambda torch, ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.1),
        "torch.optim.AdamW",
    )
    if found and not _trajectory_differs(
        lambda ps: AdamW(ps, lr=0.05, weight_decay=0.1),
        lambda torch, ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.1),
        "torch.optim.Adam",
    ):
        found += ", and match torch.optim.Adam(weight_decay=0.1): an L2 penalty, not decoupled decay"
    return found


L2_AS_ADAMW = Break(
    id="l2-as-adamw",
    family="modules",
    title=Text(
        en="AdamW as Adam with an L2 penalty: the weight decay goes into the gradient instead of p -= lr * wd * p",
        es="AdamW como Adam con penalización L2: el weight decay entra en el gradiente en vez de p -= lr * wd * p",
    ),
    lesson=Text(
        en="Adding wd * p to the gradient is an L2 penalty, and with SGD it is the same as decaying the weight. "
        "With Adam it is not: the term goes through the moments and is divided by sqrt(v_hat), so a weight "
        "with large gradients hardly decays and a weight with no gradient at all moves by about lr per step "
        "towards 0, whatever wd is. AdamW (Loshchilov and Hutter) decouples the decay: p = p * (1 - lr * wd), "
        "outside the adaptive update. Written the L2 way, 'AdamW' is torch.optim.Adam(weight_decay=wd), not "
        "torch.optim.AdamW, and nothing crashes: only a comparison with the reference optimizer tells.",
        es="Sumar wd * p al gradiente es una penalización L2, y con SGD equivale a decaer el peso. Con Adam no: "
        "el término pasa por los momentos y se divide por sqrt(v_hat), así que un peso con gradientes grandes "
        "apenas decae y un peso sin gradiente se mueve unos lr por paso hacia 0, sea cual sea wd. AdamW "
        "(Loshchilov y Hutter) desacopla el decaimiento: p = p * (1 - lr * wd), fuera de la actualización "
        "adaptativa. Escrito a la manera L2, 'AdamW' es torch.optim.Adam(weight_decay=wd), no "
        "torch.optim.AdamW, y nada falla: solo una comparación con el optimizador de referencia lo revela.",
    ),
    hypothesis=Text(
        en="With the decay in the gradient, AdamW with weight_decay = 0 and Adam (whose L2 is intended) are "
        "unchanged; AdamW with weight_decay = 0.1 follows another trajectory; weights whose gradient is 0 "
        "move by about lr per step instead of shrinking by the factor 1 - lr * wd.",
        es="Con el decaimiento en el gradiente, AdamW con weight_decay = 0 y Adam (cuya L2 es intencionada) no "
        "cambian; AdamW con weight_decay = 0.1 sigue otra trayectoria; los pesos cuyo gradiente es 0 se mueven "
        "unos lr por paso en vez de encogerse por el factor 1 - lr * wd.",
    ),
    patches=(
        Patch(
            "optim.adam:Adam.step",
            "                    p.mul_(1 - lr * weight_decay)  # AdamW: decay the weight itself, outside the moments\n"
            "                    g = p.grad\n",
            "                    g = p.grad + weight_decay * p.data\n",
        ),
    ),
    cases=(
        Case(Text("AdamW, weight_decay = 0", "AdamW con weight_decay = 0"), _adamw_no_decay, SAME),
        Case(
            Text("Adam (not W), weight_decay = 0.1", "Adam (sin W) con weight_decay = 0.1"),
            _adam_with_l2,
            SAME,
            Text(
                "Adam's own path (an L2 penalty, as in torch.optim.Adam) is untouched: the break only changes "
                "what AdamW does, by making it do exactly this.",
                "El camino propio de Adam (una penalización L2, como en torch.optim.Adam) no se toca: el fallo "
                "solo cambia lo que hace AdamW, haciéndole hacer exactamente esto.",
            ),
        ),
        Case(
            Text("AdamW, weight_decay = 0.1, 10 steps", "AdamW con weight_decay = 0.1, 10 pasos"),
            _adamw_with_decay,
            WRONG_VALUES,
        ),
        Case(
            Text(
                "AdamW (lr = 0.01, wd = 0.01): weights whose input is always 0",
                "AdamW (lr = 0.01, wd = 0.01): pesos cuya entrada siempre es 0",
            ),
            _adamw_weights_without_gradient,
            WRONG_VALUES,
            Text(
                "Decoupled, w[2:] shrink by (1 - 1e-4) per step: 0.8 becomes 0.7992 after 10 steps. As L2, their "
                "gradient is wd * w alone, and m_hat / sqrt(v_hat) of a one-signed gradient is ~1: they move by "
                "lr = 0.01 per step, 100 times faster, to about 0.70.",
                "Desacoplado, w[2:] encogen (1 - 1e-4) por paso: 0.8 pasa a 0.7992 tras 10 pasos. Como L2, su "
                "gradiente es solo wd * w, y m_hat / sqrt(v_hat) de un gradiente de signo constante es ~1: se "
                "mueven lr = 0.01 por paso, 100 veces más rápido, hasta unos 0.70.",
            ),
        ),
    ),
    probe=OPTIMIZER_PROBE,
    catches=("torch-adamw-trajectory",),
    checks={"torch-adamw-trajectory": _adamw_differs_from_torch},
)


# --------------------------------------------------------------------------- rmsnorm-eps-outside-sqrt

RMS_WEIGHT = np.array([0.5, 1.5, -1.0, 2.0])


def _rmsnorm_run(x_data: Array, eps: float | None) -> Observation:
    layer = RMSNorm(4, eps=eps)
    assert layer.weight is not None
    with no_grad():
        layer.weight.copy_(RMS_WEIGHT)
    x = leaf(x_data)
    y = layer(x)
    (y * normal(9, *x_data.shape)).sum().backward()
    return {"y": y.data.copy(), **grads(x=x, weight=layer.weight)}


def _rmsnorm_default_eps() -> Observation:
    return _rmsnorm_run(normal(1, 3, 4), eps=None)


def _rmsnorm_eps_1e5() -> Observation:
    return _rmsnorm_run(normal(1, 3, 4), eps=1e-5)


def _rmsnorm_zero_row() -> Observation:
    x = normal(1, 3, 4)
    x[1] = 0.0  # e.g. a padding position
    return _rmsnorm_run(x, eps=None)


def _rmsnorm_tiny_inputs() -> Observation:
    return _rmsnorm_run(1e-9 * normal(1, 3, 4), eps=None)


RMS_PROBE_EPS = 1e-3
RMS_PROBE_INPUT = normal(621, 3, 4)
RMS_PROBE_INPUT[1] = 0.0


def _probe_rmsnorm(F: Any, x: Any) -> Any:
    """RMSNorm over the last axis; PyTorch: ``rms_norm``.  Row 1 of the input is all zeros."""
    if F.name == "torch":
        return F.functional.rms_norm(x, (4,), eps=RMS_PROBE_EPS)
    return RMSNorm(4, eps=RMS_PROBE_EPS)(x)


def _rmsnorm_differs_from_torch() -> str:
    """torch.nn.RMSNorm(eps=1e-6) and minigrad's with the same weight, on a batch with an all-zero row."""
    torch = _torch()
    x_data = normal(631, 3, 4)
    x_data[2] = 0.0
    upstream = normal(632, 3, 4)
    mine = RMSNorm(4, eps=1e-6)
    assert mine.weight is not None
    with no_grad():
        mine.weight.copy_(RMS_WEIGHT)
    x = leaf(x_data)
    y = mine(x)
    (y * upstream).sum().backward()
    theirs = torch.nn.RMSNorm(4, eps=1e-6, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(RMS_WEIGHT))
    tx = torch.tensor(x_data, requires_grad=True)
    theirs(tx).backward(torch.from_numpy(upstream))
    ty = theirs(tx).detach().numpy()
    assert mine.weight.grad is not None
    compared = {
        "output": (y.data, ty),
        "input grad": (x.grad, tx.grad.numpy()),
        "weight grad": (mine.weight.grad, theirs.weight.grad.numpy()),
    }
    problems = [f"{name} (max diff {_worst(a, b):.3g})" for name, (a, b) in compared.items() if _differs(a, b)]
    return "differs from torch.nn.RMSNorm(eps=1e-6): " + ", ".join(problems) if problems else ""


RMSNORM_EPS_OUTSIDE_SQRT = Break(
    id="rmsnorm-eps-outside-sqrt",
    family="modules",
    title=Text(
        en="RMSNorm with eps outside the square root: x / (sqrt(mean(x**2)) + eps)",
        es="RMSNorm con eps fuera de la raíz: x / (sqrt(mean(x**2)) + eps)",
    ),
    lesson=Text(
        en="eps is there for the inputs whose mean square is near 0. Inside the root, sqrt(mean(x**2) + eps) is "
        "smooth and at least sqrt(eps), so an all-zero row (padding) gives 0 with finite gradients. Outside, "
        "sqrt is evaluated at 0, where its derivative is infinite: the forward pass is fine, the backward "
        "pass produces NaN. For ordinary inputs the two formulas differ by about eps / rms, so the values "
        "look right; the difference matters where mean(x**2) is comparable to eps. A detail of one "
        "parenthesis that PyTorch's and Llama's RMSNorm get right and many hand-written ones do not.",
        es="eps está ahí para las entradas cuya media de cuadrados es casi 0. Dentro de la raíz, "
        "sqrt(mean(x**2) + eps) es suave y vale al menos sqrt(eps), así que una fila toda de ceros (relleno) da "
        "0 con gradientes finitos. Fuera, sqrt se evalúa en 0, donde su derivada es infinita: el forward va "
        "bien y el backward produce NaN. Con entradas normales las dos fórmulas difieren en torno a eps / rms, "
        "así que los valores parecen correctos; la diferencia importa donde mean(x**2) es comparable a eps. "
        "Un detalle de un paréntesis que el RMSNorm de PyTorch y el de Llama hacen bien y muchos escritos a "
        "mano no.",
    ),
    hypothesis=Text(
        en="With eps outside the root, the values differ slightly from torch.nn.RMSNorm for ordinary inputs, "
        "with the default eps as with eps = 1e-5; an all-zero row gives NaN gradients; inputs of size ~1e-9, "
        "whose mean square is below the default eps, come out fully normalized instead of damped.",
        es="Con eps fuera de la raíz, los valores difieren ligeramente de torch.nn.RMSNorm con entradas "
        "normales, tanto con el eps por defecto como con eps = 1e-5; una fila toda de ceros da gradientes NaN; "
        "las entradas de tamaño ~1e-9, cuya media de cuadrados queda por debajo del eps por defecto, salen "
        "normalizadas del todo en vez de amortiguadas.",
    ),
    patches=(
        Patch(
            "nn.normalization:RMSNorm.forward",
            "    y = x / (mean_square + eps).sqrt()\n",
            "    y = x / (mean_square.sqrt() + eps)\n",
        ),
    ),
    cases=(
        Case(
            Text(
                "x ~ N(0, 1), the default eps (machine epsilon, as in PyTorch)",
                "x ~ N(0, 1), el eps por defecto (el épsilon de máquina, como en PyTorch)",
            ),
            _rmsnorm_default_eps,
            WRONG_VALUES,
            Text(
                "The default eps is float64's machine epsilon, 2.2e-16: the two formulas differ by a relative "
                "~eps / rms, below the last bits of the result, so for ordinary inputs the break is invisible. "
                "'Slightly different' needs an eps far above the rounding error, as in the next case.",
                "El eps por defecto es el épsilon de máquina de float64, 2.2e-16: las dos fórmulas difieren en un "
                "~eps / rms relativo, por debajo de los últimos bits del resultado, así que con entradas normales "
                "el fallo es invisible. 'Ligeramente distinto' necesita un eps muy por encima del error de "
                "redondeo, como en el caso siguiente.",
            ),
        ),
        Case(Text("x ~ N(0, 1), eps = 1e-5", "x ~ N(0, 1), con eps = 1e-5"), _rmsnorm_eps_1e5, WRONG_VALUES),
        Case(
            Text("a batch with an all-zero row (padding)", "un lote con una fila toda de ceros (relleno)"),
            _rmsnorm_zero_row,
            WRONG_VALUES,
            Text(
                "The forward output of the zero row is 0 either way. In backward, sqrt's rule divides by "
                "2 * sqrt(0) = 0 a gradient that is itself 0: 0 / 0 = NaN fills the zero row's x.grad, where the "
                "correct gradient is large but finite (weight / sqrt(eps), ~1e7 here). weight.grad stays right: "
                "it needs only the normalized output, which is 0 in that row.",
                "La salida del forward para la fila de ceros es 0 en ambos casos. En el backward, la regla de "
                "sqrt divide por 2 * sqrt(0) = 0 un gradiente que también es 0: 0 / 0 = NaN llena el x.grad de "
                "esa fila, donde el gradiente correcto es grande pero finito (weight / sqrt(eps), ~1e7 aquí). "
                "weight.grad sigue bien: solo necesita la salida normalizada, que en esa fila es 0.",
            ),
        ),
        Case(
            Text("tiny inputs: x ~ 1e-9 * N(0, 1)", "entradas diminutas: x ~ 1e-9 * N(0, 1)"),
            _rmsnorm_tiny_inputs,
            WRONG_VALUES,
        ),
    ),
    probe=Probe(_probe_rmsnorm, (RMS_PROBE_INPUT,)),
    catches=("gradcheck", "crosscheck", "anomaly", "torch-rmsnorm"),
    checks={"torch-rmsnorm": _rmsnorm_differs_from_torch},
)


# --------------------------------------------------------------------------- residual-removed

WIDTH = 16


def _residual_stack(depth: int) -> Sequential:
    """``depth`` blocks ``Residual(Sequential(Linear(16, 16), Tanh()))`` with PyTorch's default init, seeded."""
    generator = rng(0)
    return Sequential(*[Residual(Sequential(Linear(WIDTH, WIDTH, generator=generator), Tanh())) for _ in range(depth)])


def _block_weights(model: Sequential) -> list[Tensor]:
    return [block.fn[0].weight for block in model]


def _grad_norms(tensors: list[Tensor]) -> Array:
    norms = []
    for t in tensors:
        assert t.grad is not None
        norms.append(np.linalg.norm(t.grad))
    return np.array(norms)


def _block_grad_norms(depth: int) -> Array:
    """The norm of each block's weight gradient, input side first, after one backward with a random upstream."""
    model = _residual_stack(depth)
    y = model(normal(1, 8, WIDTH))
    (y * normal(2, 8, WIDTH)).sum().backward()
    return _grad_norms(_block_weights(model))


def _gradient_flow(norms: Array) -> Observation:
    ratio = norms[0] / norms[-1]
    return {
        "decades from the last block's gradient norm to the first's": round(float(np.log10(ratio))),
        "vanished (first < last / 1000)": bool(ratio < 1e-3),
    }


def _residual_one_block() -> Observation:
    model = _residual_stack(1)
    x = leaf(normal(1, 8, WIDTH))
    y = model(x)
    (y * normal(2, 8, WIDTH)).sum().backward()
    return {"y": y.data.copy(), **grads(x=x)}


def _residual_two_blocks() -> Observation:
    return _gradient_flow(_block_grad_norms(2))


def _residual_fifty_blocks() -> Observation:
    norms = _block_grad_norms(50)
    return {"gradient norm of blocks 1, 10, 20, 30, 40, 50": norms[[0, 9, 19, 29, 39, 49]], **_gradient_flow(norms)}


class _Function(Module):
    """A module around a plain function: lets a probe route its input tensors through ``Residual``."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: Any) -> Any:
        return self.fn(x)


def _probe_residual(F: Any, x: Any, w: Any) -> Any:
    """``Residual(tanh(x @ w))``; PyTorch: ``x + tanh(x @ w)`` written out."""
    if F.name == "torch":
        return x + F.tanh(x @ w)
    return Residual(_Function(lambda h: F.tanh(h @ w)))(x)


RESIDUAL_CHECK_DEPTH = 30


def _residual_stack_differs_from_torch() -> str:
    """30 residual blocks in minigrad and ``h = h + tanh(h @ W.T + b)`` in torch, same weights: block grad norms."""
    torch = _torch()
    model = _residual_stack(RESIDUAL_CHECK_DEPTH)
    x_data, upstream = normal(641, 8, WIDTH), normal(642, 8, WIDTH)
    (model(x_data) * upstream).sum().backward()
    mine = _grad_norms(_block_weights(model))

    def torch_norms(skip: bool) -> Array:
        layers = [block.fn[0] for block in model]
        weights = [torch.tensor(layer.weight.data, requires_grad=True) for layer in layers]
        biases = [torch.from_numpy(layer.bias.data) for layer in layers]
        h = torch.from_numpy(x_data)
        for w, b in zip(weights, biases):
            f = torch.tanh(h @ w.T + b)
            h = h + f if skip else f
        h.backward(torch.from_numpy(upstream))
        return np.array([float(w.grad.norm()) for w in weights])

    theirs = torch_norms(skip=True)
    if not _differs(mine, theirs):
        return ""
    plain = torch_norms(skip=False)
    return (
        f"block 1's weight-gradient norm is {mine[0]:.3g} (block {RESIDUAL_CHECK_DEPTH}: {mine[-1]:.3g}); torch with "
        f"x + f(x) gives {theirs[0]:.3g} ({theirs[-1]:.3g}), torch with f(x) alone {plain[0]:.3g} ({plain[-1]:.3g})"
    )


RESIDUAL_REMOVED = Break(
    id="residual-removed",
    family="modules",
    title=Text(
        en="Residual(f) computes f(x) instead of x + f(x): the skip connection is gone",
        es="Residual(f) calcula f(x) en vez de x + f(x): la conexión residual desaparece",
    ),
    lesson=Text(
        en="The gradient through x + f(x) is g + J_f^T g: the identity term carries g unchanged to the input "
        "side, whatever the blocks do. Without it the gradient is multiplied by one Jacobian per block, and "
        "with default-initialized layers each one shrinks it, so the per-layer gradient norms fall "
        "exponentially towards the input: through 50 blocks by about twelve orders of magnitude, and the "
        "first layers stop learning. A shallow network hides it (the function differs, but the gradients "
        "stay of order 1), and gradient checks pass, since f(x) is differentiated correctly; comparing "
        "gradient norms per layer with a reference network shows it.",
        es="El gradiente a través de x + f(x) es g + J_f^T g: el término identidad lleva g sin cambios hasta la "
        "entrada, hagan lo que hagan los bloques. Sin él, el gradiente se multiplica por un jacobiano por "
        "bloque y, con capas inicializadas por defecto, cada uno lo encoge, así que las normas del gradiente "
        "por capa caen de forma exponencial hacia la entrada: a lo largo de 50 bloques, unos doce órdenes de "
        "magnitud, y las primeras capas dejan de aprender. Una red poco profunda lo esconde (la función es "
        "otra, pero los gradientes siguen siendo de orden 1), y las comprobaciones de gradientes pasan, porque "
        "f(x) se deriva correctamente; comparar las normas del gradiente por capa con una red de referencia "
        "lo revela.",
    ),
    hypothesis=Text(
        en="Without the skip, one block already computes a different function; with 2 blocks the gradient "
        "norms of the first and last block stay within the same order of magnitude; with 50 blocks the first "
        "block's gradient norm collapses by many orders of magnitude while the residual network's does not.",
        es="Sin la conexión, un solo bloque ya calcula otra función; con 2 bloques las normas del gradiente del "
        "primer y del último bloque siguen en el mismo orden de magnitud; con 50 bloques la norma del "
        "gradiente del primer bloque se desploma muchos órdenes de magnitud, y la de la red residual no.",
    ),
    patches=(Patch("nn.layers:Residual.forward", "    return x + y\n", "    return y\n"),),
    cases=(
        Case(
            Text("one block: output and input gradient", "un bloque: salida y gradiente de la entrada"),
            _residual_one_block,
            WRONG_VALUES,
        ),
        Case(
            Text(
                "2 blocks: how the gradient norm changes from the last block to the first",
                "2 bloques: cómo cambia la norma del gradiente del último bloque al primero",
            ),
            _residual_two_blocks,
            SAME,
            Text(
                "The outputs differ, but the symptom the lesson is about does not show: the first block's "
                "gradient norm is ~1.0 times the last one's with the skip and ~0.8 times without.",
                "Las salidas difieren, pero el síntoma del que trata la lección no aparece: la norma del "
                "gradiente del primer bloque es ~1.0 veces la del último con la conexión y ~0.8 veces sin ella.",
            ),
        ),
        Case(
            Text("50 blocks: the gradient norm per block", "50 bloques: la norma del gradiente por bloque"),
            _residual_fifty_blocks,
            WRONG_VALUES,
            Text(
                "With the skip the norms even grow towards the input (the identity path adds up); without it "
                "each tanh(Linear) block multiplies the gradient by a Jacobian of norm below 1.",
                "Con la conexión las normas incluso crecen hacia la entrada (el camino identidad se va "
                "sumando); sin ella cada bloque tanh(Linear) multiplica el gradiente por un jacobiano de norma "
                "menor que 1.",
            ),
        ),
    ),
    probe=Probe(_probe_residual, (normal(651, 4, 3), 0.5 * normal(652, 3, 3))),
    catches=("crosscheck", "torch-residual-stack"),
    checks={"torch-residual-stack": _residual_stack_differs_from_torch},
)


# --------------------------------------------------------------------------- forgot-zero-grad


def _sgd(lr: float) -> Callable[[list[Tensor]], Optimizer]:
    return lambda ps: SGD(ps, lr=lr)


def _one_step() -> Observation:
    p, _ = _fit(_sgd(0.05), 1)
    return {"p": p.data.copy(), **grads(p=p)}


def _two_steps() -> Observation:
    p, losses = _fit(_sgd(0.05), 2)
    return {"p": p.data.copy(), **grads(p=p), "loss at steps 1, 2": np.array(losses)}


def _thirty_steps() -> Observation:
    _, losses = _fit(_sgd(0.05), 30)
    return {"loss at steps 1, 5, 10, 20, 30": np.array(losses)[[0, 4, 9, 19, 29]]}


def _module_zero_grad_loop() -> Observation:
    model = Linear(3, 1, generator=rng(7))
    optimizer = SGD(model.parameters(), lr=0.05)
    x, target = const(LSQ_A), const(LSQ_B.reshape(6, 1))
    for _ in range(5):
        model.zero_grad()  # the module's method, not the optimizer's
        r = model(x) - target
        (r * r).mean().backward()
        optimizer.step()
    return {"weight": model.weight.data.copy(), **grads(weight=model.weight)}


def _zero_grad_differs_from_torch() -> str:
    return _trajectory_differs(
        _sgd(0.05), lambda torch, ps: torch.optim.SGD(ps, lr=0.05), "torch.optim.SGD with zero_grad()", steps=3
    )


FORGOT_ZERO_GRAD = Break(
    id="forgot-zero-grad",
    family="modules",
    title=Text(
        en="Forgot zero_grad: optimizer.zero_grad() clears nothing, so gradients pile up across steps",
        es="Olvidar zero_grad: optimizer.zero_grad() no borra nada, así que los gradientes se acumulan entre pasos",
    ),
    lesson=Text(
        en="backward() adds into .grad (that is what makes gradient accumulation over micro-batches possible), "
        "so each training step must start from empty gradients. Without zero_grad, step k uses the sum of the "
        "k gradients so far: a kind of momentum without decay whose effective learning rate grows with every "
        "step. The first step is always right, which is why a quick test passes; then training oscillates or "
        "diverges. Here the optimizer's zero_grad is a no-op, which is what forgetting to call it in every "
        "loop amounts to.",
        es="backward() suma en .grad (es lo que permite acumular gradientes sobre micro-lotes), así que cada "
        "paso de entrenamiento debe empezar con los gradientes vacíos. Sin zero_grad, el paso k usa la suma de "
        "los k gradientes hasta entonces: una especie de momento sin decaimiento cuya tasa de aprendizaje "
        "efectiva crece en cada paso. El primer paso siempre es correcto, y por eso una prueba rápida pasa; "
        "luego el entrenamiento oscila o diverge. Aquí el zero_grad del optimizador no hace nada, que es a lo "
        "que equivale olvidar llamarlo en cada bucle.",
    ),
    hypothesis=Text(
        en="If optimizer.zero_grad() does nothing, one training step is unchanged; after the second backward "
        "p.grad is the sum of both steps' gradients; over 30 SGD steps the loss stops decreasing steadily; a "
        "loop that calls model.zero_grad() instead is unaffected.",
        es="Si optimizer.zero_grad() no hace nada, un paso de entrenamiento no cambia; tras el segundo backward "
        "p.grad es la suma de los gradientes de los dos pasos; en 30 pasos de SGD la pérdida deja de bajar de "
        "forma constante; un bucle que llama a model.zero_grad() en su lugar no se ve afectado.",
    ),
    patches=(
        Patch(
            "optim.optimizer:Optimizer.zero_grad",
            "    for p in self.params():\n        p.zero_grad(set_to_none)\n",
            "",
        ),
    ),
    cases=(
        Case(Text("one SGD step", "un paso de SGD"), _one_step, SAME),
        Case(
            Text("two SGD steps", "dos pasos de SGD"),
            _two_steps,
            WRONG_VALUES,
            Text(
                "The first step is identical; the second backward adds its gradient to the first one's, and "
                "the second step moves by lr * (g1 + g2).",
                "El primer paso es idéntico; el segundo backward suma su gradiente al del primero, y el segundo "
                "paso avanza lr * (g1 + g2).",
            ),
        ),
        Case(
            Text("30 SGD steps", "30 pasos de SGD"),
            _thirty_steps,
            WRONG_VALUES,
            Text(
                "The running sum of gradients acts like momentum without decay: the loss first falls about as "
                "fast, then overshoots and climbs back up while the correct loop keeps descending.",
                "La suma acumulada de gradientes actúa como un momento sin decaimiento: la pérdida primero baja "
                "más o menos igual de rápido, luego se pasa y vuelve a subir mientras el bucle correcto sigue "
                "bajando.",
            ),
        ),
        Case(
            Text(
                "a loop that calls model.zero_grad() (the module's method)",
                "un bucle que llama a model.zero_grad() (el método del módulo)",
            ),
            _module_zero_grad_loop,
            SAME,
            Text(
                "Module.zero_grad is a function of its own, which the break leaves alone: in correct code both "
                "clear the same gradients.",
                "Module.zero_grad es una función aparte, que el fallo no toca: en el código correcto las dos "
                "borran los mismos gradientes.",
            ),
        ),
    ),
    probe=OPTIMIZER_PROBE,
    catches=("torch-zero-grad",),
    checks={"torch-zero-grad": _zero_grad_differs_from_torch},
)


BREAKS = [
    BATCHNORM_EVAL_USES_BATCH_STATS,
    DROPOUT_NO_RESCALE,
    ADAM_NO_BIAS_CORRECTION,
    L2_AS_ADAMW,
    RMSNORM_EPS_OUTSIDE_SQRT,
    RESIDUAL_REMOVED,
    FORGOT_ZERO_GRAD,
]

"""Behavioural probes for attention models: what gradient checks cannot see.

A transformer with its causal mask forgotten, or without ``1/sqrt(d_k)``,
computes the wrong function with perfectly right gradients: gradcheck and a
cross-check of each op pass.  These probes test the *behaviour* instead:

* :func:`causality_probe`: changing a future token must not change any
  earlier output.
* :func:`permutation_probe`: attention without positions is
  permutation-equivariant (permute the inputs, the outputs permute the same
  way); with positions it must not be.
* :func:`scale_probe`: with unit-variance queries and keys, the attention
  logits' standard deviation stays near 1 as ``d_k`` grows; without the
  ``1/sqrt(d_k)`` it grows like ``sqrt(d_k)`` and the softmax saturates.
* :func:`shift_probe`: a language-model loss must score logits at position
  ``t`` against the token at ``t + 1``.

Each returns a :class:`ProbeResult`: ``passed`` (True when the behaviour is
the correct one), the numbers it measured, and what it saw, in English and
Spanish (``result.summary("es")``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..engine import no_grad
from ..messages import current_lang, text
from ..tensor import Tensor

Array = npt.NDArray[Any]


@dataclass(frozen=True)
class ProbeResult:
    """A probe's verdict: ``passed`` is True when the behaviour is the correct one."""

    probe: str
    passed: bool
    summary_en: str
    summary_es: str
    measurements: dict[str, Any] = field(default_factory=dict)

    def summary(self, language: str | None = None) -> str:
        """The verdict in words: in the current language (the command line's ``--lang``), or in ``language``."""
        chosen = current_lang() if language is None else language
        if chosen not in ("en", "es"):
            raise ValueError(text("tools.summary_language", language=chosen))
        return self.summary_en if chosen == "en" else self.summary_es

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{self.probe}: {'ok' if self.passed else 'FAILED'}: {self.summary_en}"


def _outputs(fn: Callable[[Any], Any], inputs: Array) -> Array:
    with no_grad():
        out = fn(inputs)
    if isinstance(out, tuple):
        out = out[0]
    return np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)


def _check_sequence(probe: str, inputs: Array) -> None:
    if inputs.ndim < 2 or inputs.shape[1] < 2:
        raise ValueError(text("tools.sequence_inputs", probe=probe, shape=inputs.shape))


def causality_probe(
    fn: Callable[[Any], Any],
    inputs: Array,
    *,
    position: int | None = None,
    vocab_size: int | None = None,
    atol: float = 1e-9,
    seed: int = 0,
) -> ProbeResult:
    """Change position ``position`` of every sequence and look at the outputs before it.

    ``fn`` maps ``inputs`` ``(N, T, ...)`` to outputs ``(N, T, ...)`` (a
    Tensor, an array, or a tuple whose first item is one).  Integer inputs
    (token ids) get a different id, drawn below ``vocab_size``; float inputs
    get fresh normal values.  Passes when every output at positions
    ``< position`` is unchanged within ``atol``.  Default position: ``T // 2``.
    """
    inputs = np.asarray(inputs)
    _check_sequence("causality_probe", inputs)
    length = inputs.shape[1]
    t = length // 2 if position is None else position
    if not 1 <= t < length:
        raise ValueError(text("tools.causality_position", last=length - 1, position=t))
    rng = np.random.default_rng(seed)
    changed = inputs.copy()
    if inputs.dtype.kind in "iu":
        if vocab_size is None or vocab_size < 2:
            raise ValueError(text("tools.causality_vocab"))
        changed[:, t] = (inputs[:, t] + rng.integers(1, vocab_size, inputs[:, t].shape)) % vocab_size
    else:
        changed[:, t] = rng.standard_normal(inputs[:, t].shape)
    before, after = _outputs(fn, inputs), _outputs(fn, changed)
    diff = np.abs(after - before).reshape(after.shape[0], after.shape[1], -1).max(axis=(0, 2))
    diff = np.where(np.isnan(diff), np.inf, diff)
    leaked = [int(i) for i in np.flatnonzero(diff[:t] > atol)]
    reaches = bool(diff[t:].max() > atol)
    measurements = {"position": t, "max_change_before": float(diff[:t].max()), "leaked_positions": leaked}
    if leaked:
        return ProbeResult(
            "causality",
            False,
            f"changing the token at position {t} changed the outputs at earlier positions {leaked} "
            f"(by up to {diff[:t].max():.3g}): the model sees the future; is the causal mask applied?",
            f"cambiar el token de la posición {t} cambió las salidas de las posiciones anteriores {leaked} "
            f"(hasta {diff[:t].max():.3g}): el modelo ve el futuro; ¿se aplica la máscara causal?",
            measurements,
        )
    tail_en = "" if reaches else " (and it did not change later outputs either: is the position used at all?)"
    tail_es = "" if reaches else " (tampoco cambió las posteriores: ¿se usa esa posición?)"
    return ProbeResult(
        "causality",
        True,
        f"changing the token at position {t} left every earlier output unchanged (within {atol:g}){tail_en}",
        f"cambiar el token de la posición {t} no cambió ninguna salida anterior (dentro de {atol:g}){tail_es}",
        measurements,
    )


def permutation_probe(
    fn: Callable[[Any], Any],
    inputs: Array,
    *,
    expect_equivariant: bool,
    atol: float = 1e-8,
    seed: int = 0,
) -> ProbeResult:
    """Is ``fn(inputs[:, perm]) == fn(inputs)[:, perm]`` for a random permutation of the positions?

    Attention with no positions and no mask must be equivariant
    (``expect_equivariant=True``); once positions are added it must not be
    (``expect_equivariant=False``), or the model cannot tell word order.
    """
    inputs = np.asarray(inputs)
    _check_sequence("permutation_probe", inputs)
    rng = np.random.default_rng(seed)
    length = inputs.shape[1]
    perm = rng.permutation(length)
    while np.array_equal(perm, np.arange(length)):
        perm = rng.permutation(length)
    out, out_perm = _outputs(fn, inputs), _outputs(fn, inputs[:, perm])
    gap = float(np.abs(out_perm - out[:, perm]).max())
    equivariant = gap <= atol
    measurements = {"permutation": perm.tolist(), "max_difference": gap, "equivariant": equivariant}
    said_en = "equivariant" if equivariant else "not equivariant"
    said_es = "equivariante" if equivariant else "no equivariante"
    if equivariant == expect_equivariant:
        return ProbeResult(
            "permutation",
            True,
            f"permuting the positions gave outputs {said_en} (max difference {gap:.3g}), as expected",
            f"permutar las posiciones dio salidas {said_es} (diferencia máxima {gap:.3g}), como se esperaba",
            measurements,
        )
    if expect_equivariant:
        en = "but attention without positions should only permute them: something depends on the position"
        es = "pero la atención sin posiciones solo debería permutarlas: algo depende de la posición"
    else:
        en = "so the model cannot tell word order: are the positions added?"
        es = "así que el modelo no distingue el orden: ¿se suman las posiciones?"
    return ProbeResult(
        "permutation",
        False,
        f"permuting the positions gave outputs {said_en} (max difference {gap:.3g}), {en}",
        f"permutar las posiciones dio salidas {said_es} (diferencia máxima {gap:.3g}), {es}",
        measurements,
    )


def _library_scores(q: Tensor, k: Tensor, d_k: int) -> Tensor:
    from ..ops import attention  # looked up at call time, so a patched function is the one measured

    return attention.attention_scores(q, k, attention.scale_factor(d_k))


def scale_probe(
    scores_fn: Callable[[Tensor, Tensor, int], Tensor] | None = None,
    *,
    d_ks: Sequence[int] = (16, 64, 256, 1024),
    n: int = 64,
    seed: int = 0,
) -> ProbeResult:
    """The standard deviation of attention logits for unit-variance q, k as ``d_k`` grows.

    ``scores_fn(q, k, d_k)`` gives the logits ``(..., L, S)`` (default:
    minigrad's own ``attention_scores(q, k, scale_factor(d_k))``).  Fits
    ``std ~ d_k^slope``: correct scaling gives ``slope ~ 0`` and ``std ~ 1``;
    no scaling gives ``slope ~ 0.5``, and the softmax saturates (its largest
    weight nears 1).  Passes when ``|slope| < 0.15`` and every std is in [0.5, 2].
    """
    rng = np.random.default_rng(seed)
    fn = scores_fn if scores_fn is not None else _library_scores
    stds, top_weights = [], []
    for d_k in d_ks:
        q, k = Tensor(rng.standard_normal((n, d_k))), Tensor(rng.standard_normal((n, d_k)))
        with no_grad():
            scores = np.asarray(fn(q, k, d_k).data, dtype=np.float64)
        stds.append(float(scores.std()))
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        top_weights.append(float((e / e.sum(axis=-1, keepdims=True)).max(axis=-1).mean()))
    slope = float(np.polyfit(np.log(np.asarray(d_ks, dtype=np.float64)), np.log(stds), 1)[0])
    passed = abs(slope) < 0.15 and all(0.5 <= s <= 2 for s in stds)
    table = ", ".join(f"d_k={d}: {s:.2f}" for d, s in zip(d_ks, stds))
    measurements = {"d_k": list(d_ks), "std": stds, "slope": slope, "mean_top_weight": top_weights}
    if passed:
        return ProbeResult(
            "scale",
            True,
            f"logit std stays near 1 as d_k grows ({table}; growth exponent {slope:.2f})",
            f"la desviación típica de los logits se mantiene cerca de 1 al crecer d_k ({table}; exponente {slope:.2f})",
            measurements,
        )
    return ProbeResult(
        "scale",
        False,
        f"logit std grows like d_k^{slope:.2f} ({table}); the softmax saturates (mean largest weight "
        f"{top_weights[-1]:.2f} at d_k={d_ks[-1]}): are the scores divided by sqrt(d_k)?",
        f"la desviación típica de los logits crece como d_k^{slope:.2f} ({table}); el softmax se satura (peso "
        f"máximo medio {top_weights[-1]:.2f} con d_k={d_ks[-1]}): ¿se dividen los logits por sqrt(d_k)?",
        measurements,
    )


def shift_probe(
    loss_fn: Callable[[Tensor, Array], Tensor],
    *,
    vocab_size: int = 16,
    shape: tuple[int, int] = (4, 12),
    seed: int = 0,
) -> ProbeResult:
    """Does ``loss_fn(logits, ids)`` score the logits at ``t`` against ``ids[:, t + 1]``?

    Two hand-made predictors: one whose logits at ``t`` point at the *next*
    token (a perfect language model), one that points at the *current* token
    (a copier).  A correctly shifted loss gives the first a loss near 0 and
    the second a large one; an unshifted loss rewards the copier.
    """
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocab_size, shape)
    ids[:, 1:] = np.where(ids[:, 1:] == ids[:, :-1], (ids[:, 1:] + 1) % vocab_size, ids[:, 1:])  # no repeats
    confident = 20.0
    next_logits = np.zeros((*shape, vocab_size))
    np.put_along_axis(next_logits[:, :-1], ids[:, 1:, None], confident, axis=-1)
    copy_logits = np.zeros((*shape, vocab_size))
    np.put_along_axis(copy_logits, ids[:, :, None], confident, axis=-1)
    with no_grad():
        next_loss = float(loss_fn(Tensor(next_logits), ids).item())
        copy_loss = float(loss_fn(Tensor(copy_logits), ids).item())
    measurements = {"loss_next_token_predictor": next_loss, "loss_copy_predictor": copy_loss}
    # the next-token predictor is uniform at the last position, which a shifted loss never scores
    passed = next_loss < 0.1 and copy_loss > 1.0
    if passed:
        return ProbeResult(
            "shift",
            True,
            f"the loss rewards predicting the next token (loss {next_loss:.3g}) and not copying the current "
            f"one (loss {copy_loss:.3g}): targets are shifted",
            f"la pérdida premia predecir el token siguiente (pérdida {next_loss:.3g}) y no copiar el actual "
            f"(pérdida {copy_loss:.3g}): los objetivos están desplazados",
            measurements,
        )
    return ProbeResult(
        "shift",
        False,
        f"a perfect next-token predictor gets loss {next_loss:.3g} but a model that copies its input gets "
        f"{copy_loss:.3g}: the targets are not shifted by one (compare logits[:, :-1] with ids[:, 1:])",
        f"un predictor perfecto del token siguiente obtiene pérdida {next_loss:.3g} pero uno que copia su entrada "
        f"obtiene {copy_loss:.3g}: los objetivos no están desplazados (compara logits[:, :-1] con ids[:, 1:])",
        measurements,
    )

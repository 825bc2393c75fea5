"""Every word the breaks lab's command line prints around the pages' texts, in English and Spanish.

One table, so that a missing translation is a missing key (a KeyError in the tests), and the test
of Spanish output can look for each English entry.  Spanish terms follow ``docs/glossary.md``.
"""

from __future__ import annotations

LANGS = ("en", "es")

WORDS: dict[str, tuple[str, str]] = {
    # list
    "col.phase": ("phase", "fase"),
    "col.id": ("id", "id"),
    "col.family": ("family", "familia"),
    "col.target": ("target", "objetivo"),
    "col.title": ("title", "título"),
    "start": (
        "Where to start: phase 7's break, `minigrad breaks show value-assign-not-accumulate`, then phase 8's "
        "`minigrad breaks run skip-unbroadcast`. `--phase N` and `--family F` filter this list.",
        "Por dónde empezar: el fallo provocado de la fase 7, `minigrad breaks show value-assign-not-accumulate`, "
        "y luego el de la fase 8, `minigrad breaks run skip-unbroadcast`. `--phase N` y `--family F` filtran "
        "esta lista.",
    ),
    "none-match": ("No break matches these filters.", "Ningún fallo provocado cumple estos filtros."),
    # show / run headings
    "phase": ("Phase", "Fase"),
    "family": ("Family", "Familia"),
    "lesson": ("Lesson", "Lección"),
    "target": ("Target", "Objetivo"),
    "hypothesis": ("Hypothesis", "Hipótesis"),
    "engine": ("Depends on the engine", "Depende del motor"),
    "diff": ("The break (diff against the correct source)", "El fallo provocado (diff contra el código correcto)"),
    "procedure": ("Run procedure", "Procedimiento"),
    "failure": (
        "Failure with the break on (measured by running the cases)",
        "Lo que ocurre con el fallo provocado activado (medido al ejecutar los casos)",
    ),
    "case": ("Case", "Caso"),
    "observed": ("Observed", "Observado"),
    "diagnostics": ("Diagnostics", "Diagnósticos"),
    "catches": ("Should be caught by", "Deben detectarlo"),
    "how": (
        "Switch it on: MINIGRAD_BREAK={id} python your_script.py, or `with minigrad.breaks.inject('{id}'):`",
        "Actívalo: MINIGRAD_BREAK={id} python tu_script.py, o `with minigrad.breaks.inject('{id}'):`",
    ),
    # a case's result
    "correct": ("correct code", "código correcto"),
    "broken": ("with the break", "con el fallo provocado"),
    "warning": ("warning", "aviso"),
    "predicted": ("predicted", "predicho"),
    "observed-short": ("observed", "observado"),
    "holds": ("hypothesis holds", "la hipótesis se cumple"),
    "fails": ("hypothesis DOES NOT HOLD", "la hipótesis NO SE CUMPLE"),
    "why": ("why", "por qué"),
    "held": ("Hypothesis held in {held} of {total} case(s).", "La hipótesis se cumplió en {held} de {total} caso(s)."),
    "raised": ("stopped with an error", "se detuvo con un error"),
    "shape": ("shape", "forma"),
    "no-grad": ("None (no gradient arrived)", "None (no llegó ningún gradiente)"),
    "max-diff": ("largest difference {diff:.3g} in {key}", "mayor diferencia {diff:.3g} en {key}"),
    "within-tol": (
        "all outputs agree within rtol 1e-9, atol 1e-12",
        "todas las salidas coinciden con rtol 1e-9, atol 1e-12",
    ),
    "factor": ("{key} multiplied by {factor:.6g}", "{key} multiplicado por {factor:.6g}"),
    "no-factor": ("{key} is not a multiple of the correct value", "{key} no es un múltiplo del valor correcto"),
    "shape-of": ("{key} of shape {shape}", "{key} con forma {shape}"),
    # outcomes
    "outcome.crash": ("crash", "error"),
    "outcome.wrong shape": ("wrong shape", "forma errónea"),
    "outcome.wrong values": ("wrong values", "valores erróneos"),
    "outcome.same as correct": ("same as correct", "igual que el correcto"),
    "or": ("or", "o"),
    # diagnostics table
    "col.diagnostic": ("diagnostic", "diagnóstico"),
    "col.should": ("should catch", "debe detectarlo"),
    "col.correct": ("correct code", "código correcto"),
    "col.broken": ("with the break", "con el fallo provocado"),
    "yes": ("yes", "sí"),
    "v.caught": ("caught", "detectado"),
    "v.not-caught": ("not caught", "no detectado"),
    "v.NOT-CAUGHT": ("NOT CAUGHT", "NO DETECTADO"),
    "v.no-alarm": ("no alarm", "sin alarma"),
    "v.false-alarm": ("FALSE ALARM", "FALSA ALARMA"),
    "v.na": ("n/a", "no aplica"),
    "v.skipped": ("skipped", "omitido"),
    "torch-missing": (
        "{diagnostic} skipped: it compares with PyTorch, which is not installed. Get it with "
        "`uv sync --group test` (or `pip install torch`).",
        "{diagnostic} omitido: compara con PyTorch, que no está instalado. Instálalo con "
        "`uv sync --group test` (o `pip install torch`).",
    ),
    "torch-not-here": (
        "{diagnostic} skipped: it compares with PyTorch, which this command does not load; "
        "`minigrad breaks run {id}` runs it.",
        "{diagnostic} omitido: compara con PyTorch, que este comando no carga; `minigrad breaks run {id}` lo ejecuta.",
    ),
    "v.failed": ("diagnostic failed", "el diagnóstico falló"),
    "probe": ("run on the probe", "ejecutados sobre la sonda"),
    "probe-inputs": ("inputs of shape", "entradas de forma"),
    "message": ("message (from the diagnostic, in English)", "mensaje (del diagnóstico, en inglés)"),
    "legend": (
        "Legend: 'should catch' = the break's page says this diagnostic catches it (verify fails if not). "
        "Correct code: 'no alarm' is right, 'FALSE ALARM' is a diagnostic's own bug. With the break: "
        "'caught' = the diagnostic fired; 'not caught' = it stayed quiet (fine if it is not expected to catch "
        "it); 'NOT CAUGHT' = it should have. 'n/a' = it does not apply here; 'skipped' = it needs PyTorch, not "
        "available here. --verbose prints full messages.",
        "Leyenda: 'debe detectarlo' = la página del fallo provocado dice que este diagnóstico lo detecta (verify "
        "falla si no). Código correcto: 'sin alarma' es lo correcto, 'FALSA ALARMA' es un fallo del propio "
        "diagnóstico. Con el fallo provocado: 'detectado' = el diagnóstico saltó; 'no detectado' = no dijo nada "
        "(bien si no se espera que lo detecte); 'NO DETECTADO' = debería haberlo detectado. 'no aplica' = no se "
        "aplica aquí; 'omitido' = necesita PyTorch, que no está disponible aquí. --verbose muestra los mensajes "
        "completos.",
    ),
    # verify
    "col.break": ("break", "fallo provocado"),
    "own-check": ("own check", "comprobación propia"),
    "verify-legend": (
        "* = the break's page says it must be caught there. '.' = not applicable. Every diagnostic gave no "
        "alarm on correct code unless marked FALSE ALARM.",
        "* = la página del fallo provocado dice que debe detectarse ahí. '.' = no aplica. Ningún diagnóstico "
        "dio alarma con el código correcto salvo los marcados FALSA ALARMA.",
    ),
    "verify-failed": ("verify FAILED:", "verify FALLÓ:"),
    "verify-passed": (
        "verify passed: {n} breaks, each caught by every diagnostic it should be; no false alarm.",
        "verify superado: {n} fallos provocados, cada uno detectado por todos los diagnósticos que deben "
        "detectarlo; ninguna falsa alarma.",
    ),
    "fail.false-alarm": (
        "{id}: {diagnostic} fires on correct code ({message})",
        "{id}: {diagnostic} salta con el código correcto ({message})",
    ),
    "fail.missed": (
        "{id}: {diagnostic} should catch it but did not{detail}",
        "{id}: {diagnostic} debe detectarlo y no lo hizo{detail}",
    ),
    "fail.escapes": (
        "{id}: escapes every diagnostic that should catch it",
        "{id}: escapa a todos los diagnósticos que deben detectarlo",
    ),
    # export
    "observations": ("Observed on minigrad {version}", "Observado con minigrad {version}"),
    # errors
    "error": ("error", "error"),
    "unknown": (
        "unknown break {id!r}. Known breaks: {known}",
        "fallo provocado desconocido {id!r}. Los conocidos: {known}",
    ),
}


def word(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang`` (``"en"`` or ``"es"``)."""
    en, es = WORDS[key]
    return es if lang == "es" else en


# The headings of an exported page (``minigrad breaks export ID``).
EXPORT_WORDS: dict[str, tuple[str, str]] = {
    "x.at-a-glance": (
        "Phase {phase} · family {family} · target {targets}",
        "Fase {phase} · familia {family} · objetivo {targets}",
    ),
    "x.try": ("Try it", "Pruébalo"),
    "x.cases": (
        "The cases, run on correct code and with the break",
        "Los casos, con el código correcto y con el fallo provocado",
    ),
    "x.measured": (
        "Measured with minigrad {version}, NumPy {numpy}, by `minigrad breaks export {id}`: every number below comes "
        "from running the case.",
        "Medido con minigrad {version}, NumPy {numpy}, por `minigrad breaks export {id}`: cada número de abajo sale de "
        "ejecutar el caso.",
    ),
    "x.code": ("Code", "Código"),
}
WORDS.update(EXPORT_WORDS)

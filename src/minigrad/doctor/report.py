"""The doctor's report: dataclasses (the Python API and ``--json``) and the text a learner reads, in two languages."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .diagnose import Candidate
from .runner import not_measured_text

WORDS = {
    "title": ("minigrad doctor: {target}", "minigrad doctor: {target}"),
    "api": ("What the doctor found of your API", "Lo que el doctor encontró de tu API"),
    "kind_scalar": ("a scalar engine (Value)", "un motor escalar (Value)"),
    "kind_tensor": ("a tensor engine", "un motor de tensores"),
    "checks": ("Checks", "Comprobaciones"),
    "pass": ("pass", "pasa"),
    "fail": ("FAIL", "FALLA"),
    "not present": ("not present", "no está"),
    "not measured": ("not measured", "sin medir"),
    "slow": ("too slow to finish", "demasiado lento para terminar"),
    "examples": (
        "One example per diagnosed bug, top diagnosis first (paste it to see it)",
        "Un ejemplo por cada fallo diagnosticado, el más probable primero (pégalo para verlo)",
    ),
    "unexplained": (
        "A failing check no diagnosis explains (paste it to see it)",
        "Una comprobación que falla y que ningún diagnóstico explica (pégala para verla)",
    ),
    "more": ("(--json lists every failing check)", "(--json muestra todas las comprobaciones que fallan)"),
    "expected": ("expected", "esperado"),
    "got": ("got", "obtenido"),
    "failed_reps": (
        "failed in {n} of {reps} runs with fresh objects (order-sensitive)",
        "falló en {n} de {reps} ejecuciones con objetos nuevos (depende del orden)",
    ),
    "where": ("raised at", "se detuvo con un error en"),
    "same_numbers": (
        "equal to minigrad's numbers with this break on",
        "igual a los números de minigrad con este fallo provocado",
    ),
    "varies": (
        "the numbers change from run to run (they depend on memory addresses: a set's order?)",
        "los números cambian de una ejecución a otra (dependen de direcciones de memoria: ¿el orden de un set?)",
    ),
    "printed": ("printed {n} characters (a print storm)", "imprimió {n} caracteres (una tormenta de prints)"),
    "diagnosis": ("Diagnosis", "Diagnóstico"),
    "likely": ("most likely", "lo más probable"),
    "also": ("also possible", "también posible"),
    "evidence": ("evidence", "pruebas"),
    "read": ("read", "lee"),
    "nomatch": (
        "no bug in the catalog explains these failing checks: {checks}",
        "ningún fallo del catálogo explica estas comprobaciones que fallan: {checks}",
    ),
    "nogradient": (
        "no check produced a gradient, so there is nothing to diagnose; failing: {checks}",
        "ninguna comprobación produjo un gradiente, así que no hay nada que diagnosticar; fallan: {checks}",
    ),
    "allpass": (
        "every check that applies passes: no bug found",
        "todas las comprobaciones aplicables pasan: ningún fallo encontrado",
    ),
    "score": ("score", "puntuación"),
    "against": ("against it: {counted} here", "en contra: {counted} aquí"),
    "hand_written": (
        "(matched a hand-written signature: this bug has no measured fingerprint yet)",
        "(coincide con una firma escrita a mano: este fallo aún no tiene una huella medida)",
    ),
    "data": ("data", "datos"),
    "grad": ("gradient", "gradiente"),
    "grad_none": ("None before backward", "None antes de backward()"),
    "grad_zeros": ("zeros before backward", "ceros antes de backward()"),
    "operators": ("operators", "operadores"),
    "methods": ("methods", "métodos"),
    "functions": ("module functions", "funciones del módulo"),
    "axis": ("axis keyword", "palabra clave del eje"),
    "yes": ("yes", "sí"),
    "no": ("no", "no"),
    "none": ("none", "ninguno"),
}

# Counted phrases: (one, many) in each language, so that "1 comprobación pasa" and "3 comprobaciones pasan" agree.
COUNTED = {
    "passed": (("{n} passed", "{n} passed"), ("{n} pasa", "{n} pasan")),
    "failed": (("{n} failed", "{n} failed"), ("{n} falla", "{n} fallan")),
    "absent": (("{n} not present", "{n} not present"), ("{n} no está", "{n} no están")),
    "group_pass": (("{n}/{total} pass", "{n}/{total} pass"), ("{n}/{total} pasa", "{n}/{total} pasan")),
    "checks": (("{n} check", "{n} checks"), ("{n} comprobación", "{n} comprobaciones")),
    "against": (
        ("1 check this bug fails passes", "{n} checks this bug fails pass"),
        ("1 comprobación que este fallo hace fallar pasa", "{n} comprobaciones que este fallo hace fallar pasan"),
    ),
}


def counted(key: str, n: int, lang: str, **kwargs: Any) -> str:
    en, es = COUNTED[key]
    one, many = es if lang == "es" else en
    # Spanish agrees with the number (and with the total of "n/total": "1/1 pasa", "3/6 pasan").
    plural = kwargs.get("total", n) != 1 if key == "group_pass" and lang == "es" else n != 1
    return (many if plural else one).format(n=n, **kwargs)


# What a finding says, by kind: its structured fields rendered (never parsed back).
FINDINGS = {
    "missing": ("no gradient (None)", "sin gradiente (None)"),
    "not-a-number": ("not a number: {dtype}", "no es un número: {dtype}"),
    "shape": ("shape {got_shape} instead of {expected_shape}", "forma {got_shape} en vez de {expected_shape}"),
    "shape-sum": (
        "shape {got_shape} instead of {expected_shape}: the sum over axes {axes} is missing",
        "forma {got_shape} en vez de {expected_shape}: falta la suma sobre los ejes {axes}",
    ),
    "shape-mean": (
        "shape {got_shape} instead of {expected_shape}: the mean over axes {axes} instead of the sum",
        "forma {got_shape} en vez de {expected_shape}: la media sobre los ejes {axes} en vez de la suma",
    ),
    "transposed": ("transposed", "traspuesto"),
    "permuted": (
        "axes permuted: transposing it by {axes} gives the expected gradient",
        "ejes permutados: trasponerlo según {axes} da el gradiente esperado",
    ),
    "not-finite": ("not finite (nan or inf)", "no finito (nan o inf)"),
    "zero": ("zero", "cero"),
    "sign": ("sign flipped", "signo cambiado"),
    "factor": ("{factor} times the expected values", "{factor} veces los valores esperados"),
    "fraction": ("{factor} of the expected values", "{factor} de los valores esperados"),
    "values": ("different values", "valores distintos"),
    "error": ("raised {error}", "lanzó {error}"),
    "error-shapes": ("raised {error} on shapes {shapes}", "lanzó {error} con las formas {shapes}"),
    "timeout": ("did not finish in time", "no terminó a tiempo"),
    "died": ("the process ended", "el proceso terminó"),
    "dtype": ("an integer gradient ({dtype}): truncated", "un gradiente entero ({dtype}): truncado"),
    "slow": (
        "{got:.0f} times a plain chain's time per op (at most {expected:.0f} expected)",
        "{got:.0f} veces el tiempo por operación de una cadena simple (se esperaba como mucho {expected:.0f})",
    ),
    "not-engine": (
        "a plain array, not one of your engine's objects: the graph ends there",
        "un array simple, no un objeto de tu motor: el grafo termina ahí",
    ),
    "shared": ("the two gradients are one array", "los dos gradientes son un mismo array"),
    "order-dependent": ("depends on the order of a set", "depende del orden de un conjunto"),
}

# Check ids are machine keys (--json); a learner reading Spanish sees them with these words translated.
CHECK_WORDS_ES = [
    ("second-backward-after-zero_grad", "segundo-backward-tras-zero_grad"),
    ("second-backward-accumulates", "segundo-backward-acumula"),
    ("small-graph-repeated", "grafo-pequeño-repetido"),
    ("topological-order", "orden-topológico"),
    ("three-uses", "tres-usos"),
    ("diamond", "diamante"),
    ("deep-chain", "cadena-profunda"),
    ("integer-input", "entrada-entera"),
    ("each leaf owns its gradient", "cada hoja tiene su propio gradiente"),
    ("cat of two pieces", "cat de dos piezas"),
    ("cat of three pieces", "cat de tres piezas"),
    (" of a ", " de un "),
    (" times", " veces"),
    ("constant", "constante"),
    ("-logits-", "-logits-"),
]
OBSERVATIONS_ES = [
    ("(first backward)", "(primera retropropagación)"),
    ("(second backward)", "(segunda retropropagación)"),
    ("(finite differences of your forward)", "(diferencias finitas de tu pasada hacia delante)"),
    ("shared: a.grad and b.grad are one array", "compartido: a.grad y b.grad son un mismo array"),
    ("time per op, relative to a chain", "tiempo por operación, relativo a una cadena"),
    ("an engine object", "un objeto del motor"),
    ("forward", "pasada hacia delante"),
]

# Titles of the bugs that have a hand-written signature and no break page yet.
HAND_TITLES = {
    "constant-without-grad": (
        "a constant without requires_grad crashes backward (None + array)",
        "una constante sin requires_grad detiene backward() con un error (None + array)",
    ),
    "backward-never-attached": (
        "a backward closure stored but never attached: the op contributes zeros",
        "una clausura de retropropagación guardada pero nunca enlazada: la operación aporta ceros",
    ),
    "number-not-wrapped": (
        "a number operand is not wrapped (x - 2, 2 - x, -x, 2 / x fail or cut the graph)",
        "un número como operando no se envuelve (x - 2, 2 - x, -x, 2 / x fallan o cortan el grafo)",
    ),
    "math-exp-overflow": (
        "math.exp overflows: sigmoid(-1000) or tanh(400) raise where PyTorch gives 0 and 1",
        "math.exp se desborda: sigmoid(-1000) o tanh(400) dan error donde PyTorch da 0 y 1",
    ),
    "exponential-walk": (
        "the walk revisits shared subgraphs: right values, exponential time",
        "el recorrido vuelve a visitar subgrafos compartidos: valores correctos, tiempo exponencial",
    ),
    "softmax-fixed-axis": ("softmax is taken along a fixed axis", "softmax se calcula siempre sobre un eje fijo"),
    "reflected-op-recursion": (
        "__rsub__ / __rtruediv__ call themselves forever (RecursionError)",
        "__rsub__ / __rtruediv__ se llaman a sí mismos sin fin (RecursionError)",
    ),
    "getitem-returns-array": (
        "__getitem__ returns a plain array, which cuts the graph",
        "__getitem__ devuelve un array simple, lo que corta el grafo",
    ),
}


GROUPS_ES = {
    "regimes": "regímenes del enunciado",
    "broadcast": "difusión (broadcasting)",
    "ops": "operaciones",
    "reductions": "reducciones",
    "reuse": "reutilización",
    "backward-twice": "retropropagación dos veces",
    "walk": "recorrido del grafo",
    "deep-1000": "cadena de 1.000",
    "deep-100000": "cadena de 100.000",
    "integers": "enteros",
}


PRINT_STORM = 200_000  # characters printed by one check that make a finding (not a failure)

# ---------------------------------------------------------------- the machine part (--json, exit codes)
SCHEMA_VERSION = 2  # 2: status, counts, schema_version, not measured, error reports; 1: ok only
MIN_CHECKS = 8  # fewer checks that ran (pass or fail) than this: the engine was not examined, never "ok"
EXIT_CODES = {"ok": 0, "bugs-found": 1, "error": 2, "not-examined": 3}
STATUSES = ("pass", "fail", "not present", "not measured")
STATUS_WORDS = {
    "not measured": ("not measured", "sin medir"),
    "not_examined": (
        "not examined: only {ran} of {total} checks could run (at least {min} are needed)",
        "sin examinar: solo {ran} de {total} comprobaciones pudieron ejecutarse (hacen falta al menos {min})",
    ),
    "not_found": ("the doctor did not find: {missing}", "el doctor no encontró: {missing}"),
    "unmeasured_count": ("{n} not measured (above)", "{n} sin medir (arriba)"),
    "adapter_hint": (
        "Name them in a file (say adapter.py), then run the doctor again with --adapter adapter.py:",
        "Nómbralas en un archivo (por ejemplo adapter.py) y vuelve a ejecutar el doctor con --adapter adapter.py:",
    ),
    "not_measured_title": (
        "Not measured (not failures)",
        "Sin medir (no son fallos)",
    ),
}
# What each missing op becomes in an adapter file (OPS keys are the checks' names for them).
ADAPTER_LINES = {
    "backward": "backward = lambda y: ...  # runs backward from y (a scalar)",
    "make": "make = lambda value, requires_grad: ...  # a leaf from a float or a NumPy array",
    "sum": '    "sum": lambda x, axis=None, keepdims=False: ...,',
    "mean": '    "mean": lambda x, axis=None, keepdims=False: ...,',
    "reshape": '    "reshape": lambda x, shape: ...,',
    "cross_entropy": '    "cross_entropy": lambda logits, labels: ...,  # labels: an integer array',
    "pow": '    "pow": lambda x, c: ...,  # x ** c, c a number',
}


def adapter_lines(missing: list[str]) -> list[str]:
    """The lines of an ``--adapter`` file for what the probe did not find (``+``, ``exp``, ``sum(axis)``...)."""
    keys = list(dict.fromkeys(m.split("(")[0] for m in missing if m and not m.startswith("__")))
    top = [ADAPTER_LINES[k] for k in ("make", "backward") if k in keys]
    ops = []
    for key in keys:
        if key in ("make", "backward"):
            continue
        if key in ADAPTER_LINES:
            ops.append(ADAPTER_LINES[key])
        elif key in ("+", "-", "*", "/", "@"):
            ops.append(f'    "{key}": lambda a, b: ...,  # a {key} b')
        else:
            ops.append(f'    "{key}": lambda x: ...,  # {key}(x)')
    return top + (["OPS = {", *ops, "}"] if ops else [])


def status_word(key: str, lang: str, **kwargs: Any) -> str:
    en, es = STATUS_WORDS[key]
    return (es if lang == "es" else en).format(**kwargs)


def error_report(target: str, error: Any, lang: str = "en", exit_code: int = EXIT_CODES["error"]) -> dict[str, Any]:
    """The ``--json`` of a run that examined nothing (a refusal, a crash, a time-out while importing, Ctrl-C)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "status": "error",
        "exit_code": exit_code,
        "target": target,
        "error": {
            "key": getattr(error, "key", type(error).__name__),
            "fields": _plain(getattr(error, "fields", {})),
            "frames": list(getattr(error, "frames", [])),
            "message": error.text(lang) if hasattr(error, "text") else str(error),
        },
        "counts": dict.fromkeys(STATUSES, 0),
        "checks": [],
        "diagnosis": [],
    }


def group_name(group: str, lang: str) -> str:
    return GROUPS_ES.get(group, group) if lang == "es" else group


def group_line(group: str, items: list[CheckResult], lang: str, width: int = 0) -> str:
    """One check group's line: "  grads: 3/4 pass  neg FAIL" (its name padded to ``width``)."""
    n_pass = sum(c.status == "pass" for c in items)
    marks = ", ".join(f"{check_name(c.id, lang)} {say(c.status, lang)}" for c in items if c.status != "pass")
    tally = counted("group_pass", n_pass, lang, total=len(items))
    return f"  {(group_name(group, lang) + ':').ljust(width)} {tally.ljust(12)} {marks}".rstrip()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def say(key: str, lang: str, **kwargs: Any) -> str:
    en, es = WORDS[key]
    return (es if lang == "es" else en).format(**kwargs)


def check_name(check_id: str, lang: str) -> str:
    """A check's id as a learner reads it (``--json`` keeps the id)."""
    if lang != "es":
        return check_id
    for en, es in CHECK_WORDS_ES:
        check_id = check_id.replace(en, es)
    return check_id


def observation_name(name: str, lang: str) -> str:
    if lang != "es":
        return name
    for en, es in OBSERVATIONS_ES:
        name = name.replace(en, es)
    return name


def _tuple(value: Any) -> str:
    return str(tuple(value)) if value is not None else "?"


def _factor_text(k: float) -> str:
    for n in range(2, 100):
        if abs(abs(k) - 1 / n) < 1e-9:
            return f"{'-' if k < 0 else ''}1/{n}"
    return f"{k:g}"


def describe(finding: dict[str, Any], lang: str) -> str:
    """A finding in ``lang``, from its structured fields."""
    kind = finding["kind"]
    key = kind
    fields: dict[str, Any] = {
        "dtype": finding.get("dtype", "?"),
        "got_shape": _tuple(finding.get("got_shape")),
        "expected_shape": _tuple(finding.get("expected_shape")),
        "axes": _tuple(finding.get("axes")),
        "error": finding.get("error", "?"),
    }
    if kind == "shape" and finding.get("reduction"):
        key = f"shape-{finding['reduction']}"
    elif kind == "permuted" and tuple(finding.get("axes") or ()) == (1, 0):
        key = "transposed"
    elif kind == "factor":
        k = float(finding["factor"])
        key = "zero" if k == 0 else "sign" if k == -1 else "fraction" if abs(k) < 1 else "factor"
        fields["factor"] = _factor_text(k)
    elif kind == "error" and finding.get("error") in ("timeout", "died"):
        key = str(finding["error"])
    elif kind == "error" and finding.get("shapes"):
        key = "error-shapes"
        fields["shapes"] = ", ".join(_tuple(shape) for shape in finding["shapes"])
    elif kind == "slow":
        fields.update(got=float(finding.get("got", 0.0)), expected=float(finding.get("expected", 0.0)))
    en, es = FINDINGS.get(key, FINDINGS["values"])
    return (es if lang == "es" else en).format(**fields)


def bug_title(break_id: str, lang: str) -> str:
    if break_id in HAND_TITLES:
        en, es = HAND_TITLES[break_id]
        return es if lang == "es" else en
    from ..breaks import get

    return get(break_id).title(lang)


@dataclass
class CheckResult:
    id: str
    group: str
    status: str  # pass, fail, not present, slow
    findings: list[dict[str, Any]] = field(default_factory=list)
    example: str = ""
    failed_reps: int = 0
    reps: int = 1
    missing: str = ""
    printed: int = 0  # characters the learner's code printed during the check (stdout and stderr, discarded)
    note: str = ""  # for a check not measured: the limit and the engine's speed, in words
    info: dict[str, Any] = field(default_factory=dict)  # machine facts: {"limit", "seconds_per_op"} or {"exit"}

    @property
    def print_storm(self) -> bool:
        return self.printed > PRINT_STORM


@dataclass
class Report:
    target: str
    scalar: bool
    api: dict[str, Any]
    checks: list[CheckResult]
    diagnosis: list[Candidate]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when enough checks ran and every one that applies passes (the exit code is 0 exactly then)."""
        return self.status == "ok"

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.checks) for s in STATUSES}

    @property
    def examined(self) -> bool:
        """At least MIN_CHECKS checks ran (passed or failed): below that, "no bug found" would mean nothing."""
        return self.counts["pass"] + self.counts["fail"] >= MIN_CHECKS

    @property
    def status(self) -> str:
        """``bugs-found`` (a check fails), ``not-examined`` (too few ran), or ``ok``."""
        if any(c.status == "fail" for c in self.checks):
            return "bugs-found"
        return "ok" if self.examined else "not-examined"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def missing(self) -> list[str]:
        """What the probe did not find, as the checks asked for it (``+``, ``exp``, ``sum(axis)``...)."""
        return list(dict.fromkeys(c.missing for c in self.checks if c.status == "not present" and c.missing))

    def failing(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "fail"]

    def to_dict(self) -> dict[str, Any]:
        """Machine fields (status, counts, ids, numbers) are the same whatever the language; texts follow it."""
        data = asdict(self)
        data["schema_version"] = SCHEMA_VERSION
        data["status"] = self.status
        data["exit_code"] = self.exit_code
        data["ok"] = self.ok
        data["counts"] = self.counts
        data["missing"] = self.missing()
        data["adapter_lines"] = adapter_lines(self.missing()) if self.status == "not-examined" else []
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, default=str)

    def render(self, lang: str = "en") -> str:
        out = [say("title", lang, target=self.target), ""]
        out += self._api_lines(lang)
        counts = self.counts
        summary = ", ".join(
            counted(key, counts[status], lang)
            for key, status in (("passed", "pass"), ("failed", "fail"), ("absent", "not present"))
        )
        seconds = f"{self.seconds:.1f} s"
        if counts["not measured"]:
            summary += f", {counts['not measured']} {status_word('not measured', lang)}"
        out += ["", f"{say('checks', lang)}: {summary}, {'en' if lang == 'es' else 'in'} {seconds}"]
        groups: dict[str, list[CheckResult]] = {}
        for check in self.checks:
            groups.setdefault(check.group, []).append(check)
        width = max((len(group_name(g, lang)) for g in groups), default=0) + 1
        out += [group_line(group, items, lang, width) for group, items in groups.items()]
        unmeasured = [c for c in self.checks if c.status == "not measured"]
        if unmeasured:
            out += ["", status_word("not_measured_title", lang) + ":"]
            out += [f"  {c.id}: {not_measured_text(c.info, lang)}" for c in unmeasured[:5]]
            if len(unmeasured) > 5:
                out.append(f"  ... (+{len(unmeasured) - 5}: --json)")
        if self.status == "not-examined":
            c = self.counts
            why = [status_word("not_examined", lang, ran=c["pass"] + c["fail"], total=len(self.checks), min=MIN_CHECKS)]
            if self.missing():
                why.append(status_word("not_found", lang, missing=", ".join(self.missing())))
            if c["not measured"]:
                why.append(status_word("unmeasured_count", lang, n=c["not measured"]))
            out += ["", "; ".join(why)]
            lines = adapter_lines(self.missing())
            if lines:
                out += [status_word("adapter_hint", lang), *("    " + line for line in lines)]
            return "\n".join(out)
        storms = [c for c in self.checks if c.print_storm]
        if storms:
            out.append("  " + ", ".join(f"{c.id}: {say('printed', lang, n=c.printed)}" for c in storms[:3]))
        failing = self.failing()
        out += self._examples(failing, lang)
        out += ["", say("diagnosis", lang) + ":"]
        listed = ", ".join(check_name(c.id, lang) for c in failing)
        if not failing:
            out.append("  " + say("allpass", lang))
        elif not self.diagnosis:
            from .diagnose import produced_gradients

            outcomes = {c.id: {"status": c.status, "findings": c.findings} for c in self.checks}
            key = "nomatch" if produced_gradients(outcomes) else "nogradient"
            out.append("  " + say(key, lang, checks=listed))
        for i, cand in enumerate(self.diagnosis[:3]):
            label = say("likely" if i == 0 else "also", lang)
            title = bug_title(cand.break_id, lang)
            out.append(f"  {label}: {cand.break_id} ({say('score', lang)} {cand.score:.2f}): {title}")
            if cand.hand_written:
                out.append(f"      {say('hand_written', lang)}")
            for item in cand.evidence[: 4 if i == 0 else 2]:
                out.append(f"      {say('evidence', lang)}: {evidence_line(item, lang)}")
            if cand.contradicted:
                shown = ", ".join(check_name(c, lang) for c in cand.contradicted[:4])
                more = " ..." if len(cand.contradicted) > 4 else ""
                against = counted("against", len(cand.contradicted), lang)
                out.append(f"      {say('against', lang, counted=against)}: {shown}{more}")
            if cand.break_id not in HAND_TITLES:
                es = " --lang es" if lang == "es" else ""
                out.append(f"      {say('read', lang)}: minigrad breaks show {cand.break_id}{es}")
        return "\n".join(out)

    def _api_lines(self, lang: str) -> list[str]:
        api = self.api
        kind = say("kind_scalar" if self.scalar else "kind_tensor", lang)
        initial = say("grad_" + str(api.get("grad_initial", "none")), lang)
        rows = [
            (say("data", lang), f".{api.get('data_attr', 'data')}"),
            (say("grad", lang), f".{api.get('grad_attr', 'grad')} ({initial})"),
            ("requires_grad=", say("yes" if api.get("requires_grad_kw") else "no", lang)),
            ("zero_grad", str(api.get("zero_grad") or say("none", lang))),
            (say("operators", lang), " ".join(api.get("dunders", [])) or "-"),
            (say("methods", lang), " ".join(api.get("methods", [])) or "-"),
            (say("functions", lang), " ".join(api.get("functions", [])) or "-"),
        ]
        if not self.scalar:
            rows.append((say("axis", lang), f"{api.get('axis_kw')}  keepdims: {api.get('keepdims_kw')}"))
        if api.get("overrides"):
            rows.append(("adapter", " ".join(api["overrides"])))
        width = max(len(label) for label, _ in rows) + 1
        return [f"{say('api', lang)}: {kind}"] + [f"  {(label + ':').ljust(width)} {value}" for label, value in rows]

    def _examples(self, failing: list[CheckResult], lang: str) -> list[str]:
        """One example per diagnosed bug (top diagnosis first), then one failing check no diagnosis explains."""
        if not failing:
            return []
        by_id = {c.id: c for c in failing}
        shown: list[CheckResult] = []
        for cand in self.diagnosis[:3]:
            first = next((by_id[c] for c in cand.explained if c in by_id and by_id[c] not in shown), None)
            if first is not None:
                shown.append(first)
        explained = {c for cand in self.diagnosis[:3] for c in cand.explained}
        unexplained = [c for c in failing if c.id not in explained]
        out = []
        if shown:
            out += ["", say("examples", lang) + ":"]
            for check in shown:
                out += ["", f"--- {check_name(check.id, lang)}", check.example]
        if unexplained:
            out += ["", say("unexplained", lang) + ":", "", f"--- {check_name(unexplained[0].id, lang)}"]
            out.append(unexplained[0].example)
        if len(failing) > len(shown) + min(1, len(unexplained)):
            out.append(say("more", lang))
        return out


def evidence_line(item: dict[str, Any], lang: str) -> str:
    """An explained check and how it fails, from the structured evidence."""
    parts = []
    for f in item.get("findings", []):
        text = say("same_numbers", lang) if f.get("same_numbers") else describe(f, lang)
        parts.append(text if f["name"] == "run" else f"{observation_name(f['name'], lang)}: {text}")
    line = f"{check_name(item['check'], lang)}: " + "; ".join(parts)
    reps = int(item.get("reps", 1))
    if reps > 1 and int(item.get("failed_reps", reps)) < reps:
        line += " (" + say("failed_reps", lang, n=item["failed_reps"], reps=reps) + ")"
    return line


def _fmt(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, (str, bool)):
        return str(value)
    return np.array2string(np.asarray(value, dtype=float), precision=6, separator=", ", threshold=40).replace("\n", "")


def printable(name: str) -> str | None:
    """The expression to print for an observation, when printing it at the end of the script shows "got"."""
    base, _, qualifier = name.partition(" (")
    if not base.endswith(".grad") or " " in base:
        return None
    if qualifier in ("", "second backward)", "finite differences of your forward)"):
        return base
    return None


def example(header: list[str], outcome: dict[str, Any], lang: str = "en") -> str:
    """The failing check as a script: their class, the inputs, expected vs got as comments."""
    lines = [*header, *outcome.get("lines", [])]
    for finding in outcome.get("findings", []):
        name = finding["name"]
        if finding["kind"] == "error":
            message = finding.get("message") or finding.get("error", "")
            lines.append(
                f"# -> {message}"
                if finding.get("error") not in ("timeout", "died")
                else f"# -> {describe(finding, lang)}: {message}"
            )
            if outcome.get("where"):
                lines.append(f"#    {say('where', lang)} {outcome['where']}")
            continue
        expression = printable(name)
        lines.append(f"print({expression})" if expression else f"# {observation_name(name, lang)}")
        if expression and name != expression:
            lines.append(f"# {observation_name(name, lang)}")
        lines.append(f"#   {say('expected', lang)}: {_fmt(finding.get('expected'))}")
        lines.append(f"#   {say('got', lang)}:      {_fmt(finding.get('got'))}   ({describe(finding, lang)})")
    if outcome.get("varies"):
        lines.append("# " + say("varies", lang))
    if 0 < outcome.get("failed_reps", 0) < outcome.get("reps", 1):  # only where the runs disagree
        lines.append("# " + say("failed_reps", lang, n=outcome["failed_reps"], reps=outcome["reps"]))
    if outcome.get("printed", 0) > PRINT_STORM:
        lines.append("# " + say("printed", lang, n=outcome["printed"]))
    return "\n".join(lines)

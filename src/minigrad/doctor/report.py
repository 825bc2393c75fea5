"""The doctor's report: dataclasses (the Python API and ``--json``) and the text a learner reads, in two languages."""

from __future__ import annotations

import json
import re
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
    "summary": (
        "{passed} passed, {failed} failed, {absent} not present, in {seconds:.1f} s",
        "{passed} pasan, {failed} fallan, {absent} no están, en {seconds:.1f} s",
    ),
    "failing": (
        "Failing checks, each with a self-contained example (paste it to see it)",
        "Comprobaciones que fallan, cada una con un ejemplo autónomo (pégalo para verlo)",
    ),
    "expected": ("expected", "esperado"),
    "got": ("got", "obtenido"),
    "failed_reps": (
        "failed in {n} of {reps} runs with fresh objects (order-sensitive)",
        "falló en {n} de {reps} ejecuciones con objetos nuevos (depende del orden)",
    ),
    "where": ("raised at", "se detuvo con un error en"),
    "printed": ("printed {n} characters (a print storm)", "imprimió {n} caracteres (una tormenta de prints)"),
    "diagnosis": ("Diagnosis", "Diagnóstico"),
    "likely": ("most likely", "lo más probable"),
    "also": ("also possible", "también posible"),
    "evidence": ("evidence", "pruebas"),
    "read": ("read", "lee"),
    "nomatch": (
        "no known bug matches; here is what fails: {checks}",
        "ningún fallo conocido coincide; esto es lo que falla: {checks}",
    ),
    "allpass": (
        "every check that applies passes: no bug found",
        "todas las comprobaciones aplicables pasan: ningún fallo encontrado",
    ),
    "score": ("score", "puntuación"),
    "against": (
        "against it: {n} checks this bug fails pass here",
        "en contra: {n} comprobaciones que este fallo suspende pasan aquí",
    ),
    "data": ("data", "datos"),
    "grad_none": ("None before backward", "None antes de backward"),
    "grad_zeros": ("zeros before backward", "ceros antes de backward"),
    "operators": ("operators", "operadores"),
    "methods": ("methods", "métodos"),
    "functions": ("module functions", "funciones del módulo"),
    "axis": ("axis keyword", "palabra clave del eje"),
}


GROUPS_ES = {
    "regimes": "regímenes del enunciado",
    "broadcast": "difusión (broadcasting)",
    "ops": "operaciones",
    "reductions": "reducciones",
    "reuse": "reutilización",
    "backward-twice": "retropropagación dos veces",
    "deep-1000": "cadena de 1.000",
    "deep-100000": "cadena de 100.000",
    "integers": "enteros",
}

# The findings' signatures are English keys (the fingerprints store them); Spanish is made when printing.
PHRASES_ES = [
    (
        r"shape (\(.*?\)) instead of (\(.*?\)): the sum over axes (\(.*?\)) is missing",
        r"forma \1 en vez de \2: falta la suma sobre los ejes \3",
    ),
    (
        r"shape (\(.*?\)) instead of (\(.*?\)): the mean over axes (\(.*?\)) instead of the sum",
        r"forma \1 en vez de \2: la media sobre los ejes \3 en vez de la suma",
    ),
    (
        r"shape (\(.*?\)) instead of (\(.*?\)): not reducible to the expected values",
        r"forma \1 en vez de \2: no se reduce a los valores esperados",
    ),
    (r"shape (\(.*?\)) instead of (\(.*?\))", r"forma \1 en vez de \2"),
    (r"no gradient \(None\)", "sin gradiente (None)"),
    (r"not finite \(nan or inf\)", "no finito (nan o inf)"),
    (r"sign flipped", "signo cambiado"),
    (r"different values", "valores distintos"),
    (r"transposed", "traspuesto"),
    (r"\bzero\b", "cero"),
    (r"equal to minigrad's numbers with this break on", "igual a los números de minigrad con este fallo provocado"),
    (r"gradient dtype (\S+) \(truncated to integers\?\)", r"gradiente de tipo \1 (¿truncado a enteros?)"),
    (
        r"timeout: still running after (\S+) s \(an endless loop\?\)",
        r"tiempo agotado: sigue en marcha tras \1 s (¿un bucle infinito?)",
    ),
    (r"the process died \(exit code", "el proceso se detuvo con un error (código de salida"),
    (r"not a number", "no es un número"),
]


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


def phrase(text: str, lang: str) -> str:
    """A signature or evidence line in ``lang`` (they are stored in English)."""
    if lang != "es":
        return text
    for pattern, replacement in PHRASES_ES:
        text = re.sub(pattern, replacement, text)
    return text


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

    def render(self, lang: str = "en", max_examples: int = 3) -> str:
        from ..breaks import get

        out = [say("title", lang, target=self.target), ""]
        out.append(f"{say('api', lang)}: {say('kind_scalar' if self.scalar else 'kind_tensor', lang)}")
        api = self.api
        initial = say("grad_" + api["grad_initial"], lang)
        out.append(
            f"  {say('data', lang)}: .{api['data_attr']}  grad: .{api['grad_attr']} ({initial})"
            f"  requires_grad=: {api['requires_grad_kw']}  zero_grad: {api['zero_grad']}"
        )
        out.append(f"  {say('operators', lang)}: {' '.join(api['dunders'])}")
        methods, functions = " ".join(api["methods"]) or "-", " ".join(api["functions"]) or "-"
        out.append(f"  {say('methods', lang)}: {methods}  {say('functions', lang)}: {functions}")
        if not self.scalar:
            out.append(f"  {say('axis', lang)}: {api['axis_kw']}  keepdims: {api['keepdims_kw']}")
        if api.get("overrides"):
            out.append(f"  adapter: {' '.join(api['overrides'])}")
        counts = self.counts
        out += [
            "",
            say("checks", lang)
            + ": "
            + say(
                "summary",
                lang,
                passed=counts["pass"],
                failed=counts["fail"],
                absent=counts["not present"],
                seconds=self.seconds,
            )
            + (f", {counts['not measured']} {status_word('not measured', lang)}" if counts["not measured"] else ""),
        ]
        groups: dict[str, list[CheckResult]] = {}
        for check in self.checks:
            groups.setdefault(check.group, []).append(check)
        for group, items in groups.items():
            marks = ", ".join(f"{c.id} {say(c.status, lang)}" for c in items if c.status != "pass")
            n_pass = sum(c.status == "pass" for c in items)
            name = GROUPS_ES.get(group, group) if lang == "es" else group
            out.append(f"  {name}: {n_pass}/{len(items)} {say('pass', lang)}" + (f"; {marks}" if marks else ""))
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
        if failing:
            out += ["", say("failing", lang) + ":"]
            for check in failing[:max_examples]:
                out += ["", f"--- {check.id}", check.example]
            if len(failing) > max_examples:
                out.append(f"... (+{len(failing) - max_examples}: --json)")
        out += ["", say("diagnosis", lang) + ":"]
        if not failing:
            out.append("  " + say("allpass", lang))
        elif not self.diagnosis:
            out.append("  " + say("nomatch", lang, checks=", ".join(c.id for c in failing)))
        for i, cand in enumerate(self.diagnosis[:3]):
            title = get(cand.break_id).title(lang)
            label = say("likely" if i == 0 else "also", lang)
            out.append(f"  {label}: {cand.break_id} ({say('score', lang)} {cand.score:.2f}): {title}")
            for line in cand.evidence[: 4 if i == 0 else 2]:
                out.append(f"      {say('evidence', lang)}: {phrase(line, lang)}")
            if cand.contradicted:
                shown = ", ".join(cand.contradicted[:4]) + (" ..." if len(cand.contradicted) > 4 else "")
                out.append(f"      {say('against', lang, n=len(cand.contradicted))}: {shown}")
            out.append(
                f"      {say('read', lang)}: minigrad breaks show {cand.break_id}"
                + (" --lang es" if lang == "es" else "")
            )
        return "\n".join(out)


def _fmt(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, str):
        return value
    return np.array2string(np.asarray(value, dtype=float), precision=6, separator=", ", threshold=40).replace("\n", "")


def example(header: list[str], outcome: dict[str, Any], lang: str = "en") -> str:
    """The failing check as a script: their class, the inputs, expected vs got as comments."""
    lines = [*header, *outcome.get("lines", [])]
    for finding in outcome.get("findings", []):
        name = finding["name"]
        if finding["kind"] == "error":
            lines.append(f"# -> {phrase(str(finding['got']), lang)}")
            if outcome.get("where"):
                lines.append(f"#    {say('where', lang)} {outcome['where']}")
            continue
        lines.append(f"print({name})" if name.endswith(".grad") and " " not in name else f"# {name}")
        lines.append(f"#   {say('expected', lang)}: {_fmt(finding.get('expected'))}")
        lines.append(
            f"#   {say('got', lang)}:      {_fmt(finding.get('got'))}   ({phrase(finding['signature'], lang)})"
        )
    if outcome.get("failed_reps") and outcome.get("reps", 1) > 1:
        lines.append("# " + say("failed_reps", lang, n=outcome["failed_reps"], reps=outcome["reps"]))
    if outcome.get("printed", 0) > PRINT_STORM:
        lines.append("# " + say("printed", lang, n=outcome["printed"]))
    return "\n".join(lines)

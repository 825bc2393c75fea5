"""The doctor's report: dataclasses (the Python API and ``--json``) and the text a learner reads, in two languages."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .diagnose import Candidate

WORDS = {
    "title": ("minigrad doctor: {target}", "minigrad doctor: {target}"),
    "api": ("What the doctor found of your API", "Lo que el doctor encontró de tu API"),
    "kind_scalar": ("a scalar engine (Value)", "un motor escalar (Value)"),
    "kind_tensor": ("a tensor engine", "un motor de tensores"),
    "checks": ("Checks", "Comprobaciones"),
    "pass": ("pass", "pasa"),
    "fail": ("FAIL", "FALLA"),
    "not present": ("not present", "no está"),
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
        """True when every check that applies passes (the exit code is 0 exactly then)."""
        return not any(c.status == "fail" for c in self.checks)

    def failing(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "fail"]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
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
        counts = {s: sum(c.status == s for c in self.checks) for s in ("pass", "fail", "not present")}
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
            ),
        ]
        groups: dict[str, list[CheckResult]] = {}
        for check in self.checks:
            groups.setdefault(check.group, []).append(check)
        for group, items in groups.items():
            marks = ", ".join(f"{c.id} {say(c.status, lang)}" for c in items if c.status != "pass")
            n_pass = sum(c.status == "pass" for c in items)
            name = GROUPS_ES.get(group, group) if lang == "es" else group
            out.append(f"  {name}: {n_pass}/{len(items)} {say('pass', lang)}" + (f"; {marks}" if marks else ""))
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

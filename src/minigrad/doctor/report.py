"""The doctor's report: dataclasses (the Python API and ``--json``) and the text a learner reads, in two languages."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..messages import catalog, current_lang, text
from .ranking import Candidate
from .runner import not_measured_text

# Every text here is in messages/doctor.toml (keys doctor.report.*, doctor.counted.*, doctor.finding.*, ...).


def _key(name: str) -> str:
    """A table's key in the catalog: spaces become underscores ("not present" -> "not_present")."""
    return name.replace(" ", "_")


def counted(key: str, n: int, **kwargs: Any) -> str:
    """A counted phrase that agrees with its number: "1 comprobación pasa", "3 comprobaciones pasan"."""
    # Spanish agrees with the number (and with the total of "n/total": "1/1 pasa", "3/6 pasan").
    plural = kwargs.get("total", n) != 1 if key == "group_pass" and current_lang() == "es" else n != 1
    return text(f"doctor.counted.{key}.{'many' if plural else 'one'}", n=n, **kwargs)


def _replacements(prefix: str) -> list[tuple[str, str]]:
    """The (English, current language) pairs of the catalog's entries ``prefix.00``, ``prefix.01``, ... in order."""
    entries = sorted((key, entry) for key, entry in catalog().items() if key.startswith(prefix + "."))
    lang = current_lang()
    return [(entry["en"], entry[lang]) for _, entry in entries]


PRINT_STORM = 200_000  # characters printed by one check that make a finding (not a failure)

# ---------------------------------------------------------------- the machine part (--json, exit codes)
SCHEMA_VERSION = 2  # 2: status, counts, schema_version, not measured, error reports; 1: ok only
MIN_CHECKS = 8  # fewer checks that ran (pass or fail) than this: the engine was not examined, never "ok"
EXIT_CODES = {"ok": 0, "bugs-found": 1, "error": 2, "not-examined": 3}
STATUSES = ("pass", "fail", "not present", "not measured")
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


def status_word(key: str, **kwargs: Any) -> str:
    return text(f"doctor.status.{_key(key)}", **kwargs)


def error_report(target: str, error: Any, exit_code: int = EXIT_CODES["error"]) -> dict[str, Any]:
    """The ``--json`` of a run that examined nothing (a refusal, a crash, a time-out while importing, Ctrl-C);
    its message in the current language, every other field the same in each language."""
    return {
        "schema_version": SCHEMA_VERSION,
        "status": "error",
        "exit_code": exit_code,
        "target": target,
        "error": {
            "key": getattr(error, "key", type(error).__name__),
            "fields": _plain(getattr(error, "fields", {})),
            "frames": list(getattr(error, "frames", [])),
            # callable: a SyntaxError (the doctor's own bug) has a ``text`` too, the line of source
            "message": error.text() if callable(getattr(error, "text", None)) else str(error),
        },
        "counts": dict.fromkeys(STATUSES, 0),
        "checks": [],
        "diagnosis": [],
    }


def group_name(group: str) -> str:
    return text(f"doctor.group.{group}") if f"doctor.group.{group}" in catalog() else group


def group_line(group: str, items: list[CheckResult], width: int = 0) -> str:
    """One check group's line: "  grads: 3/4 pass  neg FAIL" (its name padded to ``width``)."""
    n_pass = sum(c.status == "pass" for c in items)
    marks = ", ".join(f"{check_name(c.id)} {say(c.status)}" for c in items if c.status != "pass")
    tally = counted("group_pass", n_pass, total=len(items))
    return f"  {(group_name(group) + ':').ljust(width)} {tally.ljust(12)} {marks}".rstrip()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def say(key: str, **kwargs: Any) -> str:
    return text(f"doctor.report.{_key(key)}", **kwargs)


def _translated(words: str, table: str) -> str:
    """``words`` with each English word of the catalog's ``table`` replaced by its Spanish one (English: as is)."""
    if current_lang() != "es":
        return words
    for en, es in _replacements(table):
        words = words.replace(en, es)
    return words


def check_name(check_id: str) -> str:
    """A check's id as a learner reads it (``--json`` keeps the id)."""
    return _translated(check_id, "doctor.check_word")


def observation_name(name: str) -> str:
    return _translated(name, "doctor.observation")


def _tuple(value: Any) -> str:
    return str(tuple(value)) if value is not None else "?"


def _factor_text(k: float) -> str:
    for n in range(2, 100):
        if abs(abs(k) - 1 / n) < 1e-9:
            return f"{'-' if k < 0 else ''}1/{n}"
    return f"{k:g}"


def describe(finding: dict[str, Any]) -> str:
    """A finding in the current language, from its structured fields."""
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
    known = f"doctor.finding.{key}" in catalog()
    return text(f"doctor.finding.{key if known else 'values'}", **fields)


def has_hand_title(break_id: str) -> bool:
    """The bug has a hand-written signature and no break page yet: its title is in the doctor's catalog."""
    return f"doctor.hand_title.{break_id}" in catalog()


def bug_title(break_id: str) -> str:
    if has_hand_title(break_id):
        return text(f"doctor.hand_title.{break_id}")
    from ..breaks import get

    return get(break_id).title()


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

    def render(self) -> str:
        """The report a learner reads, in the current language (:func:`minigrad.messages.current_lang`)."""
        out = [f"minigrad doctor: {self.target}", ""]  # the command and its argument, as typed
        out += self._api_lines()
        counts = self.counts
        summary = ", ".join(
            counted(key, counts[status])
            for key, status in (("passed", "pass"), ("failed", "fail"), ("absent", "not present"))
        )
        if counts["not measured"]:
            summary += f", {counts['not measured']} {status_word('not measured')}"
        out += ["", say("checks_line", checks=say("checks"), summary=summary, seconds=self.seconds)]
        groups: dict[str, list[CheckResult]] = {}
        for check in self.checks:
            groups.setdefault(check.group, []).append(check)
        width = max((len(group_name(g)) for g in groups), default=0) + 1
        out += [group_line(group, items, width) for group, items in groups.items()]
        unmeasured = [c for c in self.checks if c.status == "not measured"]
        if unmeasured:
            out += ["", status_word("not_measured_title") + ":"]
            out += [f"  {check_name(c.id)}: {not_measured_text(c.info)}" for c in unmeasured[:5]]
            if len(unmeasured) > 5:
                out.append(f"  ... (+{len(unmeasured) - 5}: --json)")
        if self.status == "not-examined":
            c = self.counts
            why = [status_word("not_examined", ran=c["pass"] + c["fail"], total=len(self.checks), min=MIN_CHECKS)]
            if self.missing():
                why.append(status_word("not_found", missing=", ".join(self.missing())))
            if c["not measured"]:
                why.append(status_word("unmeasured_count", n=c["not measured"]))
            out += ["", "; ".join(why)]
            lines = adapter_lines(self.missing())
            if lines:
                out += [status_word("adapter_hint"), *("    " + line for line in lines)]
            return "\n".join(out)
        storms = [c for c in self.checks if c.print_storm]
        if storms:
            out.append("  " + ", ".join(f"{c.id}: {say('printed', n=c.printed)}" for c in storms[:3]))
        failing = self.failing()
        out += self._examples(failing)
        out += ["", say("diagnosis") + ":"]
        listed = ", ".join(check_name(c.id) for c in failing)
        if not failing:
            out.append("  " + say("allpass"))
        elif not self.diagnosis:
            from .ranking import produced_gradients

            outcomes = {c.id: {"status": c.status, "findings": c.findings} for c in self.checks}
            key = "nomatch" if produced_gradients(outcomes) else "nogradient"
            out.append("  " + say(key, checks=listed))
        for i, cand in enumerate(self.diagnosis[:3]):
            label = say("likely" if i == 0 else "also")
            title = bug_title(cand.break_id)
            out.append(f"  {label}: {cand.break_id} ({say('score')} {cand.score:.2f}): {title}")
            if cand.hand_written:
                out.append(f"      {say('hand_written')}")
            for item in cand.evidence[: 4 if i == 0 else 2]:
                out.append(f"      {say('evidence')}: {evidence_line(item)}")
            if cand.contradicted:
                shown = ", ".join(check_name(c) for c in cand.contradicted[:4])
                more = " ..." if len(cand.contradicted) > 4 else ""
                against = counted("against", len(cand.contradicted))
                out.append(f"      {say('against', counted=against)}: {shown}{more}")
            if not has_hand_title(cand.break_id):
                es = " --lang es" if current_lang() == "es" else ""
                out.append(f"      {say('read')}: minigrad breaks show {cand.break_id}{es}")
        return "\n".join(out)

    def _api_lines(self) -> list[str]:
        api = self.api
        kind = say("kind_scalar" if self.scalar else "kind_tensor")
        initial = say("grad_" + str(api.get("grad_initial", "none")))
        rows = [
            (say("data"), f".{api.get('data_attr', 'data')}"),
            (say("grad"), f".{api.get('grad_attr', 'grad')} ({initial})"),
            ("requires_grad=", say("yes" if api.get("requires_grad_kw") else "no")),
            ("zero_grad", str(api.get("zero_grad") or say("none"))),
            (say("operators"), " ".join(api.get("dunders", [])) or "-"),
            (say("methods"), " ".join(api.get("methods", [])) or "-"),
            (say("functions"), " ".join(api.get("functions", [])) or "-"),
        ]
        if not self.scalar:
            rows.append((say("axis"), f"{api.get('axis_kw')}  keepdims: {api.get('keepdims_kw')}"))
        if api.get("overrides"):
            rows.append(("adapter", " ".join(api["overrides"])))
        width = max(len(label) for label, _ in rows) + 1
        return [f"{say('api')}: {kind}"] + [f"  {(label + ':').ljust(width)} {value}" for label, value in rows]

    def _examples(self, failing: list[CheckResult]) -> list[str]:
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
            out += ["", say("examples") + ":"]
            for check in shown:
                out += ["", f"--- {check_name(check.id)}", check.example]
        if unexplained:
            out += ["", say("unexplained") + ":", "", f"--- {check_name(unexplained[0].id)}"]
            out.append(unexplained[0].example)
        if len(failing) > len(shown) + min(1, len(unexplained)):
            out.append(say("more"))
        return out


def evidence_line(item: dict[str, Any]) -> str:
    """An explained check and how it fails, from the structured evidence."""
    parts = []
    for f in item.get("findings", []):
        text = say("same_numbers") if f.get("same_numbers") else describe(f)
        parts.append(text if f["name"] == "run" else f"{observation_name(f['name'])}: {text}")
    line = f"{check_name(item['check'])}: " + "; ".join(parts)
    reps = int(item.get("reps", 1))
    if reps > 1 and int(item.get("failed_reps", reps)) < reps:
        line += " (" + say("failed_reps", n=item["failed_reps"], reps=reps) + ")"
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


def example(header: list[str], outcome: dict[str, Any]) -> str:
    """The failing check as a script: their class, the inputs, expected vs got as comments."""
    lines = [*header, *outcome.get("lines", [])]
    for finding in outcome.get("findings", []):
        name = finding["name"]
        if finding["kind"] == "error":
            message = finding.get("message") or finding.get("error", "")
            lines.append(
                f"# -> {message}"
                if finding.get("error") not in ("timeout", "died")
                else f"# -> {describe(finding)}: {message}"
            )
            if outcome.get("where"):
                lines.append(f"#    {say('where')} {outcome['where']}")
            continue
        expression = printable(name)
        lines.append(f"print({expression})" if expression else f"# {observation_name(name)}")
        if expression and name != expression:
            lines.append(f"# {observation_name(name)}")
        lines.append(f"#   {say('expected')}: {_fmt(finding.get('expected'))}")
        lines.append(f"#   {say('got')}:      {_fmt(finding.get('got'))}   ({describe(finding)})")
    if outcome.get("varies"):
        lines.append("# " + say("varies"))
    if 0 < outcome.get("failed_reps", 0) < outcome.get("reps", 1):  # only where the runs disagree
        lines.append("# " + say("failed_reps", n=outcome["failed_reps"], reps=outcome["reps"]))
    if outcome.get("printed", 0) > PRINT_STORM:
        lines.append("# " + say("printed", n=outcome["printed"]))
    return "\n".join(lines)

"""``minigrad breaks list | show ID | run ID | verify``."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence

from .core import Break, BreakError, all_breaks, diff, get
from .diagnose import DIAGNOSTICS, Row, Verdict, diagnose
from .report import describe, procedure_source, render_case, run_cases

WIDTH = 104

HEADINGS = {
    "en": {
        "lesson": "Lesson",
        "target": "Target",
        "hypothesis": "Hypothesis",
        "diff": "The break (diff against the correct source)",
        "procedure": "Run procedure",
        "failure": "Failure with the break on (measured by running the cases)",
        "case": "Case",
        "observed": "Observed",
        "diagnostics": "Diagnostics",
        "catches": "Caught by",
        "how": "Switch it on: MINIGRAD_BREAK={id} python your_script.py, or `with minigrad.breaks.inject('{id}'):`",
    },
    "es": {
        "lesson": "Lección",
        "target": "Objetivo",
        "hypothesis": "Hipótesis",
        "diff": "El fallo (diff contra el código correcto)",
        "procedure": "Procedimiento",
        "failure": "Lo que ocurre con el fallo activado (medido al ejecutar los casos)",
        "case": "Caso",
        "observed": "Observado",
        "diagnostics": "Diagnósticos",
        "catches": "Lo detectan",
        "how": "Actívalo: MINIGRAD_BREAK={id} python tu_script.py, o `with minigrad.breaks.inject('{id}'):`",
    },
}


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1]).rstrip() for r in rows)


def cmd_list(lang: str) -> int:
    rows = [("id", "family", "target", "title")]
    rows += [(b.id, b.family, ", ".join(b.targets), b.title(lang)) for b in all_breaks().values()]
    print(_table(rows))
    return 0


def _header(brk: Break, lang: str) -> list[str]:
    h = HEADINGS[lang]
    return [
        f"{brk.id}: {brk.title(lang)}",
        f"{h['target']}: {', '.join(brk.targets)}",
        "",
        f"{h['hypothesis']}:",
        _wrap(brk.hypothesis(lang)),
        "",
        f"{h['lesson']}:",
        _wrap(brk.lesson(lang)),
    ]


def cmd_show(brk: Break, lang: str) -> int:
    h = HEADINGS[lang]
    lines = _header(brk, lang)
    lines += ["", f"{h['diff']}:", textwrap.indent(diff(brk), "  ")]
    lines += [f"{h['procedure']}:", "  " + h["how"].format(id=brk.id), "  minigrad breaks run " + brk.id]
    for i, case in enumerate(brk.cases, 1):
        lines += [f"  {h['case']} {i}: {case.name(lang)}", textwrap.indent(procedure_source(case).rstrip(), "    | ")]
    lines += ["", f"{h['failure']}:"]
    for i, result in enumerate(run_cases(brk), 1):  # measured now, on this machine: never written by hand
        shown = describe(result.broken)
        lines.append(f"  {h['case']} {i}: {result.outcome}: {shown[0] if shown else ''}")
        lines += [f"    {line}" for line in shown[1:]]
    lines += ["", f"{h['catches']}: {', '.join(brk.catches)}"]
    print("\n".join(lines))
    return 0


def _verdict_text(row: Row, finding_of: str) -> str:
    finding = row.correct if finding_of == "correct" else row.broken
    if finding.verdict == Verdict.FIRED:
        word = "false alarm" if finding_of == "correct" else "CAUGHT"
    elif finding.verdict == Verdict.SILENT:
        word = "silent" if finding_of == "correct" else ("MISSED" if row.claimed else "missed")
    else:
        word = finding.verdict.value
    message = finding.message.splitlines()[0] if finding.message else ""
    if len(message) > 70:
        message = message[:67] + "..."
    return f"{word}: {message}" if message and finding_of == "broken" else word


def diagnostics_table(rows: list[Row]) -> str:
    table = [("diagnostic", "claimed", "correct code", "with the break")]
    for row in rows:
        table.append(
            (row.diagnostic, "yes" if row.claimed else "", _verdict_text(row, "correct"), _verdict_text(row, "broken"))
        )
    return _table(table)


def cmd_run(brk: Break, lang: str) -> int:
    h = HEADINGS[lang]
    lines = _header(brk, lang)
    lines += ["", f"{h['observed']}:"]
    results = run_cases(brk)
    lines += [textwrap.indent(render_case(i, r, lang), "  ") for i, r in enumerate(results, 1)]
    held = sum(r.hypothesis_holds for r in results)
    lines.append(f"  Hypothesis held in {held} of {len(results)} case(s).")
    rows = diagnose(brk)
    lines += ["", f"{h['diagnostics']}:", textwrap.indent(diagnostics_table(rows), "  ")]
    print("\n".join(lines))
    return 0 if all(r.ok for r in rows) else 1


OWN_CHECK = "own check"


def cmd_verify() -> int:
    """The whole matrix: every break against every general diagnostic, plus its own check if it has one."""
    breaks = list(all_breaks().values())
    names = [*DIAGNOSTICS, OWN_CHECK]
    matrix: dict[str, dict[str, Row]] = {}
    failures = []
    for brk in breaks:
        rows = diagnose(brk)
        # A break's own checks (e.g. a comparison with torch.optim) share one column, named in the cell.
        matrix[brk.id] = {(row.diagnostic if row.diagnostic in DIAGNOSTICS else OWN_CHECK): row for row in rows}
        for row in rows:
            if row.false_alarm:
                failures.append(f"{brk.id}: {row.diagnostic} fires on correct code ({row.correct.message})")
            elif row.claimed and not row.caught:
                detail = f": {row.broken.message}" if row.broken.message else ""
                failures.append(
                    f"{brk.id}: claimed diagnostic {row.diagnostic} misses it ({row.broken.verdict.value}{detail})"
                )
        if not any(row.caught for row in rows if row.claimed):
            failures.append(f"{brk.id}: escapes every diagnostic it claims")

    def cell(row: Row | None) -> str:
        if row is None or row.broken.verdict == Verdict.NA:
            return "."
        if row.false_alarm:
            return "FALSE ALARM"
        mark = {Verdict.FIRED: "caught", Verdict.SILENT: "missed", Verdict.CRASH: "crash"}[row.broken.verdict]
        text = (mark.upper() if row.claimed and not row.caught else mark) + ("*" if row.claimed else "")
        return text if row.diagnostic in DIAGNOSTICS else f"{text} ({row.diagnostic})"

    table = [("break", *names, "")]
    for brk in breaks:
        table.append((brk.id, *(cell(matrix[brk.id].get(n)) for n in names), ""))
    print(_table(table))
    print("\n* = claimed by the break: it must be caught there. '.' = not applicable. Every diagnostic was silent on")
    print("  correct code unless marked FALSE ALARM.")
    if failures:
        print("\nverify FAILED:")
        print("\n".join(f"  - {f}" for f in failures))
        return 1
    print(f"\nverify passed: {len(breaks)} breaks, each caught by every diagnostic it claims; no false alarm.")
    return 0


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="minigrad breaks", description="The breaks lab: classic autograd bugs.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="list the breaks")
    p_list.add_argument("--lang", choices=("en", "es"), default="en")
    for name, text in (("show", "texts, diff and procedure of a break"), ("run", "run a break's procedure")):
        p = sub.add_parser(name, help=text)
        p.add_argument("id")
        p.add_argument("--lang", choices=("en", "es"), default="en")
    sub.add_parser("verify", help="every break against every diagnostic; non-zero exit on any escape or false alarm")
    args = parser.parse_args(list(argv))
    try:
        if args.command == "list":
            return cmd_list(args.lang)
        if args.command == "verify":
            return cmd_verify()
        brk = get(args.id)
        return cmd_show(brk, args.lang) if args.command == "show" else cmd_run(brk, args.lang)
    except BreakError as exc:
        parser.exit(2, f"minigrad breaks: {exc}\n")

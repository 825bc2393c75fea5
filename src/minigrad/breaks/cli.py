"""``minigrad breaks list | show ID | run ID | verify | export ID | mystery | mystery-run | reveal``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence

from . import mystery
from .catalog import one
from .core import Break, BreakError, all_breaks, diff
from .diagnose import DIAGNOSTICS, Row, Verdict, diagnose, probe_text, verdict_word
from .export import export_page
from .report import CaseResult, describe, outcome_text, procedure_source, render_case, run_cases
from .words import word

WIDTH = 104
START = "value-assign-not-accumulate"  # phase 7's break: where the path starts

EPILOG = (
    "Where to start: `minigrad breaks list` (sorted by course phase), then phase 7's break: "
    f"`minigrad breaks show {START}` and `minigrad breaks run {START}`. Every command takes --lang es."
)


def _wrap(text: str, indent: str = "  ") -> str:
    return "\n\n".join(
        textwrap.fill(p, WIDTH, initial_indent=indent, subsequent_indent=indent) for p in text.split("\n\n")
    )


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(_row(r, widths) for r in rows)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    """One line of a table whose column widths are known before its rows (so that rows can stream)."""
    return ("  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + cells[-1]).rstrip()


def say(text: str = "") -> None:
    """Print a line now: a command that takes seconds shows each result as it comes."""
    print(text, flush=True)


VERDICT_KEYS = ("v.caught", "v.not-caught", "v.NOT-CAUGHT", "v.no-alarm", "v.false-alarm", "v.na", "v.failed")


def _verdict_width(lang: str, star: bool = False) -> int:
    return max(len(word(k, lang)) for k in (*VERDICT_KEYS, "v.skipped")) + star


def _skip_lines(brk: Break, rows: list[Row], lang: str) -> list[str]:
    """One line per reason a diagnostic was skipped, naming the diagnostics and how to run them."""
    lines = []
    for reason in dict.fromkeys(f.message for r in rows for f in (r.correct, r.broken) if f.verdict == Verdict.SKIPPED):
        names = list(dict.fromkeys(r.diagnostic for r in rows if reason in (r.correct.message, r.broken.message)))
        lines.append(word(reason, lang).format(diagnostic=", ".join(names), id=brk.id))
    return lines


def selected(phase: int | None = None, family: str | None = None) -> list[Break]:
    """The breaks in course order (by phase, then catalog order), filtered."""
    chosen = [b for b in all_breaks().values() if phase in (None, b.phase) and family in (None, b.family)]
    return sorted(chosen, key=lambda b: b.phase)


def cmd_list(lang: str, phase: int | None, family: str | None) -> int:
    breaks = selected(phase, family)
    if not breaks:
        print(word("none-match", lang))
        return 1
    keys = ("col.phase", "col.id", "col.family", "col.target", "col.title")
    rows = [tuple(word(k, lang) for k in keys)]
    rows += [(str(b.phase), b.id, b.family, ", ".join(b.targets), b.title(lang)) for b in breaks]
    print(_table(rows))
    print("\n" + textwrap.fill(word("start", lang), WIDTH))
    return 0


def _header(brk: Break, lang: str) -> list[str]:
    lines = [
        f"{brk.id}: {brk.title(lang)}",
        f"{word('phase', lang)}: {brk.phase}    {word('family', lang)}: {brk.family}",
        f"{word('target', lang)}: {', '.join(brk.targets)}",
        "",
        f"{word('hypothesis', lang)}:",
        _wrap(brk.hypothesis(lang)),
        "",
        f"{word('lesson', lang)}:",
        _wrap(brk.lesson(lang)),
    ]
    if brk.engine_note is not None:
        lines += ["", f"{word('engine', lang)}:", _wrap(brk.engine_note(lang))]
    return lines


def cmd_show(brk: Break, lang: str) -> int:
    lines = _header(brk, lang)
    lines += ["", f"{word('diff', lang)}:", textwrap.indent(diff(brk), "  ")]
    how = word("how", lang).format(id=brk.id)
    lines += [f"{word('procedure', lang)}:", "  " + how, "  minigrad breaks run " + brk.id]
    for i, case in enumerate(brk.cases, 1):
        lines.append(f"  {word('case', lang)} {i}: {case.name(lang)}")
        lines.append(textwrap.indent(procedure_source(case).rstrip(), "    | ", lambda line: True))
    lines += ["", f"{word('failure', lang)}:"]
    for i, result in enumerate(run_cases(brk), 1):  # measured now, on this machine: never written by hand
        shown = describe(result.broken, lang)
        lines.append(f"  {word('case', lang)} {i}: {outcome_text(result.outcome, lang)}: {shown[0] if shown else ''}")
        lines += [f"    {line}" for line in shown[1:]]
    lines += ["", f"{word('catches', lang)}: {', '.join(brk.catches)}"]
    print("\n".join(lines))
    return 0


def _diagnostic_widths(brk: Break, lang: str) -> list[int]:
    names = [*DIAGNOSTICS, *brk.checks]
    return [
        max(len(word("col.diagnostic", lang)), *map(len, names)),
        max(len(word("col.should", lang)), len(word("yes", lang))),
        max(len(word("col.correct", lang)), _verdict_width(lang)),
    ]


def _diagnostic_cells(row: Row, lang: str) -> tuple[str, ...]:
    should = word("yes", lang) if row.claimed else ""
    return (row.diagnostic, should, verdict_word(row, "correct", lang), verdict_word(row, "broken", lang))


def _messages(rows: list[Row], lang: str) -> str:
    text = ""
    for row in rows:
        for finding_of, finding in (("col.correct", row.correct), ("col.broken", row.broken)):
            if finding.message and finding.verdict != Verdict.SKIPPED:
                label = f"{row.diagnostic}, {word(finding_of, lang)}, {word('message', lang)}:"
                text += f"\n\n{label}\n" + textwrap.indent(finding.message, "    ")
    return text


def cmd_run(brk: Break, lang: str, verbose: bool) -> int:
    """The header at once, then each case and each diagnostic as it finishes."""
    say("\n".join([*_header(brk, lang), "", f"{word('observed', lang)}:"]))

    def case_done(index: int, result: CaseResult) -> None:
        say(textwrap.indent(render_case(index, result, lang), "  "))

    results = run_cases(brk, case_done)
    say("  " + word("held", lang).format(held=sum(r.hypothesis_holds for r in results), total=len(results)))
    say()
    say(f"{word('diagnostics', lang)} ({probe_text(brk, lang)}):")
    keys = ("col.diagnostic", "col.should", "col.correct", "col.broken")
    widths = _diagnostic_widths(brk, lang)
    say("  " + _row([word(k, lang) for k in keys], widths))
    rows = diagnose(brk, lambda row: say("  " + _row(_diagnostic_cells(row, lang), widths)))
    lines = [f"  {line}" for line in _skip_lines(brk, rows, lang)]
    if verbose:
        lines.append(textwrap.indent(_messages(rows, lang), "  "))
    say("\n".join([*lines, "", _wrap(word("legend", lang))]))
    return 0 if all(r.ok for r in rows) else 1


def cmd_verify(lang: str) -> int:
    """The whole matrix, a row per break as it is measured: every general diagnostic, plus its own checks."""
    breaks = list(all_breaks().values())
    own = word("own-check", lang)
    names = [*DIAGNOSTICS, own]
    widths = [
        max(len(word("col.break", lang)), *(len(b.id) for b in breaks)),
        *(max(len(n), _verdict_width(lang, star=True), len(word("v.false-alarm", lang))) for n in DIAGNOSTICS),
        0,
    ]
    failures: list[str] = []
    skipped: dict[str, list[str]] = {}  # reason -> the diagnostics skipped for it

    def cell(row: Row | None) -> str:
        if row is None or row.broken.verdict == Verdict.NA:
            return "."
        if row.false_alarm:
            return word("v.false-alarm", lang)
        text = verdict_word(row, "broken", lang) + ("*" if row.claimed else "")
        return text if row.diagnostic in DIAGNOSTICS else f"{text} ({row.diagnostic})"

    say(_row((word("col.break", lang), *names, ""), widths))
    for brk in breaks:
        rows = diagnose(brk)
        # A break's own checks (e.g. a comparison with torch.optim) share one column, named in the cell.
        by_column = {(row.diagnostic if row.diagnostic in DIAGNOSTICS else own): row for row in rows}
        say(_row((brk.id, *(cell(by_column.get(n)) for n in names), ""), widths))
        for row in rows:
            if row.false_alarm:
                failures.append(
                    word("fail.false-alarm", lang).format(
                        id=brk.id, diagnostic=row.diagnostic, message=row.correct.message
                    )
                )
            elif row.claimed and not row.caught and not row.skipped:
                detail = f": {row.broken.message}" if row.broken.message else ""
                failures.append(word("fail.missed", lang).format(id=brk.id, diagnostic=row.diagnostic, detail=detail))
        if not any(row.caught or row.skipped for row in rows if row.claimed):
            failures.append(word("fail.escapes", lang).format(id=brk.id))
        for row in rows:
            for finding in (row.correct, row.broken):
                if finding.verdict == Verdict.SKIPPED and row.diagnostic not in skipped.setdefault(finding.message, []):
                    skipped[finding.message].append(row.diagnostic)
    say("\n" + textwrap.fill(word("verify-legend", lang), WIDTH))
    for reason, diagnostics in skipped.items():
        say("\n" + word(reason, lang).format(diagnostic=", ".join(diagnostics), id="ID"))
    if failures:
        say("\n" + word("verify-failed", lang))
        say("\n".join(f"  - {f}" for f in failures))
        return 1
    say("\n" + word("verify-passed", lang).format(n=len(breaks)))
    return 0


MYSTERY_TEXT = {
    "en": (
        "A mystery break is on: one of {n} break(s){where}, picked with seed {seed} (recorded in {path}).\n"
        "Run your own script, and the diagnostics, against it:\n"
        "  minigrad breaks mystery-run -- python your_script.py\n"
        "or set the variable yourself: export {var}={token}\n"
        "When you have a hypothesis: minigrad breaks reveal --guess <id>   (list of ids: minigrad breaks list)"
    ),
    "es": (
        "Hay un fallo provocado misterioso activo: uno de {n}{where}, elegido con la semilla {seed} (guardada en "
        "{path}).\nEjecuta tu propio script, y los diagnósticos, con él:\n"
        "  minigrad breaks mystery-run -- python tu_script.py\n"
        "o define tú la variable: export {var}={token}\n"
        "Cuando tengas una hipótesis: minigrad breaks reveal --guess <id>   (los ids: minigrad breaks list)"
    ),
}
REVEAL_TEXT = {
    "en": ("The mystery break was {id}: {title}", "Your guess: {guess}. Score: {score} of 2 ({why}).", "no guess"),
    "es": (
        "El fallo provocado misterioso era {id}: {title}",
        "Tu respuesta: {guess}. Puntuación: {score} de 2 ({why}).",
        "sin respuesta",
    ),
}
SCORE_WHY = {
    "en": ("another family", "right family, another break", "right break"),
    "es": ("otra familia", "familia correcta, otro fallo provocado", "fallo provocado correcto"),
}


def cmd_mystery(lang: str, phase: int | None, family: str | None, seed: int | None) -> int:
    state = mystery.start(selected(phase, family), seed, phase, family)
    where = "".join(
        f", {word(k, lang).lower()} {v}" for k, v in (("phase", phase), ("family", family)) if v is not None
    )
    print(
        MYSTERY_TEXT[lang].format(
            n=state.candidates,
            where=where,
            seed=state.seed,
            path=mystery.state_path(),
            var=mystery.TOKEN_VAR,
            token=state.token,
        )
    )
    return 0


def cmd_mystery_run(command: list[str]) -> int:
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        raise BreakError("mystery-run needs a command after --, e.g. minigrad breaks mystery-run -- python script.py")
    state = mystery.current()
    env = {**os.environ, mystery.TOKEN_VAR: state.token}
    try:
        return subprocess.call(command, env=env)
    except OSError as exc:
        raise BreakError(f"mystery-run could not start {command[0]!r}: {exc}") from exc


def cmd_reveal(lang: str, guess: str | None) -> int:
    state = mystery.current()
    answer = all_breaks()[mystery.break_of_token(state.token)]
    points = mystery.score(guess, answer)
    named, scored, no_guess = REVEAL_TEXT[lang]
    print(named.format(id=answer.id, title=answer.title(lang)))
    print(scored.format(guess=guess or no_guess, score=points, why=SCORE_WHY[lang][points]))
    print(f"minigrad breaks run {answer.id}{' --lang es' if lang == 'es' else ''}")
    mystery.finish()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minigrad breaks", description="The breaks lab: classic autograd bugs, by course phase.", epilog=EPILOG
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, text: str, with_id: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text, epilog=EPILOG)
        if with_id:
            p.add_argument("id")
        p.add_argument("--lang", choices=("en", "es"), default="en")
        return p

    for p in (command("list", "the breaks, sorted by course phase"), command("mystery", "switch on a random break")):
        p.add_argument("--phase", type=int, help="only this course phase (7, 8, 9, 10, ...)")
        p.add_argument("--family", help="only this family (scalar, broadcasting, engine, ops, modules)")
    sub.choices["mystery"].add_argument("--seed", type=int, help="the same seed picks the same break")
    command("show", "texts, diff and procedure of a break", with_id=True)
    command("run", "run a break's procedure and diagnostics", with_id=True).add_argument(
        "--verbose", action="store_true", help="full diagnostic messages"
    )
    command("verify", "every break against every diagnostic; non-zero exit on any escape or false alarm")
    p_export = command("export", "a publishable page of a break, with measured observations", with_id=True)
    p_export.add_argument("--format", choices=("md",), default="md")
    p_export.add_argument("--out", help="write to this file instead of printing")
    run_help = "run a command with the mystery break on: minigrad breaks mystery-run -- python script.py"
    sub.add_parser("mystery-run", help=run_help, description=run_help).add_argument("cmd", nargs=argparse.REMAINDER)
    command("reveal", "name the mystery break and score a guess").add_argument("--guess", help="the id you suspect")
    return parser


def main(argv: Sequence[str]) -> int:
    parser = _parser()
    args = parser.parse_args(list(argv))
    lang = getattr(args, "lang", "en")
    try:
        if args.command == "list":
            return cmd_list(lang, args.phase, args.family)
        if args.command == "verify":
            return cmd_verify(lang)
        if args.command == "mystery":
            return cmd_mystery(lang, args.phase, args.family, args.seed)
        if args.command == "mystery-run":
            return cmd_mystery_run(args.cmd)
        if args.command == "reveal":
            return cmd_reveal(lang, args.guess)
        brk = one(args.id)  # this break's page alone: the header prints at once
        if brk is None:
            raise BreakError(word("unknown", lang).format(id=args.id, known=", ".join(all_breaks())))
        if args.command == "show":
            return cmd_show(brk, lang)
        if args.command == "export":
            page = export_page(brk, lang)
            if args.out:
                with open(args.out, "w", encoding="utf-8") as handle:
                    handle.write(page)
            else:
                sys.stdout.write(page)
            return 0
        return cmd_run(brk, lang, args.verbose)
    except (BreakError, OSError) as exc:
        parser.exit(2, f"minigrad breaks: {word('error', lang)}: {exc}\n")

"""``minigrad breaks list | show ID | run ID | verify | export ID | mystery | mystery-run | reveal``.

Built on :mod:`minigrad.commandline`: ``--lang`` anywhere (else ``MINIGRAD_LANG``), argparse's own words in the
chosen language, one line ``minigrad: error: ...`` and exit status 2 for bad input (an unknown id included,
with the closest ids suggested), and a quiet end when the reader of the output goes away (``| head``).
Every word printed comes from ``messages/lab.toml``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import textwrap
from collections.abc import Sequence
from pathlib import Path

from ..commandline import UsageError, command_parser, entry_point, help_text, number
from ..messages import current_lang, text
from . import mystery
from .case_diagnostics import DIAGNOSTICS, Row, Verdict, diagnose, diagnostic_name, probe_text, verdict_word
from .case_report import CaseResult, describe, outcome_text, procedure_source, render_case, run_cases, word
from .catalog import one
from .core import Break, UnknownBreakError, all_breaks, diff
from .export import export_page

WIDTH = 104


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


def _verdict_width(star: bool = False) -> int:
    return max(len(word(k)) for k in (*VERDICT_KEYS, "v.skipped")) + star


def _skip_lines(brk: Break, rows: list[Row]) -> list[str]:
    """One line per reason a diagnostic was skipped, naming the diagnostics and how to run them."""
    lines = []
    for reason in dict.fromkeys(f.message for r in rows for f in (r.correct, r.broken) if f.verdict == Verdict.SKIPPED):
        names = list(dict.fromkeys(r.diagnostic for r in rows if reason in (r.correct.message, r.broken.message)))
        lines.append(word(reason).format(diagnostic=", ".join(names), id=brk.id))
    return lines


def selected(phase: int | None = None, family: str | None = None) -> list[Break]:
    """The breaks in course order (by phase, then catalog order), filtered."""
    chosen = [b for b in all_breaks().values() if phase in (None, b.phase) and family in (None, b.family)]
    return sorted(chosen, key=lambda b: b.phase)


def phases() -> list[int]:
    return sorted({b.phase for b in all_breaks().values()})


def families() -> list[str]:
    return list(dict.fromkeys(b.family for b in all_breaks().values()))


def family_name(family: str) -> str:
    """A family as shown: its name in the current language (the id, e.g. ``broadcasting``, is what --family takes)."""
    return text(f"lab.family_name.{family}")


def family_id(asked: str | None) -> str | None:
    """The family id that ``--family`` names: the id, or its shown name in any language (``difusión``)."""
    if asked is None:
        return None
    for family in families():
        if asked.lower() in (family, text(f"lab.family_name.{family}", "es").lower()):
            return family
    return asked  # no break matches: the command says which families exist


def families_shown() -> str:
    """The family ids (what --family takes) as code, each with its name when the language names it otherwise."""
    return ", ".join(f"`{f}`" if family_name(f) == f else f"`{f}` ({family_name(f)})" for f in families())


def no_match() -> str:
    shown = families_shown()
    return text("lab.no_match", phases=", ".join(map(str, phases())), families=shown)


def cmd_list(phase: int | None, family: str | None) -> int:
    breaks = selected(phase, family_id(family))
    if not breaks:
        print(no_match())
        return 1
    keys = ("col.phase", "col.family", "col.target", "col.title")
    head = [word(k) for k in keys]
    rows = [(head[0], "id", *head[1:])]
    rows += [(str(b.phase), b.id, family_name(b.family), ", ".join(b.targets), b.title()) for b in breaks]
    print(_table(rows))
    print("\n" + textwrap.fill(word("start"), WIDTH))
    return 0


def _header(brk: Break) -> list[str]:
    lines = [
        f"{brk.id}: {brk.title()}",
        f"{word('phase')}: {brk.phase}    {word('family')}: {family_name(brk.family)}",
        f"{word('target')}: {', '.join(brk.targets)}",
        "",
        f"{word('hypothesis')}:",
        _wrap(brk.hypothesis()),
        "",
        f"{word('lesson')}:",
        _wrap(brk.lesson()),
    ]
    if brk.engine_note is not None:
        lines += ["", f"{word('engine')}:", _wrap(brk.engine_note())]
    return lines


def cmd_show(brk: Break) -> int:
    lines = _header(brk)
    lines += ["", f"{word('diff')}:", textwrap.indent(diff(brk), "  ")]
    how = word("how").format(id=brk.id)
    lines += [f"{word('procedure')}:", "  " + how, "  minigrad breaks run " + brk.id]
    for i, case in enumerate(brk.cases, 1):
        lines.append(f"  {word('case')} {i}: {case.name()}")
        lines.append(textwrap.indent(procedure_source(case).rstrip(), "    | ", lambda line: True))
    lines += ["", f"{word('failure')}:"]
    for i, result in enumerate(run_cases(brk), 1):  # measured now, on this machine: never written by hand
        shown = describe(result.broken)
        lines.append(f"  {word('case')} {i}: {outcome_text(result.outcome)}: {shown[0] if shown else ''}")
        lines += [f"    {line}" for line in shown[1:]]
    lines += ["", f"{word('catches')}: {', '.join(brk.catches)}"]
    print("\n".join(lines))
    return 0


def _diagnostic_widths(brk: Break) -> list[int]:
    names = [diagnostic_name(n) for n in (*DIAGNOSTICS, *brk.checks)]
    return [
        max(len(word("col.diagnostic")), *map(len, names)),
        max(len(word("col.should")), len(word("yes"))),
        max(len(word("col.correct")), _verdict_width()),
    ]


def _diagnostic_cells(row: Row) -> tuple[str, ...]:
    should = word("yes") if row.claimed else ""
    return (
        diagnostic_name(row.diagnostic),
        should,
        verdict_word(row, "correct"),
        verdict_word(row, "broken"),
    )


def _messages(rows: list[Row]) -> str:
    text = ""
    for row in rows:
        for column, outcome in (("col.correct", row.correct), ("col.broken", row.broken)):
            if outcome.message and outcome.verdict != Verdict.SKIPPED:
                label = f"{row.diagnostic}, {word(column)}, {word('message')}:"
                text += f"\n\n{label}\n" + textwrap.indent(outcome.message, "    ")
    return text


def cmd_run(brk: Break, verbose: bool) -> int:
    """The header at once, then each case and each diagnostic as it finishes."""
    say("\n".join([*_header(brk), "", f"{word('observed')}:"]))

    def case_done(index: int, result: CaseResult) -> None:
        say(textwrap.indent(render_case(index, result), "  "))

    results = run_cases(brk, case_done)
    say("  " + word("held").format(held=sum(r.hypothesis_holds for r in results), total=len(results)))
    say()
    say(f"{word('diagnostics')} ({probe_text(brk)}):")
    keys = ("col.diagnostic", "col.should", "col.correct", "col.broken")
    widths = _diagnostic_widths(brk)
    say("  " + _row([word(k) for k in keys], widths))
    rows = diagnose(brk, lambda row: say("  " + _row(_diagnostic_cells(row), widths)))
    lines = [f"  {line}" for line in _skip_lines(brk, rows)]
    if verbose:
        lines.append(textwrap.indent(_messages(rows), "  "))
    say("\n".join([*lines, "", _wrap(word("legend"))]))
    return 0 if all(r.ok for r in rows) else 1


def cmd_verify() -> int:
    """The whole matrix, a row per break as it is measured: every general diagnostic, plus its own checks."""
    breaks = list(all_breaks().values())
    own = word("own-check")
    names = [*DIAGNOSTICS, own]
    widths = [
        max(len(word("col.break")), *(len(b.id) for b in breaks)),
        *(max(len(n), _verdict_width(star=True), len(word("v.false-alarm"))) for n in DIAGNOSTICS),
        0,
    ]
    failures: list[str] = []
    skipped: dict[str, list[str]] = {}  # reason -> the diagnostics skipped for it

    def cell(row: Row | None) -> str:
        if row is None or row.broken.verdict == Verdict.NA:
            return "."
        if row.false_alarm:
            return word("v.false-alarm")
        text = verdict_word(row, "broken") + ("*" if row.claimed else "")
        return text if row.diagnostic in DIAGNOSTICS else f"{text} ({row.diagnostic})"

    say(_row((word("col.break"), *names, ""), widths))
    for brk in breaks:
        rows = diagnose(brk)
        # A break's own checks (e.g. a comparison with torch.optim) share one column, named in the cell.
        by_column = {(row.diagnostic if row.diagnostic in DIAGNOSTICS else own): row for row in rows}
        say(_row((brk.id, *(cell(by_column.get(n)) for n in names), ""), widths))
        for row in rows:
            if row.false_alarm:
                failures.append(
                    word("fail.false-alarm").format(id=brk.id, diagnostic=row.diagnostic, message=row.correct.message)
                )
            elif row.claimed and not row.caught and not row.skipped:
                detail = f": {row.broken.message}" if row.broken.message else ""
                failures.append(word("fail.missed").format(id=brk.id, diagnostic=row.diagnostic, detail=detail))
        if not any(row.caught or row.skipped for row in rows if row.claimed):
            failures.append(word("fail.escapes").format(id=brk.id))
        for row in rows:
            for outcome in (row.correct, row.broken):
                if outcome.verdict == Verdict.SKIPPED and row.diagnostic not in skipped.setdefault(outcome.message, []):
                    skipped[outcome.message].append(row.diagnostic)
    say("\n" + textwrap.fill(word("verify-legend"), WIDTH))
    if current_lang() != "en":  # the columns are the diagnostics' names (ids): say once what each one is
        say(textwrap.fill("; ".join(diagnostic_name(n) for n in DIAGNOSTICS), WIDTH))
    for reason, diagnostics in skipped.items():
        say("\n" + word(reason).format(diagnostic=", ".join(diagnostics), id="ID"))
    if failures:
        say("\n" + word("verify-failed"))
        say("\n".join(f"  - {f}" for f in failures))
        return 1
    say("\n" + word("verify-passed").format(n=len(breaks)))
    return 0


def cmd_mystery(phase: int | None, family: str | None, seed: int | None) -> int:
    family = family_id(family)
    candidates = selected(phase, family)
    if not candidates:
        raise UsageError(no_match())
    state = mystery.start(candidates, seed, phase, family)
    where = "".join(
        text(f"lab.mystery.where_{k}", value=v) for k, v in (("phase", phase), ("family", family)) if v is not None
    )
    print(
        text(
            "lab.mystery.started",
            n=state.candidates,
            where=where,
            seed=state.seed,
            path=mystery.state_path(),
        )
    )
    training = mystery.training_procedure(candidates, state.seed)  # phase 19: runs and dashboards, not scripts
    if training is not None:
        print(training)
    else:
        print(text("lab.mystery.script_procedure", var=mystery.TOKEN_VAR, token=state.token))
    return 0


def cmd_mystery_run(command: list[str]) -> int:
    """Run the learner's command with the mystery break on; the diagnostics are the learner's to call in it."""
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        raise UsageError(text("lab.mystery.needs_command"))
    state = mystery.current()
    env = {**os.environ, mystery.TOKEN_VAR: state.token}
    try:
        return subprocess.call(command, env=env)
    except OSError as exc:
        raise UsageError(text("lab.mystery.cannot_start", command=command[0], error=exc)) from exc


def cmd_reveal(guess: str | None) -> int:
    state = mystery.current()
    if guess is not None and guess not in all_breaks():  # a typo must not end the game
        raise UnknownBreakError(guess, "lab.unknown_guess")
    answer = all_breaks()[mystery.break_of_token(state.token)]
    points = mystery.score(guess, answer)
    print(text("lab.reveal.named", id=answer.id, title=answer.title()))
    print(
        text(
            "lab.reveal.scored",
            guess=guess or text("lab.reveal.no_guess"),
            score=points,
            why=text(f"lab.reveal.why{points}"),
        )
    )
    print(f"minigrad breaks run {answer.id}{' --lang es' if current_lang() == 'es' else ''}")
    mystery.finish()
    return 0


def cmd_export(brk: Break, out: str | None) -> int:
    page = export_page(brk)
    if out is None:
        print(page, end="")
        return 0
    Path(out).write_text(page, encoding="utf-8")
    print(text("lab.export.wrote", path=out))
    return 0


def _parser() -> argparse.ArgumentParser:
    epilog = help_text("lab.parser.epilog")
    parser = command_parser("minigrad breaks", help_text("lab.parser.description"), epilog=epilog)
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        metavar=text("lab.parser.command_metavar"),
        title=help_text("lab.parser.commands"),
    )

    def command(name: str, key: str, with_id: bool = False) -> argparse.ArgumentParser:
        what = help_text(f"lab.parser.{key}")
        p = sub.add_parser(name, help=what, description=what, epilog=epilog)
        if with_id:
            p.add_argument("id", metavar="ID", help=help_text("lab.parser.id"))
        return p

    phase_help = help_text("lab.parser.phase", phases=", ".join(map(str, phases())))
    family_help = help_text("lab.parser.family", families=families_shown())
    for p in (command("list", "list"), command("mystery", "mystery")):
        p.add_argument("--phase", type=number("positive_int"), metavar="N", help=phase_help)
        p.add_argument("--family", metavar="F", help=family_help)
    sub.choices["mystery"].add_argument("--seed", type=number("seed"), metavar="N", help=help_text("lab.parser.seed"))
    command("show", "show", with_id=True)
    command("run", "run", with_id=True).add_argument(
        "--verbose", action="store_true", help=help_text("lab.parser.verbose")
    )
    command("verify", "verify")
    p_export = command("export", "export", with_id=True)
    p_export.add_argument("--format", choices=("md",), default="md", help=help_text("lab.parser.format"))
    p_export.add_argument("--out", metavar=text("lab.parser.file_metavar"), help=help_text("lab.parser.out"))
    command("mystery-run", "mystery_run").add_argument(
        "cmd",
        nargs=argparse.REMAINDER,
        metavar="-- " + text("lab.parser.command_metavar"),
        help=help_text("lab.parser.command_to_run"),
    )
    command("reveal", "reveal").add_argument("--guess", metavar="ID", help=help_text("lab.parser.guess"))
    return parser


def _mystery_run_argv(argv: list[str]) -> tuple[list[str], list[str]]:
    """``mystery-run``'s own arguments (``--lang``) and the learner's command after ``--``, kept apart."""
    if "--" in argv:
        cut = argv.index("--")
        return argv[:cut], argv[cut:]
    return argv, []


@entry_point
def main(argv: list[str]) -> int:
    command: list[str] = []
    if "mystery-run" in argv:  # the learner's command is not ours to parse: its own --lang stays its own
        argv, command = _mystery_run_argv(argv)
    args = _parser().parse_args(argv)
    if args.command == "list":
        return cmd_list(args.phase, args.family)
    if args.command == "verify":
        return cmd_verify()
    if args.command == "mystery":
        return cmd_mystery(args.phase, args.family, args.seed)
    if args.command == "mystery-run":
        return cmd_mystery_run([*args.cmd, *command])
    if args.command == "reveal":
        return cmd_reveal(args.guess)
    brk = one(args.id)  # this break's page alone: the header prints at once
    if brk is None:
        raise UnknownBreakError(args.id)
    if args.command == "show":
        return cmd_show(brk)
    if args.command == "export":
        return cmd_export(brk, args.out)
    return cmd_run(brk, args.verbose)

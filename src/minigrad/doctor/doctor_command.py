"""``minigrad doctor TARGET``: the command line of :func:`minigrad.doctor.examine`.

Built with minigrad's parser factory (:mod:`minigrad.commandline`): ``--lang`` before or after the command,
``MINIGRAD_LANG``, argparse's own words in the chosen language, quiet broken pipes.  Two promises of its own,
for autograders: with ``--json`` every run (bad arguments, refusals, crashes, Ctrl-C) prints exactly one JSON
object on stdout, and the exit code says how it ended (:data:`.report.EXIT_CODES`, 130 interrupted).  Without
``--json`` it says at once what it examines and prints each check group's line as the group finishes: plain
lines in a log, one line rewritten in place on a terminal.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from typing import Any, TextIO

from ..commandline import EXIT_INTERRUPTED, UsageError, command_parser, entry_point, help_text, number
from ..messages import text
from . import CheckResult, TargetError, examine
from .report import EXIT_CODES, error_report, group_line
from .runner import LIMITS, check_paths, message


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the same way out as Ctrl-C: every child's process group is killed on the way


class GroupPrinter:
    """Each check group's line as the group finishes: plain lines in a log; on a terminal one line, rewritten.

    Called from the runner's worker threads (two at once): a lock keeps lines whole.  A reader that went away
    silences it; the report's own print then meets the closed pipe and ends the command quietly."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.lock = stream, threading.Lock()
        self.live = stream.isatty()
        self.shown = 0  # width of the line shown in place on a terminal
        self.broken = False

    def write(self, line: str, keep: bool = False) -> None:
        """Show ``line``: in place on a terminal unless ``keep`` (then a line of its own, like every line in a log)."""
        with self.lock:
            if self.broken:
                return
            try:
                if keep or not self.live:
                    self.stream.write(line + "\n")
                else:
                    self.stream.write("\r" + line.ljust(self.shown))
                    self.shown = len(line)
                self.stream.flush()
            except (BrokenPipeError, ValueError):
                self.broken = True

    def group(self, group: str, results: list[CheckResult]) -> None:
        self.write(group_line(group, results).strip())

    def clear(self) -> None:
        """Wipe the line shown in place, so that the report starts on a clean line."""
        if self.live and self.shown:
            self.write("")
            self.write("\r")
            self.shown = 0


def _parser() -> Any:
    codes = {
        "ok": EXIT_CODES["ok"],
        "bugs": EXIT_CODES["bugs-found"],
        "not_examined": EXIT_CODES["not-examined"],
        "error": EXIT_CODES["error"],
        "interrupted": EXIT_INTERRUPTED,
    }
    parser = command_parser("minigrad doctor", help_text("doctor.command"), epilog=help_text("doctor.epilog", **codes))
    parser.add_argument("target", metavar=text("doctor.metavar.target"), help=help_text("doctor.option.target"))
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--scalar", action="store_true", help=help_text("doctor.option.scalar"))
    kind.add_argument("--tensor", action="store_true", help=help_text("doctor.option.tensor"))
    parser.add_argument("--adapter", metavar=text("doctor.metavar.file"), help=help_text("doctor.option.adapter"))
    parser.add_argument("--json", action="store_true", help=help_text("doctor.option.json"))
    parser.add_argument("--cwd", metavar=text("doctor.metavar.dir"), default=None, help=help_text("doctor.option.cwd"))
    parser.add_argument(
        "--import-limit",
        metavar=text("doctor.metavar.seconds"),
        type=number("positive_float"),
        default=LIMITS["import"],
        help=help_text("doctor.option.import_limit", seconds=LIMITS["import"]),
    )
    return parser


@entry_point
def main(argv: list[str]) -> int:
    """The command; while it runs, SIGTERM and SIGHUP stop it as Ctrl-C does (the children live in their own
    sessions: a doctor killed by SIGTERM or by a closed terminal must take them along)."""
    saved = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                saved[name] = signal.signal(getattr(signal, name), _stop)
    try:
        return _main(argv)
    finally:
        for name, handler in saved.items():
            signal.signal(getattr(signal, name), handler)


def _json(report: dict[str, Any]) -> None:
    print(json.dumps(report, indent=1))


def _main(argv: list[str]) -> int:
    wants_json = "--json" in argv[: argv.index("--")] if "--" in argv else "--json" in argv
    try:
        args = _parser().parse_args(argv)
    except UsageError as error:  # the usage line is on stderr already; an autograder still gets its object
        if not wants_json:
            raise
        refused = error_report(" ".join(argv), error)
        refused["error"]["key"] = "usage"
        _json(refused)
        return EXIT_CODES["error"]
    except KeyboardInterrupt:
        if wants_json:
            _json(error_report(" ".join(argv), TargetError("interrupted_doctor"), EXIT_INTERRUPTED))
        raise
    scalar = True if args.scalar else False if args.tensor else None
    printer = None if args.json else GroupPrinter(sys.stdout)
    try:
        if args.cwd is not None and not os.path.isdir(args.cwd):  # before any work starts
            raise TargetError("no_cwd", cwd=args.cwd)
        check_paths(args.target, args.cwd or os.getcwd(), args.adapter)  # a bad path is refused before any line
        if printer is not None:
            printer.write(text("doctor.progress.examining", target=args.target), keep=True)
        report = examine(
            args.target,
            cwd=args.cwd,
            scalar=scalar,
            adapter=args.adapter,
            limits={"import": args.import_limit},
            progress=printer.group if printer is not None else None,
        )
    except TargetError as error:
        if printer is not None:
            printer.clear()
        if args.json:
            _json(error_report(args.target, error))
            return EXIT_CODES["error"]
        raise UsageError(error.text()) from None
    except KeyboardInterrupt:
        if printer is not None:
            printer.clear()
        if args.json:
            _json(error_report(args.target, TargetError("interrupted_doctor"), EXIT_INTERRUPTED))
        print(f"minigrad doctor: {message('interrupted_doctor')}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # the doctor's own bug: still one JSON object for an autograder
        if not args.json:
            raise
        _json(error_report(args.target, error))
        return EXIT_CODES["error"]
    if printer is not None:
        printer.clear()
        if not printer.live:
            print()
    print(report.to_json() if args.json else report.render())
    return report.exit_code

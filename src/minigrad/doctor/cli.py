"""``minigrad doctor TARGET``: the command line of :func:`minigrad.doctor.examine`."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from . import TargetError, examine
from .report import EXIT_CODES, error_report
from .runner import LIMITS, message

HELP = {
    "en": "examine your own autograd engine and name the bug it has",
    "es": "examina tu propio motor de autograd y nombra el fallo que tiene",
}
INTERRUPTED = 130  # Ctrl-C, as a shell reports it (128 + SIGINT)
EPILOG = (
    "exit codes / códigos de salida: "
    f"{EXIT_CODES['ok']} ok (every check that ran passes, enough ran) / todo pasa; "
    f"{EXIT_CODES['bugs-found']} bugs found / fallos encontrados; "
    f"{EXIT_CODES['not-examined']} not examined (too few checks could run: see the --adapter lines printed) / "
    "sin examinar; "
    f"{EXIT_CODES['error']} error (cannot import or build your engine, bad arguments) / error; "
    f"{INTERRUPTED} interrupted (Ctrl-C) / interrumpido. "
    "With --json every run, errors included, prints one JSON object with schema_version, status "
    "(ok, bugs-found, not-examined, error), exit_code and counts."
)


class UsageError(Exception):
    """Bad arguments: with --json, still one JSON object (an autograder parses stdout whatever happens)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the same way out as Ctrl-C: every child's process group is killed on the way


def main(argv: Sequence[str] | None = None) -> int:
    """The command; while it runs, SIGTERM and SIGHUP stop it as Ctrl-C does (the children live in their own
    sessions: a doctor killed by SIGTERM or by a closed terminal must take them along)."""
    saved = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                saved[name] = signal.signal(getattr(signal, name), _stop)
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    finally:
        for name, handler in saved.items():
            signal.signal(getattr(signal, name), handler)


def _main(argv: list[str]) -> int:
    parser = _Parser(prog="minigrad doctor", description=HELP["en"] + " / " + HELP["es"], epilog=EPILOG)
    parser.add_argument("target", help="module:Class (e.g. src.minigrad.tensor:Tensor) or path/to/file.py:Class")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--scalar", action="store_true", help="a scalar engine (Value); found by behaviour if omitted")
    kind.add_argument("--tensor", action="store_true", help="a tensor engine (arrays); found by behaviour if omitted")
    parser.add_argument("--adapter", help="a Python file naming what the probe cannot guess (see the README)")
    parser.add_argument("--json", action="store_true", help="write the report as JSON (for autograders)")
    parser.add_argument("--lang", choices=("en", "es"), default="en")
    parser.add_argument("--cwd", default=None, help="the repository root to import from (default: here)")
    parser.add_argument(
        "--import-limit",
        type=float,
        default=LIMITS["import"],
        help=f"seconds allowed to import your module (default {LIMITS['import']:.0f})",
    )
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        if "--json" in argv:
            refused = error_report(" ".join(argv), error)
            refused["error"]["key"] = "usage"
            print(json.dumps(refused, indent=1))
        else:
            parser.print_usage(sys.stderr)
            print(f"minigrad doctor: {error}", file=sys.stderr)
        return EXIT_CODES["error"]
    scalar = True if args.scalar else False if args.tensor else None
    try:
        if args.cwd is not None and not os.path.isdir(args.cwd):  # before any work starts
            raise TargetError("no_cwd", args.lang, cwd=args.cwd)
        report = examine(
            args.target,
            cwd=args.cwd,
            scalar=scalar,
            adapter=args.adapter,
            lang=args.lang,
            limits={"import": args.import_limit},
        )
    except TargetError as error:
        if args.json:
            print(json.dumps(error_report(args.target, error, args.lang), indent=1))
        else:
            print(f"minigrad doctor: {error.text(args.lang)}", file=sys.stderr)
        return EXIT_CODES["error"]
    except KeyboardInterrupt:
        text = message("interrupted_doctor", args.lang)
        if args.json:
            stopped = TargetError("interrupted_doctor", args.lang)
            print(json.dumps(error_report(args.target, stopped, args.lang, INTERRUPTED), indent=1))
        print(f"minigrad doctor: {text}", file=sys.stderr)
        return INTERRUPTED
    except Exception as error:  # the doctor's own bug: still one JSON object for an autograder
        if not args.json:
            raise
        print(json.dumps(error_report(args.target, error, args.lang), indent=1))
        return EXIT_CODES["error"]
    print(report.to_json() if args.json else report.render(args.lang))
    return report.exit_code

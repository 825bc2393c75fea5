"""``minigrad doctor TARGET``: the command line of :func:`minigrad.doctor.examine`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import TargetError, examine

HELP = {
    "en": "examine your own autograd engine and name the bug it has",
    "es": "examina tu propio motor de autograd y nombra el fallo que tiene",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="minigrad doctor", description=HELP["en"] + " / " + HELP["es"])
    parser.add_argument("target", help="module:Class (e.g. src.minigrad.tensor:Tensor) or path/to/file.py:Class")
    parser.add_argument("--scalar", action="store_true", help="a scalar engine (Value); detected when omitted")
    parser.add_argument("--adapter", help="a Python file naming what the probe cannot guess (see the README)")
    parser.add_argument("--json", action="store_true", help="write the report as JSON (for autograders)")
    parser.add_argument("--lang", choices=("en", "es"), default="en")
    parser.add_argument("--cwd", default=None, help="the repository root to import from (default: here)")
    args = parser.parse_args(argv)
    try:
        report = examine(
            args.target, cwd=args.cwd, scalar=True if args.scalar else None, adapter=args.adapter, lang=args.lang
        )
    except TargetError as error:
        print(f"minigrad doctor: {error}", file=sys.stderr)
        return 2
    print(report.to_json() if args.json else report.render(args.lang))
    return 0 if report.ok else 1

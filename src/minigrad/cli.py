"""The ``minigrad`` command line: ``minigrad breaks ...``, ``minigrad train ...``, ``minigrad experiment ...``.

Each subcommand lives with its feature and is imported only when used, so
that ``minigrad breaks list`` never loads the training code (or its optional
dependencies).  Adding one is one entry in :data:`COMMANDS` and its one-line
help in ``messages/cli.toml`` (``cli.command.<name>``).

``--lang es`` may come before the command (``minigrad --lang es train --help``)
or after it; ``MINIGRAD_LANG=es`` does the same for a whole shell.  The
language is chosen here, once, for everything the command prints
(:func:`minigrad.commandline.entry_point`), and so is the way every command
ends: a bad input never ends in a Python traceback but in one line
``minigrad: error: MESSAGE`` and exit status 2, a broken pipe ends quietly.
Any other exception is a fallo (bug) in minigrad and keeps its traceback;
``MINIGRAD_TRACEBACK=1`` shows the traceback of every error.

The command keeps freed memory in the process (:func:`minigrad.memory.keep_freed_memory`): a training
step then reuses the memory of the step before instead of faulting it in from the OS again, about a third
faster on ``minigrad train gpt``.  ``MINIGRAD_KEEP_FREED_MEMORY=0`` leaves glibc's defaults.
"""

from __future__ import annotations

import importlib
import os
import textwrap
from collections.abc import Callable, Sequence
from typing import NamedTuple

from .commandline import UsageError, entry_point, is_user_error
from .memory import keep_freed_memory
from .messages import LANGS, catalog, text

WIDTH = 104  # as the breaks lab's tables

__all__ = ["COMMANDS", "Command", "is_user_error", "main", "usage"]


class Command(NamedTuple):
    module: str  # relative to this package, imported only when the command runs
    function: str  # takes the remaining arguments, returns the exit status
    help: str  # a key of the message catalog (or, for a command added at run time, the text itself)


COMMANDS: dict[str, Command] = {
    "breaks": Command(".breaks.breaks_command", "main", "cli.command.breaks"),
    "doctor": Command(".doctor.doctor_command", "main", "cli.command.doctor"),
    "train": Command(".training.train_command", "train_main", "cli.command.train"),
    "experiment": Command(".training.train_command", "experiment_main", "cli.command.experiment"),
    "run": Command(".training.loop", "run_main", "run.command"),
    "dashboard": Command(".dashboard", "dashboard_main", "run.dashboard.command"),
}


def usage() -> str:
    """``minigrad --help``, in the current language."""

    def shown(command: Command) -> str:
        return text(command.help) if command.help in catalog() else command.help

    rows = [(name, shown(command)) for name, command in COMMANDS.items()]
    options = [("-h, --help", text("cli.option.help")), ("--lang {en,es}", text("cli.option.lang"))]
    width = max(len(name) for name, _ in rows + options)

    def table(entries: list[tuple[str, str]]) -> str:
        indent = " " * (width + 4)
        return "\n".join(
            textwrap.fill(f"  {name:<{width}}  {help}", WIDTH, subsequent_indent=indent) for name, help in entries
        )

    return "\n\n".join(
        [
            text("cli.usage"),
            f"{text('cli.commands')}\n{table(rows)}",
            f"{text('cli.options')}\n{table(options)}",
            text("cli.where_to_start"),
        ]
    )


@entry_point
def main(args: list[str]) -> int:
    # The options before the command are minigrad's own: -h/--help and --lang (already chosen by entry_point).
    while args and args[0].startswith("-"):
        option = args.pop(0)
        if option in ("-h", "--help"):
            print(usage())
            return 0
        if option == "--lang" or option.startswith("--lang="):
            value = option.partition("=")[2] if "=" in option else (args.pop(0) if args else "")
            if value not in LANGS:
                raise UsageError(text("cli.error.lang_value"))
            continue
        raise UsageError(f"{text('cli.error.unknown_command', name=option)}\n\n{usage()}")
    if not args:
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    command = COMMANDS.get(name)
    if command is None:
        raise UsageError(f"{text('cli.error.unknown_command', name=name)}\n\n{usage()}")
    if os.environ.get("MINIGRAD_KEEP_FREED_MEMORY", "1") != "0":
        keep_freed_memory()  # this program's own choice; see memory.py (importing minigrad never does it)
    run: Callable[[Sequence[str]], int] = getattr(
        importlib.import_module(command.module, __package__), command.function
    )
    return run(rest)


if __name__ == "__main__":
    raise SystemExit(main())

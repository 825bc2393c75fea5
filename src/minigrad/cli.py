"""The ``minigrad`` command line: ``minigrad breaks ...``, ``minigrad train ...``, ``minigrad experiment ...``.

Each subcommand lives with its feature and is imported only when used, so
that ``minigrad breaks list`` never loads the training code (or its optional
dependencies).  Adding one is one entry in :data:`COMMANDS`.

A bad input never ends in a Python traceback: the errors the library raises
for its users (``ValueError``, ``TypeError``, a missing file, a missing
optional package, minigrad's own error classes such as ``BreakError``) are
printed as ``minigrad: error: MESSAGE`` and the exit status is 2.  Any other
exception is a fallo (bug) in minigrad and keeps its traceback;
``MINIGRAD_TRACEBACK=1`` shows the traceback of every error.

The command keeps freed memory in the process (:func:`minigrad.memory.keep_freed_memory`): a training
step then reuses the memory of the step before instead of faulting it in from the OS again, about a third
faster on ``minigrad train gpt``.  ``MINIGRAD_KEEP_FREED_MEMORY=0`` leaves glibc's defaults.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple

from .memory import keep_freed_memory


class Command(NamedTuple):
    module: str  # relative to this package, imported only when the command runs
    function: str  # takes the remaining arguments, returns the exit status
    help: str


COMMANDS: dict[str, Command] = {
    "breaks": Command(".breaks.cli", "main", "the breaks lab: list, show, run and verify classic autograd bugs"),
    "doctor": Command(
        ".doctor.cli", "main", "examine your own engine (module:Class or file.py:Class) and name the bug it has"
    ),
    "train": Command(".training.cli", "train_main", "train an MLP on the built-in verb-conjugation dataset"),
    "experiment": Command(
        ".training.cli", "experiment_main", "phase 10 experiments: init, norm and residual ablations, with plots"
    ),
}

# Raised for bad input (arguments, files, data, missing optional packages): reported in one line, never a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, LookupError, OSError, ImportError, ArithmeticError)

EXIT_USAGE = 2  # the status argparse uses for bad arguments
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def usage() -> str:
    width = max(map(len, COMMANDS))
    commands = "\n".join(f"  {name:<{width}}  {command.help}" for name, command in COMMANDS.items())
    return (
        f"usage: minigrad <command> [options]\n\ncommands:\n{commands}\n\n"
        "Where to start: `minigrad breaks list` shows the breaks by course phase; begin with phase 7's\n"
        "`minigrad breaks run value-assign-not-accumulate`. To examine your own engine: `minigrad doctor`.\n"
        "Run `minigrad <command> --help` for a command's options."
    )


def is_user_error(error: BaseException) -> bool:
    """A library error meant for the user: a standard bad-input type, or one of minigrad's own error classes."""
    package = __package__ or "minigrad"
    module = type(error).__module__
    return isinstance(error, USER_ERRORS) or module == package or module.startswith(package + ".")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    command = COMMANDS.get(name)
    if command is None:
        print(f"minigrad: error: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return EXIT_USAGE
    if os.environ.get("MINIGRAD_KEEP_FREED_MEMORY", "1") != "0":
        keep_freed_memory()  # this program's own choice; see memory.py (importing minigrad never does it)
    try:
        run: Callable[[Sequence[str]], int] = getattr(
            importlib.import_module(command.module, __package__), command.function
        )
        return run(rest)
    except KeyboardInterrupt:
        print("minigrad: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`minigrad breaks list | head`): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the exit flush cannot fail again
        return 1
    except Exception as error:
        if not is_user_error(error) or os.environ.get("MINIGRAD_TRACEBACK"):
            raise
        print(f"minigrad: error: {error or type(error).__name__}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())

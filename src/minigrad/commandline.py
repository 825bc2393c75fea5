"""The one way every ``minigrad`` command reads its arguments, speaks its language and ends.

Two pieces, used by ``minigrad`` itself (:mod:`minigrad.cli`), ``minigrad train [mlp|gpt]`` and
``minigrad experiment``:

- :func:`command_parser` (a :class:`CommandParser`, an ``argparse.ArgumentParser``): it adds
  ``-h/--help`` and ``--lang {en,es}``, speaks the current language (argparse's own words, "usage:",
  "options:", "invalid choice", come from ``messages/argparse.toml`` through argparse's gettext
  hook), and reports a bad argument as its usage line, then ``minigrad: error: PROG: MESSAGE``.
  Help texts come from the catalog through :func:`help_text`, which escapes ``%`` for argparse.
- :func:`entry_point`, a decorator for a command's ``main(argv) -> int``: it chooses the language
  once (``--lang`` anywhere before a ``--``, else ``MINIGRAD_LANG``, else en) and sets it for
  everything the command calls (:func:`minigrad.messages.current_lang`), so no ``lang`` is passed
  around; and it ends every command one way:

  ====  =======================================================================================
  0     done (``--help`` included)
  1     the command ran and its answer is no (a check failed), or an optional package is missing
        (:func:`require`: the message says what to install)
  2     bad input: a bad argument, file or value (one line ``minigrad: error: ...``, no traceback)
  130   interrupted (Ctrl-C)
  141   the reader of the output went away (``minigrad --help | head -1``): nothing more is
        printed, no traceback, no "[Errno 32]"; 128 + SIGPIPE, as a shell reports ``yes | head``
  ====  =======================================================================================

  Any other exception is a fallo (bug) in minigrad and keeps its traceback; ``MINIGRAD_TRACEBACK=1``
  shows the traceback of every error.

Adopting it in another command line (``breaks/breaks_command.py``, ``doctor/doctor_command.py``) is a small change:

1. build the parser with ``command_parser("minigrad breaks", description, epilog=...)`` instead of
   ``argparse.ArgumentParser(...)``; its subparsers (``parser.add_subparsers(...)``) are
   :class:`CommandParser` too, so each gets ``--lang``: delete the hand-written
   ``add_argument("--lang", ...)`` lines (argparse refuses a second ``--lang``);
2. decorate ``main`` with ``@entry_point`` and read the language with
   :func:`minigrad.messages.current_lang` (or ``args.lang``, the same value) instead of a default
   of ``"en"``;
3. give every option a ``metavar`` and a ``help`` from the catalog (:func:`help_text`; argparse's default
   metavar is the option's English name in capitals, ``--phase PHASE``), and use :func:`number` as the
   ``type`` of a numeric option;
4. let bad input raise (:class:`UsageError`, or the package's own error class such as
   ``BreakError``/``TargetError``) instead of ``parser.exit(2, ...)`` and ``print(...); return 2``:
   the decorator prints ``minigrad: error: ...`` and returns 2. Catch ``OSError`` no longer: a
   broken pipe is then handled here instead of printing "[Errno 32] Broken pipe".
"""

from __future__ import annotations

import argparse
import functools
import gettext
import importlib.util
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, Protocol

from .messages import LANG_VARIABLE, LANGS, catalog, current_lang, lang_from_environment, set_lang, template, text

EXIT_OK = 0
EXIT_NO = 1  # the command ran and its answer is no, or an optional package is missing
EXIT_USAGE = 2  # bad input; the status argparse uses for bad arguments
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as shells report `yes | head`

# Raised for bad input (arguments, files, data, missing optional packages): reported in one line, never a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, LookupError, OSError, ImportError, ArithmeticError)


class UsageError(Exception):
    """Bad input to a command: printed as ``minigrad: error: MESSAGE``, exit status 2."""


class MissingPackageError(ImportError):
    """An optional package a command needs is not installed: the message names it and how to install it."""

    def __init__(self, what: str, names: Sequence[str]) -> None:
        super().__init__(text("cli.error.missing_packages", what=what, names=", ".join(names)))


def is_user_error(error: BaseException) -> bool:
    """A library error meant for the user: a standard bad-input type, or one of minigrad's own error classes."""
    package = __package__ or "minigrad"
    module = type(error).__module__
    return isinstance(error, USER_ERRORS) or module == package or module.startswith(package + ".")


def missing_packages(names: Sequence[str]) -> list[str]:
    """The packages of ``names`` that cannot be imported here (found without importing them)."""
    return [name for name in names if importlib.util.find_spec(name) is None]


def require(names: Sequence[str], what: str) -> None:
    """Raise :class:`MissingPackageError` (exit 1) naming what ``what`` needs, if any of ``names`` is missing."""
    missing = missing_packages(names)
    if missing:
        raise MissingPackageError(what, missing)


# --------------------------------------------------------------------------- argparse in the current language


@functools.cache
def _argparse_keys() -> dict[str, str]:
    """argparse's message ids (the English texts of ``messages/argparse.toml``) -> catalog keys."""
    return {entry["en"]: key for key, entry in catalog().items() if key.startswith("argparse.")}


def _gettext(message: str) -> str:
    """argparse's ``_()``: its own words in the current language; English (gettext's) when not in the catalog."""
    key = _argparse_keys().get(message)
    return template(key) if key is not None and current_lang() != "en" else gettext.gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural) if current_lang() != "en" else gettext.ngettext(singular, plural, n)


def _install_argparse_words() -> None:
    """Make argparse speak the current language.

    argparse looks its words up through its module globals ``_`` and ``ngettext`` at the moment it needs
    them.  Both are replaced when the first :class:`CommandParser` is built (importing this module changes
    nothing), and English stays exactly gettext's.
    """
    words = vars(argparse)  # the module's globals: argparse's `_` is not in its typing stubs
    words["_"], words["ngettext"] = _gettext, _ngettext


def help_text(key: str, **fields: Any) -> str:
    """A catalog text as an argparse help or description (argparse reads ``%`` as a format character)."""
    return text(key, **fields).replace("%", "%%")


# What each kind of numeric option accepts (the catalog's text that names it otherwise: cli.number.<rule>).
NUMBER_RULES: dict[str, tuple[Callable[[str], Any], Callable[[Any], bool]]] = {
    "positive_int": (int, lambda v: v >= 1),
    "seed": (int, lambda v: v >= 0),
    "positive_float": (float, lambda v: math.isfinite(v) and v > 0),
    "nonnegative_float": (float, lambda v: math.isfinite(v) and v >= 0),
}


def number(rule: str) -> Callable[[str], Any]:
    """An argparse ``type``: parse the text, check it against ``NUMBER_RULES[rule]`` (argparse names the option)."""
    kind, accepts = NUMBER_RULES[rule]

    def parse(raw: str) -> Any:
        try:
            value = kind(raw)
        except ValueError:
            key = "cli.number.not_an_int" if kind is int else "cli.number.not_a_float"
            raise argparse.ArgumentTypeError(text(key, value=raw)) from None
        if not accepts(value):
            raise argparse.ArgumentTypeError(text(f"cli.number.{rule}", value=raw))
        return value

    return parse


class CommandParser(argparse.ArgumentParser):
    """argparse with minigrad's conventions: ``--lang``, the current language, errors as ``minigrad: error:``.

    Build it (and its subparsers) after the language is chosen, i.e. inside an :func:`entry_point`:
    argparse translates its group titles and the help of ``-h`` when the parser is built.
    """

    def __init__(self, **kwargs: Any) -> None:
        _install_argparse_words()
        super().__init__(**kwargs)
        self.add_argument("--lang", choices=LANGS, default=current_lang(), help=help_text("cli.option.lang"))

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: {message}")


def command_parser(prog: str, description: str, epilog: str | None = None, **kwargs: Any) -> CommandParser:
    """The parser of one command: ``prog`` as typed (``"minigrad train gpt"``), texts from the catalog."""
    return CommandParser(prog=prog, description=description, epilog=epilog, **kwargs)


# --------------------------------------------------------------------------- the edge: language, errors, exit codes


def lang_in(argv: Sequence[str]) -> str | None:
    """The value of ``--lang X`` or ``--lang=X`` in ``argv`` (before a ``--``), "" when it has none, else None."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang":
            return argv[i + 1] if i + 1 < len(argv) else ""
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def chosen_lang(argv: Sequence[str]) -> str:
    """The language a command line asks for: ``--lang``, else ``MINIGRAD_LANG``, else the current one.

    A bad ``--lang`` value is left for the parser to refuse by name; a bad ``MINIGRAD_LANG`` is refused here.
    """
    asked = lang_in(argv)
    if asked in LANGS:
        return asked
    raw = os.environ.get(LANG_VARIABLE, "").strip()
    if raw and lang_from_environment() is None:
        raise UsageError(text("cli.error.lang_variable", value=raw))
    return current_lang()


def _print_error(message: str) -> None:
    try:
        print(text("cli.error.prefix", message=message), file=sys.stderr)
    except (BrokenPipeError, ValueError):  # nobody left to read it
        pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the flush at exit cannot fail on the closed pipe again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test's capture): nothing will flush to the pipe
        pass


class EntryPoint(Protocol):
    """A command's main as its callers see it: ``main()`` reads ``sys.argv``, ``main(argv)`` takes the arguments."""

    def __call__(self, argv: Sequence[str] | None = None) -> int: ...


def entry_point(main: Callable[[list[str]], int]) -> EntryPoint:
    """``main(argv) -> status`` run at the edge: language chosen and set, every ending one of the exit codes above."""

    @functools.wraps(main)
    def run(argv: Sequence[str] | None = None) -> int:
        args = list(sys.argv[1:] if argv is None else argv)
        try:
            token = set_lang(chosen_lang(args))
        except UsageError as error:
            _print_error(str(error))
            return EXIT_USAGE
        try:
            try:
                status = main(args)
            except SystemExit as exit_:  # argparse's --help (0)
                code = exit_.code
                status = code if isinstance(code, int) else EXIT_OK if code is None else EXIT_USAGE
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's flush at exit
            return status
        except BrokenPipeError:  # the reader went away (`minigrad breaks list | head`): nothing left to say
            _silence_stdout()
            return EXIT_BROKEN_PIPE
        except KeyboardInterrupt:
            print(text("cli.interrupted"), file=sys.stderr)
            return EXIT_INTERRUPTED
        except UsageError as error:
            _print_error(str(error))
            return EXIT_USAGE
        except MissingPackageError as error:
            _print_error(str(error))
            return EXIT_NO
        except Exception as error:
            if not is_user_error(error) or os.environ.get("MINIGRAD_TRACEBACK"):
                raise
            _print_error(str(error) or type(error).__name__)
            return EXIT_USAGE
        finally:
            token.var.reset(token)

    return run

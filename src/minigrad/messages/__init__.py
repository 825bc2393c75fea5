"""Every text a user reads, in English and Spanish, and the language it is read in.

The texts live in this folder as TOML files, one per part of minigrad (``cli.toml``,
``argparse.toml``, ``training.toml``, ``engine.toml``), each entry a table with an ``en`` and an
``es`` string side by side::

    [grad_shape]
    en = "{op}: gradient for input {index} has shape {grad_shape} ..."
    es = "{op}: el gradiente de la entrada {index} tiene forma {grad_shape} ..."

An entry's key is the file's name, then the table's dotted path: ``engine.grad_shape``,
``training.train.header``.  A translator edits data, never Python; a missing translation is a
missing key, which ``tests/test_cli_lang.py`` catches.

The language is chosen once, at the edge: the command line sets it from ``--lang``
(:mod:`minigrad.commandline`), a program with :func:`using_lang`, and otherwise the variable
``MINIGRAD_LANG`` decides (``en`` when it is unset).  Library code never takes a ``lang``
argument: it calls :func:`text`, which reads :func:`current_lang`.  The setting is a
:class:`contextvars.ContextVar`, so two threads (or two asyncio tasks) can speak different languages.

Only minigrad's own texts are translated: Python's and NumPy's messages stay as they print them.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from functools import cache
from typing import Any

LANGS = ("en", "es")
DEFAULT_LANG = "en"
LANG_VARIABLE = "MINIGRAD_LANG"

_chosen: contextvars.ContextVar[str | None] = contextvars.ContextVar("minigrad_lang", default=None)


def lang_from_environment() -> str | None:
    """``MINIGRAD_LANG`` when it names a language minigrad speaks, else None (unset, empty or unknown)."""
    value = os.environ.get(LANG_VARIABLE, "").strip().lower()
    return value if value in LANGS else None


def current_lang() -> str:
    """The language of every text: as set by :func:`set_lang`/:func:`using_lang`, else ``MINIGRAD_LANG``, else en."""
    return _chosen.get() or lang_from_environment() or DEFAULT_LANG


def _checked(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"messages: the language must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def set_lang(lang: str) -> contextvars.Token[str | None]:
    """Choose the language of this thread (context) from now on; the token undoes it (``_chosen.reset``)."""
    return _chosen.set(_checked(lang))


@contextlib.contextmanager
def using_lang(lang: str) -> Iterator[str]:
    """``with using_lang("es"): ...`` speaks Spanish inside the block, then goes back to what was there."""
    token = set_lang(lang)
    try:
        yield lang
    finally:
        _chosen.reset(token)


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every entry of every TOML file here by key (``"engine.grad_shape"``), each ``{"en": ..., "es": ...}``."""
    # read once, at the first text; imported here so that importing minigrad (engine.py) stays cheap
    import tomllib
    from pathlib import Path

    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        if set(LANGS) & set(node):
            flat[prefix] = {lang: node[lang] for lang in LANGS if lang in node}
        for key, value in node.items():
            if isinstance(value, dict):
                walk(f"{prefix}.{key}", value)

    for path in sorted(Path(__file__).parent.glob("*.toml")):
        walk(path.stem, tomllib.loads(path.read_text(encoding="utf-8")))
    return flat


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template fills (``"{path!r} is {n:.1%}"`` -> ``{"path", "n"}``)."""
    import string

    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def template(key: str, lang: str | None = None) -> str:
    """The raw text of ``key`` in ``lang`` (the current language by default), placeholders unfilled."""
    entry = catalog().get(key)
    if entry is None:
        # a RuntimeError, not a KeyError: a missing text is a fallo (bug) in minigrad, never the user's bad input
        raise RuntimeError(f"messages: no text {key!r} in src/minigrad/messages/*.toml")
    return entry[_checked(lang or current_lang())]


def text(key: str, /, lang: str | None = None, **fields: Any) -> str:
    """The text ``key`` in the current language (or ``lang``), its ``{placeholders}`` filled from ``fields``.

    A field that is itself a :class:`CatalogError` is shown in the same language.
    """
    lang = lang or current_lang()
    shown = {name: value.text(lang) if isinstance(value, CatalogError) else value for name, value in fields.items()}
    return template(key, lang).format(**shown)


def group_thousands(number: int) -> str:
    """An integer with its thousands grouped as the current language writes them (docs/glossary.md):
    ``105,344`` in English, ``105 344`` (a space, never a point) in Spanish."""
    grouped = f"{number:,}"
    return grouped.replace(",", "\u00a0") if current_lang() == "es" else grouped


class CatalogError(ValueError):
    """A bad-input error whose message is a catalog entry: ``str()`` speaks the current language.

    ``CatalogError("training.error.no_file")``; the fields fill the entry's placeholders.
    """

    def __init__(self, key: str, **fields: Any) -> None:
        self.key, self.fields = key, fields
        super().__init__(key)

    def text(self, lang: str | None = None) -> str:
        return text(self.key, lang, **self.fields)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled whole (to a worker process and back), fields included
        return (_rebuild, (type(self), self.key, self.fields))

    def __str__(self) -> str:
        return self.text()


def _rebuild(cls: type[CatalogError], key: str, fields: dict[str, Any]) -> CatalogError:
    error = CatalogError.__new__(cls)
    CatalogError.__init__(error, key, **fields)
    return error

"""The texts of ``minigrad train``, ``minigrad experiment`` and their plots, in English and Spanish.

They live in ``texts.toml`` next to this file, one entry per text with an
``en`` and an ``es`` string, so that a translator edits data, not Python.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGS = ("en", "es")


@cache
def table() -> dict[str, dict[str, str]]:
    """Every entry of ``texts.toml`` by dotted key (``"train.result"``), each ``{"en": ..., "es": ...}``."""
    raw = tomllib.loads((Path(__file__).with_name("texts.toml")).read_text(encoding="utf-8"))
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        if set(LANGS) <= set(node):
            flat[prefix] = {lang: node[lang] for lang in LANGS}
        for key, value in node.items():
            if isinstance(value, dict):
                walk(f"{prefix}.{key}" if prefix else key, value)

    walk("", raw)
    return flat


def text(key: str, lang: str = "en", **fields: Any) -> str:
    """The text ``key`` in ``lang`` with its ``{placeholders}`` filled from ``fields``."""
    if lang not in LANGS:
        raise ValueError(f"texts: lang must be one of {', '.join(LANGS)}, got {lang!r}")
    rendered = {name: value.text(lang) if isinstance(value, TrainingError) else value for name, value in fields.items()}
    return table()[key][lang].format(**rendered)


class TrainingError(ValueError):
    """An error a learner must read in their language: ``str()`` is English, :meth:`text` any language."""

    def __init__(self, key: str, **fields: Any) -> None:
        self.key, self.fields = key, fields
        super().__init__(text(key, "en", **fields))

    def text(self, lang: str) -> str:
        return text(self.key, lang, **self.fields)

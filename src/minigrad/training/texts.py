"""The texts of ``minigrad train``, ``minigrad experiment`` and their plots: the ``training.`` part of the catalog.

They live in ``minigrad/messages/training.toml``, one entry per text with an ``en`` and
an ``es`` string (see :mod:`minigrad.messages`).  This module names them without the
``training.`` prefix, for the training code: ``text("train.header", ...)``.
"""

from __future__ import annotations

from typing import Any

from ..messages import LANGS, CatalogError, catalog
from ..messages import text as catalog_text

__all__ = ["LANGS", "TrainingError", "table", "text"]

PREFIX = "training."


def table() -> dict[str, dict[str, str]]:
    """Every training text by its key without the prefix (``"train.result"``), each ``{"en": ..., "es": ...}``."""
    return {key.removeprefix(PREFIX): entry for key, entry in catalog().items() if key.startswith(PREFIX)}


def text(key: str, /, **fields: Any) -> str:
    """The training text ``key`` in the current language, its ``{placeholders}`` filled."""
    return catalog_text(PREFIX + key, **fields)


class TrainingError(CatalogError):
    """An error a learner must read in their language: ``str()`` is the current language, :meth:`text` any."""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(PREFIX + key, **fields)

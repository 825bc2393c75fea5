"""The catalog: one folder per break, ``catalog/<id>/`` (format and an example: ``docs/breaks-page-format.md``).

Adding a break is adding a folder.  Reading the catalog reads the pages only; a break's ``probe.py`` and
``checks.py`` are imported, and its case scripts run, when a command needs them.
"""

from __future__ import annotations

from ..core import Break
from ..page import load_all

_loaded: dict[str, Break] = {}


def catalog() -> dict[str, Break]:
    """Every break, by id, in course order (read once per process)."""
    if not _loaded:
        _loaded.update(load_all())
    return _loaded

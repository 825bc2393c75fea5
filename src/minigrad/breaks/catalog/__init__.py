"""The catalog: one folder per break, ``catalog/<id>/`` (format and an example: ``docs/breaks-page-format.md``).

Adding a break is adding a folder.  Reading the catalog reads the pages only; a break's ``probe.py`` and
``checks.py`` are imported, and its case scripts run, when a command needs them.  A command about one
break reads that break's page alone.
"""

from __future__ import annotations

from ..core import Break
from ..page import catalog_dir, load_all, parse

_read: dict[str, Break] = {}  # every page read so far, by id
_complete = False


def catalog() -> dict[str, Break]:
    """Every break, by id, in course order (the pages are read once per process)."""
    global _complete
    if not _complete:
        everything = load_all()
        _read.update({i: _read.get(i, b) for i, b in everything.items()})  # keep the objects already handed out
        ordered = {i: _read[i] for i in everything}
        _read.clear()
        _read.update(ordered)
        _complete = True
    return _read


def one(break_id: str) -> Break | None:
    """The break with this id, reading its page alone; None if there is no such folder."""
    if break_id not in _read and not _complete:
        if "/" in break_id or break_id.startswith(".") or not (catalog_dir() / break_id / "page.md").is_file():
            return None
        _read[break_id] = parse(catalog_dir() / break_id)
    return _read.get(break_id)

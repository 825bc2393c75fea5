"""The breaks lab: classic autograd bugs you can switch on in minigrad's own code.

    >>> import minigrad.breaks as breaks
    >>> with breaks.inject("skip-unbroadcast"):
    ...     pass  # minigrad's add backward no longer sums over broadcast axes

or, for a whole process (e.g. a script run verbatim)::

    MINIGRAD_BREAK=skip-unbroadcast python script.py

``minigrad breaks list | show ID | run ID | verify`` is the command line.  Each break is a folder,
``breaks/catalog/<id>/``: its page (texts, patch, predictions), its case scripts, its probe and, when
it has them, its own checks (format: ``docs/breaks-page-format.md``).
"""

from .core import (
    Break,
    BreakError,
    Case,
    Expect,
    Outcome,
    Patch,
    Probe,
    Text,
    active,
    all_breaks,
    diff,
    disable,
    enable,
    get,
    inject,
    suspended,
)

__all__ = [
    "Break",
    "BreakError",
    "Case",
    "Expect",
    "Outcome",
    "Patch",
    "Probe",
    "Text",
    "active",
    "all_breaks",
    "diff",
    "disable",
    "enable",
    "get",
    "inject",
    "suspended",
]

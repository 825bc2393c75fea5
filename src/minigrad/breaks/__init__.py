"""The breaks lab: classic autograd bugs you can switch on in minigrad's own code.

    >>> import minigrad.breaks as breaks
    >>> with breaks.inject("skip-unbroadcast"):
    ...     ...  # minigrad's add backward no longer sums over broadcast axes

or, for a whole process (e.g. a script run verbatim)::

    MINIGRAD_BREAK=skip-unbroadcast python script.py

``minigrad breaks list | show ID | run ID | verify`` is the command line.  Each break's texts and
patch are a page, ``breaks/pages/<id>.md`` (format: ``docs/breaks-page-format.md``); its procedures
are Python in ``breaks/catalog/``.
"""

from .core import (
    Break,
    BreakCode,
    BreakError,
    Case,
    CaseCode,
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
    "BreakCode",
    "BreakError",
    "Case",
    "CaseCode",
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

"""The catalog of breaks, by family.  Each break is defined beside the others of its family.

The order is the course's: the spec's break (``skip-unbroadcast``) first with
the rest of the broadcasting family, then the engine, the ops, and the scalar
``Value`` of phase 7.
"""

from __future__ import annotations

from ..core import Break
from . import broadcasting, engine, modules, ops, scalar

BREAKS: dict[str, Break] = {b.id: b for family in (broadcasting, engine, ops, scalar, modules) for b in family.BREAKS}

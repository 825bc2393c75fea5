"""The catalog of breaks, by family.  Each break is defined beside the others of its family."""

from __future__ import annotations

from ..core import Break
from . import broadcasting

BREAKS: dict[str, Break] = {b.id: b for family in (broadcasting,) for b in family.BREAKS}

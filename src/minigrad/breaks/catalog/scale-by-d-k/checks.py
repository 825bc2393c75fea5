"""scale-by-d-k: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

from ...shared.attention_probes import family_checks

CHECKS = family_checks("scale-probe")

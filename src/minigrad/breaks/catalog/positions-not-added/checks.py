"""positions-not-added: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

from ...shared.attention import _probes

CHECKS = _probes("positions-probe")

"""reflected-op-recursion: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

from ....scalar import Value


def _reflected_op_fails() -> bool | str:
    """Fires when 2 - x or 1 / x raises on a Value x (a reflected op that calls itself again)."""
    x = Value(1.5)
    for text, run in (("2 - x", lambda: 2 - x), ("1 / x", lambda: 1 / x)):
        try:
            run()
        except Exception as exc:
            return f"{text} raised {type(exc).__name__}: {str(exc)[:80]}"
    return False


CHECKS = {"reflected-ops": _reflected_op_fails}

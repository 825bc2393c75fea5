"""number-not-wrapped: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

from ....scalar import Value


def _number_operand_fails() -> bool | str:
    """Fires when x - 2, x * 2 or -x raises on a Value x (a Python number on the right is not wrapped)."""
    x = Value(1.5)
    for text, run in (("x - 2", lambda: x - 2), ("x * 2", lambda: x * 2), ("-x", lambda: -x)):
        try:
            run()
        except Exception as exc:
            return f"{text} raised {type(exc).__name__}: {exc}"
    return False


CHECKS = {"number-operand": _number_operand_fails}

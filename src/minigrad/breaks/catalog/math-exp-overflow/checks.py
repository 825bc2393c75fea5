"""math-exp-overflow: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

from ....scalar import Value


def _saturated_tanh_fails() -> bool | str:
    """Fires when tanh of a large input raises or is not +-1 (PyTorch: tanh(400) = 1, tanh(-400) = -1)."""
    for x, want in ((400.0, 1.0), (-400.0, -1.0)):
        try:
            got = Value(x).tanh().data
        except Exception as exc:
            return f"tanh({x}) raised {type(exc).__name__}: {exc}"
        if got != want:
            return f"tanh({x}) = {got}, expected {want}"
    return False


CHECKS = {"saturated-tanh": _saturated_tanh_fails}

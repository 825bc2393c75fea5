"""constant-without-grad: its own checks (each is falsy when silent, else says what it saw)."""

from __future__ import annotations

import numpy as np

from ...shared.learner_engine import LearnerTensor


def _constant_operand_fails() -> bool | str:
    """Fires when backward through x * constant raises, or gives x a gradient other than the constant."""
    x = LearnerTensor(np.array([0.5, -1.0]), requires_grad=True)
    constant = LearnerTensor(np.array([3.0, 4.0]))
    try:
        (x * constant + 1.0).sum().backward()
    except Exception as exc:
        return f"backward of sum(x * constant + 1) raised {type(exc).__name__}: {exc}"
    if not np.array_equal(x.grad, constant.data):
        return f"d sum(x * c + 1)/dx = {x.grad}, expected c = {constant.data}"
    return False


CHECKS = {"constant-operand": _constant_operand_fails}

"""gradcheck's and crosscheck's reports in Spanish (MINIGRAD_LANG / --lang), the English ones unchanged.

The numbers are checked against a hand-derived oracle: a backward rule for ``x * x`` that returns ``x`` instead
of ``2x`` gives analytic ``x`` where the finite difference gives ``2x``.
"""

from __future__ import annotations

import numpy as np
import pytest

from minigrad import Tensor
from minigrad.diagnostics import gradcheck_report
from minigrad.messages import using_lang
from minigrad.scalar import Value


def _half_square(x: Value) -> Value:
    """x * x with half its gradient: d(x*x)/dx is 2x, this backward passes on x."""
    out = Value(x.data * x.data)
    out._prev, out.op = (x,), "half-square"

    def backward() -> None:
        x.grad += x.data * out.grad

    out._backward = backward
    return out


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_failing_gradcheck_speaks_the_chosen_language(lang: str) -> None:
    x = Value(1.5)
    with using_lang(lang):
        report = gradcheck_report(_half_square, [x])
        message, table = report.message, str(report)
    assert not report.ok
    analytic, numeric = report.inputs[0].analytic, report.inputs[0].numeric
    assert analytic == pytest.approx(1.5, rel=1e-12) and numeric == pytest.approx(3.0, rel=1e-7)
    if lang == "en":
        assert message.startswith("gradcheck failed (every element): input 0 (shape ())")
        assert "analytic 1.5, numeric" in message and "FAIL" in table
    else:
        assert message.startswith("gradcheck falló (cada elemento): entrada 0 (forma ())")
        assert "analítico 1.5, numérico" in message and "> tolerancia" in message and "FALLA" in table
        for english in ("failed", "input", "shape", "analytic", "numeric", "tolerance", "FAIL "):
            assert english not in table


def test_a_passing_gradcheck_in_spanish() -> None:
    x = Tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    with using_lang("es"):
        report = gradcheck_report(lambda x: (x * x).sum(), [x])
        message = report.message
    assert report.ok and message.startswith("gradcheck pasó (cada elemento): 1 entrada(s), error absoluto máximo")

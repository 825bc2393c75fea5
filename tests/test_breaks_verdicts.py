"""Exact verdicts: the number a hypothesis states is checked, and outputs within tolerance are the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from minigrad.breaks.case_report import CaseResult, classify, measure, observed_text
from minigrad.breaks.core import Case, Expect, Outcome, Text
from minigrad.messages import using_lang


def in_language(lang: str, fn: Callable[..., str], *args: object) -> str:
    """``fn(*args)`` as a command run with ``--lang LANG`` calls it: the language is set once, outside."""
    with using_lang(lang):
        return fn(*args)


CASE = Case("c", Text("c", "c"), Path("c.py"), frozenset({Outcome.WRONG_VALUES}), expect=Expect("x", factor=2.0))


def _result(correct: dict[str, object], broken: dict[str, object], case: Case = CASE) -> CaseResult:
    outcome = classify(correct, broken)
    return CaseResult(case, correct, broken, outcome, measured=measure(case.expect, correct, broken))


def test_outputs_within_tolerance_are_the_same_and_say_so() -> None:
    x = np.array([1.0, -2.0, 3.0])
    tiny = x * (1 + 5e-10)  # within rtol 1e-9
    assert classify({"x": x}, {"x": tiny}) == Outcome.SAME
    result = _result({"x": x}, {"x": tiny}, Case("c", Text("c", "c"), Path("c.py"), frozenset({Outcome.SAME})))
    observed = in_language("en", observed_text, result)
    assert "wrong values" not in observed and "agree within rtol 1e-9" in observed


def test_a_small_difference_is_wrong_values_with_its_size_shown() -> None:
    x = np.array([1.0, -2.0, 3.0])
    broken = x + np.array([0.0, 3e-6, 0.0])  # identical to 4 decimals, yet outside the tolerance
    result = _result(
        {"x": x}, {"x": broken}, Case("c", Text("c", "c"), Path("c.py"), frozenset({Outcome.WRONG_VALUES}))
    )
    assert result.outcome == Outcome.WRONG_VALUES
    assert "largest difference 3e-06 in x" in in_language("en", observed_text, result)


def test_the_stated_factor_is_checked() -> None:
    x = np.array([1.0, -2.0, 3.0])
    held = _result({"x": x}, {"x": 2 * x})
    assert held.hypothesis_holds and held.measured.factor == pytest.approx(2.0)
    assert "x multiplied by 2" in in_language("en", observed_text, held)
    other = _result({"x": x}, {"x": 3 * x})  # wrong values, as predicted, but not the number stated
    assert other.outcome == Outcome.WRONG_VALUES and not other.hypothesis_holds
    assert "x multiplied by 3" in in_language("en", observed_text, other)
    no_multiple = _result({"x": x}, {"x": x + 1})
    assert not no_multiple.hypothesis_holds and "x is not a multiple" in in_language("en", observed_text, no_multiple)
    assert "`x` no es un múltiplo" in in_language("es", observed_text, no_multiple)


def test_a_stated_sign_and_shape_are_checked() -> None:
    x = np.array([[1.0], [2.0]])
    flipped = Case("c", Text("c", "c"), Path("c.py"), frozenset({Outcome.WRONG_VALUES}), expect=Expect("x", factor=-1))
    assert _result({"x": x}, {"x": -x}, flipped).hypothesis_holds
    shaped = Case("c", Text("c", "c"), Path("c.py"), frozenset({Outcome.WRONG_SHAPE}), expect=Expect("x", shape=(2, 3)))
    assert _result({"x": x}, {"x": np.ones((2, 3))}, shaped).hypothesis_holds
    assert not _result({"x": x}, {"x": np.ones((3, 2))}, shaped).hypothesis_holds


def test_an_expectation_states_exactly_one_number() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Expect("x")
    with pytest.raises(ValueError, match="exactly one"):
        Expect("x", factor=2.0, shape=(1,))

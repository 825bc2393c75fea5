"""Running a break's procedure: correct code, then broken code, compared case by case.

Everything reported as *observed* comes from running the case; only the
prediction (the learner's hypothesis) is written by hand, and the report says
whether it held.
"""

from __future__ import annotations

import inspect
import textwrap
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .core import Break, Case, Observation, Outcome, inject, suspended


@dataclass(frozen=True)
class CaseResult:
    case: Case
    correct: Observation | BaseException
    broken: Observation | BaseException
    outcome: Outcome
    correct_warnings: tuple[str, ...] = ()
    broken_warnings: tuple[str, ...] = ()  # e.g. NumPy's "overflow encountered in exp": often the first clue

    @property
    def hypothesis_holds(self) -> bool:
        return self.outcome in self.case.predicted


def observe(case: Case) -> tuple[Observation | BaseException, tuple[str, ...]]:
    """Run a case: its results (or the exception it raised) and the warnings it emitted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            observation: Observation | BaseException = dict(case.run())
        except Exception as exc:  # a crash is one of the outcomes being measured
            observation = exc
    seen = dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)  # unique, in order
    return observation, tuple(seen)


def classify(correct: Observation | BaseException, broken: Observation | BaseException) -> Outcome:
    if isinstance(correct, BaseException):
        raise RuntimeError(f"the correct code crashed in this case: {describe_error(correct)}") from correct
    if isinstance(broken, BaseException):
        return Outcome.CRASH
    outcome = Outcome.SAME
    for key, want in correct.items():
        got = broken.get(key)
        if want is None and got is None:
            continue
        if want is None or got is None:
            outcome = Outcome.WRONG_VALUES
            continue
        if np.shape(want) != np.shape(got):
            return Outcome.WRONG_SHAPE
        if not np.allclose(
            np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=1e-9, atol=1e-12, equal_nan=True
        ):
            outcome = Outcome.WRONG_VALUES
    return outcome


def run_case(brk: Break, case: Case) -> CaseResult:
    with suspended():
        correct, correct_warnings = observe(case)
    with inject(brk.id):
        broken, broken_warnings = observe(case)
    return CaseResult(case, correct, broken, classify(correct, broken), correct_warnings, broken_warnings)


def run_cases(brk: Break) -> list[CaseResult]:
    return [run_case(brk, case) for case in brk.cases]


# --------------------------------------------------------------------------- formatting


def describe_error(exc: BaseException) -> str:
    return f"raised {type(exc).__name__}: {exc}"


def describe_value(value: Any) -> str:
    if value is None:
        return "None"
    array = np.asarray(value)
    if array.ndim == 0:
        return f"{array.item():.6g}"
    body = np.array2string(array, precision=4, suppress_small=True, max_line_width=10_000, threshold=12)
    return f"{' '.join(body.split())}  shape {array.shape}"


def describe(observation: Observation | BaseException) -> list[str]:
    if isinstance(observation, BaseException):
        return [describe_error(observation)]
    return [f"{key} = {describe_value(value)}" for key, value in observation.items()]


def predicted_text(case: Case) -> str:
    return " or ".join(str(o) for o in sorted(case.predicted, key=lambda o: list(Outcome).index(o)))


def procedure_source(case: Case) -> str:
    """The code a case runs, for ``minigrad breaks show``."""
    try:
        return textwrap.dedent(inspect.getsource(case.run))
    except (OSError, TypeError):
        return "<source not available>"


def render_case(index: int, result: CaseResult, lang: str) -> str:
    lines = [f"Case {index}: {result.case.name(lang)}"]
    correct, broken = describe(result.correct), describe(result.broken)
    lines += ["  correct code:"] + [f"    {line}" for line in correct]
    lines += [f"    warning: {w}" for w in result.correct_warnings]
    lines += ["  with the break:"] + [f"    {line}" for line in broken]
    lines += [f"    warning: {w}" for w in result.broken_warnings]
    verdict = "holds" if result.hypothesis_holds else "DOES NOT HOLD"
    lines.append(f"  predicted: {predicted_text(result.case)}   observed: {result.outcome}   -> hypothesis {verdict}")
    if result.case.note is not None:
        lines += textwrap.wrap(result.case.note(lang), 104, initial_indent="  why: ", subsequent_indent="       ")
    return "\n".join(lines)

"""Running a break's procedure: correct code, then broken code, compared case by case.

A case is a standalone script (``cases/<id>.py`` in the break's folder).  It runs here in this process,
with ``runpy``, once on correct code and once with the break on, and what it assigns to ``observed`` is
compared.  Everything reported as *observed* comes from running the case; only the prediction (the
learner's hypothesis, and the number it states when there is one) is written by hand, on the page, and
the report says whether it held.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.abc
import importlib.machinery
import io
import re
import runpy
import sys
import textwrap
import tokenize
import types
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..messages import catalog, current_lang, template
from .core import PACKAGE, Break, BreakError, Case, Expect, Observation, Outcome, inject, suspended


def word(key: str) -> str:
    """The lab's text ``key`` (``messages/lab.toml``) in the current language (the command chose it); placeholders
    unfilled (the caller fills them with ``.format``)."""
    return template("lab." + key.replace(" ", "_"))


PUBLIC = "minigrad"  # how a case script imports the package, whatever name it was loaded under here
CASE_RUN_NAME = "__minigrad_case__"  # a script's `if __name__ == "__main__":` block does not run in the lab

RTOL, ATOL = 1e-9, 1e-12  # outputs that agree this closely are the same


@dataclass(frozen=True)
class Measured:
    """What the comparison of one case found, beyond its category."""

    key: str | None = None  # the output that differs most
    max_abs_diff: float = 0.0
    expect_holds: bool = True  # the number the hypothesis states, if any, was observed
    factor: float | None = None  # the observed factor on the expected key


@dataclass(frozen=True)
class CaseResult:
    case: Case
    correct: Observation | BaseException
    broken: Observation | BaseException
    outcome: Outcome
    correct_warnings: tuple[str, ...] = ()
    broken_warnings: tuple[str, ...] = ()  # e.g. NumPy's "overflow encountered in exp": often the first clue
    measured: Measured = Measured()

    @property
    def hypothesis_holds(self) -> bool:
        return self.outcome in self.case.predicted and self.measured.expect_holds


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of ``minigrad.X`` answered with the already loaded ``<PACKAGE>.X`` (e.g. ``src.minigrad.X``)."""

    def __init__(self) -> None:
        self.spec_of: dict[str, Any] = {}

    def find_spec(self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None) -> Any:
        if name != PUBLIC and not name.startswith(PUBLIC + "."):
            return None
        real = importlib.import_module(PACKAGE + name[len(PUBLIC) :])
        self.spec_of[name] = real.__spec__
        return importlib.machinery.ModuleSpec(name, self, is_package=hasattr(real, "__path__"))

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return importlib.import_module(PACKAGE + spec.name[len(PUBLIC) :])

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run (the module is loaded already): put back its own spec, which the import replaced."""
        alias = module.__spec__.name if module.__spec__ is not None else ""
        module.__spec__ = self.spec_of.pop(alias, module.__spec__)


@contextlib.contextmanager
def as_public_package() -> Iterator[None]:
    """Make ``import minigrad`` inside a case script give the very package the lab runs as, then restore.

    When the lab was loaded as ``minigrad`` this is nothing.  When it was loaded as ``src.minigrad`` (e.g. a
    script run from the repository root), ``minigrad`` and its submodules are aliased to it for the run, so
    that the break, switched on in ``src.minigrad``, reaches the script.
    """
    if PACKAGE == PUBLIC:
        yield
        return
    saved = {n: m for n, m in sys.modules.items() if n == PUBLIC or n.startswith(PUBLIC + ".")}
    for name in saved:
        del sys.modules[name]
    for name, module in list(sys.modules.items()):
        if name == PACKAGE or name.startswith(PACKAGE + "."):
            sys.modules[PUBLIC + name[len(PACKAGE) :]] = module
    finder = _Alias()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n == PUBLIC or n.startswith(PUBLIC + ".")]:
            del sys.modules[name]
        sys.modules.update(saved)


def run_script(script: Path) -> Observation:
    """Run a case script as ``runpy`` does (fresh globals, its prints swallowed) and return its ``observed``."""
    with as_public_package(), contextlib.redirect_stdout(io.StringIO()):
        namespace = runpy.run_path(str(script), run_name=CASE_RUN_NAME)
    observed = namespace.get("observed")
    if not isinstance(observed, dict):
        raise BreakError(f"{script}: a case script assigns its named results to observed = {{...}}")
    return observed


def observe(case: Case) -> tuple[Observation | BaseException, tuple[str, ...]]:
    """Run a case: its results (or the exception it raised) and the warnings it emitted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            observation: Observation | BaseException = run_script(case.script)
        except BreakError:
            raise
        except Exception as exc:  # a crash is one of the outcomes being measured
            observation = exc
    seen = dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)  # unique, in order
    return observation, tuple(seen)


def _floats(value: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(value, dtype=float)


def _same(want: Any, got: Any) -> bool:
    return bool(np.allclose(_floats(got), _floats(want), rtol=RTOL, atol=ATOL, equal_nan=True))


def classify(correct: Observation | BaseException, broken: Observation | BaseException) -> Outcome:
    if isinstance(correct, BaseException):
        raise RuntimeError(f"the correct code crashed in this case: {type(correct).__name__}: {correct}") from correct
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
        if not _same(want, got):
            outcome = Outcome.WRONG_VALUES
    return outcome


def _largest_difference(correct: Observation, broken: Observation) -> tuple[str | None, float]:
    key, largest = None, 0.0
    for name, want in correct.items():
        got = broken.get(name)
        if want is None or got is None or np.shape(want) != np.shape(got):
            continue
        diff = np.abs(_floats(got) - _floats(want))
        value = float(np.max(diff)) if diff.size else 0.0  # NaN when a NaN appeared: the largest news
        if key is None or (not np.isnan(largest) and (np.isnan(value) or value > largest)):
            key, largest = name, value
    return key, largest


def _observed_factor(want: Any, got: Any) -> float | None:
    """The one number f with got == f * want, if there is one (least squares, then checked)."""
    w, g = _floats(want).ravel(), _floats(got).ravel()
    if w.shape != g.shape or not np.all(np.isfinite(w)) or not np.all(np.isfinite(g)) or not np.any(w):
        return None
    factor = float(w @ g / (w @ w))
    return factor if np.allclose(g, factor * w, rtol=1e-6, atol=ATOL) else None


def measure(expect: Expect | None, correct: Observation, broken: Observation | BaseException) -> Measured:
    if isinstance(broken, BaseException):
        return Measured(expect_holds=expect is None)
    key, largest = _largest_difference(correct, broken)
    if expect is None:
        return Measured(key, largest)
    got, want = broken.get(expect.key), correct.get(expect.key)
    if expect.factor is not None:
        factor = None if got is None or want is None else _observed_factor(want, got)
        holds = factor is not None and bool(np.isclose(factor, expect.factor, rtol=1e-6))
        return Measured(key, largest, holds, factor=factor)
    return Measured(key, largest, got is not None and np.shape(got) == expect.shape)


def run_case(brk: Break, case: Case) -> CaseResult:
    with suspended():
        correct, correct_warnings = observe(case)
    with inject(brk.id):
        broken, broken_warnings = observe(case)
    outcome = classify(correct, broken)
    assert not isinstance(correct, BaseException)  # classify raised otherwise
    measured = measure(case.expect, correct, broken)
    return CaseResult(case, correct, broken, outcome, correct_warnings, broken_warnings, measured)


def run_cases(brk: Break, each: Callable[[int, CaseResult], None] | None = None) -> list[CaseResult]:
    """Every case of the break, in order; ``each(index, result)`` is called as each one finishes."""
    results = []
    for index, case in enumerate(brk.cases, 1):
        results.append(run_case(brk, case))
        if each is not None:
            each(index, results[-1])
    return results


# --------------------------------------------------------------------------- formatting


def describe_error(exc: BaseException) -> str:
    return f"{word('raised')}: {type(exc).__name__}: {exc}"


DECADES = 3  # values whose nonzero magnitudes span more decades than this are printed in scientific notation


def spans_decades(array: np.ndarray[Any, Any]) -> bool:
    """True when the nonzero finite magnitudes of ``array`` span more than :data:`DECADES` powers of ten.

    Fixed-point printing would show the small ones as ``0.`` (``[0. 0. 0.0463 9.8669]`` hides 12 decades).
    """
    if array.dtype.kind not in "fc":
        return False
    magnitudes = np.abs(array[np.isfinite(array)])
    magnitudes = magnitudes[magnitudes > 0]
    return magnitudes.size > 1 and float(np.log10(magnitudes.max() / magnitudes.min())) > DECADES


def describe_value(value: Any) -> str:
    if value is None:
        return word("no-grad")
    array = np.asarray(value)
    if array.ndim == 0:
        return str(array.item()) if array.dtype.kind == "b" else f"{array.item():.6g}"  # True/False: code
    scientific = spans_decades(array)
    body = np.array2string(
        array,
        precision=4,
        suppress_small=not scientific,
        max_line_width=10_000,
        threshold=12,
        floatmode="maxprec",
        formatter={"float_kind": lambda v: f"{v:.3e}"} if scientific else None,
    )
    return f"{' '.join(body.split())}  {word('shape')} {array.shape}"


@functools.cache
def _quantity_patterns(lang: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The measured quantities' English names as patterns (``{n}`` matches any text), with their ``lang`` text."""
    patterns = []
    for key, entry in catalog().items():
        if key.startswith("lab.quantity."):
            parts = re.split(r"\{(\w+)\}", entry["en"])
            regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
            patterns.append((re.compile(regex + "$"), template(key, lang)))
    return tuple(patterns)


def quantity(name: str, *, in_sentence: bool = False) -> str:
    """A case's name for a result, as the reader reads it: translated when it is a phrase (``"first step / lr"``),
    as it is when it is code (``a.grad``) or has no translation.  ``in_sentence``: a name that is code, inside a
    sentence of another language than English, is marked as code (``mayor diferencia inf en `loss```)."""
    chosen = current_lang()
    if chosen == "en":
        return name
    for pattern, shown in _quantity_patterns(chosen):
        found = pattern.match(name)
        if found:
            return shown.format(**found.groupdict())
    return f"`{name}`" if in_sentence and re.fullmatch(r"[A-Za-z_][\w.]*", name) else name


def describe(observation: Observation | BaseException) -> list[str]:
    if isinstance(observation, BaseException):
        return [describe_error(observation)]
    return [f"{quantity(key)} = {describe_value(value)}" for key, value in observation.items()]


def outcome_text(outcome: Outcome) -> str:
    return word(f"outcome.{outcome.value}")


def expect_text(expect: Expect) -> str:
    if expect.factor is not None:
        return word("factor").format(key=quantity(expect.key, in_sentence=True), factor=expect.factor)
    return word("shape-of").format(key=quantity(expect.key, in_sentence=True), shape=expect.shape)


def predicted_text(case: Case) -> str:
    ordered = sorted(case.predicted, key=lambda o: list(Outcome).index(o))
    text = f" {word('or')} ".join(outcome_text(o) for o in ordered)
    return f"{text}, {expect_text(case.expect)}" if case.expect is not None else text


def observed_text(result: CaseResult) -> str:
    text = outcome_text(result.outcome)
    m, expect = result.measured, result.case.expect
    if expect is not None and not isinstance(result.broken, BaseException):
        if expect.factor is not None:
            got = (
                word("factor").format(key=quantity(expect.key, in_sentence=True), factor=m.factor)
                if m.factor is not None
                else word("no-factor").format(key=quantity(expect.key, in_sentence=True))
            )
        else:
            shape = np.shape(np.asarray(result.broken.get(expect.key)))
            got = word("shape-of").format(key=quantity(expect.key, in_sentence=True), shape=shape)
        text += f", {got}"
    if result.outcome == Outcome.WRONG_VALUES and m.key is not None:
        text += f" ({word('max-diff').format(diff=m.max_abs_diff, key=quantity(m.key, in_sentence=True))})"
    elif result.outcome == Outcome.SAME:
        text += f" ({word('within-tol')})"
    return text


@functools.cache
def _comments(lang: str) -> dict[str, str]:
    """The case scripts' comments (their English text) -> their text in ``lang`` (``lab.comment.*``)."""
    return {entry["en"]: entry[lang] for key, entry in catalog().items() if key.startswith("lab.comment.")}


def script_comments(source: str) -> list[tuple[int, int, str]]:
    """Each comment of a Python source: (line, column, its text after ``#``), found by the tokenizer, so that a
    ``#`` inside a string is not taken for one."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(t.start[0], t.start[1], t.string[1:].strip()) for t in tokens if t.type == tokenize.COMMENT]


def procedure_source(case: Case) -> str:
    """The case's script for ``show`` and ``export``: verbatim in English; in another language, the same code with
    its comments in that language (the script on disk stays one runnable file)."""
    source = case.script.read_text(encoding="utf-8")
    chosen = current_lang()
    if chosen == "en":
        return source
    lines = source.splitlines(keepends=True)
    shown = _comments(chosen)
    for row, column, comment in script_comments(source):
        line = lines[row - 1]
        ending = line[len(line.rstrip("\r\n")) :]
        lines[row - 1] = f"{line[:column]}# {shown.get(comment, comment)}{ending}"
    return "".join(lines)


def render_case(index: int, result: CaseResult) -> str:
    lines = [f"{word('case')} {index}: {result.case.name()}"]
    correct, broken = describe(result.correct), describe(result.broken)
    warn = word("warning")
    lines += [f"  {word('correct')}:"] + [f"    {line}" for line in correct]
    lines += [f"    {warn}: {w}" for w in result.correct_warnings]
    lines += [f"  {word('broken')}:"] + [f"    {line}" for line in broken]
    lines += [f"    {warn}: {w}" for w in result.broken_warnings]
    verdict = word("holds" if result.hypothesis_holds else "fails")
    lines.append(f"  {word('predicted')}: {predicted_text(result.case)}")
    lines.append(f"  {word('observed-short')}: {observed_text(result)}   -> {verdict}")
    if result.case.note is not None:
        label = f"  {word('why')}: "
        lines += textwrap.wrap(result.case.note(), 104, initial_indent=label, subsequent_indent=" " * len(label))
    return "\n".join(lines)

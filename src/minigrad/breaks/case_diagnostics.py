"""The diagnostics, run on a break's probe: does each one fire on broken code, and stay silent on correct code?

Each diagnostic runs in isolation, with the engine's shape guard switched off
unless the diagnostic *is* the shape guard, so that one guard never takes the
credit for another.  A diagnostic that fires returns its own one-line
message; an unexpected exception is reported as a crash, not as a catch.

PyTorch is imported only when a diagnostic that compares with it runs (the crosscheck, and the own
checks of the modules family), through :func:`lab_torch`.  Without PyTorch installed, or under
:func:`without_torch` (``breaks export``), such a diagnostic is *skipped*: neither a catch nor a miss.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import enum
import functools
import inspect
import re
import types
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..diagnostics.crosscheck import crosscheck, import_torch
from ..diagnostics.grad_shape_check import grad_shape_problems
from ..diagnostics.gradcheck import gradcheck_report
from ..diagnostics.namespaces import MinigradFunctions
from ..engine import AnomalyError, GradShapeError, detect_anomaly, shape_check
from ..messages import catalog, current_lang, text
from ..scalar import Value
from ..tensor import Tensor
from .case_report import word
from .core import Break, Probe, inject, suspended


class Verdict(enum.Enum):
    FIRED = "fired"
    SILENT = "silent"
    CRASH = "crash"  # the probe itself failed in a way this diagnostic does not report
    NA = "n/a"
    SKIPPED = "skipped"  # it needs PyTorch, which is not installed (or this command does not import it)


TORCH_MISSING = "torch-missing"  # the word keys of the two reasons a PyTorch diagnostic is skipped
TORCH_NOT_HERE = "torch-not-here"


class TorchUnavailableError(Exception):
    """A diagnostic needs PyTorch and cannot have it; ``reason`` is a key of :mod:`.words`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_torch_allowed = contextvars.ContextVar("minigrad_breaks_torch_allowed", default=True)


@contextlib.contextmanager
def without_torch() -> Iterator[None]:
    """Diagnostics that need PyTorch are skipped inside this block, and PyTorch is never imported."""
    token = _torch_allowed.set(False)
    try:
        yield
    finally:
        _torch_allowed.reset(token)


def lab_torch() -> types.ModuleType:
    """PyTorch for a diagnostic, or :class:`TorchUnavailableError` saying why not (imported on the first call only)."""
    if not _torch_allowed.get():
        raise TorchUnavailableError(TORCH_NOT_HERE)
    try:
        return import_torch()
    except ImportError:
        raise TorchUnavailableError(TORCH_MISSING) from None


@dataclass(frozen=True)
class DiagnosticOutcome:
    """One diagnostic on one run of the probe (correct or broken code): its verdict, and its message when it fired.

    (The doctor's :class:`minigrad.doctor.compare.Finding` is another thing: what a check saw in a learner's engine.)
    """

    verdict: Verdict
    message: str = ""


def _tensors(probe: Probe) -> list[Tensor]:
    tensors = []
    for array in probe.arrays:
        array = np.asarray(array)
        tensors.append(Tensor(array, requires_grad=array.dtype.kind == "f"))
    return tensors


def _values(probe: Probe) -> list[Value]:
    return [Value(float(x)) for x in probe.arrays]


def _run_backward(probe: Probe) -> tuple[Any, list[Tensor]]:
    tensors = _tensors(probe)
    out = probe.fn(MinigradFunctions(), *tensors)
    w = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(w)
    return out, tensors


def shape_guard(probe: Probe) -> DiagnosticOutcome:
    """The engine's per-contribution shape check (on by default)."""
    if probe.scalar:
        return DiagnosticOutcome(Verdict.NA)
    with shape_check(True):
        try:
            _run_backward(probe)
        except GradShapeError as exc:
            return DiagnosticOutcome(Verdict.FIRED, f"GradShapeError: {exc}")
    return DiagnosticOutcome(Verdict.SILENT)


def grad_shapes(probe: Probe) -> DiagnosticOutcome:
    """The after-backward invariant ``grad.shape == data.shape`` (check_grad_shapes)."""
    if probe.scalar:
        return DiagnosticOutcome(Verdict.NA)
    with shape_check(False):
        _, tensors = _run_backward(probe)
    problems = grad_shape_problems(tensors)
    return DiagnosticOutcome(Verdict.FIRED, problems[0]) if problems else DiagnosticOutcome(Verdict.SILENT)


def gradcheck(probe: Probe) -> DiagnosticOutcome:
    """Central finite differences in float64 (minigrad.gradcheck)."""
    if probe.scalar:
        values = _values(probe)
        report = gradcheck_report(lambda *v: probe.fn(None, *v), values)
    else:
        with shape_check(False):
            tensors = _tensors(probe)
            report = gradcheck_report(lambda *t: probe.fn(MinigradFunctions(), *t), tensors)
    return DiagnosticOutcome(Verdict.SILENT) if report.ok else DiagnosticOutcome(Verdict.FIRED, report.message)


def crosscheck_torch(probe: Probe) -> DiagnosticOutcome:
    """The same function in PyTorch float64 (minigrad.crosscheck)."""
    if probe.scalar:
        return DiagnosticOutcome(Verdict.NA)
    lab_torch()  # skipped, saying how to get PyTorch, when it is not installed
    with shape_check(False):
        result = crosscheck(probe.fn, *probe.arrays, raise_exception=False)
    return DiagnosticOutcome(Verdict.SILENT) if result.ok else DiagnosticOutcome(Verdict.FIRED, result.message)


def anomaly(probe: Probe) -> DiagnosticOutcome:
    """NaN/Inf detection naming the op (minigrad.detect_anomaly)."""
    if probe.scalar:
        return DiagnosticOutcome(Verdict.NA)
    with detect_anomaly(), shape_check(False):
        try:
            _run_backward(probe)
        except AnomalyError as exc:
            return DiagnosticOutcome(Verdict.FIRED, f"AnomalyError: {exc}")
    return DiagnosticOutcome(Verdict.SILENT)


DIAGNOSTICS: dict[str, Callable[[Probe], DiagnosticOutcome]] = {
    "shape-guard": shape_guard,
    "grad-shapes": grad_shapes,
    "gradcheck": gradcheck,
    "crosscheck": crosscheck_torch,
    "anomaly": anomaly,
}


def _guarded(run: Callable[[], DiagnosticOutcome]) -> DiagnosticOutcome:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the verdicts report what matters; the cases show the warnings
        try:
            return run()
        except TorchUnavailableError as skipped:
            return DiagnosticOutcome(Verdict.SKIPPED, skipped.reason)
        except Exception as exc:
            return DiagnosticOutcome(Verdict.CRASH, f"{type(exc).__name__}: {exc}")


def _custom(check: Callable[[], bool | str]) -> DiagnosticOutcome:
    fired = check()
    if not fired:
        return DiagnosticOutcome(Verdict.SILENT)
    return DiagnosticOutcome(Verdict.FIRED, fired if isinstance(fired, str) else text("lab.check.failed"))


@dataclass(frozen=True)
class Row:
    """One diagnostic on one break: its verdict on correct code and with the break."""

    diagnostic: str
    claimed: bool
    correct: DiagnosticOutcome
    broken: DiagnosticOutcome

    @property
    def skipped(self) -> bool:
        return Verdict.SKIPPED in (self.correct.verdict, self.broken.verdict)

    @property
    def false_alarm(self) -> bool:
        return self.correct.verdict in (Verdict.FIRED, Verdict.CRASH)

    @property
    def caught(self) -> bool:
        return self.broken.verdict == Verdict.FIRED

    @property
    def ok(self) -> bool:
        """No false alarm, and a claimed diagnostic catches the break (or could not run here: skipped)."""
        return not self.false_alarm and (self.caught or not self.claimed or self.skipped)


def diagnose(brk: Break, each: Callable[[Row], None] | None = None) -> list[Row]:
    """Every diagnostic (the general ones and the break's own checks), on correct and broken code.

    ``each(row)`` is called as each diagnostic finishes.
    """
    runners: dict[str, Callable[[], DiagnosticOutcome]] = {}
    for name, diagnostic in DIAGNOSTICS.items():
        runners[name] = functools.partial(diagnostic, brk.probe)
    for name, check in brk.checks.items():
        runners[name] = functools.partial(_custom, check)
    unknown = [name for name in brk.catches if name not in runners]
    if unknown:
        raise ValueError(f"break {brk.id} claims unknown diagnostics {unknown}; known: {sorted(runners)}")
    rows = []
    for name, run in runners.items():
        with suspended():
            correct = _guarded(run)
        with inject(brk.id):
            broken = _guarded(run)
        if correct.verdict == Verdict.NA and name not in brk.catches:
            continue
        rows.append(Row(name, name in brk.catches, correct, broken))
        if each is not None:
            each(rows[-1])
    return rows


def verdict_word(row: Row, run: str) -> str:
    outcome = row.correct if run == "correct" else row.broken
    if outcome.verdict == Verdict.NA:
        return word("v.na")
    if outcome.verdict == Verdict.SKIPPED:
        return word("v.skipped")
    if run == "correct":
        return word("v.false-alarm" if row.false_alarm else "v.no-alarm")
    if outcome.verdict == Verdict.FIRED:
        return word("v.caught")
    if outcome.verdict == Verdict.CRASH:
        return word("v.failed")
    return word("v.NOT-CAUGHT" if row.claimed else "v.not-caught")


def _formula(fn: Callable[..., Any]) -> str | None:
    """The expression a probe computes, as code: a lambda's body, or a function's single ``return`` (None otherwise).

    Read from the source with :mod:`ast`, never cut at a comma (a lambda's body may span lines).
    """
    try:
        path = inspect.getsourcefile(fn)
        if path is None:
            return None
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (OSError, TypeError, SyntaxError):
        return None
    line = fn.__code__.co_firstlineno
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda) and node.lineno == line and fn.__name__ == "<lambda>":
            return ast.unparse(node.body)
        if isinstance(node, ast.FunctionDef) and node.name == fn.__name__ and node.lineno <= line:
            body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
                return ast.unparse(body[0].value)
            return None
    return None


def probe_label(brk: Break) -> str:
    """What the probe computes, for a reader: its formula as code (``(a + b) * w``), or a catalog text
    (``lab.probe_label.<name>``, from the function ``_probe_<name>``) when it is more than one formula or calls a
    private helper.  A private name (``_probe_reuse``) is never shown."""
    fn = brk.probe.fn
    name = fn.__name__.removeprefix("_probe_")
    if f"lab.probe_label.{name}" in catalog():
        return text(f"lab.probe_label.{name}")
    formula = _formula(fn)
    if formula is None or re.search(r"(?<![\w.])_\w", formula):
        raise ValueError(f"break {brk.id}: its probe {fn.__name__} needs a label lab.probe_label.{name} in lab.toml")
    arguments = fn.__code__.co_varnames[1 : fn.__code__.co_argcount]  # the first is the namespace F
    return f"`f({', '.join(arguments)}) = {formula}`"  # code, in any language


def probe_text(brk: Break) -> str:
    shapes = ", ".join(str(np.shape(a)) for a in brk.probe.arrays)
    return f"{word('probe')}: {probe_label(brk)} ({word('probe-inputs')} {shapes})"


def diagnostic_name(name: str) -> str:
    """A diagnostic's name (an id: shape-guard) and, under Spanish, what it is (a gloss from the catalog)."""
    if current_lang() == "en":
        return name
    gloss = text(f"lab.gloss.{name}" if name in DIAGNOSTICS else "lab.gloss.own")
    return f"{name} ({gloss})"

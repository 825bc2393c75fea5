"""Each break's cases and diagnostics, measured once per test session and shared by every test file.

A break's run is the expensive part of the lab's tests (its cases twice, its diagnostics twice); the
test files read the same results from here instead of measuring them again.  The command-line tests
use :func:`measured_once` so that ``show`` and ``verify`` print these results too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pytest

from minigrad import nn
from minigrad.breaks import Break, all_breaks, breaks_command
from minigrad.breaks import export as breaks_export
from minigrad.breaks.case_diagnostics import Row, diagnose
from minigrad.breaks.case_report import CaseResult, run_cases


@functools.cache
def cases(break_id: str) -> tuple[CaseResult, ...]:
    """The break's case results (correct code, then the break), run once per session."""
    return tuple(run_cases(all_breaks()[break_id]))


@functools.cache
def rows(break_id: str) -> tuple[Row, ...]:
    """The break's diagnostics (correct code, then the break), run once per session."""
    return tuple(diagnose(all_breaks()[break_id]))


def _cached_cases(brk: Break, each: Callable[[int, CaseResult], None] | None = None) -> list[CaseResult]:
    results = list(cases(brk.id))
    for index, result in enumerate(results, 1):
        if each is not None:
            each(index, result)
    return results


def _cached_rows(brk: Break, each: Callable[[Row], None] | None = None) -> list[Row]:
    results = list(rows(brk.id))
    for row in results:
        if each is not None:
            each(row)
    return results


def measured_once(monkeypatch: pytest.MonkeyPatch, diagnostics: bool = True) -> None:
    """Make the command line print the session's measurements instead of measuring again (the case results,
    and unless ``diagnostics=False`` the diagnostics too)."""
    monkeypatch.setattr(breaks_command, "run_cases", _cached_cases)
    monkeypatch.setattr(breaks_export, "run_cases", _cached_cases)
    if diagnostics:
        monkeypatch.setattr(breaks_command, "diagnose", _cached_rows)


def residual_block_grad_norms(depth: int) -> np.ndarray:
    """Each block's weight-gradient norm in ``depth`` blocks ``Residual(Sequential(Linear(16, 16), Tanh()))``,
    input side first (seeded as the residual-removed case scripts are)."""
    generator = np.random.default_rng(0)
    blocks = [nn.Residual(nn.Sequential(nn.Linear(16, 16, generator=generator), nn.Tanh())) for _ in range(depth)]
    model = nn.Sequential(*blocks)
    y = model(np.random.default_rng(1).standard_normal((8, 16)))
    (y * np.random.default_rng(2).standard_normal((8, 16))).sum().backward()
    return np.array([np.linalg.norm(block.fn[0].weight.grad) for block in model])

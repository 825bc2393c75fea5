"""``minigrad doctor``: examine a learner's own engine and name the bug it has::

    from minigrad.doctor import examine
    report = examine("path/to/tensor.py:Tensor")      # or "src.minigrad.tensor:Tensor"
    report.ok, [c.id for c in report.failing()], report.diagnosis[:1]

The learner's code runs in child processes (see :mod:`.runner`); their
outcomes are compared with minigrad's own (the reference) and matched against
the fingerprints of the breaks catalog (see :mod:`.fingerprints`, :mod:`.ranking`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from . import checks
from .fingerprints import load
from .outcome import outcome
from .ranking import Candidate, rank
from .report import EXIT_CODES, SCHEMA_VERSION, CheckResult, Report, example
from .runner import TargetError, not_measured_text, run_learner

__all__ = ["EXIT_CODES", "SCHEMA_VERSION", "Candidate", "CheckResult", "Report", "TargetError", "examine"]


def _arrays(obs: dict[str, Any] | None) -> dict[str, Any] | None:
    if obs is None:
        return None
    return {k: (np.asarray(v, dtype=float) if isinstance(v, (list, float, int)) else v) for k, v in obs.items()}


# Told each check group's results as the group finishes: (group, its checks' results); see :func:`examine`.
GroupProgress = Callable[[str, list[CheckResult]], None]


def _check_result(
    spec: checks.CheckSpec, raw: dict[str, Any], reference: Any, header: list[str] | None
) -> tuple[CheckResult, dict[str, Any]]:
    """One check's result and the outcome the diagnosis reads; no example when ``header`` is None."""
    if raw["status"] == "timeout":  # ran out of time: not measured, never a failure
        keys = ("limit", "seconds_per_op", "at", "gave_up", "crashes")
        info: dict[str, Any] = {k: raw[k] for k in keys if k in raw}
        note = not_measured_text(raw)
        missing = {"status": "notpresent", "missing": "(not measured)"}
        return CheckResult(spec.id, spec.group, "not measured", note=note, info=info), missing
    out = outcome(spec, raw, _arrays(reference))
    status = {"notpresent": "not present"}.get(out["status"], out["status"])
    result = CheckResult(
        spec.id,
        spec.group,
        status,
        out.get("findings", []),
        example(header, out) if status == "fail" and header is not None else "",
        out.get("failed_reps", 0),
        out.get("reps", 1),
        out.get("missing", ""),
        out.get("printed", 0),
        info={"exit": raw["exit"]} if "exit" in raw else {},
    )
    return result, out


def examine(
    target: str,
    *,
    cwd: str | None = None,
    scalar: bool | None = None,
    adapter: str | None = None,
    limits: dict[str, float] | None = None,
    progress: GroupProgress | None = None,
) -> Report:
    """Run every check on ``target`` (``module:Class`` or ``path/to/file.py:Class``, from ``cwd``) and diagnose.

    ``scalar``: True or False forces the kind of engine; None decides it by behaviour.  ``limits``: seconds per
    check group, ``import``, ``probe`` and ``default`` (see :mod:`.runner`).  ``progress(group, results)`` hears
    of each check group as it finishes, while the others still run (from a worker thread; two may call it at
    once).  The texts speak the current language (:func:`minigrad.messages.current_lang`; ``with
    using_lang("es"): examine(...)``).  Raises :class:`TargetError` when the target cannot be examined at all
    (its ``key`` and ``fields`` say why; ``str()`` in words)."""
    cwd = os.path.abspath(cwd or os.getcwd())
    load()  # the stored fingerprints, read once here rather than by two worker threads at once
    on_group = None
    if progress is not None:
        told = progress

        def on_group(group: str, raw: dict[str, Any], api: dict[str, Any]) -> None:
            # the runner calls this from a worker thread that runs in a copy of this context: same language
            kind = "scalar" if api["scalar"] else "tensor"
            specs = [s for s in checks.checks_for(bool(api["scalar"])) if s.group == group]
            reference = load()[kind]["reference"]
            ran = [s for s in specs if s.id in raw]
            told(group, [_check_result(s, raw[s.id], reference.get(s.id), None)[0] for s in ran])

    run = run_learner(target, cwd, scalar=scalar, adapter=adapter, limits=limits, on_group=on_group)
    is_scalar = bool(run.api["scalar"])
    data = load()["scalar" if is_scalar else "tensor"]
    outcomes: dict[str, dict[str, Any]] = {}
    results = []
    for spec in checks.checks_for(is_scalar):
        raw = run.results.get(spec.id, {"status": "error", "error": "no result", "lines": []})
        result, outcomes[spec.id] = _check_result(spec, raw, data["reference"].get(spec.id), run.header)
        results.append(result)
    diagnosis = rank(outcomes, data["breaks"], is_scalar)  # none when no check produced a gradient
    return Report(target, is_scalar, run.api, results, diagnosis, round(run.seconds, 2))

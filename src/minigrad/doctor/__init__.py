"""``minigrad doctor``: examine a learner's own engine and name the bug it has::

    from minigrad.doctor import examine
    report = examine("path/to/tensor.py:Tensor")      # or "src.minigrad.tensor:Tensor"
    report.ok, [c.id for c in report.failing()], report.diagnosis[:1]

The learner's code runs in child processes (see :mod:`.runner`); their
outcomes are compared with minigrad's own (the reference) and matched against
the fingerprints of the breaks catalog (see :mod:`.fingerprints`, :mod:`.diagnose`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import checks
from .diagnose import Candidate, rank
from .fingerprints import load
from .outcome import outcome
from .report import EXIT_CODES, SCHEMA_VERSION, CheckResult, Report, example
from .runner import TargetError, not_measured_text, run_learner

__all__ = ["EXIT_CODES", "SCHEMA_VERSION", "Candidate", "CheckResult", "Report", "TargetError", "examine"]


def _arrays(obs: dict[str, Any] | None) -> dict[str, Any] | None:
    if obs is None:
        return None
    return {k: (np.asarray(v, dtype=float) if isinstance(v, (list, float, int)) else v) for k, v in obs.items()}


def examine(
    target: str,
    *,
    cwd: str | None = None,
    scalar: bool | None = None,
    adapter: str | None = None,
    lang: str = "en",
    limits: dict[str, float] | None = None,
) -> Report:
    """Run every check on ``target`` (``module:Class`` or ``path/to/file.py:Class``, from ``cwd``) and diagnose.

    ``scalar``: True or False forces the kind of engine; None decides it by behaviour.  ``limits``: seconds per
    check group, ``import``, ``probe`` and ``default`` (see :mod:`.runner`).  Raises :class:`TargetError` when
    the target cannot be examined at all (its ``key`` and ``fields`` say why; ``text(lang)`` in words)."""
    cwd = os.path.abspath(cwd or os.getcwd())
    run = run_learner(target, cwd, scalar=scalar, adapter=adapter, limits=limits, lang=lang)
    is_scalar = bool(run.api["scalar"])
    data = load()["scalar" if is_scalar else "tensor"]
    outcomes: dict[str, dict[str, Any]] = {}
    results = []
    for spec in checks.checks_for(is_scalar):
        raw = run.results.get(spec.id, {"status": "error", "error": "no result", "lines": []})
        if raw["status"] == "timeout":  # ran out of time: not measured, never a failure
            keys = ("limit", "seconds_per_op", "at", "gave_up", "crashes")
            info: dict[str, Any] = {k: raw[k] for k in keys if k in raw}
            note = not_measured_text(raw, lang)
            results.append(CheckResult(spec.id, spec.group, "not measured", note=note, info=info))
            outcomes[spec.id] = {"status": "notpresent", "missing": "(not measured)"}
            continue
        out = outcome(spec, raw, _arrays(data["reference"].get(spec.id)))
        outcomes[spec.id] = out
        status = {"notpresent": "not present"}.get(out["status"], out["status"])
        results.append(
            CheckResult(
                spec.id,
                spec.group,
                status,
                out.get("findings", []),
                example(run.header, out, lang) if status == "fail" else "",
                out.get("failed_reps", 0),
                out.get("reps", 1),
                out.get("missing", ""),
                out.get("printed", 0),
                info={"exit": raw["exit"]} if "exit" in raw else {},
            )
        )
    # No check produced a gradient (each one that ran died or raised): nothing to match a fingerprint against.
    produced = any(
        o["status"] == "pass" or any(f["kind"] != "error" for f in o.get("findings", [])) for o in outcomes.values()
    )
    diagnosis = rank(outcomes, data["breaks"]) if produced else []
    return Report(target, is_scalar, run.api, results, diagnosis, round(run.seconds, 2))

"""A check's outcome: pass, fail (with findings), not present; the same shape for learners and fingerprints."""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import CheckSpec
from .compare import Finding, compare_obs, error_finding


def to_json(value: Any) -> Any:
    """Observations as JSON: arrays become nested lists (a 0-d array a float)."""
    if isinstance(value, np.ndarray):
        return value.astype(float).tolist()
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [to_json(v) for v in value]
    return value


def outcome(spec: CheckSpec, result: dict[str, Any], expected: dict[str, Any] | None) -> dict[str, Any]:
    """``{"status": pass|fail|notpresent|slow, "findings": [...], "failed_reps": n, "reps": n, ...}``."""
    status = result["status"]
    if status == "notpresent":
        return {"status": "notpresent", "missing": result.get("missing", "")}
    if expected is None and spec.oracle == "reference":  # nothing to compare with: never a vacuous pass
        return {"status": "notpresent", "missing": "(no reference)"}
    reps = result.get("reps") or [result]
    findings_per_rep: list[list[Finding]] = []
    for rep in reps:
        if rep["status"] == "notpresent":
            continue
        if rep["status"] == "error":
            findings_per_rep.append([error_finding(str(rep.get("error", "")))])
        else:
            findings_per_rep.append(compare_obs(expected or {}, rep["obs"], spec.oracle))
    failing = [f for f in findings_per_rep if f]
    printed = max(int(rep.get("printed", 0)) for rep in reps)
    if not failing:
        return {"status": "pass", "reps": len(findings_per_rep), "printed": printed}
    if spec.group == "deep-100000" and failing[0][0].error == "timeout":
        return {"status": "slow", "error": failing[0][0].message}
    first_bad = next(i for i, f in enumerate(findings_per_rep) if f)
    bad = reps[first_bad]
    # Runs with fresh objects that pass and fail, or fail with other numbers: the engine's result depends on
    # memory addresses (a set's order), and a pasted example may print other numbers than this run's.
    seen = {repr([to_json(f.got) for f in findings]) for findings in findings_per_rep}
    varies = len(seen) > 1
    return {
        "status": "fail",
        "findings": [to_json(f.as_dict()) for f in failing[0]],
        "failed_reps": len(failing),
        "reps": len(findings_per_rep),
        "lines": bad.get("lines", []),
        "where": bad.get("where", ""),
        "printed": printed,
        "varies": varies,
    }

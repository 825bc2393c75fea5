"""no-warmup: its own check, the run doctor on the log of the case's short run."""

from __future__ import annotations

from pathlib import Path

from ...shared.training import run_doctor_check

CHECKS = {"run-doctor": run_doctor_check(Path(__file__).parent / "cases" / "short-run.py", "spike_without_warmup")}

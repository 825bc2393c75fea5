"""causal-mask-all-ones: its own checks, the attention family's causality probe and the run doctor on the log of
the case's run."""

from __future__ import annotations

from pathlib import Path

from ...shared.attention_probes import PROBE_CHECKS
from ...shared.training import run_doctor_check

CHECKS = {
    "causality-probe": PROBE_CHECKS["causality-probe"],
    "run-doctor": run_doctor_check(Path(__file__).parent / "cases" / "short-run.py", "train_val_divergence"),
}

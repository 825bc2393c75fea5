"""What the phase-19 training breaks share: their own check, the run doctor on the log of their case's run.

The case script (``cases/<id>.py``) trains the lab's small MiniGPT for a few dozen steps with
:func:`minigrad.training.loop.train` and asks :func:`minigrad.run_doctor.diagnose` about its log; the check
runs that same script and reads its ``verdict``, so the run it judges is the one the page describes.
"""

from __future__ import annotations

import contextlib
import io
import runpy
from pathlib import Path
from typing import Any

from ...messages import text
from ..case_report import CASE_RUN_NAME, as_public_package
from ..core import Check


def _case_verdict(script: Path) -> dict[str, Any]:
    with as_public_package(), contextlib.redirect_stdout(io.StringIO()):
        namespace = runpy.run_path(str(script), run_name=CASE_RUN_NAME)
    verdict: dict[str, Any] = namespace["verdict"]
    return verdict


def run_doctor_check(script: Path, expected: str) -> Check:
    """Silent when the run doctor calls the case's run healthy; the verdict line when it names ``expected``.

    Any other verdict is an error, not a catch: on correct code it is a false alarm, under the break a
    misnamed failure, and ``breaks verify`` fails on both.
    """

    def check() -> str:
        from ...run_doctor import verdict_line

        verdict = _case_verdict(script)
        if verdict["verdict"] == "healthy":
            return ""
        line = verdict_line(verdict)
        if verdict["verdict"] != expected:
            raise RuntimeError(text("lab.run_doctor_misnamed", line=line, expected=expected))
        return line

    return check

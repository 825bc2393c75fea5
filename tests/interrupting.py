"""Stop a real training command with a real SIGINT once its log holds a chosen number of steps."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def sigint_after_logged_steps(
    command: Sequence[str], log: Path, steps: int, env: Mapping[str, str], wait_s: float = 120
) -> tuple[int, str, str]:
    """Start ``command``, send it SIGINT once ``log`` has ``steps`` lines (or it ends), and return (status, out, err).

    The log is polled every 2 ms: the signal lands at that step or a few steps later, which is what a learner's
    Ctrl-C does too; the tests only need the stop to fall somewhere inside the run.
    """
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(env))
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and log.read_text("utf-8").count("\n") >= steps:
            break
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err

"""Hostile: importing it forks a worker and starts a subprocess, both sleeping; their pids go to $DOCTOR_PIDS."""

import os
import subprocess
import sys
import time

from tiny_value import Value  # noqa: F401 - the doctor's target

_worker = os.fork()
if _worker == 0:
    time.sleep(120)
    os._exit(0)
_sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
with open(os.environ["DOCTOR_PIDS"], "a") as _f:
    _f.write(f"{_worker}\n{_sleeper.pid}\n")

"""Hostile: backward() kills its own process with SIGSEGV (as a crashing C extension would)."""

import os
import signal

import tiny_value
from tiny_value import Value  # noqa: F401 - the doctor's target

tiny_value.ON_BACKWARD = lambda: os.kill(os.getpid(), signal.SIGSEGV)

"""Hostile: importing it takes 30 s (a sleep at the top level)."""

import time

from tiny_value import Value  # noqa: F401 - the doctor's target

time.sleep(30)

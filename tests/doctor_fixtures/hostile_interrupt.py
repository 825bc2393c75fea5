"""Hostile: backward() raises KeyboardInterrupt."""

import tiny_value
from tiny_value import Value  # noqa: F401 - the doctor's target


def _interrupt():
    raise KeyboardInterrupt


tiny_value.ON_BACKWARD = _interrupt

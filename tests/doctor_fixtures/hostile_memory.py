"""Hostile: backward() asks for 16 GiB (the doctor's memory limit must refuse it, not the machine)."""

import tiny_value
from tiny_value import Value  # noqa: F401 - the doctor's target


def _hog():
    return bytearray(16 * 2**30)


tiny_value.ON_BACKWARD = _hog

"""Hostile: backward() calls sys.exit(3)."""

import sys

import tiny_value
from tiny_value import Value  # noqa: F401 - the doctor's target

tiny_value.ON_BACKWARD = lambda: sys.exit(3)

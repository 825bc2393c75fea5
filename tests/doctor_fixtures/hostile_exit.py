"""Hostile: backward() ends the process with os._exit(3)."""

import os

import tiny_value
from tiny_value import Value  # noqa: F401 - the doctor's target

tiny_value.ON_BACKWARD = lambda: os._exit(3)

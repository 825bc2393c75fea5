"""Hostile: importing it imports a dependency that takes 30 s to import (as ``import torch`` may, under load)."""

import slow_dependency  # noqa: F401
from tiny_value import Value  # noqa: F401 - the doctor's target

"""minigrad: a small NumPy autograd engine you can read in an afternoon and trust with your gradients.

>>> from minigrad import Tensor
>>> a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (a * a).sum().backward()
>>> a.grad
array([2., 4., 6.])
"""

import importlib
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from .diagnostics import (
    CrosscheckError,
    GradcheckError,
    check_grad_shapes,
    crosscheck,
    gradcheck,
    gradcheck_report,
    gradgradcheck,
)
from .engine import (
    AnomalyError,
    GradShapeError,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_shape_check,
    shape_check,
)
from .ops.elementwise import maximum, minimum, where
from .ops.shape import cat, stack
from .tensor import Tensor
from .unbroadcast import unbroadcast

float32 = np.float32
float64 = np.float64

__version__ = "0.1.0"

__all__ = [
    "AnomalyError",
    "CrosscheckError",
    "GradShapeError",
    "GradcheckError",
    "Tensor",
    "cat",
    "check_grad_shapes",
    "checkpoint",
    "crosscheck",
    "data",
    "detect_anomaly",
    "enable_grad",
    "float32",
    "float64",
    "functional",
    "gradcheck",
    "gradcheck_report",
    "gradgradcheck",
    "is_grad_enabled",
    "manual_seed",
    "maximum",
    "minimum",
    "nn",
    "no_grad",
    "optim",
    "scalar",
    "set_shape_check",
    "shape_check",
    "stack",
    "unbroadcast",
    "viz",
    "where",
]

if TYPE_CHECKING:
    from . import checkpoint, data, functional, nn, optim, scalar, viz
    from .nn.init import manual_seed

# Submodules load on first use (``minigrad.nn``, ``import minigrad.optim``...): ``import minigrad`` loads the
# engine, the ops and the checks, not the layers, the lab (breaks), the doctor or the training wing.
_LAZY_SUBMODULES = frozenset(
    {"breaks", "checkpoint", "data", "doctor", "functional", "nn", "optim", "scalar", "training", "viz"}
)


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "manual_seed":
        return importlib.import_module(f"{__name__}.nn.init").manual_seed
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_SUBMODULES, "manual_seed"})


# MINIGRAD_BREAK=<id>[,<id>...] (or a mystery's MINIGRAD_MYSTERY token) switches breaks on for the whole
# process (see minigrad.breaks); the lab's mechanism is imported only then.
if os.environ.get("MINIGRAD_BREAK", "").strip() or os.environ.get("MINIGRAD_MYSTERY", "").strip():
    from .breaks.core import apply_from_env as _apply_breaks_from_env

    _apply_breaks_from_env()

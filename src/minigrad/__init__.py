"""minigrad: a small NumPy autograd engine you can read in an afternoon and trust with your gradients.

>>> from minigrad import Tensor
>>> a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (a * a).sum().backward()
>>> a.grad
array([2., 4., 6.])
"""

import numpy as np

from . import checkpoint, data, functional, nn, optim, scalar, viz
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
from .nn.init import manual_seed
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

# MINIGRAD_BREAK=<id>[,<id>...] switches breaks on for the whole process (see minigrad.breaks).
from .breaks.core import apply_from_env as _apply_breaks_from_env  # noqa: E402

_apply_breaks_from_env()

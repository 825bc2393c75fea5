"""Functional spellings of the neural-network ops, imported as ``F`` in examples.

``import minigrad.functional as F`` mirrors ``torch.nn.functional`` for the
functions minigrad has.
"""

from .ops import elementwise as _elementwise
from .ops.attention import scaled_dot_product_attention
from .ops.elementwise import gelu, relu, sigmoid, softplus, tanh
from .ops.nn import cross_entropy, linear, log_softmax, mse_loss, softmax
from .ops.registry import UNARY_OPS as _UNARY_OPS

# Every declared elementwise op (minigrad.ops.registry), under its own name: F.exp, F.softplus...
globals().update({_name: getattr(_elementwise, _name) for _name in _UNARY_OPS})

__all__ = [
    "cross_entropy",
    "gelu",
    "linear",
    "log_softmax",
    "mse_loss",
    "relu",
    "scaled_dot_product_attention",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
    *(_name for _name in _UNARY_OPS if _name not in ("relu", "sigmoid", "softplus", "tanh")),
]

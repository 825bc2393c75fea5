"""Functional spellings of the neural-network ops, imported as ``F`` in examples.

``import minigrad.functional as F`` mirrors ``torch.nn.functional`` for the
functions minigrad has.
"""

from .ops.attention import scaled_dot_product_attention
from .ops.elementwise import gelu, relu, sigmoid, tanh
from .ops.nn import cross_entropy, linear, log_softmax, mse_loss, softmax

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
    "tanh",
]

"""``minigrad.nn``: modules, layers and initialization, with PyTorch's names and semantics.

>>> import numpy as np
>>> from minigrad import nn
>>> nn.init.manual_seed(0)  # doctest: +ELLIPSIS
Generator(PCG64) at 0x...
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
>>> model
Sequential(
  (0): Linear(in_features=4, out_features=8, bias=True)
  (1): ReLU()
  (2): Linear(in_features=8, out_features=3, bias=True)
)
>>> [name for name, _ in model.named_parameters()]
['0.weight', '0.bias', '2.weight', '2.bias']
>>> loss = nn.CrossEntropyLoss()(model(np.ones((2, 4))), np.array([0, 2]))
>>> loss.backward()
>>> model[0].weight.grad.shape
(8, 4)
"""

from . import init
from .activations import GELU, ReLU, Sigmoid, Softmax, Tanh
from .attention import MultiheadAttention
from .init import manual_seed
from .layers import Dropout, Embedding, Flatten, Identity, Linear, Residual, Sequential
from .losses import CrossEntropyLoss, MSELoss
from .module import IncompatibleKeys, Module, ModuleList, RemovableHandle, StateDictError
from .normalization import BatchNorm1d, LayerNorm, RMSNorm
from .parameter import Parameter
from .positional import LearnedPositionalEmbedding, RotaryEmbedding, SinusoidalPositionalEncoding
from .transformer import MiniGPT, TransformerBlock

__all__ = [
    "GELU",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "Identity",
    "IncompatibleKeys",
    "LayerNorm",
    "LearnedPositionalEmbedding",
    "Linear",
    "MSELoss",
    "MiniGPT",
    "Module",
    "ModuleList",
    "MultiheadAttention",
    "Parameter",
    "RMSNorm",
    "ReLU",
    "RemovableHandle",
    "Residual",
    "RotaryEmbedding",
    "Sequential",
    "Sigmoid",
    "SinusoidalPositionalEncoding",
    "Softmax",
    "StateDictError",
    "Tanh",
    "TransformerBlock",
    "init",
    "manual_seed",
]

"""Optimizers, learning-rate schedules and gradient clipping, named as in ``torch.optim``.

>>> import minigrad.nn as nn, minigrad.optim as optim
>>> model = nn.Linear(3, 1)
>>> opt = optim.Adam(model.parameters(), lr=1e-2)
>>> # loop: opt.zero_grad(); loss = ...; loss.backward(); opt.step()

Every step runs under :func:`minigrad.no_grad` and changes the parameters'
arrays in place: it records no graph, and a backward through a graph built
before the step raises (the parameters' version counters changed).
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .clip import clip_grad_norm_
from .lr_scheduler import CosineAnnealingLR, LinearLR, LRScheduler, WarmupCosine
from .optimizer import Optimizer
from .sgd import SGD

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "LRScheduler",
    "LinearLR",
    "Optimizer",
    "WarmupCosine",
    "clip_grad_norm_",
    "lr_scheduler",
]

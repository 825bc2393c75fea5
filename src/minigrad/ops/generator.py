"""minigrad's default random generator: what init functions, layers and dropout draw from when given none.

It lives with the ops, below the layers, so that an op that draws
(attention's dropout) needs nothing from ``nn``; ``minigrad.nn.init``
re-exports :func:`manual_seed`, :func:`default_generator` and
:func:`resolve_generator`.
"""

from __future__ import annotations

import numpy as np

from ..messages import text

_default_generator: np.random.Generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed minigrad's default generator (init functions, layer constructors, Dropout); return it."""
    global _default_generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(text("tensor.seed_type", type=type(seed).__name__))
    if seed < 0:
        raise ValueError(text("tensor.seed_negative", seed=seed))
    _default_generator = np.random.default_rng(int(seed))
    return _default_generator


def default_generator() -> np.random.Generator:
    """The generator used when none is passed (a function, so that it sees :func:`manual_seed`)."""
    return _default_generator


def resolve_generator(fn: str, generator: np.random.Generator | None) -> np.random.Generator:
    """``generator``, or the default one when it is None; anything else is a ``TypeError`` naming ``fn``."""
    if generator is None:
        return _default_generator
    if not isinstance(generator, np.random.Generator):
        raise TypeError(text("tensor.generator_type", fn=fn, type=type(generator).__name__))
    return generator

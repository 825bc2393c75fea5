"""A functional engine whose backward is spelled ``backprop(y)``: without an adapter, no check can run.

Written for the doctor's runner tests.
"""

from functional import Node, add, mul, variable  # noqa: F401 - the engine's API, re-exported


def backprop(root):
    import functional

    functional.backward(root)

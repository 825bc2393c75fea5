"""A functional-API engine: ``variable(1.3)``, ``mul(x, y)``, ``constant(0.7)``, ``backward(y)``; no operators.

Written for the doctor's runner tests: nodes are plain records, every op a module-level function.
"""

import math


class Node:
    def __init__(self, data, parents=(), local=(), requires_grad=True):
        self.data = float(data)
        self.grad = 0.0 if requires_grad else None
        self.parents = parents
        self.local = local  # d(self)/d(parent), one per parent


def variable(x):
    return Node(x)


def constant(x):
    return Node(x, requires_grad=False)


def _lift(v):
    return v if isinstance(v, Node) else constant(v)


def add(a, b):
    a, b = _lift(a), _lift(b)
    return Node(a.data + b.data, (a, b), (1.0, 1.0))


def sub(a, b):
    a, b = _lift(a), _lift(b)
    return Node(a.data - b.data, (a, b), (1.0, -1.0))


def mul(a, b):
    a, b = _lift(a), _lift(b)
    return Node(a.data * b.data, (a, b), (b.data, a.data))


def div(a, b):
    a, b = _lift(a), _lift(b)
    return Node(a.data / b.data, (a, b), (1.0 / b.data, -a.data / b.data**2))


def exp(a):
    e = math.exp(a.data)
    return Node(e, (a,), (e,))


def tanh(a):
    t = math.tanh(a.data)
    return Node(t, (a,), (1 - t * t,))


def log(a):
    return Node(math.log(a.data), (a,), (1.0 / a.data,))


def _topological(root):
    """Every node before the nodes it feeds (an iterative depth-first walk: deep chains need no recursion)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents)
    return order


def backward(root):
    order = _topological(root)
    for n in order:
        if n.parents:
            n.grad = 0.0  # an intermediate's gradient is this backward's alone
    root.grad = 1.0
    for n in reversed(order):
        for p, d in zip(n.parents, n.local):
            if p.grad is not None:
                p.grad += d * n.grad

"""A functional scalar engine: ``x = variable(1.3)``, ``y = mul(x, constant(0.7))``, ``backward(y)``, ``x.grad``.

Written for the doctor's evaluation corpus (tests/engines/corpus): correct as it stands; its bugs are
the mutations listed in manifest.py.  Each op records its inputs and their local derivatives, computed
during the forward pass; ``backward`` walks the graph once in reverse topological order.
"""

import math


class Node:
    """One number in the graph: ``value``, ``grad``, the nodes it came from and d(self)/d(parent)."""

    def __init__(self, value, parents=(), local_grads=(), trainable=True):
        self.value = float(value)
        self.grad = 0.0
        self.parents = parents
        self.local_grads = local_grads
        self.trainable = trainable

    def __repr__(self):
        return f"Node({self.value}, grad={self.grad})"


def variable(value):
    return Node(value)


def constant(value):
    return Node(value, trainable=False)


def lift(x):
    return x if isinstance(x, Node) else constant(x)


def add(a, b):
    a, b = lift(a), lift(b)
    return Node(a.value + b.value, (a, b), (1.0, 1.0))


def sub(a, b):
    a, b = lift(a), lift(b)
    return Node(a.value - b.value, (a, b), (1.0, -1.0))


def mul(a, b):
    a, b = lift(a), lift(b)
    return Node(a.value * b.value, (a, b), (b.value, a.value))


def div(a, b):
    a, b = lift(a), lift(b)
    return Node(a.value / b.value, (a, b), (1.0 / b.value, -a.value / b.value**2))


def neg(a):
    a = lift(a)
    return Node(-a.value, (a,), (-1.0,))


def power(a, k):
    a = lift(a)
    return Node(a.value**k, (a,), (k * a.value ** (k - 1),))


def exp(a):
    a = lift(a)
    e = math.exp(a.value)
    return Node(e, (a,), (e,))


def log(a):
    a = lift(a)
    return Node(math.log(a.value), (a,), (1.0 / a.value,))


def tanh(a):
    a = lift(a)
    t = math.tanh(a.value)
    return Node(t, (a,), (1.0 - t * t,))


def sigmoid(a):
    a = lift(a)
    if a.value >= 0:
        s = 1.0 / (1.0 + math.exp(-a.value))
    else:
        z = math.exp(a.value)
        s = z / (1.0 + z)
    return Node(s, (a,), (s * (1.0 - s),))


def relu(a):
    a = lift(a)
    return Node(max(a.value, 0.0), (a,), (1.0 if a.value > 0 else 0.0,))


def topological_order(root):
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            for parent in node.parents:
                if id(parent) not in visited:
                    stack.append((parent, False))
    return order


def backward(root):
    order = topological_order(root)
    for node in order:
        if node.parents:
            node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad


def zero_grad(*nodes):
    for node in nodes:
        node.grad = 0.0

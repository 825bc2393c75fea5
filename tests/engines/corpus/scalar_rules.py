"""A scalar engine in a personal style: ``Scalar(v)`` with ``.val``, ops as methods, and a rule list per node.

Written for the doctor's evaluation corpus (tests/engines/corpus): correct as it stands; its bugs are
the mutations listed in manifest.py.  Each node keeps ``inputs`` and ``rules``: ``rules[i](g)`` is
the gradient that flows to ``inputs[i]`` when ``g`` arrives at the node.
"""

import math


class Scalar:
    def __init__(self, val, inputs=(), rules=()):
        self.val = float(val)
        self.grad = 0.0
        self.inputs = list(inputs)
        self.rules = list(rules)

    def __repr__(self):
        return f"Scalar({self.val:.4f})"

    @staticmethod
    def of(x):
        return x if isinstance(x, Scalar) else Scalar(x)

    def __add__(self, other):
        other = Scalar.of(other)
        return Scalar(self.val + other.val, [self, other], [lambda g: g, lambda g: g])

    def __mul__(self, other):
        other = Scalar.of(other)
        a, b = self.val, other.val
        return Scalar(a * b, [self, other], [lambda g: g * b, lambda g: g * a])

    def __truediv__(self, other):
        other = Scalar.of(other)
        a, b = self.val, other.val
        return Scalar(a / b, [self, other], [lambda g: g / b, lambda g: -g * a / (b * b)])

    def __sub__(self, other):
        other = Scalar.of(other)
        return Scalar(self.val - other.val, [self, other], [lambda g: g, lambda g: -g])

    def __neg__(self):
        return Scalar(-self.val, [self], [lambda g: -g])

    def __pow__(self, k):
        x = self.val
        return Scalar(x**k, [self], [lambda g: g * k * x ** (k - 1)])

    def __radd__(self, other):
        return Scalar.of(other) + self

    def __rmul__(self, other):
        return Scalar.of(other) * self

    def __rsub__(self, other):
        return Scalar.of(other) - self

    def __rtruediv__(self, other):
        return Scalar.of(other) / self

    def exp(self):
        e = math.exp(self.val)
        return Scalar(e, [self], [lambda g: g * e])

    def log(self):
        x = self.val
        return Scalar(math.log(x), [self], [lambda g: g / x])

    def tanh(self):
        t = math.tanh(self.val)
        return Scalar(t, [self], [lambda g: g * (1 - t * t)])

    def relu(self):
        on = self.val > 0
        return Scalar(self.val if on else 0.0, [self], [lambda g: g if on else 0.0])

    def backward(self):
        # Kahn's algorithm: a node is processed once every node that uses it has passed its gradient on
        users = {}
        stack, seen = [self], {id(self)}
        while stack:
            node = stack.pop()
            for inp in node.inputs:
                users[id(inp)] = users.get(id(inp), 0) + 1
                if id(inp) not in seen:
                    seen.add(id(inp))
                    stack.append(inp)
        pending = {id(self): 1.0}
        ready = [self]
        while ready:
            node = ready.pop()
            g = pending.pop(id(node))
            node.grad = g if node.inputs else node.grad + g
            for inp, rule in zip(node.inputs, node.rules):
                pending[id(inp)] = pending.get(id(inp), 0.0) + rule(g)
                users[id(inp)] -= 1
                if users[id(inp)] == 0:
                    ready.append(inp)

    def zero_grad(self):
        self.grad = 0.0

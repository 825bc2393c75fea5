"""A scalar engine written with ``__slots__`` and the ``operator`` module: one generic builder for binary ops.

Written for the doctor's held-out corpus (tests/engines/corpus): correct as it stands; its bugs are the
mutations listed in manifest.py (HELDOUT).  A ``Num`` holds its value, its gradient, its children and a
``back`` function that, given the node, adds into its children's gradients.
"""

import math
import operator

# partial derivatives (d/da, d/db) of each binary op at a, b
PARTIALS = {
    operator.add: lambda a, b: (1.0, 1.0),
    operator.sub: lambda a, b: (1.0, -1.0),
    operator.mul: lambda a, b: (b, a),
    operator.truediv: lambda a, b: (1.0 / b, -a / (b * b)),
}


class Num:
    __slots__ = ("v", "grad", "children", "back")

    def __init__(self, v, children=(), back=None):
        self.v = float(v)
        self.grad = 0.0
        self.children = children
        self.back = back

    def __repr__(self):
        return f"Num({self.v!r})"

    @property
    def data(self):
        return self.v

    def _binary(self, other, fn, swap=False):
        other = other if isinstance(other, Num) else Num(other)
        a, b = (other, self) if swap else (self, other)
        da, db = PARTIALS[fn](a.v, b.v)

        def back(node):
            a.grad += da * node.grad
            b.grad += db * node.grad

        return Num(fn(a.v, b.v), (a, b), back)

    def _unary(self, value, d):
        def back(node):
            self.grad += d * node.grad

        return Num(value, (self,), back)

    def __add__(self, other):
        return self._binary(other, operator.add)

    def __radd__(self, other):
        return self._binary(other, operator.add, swap=True)

    def __sub__(self, other):
        return self._binary(other, operator.sub)

    def __rsub__(self, other):
        return self._binary(other, operator.sub, swap=True)

    def __mul__(self, other):
        return self._binary(other, operator.mul)

    def __rmul__(self, other):
        return self._binary(other, operator.mul, swap=True)

    def __truediv__(self, other):
        return self._binary(other, operator.truediv)

    def __rtruediv__(self, other):
        return self._binary(other, operator.truediv, swap=True)

    def __neg__(self):
        return self._unary(-self.v, -1.0)

    def __pow__(self, k):
        return self._unary(self.v**k, k * self.v ** (k - 1))

    def exp(self):
        e = math.exp(self.v)
        return self._unary(e, e)

    def log(self):
        return self._unary(math.log(self.v), 1.0 / self.v)

    def tanh(self):
        t = math.tanh(self.v)
        return self._unary(t, 1.0 - t * t)

    def relu(self):
        return self._unary(max(self.v, 0.0), 1.0 if self.v > 0 else 0.0)

    def zero_grad(self):
        self.grad = 0.0

    def backward(self):
        order, visited = [], set()
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                stack.extend((c, False) for c in node.children)
        for node in order:
            if node.children:
                node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            if node.back is not None:
                node.back(node)

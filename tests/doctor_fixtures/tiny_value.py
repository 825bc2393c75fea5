"""A small correct scalar engine that the hostile fixtures build on: ``ON_BACKWARD()`` runs in every backward().

Written for the doctor's runner tests.
"""

import math


def ON_BACKWARD():
    pass


class Value:
    def __init__(self, data, parents=(), local=()):
        self.data = float(data)
        self.grad = 0.0
        self._parents = parents
        self._local = local

    def _op(self, data, parents, local):
        return Value(data, parents, local)

    def __add__(self, o):
        o = o if isinstance(o, Value) else Value(o)
        return self._op(self.data + o.data, (self, o), (1.0, 1.0))

    __radd__ = __add__

    def __mul__(self, o):
        o = o if isinstance(o, Value) else Value(o)
        return self._op(self.data * o.data, (self, o), (o.data, self.data))

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __pow__(self, k):
        return self._op(self.data**k, (self,), (k * self.data ** (k - 1),))

    def __truediv__(self, o):
        return self * (o if isinstance(o, Value) else Value(o)) ** -1.0

    def __rtruediv__(self, o):
        return Value(o) * self**-1.0

    def exp(self):
        e = math.exp(self.data)
        return self._op(e, (self,), (e,))

    def tanh(self):
        t = math.tanh(self.data)
        return self._op(t, (self,), (1 - t * t,))

    def backward(self):
        ON_BACKWARD()
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # iterative depth-first: every value before the values it was made from
            v, done = stack.pop()
            if done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((p, False) for p in v._parents)
        for v in order:
            if v._parents:
                v.grad = 0.0  # an intermediate's gradient is this backward's alone
        self.grad = 1.0
        for v in reversed(order):
            for p, d in zip(v._parents, v._local):
                p.grad += d * v.grad

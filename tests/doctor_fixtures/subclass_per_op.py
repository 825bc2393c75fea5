"""One subclass per op: ``Add(a, b)`` and ``Exp(x)`` are tensors themselves, each with its own ``_backward``.

No operators and no methods but ``backward``.  Written for the doctor's runner tests; correct on purpose.
"""

import numpy as np


def _unbroadcast(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


class Tensor:
    def __init__(self, data, parents=()):
        self.data = np.array(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self.parents = parents

    def _backward(self):
        pass

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # iterative depth-first: every op before the ops it was made from
            t, done = stack.pop()
            if done:
                order.append(t)
            elif id(t) not in seen:
                seen.add(id(t))
                stack.append((t, True))
                stack.extend((p, False) for p in t.parents)
        for t in order:
            if t.parents:
                t.grad = np.zeros_like(t.data)  # an intermediate's gradient is this backward's alone
        self.grad = np.ones_like(self.data)
        for t in reversed(order):
            t._backward()


def _t(x):
    return x if isinstance(x, Tensor) else Tensor(x)


class Add(Tensor):
    def __init__(self, a, b):
        a, b = _t(a), _t(b)
        super().__init__(a.data + b.data, (a, b))

    def _backward(self):
        a, b = self.parents
        a.grad = a.grad + _unbroadcast(self.grad, a.data.shape)
        b.grad = b.grad + _unbroadcast(self.grad, b.data.shape)


class Mul(Tensor):
    def __init__(self, a, b):
        a, b = _t(a), _t(b)
        super().__init__(a.data * b.data, (a, b))

    def _backward(self):
        a, b = self.parents
        a.grad = a.grad + _unbroadcast(self.grad * b.data, a.data.shape)
        b.grad = b.grad + _unbroadcast(self.grad * a.data, b.data.shape)


class Exp(Tensor):
    def __init__(self, x):
        super().__init__(np.exp(x.data), (x,))

    def _backward(self):
        self.parents[0].grad = self.parents[0].grad + self.grad * self.data


class Tanh(Tensor):
    def __init__(self, x):
        super().__init__(np.tanh(x.data), (x,))

    def _backward(self):
        self.parents[0].grad = self.parents[0].grad + self.grad * (1 - self.data**2)


class Sum(Tensor):
    def __init__(self, x):
        super().__init__(x.data.sum(), (x,))

    def _backward(self):
        x = self.parents[0]
        x.grad = x.grad + np.broadcast_to(self.grad, x.data.shape)

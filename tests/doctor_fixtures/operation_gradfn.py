"""An engine with ``Operation`` classes called through ``apply`` and a ``grad_fn`` on each result; leaves
need ``requires_grad=True``, constants (``requires_grad=False``) keep ``grad = None``.

Written for the doctor's runner tests; correct on purpose.
"""

import numpy as np


class Tensor:
    def __init__(self, data, requires_grad=False):
        self.data = np.array(data, dtype=np.float64)
        self.requires_grad = requires_grad
        self.grad = None
        self.grad_fn = None

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # iterative depth-first: every result before the results it was made from
            t, done = stack.pop()
            if done:
                order.append(t)
            elif id(t) not in seen and t.grad_fn is not None:
                seen.add(id(t))
                stack.append((t, True))
                stack.extend((p, False) for p in t.grad_fn.parents)
        for t in order:
            t.grad = None  # an intermediate's gradient is this backward's alone
        self.grad = np.ones_like(self.data)
        for t in reversed(order):
            for p, g in zip(t.grad_fn.parents, t.grad_fn.backward(t.grad)):
                if p.requires_grad:
                    g = _unbroadcast(g, p.data.shape)
                    p.grad = g.copy() if p.grad is None else p.grad + g  # each leaf owns its gradient


def _unbroadcast(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


class Operation:
    @classmethod
    def apply(cls, *parents):
        op = cls()
        op.parents = [p if isinstance(p, Tensor) else Tensor(p) for p in parents]
        out = Tensor(op.forward(*[p.data for p in op.parents]))
        out.requires_grad = any(p.requires_grad for p in op.parents)
        if out.requires_grad:
            out.grad_fn = op
        return out


class Add(Operation):
    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Mul(Operation):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        return g * self.b, g * self.a


class Exp(Operation):
    def forward(self, x):
        self.y = np.exp(x)
        return self.y

    def backward(self, g):
        return (g * self.y,)


class Tanh(Operation):
    def forward(self, x):
        self.t = np.tanh(x)
        return self.t

    def backward(self, g):
        return (g * (1 - self.t**2),)


class Sum(Operation):
    def forward(self, x):
        self.shape = x.shape
        return np.array(x.sum())

    def backward(self, g):
        return (np.broadcast_to(g, self.shape).copy(),)

"""One class per op: ``Add``, ``Mul``, ``Sum``... are subclasses of ``Tensor`` that compute their data.

Written for the doctor's evaluation corpus (tests/engines/corpus): correct as it stands; its bugs are
the mutations listed in manifest.py.  Each op class says how to pass a gradient to its inputs
(``_grads(g)``, a pure function of the upstream gradient); ``Tensor.backward`` sums them in
reverse topological order.
"""

import numpy as np


def _reduce(g, shape):
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


class Tensor:
    def __init__(self, data, parents=()):
        self.data = np.asarray(data, dtype=np.float64)
        self.parents = tuple(parents)
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self):
        return self.data.shape

    def _grads(self, g):
        return tuple(np.zeros_like(p.data) for p in self.parents)

    def backward(self):
        order, seen, stack = [], set(), [(self, 0)]
        while stack:
            node, i = stack.pop()
            if i < len(node.parents):
                stack.append((node, i + 1))
                p = node.parents[i]
                if id(p) not in seen:
                    seen.add(id(p))
                    stack.append((p, 0))
            else:
                order.append(node)
        for node in order:
            if node.parents:
                node.grad = np.zeros_like(node.data)
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            if node.parents:
                for p, pg in zip(node.parents, node._grads(node.grad)):
                    p.grad = p.grad + pg

    def zero_grad(self):
        self.grad = np.zeros_like(self.data)

    def __add__(self, other):
        return Add(self, tensor(other))

    def __radd__(self, other):
        return Add(tensor(other), self)

    def __sub__(self, other):
        return Sub(self, tensor(other))

    def __rsub__(self, other):
        return Sub(tensor(other), self)

    def __mul__(self, other):
        return Mul(self, tensor(other))

    def __rmul__(self, other):
        return Mul(tensor(other), self)

    def __truediv__(self, other):
        return Div(self, tensor(other))

    def __rtruediv__(self, other):
        return Div(tensor(other), self)

    def __neg__(self):
        return Mul(self, Tensor(-1.0))

    def __pow__(self, k):
        return Pow(self, k)

    def __matmul__(self, other):
        return MatMul(self, tensor(other))

    def __getitem__(self, index):
        return Index(self, index)

    def sum(self, axis=None, keepdims=False):
        return Sum(self, axis, keepdims)

    def exp(self):
        return Exp(self)

    def tanh(self):
        return Tanh(self)


class Add(Tensor):
    def __init__(self, a, b):
        super().__init__(a.data + b.data, (a, b))

    def _grads(self, g):
        a, b = self.parents
        return _reduce(g, a.shape), _reduce(g, b.shape)


class Sub(Tensor):
    def __init__(self, a, b):
        super().__init__(a.data - b.data, (a, b))

    def _grads(self, g):
        a, b = self.parents
        return _reduce(g, a.shape), _reduce(-g, b.shape)


class Mul(Tensor):
    def __init__(self, a, b):
        super().__init__(a.data * b.data, (a, b))

    def _grads(self, g):
        a, b = self.parents
        return _reduce(g * b.data, a.shape), _reduce(g * a.data, b.shape)


class Div(Tensor):
    def __init__(self, a, b):
        super().__init__(a.data / b.data, (a, b))

    def _grads(self, g):
        a, b = self.parents
        return _reduce(g / b.data, a.shape), _reduce(-g * a.data / b.data**2, b.shape)


class Pow(Tensor):
    def __init__(self, a, k):
        self.k = k
        super().__init__(a.data**k, (a,))

    def _grads(self, g):
        (a,) = self.parents
        return (g * self.k * a.data ** (self.k - 1),)


class Exp(Tensor):
    def __init__(self, a):
        super().__init__(np.exp(a.data), (a,))

    def _grads(self, g):
        return (g * self.data,)


class Tanh(Tensor):
    def __init__(self, a):
        super().__init__(np.tanh(a.data), (a,))

    def _grads(self, g):
        return (g * (1 - self.data**2),)


class Sum(Tensor):
    def __init__(self, a, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims
        super().__init__(a.data.sum(axis=axis, keepdims=keepdims), (a,))

    def _grads(self, g):
        (a,) = self.parents
        if self.axis is not None and not self.keepdims:
            g = np.expand_dims(g, self.axis)
        return (np.broadcast_to(g, a.shape).copy(),)


class MatMul(Tensor):
    def __init__(self, a, b):
        super().__init__(a.data @ b.data, (a, b))

    def _grads(self, g):
        a, b = self.parents
        a2 = a.data[None] if a.data.ndim == 1 else a.data
        b2 = b.data[:, None] if b.data.ndim == 1 else b.data
        g2 = np.expand_dims(g, -2) if a.data.ndim == 1 else g
        g2 = np.expand_dims(g2, -1) if b.data.ndim == 1 else g2
        ga = _reduce(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        gb = _reduce(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb


class Index(Tensor):
    def __init__(self, a, index):
        self.index = index
        super().__init__(a.data[index], (a,))

    def _grads(self, g):
        (a,) = self.parents
        full = np.zeros_like(a.data)
        np.add.at(full, self.index, g)
        return (full,)


class Cat(Tensor):
    def __init__(self, pieces, axis=0):
        self.axis = axis
        super().__init__(np.concatenate([p.data for p in pieces], axis=axis), pieces)

    def _grads(self, g):
        sizes = [p.shape[self.axis] for p in self.parents]
        return tuple(np.split(g, np.cumsum(sizes)[:-1], axis=self.axis))


def cat(pieces, axis=0):
    return Cat([tensor(p) for p in pieces], axis)

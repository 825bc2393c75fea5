"""A NumPy tensor engine ordered by creation stamps: backward runs in decreasing serial number.

Written for the doctor's evaluation corpus (tests/engines/corpus): correct as it stands; its bugs are
the mutations listed in manifest.py.  A result made later than its inputs always has a larger stamp,
so sorting the reachable tensors by stamp is a topological order.
"""

import itertools

import numpy as np

_stamps = itertools.count()


def _unbroadcast(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for ax, n in enumerate(shape):
        if n == 1 and g.shape[ax] != 1:
            g = g.sum(axis=ax, keepdims=True)
    return g


def _acc(t, g):
    if t.grad is None:
        t.grad = np.array(g, dtype=np.float64, copy=True)
    else:
        t.grad += g


class Tensor:
    def __init__(self, data, children=()):
        self.data = np.array(data, dtype=np.float64)
        self.grad = None
        self.children = children
        self._backward = None
        self.stamp = next(_stamps)

    @property
    def shape(self):
        return self.data.shape

    def _new(self, data, children, backward):
        out = Tensor(data, children)
        out._backward = lambda: backward(out)
        return out

    def __add__(self, other):
        other = other if isinstance(other, Tensor) else Tensor(other)

        def backward(out):
            _acc(self, _unbroadcast(out.grad, self.shape))
            _acc(other, _unbroadcast(out.grad, other.shape))

        return self._new(self.data + other.data, (self, other), backward)

    def __mul__(self, other):
        other = other if isinstance(other, Tensor) else Tensor(other)

        def backward(out):
            _acc(self, _unbroadcast(out.grad * other.data, self.shape))
            _acc(other, _unbroadcast(out.grad * self.data, other.shape))

        return self._new(self.data * other.data, (self, other), backward)

    def __pow__(self, k):
        def backward(out):
            _acc(self, out.grad * k * self.data ** (k - 1))

        return self._new(self.data**k, (self,), backward)

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other if isinstance(other, Tensor) else Tensor(-np.asarray(other, dtype=np.float64)))

    def __rsub__(self, other):
        return Tensor(other) + (-self)

    def __truediv__(self, other):
        other = other if isinstance(other, Tensor) else Tensor(other)
        return self * other**-1

    def __rtruediv__(self, other):
        return Tensor(other) * self**-1

    __radd__ = __add__
    __rmul__ = __mul__

    def __matmul__(self, other):
        other = other if isinstance(other, Tensor) else Tensor(other)

        def backward(out):
            a, b, g = self.data, other.data, out.grad
            a2 = a[None] if a.ndim == 1 else a
            b2 = b[:, None] if b.ndim == 1 else b
            g2 = np.expand_dims(g, -2) if a.ndim == 1 else g
            g2 = np.expand_dims(g2, -1) if b.ndim == 1 else g2
            _acc(self, _unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape))
            _acc(other, _unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape))

        return self._new(self.data @ other.data, (self, other), backward)

    def exp(self):
        def backward(out):
            _acc(self, out.grad * out.data)

        return self._new(np.exp(self.data), (self,), backward)

    def log(self):
        def backward(out):
            _acc(self, out.grad / self.data)

        return self._new(np.log(self.data), (self,), backward)

    def relu(self):
        def backward(out):
            _acc(self, (self.data > 0) * out.grad)

        return self._new(np.maximum(self.data, 0.0), (self,), backward)

    def sigmoid(self):
        s = np.where(self.data >= 0, 1 / (1 + np.exp(-np.abs(self.data))), 1 - 1 / (1 + np.exp(-np.abs(self.data))))

        def backward(out):
            _acc(self, out.grad * s * (1 - s))

        return self._new(s, (self,), backward)

    def sum(self, axis=None, keepdims=False):
        def backward(out):
            g = out.grad if axis is None or keepdims else np.expand_dims(out.grad, axis)
            _acc(self, np.broadcast_to(g, self.shape))

        return self._new(self.data.sum(axis=axis, keepdims=keepdims), (self,), backward)

    def mean(self, axis=None, keepdims=False):
        count = self.data.size if axis is None else np.prod([self.shape[a] for a in np.atleast_1d(axis)])

        def backward(out):
            g = out.grad if axis is None or keepdims else np.expand_dims(out.grad, axis)
            _acc(self, np.broadcast_to(g, self.shape) / count)

        return self._new(self.data.mean(axis=axis, keepdims=keepdims), (self,), backward)

    def softmax(self, axis=-1):
        z = np.exp(self.data - self.data.max(axis=axis, keepdims=True))
        s = z / z.sum(axis=axis, keepdims=True)

        def backward(out):
            g = out.grad
            _acc(self, s * (g - (g * s).sum(axis=axis, keepdims=True)))

        return self._new(s, (self,), backward)

    def zero_grad(self):
        self.grad = None

    def backward(self):
        found, stack = {id(self): self}, [self]
        while stack:
            for child in stack.pop().children:
                if id(child) not in found:
                    found[id(child)] = child
                    stack.append(child)
        nodes = sorted(found.values(), key=lambda t: t.stamp, reverse=True)
        for t in nodes:
            if t.children:
                t.grad = None
        self.grad = np.ones_like(self.data)
        for t in nodes:
            if t._backward is not None and t.grad is not None:
                t._backward()

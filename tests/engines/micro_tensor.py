"""A micrograd-style tensor engine, written for the doctor's tests.

``Tensor(data)``; ``grad`` is always an array of zeros until backward; each op
stores its parents in ``_prev`` and a ``_backward`` closure that adds into the
parents' ``.grad``.  Correct on purpose (tests/engines/mutations.py breaks it).
"""

import numpy as np


def reduce_to(grad, shape):
    """Undo broadcasting: sum over leading axes added, and over axes of size 1 that were stretched."""
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra > 0 else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


class Tensor:
    def __init__(self, data, _children=(), _op=""):
        self.data = np.array(data, dtype=float)
        self.grad = np.zeros_like(self.data)
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __repr__(self):
        return f"Tensor(data={self.data}, grad={self.grad})"

    def __add__(self, other):
        other = other if isinstance(other, Tensor) else Tensor(other)
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += reduce_to(out.grad, self.data.shape)
            other.grad += reduce_to(out.grad, other.data.shape)

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Tensor) else Tensor(other)
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += reduce_to(other.data * out.grad, self.data.shape)
            other.grad += reduce_to(self.data * out.grad, other.data.shape)

        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Tensor(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def __matmul__(self, other):
        out = Tensor(self.data @ other.data, (self, other), "@")

        def _backward():
            a, b, g = self.data, other.data, out.grad
            a2 = a.reshape(1, -1) if a.ndim == 1 else a
            b2 = b.reshape(-1, 1) if b.ndim == 1 else b
            g2 = g[..., None] if b.ndim == 1 else g
            g2 = np.expand_dims(g2, -2) if a.ndim == 1 else g2
            self.grad += reduce_to(g2 @ b2.swapaxes(-1, -2), a2.shape).reshape(a.shape)
            other.grad += reduce_to(a2.swapaxes(-1, -2) @ g2, b2.shape).reshape(b.shape)

        out._backward = _backward
        return out

    def exp(self):
        out = Tensor(np.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        out = Tensor(np.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self):
        out = Tensor(np.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Tensor(np.where(self.data > 0, self.data, 0.0), (self,), "relu")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def sum(self, axis=None):
        out = Tensor(self.data.sum(axis=axis), (self,), "sum")

        def _backward():
            g = out.grad if axis is None else np.expand_dims(out.grad, axis)
            self.grad += np.broadcast_to(g, self.data.shape)

        out._backward = _backward
        return out

    def mean(self, axis=None):
        n = self.data.size if axis is None else np.prod([self.data.shape[a] for a in np.atleast_1d(axis)])
        return self.sum(axis) * (1.0 / n)

    def reshape(self, *shape):
        out = Tensor(self.data.reshape(*shape), (self,), "reshape")

        def _backward():
            self.grad += out.grad.reshape(self.data.shape)

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def zero_grad(self):
        self.grad = np.zeros_like(self.data)

    def backward(self):
        topo, visited, stack = [], set(), [(self, iter(self._prev))]
        visited.add(self)
        while stack:  # the recursive build_topo, with an explicit stack
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                topo.append(node)
                stack.pop()
            elif child not in visited:
                visited.add(child)
                stack.append((child, iter(child._prev)))
        for node in topo:
            if node._prev:  # an intermediate keeps no gradient from an earlier backward
                node.grad = np.zeros_like(node.data)
        self.grad = np.ones_like(self.data)
        for node in reversed(topo):
            node._backward()

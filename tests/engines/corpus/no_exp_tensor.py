"""A small tensor engine with only + - * / sum and matmul (no exp, no tanh): what many course exercises ask for.

Written for the doctor's evaluation corpus (tests/engines/corpus): correct as it stands; its bugs are
the mutations listed in manifest.py.  Gradients live on the nodes; each node's ``grad_fn`` pushes
its gradient into its parents.
"""

import numpy as np


def _fit(g, shape):
    """Undo broadcasting: sum the gradient over the axes that were added or stretched."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


class Tensor:
    def __init__(self, data, parents=(), grad_fn=None):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = np.zeros(self.data.shape)
        self.parents = parents
        self.grad_fn = grad_fn

    @property
    def shape(self):
        return self.data.shape

    @staticmethod
    def lift(x):
        return x if isinstance(x, Tensor) else Tensor(x)

    def __add__(self, other):
        other = Tensor.lift(other)

        def grad_fn(out):
            self.grad += _fit(out.grad, self.shape)
            other.grad += _fit(out.grad, other.shape)

        return Tensor(self.data + other.data, (self, other), grad_fn)

    def __radd__(self, other):
        return Tensor.lift(other) + self

    def __sub__(self, other):
        other = Tensor.lift(other)

        def grad_fn(out):
            self.grad += _fit(out.grad, self.shape)
            other.grad -= _fit(out.grad, other.shape)

        return Tensor(self.data - other.data, (self, other), grad_fn)

    def __rsub__(self, other):
        return Tensor.lift(other) - self

    def __mul__(self, other):
        other = Tensor.lift(other)

        def grad_fn(out):
            self.grad += _fit(out.grad * other.data, self.shape)
            other.grad += _fit(out.grad * self.data, other.shape)

        return Tensor(self.data * other.data, (self, other), grad_fn)

    def __rmul__(self, other):
        return Tensor.lift(other) * self

    def __truediv__(self, other):
        other = Tensor.lift(other)

        def grad_fn(out):
            self.grad += _fit(out.grad / other.data, self.shape)
            other.grad -= _fit(out.grad * self.data / other.data**2, other.shape)

        return Tensor(self.data / other.data, (self, other), grad_fn)

    def __rtruediv__(self, other):
        return Tensor.lift(other) / self

    def __neg__(self):
        return self * -1.0

    def __matmul__(self, other):
        other = Tensor.lift(other)

        def grad_fn(out):
            a, b, g = self.data, other.data, out.grad
            if a.ndim == 1:
                a, g = a[None, :], np.expand_dims(g, -2)
            if b.ndim == 1:
                b, g = b[:, None], np.expand_dims(g, -1)
            self.grad += _fit(g @ np.swapaxes(b, -1, -2), a.shape).reshape(self.shape)
            other.grad += _fit(np.swapaxes(a, -1, -2) @ g, b.shape).reshape(other.shape)

        return Tensor(self.data @ other.data, (self, other), grad_fn)

    def sum(self, axis=None, keepdims=False):
        def grad_fn(out):
            g = out.grad
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            self.grad += np.broadcast_to(g, self.shape)

        return Tensor(self.data.sum(axis=axis, keepdims=keepdims), (self,), grad_fn)

    def zero_grad(self):
        self.grad = np.zeros(self.data.shape)

    def backward(self):
        order, seen = [], set()
        todo = [(self, iter(self.parents))]
        seen.add(id(self))
        while todo:
            node, parents = todo[-1]
            for p in parents:
                if id(p) not in seen:
                    seen.add(id(p))
                    todo.append((p, iter(p.parents)))
                    break
            else:
                todo.pop()
                order.append(node)
        for node in order:
            if node.grad_fn is not None:
                node.grad = np.zeros(node.data.shape)
        self.grad = np.ones(self.data.shape)
        for node in reversed(order):
            if node.grad_fn is not None:
                node.grad_fn(node)

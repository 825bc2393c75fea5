"""A NumPy tensor in PyTorch's manner: ``requires_grad``, a ``grad_fn`` closure per result, ``retain_grad()``.

Written for the doctor's held-out corpus (tests/engines/corpus): correct as it stands; its bugs are the
mutations listed in manifest.py (HELDOUT).  A result's ``grad_fn(g)`` returns one gradient per parent.
``backward`` gathers every node's incoming gradient in ``node._acc`` (cleared at the start of each
backward), then gives ``.grad`` to the leaves that require it and to results that asked ``retain_grad()``.
"""

import numpy as np


def reduce_to(g, shape):
    if g.shape == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


class Tensor:
    def __init__(self, data, requires_grad=False, parents=(), grad_fn=None):
        self.data = np.array(data, dtype=np.float64)
        self.requires_grad = requires_grad
        self.grad = None
        self.parents = parents
        self.grad_fn = grad_fn
        self.retains_grad = False
        self._acc = None

    @property
    def shape(self):
        return self.data.shape

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def retain_grad(self):
        self.retains_grad = True

    def _make(self, data, parents, grad_fn):
        if any(p.requires_grad for p in parents):
            return Tensor(data, True, parents, grad_fn)
        return Tensor(data)

    def __add__(self, other):
        other = as_tensor(other)
        sa, sb = self.shape, other.shape
        return self._make(self.data + other.data, (self, other), lambda g: (reduce_to(g, sa), reduce_to(g, sb)))

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        other = as_tensor(other)
        sa, sb = self.shape, other.shape
        return self._make(self.data - other.data, (self, other), lambda g: (reduce_to(g, sa), reduce_to(-g, sb)))

    def __rsub__(self, other):
        return as_tensor(other) - self

    def __mul__(self, other):
        other = as_tensor(other)
        a, b = self.data, other.data
        return self._make(a * b, (self, other), lambda g: (reduce_to(g * b, a.shape), reduce_to(g * a, b.shape)))

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        other = as_tensor(other)
        a, b = self.data, other.data
        return self._make(
            a / b, (self, other), lambda g: (reduce_to(g / b, a.shape), reduce_to(-g * a / b**2, b.shape))
        )

    def __rtruediv__(self, other):
        return as_tensor(other) / self

    def __neg__(self):
        return self._make(-self.data, (self,), lambda g: (-g,))

    def __pow__(self, k):
        x = self.data
        return self._make(x**k, (self,), lambda g: (g * k * x ** (k - 1),))

    def exp(self):
        x = self.data
        y = np.exp(x)
        return self._make(y, (self,), lambda g: (g * y,))

    def log(self):
        x = self.data
        return self._make(np.log(x), (self,), lambda g: (g / x,))

    def tanh(self):
        t = np.tanh(self.data)
        return self._make(t, (self,), lambda g: (g * (1 - t**2),))

    def relu(self):
        mask = self.data > 0
        return self._make(self.data * mask, (self,), lambda g: (g * mask,))

    def sum(self, axis=None, keepdims=False):
        shape = self.shape

        def grad_fn(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, shape).copy(),)

        return self._make(self.data.sum(axis=axis, keepdims=keepdims), (self,), grad_fn)

    def zero_grad(self):
        self.grad = None

    def backward(self, gradient=None):
        order, visited = [], set()
        stack = [(self, iter(self.parents))]
        visited.add(id(self))
        while stack:  # depth-first, a node after all of its parents
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                order.append(node)
            elif id(nxt) not in visited:
                visited.add(id(nxt))
                stack.append((nxt, iter(nxt.parents)))
        for node in order:
            node._acc = None
        self._acc = np.ones_like(self.data) if gradient is None else np.asarray(gradient, dtype=np.float64)
        for node in reversed(order):
            g = node._acc
            if g is None or not node.requires_grad:
                continue
            if node.is_leaf or node.retains_grad:
                node.grad = g.copy() if node.grad is None else node.grad + g
            if node.grad_fn is None:
                continue
            for parent, pg in zip(node.parents, node.grad_fn(g)):
                if parent.requires_grad:
                    parent._acc = pg if parent._acc is None else parent._acc + pg

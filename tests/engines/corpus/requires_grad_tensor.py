"""A tensor engine with PyTorch's ``requires_grad`` flag: constants (the default) get no gradient, ``grad`` stays None.

Written for the doctor's evaluation corpus (tests/engines/corpus): correct as it stands; its bugs are
the mutations listed in manifest.py.  Each result records a closure ``_grad_fn(g)`` that returns the
gradients of its inputs; ``backward`` adds them up, only into tensors that require a gradient.
"""

import numpy as np


def _sum_to(g, shape):
    g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
    keep = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] > 1)
    return g.sum(axis=keep, keepdims=True) if keep else g


def _wrap(x):
    return x if isinstance(x, Tensor) else Tensor(x)


class Tensor:
    def __init__(self, data, requires_grad=False):
        self.data = np.array(data, dtype=np.float64)
        self.requires_grad = requires_grad
        self.grad = np.zeros_like(self.data) if requires_grad else None
        self._inputs = ()
        self._grad_fn = None

    @property
    def shape(self):
        return self.data.shape

    def _result(self, data, inputs, grad_fn):
        out = Tensor(data, requires_grad=any(t.requires_grad for t in inputs))
        if out.requires_grad:
            out._inputs, out._grad_fn = inputs, grad_fn
        return out

    def __add__(self, other):
        other = _wrap(other)
        return self._result(
            self.data + other.data, (self, other), lambda g: (_sum_to(g, self.shape), _sum_to(g, other.shape))
        )

    __radd__ = __add__

    def __sub__(self, other):
        other = _wrap(other)
        return self._result(
            self.data - other.data, (self, other), lambda g: (_sum_to(g, self.shape), _sum_to(-g, other.shape))
        )

    def __rsub__(self, other):
        return _wrap(other) - self

    def __mul__(self, other):
        other = _wrap(other)
        return self._result(
            self.data * other.data,
            (self, other),
            lambda g: (_sum_to(g * other.data, self.shape), _sum_to(g * self.data, other.shape)),
        )

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = _wrap(other)
        a, b = self.data, other.data
        return self._result(
            a / b, (self, other), lambda g: (_sum_to(g / b, self.shape), _sum_to(-g * a / b**2, other.shape))
        )

    def __rtruediv__(self, other):
        return _wrap(other) / self

    def __neg__(self):
        return self._result(-self.data, (self,), lambda g: (-g,))

    def __pow__(self, k):
        return self._result(self.data**k, (self,), lambda g: (g * k * self.data ** (k - 1),))

    def __matmul__(self, other):
        other = _wrap(other)
        a, b = self.data, other.data

        def grad_fn(g):
            a2 = a[None] if a.ndim == 1 else a
            b2 = b[:, None] if b.ndim == 1 else b
            g2 = np.expand_dims(g, -2) if a.ndim == 1 else g
            g2 = np.expand_dims(g2, -1) if b.ndim == 1 else g2
            ga = _sum_to(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
            gb = _sum_to(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
            return ga, gb

        return self._result(a @ b, (self, other), grad_fn)

    def exp(self):
        e = np.exp(self.data)
        return self._result(e, (self,), lambda g: (g * e,))

    def log(self):
        return self._result(np.log(self.data), (self,), lambda g: (g / self.data,))

    def sigmoid(self):
        s = 0.5 * (1 + np.tanh(0.5 * self.data))
        return self._result(s, (self,), lambda g: (g * s * (1 - s),))

    def sum(self, axis=None, keepdims=False):
        def grad_fn(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, self.shape).copy(),)

        return self._result(self.data.sum(axis=axis, keepdims=keepdims), (self,), grad_fn)

    def mean(self, axis=None, keepdims=False):
        s = self.sum(axis=axis, keepdims=keepdims)
        return s * (s.data.size / self.data.size)

    def zero_grad(self):
        if self.requires_grad:
            self.grad = np.zeros_like(self.data)

    def backward(self, gradient=None):
        order, visited, stack = [], set(), [(self, False)]
        while stack:
            t, ready = stack.pop()
            if ready:
                order.append(t)
            elif id(t) not in visited:
                visited.add(id(t))
                stack.append((t, True))
                stack.extend((i, False) for i in t._inputs)
        for t in order:
            if t._inputs:  # an intermediate: its gradient is this backward's alone
                t.grad = np.zeros_like(t.data)
        seed = np.ones_like(self.data) if gradient is None else np.asarray(gradient, dtype=np.float64)
        if self.grad is None:
            self.grad = np.zeros_like(self.data)
        self.grad += seed
        for t in reversed(order):
            if t._grad_fn is None:
                continue
            for inp, ig in zip(t._inputs, t._grad_fn(t.grad)):
                if inp.requires_grad:
                    inp.grad += ig

"""A tensor engine whose ``.grad`` is itself a ``Tensor`` (as in PyTorch): read it with ``x.grad.data``.

Written for the doctor's evaluation corpus (tests/engines/corpus): correct as it stands; its bugs are
the mutations listed in manifest.py.  The rules take and return arrays; ``backward`` wraps each
leaf's total gradient in a Tensor with no history.
"""

import numpy as np


def shrink(g, shape):
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead))) if lead > 0 else g
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


class Tensor:
    def __init__(self, data, _prev=(), _rule=None):
        self.data = np.array(data, dtype=float)
        self.grad = None
        self._prev = _prev
        self._rule = _rule

    shape = property(lambda self: self.data.shape)

    def __repr__(self):
        return f"Tensor({self.data!r})"

    @staticmethod
    def _t(x):
        return x if isinstance(x, Tensor) else Tensor(x)

    def __add__(self, o):
        o = Tensor._t(o)
        return Tensor(self.data + o.data, (self, o), lambda g: (shrink(g, self.shape), shrink(g, o.shape)))

    def __sub__(self, o):
        o = Tensor._t(o)
        return Tensor(self.data - o.data, (self, o), lambda g: (shrink(g, self.shape), shrink(-g, o.shape)))

    def __mul__(self, o):
        o = Tensor._t(o)
        return Tensor(
            self.data * o.data, (self, o), lambda g: (shrink(g * o.data, self.shape), shrink(g * self.data, o.shape))
        )

    def __truediv__(self, o):
        o = Tensor._t(o)
        a, b = self.data, o.data
        return Tensor(a / b, (self, o), lambda g: (shrink(g / b, self.shape), shrink(-g * a / (b * b), o.shape)))

    def __radd__(self, o):
        return Tensor._t(o) + self

    def __rsub__(self, o):
        return Tensor._t(o) - self

    def __rmul__(self, o):
        return Tensor._t(o) * self

    def __rtruediv__(self, o):
        return Tensor._t(o) / self

    def __neg__(self):
        return Tensor(-self.data, (self,), lambda g: (-g,))

    def __pow__(self, n):
        return Tensor(self.data**n, (self,), lambda g: (g * n * self.data ** (n - 1),))

    def __matmul__(self, o):
        o = Tensor._t(o)
        a, b = self.data, o.data

        def rule(g):
            a2, b2 = np.atleast_2d(a), (b[:, None] if b.ndim == 1 else b)
            g2 = g.reshape((*np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]), a2.shape[-2], b2.shape[-1]))
            ga = shrink(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
            gb = shrink(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
            return ga, gb

        return Tensor(a @ b, (self, o), rule)

    def exp(self):
        e = np.exp(self.data)
        return Tensor(e, (self,), lambda g: (g * e,))

    def tanh(self):
        t = np.tanh(self.data)
        return Tensor(t, (self,), lambda g: (g * (1 - t * t),))

    def relu(self):
        return Tensor(np.maximum(self.data, 0), (self,), lambda g: (g * (self.data > 0),))

    def sum(self, axis=None, keepdims=False):
        def rule(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, self.shape).copy(),)

        return Tensor(self.data.sum(axis=axis, keepdims=keepdims), (self,), rule)

    def zero_grad(self):
        self.grad = None

    def backward(self):
        topo, done = [], set()

        def order(root):
            stack = [root]
            while stack:
                t = stack[-1]
                nxt = next((p for p in t._prev if id(p) not in done), None)
                if nxt is None:
                    stack.pop()
                    if id(t) not in done:
                        done.add(id(t))
                        topo.append(t)
                else:
                    stack.append(nxt)

        order(self)
        acc = {id(self): np.ones_like(self.data)}
        for t in reversed(topo):
            g = acc.pop(id(t), None)
            if g is None:
                continue
            if t._rule is None:
                t.grad = Tensor(g) if t.grad is None else Tensor(t.grad.data + g)
                continue
            for p, pg in zip(t._prev, t._rule(g)):
                acc[id(p)] = acc[id(p)] + pg if id(p) in acc else pg

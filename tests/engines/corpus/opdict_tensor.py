"""A float32 NumPy tensor whose ops are forward/backward pairs of static methods, kept in one dict.

Written for the doctor's held-out corpus (tests/engines/corpus): correct as it stands; its bugs are the
mutations listed in manifest.py (HELDOUT).  ``Tensor._apply(name, *inputs, **kw)`` runs
``OPS[name].forward`` and remembers the op, its inputs and what forward saved; ``backward`` walks a
depth-first order and calls ``OPS[name].backward(saved, g)`` for the gradients of the inputs.
"""

import numpy as np


def unbroadcast(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


class Add:
    @staticmethod
    def forward(a, b):
        return a + b, (a.shape, b.shape)

    @staticmethod
    def backward(saved, g):
        return unbroadcast(g, saved[0]), unbroadcast(g, saved[1])


class Sub:
    @staticmethod
    def forward(a, b):
        return a - b, (a.shape, b.shape)

    @staticmethod
    def backward(saved, g):
        return unbroadcast(g, saved[0]), unbroadcast(-g, saved[1])


class Mul:
    @staticmethod
    def forward(a, b):
        return a * b, (a, b)

    @staticmethod
    def backward(saved, g):
        a, b = saved
        return unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)


class Div:
    @staticmethod
    def forward(a, b):
        return a / b, (a, b)

    @staticmethod
    def backward(saved, g):
        a, b = saved
        return unbroadcast(g / b, a.shape), unbroadcast(-g * a / (b * b), b.shape)


class Neg:
    @staticmethod
    def forward(a):
        return -a, None

    @staticmethod
    def backward(saved, g):
        return (-g,)


class Pow:
    @staticmethod
    def forward(a, k):
        return a**k, (a, k)

    @staticmethod
    def backward(saved, g):
        a, k = saved
        return (g * k * a ** (k - 1),)


class Exp:
    @staticmethod
    def forward(a):
        e = np.exp(a)
        return e, e

    @staticmethod
    def backward(saved, g):
        return (g * saved,)


class Sum:
    @staticmethod
    def forward(a, axis=None, keepdims=False):
        return a.sum(axis=axis, keepdims=keepdims), (a.shape, axis, keepdims)

    @staticmethod
    def backward(saved, g):
        shape, axis, keepdims = saved
        if axis is not None and not keepdims:
            axes = axis if isinstance(axis, tuple) else (axis,)
            g = np.expand_dims(g, axes)
        return (np.broadcast_to(g, shape),)


class Mean:
    @staticmethod
    def forward(a, axis=None, keepdims=False):
        out = a.mean(axis=axis, keepdims=keepdims)
        return out, (a.shape, axis, keepdims, a.size // max(out.size, 1))

    @staticmethod
    def backward(saved, g):
        shape, axis, keepdims, n = saved
        (g,) = Sum.backward((shape, axis, keepdims), g)
        return (g / n,)


class Permute:
    @staticmethod
    def forward(a, axes):
        return np.transpose(a, axes), axes

    @staticmethod
    def backward(saved, g):
        return (np.transpose(g, np.argsort(saved)),)


class Softmax:
    @staticmethod
    def forward(a, axis=-1):
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        s = e / e.sum(axis=axis, keepdims=True)
        return s, (s, axis)

    @staticmethod
    def backward(saved, g):
        s, axis = saved
        return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)


OPS = {
    "add": Add,
    "sub": Sub,
    "mul": Mul,
    "div": Div,
    "neg": Neg,
    "pow": Pow,
    "exp": Exp,
    "sum": Sum,
    "mean": Mean,
    "permute": Permute,
    "softmax": Softmax,
}


def _t(x):
    return x if isinstance(x, Tensor) else Tensor(x)


class Tensor:
    def __init__(self, data):
        self.data = np.asarray(data, dtype=np.float32)
        self.grad = None
        self.op, self.inputs, self.saved = None, (), None

    @property
    def shape(self):
        return self.data.shape

    @staticmethod
    def _apply(name, *inputs, **kw):
        data, saved = OPS[name].forward(*(t.data for t in inputs), **kw)
        out = Tensor(data)
        out.op, out.inputs, out.saved = name, inputs, saved
        return out

    def __add__(self, o):
        return Tensor._apply("add", self, _t(o))

    def __radd__(self, o):
        return Tensor._apply("add", _t(o), self)

    def __sub__(self, o):
        return Tensor._apply("sub", self, _t(o))

    def __rsub__(self, o):
        return Tensor._apply("sub", _t(o), self)

    def __mul__(self, o):
        return Tensor._apply("mul", self, _t(o))

    def __rmul__(self, o):
        return Tensor._apply("mul", _t(o), self)

    def __truediv__(self, o):
        return Tensor._apply("div", self, _t(o))

    def __rtruediv__(self, o):
        return Tensor._apply("div", _t(o), self)

    def __neg__(self):
        return Tensor._apply("neg", self)

    def __pow__(self, k):
        data, saved = Pow.forward(self.data, k)  # k is a plain number, not an input
        out = Tensor(data)
        out.op, out.inputs, out.saved = "pow", (self,), saved
        return out

    def exp(self):
        return Tensor._apply("exp", self)

    def sum(self, axis=None, keepdims=False):
        return Tensor._apply("sum", self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return Tensor._apply("mean", self, axis=axis, keepdims=keepdims)

    def permute(self, axes):
        return Tensor._apply("permute", self, axes=tuple(axes))

    def softmax(self, axis=-1):
        return Tensor._apply("softmax", self, axis=axis)

    def zero_grad(self):
        self.grad = None

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            t, done = stack.pop()
            if done:
                order.append(t)
            elif id(t) not in seen:
                seen.add(id(t))
                stack.append((t, True))
                stack.extend((i, False) for i in t.inputs)
        grads = {id(self): np.ones_like(self.data)}
        for t in reversed(order):
            g = grads.pop(id(t), None)
            if g is None:
                continue
            if not t.inputs:
                t.grad = g.astype(np.float32) if t.grad is None else t.grad + g
                continue
            for inp, gi in zip(t.inputs, OPS[t.op].backward(t.saved, g)):
                grads[id(inp)] = gi if id(inp) not in grads else grads[id(inp)] + gi

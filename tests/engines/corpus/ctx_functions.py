"""A tinygrad-like tensor engine: ``Function`` subclasses with ``forward(ctx, ...)``/``backward(ctx, g)``.

Written for the doctor's evaluation corpus (tests/engines/corpus): correct as it stands; its bugs are
the mutations listed in manifest.py.  Shape ops (permute, reshape, indexing, concatenation) are here,
as a learner adds them on the way to a transformer.
"""

import numpy as np


class Context:
    def __init__(self, fn, *parents):
        self.fn, self.parents, self.saved = fn, parents, ()

    def save_for_backward(self, *xs):
        self.saved = xs


def reduce_like(g, shape):
    if g.shape == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape)


class Tensor:
    def __init__(self, data):
        self.data = np.array(data, dtype=np.float64)
        self.grad = None
        self._ctx = None

    @property
    def shape(self):
        return self.data.shape

    def walk(self):
        out, seen, stack = [], set(), [(self, False)]
        while stack:
            node, post = stack.pop()
            if post:
                out.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            if node._ctx is not None:
                stack.extend((p, False) for p in node._ctx.parents if p not in seen)
        return out

    def backward(self):
        grads = {self: np.ones_like(self.data)}
        for node in reversed(self.walk()):
            g = grads.pop(node, None)
            if g is None:
                continue
            if node._ctx is None:
                node.grad = g.copy() if node.grad is None else node.grad + g
                continue
            pgs = node._ctx.fn.backward(node._ctx, g)
            for p, pg in zip(node._ctx.parents, pgs):
                if pg is not None:
                    grads[p] = grads[p] + pg if p in grads else pg

    def zero_grad(self):
        self.grad = None

    def __add__(self, o):
        return Add.apply(self, o)

    def __radd__(self, o):
        return Add.apply(o, self)

    def __mul__(self, o):
        return Mul.apply(self, o)

    def __rmul__(self, o):
        return Mul.apply(o, self)

    def __neg__(self):
        return Mul.apply(self, -1.0)

    def __sub__(self, o):
        return Add.apply(self, -as_tensor(o))

    def __rsub__(self, o):
        return Add.apply(o, -self)

    def __truediv__(self, o):
        return Mul.apply(self, Recip.apply(o))

    def __rtruediv__(self, o):
        return Mul.apply(o, Recip.apply(self))

    def __matmul__(self, o):
        return MatMul.apply(self, o)

    def __getitem__(self, idx):
        return Slice.apply(self, idx=idx)

    def sum(self, axis=None, keepdims=False):
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        s = self.sum(axis=axis, keepdims=keepdims)
        return s * (s.data.size / self.data.size)

    def relu(self):
        return ReLU.apply(self)

    def exp(self):
        return Exp.apply(self)

    def permute(self, *order):
        order = order[0] if len(order) == 1 and isinstance(order[0], (tuple, list)) else order
        return Permute.apply(self, order=tuple(order))

    def transpose(self, *order):
        return self.permute(*order) if order else self.permute(tuple(reversed(range(self.data.ndim))))

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return Reshape.apply(self, shape=tuple(shape))


def as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


class Function:
    @classmethod
    def apply(cls, *xs, **kw):
        xs = [as_tensor(x) for x in xs]
        ctx = Context(cls, *xs)
        out = Tensor(cls.forward(ctx, *[x.data for x in xs], **kw))
        out._ctx = ctx
        return out


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a.shape, b.shape)
        return a + b

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.saved
        return reduce_like(g, sa), reduce_like(g, sb)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        return reduce_like(g * b, a.shape), reduce_like(g * a, b.shape)


class Recip(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return 1.0 / a

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return (-g / (a * a),)


class ReLU(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.maximum(a, 0)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return (g * (a > 0),)


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        e = np.exp(a)
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.saved[0],)


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        a2 = a[None] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = np.expand_dims(g, -2) if a.ndim == 1 else g
        g2 = np.expand_dims(g2, -1) if b.ndim == 1 else g2
        ga = reduce_like(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        gb = reduce_like(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.save_for_backward(a.shape, axis, keepdims)
        return a.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        shape, axis, keepdims = ctx.saved
        if axis is not None and not keepdims:
            g = np.expand_dims(g, axis)
        return (np.broadcast_to(g, shape).copy(),)


class Permute(Function):
    @staticmethod
    def forward(ctx, a, order):
        ctx.save_for_backward(order)
        return np.transpose(a, order)

    @staticmethod
    def backward(ctx, g):
        (order,) = ctx.saved
        return (np.transpose(g, np.argsort(order)),)


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.save_for_backward(a.shape)
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return (g.reshape(ctx.saved[0]),)


class Slice(Function):
    @staticmethod
    def forward(ctx, a, idx):
        ctx.save_for_backward(a.shape, idx)
        return a[idx]

    @staticmethod
    def backward(ctx, g):
        shape, idx = ctx.saved
        out = np.zeros(shape)
        np.add.at(out, idx, g)
        return (out,)


class Concat(Function):
    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.save_for_backward([x.shape[axis] for x in xs], axis)
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        sizes, axis = ctx.saved
        cuts = np.cumsum(sizes)[:-1]
        return tuple(np.split(g, cuts, axis=axis))


def cat(tensors, axis=0):
    return Concat.apply(*tensors, axis=axis)

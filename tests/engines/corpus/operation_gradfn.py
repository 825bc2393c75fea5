"""A tensor engine whose nodes keep a ``grad_fn``: an instance of an ``Operation`` subclass.

Written for the doctor's evaluation corpus (tests/engines/corpus): correct as it stands; its bugs are
the mutations listed in manifest.py.  ``Operation.apply`` runs ``forward`` on arrays and links the
result; ``Tensor.backward`` sorts the operations and calls each ``backward(grad)`` once.
"""

import numpy as np


def unbroadcast(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and grad.shape[i] != 1:
            grad = grad.sum(axis=i, keepdims=True)
    return grad


class Tensor:
    def __init__(self, data, requires_grad=True, grad_fn=None):
        self.data = np.array(data, dtype=np.float64)
        self.requires_grad = requires_grad
        self.grad = None
        self.grad_fn = grad_fn

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Tensor({self.data}, grad_fn={type(self.grad_fn).__name__ if self.grad_fn else None})"

    def zero_grad(self):
        self.grad = np.zeros_like(self.data)

    def backward(self, grad=None):
        ops, seen = [], set()

        def visit(t):
            stack = [(t, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    ops.append(node.grad_fn)
                    continue
                if node.grad_fn is None or id(node) in seen:
                    continue
                seen.add(id(node))
                stack.append((node, True))
                for parent in node.grad_fn.inputs:
                    stack.append((parent, False))

        visit(self)
        grads = {id(self): np.ones_like(self.data) if grad is None else np.asarray(grad, dtype=np.float64)}
        if self.grad_fn is None:
            self._accumulate(grads[id(self)])
        for op in reversed(ops):
            g = grads.pop(id(op.output))
            for parent, pg in zip(op.inputs, op.backward(g)):
                if not parent.requires_grad:
                    continue
                if parent.grad_fn is None:
                    parent._accumulate(pg)
                else:
                    grads[id(parent)] = grads[id(parent)] + pg if id(parent) in grads else pg

    def _accumulate(self, g):
        self.grad = g.copy() if self.grad is None else self.grad + g

    def __add__(self, other):
        return Add.apply(self, other)

    __radd__ = __add__

    def __sub__(self, other):
        return Add.apply(self, Neg.apply(other))

    def __rsub__(self, other):
        return Add.apply(other, Neg.apply(self))

    def __mul__(self, other):
        return Mul.apply(self, other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return Mul.apply(self, Reciprocal.apply(other))

    def __rtruediv__(self, other):
        return Mul.apply(other, Reciprocal.apply(self))

    def __neg__(self):
        return Neg.apply(self)

    def __matmul__(self, other):
        return MatMul.apply(self, other)

    def sum(self, axis=None, keepdims=False):
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    def exp(self):
        return Exp.apply(self)

    def log(self):
        return Log.apply(self)

    def relu(self):
        return ReLU.apply(self)

    def softmax(self, axis=-1):
        return Softmax.apply(self, axis=axis)


class Operation:
    @classmethod
    def apply(cls, *inputs, **params):
        op = cls()
        op.inputs = [x if isinstance(x, Tensor) else Tensor(x, requires_grad=False) for x in inputs]
        op.params = params
        out = op.forward(*[x.data for x in op.inputs])
        needs = any(x.requires_grad for x in op.inputs)
        op.output = Tensor(out, requires_grad=needs, grad_fn=op if needs else None)
        return op.output

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError


class Add(Operation):
    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        a, b = self.inputs
        return unbroadcast(grad, a.shape), unbroadcast(grad, b.shape)


class Mul(Operation):
    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        a, b = self.inputs
        return unbroadcast(grad * b.data, a.shape), unbroadcast(grad * a.data, b.shape)


class Neg(Operation):
    def forward(self, a):
        return -a

    def backward(self, grad):
        return (-grad,)


class Reciprocal(Operation):
    def forward(self, a):
        return 1.0 / a

    def backward(self, grad):
        (a,) = self.inputs
        return (-grad / a.data**2,)


class MatMul(Operation):
    def forward(self, a, b):
        return a @ b

    def backward(self, grad):
        a, b = self.inputs
        if a.data.ndim == 1 or b.data.ndim == 1:
            a2 = a.data.reshape(1, -1) if a.data.ndim == 1 else a.data
            b2 = b.data.reshape(-1, 1) if b.data.ndim == 1 else b.data
            g2 = grad.reshape(a2.shape[:-1] + b2.shape[-1:])
        else:
            a2, b2, g2 = a.data, b.data, grad
        ga = g2 @ np.swapaxes(b2, -1, -2)
        gb = np.swapaxes(a2, -1, -2) @ g2
        return unbroadcast(ga, a2.shape).reshape(a.shape), unbroadcast(gb, b2.shape).reshape(b.shape)


class Sum(Operation):
    def forward(self, a):
        return a.sum(axis=self.params["axis"], keepdims=self.params["keepdims"])

    def backward(self, grad):
        (a,) = self.inputs
        axis = self.params["axis"]
        if axis is not None and not self.params["keepdims"]:
            grad = np.expand_dims(grad, axis)
        return (np.broadcast_to(grad, a.shape).copy(),)


class Exp(Operation):
    def forward(self, a):
        return np.exp(a)

    def backward(self, grad):
        return (grad * self.output.data,)


class Log(Operation):
    def forward(self, a):
        return np.log(a)

    def backward(self, grad):
        return (grad / self.inputs[0].data,)


class ReLU(Operation):
    def forward(self, a):
        return np.maximum(a, 0.0)

    def backward(self, grad):
        return (grad * (self.inputs[0].data > 0),)


class Softmax(Operation):
    def forward(self, a):
        axis = self.params["axis"]
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    def backward(self, grad):
        s = self.output.data
        axis = self.params["axis"]
        return (s * (grad - (grad * s).sum(axis=axis, keepdims=True)),)

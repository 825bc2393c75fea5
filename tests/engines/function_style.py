"""A DeZero-like engine (Function classes), written for the doctor's tests.

``Variable(data)`` holds ``.data`` and ``.grad`` (None until backward); each op
is a ``Function`` subclass with ``forward`` on arrays and ``backward`` on the
upstream gradient; module-level functions (``exp``, ``sum``, ``matmul``...) and
operators build the graph.  Correct on purpose (tests/engines/mutations.py breaks it).
"""

import numpy as np


def sum_to(x, shape):
    """Sum ``x`` down to ``shape`` (the inverse of broadcasting)."""
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1)
    y = x.sum(axis=axes, keepdims=True)
    return y.reshape(shape) if lead else y


class Variable:
    __array_priority__ = 200

    def __init__(self, data):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = None
        self.creator = None
        self.generation = 0

    @property
    def shape(self):
        return self.data.shape

    def set_creator(self, func):
        self.creator = func
        self.generation = func.generation + 1

    def cleargrad(self):
        self.grad = None

    def backward(self):
        grads = {id(self): np.ones_like(self.data)}
        funcs, seen = [], set()

        def add_func(f):
            if f not in seen:
                seen.add(f)
                funcs.append(f)
                funcs.sort(key=lambda fn: fn.generation)

        if self.creator is not None:
            add_func(self.creator)
        else:
            self.grad = grads[id(self)]
        while funcs:
            f = funcs.pop()  # the highest generation: every consumer of its output is done
            gy = grads.pop(id(f.output))
            gxs = f.backward(gy)
            for x, gx in zip(f.inputs, gxs):
                if x.creator is None:
                    x.grad = gx if x.grad is None else x.grad + gx
                else:
                    grads[id(x)] = grads[id(x)] + gx if id(x) in grads else gx
                    add_func(x.creator)

    # operators
    def __add__(self, other):
        return Add()(self, other)

    __radd__ = __add__

    def __mul__(self, other):
        return Mul()(self, other)

    __rmul__ = __mul__

    def __sub__(self, other):
        return Sub()(self, other)

    def __rsub__(self, other):
        return Sub()(other, self)

    def __truediv__(self, other):
        return Div()(self, other)

    def __rtruediv__(self, other):
        return Div()(other, self)

    def __neg__(self):
        return Neg()(self)

    def __pow__(self, c):
        return Pow(c)(self)

    def __matmul__(self, other):
        return MatMul()(self, other)


def as_variable(x):
    return x if isinstance(x, Variable) else Variable(x)


class Function:
    def __call__(self, *inputs):
        self.inputs = [as_variable(x) for x in inputs]
        y = self.forward(*[x.data for x in self.inputs])
        self.generation = max(x.generation for x in self.inputs)
        self.output = Variable(y)
        self.output.set_creator(self)
        return self.output

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, gy):
        raise NotImplementedError


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy, a.shape), sum_to(gy, b.shape)


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy, a.shape), sum_to(-gy, b.shape)


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy * b.data, a.shape), sum_to(gy * a.data, b.shape)


class Div(Function):
    def forward(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy / b.data, a.shape), sum_to(-gy * a.data / b.data**2, b.shape)


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return (-gy,)


class Pow(Function):
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x**self.c

    def backward(self, gy):
        (x,) = self.inputs
        return (self.c * x.data ** (self.c - 1) * gy,)


class Exp(Function):
    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        return (gy * self.output.data,)


class Log(Function):
    def forward(self, x):
        return np.log(x)

    def backward(self, gy):
        return (gy / self.inputs[0].data,)


class Tanh(Function):
    def forward(self, x):
        return np.tanh(x)

    def backward(self, gy):
        y = self.output.data
        return (gy * (1 - y * y),)


class Sigmoid(Function):
    def forward(self, x):
        return 1 / (1 + np.exp(-x))

    def backward(self, gy):
        y = self.output.data
        return (gy * y * (1 - y),)


class MatMul(Function):
    def forward(self, a, b):
        return a @ b

    def backward(self, gy):
        a, b = self.inputs
        a2 = a.data[np.newaxis] if a.data.ndim == 1 else a.data  # a 1-D left operand is a row
        b2 = b.data[:, np.newaxis] if b.data.ndim == 1 else b.data  # a 1-D right operand is a column
        g = np.expand_dims(gy, -1) if b.data.ndim == 1 else gy
        g = np.expand_dims(g, -2) if a.data.ndim == 1 else g
        ga = sum_to(g @ np.swapaxes(b2, -1, -2), a2.shape)
        gb = sum_to(np.swapaxes(a2, -1, -2) @ g, b2.shape)
        return ga.reshape(a.shape), gb.reshape(b.shape)


class Sum(Function):
    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        shape = self.inputs[0].shape
        if self.axis is not None and not self.keepdims:
            axes = (self.axis,) if isinstance(self.axis, int) else self.axis
            gy = np.expand_dims(gy, tuple(a % len(shape) for a in axes))
        return (np.broadcast_to(gy, shape).copy(),)


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, gy):
        return (gy.reshape(self.inputs[0].shape),)


class Transpose(Function):
    def forward(self, x):
        return x.T

    def backward(self, gy):
        return (gy.T,)


def exp(x):
    return Exp()(x)


def log(x):
    return Log()(x)


def tanh(x):
    return Tanh()(x)


def sigmoid(x):
    return Sigmoid()(x)


def matmul(a, b):
    return MatMul()(a, b)


def sum(x, axis=None, keepdims=False):
    return Sum(axis, keepdims)(x)


def mean(x, axis=None, keepdims=False):
    y = sum(x, axis, keepdims)
    return y * (y.data.size / x.data.size)


def reshape(x, shape):
    return Reshape(tuple(shape))(x)


def transpose(x):
    return Transpose()(x)

"""A DeZero-style engine: Variable holds data, Function subclasses do the math, ops are module functions.

Written for the doctor's evaluation corpus (tests/engines/corpus): correct as it stands; its bugs are
the mutations listed in manifest.py.  The variable has no op methods of its own: ``setup_variable()``
installs the operators, and everything else is a function (``exp(x)``, ``sum(x, axis)``, ``matmul(a, b)``).
"""

import numpy as np


class Variable:
    __array_priority__ = 100

    def __init__(self, data, name=None):
        if np.isscalar(data):
            data = np.array(data)
        self.data = np.asarray(data, dtype=np.float64)
        self.name = name
        self.grad = None
        self.creator = None
        self.generation = 0

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    def set_creator(self, func):
        self.creator = func
        self.generation = func.generation + 1

    def cleargrad(self):
        self.grad = None

    def backward(self):
        if self.grad is None:
            self.grad = np.ones_like(self.data)
        funcs = []
        seen_set = set()

        def add_func(f):
            if f not in seen_set:
                funcs.append(f)
                seen_set.add(f)
                funcs.sort(key=lambda x: x.generation)

        add_func(self.creator)
        while funcs:
            f = funcs.pop()
            gys = [output.grad for output in f.outputs]
            gxs = f.backward(*gys)
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            for x, gx in zip(f.inputs, gxs):
                if x.grad is None:
                    x.grad = gx.copy()
                else:
                    x.grad = x.grad + gx
                if x.creator is not None:
                    add_func(x.creator)
            for y in f.outputs:
                y.grad = None  # only leaves keep a gradient


def as_array(x):
    return np.array(x) if np.isscalar(x) else x


def as_variable(obj):
    return obj if isinstance(obj, Variable) else Variable(obj)


class Function:
    def __call__(self, *inputs):
        inputs = [as_variable(x) for x in inputs]
        xs = [x.data for x in inputs]
        ys = self.forward(*xs)
        if not isinstance(ys, tuple):
            ys = (ys,)
        outputs = [Variable(as_array(y)) for y in ys]
        self.generation = max(x.generation for x in inputs)
        for output in outputs:
            output.set_creator(self)
        self.inputs = inputs
        self.outputs = outputs
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *xs):
        raise NotImplementedError()

    def backward(self, *gys):
        raise NotImplementedError()


def sum_to(x, shape):
    """Sum x over the axes that broadcasting added or stretched, so that it has ``shape``."""
    ndim = len(shape)
    lead = x.ndim - ndim
    lead_axis = tuple(range(lead))
    axis = tuple(i + lead for i, sx in enumerate(shape) if sx == 1)
    y = x.sum(lead_axis + axis, keepdims=True)
    if lead > 0:
        y = y.squeeze(lead_axis)
    return y


class Add(Function):
    def forward(self, x0, x1):
        self.x0_shape, self.x1_shape = x0.shape, x1.shape
        return x0 + x1

    def backward(self, gy):
        gx0, gx1 = gy, gy
        if self.x0_shape != self.x1_shape:
            gx0, gx1 = sum_to(gx0, self.x0_shape), sum_to(gx1, self.x1_shape)
        return gx0, gx1


class Mul(Function):
    def forward(self, x0, x1):
        return x0 * x1

    def backward(self, gy):
        x0, x1 = self.inputs[0].data, self.inputs[1].data
        return sum_to(gy * x1, x0.shape), sum_to(gy * x0, x1.shape)


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Sub(Function):
    def forward(self, x0, x1):
        return x0 - x1

    def backward(self, gy):
        x0, x1 = self.inputs
        return sum_to(gy, x0.shape), sum_to(-gy, x1.shape)


class Div(Function):
    def forward(self, x0, x1):
        return x0 / x1

    def backward(self, gy):
        x0, x1 = self.inputs[0].data, self.inputs[1].data
        gx0 = gy / x1
        gx1 = gy * (-x0 / x1**2)
        return sum_to(gx0, x0.shape), sum_to(gx1, x1.shape)


class Pow(Function):
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x**self.c

    def backward(self, gy):
        x = self.inputs[0].data
        return self.c * x ** (self.c - 1) * gy


class Exp(Function):
    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        return gy * self.outputs[0].data


class Tanh(Function):
    def forward(self, x):
        return np.tanh(x)

    def backward(self, gy):
        y = self.outputs[0].data
        return gy * (1 - y * y)


class Sum(Function):
    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.x_shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        if self.axis is not None and not self.keepdims:
            axes = (self.axis,) if isinstance(self.axis, int) else self.axis
            gy = np.expand_dims(gy, tuple(a % len(self.x_shape) for a in axes))
        return np.broadcast_to(gy, self.x_shape).copy()


class Transpose(Function):
    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        return np.transpose(x, self.axes)

    def backward(self, gy):
        if self.axes is None:
            return np.transpose(gy)
        return np.transpose(gy, np.argsort(self.axes))


class MatMul(Function):
    def forward(self, x, W):
        return x @ W

    def backward(self, gy):
        x, W = self.inputs[0].data, self.inputs[1].data
        # 1-D operands as numpy treats them: a row (x) or a column (W), dropped again at the end
        x2 = x[np.newaxis] if x.ndim == 1 else x
        W2 = W[:, np.newaxis] if W.ndim == 1 else W
        g2 = np.expand_dims(gy, -2) if x.ndim == 1 else gy
        g2 = np.expand_dims(g2, -1) if W.ndim == 1 else g2
        gx = sum_to(g2 @ np.swapaxes(W2, -1, -2), x2.shape).reshape(x.shape)
        gW = sum_to(np.swapaxes(x2, -1, -2) @ g2, W2.shape).reshape(W.shape)
        return gx, gW


def add(x0, x1):
    return Add()(x0, as_array(x1))


def mul(x0, x1):
    return Mul()(x0, as_array(x1))


def neg(x):
    return Neg()(x)


def sub(x0, x1):
    return Sub()(x0, as_array(x1))


def rsub(x0, x1):
    return Sub()(as_array(x1), x0)


def div(x0, x1):
    return Div()(x0, as_array(x1))


def rdiv(x0, x1):
    return Div()(as_array(x1), x0)


def pow(x, c):
    return Pow(c)(x)


def exp(x):
    return Exp()(x)


def tanh(x):
    return Tanh()(x)


def sum(x, axis=None, keepdims=False):
    return Sum(axis, keepdims)(x)


def transpose(x, axes=None):
    return Transpose(axes)(x)


def matmul(x, W):
    return MatMul()(x, W)


def setup_variable():
    Variable.__add__ = add
    Variable.__radd__ = add
    Variable.__mul__ = mul
    Variable.__rmul__ = mul
    Variable.__neg__ = neg
    Variable.__sub__ = sub
    Variable.__rsub__ = rsub
    Variable.__truediv__ = div
    Variable.__rtruediv__ = rdiv
    Variable.__pow__ = pow
    Variable.__matmul__ = matmul


setup_variable()

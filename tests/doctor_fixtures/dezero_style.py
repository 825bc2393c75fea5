"""A DeZero-style engine: ``Variable`` has no operator methods; ops are ``Function`` subclasses, called
through module-level functions (``add(x, y)``, ``exp(x)``); ``.grad`` is itself a ``Variable``.

Written for the doctor's runner tests; correct on purpose.
"""

import numpy as np


class Variable:
    def __init__(self, data):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = None
        self.creator = None
        self.generation = 0

    def backward(self):
        _clear_intermediates(self)
        self.grad = Variable(np.ones_like(self.data))
        pending, seen = [], set()

        def push(f):
            if f is not None and id(f) not in seen:
                seen.add(id(f))
                pending.append(f)
                pending.sort(key=lambda g: g.generation)

        push(self.creator)
        while pending:
            f = pending.pop()
            gys = [y.grad.data for y in f.outputs]
            gxs = f.backward(*gys)
            for x, gx in zip(f.inputs, gxs):
                gx = _unbroadcast(gx, x.data.shape)
                # a copy: add hands one gx to both inputs, and two leaves must not share one gradient array
                x.grad = Variable(gx.copy()) if x.grad is None else Variable(x.grad.data + gx)
                push(x.creator)


def _clear_intermediates(root):
    """An intermediate's gradient is one backward's alone: clear them all before a new one."""
    stack, seen = [root.creator], set()
    while stack:
        f = stack.pop()
        if f is None or id(f) in seen:
            continue
        seen.add(id(f))
        for x in f.inputs:
            if x.creator is not None:
                x.grad = None
            stack.append(x.creator)


def _unbroadcast(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


def _as_var(x):
    return x if isinstance(x, Variable) else Variable(x)


class Function:
    def __call__(self, *inputs):
        inputs = [_as_var(x) for x in inputs]
        ys = self.forward(*[x.data for x in inputs])
        outputs = [Variable(y) for y in (ys if isinstance(ys, tuple) else (ys,))]
        self.generation = max(x.generation for x in inputs)
        for y in outputs:
            y.creator, y.generation = self, self.generation + 1
        self.inputs, self.outputs = inputs, outputs
        return outputs if len(outputs) > 1 else outputs[0]


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        return gy, gy


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        return gy * b.data, gy * a.data


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        return gy, -gy


class Exp(Function):
    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        return (gy * self.outputs[0].data,)


class Tanh(Function):
    def forward(self, x):
        return np.tanh(x)

    def backward(self, gy):
        t = self.outputs[0].data
        return (gy * (1 - t * t),)


class Pow(Function):
    """``Pow(c)(x)``: the exponent is the function's setting, given to its constructor; no module-level pow."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x**self.c

    def backward(self, gy):
        x = self.inputs[0].data
        return (gy * self.c * x ** (self.c - 1),)


class Sum(Function):
    def forward(self, x):
        return np.array(x.sum())

    def backward(self, gy):
        return (np.broadcast_to(gy, self.inputs[0].data.shape).copy(),)


def add(a, b):
    return Add()(a, b)


def mul(a, b):
    return Mul()(a, b)


def sub(a, b):
    return Sub()(a, b)


def exp(x):
    return Exp()(x)


def tanh(x):
    return Tanh()(x)


def sum(x):
    return Sum()(x)

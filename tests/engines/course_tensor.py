"""A learner-style tensor engine with the course's API, written for the doctor's tests.

``Tensor(np.array(...), requires_grad=True)``, ``grad`` is None until backward,
``.sum(axis=, keepdims=)``, ``backward(grad)``.  Correct on purpose: the doctor
must find nothing wrong here; tests/engines/mutations.py breaks it.
"""

import numpy as np


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def matmul_grads(g, a, b):
    """NumPy's matmul rules: a 1-D operand is a row (left) or a column (right); batch axes broadcast."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    if b.ndim == 1:
        g = np.expand_dims(g, -1)
    if a.ndim == 1:
        g = np.expand_dims(g, -2)
    ga = unbroadcast(g @ np.swapaxes(b2, -1, -2), a2.shape)
    gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g, b2.shape)
    return ga.reshape(a.shape), gb.reshape(b.shape)


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64))


class Tensor:
    def __init__(self, data, requires_grad=False, _parents=(), _backward=None):
        self.data = np.asarray(data, dtype=np.float64)
        self.requires_grad = requires_grad
        self.grad = None
        self._parents = _parents
        self._backward = _backward  # g -> one gradient per parent

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Tensor({self.data!r}, requires_grad={self.requires_grad})"

    def _make(self, data, parents, backward):
        needs = any(p.requires_grad for p in parents)
        return Tensor(data, needs, parents if needs else (), backward if needs else None)

    # ------------------------------------------------------------------ binary ops
    def __add__(self, other):
        other = _as_tensor(other)
        return self._make(
            self.data + other.data,
            (self, other),
            lambda g: (unbroadcast(g, self.shape), unbroadcast(g, other.shape)),
        )

    def __sub__(self, other):
        other = _as_tensor(other)
        return self._make(
            self.data - other.data,
            (self, other),
            lambda g: (unbroadcast(g, self.shape), unbroadcast(-g, other.shape)),
        )

    def __mul__(self, other):
        other = _as_tensor(other)
        return self._make(
            self.data * other.data,
            (self, other),
            lambda g: (unbroadcast(g * other.data, self.shape), unbroadcast(g * self.data, other.shape)),
        )

    def __truediv__(self, other):
        other = _as_tensor(other)
        return self._make(
            self.data / other.data,
            (self, other),
            lambda g: (
                unbroadcast(g / other.data, self.shape),
                unbroadcast(-g * self.data / other.data**2, other.shape),
            ),
        )

    def __pow__(self, exponent):
        return self._make(self.data**exponent, (self,), lambda g: (g * exponent * self.data ** (exponent - 1),))

    def __matmul__(self, other):
        other = _as_tensor(other)
        return self._make(self.data @ other.data, (self, other), lambda g: matmul_grads(g, self.data, other.data))

    def __neg__(self):
        return self._make(-self.data, (self,), lambda g: (-g,))

    def __radd__(self, other):
        return _as_tensor(other) + self

    def __rsub__(self, other):
        return _as_tensor(other) - self

    def __rmul__(self, other):
        return _as_tensor(other) * self

    def __rtruediv__(self, other):
        return _as_tensor(other) / self

    # ------------------------------------------------------------------ elementwise
    def exp(self):
        out = np.exp(self.data)
        return self._make(out, (self,), lambda g: (g * out,))

    def log(self):
        return self._make(np.log(self.data), (self,), lambda g: (g / self.data,))

    def tanh(self):
        t = np.tanh(self.data)
        return self._make(t, (self,), lambda g: (g * (1 - t**2),))

    def relu(self):
        return self._make(np.maximum(self.data, 0), (self,), lambda g: (g * (self.data > 0),))

    def sigmoid(self):
        s = 1 / (1 + np.exp(-self.data))
        return self._make(s, (self,), lambda g: (g * s * (1 - s),))

    # ------------------------------------------------------------------ reductions and shapes
    def sum(self, axis=None, keepdims=False):
        def backward(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, self.shape).copy(),)

        return self._make(self.data.sum(axis=axis, keepdims=keepdims), (self,), backward)

    def mean(self, axis=None, keepdims=False):
        total = self.sum(axis=axis, keepdims=keepdims)
        count = self.data.size / total.data.size
        return self._make(total.data / count, (total,), lambda g: (g / count,))

    def reshape(self, *shape):
        return self._make(self.data.reshape(*shape), (self,), lambda g: (g.reshape(self.shape),))

    def transpose(self, *axes):
        axes = axes or tuple(reversed(range(self.data.ndim)))
        inverse = np.argsort(axes)
        return self._make(self.data.transpose(axes), (self,), lambda g: (g.transpose(inverse),))

    @property
    def T(self):
        return self.transpose()

    def __getitem__(self, key):
        def backward(g):
            full = np.zeros_like(self.data)
            np.add.at(full, key, g)  # a repeated index gets the sum of its upstream gradients
            return (full,)

        return self._make(self.data[key], (self,), backward)

    def softmax(self, axis=-1):
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        e = np.exp(shifted)
        s = e / e.sum(axis=axis, keepdims=True)
        return self._make(s, (self,), lambda g: (s * (g - (g * s).sum(axis=axis, keepdims=True)),))

    # ------------------------------------------------------------------ autograd
    def backward(self, grad=None):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # iterative post-order: parents before children
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node._parents)
        grads = {id(self): np.ones_like(self.data) if grad is None else np.asarray(grad, dtype=np.float64)}
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if not node._parents:
                node.grad = g.copy() if node.grad is None else node.grad + g
                continue
            for parent, pg in zip(node._parents, node._backward(g)):
                if parent.requires_grad:
                    if id(parent) in grads:
                        grads[id(parent)] = grads[id(parent)] + pg
                    else:
                        grads[id(parent)] = pg

    def zero_grad(self):
        self.grad = None


def cat(tensors, axis=0):
    """Join tensors along an existing axis; each input's gradient is its slice of the upstream one."""
    offsets = np.cumsum([t.shape[axis] for t in tensors])[:-1]

    def backward(g):
        return tuple(np.split(g, offsets, axis=axis))

    return tensors[0]._make(np.concatenate([t.data for t in tensors], axis=axis), tuple(tensors), backward)


def cross_entropy(logits, targets):
    """Mean over the batch of -log softmax(logits)[i, targets[i]], computed with log-sum-exp."""
    z = logits.data - logits.data.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = len(targets)
    rows = np.arange(n)

    def backward(g):
        d = np.exp(log_probs)
        d[rows, targets] -= 1
        return (g * d / n,)

    return logits._make(-log_probs[rows, targets].mean(), (logits,), backward)

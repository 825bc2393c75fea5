"""A scalar engine with a global tape (a Wengert list): every op appends its entry, backward walks the tape backwards.

Written for the doctor's held-out corpus (tests/engines/corpus): correct as it stands; its bugs are the
mutations listed in manifest.py (HELDOUT).  A ``Var`` made by an op remembers where its entry sits on
``TAPE``; an entry is ``(out, [(input, local derivative), ...])``.  Adjoints of intermediates live in a
dict for one backward only; leaves add theirs into ``.grad``.
"""

import math

TAPE = []


def _wrap(x):
    return x if isinstance(x, Var) else Var(x)


def _record(value, parents):
    out = Var(value)
    out.pos = len(TAPE)
    TAPE.append((out, parents))
    return out


class Var:
    def __init__(self, val):
        self.val = float(val)
        self.grad = 0.0
        self.pos = None  # None: a leaf, not on the tape

    def __repr__(self):
        return f"Var({self.val}, grad={self.grad})"

    def __add__(self, other):
        other = _wrap(other)
        return _record(self.val + other.val, [(self, 1.0), (other, 1.0)])

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        other = _wrap(other)
        return _record(self.val - other.val, [(self, 1.0), (other, -1.0)])

    def __rsub__(self, other):
        return _wrap(other) - self

    def __mul__(self, other):
        other = _wrap(other)
        return _record(self.val * other.val, [(self, other.val), (other, self.val)])

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        other = _wrap(other)
        a, b = self.val, other.val
        return _record(a / b, [(self, 1.0 / b), (other, -a / (b * b))])

    def __rtruediv__(self, other):
        return _wrap(other) / self

    def __neg__(self):
        return _record(-self.val, [(self, -1.0)])

    def __pow__(self, k):
        x = self.val
        return _record(x**k, [(self, k * x ** (k - 1))])

    def exp(self):
        e = math.exp(self.val)
        return _record(e, [(self, e)])

    def log(self):
        return _record(math.log(self.val), [(self, 1.0 / self.val)])

    def tanh(self):
        x = self.val
        t = math.tanh(x)
        return _record(t, [(self, 1 - t * t)])

    def relu(self):
        x = self.val
        return _record(max(x, 0.0), [(self, 1.0 if x > 0 else 0.0)])

    def zero_grad(self):
        self.grad = 0.0

    def backward(self):
        if self.pos is None:  # a leaf on its own
            self.grad += 1.0
            return
        adjoint = {id(self): 1.0}
        for i in range(self.pos, -1, -1):
            if not adjoint:
                break  # nothing left to hand back
            out, parents = TAPE[i]
            g = adjoint.pop(id(out), None)
            if g is None:
                continue
            for p, local in parents:
                if p.pos is None:
                    p.grad += g * local
                else:
                    adjoint[id(p)] = adjoint.get(id(p), 0.0) + g * local

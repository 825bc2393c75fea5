"""Catalog bugs written into the test engines' sources: the mutants the doctor must diagnose.

Each mutation is a textual edit of one engine's source (every ``old`` must
occur exactly ``count`` times), made the way a learner's engine would have
the bug, and the break of minigrad's catalog that is the same bug.  A catalog
bug an engine cannot have (sub or mean composed of other ops, an op it lacks)
has no mutation for that engine.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    engine: str  # file in tests/engines
    target: str  # the class to examine
    break_id: str
    edits: tuple[tuple[str, str, int], ...]  # (old, new, how many times old occurs)
    also_right: tuple[str, ...] = ()  # breaks that are the very same bug for this engine

    @property
    def name(self) -> str:
        return f"{self.engine.removesuffix('.py')}/{self.break_id}"

    def apply(self, source: str) -> str:
        for old, new, count in self.edits:
            found = source.count(old)
            if found != count:
                raise ValueError(f"mutation {self.name}: {old!r} occurs {found} times, expected {count}")
            source = source.replace(old, new)
        return source


def _course(break_id: str, *edits: tuple[str, str, int]) -> Mutation:
    return Mutation("course_tensor.py", "Tensor", break_id, edits)


def _micro(break_id: str, *edits: tuple[str, str, int]) -> Mutation:
    return Mutation("micro_tensor.py", "Tensor", break_id, edits)


def _function(break_id: str, *edits: tuple[str, str, int]) -> Mutation:
    return Mutation("function_style.py", "Variable", break_id, edits)


def _scalar(break_id: str, *edits: tuple[str, str, int], also_right: tuple[str, ...] = ()) -> Mutation:
    return Mutation("scalar_value.py", "Value", break_id, edits, also_right)


COURSE_RECURSIVE = """        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        grads = {"""

COURSE_ITERATIVE_START = "        order, seen, stack = [], set(), [(self, False)]\n"

MICRO_RECURSIVE = """        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        for node in topo:"""

BFS_ORDER = """        queue, done = [self], set()
        while queue:  # breadth-first from the output: a node can run before all of its consumers
            node = queue.pop(0)
            if node not in done:
                done.add(node)
                node._backward()
                queue.extend(node._prev)"""


def _between(path: str, start: str, end: str) -> str:
    """The exact source from ``start`` up to (not including) ``end``, read from the engine file."""
    import os

    with open(os.path.join(os.path.dirname(__file__), path)) as f:
        text = f.read()
    i = text.index(start)
    return text[i : text.index(end, i)]


MUTATIONS: list[Mutation] = [
    # ------------------------------------------------------------ the course's API
    _course("skip-unbroadcast", ("(unbroadcast(g, self.shape), unbroadcast(g, other.shape))", "(g, g)", 1)),
    _course(
        "skip-unbroadcast-mul",
        (
            "(unbroadcast(g * other.data, self.shape), unbroadcast(g * self.data, other.shape))",
            "(g * other.data, g * self.data)",
            1,
        ),
    ),
    _course(
        "unbroadcast-mean",
        ("grad = grad.sum(axis=0)", "grad = grad.mean(axis=0)", 1),
        ("grad = grad.sum(axis=axis, keepdims=True)", "grad = grad.mean(axis=axis, keepdims=True)", 1),
    ),
    _course("sum-backward-no-keepdims", ("g = np.expand_dims(g, axis)", "pass", 1)),
    _course(
        "accumulate-overwrite",
        ("grads[id(parent)] = grads[id(parent)] + pg", "grads[id(parent)] = pg", 1),
        ("node.grad = g.copy() if node.grad is None else node.grad + g", "node.grad = g.copy()", 1),
    ),
    _course(
        "no-topological-order",
        ("                order.append(node)\n", "                pass\n", 1),
        (
            "                seen.add(id(node))\n",
            "                seen.add(id(node))\n                order.insert(0, node)\n",
            1,
        ),
    ),
    _course(
        "recursive-walk",
        (
            _between("course_tensor.py", COURSE_ITERATIVE_START, "        grads = {"),
            COURSE_RECURSIVE.removesuffix("        grads = {"),
            1,
        ),
    ),
    _course(
        "matmul-no-transpose",
        ("g @ np.swapaxes(b2, -1, -2)", "g @ b2", 1),
        ("np.swapaxes(a2, -1, -2) @ g", "a2 @ g", 1),
    ),
    _course("mean-missing-1-over-n", ("lambda g: (g / count,)", "lambda g: (g,)", 1)),
    _course("tanh-backward-uses-input", ("(g * (1 - t**2),)", "(g * (1 - self.data**2),)", 1)),
    _course("sigmoid-backward-missing-factor", ("(g * s * (1 - s),)", "(g * s,)", 1)),
    _course(
        "pow-wrong-exponent", ("g * exponent * self.data ** (exponent - 1)", "g * exponent * self.data**exponent", 1)
    ),
    _course("sub-backward-sign", ("unbroadcast(-g, other.shape)", "unbroadcast(g, other.shape)", 1)),
    _course("div-backward-sign", ("-g * self.data / other.data**2", "g * self.data / other.data**2", 1)),
    _course(
        "softmax-no-max-subtraction",
        ("shifted = self.data - self.data.max(axis=axis, keepdims=True)", "shifted = self.data", 1),
    ),
    _course(
        "cross-entropy-log-of-softmax",
        (
            "z = logits.data - logits.data.max(axis=1, keepdims=True)\n"
            "    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))",
            "e = np.exp(logits.data)\n    log_probs = np.log(e / e.sum(axis=1, keepdims=True))",
            1,
        ),
    ),
    # ------------------------------------------------------------ micrograd style
    _micro(
        "skip-unbroadcast",
        ("self.grad += reduce_to(out.grad, self.data.shape)", "self.grad += out.grad", 1),
        ("other.grad += reduce_to(out.grad, other.data.shape)", "other.grad += out.grad", 1),
    ),
    _micro(
        "skip-unbroadcast-mul",
        ("self.grad += reduce_to(other.data * out.grad, self.data.shape)", "self.grad += other.data * out.grad", 1),
        ("other.grad += reduce_to(self.data * out.grad, other.data.shape)", "other.grad += self.data * out.grad", 1),
    ),
    _micro(
        "unbroadcast-mean",
        ("grad.sum(axis=tuple(range(extra)))", "grad.mean(axis=tuple(range(extra)))", 1),
        ("grad.sum(axis=stretched, keepdims=True)", "grad.mean(axis=stretched, keepdims=True)", 1),
    ),
    _micro(
        "sum-backward-no-keepdims",
        ("g = out.grad if axis is None else np.expand_dims(out.grad, axis)", "g = out.grad", 1),
    ),
    _micro("accumulate-overwrite", ("self.grad += ", "self.grad = ", 10), ("other.grad += ", "other.grad = ", 3)),
    _micro(
        "no-topological-order",
        ("        for node in reversed(topo):\n            node._backward()", BFS_ORDER, 1),
    ),
    _micro(
        "recursive-walk",
        (
            _between("micro_tensor.py", "        topo, visited, stack = [], set()", "        for node in topo:")
            + "        for node in topo:",
            MICRO_RECURSIVE,
            1,
        ),
    ),
    _micro(
        "matmul-no-transpose",
        ("g2 @ b2.swapaxes(-1, -2)", "g2 @ b2", 1),
        ("a2.swapaxes(-1, -2) @ g2", "a2 @ g2", 1),
    ),
    _micro("tanh-backward-uses-input", ("(1 - out.data**2)", "(1 - self.data**2)", 1)),
    _micro("pow-wrong-exponent", ("k * self.data ** (k - 1)", "k * self.data**k", 1)),
    # ------------------------------------------------------------ Function classes (DeZero-like)
    _function("skip-unbroadcast", ("return sum_to(gy, a.shape), sum_to(gy, b.shape)", "return gy, gy", 1)),
    _function(
        "skip-unbroadcast-mul",
        ("return sum_to(gy * b.data, a.shape), sum_to(gy * a.data, b.shape)", "return gy * b.data, gy * a.data", 1),
    ),
    _function("unbroadcast-mean", ("y = x.sum(axis=axes, keepdims=True)", "y = x.mean(axis=axes, keepdims=True)", 1)),
    _function(
        "sum-backward-no-keepdims",
        ("gy = np.expand_dims(gy, tuple(a % len(shape) for a in axes))", "pass", 1),
    ),
    _function(
        "accumulate-overwrite",
        ("x.grad = gx if x.grad is None else x.grad + gx", "x.grad = gx", 1),
        ("grads[id(x)] = grads[id(x)] + gx if id(x) in grads else gx", "grads[id(x)] = gx", 1),
    ),
    _function("no-topological-order", ("                funcs.sort(key=lambda fn: fn.generation)\n", "", 1)),
    _function(
        "recursive-walk",
        (
            "        if self.creator is not None:\n            add_func(self.creator)",
            "        def visit(f):\n"
            "            if f not in seen:\n"
            "                seen.add(f)\n"
            "                for x in f.inputs:\n"
            "                    if x.creator is not None:\n"
            "                        visit(x.creator)\n"
            "                funcs.append(f)\n\n"
            "        if self.creator is not None:\n"
            "            visit(self.creator)",
            1,
        ),
    ),
    _function(
        "matmul-no-transpose",
        ("g @ np.swapaxes(b2, -1, -2)", "g @ b2", 1),
        ("np.swapaxes(a2, -1, -2) @ g", "a2 @ g", 1),
    ),
    _function(
        "tanh-backward-uses-input",
        (
            "y = self.output.data\n        return (gy * (1 - y * y),)",
            "y = self.inputs[0].data\n        return (gy * (1 - y * y),)",
            1,
        ),
    ),
    _function("sigmoid-backward-missing-factor", ("(gy * y * (1 - y),)", "(gy * y,)", 1)),
    _function("pow-wrong-exponent", ("self.c * x.data ** (self.c - 1) * gy", "self.c * x.data**self.c * gy", 1)),
    _function("sub-backward-sign", ("sum_to(-gy, b.shape)", "sum_to(gy, b.shape)", 1)),
    _function("div-backward-sign", ("-gy * a.data / b.data**2", "gy * a.data / b.data**2", 1)),
    # ------------------------------------------------------------ scalar Value
    _scalar(
        "value-assign-not-accumulate",
        ("self.grad += out.grad\n", "self.grad = out.grad\n", 1),
        ("other.grad += out.grad\n", "other.grad = out.grad\n", 1),
        ("self.grad += other.data * out.grad", "self.grad = other.data * out.grad", 1),
        ("other.grad += self.data * out.grad", "other.grad = self.data * out.grad", 1),
        also_right=("accumulate-overwrite",),  # on a scalar engine the two breaks are the same bug
    ),
    _scalar(
        "no-topological-order", ("        for node in reversed(topo):\n            node._backward()", BFS_ORDER, 1)
    ),
    _scalar(
        "recursive-walk",
        (
            _between(
                "scalar_value.py",
                "        topo, visited, stack = [], set(), [(self, False)]",
                "        for node in topo:",
            )
            + "        for node in topo:",
            MICRO_RECURSIVE,
            1,
        ),
    ),
    _scalar("tanh-backward-uses-input", ("(1 - t**2) * out.grad", "(1 - self.data**2) * out.grad", 1)),
    _scalar("sigmoid-backward-missing-factor", ("s * (1 - s) * out.grad", "s * out.grad", 1)),
    _scalar("pow-wrong-exponent", ("k * self.data ** (k - 1)", "k * self.data**k", 1)),
]

# ---------------------------------------------------------------- the bugs found in learners' engines (issue 9's table)

MICRO_RESET = """        for node in topo:
            if node._prev:  # an intermediate keeps no gradient from an earlier backward
                node.grad = np.zeros_like(node.data)
"""
SCALAR_RESET = """        for node in topo:
            if node._prev:
                node.grad = 0.0
"""
MICRO_WALK = "        for node in reversed(topo):\n            node._backward()"

MUTATIONS += [
    # ------------------------------------------------------------ the course's API
    _course(
        "tensor-topo-from-set",
        ("        for node in reversed(order):\n", "        for node in set(order):  # each node once\n", 1),
    ),
    _course(
        "backward-seeded-with-zeros",
        ("np.ones_like(self.data) if grad is None", "np.zeros_like(self.data) if grad is None", 1),
    ),
    _course(
        "matmul-backward-2d-only",
        ("lambda g: matmul_grads(g, self.data, other.data)", "lambda g: (g @ other.data.T, self.data.T @ g)", 1),
    ),
    _course(
        "mul-backward-no-upstream",
        (
            "(unbroadcast(g * other.data, self.shape), unbroadcast(g * self.data, other.shape))",
            "(unbroadcast(other.data * np.ones_like(g), self.shape),"
            " unbroadcast(self.data * np.ones_like(g), other.shape))",
            1,
        ),
    ),
    _course(
        "neg-not-in-graph", ("return self._make(-self.data, (self,), lambda g: (-g,))", "return Tensor(-self.data)", 1)
    ),
    _course(
        "relu-backward-output-as-upstream",
        ("lambda g: (g * (self.data > 0),)", "lambda g: (np.maximum(self.data, 0) * (self.data > 0),)", 1),
    ),
    _course("exp-backward-uses-input", ("lambda g: (g * out,)", "lambda g: (g * self.data,)", 1)),
    _course("softmax-diagonal-only", ("(s * (g - (g * s).sum(axis=axis, keepdims=True)),)", "(g * s * (1 - s),)", 1)),
    _course(
        "axis-zero-is-all",
        (
            "    def sum(self, axis=None, keepdims=False):\n        def backward(g):",
            "    def sum(self, axis=None, keepdims=False):\n        if not axis:\n            axis = None\n\n"
            "        def backward(g):",
            1,
        ),
    ),
    _course(
        "reduction-backward-one-axis",
        ("g = np.expand_dims(g, axis)", "g = np.expand_dims(g, axis[0] if isinstance(axis, tuple) else axis)", 1),
    ),
    _course("mean-axis-divides-by-total", ("count = self.data.size / total.data.size", "count = self.data.size", 1)),
    _course("unbroadcast-left-aligned", ("grad = grad.sum(axis=0)", "grad = grad.sum(axis=-1)", 1)),
    _course("rsub-swapped", ("return _as_tensor(other) - self", "return self - _as_tensor(other)", 1)),
    _course("rtruediv-swapped", ("return _as_tensor(other) / self", "return self / _as_tensor(other)", 1)),
    # ------------------------------------------------------------ micrograd style
    _micro("intermediate-grad-kept", (MICRO_RESET, "", 1)),
    _micro("tensor-topo-from-set", (MICRO_WALK, "        for node in set(topo):\n            node._backward()", 1)),
    Mutation(
        "micro_tensor.py",
        "Tensor",
        "backward-seeded-with-zeros",
        (("self.grad = np.ones_like(self.data)", "self.grad = np.zeros_like(self.data)", 1),),
        ("value-root-not-seeded",),
    ),
    Mutation(
        "micro_tensor.py",
        "Tensor",
        "value-root-not-seeded",
        (("        self.grad = np.ones_like(self.data)\n", "", 1),),
        ("backward-seeded-with-zeros",),  # the reset leaves the root at zeros: the same bug here
    ),
    _micro("integer-grad-truncated", ("self.data = np.array(data, dtype=float)", "self.data = np.array(data)", 1)),
    _micro(
        "matmul-backward-2d-only",
        (
            _between(
                "micro_tensor.py",
                "            a, b, g = self.data, other.data, out.grad",
                "        out._backward = _backward\n        return out\n\n    def exp",
            ),
            "            self.grad += out.grad @ other.data.T\n            other.grad += self.data.T @ out.grad\n\n",
            1,
        ),
    ),
    _micro(
        "mul-backward-no-upstream",
        (
            "reduce_to(other.data * out.grad, self.data.shape)",
            "reduce_to(other.data * np.ones_like(out.grad), self.data.shape)",
            1,
        ),
        (
            "reduce_to(self.data * out.grad, other.data.shape)",
            "reduce_to(self.data * np.ones_like(out.grad), other.data.shape)",
            1,
        ),
    ),
    _micro("neg-not-in-graph", ("        return self * -1\n", "        return Tensor(-self.data)\n", 1)),
    _micro("relu-backward-output-as-upstream", ("(out.data > 0) * out.grad", "(out.data > 0) * out.data", 1)),
    _micro("exp-backward-uses-input", ("self.grad += out.data * out.grad", "self.grad += self.data * out.grad", 1)),
    _micro(
        "axis-zero-is-all",
        (
            'out = Tensor(self.data.sum(axis=axis), (self,), "sum")',
            'axis = axis or None\n        out = Tensor(self.data.sum(axis=axis), (self,), "sum")',
            1,
        ),
    ),
    _micro(
        "mean-axis-divides-by-total",
        (
            "n = self.data.size if axis is None else np.prod([self.data.shape[a] for a in np.atleast_1d(axis)])",
            "n = self.data.size",
            1,
        ),
    ),
    _micro(
        "unbroadcast-left-aligned",
        ("grad.sum(axis=tuple(range(extra)))", "grad.sum(axis=tuple(range(len(shape), grad.ndim)))", 1),
    ),
    _micro("rsub-swapped", ("return other + (-self)", "return self + (-other)", 1)),
    _micro("rtruediv-swapped", ("return other * self**-1", "return self * other**-1", 1)),
    # ------------------------------------------------------------ Function classes (DeZero-like)
    _function(
        "matmul-backward-2d-only",
        (
            _between("function_style.py", "        a2 = a.data[np.newaxis]", "\n\nclass Sum"),
            "        return gy @ b.data.T, a.data.T @ gy",
            1,
        ),
    ),
    _function(
        "mul-backward-no-upstream",
        (
            "return sum_to(gy * b.data, a.shape), sum_to(gy * a.data, b.shape)",
            "return sum_to(b.data * np.ones_like(gy), a.shape), sum_to(a.data * np.ones_like(gy), b.shape)",
            1,
        ),
    ),
    _function("neg-not-in-graph", ("        return Neg()(self)\n", "        return Variable(-self.data)\n", 1)),
    _function("exp-backward-uses-input", ("return (gy * self.output.data,)", "return (gy * self.inputs[0].data,)", 1)),
    _function(
        "axis-zero-is-all",
        ("self.axis, self.keepdims = axis, keepdims", "self.axis, self.keepdims = axis or None, keepdims", 1),
    ),
    _function(
        "reduction-backward-one-axis",
        ("axes = (self.axis,) if isinstance(self.axis, int) else self.axis", "axes = (self.axis,)", 1),
    ),
    _function(
        "mean-axis-divides-by-total", ("return y * (y.data.size / x.data.size)", "return y * (1 / x.data.size)", 1)
    ),
    _function(
        "unbroadcast-left-aligned",
        ("axes = tuple(range(lead)) + tuple(i + lead for", "axes = tuple(range(len(shape), x.ndim)) + tuple(i for", 1),
    ),
    _function("rsub-swapped", ("return Sub()(other, self)", "return Sub()(self, other)", 1)),
    _function("rtruediv-swapped", ("return Div()(other, self)", "return Div()(self, other)", 1)),
    # ------------------------------------------------------------ scalar Value
    _scalar("value-grad-not-reset", (SCALAR_RESET, "", 1), also_right=("intermediate-grad-kept",)),
    _scalar("value-topo-no-visited", ("            elif node not in visited:\n", "            else:\n", 1)),
    _scalar(
        "value-topo-from-set",
        (MICRO_WALK, "        for node in set(topo):\n            node._backward()", 1),
        also_right=("tensor-topo-from-set",),  # on a scalar engine the two breaks are the same bug (tied scores)
    ),
    _scalar("value-root-not-seeded", ("        self.grad = 1.0\n", "", 1), also_right=("backward-seeded-with-zeros",)),
    _scalar(
        "backward-seeded-with-zeros",
        ("        self.grad = 1.0\n", "        self.grad = 0.0\n", 1),
        also_right=("value-root-not-seeded",),
    ),
    _scalar(
        "mul-backward-no-upstream",
        ("self.grad += other.data * out.grad", "self.grad += other.data", 1),
        ("other.grad += self.data * out.grad", "other.grad += self.data", 1),
    ),
    _scalar("neg-not-in-graph", ("        return self * -1\n", "        return Value(-self.data)\n", 1)),
    _scalar("relu-backward-output-as-upstream", ("(out.data > 0) * out.grad", "(out.data > 0) * out.data", 1)),
    _scalar("exp-backward-uses-input", ("self.grad += out.data * out.grad", "self.grad += self.data * out.grad", 1)),
    _scalar("rsub-swapped", ("return other + (-self)", "return self + (-other)", 1)),
    _scalar("rtruediv-swapped", ("return other * self**-1", "return self * other**-1", 1)),
]

# ---------------------------------------------------------------- bug classes seen in real engines (issue 15)

MUTATIONS += [
    _course(
        "transpose-backward-same-perm",
        ("lambda g: (g.transpose(inverse),)", "lambda g: (g.transpose(axes),)", 1),
    ),
    _course(  # the leaf keeps the upstream array itself: add hands one array to both of its inputs
        "grad-aliasing",
        (
            "node.grad = g.copy() if node.grad is None else node.grad + g",
            "node.grad = g if node.grad is None else node.grad + g",
            1,
        ),
    ),
    _course(
        "cat-split-at-sizes",
        (
            "offsets = np.cumsum([t.shape[axis] for t in tensors])[:-1]",
            "offsets = [t.shape[axis] for t in tensors][:-1]",
            1,
        ),
    ),
    _course("getitem-plain-add", ("np.add.at(full, key, g)", "full[key] += g", 1)),
    _course(
        "getitem-returns-array",
        ("        return self._make(self.data[key], (self,), backward)\n", "        return self.data[key]\n", 1),
    ),
    _course(
        "softmax-fixed-axis",
        ("    def softmax(self, axis=-1):\n", "    def softmax(self, axis=-1):\n        axis = -1\n", 1),
    ),
    _micro("reflected-op-recursion", ("return other + (-self)", "return other - self", 1)),
    _scalar(
        "math-exp-overflow",
        (
            _between(
                "scalar_value.py",
                "        if self.data >= 0:  # math.exp",
                '        out = Value(s, (self,), "sigmoid")',
            ),
            "        s = 1 / (1 + math.exp(-self.data))\n",
            1,
        ),
    ),
    _scalar(
        "number-not-wrapped",
        ("        other = other if isinstance(other, Value) else Value(other)\n", "", 2),
    ),
]

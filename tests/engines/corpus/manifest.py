"""The doctor's evaluation corpus: learner-style engines, each correct, and their bugs as textual mutations.

Every engine file here is a clean baseline that agrees with PyTorch float64 (tests/test_doctor_corpus.py
shows it).  Each ``Bug`` is a small edit of a temp copy (every ``old`` must occur exactly ``count`` times),
named with the breaks catalog's id, or with one of the new ids for bug classes the catalog lacks
(``NEW_IDS``).  ``probes`` name the PyTorch float64 probes (tests/test_doctor_corpus.py) that establish
the bug: the clean engine passes them, the mutant fails at least one.  ``AS_FOUND`` engines carry several
bugs at once, as learners' engines do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent

NEW_IDS = (
    "constant-without-grad",
    "backward-never-attached",
    "number-not-wrapped",
    "math-exp-overflow",
    "exponential-walk",
    "softmax-fixed-axis",
    "reflected-op-recursion",
    "getitem-returns-array",
)


# Probes every clean engine passes: arithmetic, numbers on either side, reuse, order, depth, a second backward.
COMMON_PROBES = ("add", "sub", "mul", "div", "neg", "numbers", "rsub", "rtruediv", "reuse", "topo", "deep")
COMMON_PROBES += ("same-graph-twice",)


@dataclass(frozen=True)
class Bug:
    id: str
    probes: tuple[str, ...]
    edits: tuple[tuple[str, str, int], ...]
    also_right: tuple[str, ...] = ()  # catalog ids that are the very same bug in this engine

    def apply(self, source: str, engine: str = "") -> str:
        for old, new, count in self.edits:
            found = source.count(old)
            if found != count:
                raise ValueError(f"{engine}/{self.id}: {old!r} occurs {found} times, expected {count}")
            source = source.replace(old, new)
        return source


@dataclass(frozen=True)
class Engine:
    file: str
    target: str  # the class the doctor is pointed at (FILE:TARGET)
    style: str
    dtype: str  # float64 or float32
    scalar: bool
    api: str  # how the probes drive it: operators, dezero, functional, requires-grad
    bugs: tuple[Bug, ...] = field(default_factory=tuple)
    ops: tuple[str, ...] = ()  # probes beyond COMMON_PROBES that the clean engine passes (the ops it has)

    @property
    def clean_probes(self) -> tuple[str, ...]:
        """Every probe the clean engine must agree with PyTorch on: its bugs' probes, the common ones, its ops'."""
        return tuple(sorted({p for b in self.bugs for p in b.probes} | set(COMMON_PROBES) | set(self.ops)))

    @property
    def name(self) -> str:
        return self.file.removesuffix(".py")

    def source(self) -> str:
        return (HERE / self.file).read_text()

    def bug(self, bug_id: str) -> Bug:
        return next(b for b in self.bugs if b.id == bug_id)


def between(file: str, start: str, end: str) -> str:
    """The exact source of ``file`` from ``start`` up to (not including) ``end``."""
    text = (HERE / file).read_text()
    i = text.index(start)
    return text[i : text.index(end, i)]


# ---------------------------------------------------------------- engines and their single-bug mutations

DEZERO = Engine(
    "dezero_functions.py",
    "Variable",
    "DeZero Variable + Function, ops as module functions",
    "float64",
    False,
    "dezero",
    (
        Bug(
            "accumulate-overwrite",
            ("reuse",),
            (
                (
                    "                if x.grad is None:\n                    x.grad = gx.copy()\n"
                    "                else:\n                    x.grad = x.grad + gx\n",
                    "                x.grad = gx\n",
                    1,
                ),
            ),
        ),
        Bug("no-topological-order", ("topo",), (("                funcs.sort(key=lambda x: x.generation)\n", "", 1),)),
        Bug(
            "skip-unbroadcast",
            ("add",),
            (
                (
                    "        if self.x0_shape != self.x1_shape:\n"
                    "            gx0, gx1 = sum_to(gx0, self.x0_shape), sum_to(gx1, self.x1_shape)\n",
                    "",
                    1,
                ),
            ),
        ),
        Bug(
            "transpose-backward-same-perm",
            ("transpose3d",),
            (("np.transpose(gy, np.argsort(self.axes))", "np.transpose(gy, self.axes)", 1),),
        ),
        Bug(
            "sum-backward-no-keepdims",
            ("sum-axis",),
            (
                (
                    "            gy = np.expand_dims(gy, tuple(a % len(self.x_shape) for a in axes))\n",
                    "            pass\n",
                    1,
                ),
            ),
        ),
        Bug(
            "intermediate-grad-kept",
            ("same-graph-twice",),
            (
                (
                    "            for y in f.outputs:\n                y.grad = None  # only leaves keep a gradient\n",
                    "",
                    1,
                ),
            ),
        ),
    ),
    ops=("pow", "unary-exp", "unary-tanh", "matmul", "matmul-batched", "zero-grad"),
)

FUNCTIONAL = Engine(
    "functional_scalar.py",
    "Node",
    "functional API: variable(), constant(), mul(x, y), backward(y)",
    "float64",
    True,
    "functional",
    (
        Bug(
            "value-assign-not-accumulate",
            ("reuse",),
            (("parent.grad += local * node.grad", "parent.grad = local * node.grad", 1),),
            also_right=("accumulate-overwrite",),
        ),
        Bug(
            "no-topological-order",
            ("topo",),
            (
                (
                    between("functional_scalar.py", "def topological_order(root):", "\n\ndef backward"),
                    "def topological_order(root):\n"
                    "    order, seen, queue = [], set(), [root]\n"
                    "    while queue:  # breadth-first from the output\n"
                    "        node = queue.pop(0)\n"
                    "        if id(node) not in seen:\n"
                    "            seen.add(id(node))\n"
                    "            order.append(node)\n"
                    "            queue.extend(node.parents)\n"
                    "    return order[::-1]",
                    1,
                ),
            ),
        ),
        Bug("div-backward-sign", ("div",), (("-a.value / b.value**2", "a.value / b.value**2", 1),)),
        Bug(
            "math-exp-overflow",
            ("exp-overflow",),
            (
                (
                    "    if a.value >= 0:\n        s = 1.0 / (1.0 + math.exp(-a.value))\n"
                    "    else:\n        z = math.exp(a.value)\n        s = z / (1.0 + z)\n",
                    "    s = 1.0 / (1.0 + math.exp(-a.value))\n",
                    1,
                ),
                (
                    "    t = math.tanh(a.value)\n",
                    "    t = (math.exp(2 * a.value) - 1) / (math.exp(2 * a.value) + 1)\n",
                    1,
                ),
            ),
        ),
        Bug(
            "recursive-walk",
            ("deep",),
            (
                (
                    between("functional_scalar.py", "def topological_order(root):", "\n\ndef backward"),
                    "def topological_order(root):\n"
                    "    order, visited = [], set()\n\n"
                    "    def visit(node):\n"
                    "        if id(node) not in visited:\n"
                    "            visited.add(id(node))\n"
                    "            for parent in node.parents:\n"
                    "                visit(parent)\n"
                    "            order.append(node)\n\n"
                    "    visit(root)\n"
                    "    return order",
                    1,
                ),
            ),
        ),
        Bug(
            "value-grad-not-reset",
            ("same-graph-twice",),
            (("    for node in order:\n        if node.parents:\n            node.grad = 0.0\n", "", 1),),
            also_right=("intermediate-grad-kept",),
        ),
    ),
    ops=(
        "pow",
        "pow-half",
        "pow-minus-one",
        "unary-exp",
        "unary-log",
        "unary-tanh",
        "unary-sigmoid",
        "unary-relu",
        "zero-grad",
        "exp-overflow",
    ),
)

OPERATION = Engine(
    "operation_gradfn.py",
    "Tensor",
    "Operation classes with a grad_fn",
    "float64",
    False,
    "operators",
    (
        Bug(
            "skip-unbroadcast-mul",
            ("mul",),
            (
                (
                    "return unbroadcast(grad * b.data, a.shape), unbroadcast(grad * a.data, b.shape)",
                    "return grad * b.data, grad * a.data",
                    1,
                ),
            ),
        ),
        Bug(
            "mul-backward-no-upstream",
            ("mul",),
            (
                (
                    "return unbroadcast(grad * b.data, a.shape), unbroadcast(grad * a.data, b.shape)",
                    "return unbroadcast(b.data * np.ones_like(grad), a.shape),"
                    " unbroadcast(a.data * np.ones_like(grad), b.shape)",
                    1,
                ),
            ),
        ),
        Bug(
            "softmax-diagonal-only",
            ("softmax",),
            (("return (s * (grad - (grad * s).sum(axis=axis, keepdims=True)),)", "return (grad * s * (1 - s),)", 1),),
        ),
        Bug(
            "softmax-fixed-axis",
            ("softmax-axis0",),
            (("return Softmax.apply(self, axis=axis)", "return Softmax.apply(self, axis=-1)", 1),),
        ),
        Bug(
            "matmul-no-transpose",
            ("matmul",),
            (
                ("ga = g2 @ np.swapaxes(b2, -1, -2)", "ga = g2 @ b2", 1),
                ("gb = np.swapaxes(a2, -1, -2) @ g2", "gb = a2 @ g2", 1),
            ),
        ),
        Bug(
            "forgot-zero-grad",
            ("zero-grad",),
            (
                (
                    "    def zero_grad(self):\n        self.grad = np.zeros_like(self.data)\n",
                    "    def zero_grad(self):\n        np.zeros_like(self.data)\n",
                    1,
                ),
            ),
        ),
    ),
    ops=(
        "unary-exp",
        "unary-log",
        "unary-relu",
        "matmul-batched",
        "sum-axis",
        "softmax",
        "softmax-axis0",
        "zero-grad",
        "constant",
    ),
)

SUBCLASSES = Engine(
    "op_subclasses.py",
    "Tensor",
    "one Tensor subclass per op",
    "float64",
    False,
    "operators",
    (
        Bug(
            "backward-never-attached",
            ("sub",),
            (
                (
                    "super().__init__(a.data - b.data, (a, b))\n\n    def _grads(self, g):",
                    "super().__init__(a.data - b.data, (a, b))\n\n    def _grad(self, g):",
                    1,
                ),
            ),
        ),
        Bug(
            "cat-split-at-sizes",
            ("cat",),
            (("np.split(g, np.cumsum(sizes)[:-1], axis=self.axis)", "np.split(g, sizes[:-1], axis=self.axis)", 1),),
        ),
        Bug(
            "getitem-returns-array",
            ("getitem",),
            (("        return Index(self, index)\n", "        return self.data[index]\n", 1),),
        ),
        Bug(
            "rsub-swapped",
            ("rsub",),
            (("        return Sub(tensor(other), self)\n", "        return Sub(self, tensor(other))\n", 1),),
        ),
        Bug(
            "exponential-walk",
            ("exp-walk",),
            (
                (
                    "        self.grad = np.ones_like(self.data)\n"
                    "        for node in reversed(order):\n"
                    "            if node.parents:\n"
                    "                for p, pg in zip(node.parents, node._grads(node.grad)):\n"
                    "                    p.grad = p.grad + pg\n",
                    "        stack = [(self, np.ones_like(self.data))]\n"
                    "        while stack:  # push each gradient down every path\n"
                    "            node, g = stack.pop()\n"
                    "            node.grad = node.grad + g\n"
                    "            stack.extend(zip(node.parents, node._grads(g)))\n",
                    1,
                ),
            ),
        ),
    ),
    ops=("pow", "unary-exp", "unary-tanh", "sum-axis", "matmul", "matmul-batched", "zero-grad", "exp-walk"),
)

FLOAT32 = Engine(
    "float32_tensor.py",
    "Tensor",
    "micrograd-style tensor, float32",
    "float32",
    False,
    "operators",
    (
        Bug(
            "skip-unbroadcast",
            ("add",),
            (
                (
                    "            self.grad += unbroadcast(out.grad, self.shape)\n"
                    "            other.grad += unbroadcast(out.grad, other.shape)\n",
                    "            self.grad += out.grad\n            other.grad += out.grad\n",
                    1,
                ),
            ),
        ),
        Bug(
            "sum-backward-no-keepdims",
            ("sum-axis",),
            (("                g = np.expand_dims(g, axis)\n", "                pass\n", 1),),
        ),
        Bug(
            "tanh-backward-uses-input",
            ("unary-tanh",),
            (("(1 - out.data**2) * out.grad", "(1 - self.data**2) * out.grad", 1),),
        ),
        Bug(
            "pow-wrong-exponent",
            ("pow",),
            (("(k * self.data ** (k - 1)) * out.grad", "(k * self.data**k) * out.grad", 1),),
        ),
        Bug(
            "unbroadcast-mean",
            ("add",),
            (
                ("grad = grad.sum(axis=0)", "grad = grad.mean(axis=0)", 1),
                ("grad = grad.sum(axis=axis, keepdims=True)", "grad = grad.mean(axis=axis, keepdims=True)", 1),
            ),
        ),
    ),
    ops=(
        "pow-half",
        "pow-minus-one",
        "unary-exp",
        "unary-log",
        "unary-relu",
        "reductions",
        "matmul",
        "matmul-batched",
        "zero-grad",
    ),
)

REQUIRES_GRAD = Engine(
    "requires_grad_tensor.py",
    "Tensor",
    "requires_grad flags; constants have grad None",
    "float64",
    False,
    "requires-grad",
    (
        Bug(
            "constant-without-grad",
            ("constant",),
            (
                (
                    "                if inp.requires_grad:\n                    inp.grad += ig\n",
                    "                inp.grad += ig\n",
                    1,
                ),
            ),
        ),
        Bug(
            "number-not-wrapped",
            ("numbers",),
            (
                (
                    "    def __sub__(self, other):\n        other = _wrap(other)\n",
                    "    def __sub__(self, other):\n",
                    1,
                ),
            ),
        ),
        Bug(
            "accumulate-overwrite",
            ("reuse",),
            (("                    inp.grad += ig\n", "                    inp.grad = ig\n", 1),),
        ),
        Bug(
            "div-backward-sign",
            ("div",),
            (("_sum_to(-g * a / b**2, other.shape)", "_sum_to(g * a / b**2, other.shape)", 1),),
        ),
        Bug(
            "recursive-walk",
            ("deep",),
            (
                (
                    between(
                        "requires_grad_tensor.py",
                        "        order, visited, stack = [], set(), [(self, False)]",
                        "        for t in order:",
                    ),
                    "        order, visited = [], set()\n\n"
                    "        def build(t):\n"
                    "            if id(t) not in visited:\n"
                    "                visited.add(id(t))\n"
                    "                for i in t._inputs:\n"
                    "                    build(i)\n"
                    "                order.append(t)\n\n"
                    "        build(self)\n",
                    1,
                ),
            ),
        ),
    ),
    ops=("pow", "unary-exp", "unary-log", "unary-sigmoid", "reductions", "matmul", "matmul-batched", "zero-grad"),
)

NO_EXP = Engine(
    "no_exp_tensor.py",
    "Tensor",
    "no exp/tanh: only + - * / sum matmul",
    "float64",
    False,
    "operators",
    (
        Bug(
            "intermediate-grad-kept",
            ("same-graph-twice",),
            (
                (
                    "        for node in order:\n            if node.grad_fn is not None:\n"
                    "                node.grad = np.zeros(node.data.shape)\n",
                    "",
                    1,
                ),
            ),
        ),
        Bug(
            "reflected-op-recursion",
            ("rsub",),
            (
                (
                    "    def __rsub__(self, other):\n        return Tensor.lift(other) - self\n",
                    "    def __rsub__(self, other):\n        return other - self\n",
                    1,
                ),
            ),
        ),
        Bug(
            "rtruediv-swapped",
            ("rtruediv",),
            (("        return Tensor.lift(other) / self\n", "        return self / Tensor.lift(other)\n", 1),),
        ),
        Bug(
            "matmul-backward-2d-only",
            ("matmul-batched",),
            (
                (
                    between(
                        "no_exp_tensor.py",
                        "            a, b, g = self.data, other.data, out.grad",
                        "\n        return Tensor(self.data @ other.data",
                    ),
                    "            self.grad += out.grad @ other.data.T\n"
                    "            other.grad += self.data.T @ out.grad\n",
                    1,
                ),
            ),
        ),
        Bug(
            "no-topological-order",
            ("topo",),
            (
                (
                    between("no_exp_tensor.py", "        order, seen = [], set()\n", "        for node in order:"),
                    "        order, seen, queue = [], set(), [self]\n"
                    "        while queue:  # breadth-first from the output\n"
                    "            node = queue.pop(0)\n"
                    "            if id(node) not in seen:\n"
                    "                seen.add(id(node))\n"
                    "                order.append(node)\n"
                    "                queue.extend(node.parents)\n"
                    "        order.reverse()\n",
                    1,
                ),
            ),
        ),
    ),
    ops=("sum-axis", "matmul", "zero-grad", "constant"),
)

GRAD_TENSOR = Engine(
    "grad_is_tensor.py",
    "Tensor",
    ".grad is an engine Tensor",
    "float64",
    False,
    "operators",
    (
        Bug(
            "accumulate-overwrite",
            ("reuse",),
            (("acc[id(p)] = acc[id(p)] + pg if id(p) in acc else pg", "acc[id(p)] = pg", 1),),
        ),
        Bug(
            "skip-unbroadcast",
            ("add",),
            (("lambda g: (shrink(g, self.shape), shrink(g, o.shape))", "lambda g: (g, g)", 1),),
        ),
        Bug("sub-backward-sign", ("sub",), (("shrink(-g, o.shape)", "shrink(g, o.shape)", 1),)),
        Bug("pow-wrong-exponent", ("pow",), (("g * n * self.data ** (n - 1)", "g * n * self.data**n", 1),)),
    ),
    ops=("unary-exp", "unary-tanh", "unary-relu", "sum-axis", "matmul", "matmul-batched", "zero-grad"),
)

VALUE_CLASSIC = Engine(
    "value_classic.py",
    "Value",
    "micrograd Value (closures, math module)",
    "float64",
    True,
    "operators",
    (
        Bug(
            "math-exp-overflow",
            ("exp-overflow",),
            (
                (
                    "        t = math.tanh(self.data)\n",
                    "        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)\n",
                    1,
                ),
                (
                    "s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))",
                    "s = 1 / (1 + math.exp(-x))",
                    1,
                ),
            ),
        ),
        Bug(
            "value-topo-no-visited",
            ("topo", "reuse"),
            (("            elif v not in visited:\n                visited.add(v)\n", "            else:\n", 1),),
        ),
        Bug(
            "value-grad-not-reset",
            ("same-graph-twice",),
            (("        for v in topo:\n            if v._prev:\n                v.grad = 0.0\n", "", 1),),
            also_right=("intermediate-grad-kept",),
        ),
        Bug(
            "reflected-op-recursion",
            ("rtruediv",),
            (("        return other * self**-1\n", "        return other / self\n", 1),),
        ),
        Bug(
            "number-not-wrapped",
            ("numbers",),
            (
                (
                    "        other = other if isinstance(other, Value) else Value(other)\n"
                    "        out = Value(self.data * other.data",
                    "        out = Value(self.data * other.data",
                    1,
                ),
            ),
        ),
    ),
    ops=("pow", "pow-half", "pow-minus-one", "unary-exp", "unary-log", "unary-tanh", "unary-sigmoid", "unary-relu"),
)

SCALAR_RULES = Engine(
    "scalar_rules.py",
    "Scalar",
    "scalar with per-input rule lists, Kahn's order",
    "float64",
    True,
    "operators",
    (
        Bug(
            "exponential-walk",
            ("exp-walk",),
            (
                (
                    between("scalar_rules.py", "        # Kahn's algorithm", "    def zero_grad"),
                    "        stack = [(self, 1.0)]\n"
                    "        while stack:  # push each gradient down every path\n"
                    "            node, g = stack.pop()\n"
                    "            node.grad += g\n"
                    "            for inp, rule in zip(node.inputs, node.rules):\n"
                    "                stack.append((inp, rule(g)))\n\n",
                    1,
                ),
            ),
        ),
        Bug(
            "value-root-not-seeded",
            ("mul",),
            (("        pending = {id(self): 1.0}\n", "        pending = {id(self): self.grad}\n", 1),),
            also_right=("backward-seeded-with-zeros",),
        ),
        Bug(
            "mul-backward-no-upstream",
            ("mul",),
            (("[lambda g: g * b, lambda g: g * a]", "[lambda g: b, lambda g: a]", 1),),
        ),
        Bug(
            "backward-never-attached",
            ("unary-exp",),
            (
                (
                    "        return Scalar(e, [self], [lambda g: g * e])\n",
                    "        out = Scalar(e, [self])\n        out.rule = lambda g: g * e\n        return out\n",
                    1,
                ),
            ),
        ),
        Bug("exp-backward-uses-input", ("unary-exp",), (("[lambda g: g * e]", "[lambda g: g * self.val]", 1),)),
    ),
    ops=("pow", "pow-half", "pow-minus-one", "unary-log", "unary-tanh", "unary-relu", "zero-grad"),
)

CTX = Engine(
    "ctx_functions.py",
    "Tensor",
    "tinygrad-like Function with ctx, shape ops",
    "float64",
    False,
    "operators",
    (
        Bug(
            "transpose-backward-same-perm",
            ("transpose3d",),
            (("np.transpose(g, np.argsort(order))", "np.transpose(g, order)", 1),),
        ),
        Bug(
            "getitem-returns-array",
            ("getitem",),
            (("        return Slice.apply(self, idx=idx)\n", "        return self.data[idx]\n", 1),),
        ),
        Bug(
            "cat-split-at-sizes",
            ("cat",),
            (("        cuts = np.cumsum(sizes)[:-1]\n", "        cuts = sizes[:-1]\n", 1),),
        ),
        Bug(
            "axis-zero-is-all",
            ("sum-axis",),
            (
                (
                    "        ctx.save_for_backward(a.shape, axis, keepdims)\n",
                    "        axis = axis if axis else None\n        ctx.save_for_backward(a.shape, axis, keepdims)\n",
                    1,
                ),
            ),
        ),
        Bug(
            "unbroadcast-mean",
            ("add",),
            (
                (
                    "return g.sum(axis=axes, keepdims=True).reshape(shape)",
                    "return g.mean(axis=axes, keepdims=True).reshape(shape)",
                    1,
                ),
            ),
        ),
        Bug(
            "recursive-walk",
            ("deep",),
            (
                (
                    between("ctx_functions.py", "    def walk(self):\n", "    def backward(self):"),
                    "    def walk(self):\n"
                    "        out, seen = [], set()\n\n"
                    "        def visit(node):\n"
                    "            if node not in seen:\n"
                    "                seen.add(node)\n"
                    "                if node._ctx is not None:\n"
                    "                    for p in node._ctx.parents:\n"
                    "                        visit(p)\n"
                    "                out.append(node)\n\n"
                    "        visit(self)\n"
                    "        return out\n\n",
                    1,
                ),
            ),
        ),
    ),
    ops=("unary-exp", "unary-relu", "reductions", "matmul", "matmul-batched", "zero-grad", "constant"),
)

STAMPED = Engine(
    "stamped_tensor.py",
    "Tensor",
    "NumPy tensor ordered by creation stamps",
    "float64",
    False,
    "operators",
    (
        Bug(
            "grad-aliasing",
            ("aliasing",),
            (("        t.grad = np.array(g, dtype=np.float64, copy=True)\n", "        t.grad = g\n", 1),),
        ),
        Bug(
            "rsub-swapped",
            ("rsub",),
            (("        return Tensor(other) + (-self)\n", "        return self + (-Tensor(other))\n", 1),),
        ),
        Bug(
            "relu-backward-output-as-upstream",
            ("unary-relu",),
            (("(self.data > 0) * out.grad", "(self.data > 0) * out.data", 1),),
        ),
        Bug(
            "mean-axis-divides-by-total",
            ("mean-axis",),
            (
                (
                    "count = self.data.size if axis is None else np.prod([self.shape[a] for a in np.atleast_1d(axis)])",
                    "count = self.data.size",
                    1,
                ),
            ),
        ),
        Bug(
            "softmax-fixed-axis",
            ("softmax-axis0",),
            (
                (
                    "    def softmax(self, axis=-1):\n",
                    "    def softmax(self, axis=-1):\n        axis = -1  # the class axis\n",
                    1,
                ),
            ),
        ),
        Bug(
            "sigmoid-backward-missing-factor",
            ("unary-sigmoid",),
            (("_acc(self, out.grad * s * (1 - s))", "_acc(self, out.grad * s)", 1),),
        ),
    ),
    ops=("pow", "unary-exp", "unary-log", "reductions", "matmul", "matmul-batched", "softmax", "zero-grad"),
)

ENGINES: dict[str, Engine] = {
    e.name: e
    for e in (
        DEZERO,
        FUNCTIONAL,
        OPERATION,
        SUBCLASSES,
        FLOAT32,
        REQUIRES_GRAD,
        NO_EXP,
        GRAD_TENSOR,
        VALUE_CLASSIC,
        SCALAR_RULES,
        CTX,
        STAMPED,
    )
}

# ---------------------------------------------------------------- "as found": several bugs in one engine

AS_FOUND: dict[str, tuple[str, tuple[str, ...]]] = {
    "dezero_functions+3": (
        "dezero_functions",
        ("accumulate-overwrite", "skip-unbroadcast", "transpose-backward-same-perm"),
    ),
    "functional_scalar+2": ("functional_scalar", ("math-exp-overflow", "recursive-walk")),
    "value_classic+3": ("value_classic", ("math-exp-overflow", "value-grad-not-reset", "number-not-wrapped")),
    "requires_grad_tensor+2": ("requires_grad_tensor", ("number-not-wrapped", "div-backward-sign")),
    "no_exp_tensor+3": (
        "no_exp_tensor",
        ("intermediate-grad-kept", "reflected-op-recursion", "matmul-backward-2d-only"),
    ),
    "stamped_tensor+4": (
        "stamped_tensor",
        ("grad-aliasing", "rsub-swapped", "mean-axis-divides-by-total", "sigmoid-backward-missing-factor"),
    ),
}


# ---------------------------------------------------------------- the held-out set: engines the doctor was not tuned on
# Written after the doctor's ranking was tuned, its bugs chosen as learners make them and established with PyTorch
# before the doctor ever ran on them (tests/test_doctor_corpus.py); evaluated once (benchmarks/eval_doctor.py
# --heldout).  Not part of the floors of the slow evaluation.

TAPE = Engine(
    "tape_scalar.py",
    "Var",
    "scalar with a global tape (Wengert list) walked backwards",
    "float64",
    True,
    "operators",
    (
        Bug(
            "no-topological-order",
            ("topo",),
            (("        for i in range(self.pos, -1, -1):\n", "        for i in range(0, self.pos + 1):\n", 1),),
            # the catalog gained this exact class after the held-out measurement (19/20 first was measured without it)
            also_right=("value-topo-not-reversed",),
        ),
        Bug(
            "value-assign-not-accumulate",
            ("reuse",),
            (("                    p.grad += g * local\n", "                    p.grad = g * local\n", 1),),
            also_right=("accumulate-overwrite",),
        ),
        Bug("tanh-backward-uses-input", ("unary-tanh",), (("[(self, 1 - t * t)]", "[(self, 1 - x * x)]", 1),)),
        Bug(
            "rtruediv-swapped",
            ("rtruediv",),
            (("        return _wrap(other) / self\n", "        return self / _wrap(other)\n", 1),),
        ),
        Bug(
            "number-not-wrapped",
            ("numbers",),
            (
                (
                    "        other = _wrap(other)\n        return _record(self.val * other.val",
                    "        return _record(self.val * other.val",
                    1,
                ),
            ),
        ),
    ),
    ops=("pow", "pow-half", "pow-minus-one", "unary-exp", "unary-log", "unary-tanh", "unary-relu", "zero-grad"),
)

OPDICT = Engine(
    "opdict_tensor.py",
    "Tensor",
    "float32 tensor, ops as staticmethod forward/backward pairs in a dict",
    "float32",
    False,
    "operators",
    (
        Bug(
            "skip-unbroadcast-mul",
            ("mul",),
            (("return unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)", "return g * b, g * a", 1),),
        ),
        Bug("mean-missing-1-over-n", ("mean-axis",), (("        return (g / n,)\n", "        return (g,)\n", 1),)),
        Bug(
            "reduction-backward-one-axis",
            ("reductions",),
            (("g = np.expand_dims(g, axes)", "g = np.expand_dims(g, axes[0])", 1),),
        ),
        Bug(
            "softmax-diagonal-only",
            ("softmax",),
            (("return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)", "return (g * s * (1 - s),)", 1),),
        ),
        Bug(
            "transpose-backward-same-perm",
            ("transpose3d",),
            (("np.transpose(g, np.argsort(saved))", "np.transpose(g, saved)", 1),),
        ),
    ),
    ops=(
        "pow",
        "unary-exp",
        "sum-axis",
        "mean-axis",
        "reductions",
        "softmax",
        "softmax-axis0",
        "transpose3d",
        "zero-grad",
    ),
)

RETAIN = Engine(
    "retain_grad_tensor.py",
    "Tensor",
    "PyTorch-like requires_grad, grad_fn closures, retain_grad()",
    "float64",
    False,
    "requires-grad",
    (
        Bug(
            "intermediate-grad-kept",
            ("same-graph-twice",),
            (("        for node in order:\n            node._acc = None\n", "", 1),),
        ),
        Bug("exp-backward-uses-input", ("unary-exp",), (("lambda g: (g * y,)", "lambda g: (g * x,)", 1),)),
        Bug("sub-backward-sign", ("sub",), (("reduce_to(-g, sb)", "reduce_to(g, sb)", 1),)),
        Bug(
            "unbroadcast-mean",
            ("add",),
            (("g.sum(axis=axes, keepdims=True)", "g.mean(axis=axes, keepdims=True)", 1),),
        ),
        Bug(
            "backward-seeded-with-zeros",
            ("add",),
            (("np.ones_like(self.data) if gradient is None", "np.zeros_like(self.data) if gradient is None", 1),),
        ),
    ),
    ops=("pow", "unary-exp", "unary-log", "unary-tanh", "unary-relu", "sum-axis", "zero-grad", "constant"),
)

SLOTS = Engine(
    "slots_scalar.py",
    "Num",
    "scalar with __slots__ and the operator module, one generic binary builder",
    "float64",
    True,
    "operators",
    (
        Bug(
            "value-topo-no-visited", ("topo",), (("            elif node not in visited:\n", "            else:\n", 1),)
        ),
        Bug(
            "value-grad-not-reset",
            ("same-graph-twice",),
            (("        for node in order:\n            if node.children:\n                node.grad = 0.0\n", "", 1),),
            also_right=("intermediate-grad-kept",),
        ),
        Bug("value-root-not-seeded", ("add",), (("        self.grad = 1.0\n", "", 1),)),
        Bug("div-backward-sign", ("div",), (("(1.0 / b, -a / (b * b))", "(1.0 / b, a / (b * b))", 1),)),
        Bug(
            "reflected-op-recursion",
            ("rsub",),
            (("        return self._binary(other, operator.sub, swap=True)\n", "        return other - self\n", 1),),
        ),
    ),
    ops=("pow", "pow-half", "pow-minus-one", "unary-exp", "unary-log", "unary-tanh", "unary-relu", "zero-grad"),
)

HELDOUT: dict[str, Engine] = {e.name: e for e in (TAPE, OPDICT, RETAIN, SLOTS)}

HELDOUT_AS_FOUND: dict[str, tuple[str, tuple[str, ...]]] = {
    "tape_scalar+3": ("tape_scalar", ("tanh-backward-uses-input", "rtruediv-swapped", "value-assign-not-accumulate")),
    "opdict_tensor+2": ("opdict_tensor", ("skip-unbroadcast-mul", "softmax-diagonal-only")),
}


@dataclass(frozen=True)
class Case:
    """One engine the doctor examines: a clean engine, a single-bug mutant, or an as-found engine."""

    name: str
    engine: Engine
    bugs: tuple[Bug, ...]  # empty: the clean engine

    @property
    def kind(self) -> str:
        return "clean" if not self.bugs else ("mutant" if len(self.bugs) == 1 else "as-found")

    def source(self) -> str:
        text = self.engine.source()
        for bug in self.bugs:
            text = bug.apply(text, self.engine.name)
        return text

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / self.engine.file
        path.write_text(self.source())
        return path


def cases(heldout: bool = False) -> list[Case]:
    """Every case of the corpus, or (``heldout``) of the held-out set instead."""
    engines, as_found = (HELDOUT, HELDOUT_AS_FOUND) if heldout else (ENGINES, AS_FOUND)
    out = []
    for engine in engines.values():
        out.append(Case(engine.name, engine, ()))
        out += [Case(f"{engine.name}/{b.id}", engine, (b,)) for b in engine.bugs]
    for name, (engine_name, ids) in as_found.items():
        engine = engines[engine_name]
        out.append(Case(name, engine, tuple(engine.bug(i) for i in ids)))
    return out

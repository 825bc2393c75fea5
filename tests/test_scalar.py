"""minigrad.scalar.Value, checked against PyTorch float64 scalars and central finite differences.

Every backward is driven by a random, non-unit upstream gradient: the
expression under test is multiplied by a random constant ``c`` before
``backward()``, so ``dL/d(out) = c``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest
import torch

from minigrad.scalar import Value

TOL = {"rel": 1e-7, "abs": 1e-7}
FD_TOL = {"rel": 1e-6, "abs": 1e-6}


def torch_grads(fn: Callable[..., torch.Tensor], inputs: list[float], upstream: float) -> tuple[float, list[float]]:
    """``fn(*inputs)`` and ``d(upstream * fn)/d(inputs)`` in PyTorch float64."""
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = fn(*leaves)
    (out * upstream).backward()
    return out.item(), [0.0 if t.grad is None else t.grad.item() for t in leaves]


def minigrad_grads(fn: Callable[..., Value], inputs: list[float], upstream: float) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in inputs]
    out = fn(*leaves)
    (out * upstream).backward()
    return out.data, [v.grad for v in leaves]


def central_difference(fn: Callable[..., float], inputs: list[float], h: float = 1e-6) -> list[float]:
    """``d fn / d inputs[i]`` as ``(f(x + h) - f(x - h)) / 2h``, in plain floats."""
    slopes = []
    for i in range(len(inputs)):
        up, down = list(inputs), list(inputs)
        up[i] += h
        down[i] -= h
        slopes.append((fn(*up) - fn(*down)) / (2 * h))
    return slopes


# (name, minigrad expression, torch expression, plain-float expression, input sampler)
# The samplers keep inputs where each op is smooth: log > 0, divisors away from 0,
# relu away from its kink.
def _nonzero(rng: random.Random) -> float:
    return rng.choice([-1, 1]) * rng.uniform(0.3, 2.0)


OPS = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b, lambda r: [r.uniform(-2, 2), r.uniform(-2, 2)]),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: a - b, lambda r: [r.uniform(-2, 2), r.uniform(-2, 2)]),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b, lambda r: [r.uniform(-2, 2), r.uniform(-2, 2)]),
    ("div", lambda a, b: a / b, lambda a, b: a / b, lambda a, b: a / b, lambda r: [r.uniform(-2, 2), _nonzero(r)]),
    ("neg", lambda a: -a, lambda a: -a, lambda a: -a, lambda r: [r.uniform(-2, 2)]),
    ("pow_int", lambda a: a**3, lambda a: a**3, lambda a: a**3, lambda r: [r.uniform(-2, 2)]),
    ("pow_neg_int", lambda a: a**-2, lambda a: a**-2, lambda a: a**-2, lambda r: [_nonzero(r)]),
    ("pow_float", lambda a: a**2.5, lambda a: a**2.5, lambda a: a**2.5, lambda r: [r.uniform(0.2, 2)]),
    ("pow_sqrt", lambda a: a**0.5, lambda a: a**0.5, lambda a: a**0.5, lambda r: [r.uniform(0.2, 2)]),
    ("exp", lambda a: a.exp(), lambda a: a.exp(), math.exp, lambda r: [r.uniform(-3, 3)]),
    ("log", lambda a: a.log(), lambda a: a.log(), math.log, lambda r: [r.uniform(0.1, 5)]),
    ("relu", lambda a: a.relu(), lambda a: a.relu(), lambda a: max(a, 0.0), lambda r: [_nonzero(r)]),
    ("tanh", lambda a: a.tanh(), lambda a: a.tanh(), math.tanh, lambda r: [r.uniform(-2, 2)]),
]
OP_IDS = [op[0] for op in OPS]


@pytest.mark.parametrize("name, mg_fn, torch_fn, float_fn, sample", OPS, ids=OP_IDS)
def test_op_matches_torch(name, mg_fn, torch_fn, float_fn, sample) -> None:
    rng = random.Random(f"torch-{name}")
    for _ in range(5):
        inputs = sample(rng)
        upstream = rng.uniform(0.5, 3.0) * rng.choice([-1, 1])
        value, grads = minigrad_grads(mg_fn, inputs, upstream)
        expected_value, expected_grads = torch_grads(torch_fn, inputs, upstream)
        assert value == pytest.approx(expected_value, **TOL)
        assert grads == pytest.approx(expected_grads, **TOL)


@pytest.mark.parametrize("name, mg_fn, torch_fn, float_fn, sample", OPS, ids=OP_IDS)
def test_op_matches_finite_differences(name, mg_fn, torch_fn, float_fn, sample) -> None:
    rng = random.Random(f"fd-{name}")
    for _ in range(5):
        inputs = sample(rng)
        upstream = rng.uniform(0.5, 3.0) * rng.choice([-1, 1])
        value, grads = minigrad_grads(mg_fn, inputs, upstream)
        assert value == pytest.approx(float_fn(*inputs), **TOL)
        slopes = central_difference(lambda *xs: upstream * float_fn(*xs), inputs)
        assert grads == pytest.approx(slopes, **FD_TOL)


@pytest.mark.parametrize("name, mg_fn, torch_fn, float_fn, sample", OPS, ids=OP_IDS)
def test_op_accumulates_into_existing_grad(name, mg_fn, torch_fn, float_fn, sample) -> None:
    """Each op's backward adds to ``grad`` (``+=``); assigning would drop the 0.25 already there."""
    inputs = sample(random.Random(f"acc-{name}"))
    leaves = [Value(x) for x in inputs]
    for leaf in leaves:
        leaf.grad = 0.25
    (mg_fn(*leaves) * 1.5).backward()
    _, expected = torch_grads(torch_fn, inputs, 1.5)
    assert [v.grad for v in leaves] == pytest.approx([0.25 + g for g in expected], **TOL)


def test_relu_at_zero_has_zero_gradient_like_torch() -> None:
    value, grads = minigrad_grads(lambda a: a.relu(), [0.0], 2.0)
    expected_value, expected_grads = torch_grads(lambda a: a.relu(), [0.0], 2.0)
    assert (value, grads) == (expected_value, expected_grads) == (0.0, [0.0])


def test_fractional_power_at_zero_matches_torch() -> None:
    """d(x**0.5)/dx at 0 is +inf in PyTorch; plain Python ``0.0 ** -0.5`` would raise."""
    for exponent in (0.5, 1.0, 2.0, 0.0):
        value, grads = minigrad_grads(lambda a, n=exponent: a**n, [0.0], 1.0)
        expected_value, expected_grads = torch_grads(lambda a, n=exponent: a**n, [0.0], 1.0)
        assert value == expected_value
        assert grads == expected_grads, exponent


def test_number_on_the_left() -> None:
    rng = random.Random(7)
    for _ in range(5):
        x, k, upstream = _nonzero(rng), rng.uniform(-3, 3), rng.uniform(0.5, 2)
        for mg_fn, torch_fn in [
            (lambda a: k + a, lambda a: k + a),
            (lambda a: k - a, lambda a: k - a),
            (lambda a: k * a, lambda a: k * a),
            (lambda a: k / a, lambda a: k / a),
            (lambda a: 2 + a * 3 - 1 / a, lambda a: 2 + a * 3 - 1 / a),  # ints too
        ]:
            value, grads = minigrad_grads(mg_fn, [x], upstream)
            expected_value, expected_grads = torch_grads(torch_fn, [x], upstream)
            assert value == pytest.approx(expected_value, **TOL)
            assert grads == pytest.approx(expected_grads, **TOL)


def test_sum_of_values_starts_from_int_zero() -> None:
    values = [Value(x) for x in (1.0, 2.5, -4.0)]
    total = sum(values)  # 0 + v0 uses __radd__
    assert isinstance(total, Value)
    (total * 2.0).backward()
    assert total.data == -0.5
    assert [v.grad for v in values] == [2.0, 2.0, 2.0]


# --------------------------------------------------------------------------- reuse


def test_node_used_twice_in_mul_accumulates() -> None:
    a = Value(-1.7)
    (a * a * 3.0).backward()
    assert a.grad == pytest.approx(3.0 * 2 * -1.7, **TOL)  # d(3 a^2)/da = 6a


def test_node_used_twice_in_add_accumulates() -> None:
    a = Value(0.4)
    ((a + a) * -2.5).backward()
    assert a.grad == pytest.approx(-5.0, **TOL)  # d(-2.5 * 2a)/da


def test_diamond_accumulates_both_paths() -> None:
    """a feeds b and c, which meet again in d: dd/da sums the two paths."""
    x, upstream = 1.3, -0.7

    def diamond(a):
        b = a * 2.0
        c = a.tanh()
        return b * c + b / (c + 3.0)

    value, grads = minigrad_grads(diamond, [x], upstream)
    expected_value, expected_grads = torch_grads(diamond, [x], upstream)
    assert value == pytest.approx(expected_value, **TOL)
    assert grads == pytest.approx(expected_grads, **TOL)
    # by hand: d/da [2a tanh a + 2a / (tanh a + 3)]
    t = math.tanh(x)
    by_hand = 2 * t + 2 * x * (1 - t * t) + 2 / (t + 3) - 2 * x * (1 - t * t) / (t + 3) ** 2
    assert grads[0] == pytest.approx(upstream * by_hand, **TOL)


def test_backward_twice_accumulates_leaves_like_torch() -> None:
    """Leaves accumulate across backward() calls; intermediate grads are recomputed, not doubled."""
    a, b = Value(0.8), Value(-1.1)
    y = (a * b + a).tanh() * b
    y.backward()
    y.backward()
    ta = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.1, dtype=torch.float64, requires_grad=True)
    ty = (ta * tb + ta).tanh() * tb
    ty.backward(retain_graph=True)
    ty.backward()
    assert (a.grad, b.grad) == pytest.approx((ta.grad.item(), tb.grad.item()), **TOL)


def test_zero_grad_clears_the_whole_graph() -> None:
    a, b = Value(0.8), Value(-1.1)
    y = a * b + b
    y.backward()
    assert a.grad != 0.0
    y.zero_grad()
    assert (a.grad, b.grad, y.grad) == (0.0, 0.0, 0.0)


# --------------------------------------------------------------------------- deep graphs


def test_100k_op_chain_backpropagates_without_recursion() -> None:
    """50,000 * and 50,000 -: d(out)/dx = 1.00001 ** 50,000; a recursive sort would overflow the stack."""
    x = Value(0.5)
    y = x
    for _ in range(50_000):
        y = y * 1.00001
        y = y - 0.00001
    y.backward()
    expected_value = 0.5
    for _ in range(50_000):  # the same recurrence in plain floats
        expected_value = expected_value * 1.00001 - 0.00001
    assert y.data == pytest.approx(expected_value, rel=1e-12)
    assert x.grad == pytest.approx(1.00001**50_000, rel=1e-9)


# --------------------------------------------------------------------------- neuron and MLP


def test_neuron_matches_torch() -> None:
    rng = random.Random(11)
    inputs = [rng.uniform(-1, 1) for _ in range(5)]  # w1, x1, w2, x2, b
    neuron = lambda w1, x1, w2, x2, b: (w1 * x1 + w2 * x2 + b).tanh()  # noqa: E731
    value, grads = minigrad_grads(neuron, inputs, -1.9)
    expected_value, expected_grads = torch_grads(neuron, inputs, -1.9)
    assert value == pytest.approx(expected_value, **TOL)
    assert grads == pytest.approx(expected_grads, **TOL)


def test_small_mlp_loss_matches_torch() -> None:
    """3 -> 4 (tanh) -> 4 (relu) -> 1, squared error over 4 samples, every parameter's gradient."""
    rng = random.Random(12)
    sizes = [3, 4, 4, 1]
    params = [rng.gauss(0, 0.8) for i in range(3) for _ in range(sizes[i + 1] * (sizes[i] + 1))]
    xs = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(4)]
    ys = [rng.uniform(-1, 1) for _ in range(4)]

    def loss_fn(*ps):
        it = iter(ps)
        layers = [[[next(it) for _ in range(sizes[i] + 1)] for _ in range(sizes[i + 1])] for i in range(3)]
        total = 0.0
        for x, y in zip(xs, ys):
            h = x
            for depth, layer in enumerate(layers):
                pre = [sum((w * v for w, v in zip(neuron[:-1], h)), neuron[-1]) for neuron in layer]
                h = [p.tanh() for p in pre] if depth == 0 else [p.relu() for p in pre] if depth == 1 else pre
            total = total + (h[0] - y) ** 2
        return total / len(xs)

    value, grads = minigrad_grads(loss_fn, params, 0.9)
    expected_value, expected_grads = torch_grads(loss_fn, params, 0.9)
    assert value == pytest.approx(expected_value, **TOL)
    assert grads == pytest.approx(expected_grads, **TOL)
    assert any(g != 0.0 for g in grads[-5:])  # the check reaches the last layer


# --------------------------------------------------------------------------- errors and printing


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_of_non_positive_raises_naming_the_value(x: float) -> None:
    with pytest.raises(ValueError, match=rf"log: .*positive.*{x}"):
        Value(x).log()


DIVISIONS_BY_ZERO = [lambda: Value(1.5) / Value(0.0), lambda: Value(1.5) / 0, lambda: 2.0 / Value(0.0)]


@pytest.mark.parametrize("make", DIVISIONS_BY_ZERO, ids=["v/v", "v/n", "n/v"])
def test_division_by_zero_raises(make) -> None:
    with pytest.raises(ZeroDivisionError, match="divisor must be nonzero"):
        make()


def test_zero_to_a_negative_power_raises() -> None:
    with pytest.raises(ZeroDivisionError, match="negative power"):
        Value(0.0) ** -1


def test_negative_base_with_fractional_exponent_raises() -> None:
    with pytest.raises(ValueError, match=r"negative base \(-2.0\)"):
        Value(-2.0) ** 0.5


def test_value_exponent_raises_type_error() -> None:
    with pytest.raises(TypeError, match="only int or float exponents are supported"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(TypeError, match="only int or float exponents are supported"):
        2.0 ** Value(3.0)


def test_exp_overflow_raises_naming_the_value() -> None:
    with pytest.raises(OverflowError, match=r"e\*\*1000\.0"):
        Value(1000.0).exp()


def test_bad_operands_raise_type_error() -> None:
    with pytest.raises(TypeError, match="must be a Python int or float, got str"):
        Value("1.0")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cannot combine a Value with str"):
        Value(1.0) + "x"  # type: ignore[operator]


def test_attributes_repr_and_ops() -> None:
    a = Value(2, label="a")
    assert (a.data, a.grad, a.label, a.op) == (2.0, 0.0, "a", "")
    assert isinstance(a.data, float)
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(a) == "Value(data=2.0, grad=0.0, label='a')"
    b = Value(3.0)
    ops = [(a + b).op, (a - b).op, (a * b).op, (a / b).op, (-a).op, (a**2).op, a.exp().op, a.log().op, a.relu().op]
    assert ops == ["+", "-", "*", "/", "neg", "**2", "exp", "log", "relu"]
    assert not hasattr(a, "__dict__")  # __slots__: small nodes

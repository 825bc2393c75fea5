"""The nine breaks added for the doctor's bug classes (issue 15, section 5; issue 19's assignment break).

For each: every case's predicted outcome holds, every claimed diagnostic fires with the break and no
diagnostic fires on correct code (measured once per session, see ``breaks_measured``); then each break's
effect is checked against a hand-derived oracle, with the break injected and without it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from breaks_measured import cases, rows

from minigrad import Tensor
from minigrad.breaks import inject
from minigrad.breaks.case_diagnostics import Verdict
from minigrad.breaks.shared.learner_engine import LearnerTensor, count_walk_expansions
from minigrad.scalar import Value

NEW_BREAKS = (
    "constant-without-grad",
    "backward-never-attached",
    "number-not-wrapped",
    "math-exp-overflow",
    "exponential-walk",
    "softmax-fixed-axis",
    "reflected-op-recursion",
    "getitem-returns-array",
    "assignment-cuts-graph",
)


@pytest.mark.parametrize("break_id", NEW_BREAKS)
def test_every_case_outcome_is_the_predicted_one(break_id: str) -> None:
    results = cases(break_id)
    assert len(results) >= 2
    failed = [r.case.id for r in results if not r.hypothesis_holds]
    assert not failed, f"{break_id}: hypothesis does not hold in {failed}"


@pytest.mark.parametrize("break_id", NEW_BREAKS)
def test_claimed_diagnostics_fire_and_none_fires_on_correct_code(break_id: str) -> None:
    measured = rows(break_id)
    claimed = [row for row in measured if row.claimed]
    assert claimed
    for row in claimed:
        assert row.broken.verdict == Verdict.FIRED or row.skipped, (row.diagnostic, row.broken)
    for row in measured:
        assert row.correct.verdict not in (Verdict.FIRED, Verdict.CRASH), (row.diagnostic, row.correct)


# --------------------------------------------------------------------------- hand-derived oracles


def test_constant_without_grad() -> None:
    def grad_of_x() -> np.ndarray:
        x = LearnerTensor(np.array([0.5, -1.0]), requires_grad=True)
        c = LearnerTensor(np.array([3.0, 4.0]))
        (x * c + x * 2.0 + 1.0).sum().backward()
        assert c.grad is None  # a constant never gets a gradient
        return np.asarray(x.grad)

    np.testing.assert_array_equal(grad_of_x(), [5.0, 6.0])  # d sum(x c + 2x + 1)/dx = c + 2
    with inject("constant-without-grad"), pytest.raises(TypeError):
        grad_of_x()


def test_backward_never_attached() -> None:
    def grads() -> tuple[float, float]:
        a, b = Value(0.5), Value(-1.5)
        (a * b).backward()
        return a.grad, b.grad

    assert grads() == (-1.5, 0.5)  # d(ab)/da = b, d(ab)/db = a
    with inject("backward-never-attached"):
        assert grads() == (0.0, 0.0)


def test_number_not_wrapped() -> None:
    x = Value(1.5)
    with inject("number-not-wrapped"):
        for run in (lambda: x - 2, lambda: x * 2, lambda: -x):
            with pytest.raises(AttributeError, match="has no attribute 'data'"):
                run()
        ((2 - x) * x).backward()  # __rsub__ still wraps: d((2 - x) x)/dx = 2 - 2x
    assert x.grad == 2 - 2 * 1.5


def test_reflected_op_recursion() -> None:
    x = Value(1.5)
    with inject("reflected-op-recursion"):
        for run in (lambda: 2 - x, lambda: 1 / x):
            with pytest.raises(RecursionError):
                run()
        (x / 2).backward()
    assert x.grad == 0.5
    y = Value(1.5)
    (1 / y).backward()
    assert y.grad == pytest.approx(-1 / 1.5**2, rel=1e-15)


def test_math_exp_overflow() -> None:
    assert Value(400.0).tanh().data == 1.0  # PyTorch: tanh(400) = 1
    with inject("math-exp-overflow"):
        with pytest.raises(OverflowError):
            Value(400.0).tanh()
        assert Value(-400.0).tanh().data == -1.0
        assert Value(0.5).tanh().data == pytest.approx(math.tanh(0.5), rel=1e-14)


@pytest.mark.parametrize("squarings", [4, 10])
def test_exponential_walk(squarings: int) -> None:
    def walk() -> tuple[float, int]:
        x = Value(1.0)
        y = x
        for _ in range(squarings):
            y = y * y
        expansions = count_walk_expansions(y)
        y.backward()
        return x.grad, expansions[0]

    power = 2**squarings
    assert walk() == (power, squarings + 1)  # d(x ** p)/dx = p at x = 1; one expansion per node
    with inject("exponential-walk"):
        assert walk() == (power, 2 ** (squarings + 1) - 1)  # one expansion per path


def test_softmax_fixed_axis() -> None:
    z = np.random.default_rng(7).standard_normal((3, 5))

    def softmax_along(axis: int) -> np.ndarray:
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    np.testing.assert_allclose(Tensor(z).softmax(dim=-1).data, softmax_along(-1), rtol=1e-12)
    with inject("softmax-fixed-axis"):
        np.testing.assert_allclose(Tensor(z).softmax(dim=-1).data, softmax_along(0), rtol=1e-12)


def test_getitem_returns_array() -> None:
    x_data, w_data = np.array([0.5, -1.0, 2.0, 0.25]), np.array([1.5, 0.3, -0.7])

    def grads() -> tuple[np.ndarray, np.ndarray]:
        x, w = Tensor(x_data, requires_grad=True), Tensor(w_data, requires_grad=True)
        ((x[1:] * w).sum() + (x * x).sum()).backward()
        assert x.grad is not None and w.grad is not None
        return x.grad, w.grad

    x_grad, w_grad = grads()
    np.testing.assert_allclose(x_grad, 2 * x_data + np.concatenate([[0.0], w_data]), rtol=1e-15)
    np.testing.assert_allclose(w_grad, x_data[1:], rtol=1e-15)
    with inject("getitem-returns-array"):
        assert type(Tensor(x_data, requires_grad=True)[1:]) is np.ndarray
        x_grad, w_grad = grads()
    np.testing.assert_allclose(x_grad, 2 * x_data, rtol=1e-15)  # the branch through x[1:] is lost
    np.testing.assert_allclose(w_grad, x_data[1:], rtol=1e-15)


def test_assignment_cuts_graph() -> None:
    def grad_of_w() -> float:
        w = Tensor(np.array([2.0]), requires_grad=True)
        buf = Tensor(np.zeros(2))
        buf[0:1] = w * 3
        (buf * w).sum().backward()
        assert w.grad is not None
        return float(w.grad[0])

    assert grad_of_w() == 12.0  # d(3w * w)/dw = 6w at w = 2
    with inject("assignment-cuts-graph"):
        assert grad_of_w() == 6.0  # buf is the constant (6, 0)

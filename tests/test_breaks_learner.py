"""The learners' bugs (issue 9): what the catalog-wide tests do not check.

The catalog-wide tests compare each break with minigrad's correct code.  The doctor also matches a
learner's numbers against the *wrong formula* a bug computes, so here each break is held to the wrong
formula its page names, derived by hand in NumPy; and the order-sensitive breaks must report how many
of their repeated runs went wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from breaks_measured import cases, rows

from minigrad import Tensor
from minigrad.breaks import all_breaks, inject
from minigrad.breaks.case_diagnostics import Verdict
from minigrad.breaks.shared import learner_engine
from minigrad.ops.shape import stack
from minigrad.scalar import Value

RNG = np.random.default_rng(20260)


def leaf(data: Any) -> Tensor:
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


def grad_of(t: Tensor) -> np.ndarray:
    assert t.grad is not None
    return t.grad


# --------------------------------------------------------------------------- the wrong formulas


def mul_without_upstream() -> None:
    x, w, v = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    tx = leaf(x)
    (tx * Tensor(w) * Tensor(v)).sum().backward()
    np.testing.assert_allclose(grad_of(tx), w)  # d/dx of x * w without the upstream v


def relu_output_as_upstream() -> None:
    x, v = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    tx = leaf(x)
    (tx.relu() * Tensor(v)).sum().backward()
    np.testing.assert_allclose(grad_of(tx), np.maximum(x, 0) * (x > 0))


def exp_uses_input() -> None:
    x, v = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    tx = leaf(x)
    (tx.exp() * Tensor(v)).sum().backward()
    np.testing.assert_allclose(grad_of(tx), v * x)


def softmax_diagonal() -> None:
    z, v = RNG.standard_normal((2, 5)), RNG.standard_normal((2, 5))
    tz = leaf(z)
    (tz.softmax(axis=-1) * Tensor(v)).sum().backward()
    s = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(grad_of(tz), v * s * (1 - s))


def matmul_full_transpose() -> None:
    a, b, g = RNG.standard_normal((3, 3, 3)), RNG.standard_normal((3, 3, 3)), RNG.standard_normal((3, 3, 3))
    ta, tb = leaf(a), leaf(b)
    (ta @ tb).backward(g)
    np.testing.assert_allclose(grad_of(ta), np.matmul(g, np.transpose(b)))  # .T reverses all three axes
    np.testing.assert_allclose(grad_of(tb), np.matmul(np.transpose(a), g))


def neg_branch_lost() -> None:
    x, v = RNG.standard_normal(3), RNG.standard_normal(3)
    tx = leaf(x)
    (tx * Tensor(v) + (-tx).exp()).sum().backward()
    np.testing.assert_allclose(grad_of(tx), v)  # the exp(-x) branch contributes nothing


def axis_zero_sums_everything() -> None:
    x, v = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    tx = leaf(x)
    out = tx.sum(axis=0)
    assert out.shape == ()
    np.testing.assert_allclose(out.data, x.sum())
    (out * Tensor(v)).sum().backward()
    np.testing.assert_allclose(grad_of(tx), np.full((3, 4), v.sum()))


def tuple_axis_on_wrong_axis() -> None:
    x, v = RNG.standard_normal((3, 3, 3)), RNG.standard_normal(3)
    tx = leaf(x)
    (tx.sum(axis=(1, 2)) * Tensor(v)).sum().backward()
    np.testing.assert_allclose(grad_of(tx), np.broadcast_to(v[None, :, None], (3, 3, 3)))  # v lands on axis 1


def mean_over_total() -> None:
    x, v = RNG.standard_normal((3, 4)), RNG.standard_normal(3)
    tx = leaf(x)
    (tx.mean(axis=1) * Tensor(v)).sum().backward()
    np.testing.assert_allclose(grad_of(tx), np.broadcast_to(v[:, None] / 12, (3, 4)))


def unbroadcast_row_sums() -> None:
    a, b, g = RNG.standard_normal(3), RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    ta, tb = leaf(a), leaf(b)
    (ta + tb).backward(g)
    np.testing.assert_allclose(grad_of(ta), g.sum(axis=1))  # the correct gradient is g.sum(axis=0)


def stack_last_slice() -> None:
    parts, v = [leaf(RNG.standard_normal(3)) for _ in range(3)], RNG.standard_normal((3, 3))
    (stack(parts) * Tensor(v)).sum().backward()
    for part in parts:
        np.testing.assert_allclose(grad_of(part), v[2])


def getitem_broadcast() -> None:
    x, v = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    tx = leaf(x)
    (tx[0] * Tensor(v)).sum().backward()
    np.testing.assert_allclose(grad_of(tx), np.broadcast_to(v, (3, 4)))


def rsub_is_sub() -> None:
    x, v = RNG.standard_normal(3), RNG.standard_normal(3)
    tx = leaf(x)
    out = 2.0 - tx
    (out * Tensor(v)).sum().backward()
    np.testing.assert_allclose(out.data, x - 2.0)
    np.testing.assert_allclose(grad_of(tx), v)


def rtruediv_is_truediv() -> None:
    x, v = 0.5 + RNG.random(3), RNG.standard_normal(3)
    tx = leaf(x)
    out = 1.0 / tx
    (out * Tensor(v)).sum().backward()
    np.testing.assert_allclose(out.data, x)
    np.testing.assert_allclose(grad_of(tx), v)


def integer_gradient_truncated() -> None:
    x = Tensor([1, 2, 3], requires_grad=True)
    (x * Tensor(np.array([0.5, 1.7, -2.5]))).sum().backward()
    assert grad_of(x).dtype.kind == "i"
    np.testing.assert_array_equal(grad_of(x), [0, 1, -2])  # truncated toward zero


def seeded_with_zeros() -> None:
    x = leaf(RNG.standard_normal(3))
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(grad_of(x), np.zeros(3))


def value_node_visited_twice() -> None:
    a = Value(0.8)
    h = a.tanh()
    (h * h).backward()
    t = np.tanh(0.8)
    assert a.grad == pytest.approx(2 * (2 * t * (1 - t * t)))  # h's _backward runs once per path


def value_intermediate_grad_kept() -> None:
    a, b = Value(0.8), Value(-1.5)
    loss = (a * b).tanh() * 2.0
    loss.backward()
    a.grad = b.grad = 0.0
    loss.backward()  # tanh's node kept 2 from the first pass and passes on 2 + 2; the product then 2s + 4s
    slope = 1 - np.tanh(-1.2) ** 2
    assert a.grad == pytest.approx((2 * slope + 4 * slope) * -1.5)  # 3 times the true 2 * slope * b


WRONG_FORMULAS: dict[str, Callable[[], None]] = {
    "mul-backward-no-upstream": mul_without_upstream,
    "relu-backward-output-as-upstream": relu_output_as_upstream,
    "exp-backward-uses-input": exp_uses_input,
    "softmax-diagonal-only": softmax_diagonal,
    "matmul-backward-2d-only": matmul_full_transpose,
    "neg-not-in-graph": neg_branch_lost,
    "axis-zero-is-all": axis_zero_sums_everything,
    "reduction-backward-one-axis": tuple_axis_on_wrong_axis,
    "mean-axis-divides-by-total": mean_over_total,
    "unbroadcast-left-aligned": unbroadcast_row_sums,
    "stack-late-binding": stack_last_slice,
    "getitem-no-scatter": getitem_broadcast,
    "rsub-swapped": rsub_is_sub,
    "rtruediv-swapped": rtruediv_is_truediv,
    "integer-grad-truncated": integer_gradient_truncated,
    "backward-seeded-with-zeros": seeded_with_zeros,
    "value-topo-no-visited": value_node_visited_twice,
    "value-grad-not-reset": value_intermediate_grad_kept,
}


@pytest.mark.parametrize("break_id", list(WRONG_FORMULAS))
def test_the_break_computes_the_wrong_formula_its_page_names(break_id: str) -> None:
    assert break_id in all_breaks()
    with inject(break_id):
        WRONG_FORMULAS[break_id]()


def test_the_wrong_formulas_fail_on_correct_code() -> None:
    # Each oracle above is a wrong formula: on correct code it must not hold (the integer one refuses).
    for break_id, check in WRONG_FORMULAS.items():
        with pytest.raises((AssertionError, TypeError)):
            check()
        assert break_id in all_breaks()


# --------------------------------------------------------------------------- order-sensitive breaks

RATE_CASES = [
    ("value-topo-from-set", "small-graph-repeated"),
    ("tensor-topo-from-set", "reuse-repeated"),
]


@pytest.mark.parametrize(("break_id", "case_id"), RATE_CASES)
def test_order_sensitive_cases_report_how_many_fresh_runs_went_wrong(break_id: str, case_id: str) -> None:
    result = next(r for r in cases(break_id) if r.case.id == case_id)
    key = "wrong runs (of 50)"
    assert not isinstance(result.correct, BaseException) and not isinstance(result.broken, BaseException)
    assert result.correct == {key: 0}
    assert 0 < result.broken[key] <= 50


@pytest.mark.parametrize("break_id", ["value-topo-from-set", "tensor-topo-from-set"])
def test_the_repeat_check_says_how_often_it_failed(break_id: str) -> None:
    row = next(r for r in rows(break_id) if r.diagnostic == "fresh-graph-repeats")
    assert row.correct.verdict == Verdict.SILENT
    assert row.broken.verdict == Verdict.FIRED
    assert "of 20 runs with fresh" in row.broken.message


def test_wrong_runs_counts_each_run_that_reports_a_failure() -> None:
    outcomes = iter([True, False, True, True, False])
    assert learner_engine.wrong_runs(lambda: next(outcomes), 5) == 3

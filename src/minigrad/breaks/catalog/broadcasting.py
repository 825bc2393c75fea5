"""Breaks in undoing broadcasting: the family that tensor autograd adds to scalar autograd."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...engine import shape_check
from ...tensor import Tensor
from ..core import BreakCode, CaseCode, Expect, Probe
from ._support import (
    CRASH,
    LOUD_OR_SHAPE,
    SAME,
    WRONG_SHAPE,
    WRONG_VALUES,
    Observation,
    normal,
    rng,
)


def _regime1() -> Observation:
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(
        np.array([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0], [70.0, 80.0, 90.0], [100.0, 110.0, 120.0]]),
        requires_grad=True,
    )
    loss = (a + b).sum()
    loss.backward()
    return {"loss": loss.item(), "a.grad": a.grad, "b.grad": b.grad}


def _regime2() -> Observation:
    a2 = Tensor(np.array([[1.0], [2.0], [3.0]]), requires_grad=True)
    b2 = Tensor(np.ones((3, 5)), requires_grad=True)
    loss = (a2 + b2).sum()
    loss.backward()
    return {"loss": loss.item(), "a2.grad": a2.grad, "b2.grad": b2.grad}


def _regime2_weighted() -> Observation:
    a2 = Tensor(np.array([[1.0], [2.0], [3.0]]), requires_grad=True)
    b2 = Tensor(np.ones((3, 5)), requires_grad=True)
    w = np.arange(15.0).reshape(3, 5)
    loss = ((a2 + b2) * w).sum()
    loss.backward()
    return {"loss": loss.item(), "a2.grad": a2.grad, "b2.grad": b2.grad}


def _regime2_unguarded() -> Observation:
    a2 = Tensor(np.array([[1.0], [2.0], [3.0]]), requires_grad=True)
    b2 = Tensor(np.ones((3, 5)), requires_grad=True)
    w = np.arange(15.0).reshape(3, 5)
    with shape_check(False):  # switch off the engine's per-contribution shape check
        loss = ((a2 + b2) * w).sum()
        loss.backward()
    return {"loss": loss.item(), "a2.grad": a2.grad, "b2.grad": b2.grad}


def _regime2_preallocated() -> Observation:
    a2 = Tensor(np.array([[1.0], [2.0], [3.0]]), requires_grad=True)
    b2 = Tensor(np.ones((3, 5)), requires_grad=True)
    w = np.arange(15.0).reshape(3, 5)
    # Engines in the micrograd style start every .grad at zeros and add in place; do the same here.
    a2.grad, b2.grad = np.zeros((3, 1)), np.zeros((3, 5))
    with shape_check(False):
        ((a2 + b2) * w).sum().backward()
    return {"a2.grad": a2.grad, "b2.grad": b2.grad}


SKIP_UNBROADCAST = BreakCode(
    "skip-unbroadcast",
    cases=(
        CaseCode("regime1", _regime1, LOUD_OR_SHAPE),
        CaseCode("regime2", _regime2, SAME),
        CaseCode("regime2-weighted", _regime2_weighted, WRONG_VALUES),
        CaseCode("regime2-unguarded", _regime2_unguarded, WRONG_VALUES),
        CaseCode("regime2-preallocated", _regime2_preallocated, WRONG_VALUES),
    ),
    probe=Probe(
        lambda F, a, b, w: ((a + b) * w).sum(),
        (rng(1).normal(size=(3, 1)), rng(2).normal(size=(3, 5)), rng(3).normal(size=(3, 5))),
    ),
)


# --------------------------------------------------------------------------- skip-unbroadcast-mul


def _mul_same_shapes() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    (x * w * v).sum().backward()
    return {"x.grad": x.grad, "w.grad": w.grad}


def _mul_feature_scale() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    gain = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)  # per feature, as in layer norm
    v = np.random.default_rng(3).standard_normal((4, 3))
    (x * gain * v).sum().backward()
    return {"x.grad": x.grad, "gain.grad": gain.grad}


def _mul_column_unguarded() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 5)), requires_grad=True)
    col = Tensor(np.random.default_rng(2).standard_normal((3, 1)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 5))
    with shape_check(False):
        (x * col * v).sum().backward()
    return {"x.grad": x.grad, "col.grad": col.grad}


def _mul_by_python_number() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((4, 3))
    (x * 2.0 * v).sum().backward()
    return {"x.grad": x.grad}


def _probe_scale(F: Any, x: Any, gain: Any, w: Any) -> Any:
    return x * gain * w


SKIP_UNBROADCAST_MUL = BreakCode(
    "skip-unbroadcast-mul",
    cases=(
        CaseCode("mul-same-shapes", _mul_same_shapes, SAME),
        CaseCode("mul-feature-scale", _mul_feature_scale, CRASH),
        CaseCode("mul-column-unguarded", _mul_column_unguarded, WRONG_SHAPE, expect=Expect("col.grad", shape=(3, 5))),
        CaseCode("mul-by-python-number", _mul_by_python_number, SAME),
    ),
    probe=Probe(_probe_scale, (normal(71, 4, 3), normal(72, 3), normal(73, 4, 3))),
)


# --------------------------------------------------------------------------- unbroadcast-mean


def _add_same_shapes() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal((4, 3)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((4, 3))
    ((a + b) * v).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _add_bias() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    bias = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((4, 3))
    ((x + bias) * v).sum().backward()  # dL/dbias = the column sums of v
    return {"x.grad": x.grad, "bias.grad": bias.grad}


def _spec_regime_2() -> Observation:
    a2 = Tensor(np.array([[1.0], [2.0], [3.0]]), requires_grad=True)
    b2 = Tensor(np.ones((3, 5)), requires_grad=True)
    (a2 + b2).sum().backward()
    return {"a2.grad": a2.grad, "b2.grad": b2.grad}


def _batch_of_one() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((1, 3)), requires_grad=True)
    bias = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((1, 3))
    ((x + bias) * v).sum().backward()
    return {"x.grad": x.grad, "bias.grad": bias.grad}


def _probe_bias(F: Any, x: Any, bias: Any, w: Any) -> Any:
    return (x + bias) * w


UNBROADCAST_MEAN = BreakCode(
    "unbroadcast-mean",
    cases=(
        CaseCode("add-same-shapes", _add_same_shapes, SAME),
        CaseCode("add-bias", _add_bias, WRONG_VALUES, expect=Expect("bias.grad", factor=0.25)),
        CaseCode("spec-regime-2", _spec_regime_2, WRONG_VALUES, expect=Expect("a2.grad", factor=0.2)),
        CaseCode("batch-of-one", _batch_of_one, SAME),
    ),
    probe=Probe(_probe_bias, (normal(81, 4, 3), normal(82, 3), normal(83, 4, 3))),
)


# --------------------------------------------------------------------------- sum-backward-no-keepdims


def _row_sums_rectangular() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = np.random.default_rng(3).standard_normal(3)
    (x.sum(axis=1) * w).sum().backward()
    return {"x.grad": x.grad}


def _row_sums_square() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 3)), requires_grad=True)
    w = np.random.default_rng(3).standard_normal(3)
    (x.sum(axis=1) * w).sum().backward()  # dL/dx[i, j] = w[i]
    return {"x.grad": x.grad}


def _row_sums_square_uniform() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 3)), requires_grad=True)
    x.sum(axis=1).sum().backward()
    return {"x.grad": x.grad}


def _column_sums() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    w = np.random.default_rng(3).standard_normal(3)
    (x.sum(axis=0) * w).sum().backward()  # a reduction over the leading (batch) axis
    return {"x.grad": x.grad}


def _probe_row_sums(F: Any, x: Any, w: Any) -> Any:
    return F.sum(x, dim=1) * w


SUM_BACKWARD_NO_KEEPDIMS = BreakCode(
    "sum-backward-no-keepdims",
    cases=(
        CaseCode("row-sums-rectangular", _row_sums_rectangular, CRASH),
        CaseCode("row-sums-square", _row_sums_square, WRONG_VALUES),
        CaseCode("row-sums-square-uniform", _row_sums_square_uniform, SAME),
        CaseCode("column-sums", _column_sums, SAME),
    ),
    probe=Probe(_probe_row_sums, (normal(91, 3, 3), normal(92, 3))),
)

BREAKS = [SKIP_UNBROADCAST, SKIP_UNBROADCAST_MUL, UNBROADCAST_MEAN, SUM_BACKWARD_NO_KEEPDIMS]

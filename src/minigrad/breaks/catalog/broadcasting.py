"""Breaks in undoing broadcasting: the family that tensor autograd adds to scalar autograd."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...engine import shape_check
from ..core import BreakCode, CaseCode, Expect, Probe
from ._support import (
    CRASH,
    LOUD_OR_SHAPE,
    SAME,
    WRONG_SHAPE,
    WRONG_VALUES,
    Observation,
    backward_of,
    grads,
    leaf,
    normal,
    rng,
)

W_3x5 = np.arange(15, dtype=np.float64).reshape(3, 5)


def _regime1() -> Any:
    a = leaf([1.0, 2.0, 3.0])
    b = leaf([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0], [70.0, 80.0, 90.0], [100.0, 110.0, 120.0]])
    return (a + b).sum(), {"a": a, "b": b}


def _regime2() -> Any:
    a2 = leaf([[1.0], [2.0], [3.0]])
    b2 = leaf(np.ones((3, 5)))
    return (a2 + b2).sum(), {"a2": a2, "b2": b2}


def _regime2_weighted() -> Any:
    a2 = leaf([[1.0], [2.0], [3.0]])
    b2 = leaf(np.ones((3, 5)))
    return ((a2 + b2) * W_3x5).sum(), {"a2": a2, "b2": b2}


def _regime2_unguarded() -> dict[str, Any]:
    with shape_check(False):
        return backward_of(_regime2_weighted)()


def _regime2_preallocated() -> dict[str, Any]:
    # Engines in the micrograd style start every .grad at zeros and add in place; do the same here.
    with shape_check(False):
        loss, leaves = _regime2_weighted()
        for t in leaves.values():
            t.grad = np.zeros(t.shape)
        loss.backward()
        return grads(**leaves)


SKIP_UNBROADCAST = BreakCode(
    "skip-unbroadcast",
    cases=(
        CaseCode("regime1", backward_of(_regime1), LOUD_OR_SHAPE),
        CaseCode("regime2", backward_of(_regime2), SAME),
        CaseCode("regime2-weighted", backward_of(_regime2_weighted), WRONG_VALUES),
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
    x, w = leaf(normal(1, 3, 4)), leaf(normal(2, 3, 4))
    (x * w * normal(3, 3, 4)).sum().backward()
    return grads(x=x, w=w)


def _mul_feature_scale() -> Observation:
    x, gain = leaf(normal(1, 4, 3)), leaf(normal(2, 3))  # a per-feature gain, as in layer norm
    (x * gain * normal(3, 4, 3)).sum().backward()
    return grads(x=x, gain=gain)


def _mul_column_unguarded() -> Observation:
    x, col = leaf(normal(1, 3, 5)), leaf(normal(2, 3, 1))
    with shape_check(False):
        (x * col * normal(3, 3, 5)).sum().backward()
    return grads(x=x, col=col)


def _mul_by_python_number() -> Observation:
    x = leaf(normal(1, 4, 3))
    (x * 2.0 * normal(3, 4, 3)).sum().backward()
    return grads(x=x)


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
    a, b = leaf(normal(1, 4, 3)), leaf(normal(2, 4, 3))
    ((a + b) * normal(3, 4, 3)).sum().backward()
    return grads(a=a, b=b)


def _add_bias() -> Observation:
    x, bias = leaf(normal(1, 4, 3)), leaf(normal(2, 3))
    ((x + bias) * normal(3, 4, 3)).sum().backward()  # dL/dbias = the column sums of the weights
    return grads(x=x, bias=bias)


def _spec_regime_2() -> Observation:
    a2 = leaf([[1.0], [2.0], [3.0]])
    b2 = leaf(np.ones((3, 5)))
    (a2 + b2).sum().backward()
    return grads(a2=a2, b2=b2)


def _batch_of_one() -> Observation:
    x, bias = leaf(normal(1, 1, 3)), leaf(normal(2, 3))
    ((x + bias) * normal(3, 1, 3)).sum().backward()
    return grads(x=x, bias=bias)


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
    x = leaf(normal(1, 3, 4))
    (x.sum(axis=1) * normal(3, 3)).sum().backward()
    return grads(x=x)


def _row_sums_square() -> Observation:
    x = leaf(normal(1, 3, 3))
    (x.sum(axis=1) * normal(3, 3)).sum().backward()  # dL/dx[i, j] = w[i]
    return grads(x=x)


def _row_sums_square_uniform() -> Observation:
    x = leaf(normal(1, 3, 3))
    x.sum(axis=1).sum().backward()
    return grads(x=x)


def _column_sums() -> Observation:
    x = leaf(normal(1, 4, 3))
    (x.sum(axis=0) * normal(3, 3)).sum().backward()  # a reduction over the leading (batch) axis
    return grads(x=x)


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

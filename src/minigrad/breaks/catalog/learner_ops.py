"""Op bugs found in learners' own engines (issue 9), as breaks of minigrad's ops, unbroadcast and Tensor dunders.

One wrong line each: a backward rule that drops the upstream gradient or uses
the output in its place, an op cut out of the graph, a reduction that reads
axis 0 as "all axes" or expands one axis of a tuple, unbroadcast aligned on
the left, closures that bind a loop variable late, a mean divided by the
total size, reflected operators with swapped operands, an index that does not
scatter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops.nn import cross_entropy, mse_loss, softmax
from ...ops.shape import stack
from ...tensor import Tensor
from ..core import BreakCode, CaseCode, Expect, Probe
from ._support import CRASH, SAME, WRONG_SHAPE, WRONG_VALUES, Observation, normal, rng

# --------------------------------------------------------------------------- matmul-backward-2d-only


def _matmul_matrices() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((2, 4))
    ((a @ b) * v).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _matmul_matrix_vector() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(2)
    ((a @ b) * v).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _matmul_batched() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal((2, 3, 4)), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal((2, 4, 5)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((2, 3, 5))
    ((a @ b) * v).sum().backward()  # e.g. attention scores per head
    return {"a.grad": a.grad, "b.grad": b.grad}


def _matmul_batched_cubes() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal((3, 3, 3)), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal((3, 3, 3)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 3, 3))
    ((a @ b) * v).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _probe_matmul(F: Any, a: Any, b: Any) -> Any:
    return a @ b


MATMUL_BACKWARD_2D_ONLY = BreakCode(
    "matmul-backward-2d-only",
    cases=(
        CaseCode("matrices", _matmul_matrices, SAME),
        CaseCode("matrix-vector", _matmul_matrix_vector, CRASH),
        CaseCode("batched", _matmul_batched, CRASH),
        CaseCode("batched-cubes", _matmul_batched_cubes, WRONG_VALUES),
    ),
    probe=Probe(_probe_matmul, (normal(401, 3, 3, 3), normal(402, 3, 3, 3))),
)


# --------------------------------------------------------------------------- mul-backward-no-upstream


def _mul_then_sum() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    (x * w).sum().backward()  # sum hands every product g = 1
    return {"x.grad": x.grad, "w.grad": w.grad}


def _mul_then_weighted_sum() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    (x * w * v).sum().backward()
    return {"x.grad": x.grad, "w.grad": w.grad}


def _mul_in_mse() -> Observation:
    pred = Tensor(np.random.default_rng(1).standard_normal((4, 2)), requires_grad=True)
    target = np.random.default_rng(2).standard_normal((4, 2))
    mse_loss(pred, Tensor(target)).backward()  # squares the error with a mul
    return {"pred.grad": pred.grad}


def _mul_by_number() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    ((x * 0.5).tanh() * v).sum().backward()  # a Python number takes another path
    return {"x.grad": x.grad}


def _probe_mul(F: Any, x: Any, w: Any) -> Any:
    return x * w


MUL_BACKWARD_NO_UPSTREAM = BreakCode(
    "mul-backward-no-upstream",
    cases=(
        CaseCode("mul-then-sum", _mul_then_sum, SAME),
        CaseCode("mul-then-weighted-sum", _mul_then_weighted_sum, WRONG_VALUES),
        CaseCode("mul-in-mse", _mul_in_mse, WRONG_VALUES),
        CaseCode("mul-by-number", _mul_by_number, SAME),
    ),
    probe=Probe(_probe_mul, (normal(411, 3, 4), normal(412, 3, 4))),
)


# --------------------------------------------------------------------------- neg-not-in-graph


def _subtraction() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    y = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    ((x - y) * v).sum().backward()  # sub is its own op, not x + (-y)
    return {"x.grad": x.grad, "y.grad": y.grad}


def _negation_in_one_branch() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    (x * v + (-x).exp()).sum().backward()
    return {"x.grad": x.grad}


def _negation_only() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    (-x * v).sum().backward()
    return {"x.grad": x.grad}


def _probe_neg_branch(F: Any, x: Any, w: Any) -> Any:
    return x * w + F.exp(-x)


NEG_NOT_IN_GRAPH = BreakCode(
    "neg-not-in-graph",
    cases=(
        CaseCode("subtraction", _subtraction, SAME),
        CaseCode("negation-in-one-branch", _negation_in_one_branch, WRONG_VALUES),
        CaseCode("negation-only", _negation_only, CRASH),
    ),
    probe=Probe(_probe_neg_branch, (normal(421, 3, 4), normal(422, 3, 4))),
)


# --------------------------------------------------------------------------- relu-backward-output-as-upstream


def _relu_half_square() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    h = x.relu()
    ((h * h).sum() * 0.5).backward()  # dL/dh = h: the upstream gradient equals the output
    return {"x.grad": x.grad}


def _relu_weighted() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    (x.relu() * v).sum().backward()
    return {"x.grad": x.grad}


def _relu_all_negative() -> Observation:
    x = Tensor(-1.0 - np.random.default_rng(1).random((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    (x.relu() * v).sum().backward()
    return {"x.grad": x.grad}


def _probe_relu(F: Any, x: Any) -> Any:
    return F.relu(x)


RELU_BACKWARD_OUTPUT_AS_UPSTREAM = BreakCode(
    "relu-backward-output-as-upstream",
    cases=(
        CaseCode("relu-half-square", _relu_half_square, SAME),
        CaseCode("relu-weighted", _relu_weighted, WRONG_VALUES),
        CaseCode("relu-all-negative", _relu_all_negative, SAME),
    ),
    probe=Probe(_probe_relu, (normal(431, 3, 4),)),
)


# --------------------------------------------------------------------------- axis-zero-is-all


def _sum_axis_1() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    out = x.sum(axis=1)
    (out * v).sum().backward()
    return {"out": out.data, "x.grad": x.grad}


def _sum_axis_0() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(4)
    out = x.sum(axis=0)  # column sums: shape (4,)
    (out * v).sum().backward()
    return {"out": out.data, "x.grad": x.grad}


def _sum_axis_minus_2() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(4)
    out = x.sum(axis=-2)  # the same axis as 0, spelled differently
    (out * v).sum().backward()
    return {"out": out.data, "x.grad": x.grad}


def _batch_mean() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((8, 3)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((8, 3))
    centered = x - x.mean(axis=0, keepdims=True)  # normalization layers average over the batch axis 0
    (centered * v).sum().backward()
    return {"centered": centered.data, "x.grad": x.grad}


def _probe_column_sums(F: Any, x: Any, w: Any) -> Any:
    return F.sum(x, dim=0) * w


AXIS_ZERO_IS_ALL = BreakCode(
    "axis-zero-is-all",
    cases=(
        CaseCode("sum-axis-1", _sum_axis_1, SAME),
        CaseCode("sum-axis-0", _sum_axis_0, WRONG_SHAPE, expect=Expect("out", shape=())),
        CaseCode("sum-axis-minus-2", _sum_axis_minus_2, SAME),
        CaseCode("batch-mean", _batch_mean, WRONG_VALUES),
    ),
    probe=Probe(_probe_column_sums, (normal(441, 3, 4), normal(442, 4))),
)


# --------------------------------------------------------------------------- reduction-backward-one-axis


def _one_axis() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((2, 3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((2, 4))
    (x.sum(axis=1) * v).sum().backward()
    return {"x.grad": x.grad}


def _two_axes() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((2, 3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    (x.sum(axis=(0, 2)) * v).sum().backward()
    return {"x.grad": x.grad}


def _two_trailing_axes_of_a_cube() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 3, 3)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    (x.sum(axis=(1, 2)) * v).sum().backward()
    return {"x.grad": x.grad}


def _two_axes_keepdims() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((2, 3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((1, 3, 1))
    (x.sum(axis=(0, 2), keepdims=True) * v).sum().backward()
    return {"x.grad": x.grad}


def _probe_two_axes(F: Any, x: Any, w: Any) -> Any:
    return F.sum(x, dim=(1, 2)) * w


REDUCTION_BACKWARD_ONE_AXIS = BreakCode(
    "reduction-backward-one-axis",
    cases=(
        CaseCode("one-axis", _one_axis, SAME),
        CaseCode("two-axes", _two_axes, CRASH),
        CaseCode("two-trailing-axes-of-a-cube", _two_trailing_axes_of_a_cube, WRONG_VALUES),
        CaseCode("two-axes-keepdims", _two_axes_keepdims, SAME),
    ),
    probe=Probe(_probe_two_axes, (normal(451, 3, 3, 3), normal(452, 3))),
)


# --------------------------------------------------------------------------- unbroadcast-left-aligned


def _same_shapes() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    ((a + b) * v).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _column_plus_matrix() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal((3, 1)), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal((3, 5)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 5))
    ((a + b) * v).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _bias_plus_batch() -> Observation:
    bias = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    batch = Tensor(np.random.default_rng(2).standard_normal((4, 3)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((4, 3))
    ((bias + batch) * v).sum().backward()
    return {"bias.grad": bias.grad, "batch.grad": batch.grad}


def _bias_plus_square_batch() -> Observation:
    bias = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    batch = Tensor(np.random.default_rng(2).standard_normal((3, 3)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 3))
    ((bias + batch) * v).sum().backward()  # the bias's gradient is the sum of g over axis 0
    return {"bias.grad": bias.grad, "batch.grad": batch.grad}


def _probe_bias_square(F: Any, a: Any, b: Any, w: Any) -> Any:
    return (a + b) * w


UNBROADCAST_LEFT_ALIGNED = BreakCode(
    "unbroadcast-left-aligned",
    cases=(
        CaseCode("same-shapes", _same_shapes, SAME),
        CaseCode("column-plus-matrix", _column_plus_matrix, SAME),
        CaseCode("bias-plus-batch", _bias_plus_batch, CRASH),
        CaseCode("bias-plus-square-batch", _bias_plus_square_batch, WRONG_VALUES),
    ),
    probe=Probe(_probe_bias_square, (normal(461, 3), normal(462, 3, 3), normal(463, 3, 3))),
)


# --------------------------------------------------------------------------- stack-late-binding


def _stack_one() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((1, 3))
    (stack([a]) * v).sum().backward()
    return {"a.grad": a.grad}


def _stack_then_sum() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
    c = Tensor(np.random.default_rng(4).standard_normal(3), requires_grad=True)
    stack([a, b, c]).sum().backward()  # every slice of g is all ones
    return {"a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}


def _stack_weighted() -> Observation:
    a = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    b = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
    c = Tensor(np.random.default_rng(4).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 3))
    (stack([a, b, c]) * v).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}


def _probe_stack(F: Any, a: Any, b: Any, c: Any, w: Any) -> Any:
    return F.stack([a, b, c], dim=0) * w


STACK_LATE_BINDING = BreakCode(
    "stack-late-binding",
    cases=(
        CaseCode("stack-one", _stack_one, SAME),
        CaseCode("stack-then-sum", _stack_then_sum, SAME),
        CaseCode("stack-weighted", _stack_weighted, WRONG_VALUES),
    ),
    probe=Probe(_probe_stack, (normal(471, 3), normal(472, 3), normal(473, 3), normal(474, 3, 3))),
)


# --------------------------------------------------------------------------- exp-backward-uses-input


def _exp_weighted() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    (x.exp() * v).sum().backward()
    return {"x.grad": x.grad}


def _softmax_by_hand() -> Observation:
    z = Tensor(np.random.default_rng(1).standard_normal((2, 5)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((2, 5))
    e = z.exp()
    ((e / e.sum(axis=-1, keepdims=True)) * v).sum().backward()
    return {"z.grad": z.grad}


def _softmax_fused() -> Observation:
    z = Tensor(np.random.default_rng(1).standard_normal((2, 5)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((2, 5))
    (softmax(z, axis=-1) * v).sum().backward()  # one node with its own backward: no exp op
    return {"z.grad": z.grad}


def _probe_exp(F: Any, x: Any) -> Any:
    return F.exp(x)


EXP_BACKWARD_USES_INPUT = BreakCode(
    "exp-backward-uses-input",
    cases=(
        CaseCode("exp-weighted", _exp_weighted, WRONG_VALUES),
        CaseCode("softmax-by-hand", _softmax_by_hand, WRONG_VALUES),
        CaseCode("softmax-fused", _softmax_fused, SAME),
    ),
    probe=Probe(_probe_exp, (normal(481, 3, 4),)),
)


# --------------------------------------------------------------------------- softmax-diagonal-only


def _softmax_single_class() -> Observation:
    z = Tensor(np.random.default_rng(1).standard_normal((4, 1)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((4, 1))
    (softmax(z, axis=-1) * v).sum().backward()
    return {"z.grad": z.grad}


def _softmax_weighted() -> Observation:
    z = Tensor(np.random.default_rng(1).standard_normal((2, 5)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((2, 5))
    (softmax(z, axis=-1) * v).sum().backward()
    return {"z.grad": z.grad}


def _softmax_sum() -> Observation:
    z = Tensor(np.random.default_rng(1).standard_normal((2, 5)), requires_grad=True)
    softmax(z, axis=-1).sum().backward()  # each row sums to 1 whatever z is: the true gradient is 0
    return {"z.grad": z.grad}


def _softmax_cross_entropy() -> Observation:
    z = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    targets = np.array([0, 3, 1])
    cross_entropy(z, targets).backward()  # fused: softmax's backward is not used
    return {"z.grad": z.grad}


def _probe_softmax(F: Any, z: Any) -> Any:
    return F.softmax(z, dim=-1)


SOFTMAX_DIAGONAL_ONLY = BreakCode(
    "softmax-diagonal-only",
    cases=(
        CaseCode("softmax-single-class", _softmax_single_class, SAME),
        CaseCode("softmax-weighted", _softmax_weighted, WRONG_VALUES),
        CaseCode("softmax-sum", _softmax_sum, WRONG_VALUES),
        CaseCode("softmax-cross-entropy", _softmax_cross_entropy, SAME),
    ),
    probe=Probe(_probe_softmax, (normal(491, 2, 5),)),
)


# --------------------------------------------------------------------------- mean-axis-divides-by-total


def _mean_of_all() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    x.mean().backward()
    return {"x.grad": x.grad}


def _mean_of_rows() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    (x.mean(axis=1) * v).sum().backward()  # each mean averages 4 of the 12 elements
    return {"x.grad": x.grad}


def _mean_of_single_row() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((1, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(1)
    (x.mean(axis=1) * v).sum().backward()
    return {"x.grad": x.grad}


def _probe_row_means(F: Any, x: Any, w: Any) -> Any:
    return F.mean(x, dim=1) * w


MEAN_AXIS_DIVIDES_BY_TOTAL = BreakCode(
    "mean-axis-divides-by-total",
    cases=(
        CaseCode("mean-of-all", _mean_of_all, SAME),
        CaseCode("mean-of-rows", _mean_of_rows, WRONG_VALUES, expect=Expect("x.grad", factor=1 / 3)),
        CaseCode("mean-of-single-row", _mean_of_single_row, SAME),
    ),
    probe=Probe(_probe_row_means, (normal(501, 3, 4), normal(502, 3))),
)


# --------------------------------------------------------------------------- rsub-swapped


def _tensor_minus_number() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    out = x - 2.0
    (out * v).sum().backward()
    return {"out": out.data, "x.grad": x.grad}


def _number_minus_tensor() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    out = 2.0 - x
    (out * v).sum().backward()
    return {"out": out.data, "x.grad": x.grad}


def _gate() -> Observation:
    z = Tensor(np.random.default_rng(1).random(3), requires_grad=True)
    h = Tensor(np.random.default_rng(2).standard_normal(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    out = (1.0 - z) * h  # a GRU-style gate: keep 1 - z of the old state
    (out * v).sum().backward()
    return {"out": out.data, "z.grad": z.grad, "h.grad": h.grad}


def _probe_one_minus(F: Any, x: Any) -> Any:
    return 1.0 - x


RSUB_SWAPPED = BreakCode(
    "rsub-swapped",
    cases=(
        CaseCode("tensor-minus-number", _tensor_minus_number, SAME),
        CaseCode("number-minus-tensor", _number_minus_tensor, WRONG_VALUES, expect=Expect("x.grad", factor=-1.0)),
        CaseCode("gate", _gate, WRONG_VALUES),
    ),
    probe=Probe(_probe_one_minus, (normal(511, 3, 4),)),
)


# --------------------------------------------------------------------------- rtruediv-swapped


def _tensor_over_number() -> Observation:
    x = Tensor(0.5 + np.random.default_rng(1).random(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    out = x / 2.0
    (out * v).sum().backward()
    return {"out": out.data, "x.grad": x.grad}


def _number_over_tensor() -> Observation:
    x = Tensor(0.5 + np.random.default_rng(1).random(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    out = 1.0 / x
    (out * v).sum().backward()
    return {"out": out.data, "x.grad": x.grad}


def _reciprocal_at_one() -> Observation:
    x = Tensor(np.ones(3), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    out = 1.0 / x  # 1 / 1 == 1 / 1: the forward hides the swap
    (out * v).sum().backward()
    return {"out": out.data, "x.grad": x.grad}


def _probe_reciprocal(F: Any, x: Any) -> Any:
    return 1.0 / x


RTRUEDIV_SWAPPED = BreakCode(
    "rtruediv-swapped",
    cases=(
        CaseCode("tensor-over-number", _tensor_over_number, SAME),
        CaseCode("number-over-tensor", _number_over_tensor, WRONG_VALUES),
        CaseCode("reciprocal-at-one", _reciprocal_at_one, WRONG_VALUES, expect=Expect("x.grad", factor=-1.0)),
    ),
    probe=Probe(_probe_reciprocal, (0.5 + rng(521).random((3, 4)),)),
)


# --------------------------------------------------------------------------- getitem-no-scatter


def _full_slice() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal((3, 4))
    (x[:] * v).sum().backward()
    return {"x.grad": x.grad}


def _one_row() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(4)
    (x[0] * v).sum().backward()  # only row 0 is read
    return {"x.grad": x.grad}


def _middle_slice() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(5), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(2)
    (x[1:3] * v).sum().backward()
    return {"x.grad": x.grad}


def _index_array() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(5), requires_grad=True)
    v = np.random.default_rng(3).standard_normal(3)
    (x[[0, 2, 3]] * v).sum().backward()  # integer arrays take the np.add.at path
    return {"x.grad": x.grad}


def _probe_first_row(F: Any, x: Any, w: Any) -> Any:
    return x[0] * w


GETITEM_NO_SCATTER = BreakCode(
    "getitem-no-scatter",
    cases=(
        CaseCode("full-slice", _full_slice, SAME),
        CaseCode("one-row", _one_row, WRONG_VALUES),
        CaseCode("middle-slice", _middle_slice, CRASH),
        CaseCode("index-array", _index_array, SAME),
    ),
    probe=Probe(_probe_first_row, (normal(531, 3, 4), normal(532, 4))),
)


BREAKS = [
    MATMUL_BACKWARD_2D_ONLY,
    MUL_BACKWARD_NO_UPSTREAM,
    NEG_NOT_IN_GRAPH,
    RELU_BACKWARD_OUTPUT_AS_UPSTREAM,
    EXP_BACKWARD_USES_INPUT,
    SOFTMAX_DIAGONAL_ONLY,
    AXIS_ZERO_IS_ALL,
    REDUCTION_BACKWARD_ONE_AXIS,
    MEAN_AXIS_DIVIDES_BY_TOTAL,
    UNBROADCAST_LEFT_ALIGNED,
    STACK_LATE_BINDING,
    GETITEM_NO_SCATTER,
    RSUB_SWAPPED,
    RTRUEDIV_SWAPPED,
]

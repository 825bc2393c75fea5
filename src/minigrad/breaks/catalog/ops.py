"""Breaks in single ops' backward rules (``minigrad/ops/*.py``): one wrong line of calculus each."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...diagnostics.gradcheck import gradcheck_report
from ...engine import shape_check
from ...ops.nn import cross_entropy, mse_loss, softmax
from ...ops.shape import cat
from ...tensor import Tensor
from ..core import BreakCode, CaseCode, Expect, Probe
from ._support import CRASH, SAME, WRONG_SHAPE, WRONG_VALUES, Observation, normal, rng

# --------------------------------------------------------------------------- matmul-no-transpose


def _matmul_rectangular() -> Observation:
    a, b = (
        Tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True),
        Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True),
    )
    ((a @ b) * np.random.default_rng(3).standard_normal((2, 4))).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _matmul_square() -> Observation:
    a, b = (
        Tensor(np.random.default_rng(1).standard_normal((3, 3)), requires_grad=True),
        Tensor(np.random.default_rng(2).standard_normal((3, 3)), requires_grad=True),
    )
    ((a @ b) * np.random.default_rng(3).standard_normal((3, 3))).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _matmul_symmetric() -> Observation:
    m, n = np.random.default_rng(1).standard_normal((3, 3)), np.random.default_rng(2).standard_normal((3, 3))
    a, b = (
        Tensor(np.asarray(m + m.T, dtype=np.float64), requires_grad=True),
        Tensor(np.asarray(n + n.T, dtype=np.float64), requires_grad=True),
    )  # symmetric: a.T == a, b.T == b
    ((a @ b) * np.random.default_rng(3).standard_normal((3, 3))).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


def _probe_matmul(F: Any, a: Any, b: Any, w: Any) -> Any:
    return (a @ b) * w


MATMUL_NO_TRANSPOSE = BreakCode(
    "matmul-no-transpose",
    cases=(
        CaseCode("matmul-rectangular", _matmul_rectangular, CRASH),
        CaseCode("matmul-square", _matmul_square, WRONG_VALUES),
        CaseCode("matmul-symmetric", _matmul_symmetric, SAME),
    ),
    probe=Probe(_probe_matmul, (normal(101, 3, 3), normal(102, 3, 3), normal(103, 3, 3))),
)


# --------------------------------------------------------------------------- mean-missing-1-over-n


def _mean_over_length_one_axis() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 1)), requires_grad=True)
    (x.mean(axis=1) * np.random.default_rng(3).standard_normal(3)).sum().backward()
    return {"x.grad": x.grad}


def _mean_of_all() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    x.mean().backward()  # d mean / dx = 1 / 12 everywhere
    return {"x.grad": x.grad}


def _mse_loss() -> Observation:
    pred = Tensor(np.random.default_rng(1).standard_normal((8, 2)), requires_grad=True)
    mse_loss(pred, Tensor(np.random.default_rng(2).standard_normal((8, 2)))).backward()  # the mean of 16 squared errors
    return {"pred.grad": pred.grad}


def _probe_row_means(F: Any, x: Any, w: Any) -> Any:
    return F.mean(x, dim=1) * w


MEAN_MISSING_1_OVER_N = BreakCode(
    "mean-missing-1-over-n",
    cases=(
        CaseCode("mean-over-length-one-axis", _mean_over_length_one_axis, SAME),
        CaseCode("mean-of-all", _mean_of_all, WRONG_VALUES, expect=Expect("x.grad", factor=12.0)),
        CaseCode("mse-loss", _mse_loss, WRONG_VALUES, expect=Expect("pred.grad", factor=16.0)),
    ),
    probe=Probe(_probe_row_means, (normal(111, 3, 4), normal(112, 3))),
)


# --------------------------------------------------------------------------- tanh-backward-uses-input


def _tanh_at_zero() -> Observation:
    x = Tensor(np.asarray(np.zeros(4), dtype=np.float64), requires_grad=True)
    (x.tanh() * np.random.default_rng(3).standard_normal(4)).sum().backward()
    return {"x.grad": x.grad}


def _tanh_moderate() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(4), requires_grad=True)
    (x.tanh() * np.random.default_rng(3).standard_normal(4)).sum().backward()
    return {"x.grad": x.grad}


def _tanh_saturated() -> Observation:
    x = Tensor(np.asarray([-3.0, -2.5, 2.5, 3.0], dtype=np.float64), requires_grad=True)
    (x.tanh() * np.random.default_rng(3).standard_normal(4)).sum().backward()
    return {"x.grad": x.grad}


def _tanh_tiny_inputs() -> Observation:
    x, v = (
        Tensor(np.asarray(0.01 * np.random.default_rng(1).standard_normal(4), dtype=np.float64), requires_grad=True),
        Tensor(np.random.default_rng(3).standard_normal(4)),
    )
    (x.tanh() * v).sum().backward()
    report = gradcheck_report(lambda t: (t.tanh() * v).sum(), [x])  # default tolerances: atol 1e-5, rtol 1e-3
    return {"x.grad": x.grad, "gradcheck passes": report.ok}


def _probe_tanh(F: Any, x: Any, w: Any) -> Any:
    return F.tanh(x) * w


TANH_BACKWARD_USES_INPUT = BreakCode(
    "tanh-backward-uses-input",
    cases=(
        CaseCode("tanh-at-zero", _tanh_at_zero, SAME),
        CaseCode("tanh-moderate", _tanh_moderate, WRONG_VALUES),
        CaseCode("tanh-saturated", _tanh_saturated, WRONG_VALUES),
        CaseCode("tanh-tiny-inputs", _tanh_tiny_inputs, WRONG_VALUES),
    ),
    probe=Probe(_probe_tanh, (1.5 * normal(121, 3, 4), normal(122, 3, 4))),
)


# --------------------------------------------------------------------------- pow-wrong-exponent


def _square_at_one() -> Observation:
    x = Tensor(np.asarray(np.ones(4), dtype=np.float64), requires_grad=True)
    (x**2 * np.random.default_rng(3).standard_normal(4)).sum().backward()
    return {"x.grad": x.grad}


def _square() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(4), requires_grad=True)
    (x**2 * np.random.default_rng(3).standard_normal(4)).sum().backward()
    return {"x.grad": x.grad}


def _power_by_tensor() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(4), requires_grad=True)
    (
        x ** Tensor(np.asarray(2.0, dtype=np.float64)) * np.random.default_rng(3).standard_normal(4)
    ).sum().backward()  # a tensor exponent: the general pow rule
    return {"x.grad": x.grad}


def _probe_cube(F: Any, x: Any, w: Any) -> Any:
    return F.pow(x, 3) * w


POW_WRONG_EXPONENT = BreakCode(
    "pow-wrong-exponent",
    cases=(
        CaseCode("square-at-one", _square_at_one, SAME),
        CaseCode("square", _square, WRONG_VALUES),
        CaseCode("power-by-tensor", _power_by_tensor, SAME),
    ),
    probe=Probe(_probe_cube, (normal(131, 3, 4), normal(132, 3, 4))),
)


# --------------------------------------------------------------------------- div-backward-sign


def _divide_by_constant() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(4), requires_grad=True)
    (
        x
        / Tensor(np.asarray(1.5 + np.random.default_rng(2).random(4), dtype=np.float64))
        * np.random.default_rng(3).standard_normal(4)
    ).sum().backward()
    return {"x.grad": x.grad}


def _divide_by_learned() -> Observation:
    x, y = (
        Tensor(np.random.default_rng(1).standard_normal(4), requires_grad=True),
        Tensor(np.asarray(1.5 + np.random.default_rng(2).random(4), dtype=np.float64), requires_grad=True),
    )
    (x / y * np.random.default_rng(3).standard_normal(4)).sum().backward()
    return {"x.grad": x.grad, "y.grad": y.grad}


def _normalize() -> Observation:
    x = Tensor(np.asarray(1.0 + np.random.default_rng(1).random(4), dtype=np.float64), requires_grad=True)
    (x / x.sum() * np.random.default_rng(3).standard_normal(4)).sum().backward()  # proportions: x_i / sum(x)
    return {"x.grad": x.grad}


def _probe_divide(F: Any, x: Any, y: Any, w: Any) -> Any:
    return x / y * w


DIV_BACKWARD_SIGN = BreakCode(
    "div-backward-sign",
    cases=(
        CaseCode("divide-by-constant", _divide_by_constant, SAME),
        CaseCode("divide-by-learned", _divide_by_learned, WRONG_VALUES, expect=Expect("y.grad", factor=-1.0)),
        CaseCode("normalize", _normalize, WRONG_VALUES),
    ),
    probe=Probe(_probe_divide, (normal(141, 3, 4), 1.5 + rng(142).random((3, 4)), normal(143, 3, 4))),
)


# --------------------------------------------------------------------------- getitem-plain-add


def _distinct_indices() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(5), requires_grad=True)
    (x[[0, 2, 3]] * np.random.default_rng(3).standard_normal(3)).sum().backward()
    return {"x.grad": x.grad}


def _embedding_lookup() -> Observation:
    table = Tensor(np.random.default_rng(1).standard_normal((5, 2)), requires_grad=True)  # 5 embeddings of size 2
    tokens = [1, 3, 1, 1]  # token 1 appears three times
    (table[tokens] * np.random.default_rng(3).standard_normal((4, 2))).sum().backward()
    return {"table.grad": table.grad}


def _boolean_mask() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(5), requires_grad=True)
    mask = np.array([True, False, True, True, False])
    (x[mask] * np.random.default_rng(3).standard_normal(3)).sum().backward()
    return {"x.grad": x.grad}


def _probe_gather(F: Any, x: Any, w: Any) -> Any:
    return x[[0, 2, 0, 1, 2, 2]] * w


GETITEM_PLAIN_ADD = BreakCode(
    "getitem-plain-add",
    cases=(
        CaseCode("distinct-indices", _distinct_indices, SAME),
        CaseCode("embedding-lookup", _embedding_lookup, WRONG_VALUES),
        CaseCode("boolean-mask", _boolean_mask, SAME),
    ),
    probe=Probe(_probe_gather, (normal(151, 3), normal(152, 6))),
)


# --------------------------------------------------------------------------- max-routes-to-every-tie


def _max_without_ties() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    (x.max(axis=1) * np.random.default_rng(3).standard_normal(3)).sum().backward()
    return {"x.grad": x.grad}


def _max_with_a_tie() -> Observation:
    data = np.random.default_rng(1).standard_normal((3, 4))
    data[0, 1] = data[0, 3] = data[0].max() + 1.0  # two elements share row 0's maximum
    x = Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)
    (x.max(axis=1) * np.random.default_rng(3).standard_normal(3)).sum().backward()
    return {"x.grad": x.grad}


def _max_after_relu() -> Observation:
    h = Tensor(
        np.asarray(np.zeros((2, 4)), dtype=np.float64), requires_grad=True
    )  # the output of a ReLU whose inputs were all negative: a 4-way tie per row
    (h.max(axis=1) * np.random.default_rng(3).standard_normal(2)).sum().backward()
    return {"h.grad": h.grad}


def _tied_rows() -> np.ndarray[Any, np.dtype[np.float64]]:
    x = normal(161, 3, 4)
    x[0, 1] = x[0, 3] = x[0].max() + 1.0  # two-way ties only: there central differences give exactly 1/2
    x[2, 0] = x[2, 2] = x[2].max() + 1.0
    return x


def _probe_max(F: Any, x: Any, w: Any) -> Any:
    return F.max(x, dim=1) * w


MAX_ROUTES_TO_EVERY_TIE = BreakCode(
    "max-routes-to-every-tie",
    cases=(
        CaseCode("max-without-ties", _max_without_ties, SAME),
        CaseCode("max-with-a-tie", _max_with_a_tie, WRONG_VALUES),
        CaseCode("max-after-relu", _max_after_relu, WRONG_VALUES, expect=Expect("h.grad", factor=4.0)),
    ),
    probe=Probe(_probe_max, (_tied_rows(), normal(162, 3))),
)


# --------------------------------------------------------------------------- softmax-no-max-subtraction


def _softmax_small_logits() -> Observation:
    z = Tensor(np.random.default_rng(1).standard_normal((2, 5)), requires_grad=True)
    (softmax(z, axis=-1) * np.random.default_rng(3).standard_normal((2, 5))).sum().backward()
    return {"z.grad": z.grad}


def _softmax_large_logits() -> Observation:
    z = Tensor(
        np.asarray(1000.0 + np.random.default_rng(1).standard_normal((2, 5)), dtype=np.float64), requires_grad=True
    )  # e.g. unnormalized scores, or a temperature of 1e-3
    probs = softmax(z, axis=-1)
    (probs * np.random.default_rng(3).standard_normal((2, 5))).sum().backward()
    return {"probs": probs.data.copy(), "z.grad": z.grad}


def _softmax_float32_logits() -> Observation:
    z = Tensor(
        100.0 + np.random.default_rng(1).standard_normal((2, 5)), dtype=np.float32, requires_grad=True
    )  # float32 overflows above ~88.7
    probs = softmax(z, axis=-1)
    (probs * np.random.default_rng(3).standard_normal((2, 5))).sum().backward()
    return {"probs": probs.data.copy(), "z.grad": z.grad}


def _probe_softmax(F: Any, z: Any, w: Any) -> Any:
    return F.softmax(z, dim=-1) * w


SOFTMAX_NO_MAX_SUBTRACTION = BreakCode(
    "softmax-no-max-subtraction",
    cases=(
        CaseCode("softmax-small-logits", _softmax_small_logits, SAME),
        CaseCode("softmax-large-logits", _softmax_large_logits, WRONG_VALUES),
        CaseCode("softmax-float32-logits", _softmax_float32_logits, WRONG_VALUES),
    ),
    probe=Probe(_probe_softmax, (1000.0 + normal(171, 2, 5), normal(172, 2, 5))),
)


# --------------------------------------------------------------------------- cross-entropy-log-of-softmax


def _cross_entropy_moderate() -> Observation:
    logits = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    loss = cross_entropy(logits, np.array([0, 3, 1]))
    loss.backward()
    return {"loss": loss.data.copy(), "logits.grad": logits.grad}


def _cross_entropy_confident_and_wrong() -> Observation:
    z = np.random.default_rng(1).standard_normal((3, 4))
    z[0, 2] += 800.0  # row 0 is sure of class 2, but its target is class 0
    logits = Tensor(np.asarray(z, dtype=np.float64), requires_grad=True)
    loss = cross_entropy(logits, np.array([0, 3, 1]))
    loss.backward()
    return {"loss": loss.data.copy(), "logits.grad": logits.grad}


def _cross_entropy_confident_and_right() -> Observation:
    z = np.random.default_rng(1).standard_normal((3, 4))
    z[0, 0] += 800.0  # row 0 is sure of class 0, and its target is class 0
    logits = Tensor(np.asarray(z, dtype=np.float64), requires_grad=True)
    loss = cross_entropy(logits, np.array([0, 3, 1]))
    loss.backward()
    return {"loss": loss.data.copy(), "logits.grad": logits.grad}


def _gap_logits() -> np.ndarray[Any, np.dtype[np.float64]]:
    z = normal(181, 3, 4)
    z[0, 2] += 800.0
    return z


def _probe_cross_entropy(F: Any, logits: Any, targets: Any) -> Any:
    return F.cross_entropy(logits, targets)


CROSS_ENTROPY_LOG_OF_SOFTMAX = BreakCode(
    "cross-entropy-log-of-softmax",
    cases=(
        CaseCode("cross-entropy-moderate", _cross_entropy_moderate, SAME),
        CaseCode("cross-entropy-confident-and-wrong", _cross_entropy_confident_and_wrong, WRONG_VALUES),
        CaseCode("cross-entropy-confident-and-right", _cross_entropy_confident_and_right, SAME),
    ),
    probe=Probe(_probe_cross_entropy, (_gap_logits(), np.array([0, 3, 1]))),
)


# --------------------------------------------------------------------------- sub-backward-sign


def _mse_fixed_target() -> Observation:
    pred = Tensor(np.random.default_rng(1).standard_normal((4, 2)), requires_grad=True)
    mse_loss(
        pred, Tensor(np.random.default_rng(2).standard_normal((4, 2)))
    ).backward()  # mse_loss computes pred - target
    return {"pred.grad": pred.grad}


def _difference_of_learned() -> Observation:
    x, y = (
        Tensor(np.random.default_rng(1).standard_normal(4), requires_grad=True),
        Tensor(np.random.default_rng(2).standard_normal(4), requires_grad=True),
    )
    ((x - y) * np.random.default_rng(3).standard_normal(4)).sum().backward()
    return {"x.grad": x.grad, "y.grad": y.grad}


def _centering() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(4), requires_grad=True)
    (
        (x - x.mean()) * np.random.default_rng(3).standard_normal(4)
    ).sum().backward()  # the first step of every normalization layer
    return {"x.grad": x.grad}


def _probe_sub(F: Any, x: Any, y: Any, w: Any) -> Any:
    return (x - y) * w


SUB_BACKWARD_SIGN = BreakCode(
    "sub-backward-sign",
    cases=(
        CaseCode("mse-fixed-target", _mse_fixed_target, SAME),
        CaseCode("difference-of-learned", _difference_of_learned, WRONG_VALUES, expect=Expect("y.grad", factor=-1.0)),
        CaseCode("centering", _centering, WRONG_VALUES),
    ),
    probe=Probe(_probe_sub, (normal(191, 3, 4), normal(192, 3, 4), normal(193, 3, 4))),
)


# --------------------------------------------------------------------------- sigmoid-backward-missing-factor


def _sigmoid_very_negative() -> Observation:
    x = Tensor(
        np.asarray(-40.0 + np.random.default_rng(1).standard_normal(4), dtype=np.float64), requires_grad=True
    )  # s ~ 4e-18: 1 - s rounds to 1
    (x.sigmoid() * np.random.default_rng(3).standard_normal(4)).sum().backward()
    return {"x.grad": x.grad}


def _sigmoid_moderate() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal(4), requires_grad=True)
    (x.sigmoid() * np.random.default_rng(3).standard_normal(4)).sum().backward()
    return {"x.grad": x.grad}


def _sigmoid_very_positive() -> Observation:
    x = Tensor(
        np.asarray(40.0 + np.random.default_rng(1).standard_normal(4), dtype=np.float64), requires_grad=True
    )  # s rounds to 1: the true slope s * (1 - s) is exactly 0
    (x.sigmoid() * np.random.default_rng(3).standard_normal(4)).sum().backward()
    return {"x.grad": x.grad}


def _probe_sigmoid(F: Any, x: Any, w: Any) -> Any:
    return F.sigmoid(x) * w


SIGMOID_BACKWARD_MISSING_FACTOR = BreakCode(
    "sigmoid-backward-missing-factor",
    cases=(
        CaseCode("sigmoid-very-negative", _sigmoid_very_negative, SAME),
        CaseCode("sigmoid-moderate", _sigmoid_moderate, WRONG_VALUES),
        CaseCode("sigmoid-very-positive", _sigmoid_very_positive, WRONG_VALUES),
    ),
    probe=Probe(_probe_sigmoid, (normal(201, 3, 4), normal(202, 3, 4))),
)


# --------------------------------------------------------------------------- transpose-backward-same-perm


def _matrix_transpose() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    (x.T * np.random.default_rng(3).standard_normal((3, 2))).sum().backward()
    return {"x.grad": x.grad}


def _swap_last_two() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((2, 3, 4)), requires_grad=True)
    (
        x.permute(0, 2, 1) * np.random.default_rng(3).standard_normal((2, 4, 3))
    ).sum().backward()  # a swap is its own inverse
    return {"x.grad": x.grad}


def _cyclic_rectangular() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((2, 3, 4)), requires_grad=True)
    (x.permute(1, 2, 0) * np.random.default_rng(3).standard_normal((3, 4, 2))).sum().backward()
    return {"x.grad": x.grad}


def _cyclic_cube() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 3, 3)), requires_grad=True)
    (x.permute(1, 2, 0) * np.random.default_rng(3).standard_normal((3, 3, 3))).sum().backward()
    return {"x.grad": x.grad}


def _probe_cyclic(F: Any, x: Any, w: Any) -> Any:
    return x.permute(1, 2, 0) * w


TRANSPOSE_BACKWARD_SAME_PERM = BreakCode(
    "transpose-backward-same-perm",
    cases=(
        CaseCode("matrix-transpose", _matrix_transpose, SAME),
        CaseCode("swap-last-two", _swap_last_two, SAME),
        CaseCode("cyclic-rectangular", _cyclic_rectangular, CRASH),
        CaseCode("cyclic-cube", _cyclic_cube, WRONG_VALUES),
    ),
    probe=Probe(_probe_cyclic, (normal(211, 2, 3, 4), normal(212, 3, 4, 2))),
)


# --------------------------------------------------------------------------- var-wrong-denominator


def _population_variance() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 5)), requires_grad=True)
    (x.var(axis=1, correction=0) * np.random.default_rng(3).standard_normal(3)).sum().backward()
    return {"x.grad": x.grad}


def _sample_variance() -> Observation:
    x = Tensor(np.random.default_rng(1).standard_normal((3, 5)), requires_grad=True)
    (x.var(axis=1) * np.random.default_rng(3).standard_normal(3)).sum().backward()  # correction=1: divides by N - 1 = 4
    return {"x.grad": x.grad}


def _sample_variance_large_n() -> Observation:
    x, v = (
        Tensor(np.random.default_rng(1).standard_normal((2, 1000)), requires_grad=True),
        Tensor(np.random.default_rng(3).standard_normal(2)),
    )
    (x.var(axis=1) * v).sum().backward()
    report = gradcheck_report(lambda t: (t.var(axis=1) * v).sum(), [x])  # default tolerances: rtol 1e-3
    return {"x.grad": x.grad, "gradcheck passes": report.ok}


def _probe_var(F: Any, x: Any, w: Any) -> Any:
    return F.var(x, dim=1) * w


VAR_WRONG_DENOMINATOR = BreakCode(
    "var-wrong-denominator",
    cases=(
        CaseCode("population-variance", _population_variance, SAME),
        CaseCode("sample-variance", _sample_variance, WRONG_VALUES, expect=Expect("x.grad", factor=0.8)),
        CaseCode(
            "sample-variance-large-n", _sample_variance_large_n, WRONG_VALUES, expect=Expect("x.grad", factor=0.999)
        ),
    ),
    probe=Probe(_probe_var, (normal(221, 3, 5), normal(222, 3))),
)


# --------------------------------------------------------------------------- cat-split-at-sizes


def _cat_two_pieces() -> Observation:
    fwd, bwd = (
        Tensor(np.random.default_rng(1).standard_normal((3, 2)), requires_grad=True),
        Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True),
    )  # e.g. the two directions of a bidirectional RNN
    (cat([fwd, bwd], axis=1) * np.random.default_rng(3).standard_normal((3, 6))).sum().backward()
    return {"fwd.grad": fwd.grad, "bwd.grad": bwd.grad}


def _cat_three_pieces() -> Observation:
    a, b, c = (
        Tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True),
        Tensor(np.random.default_rng(2).standard_normal((3, 3)), requires_grad=True),
        Tensor(np.random.default_rng(4).standard_normal((4, 3)), requires_grad=True),
    )
    (cat([a, b, c]) * np.random.default_rng(3).standard_normal((9, 3))).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}


def _cat_three_pieces_unguarded() -> Observation:
    a, b, c = (
        Tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True),
        Tensor(np.random.default_rng(2).standard_normal((3, 3)), requires_grad=True),
        Tensor(np.random.default_rng(4).standard_normal((4, 3)), requires_grad=True),
    )
    with shape_check(False):
        (cat([a, b, c]) * np.random.default_rng(3).standard_normal((9, 3))).sum().backward()
    return {"a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}


def _probe_cat(F: Any, a: Any, b: Any, c: Any, w: Any) -> Any:
    return F.cat([a, b, c], dim=0) * w


CAT_SPLIT_AT_SIZES = BreakCode(
    "cat-split-at-sizes",
    cases=(
        CaseCode("cat-two-pieces", _cat_two_pieces, SAME),
        CaseCode("cat-three-pieces", _cat_three_pieces, CRASH),
        CaseCode("cat-three-pieces-unguarded", _cat_three_pieces_unguarded, WRONG_SHAPE),
    ),
    probe=Probe(_probe_cat, (normal(231, 2, 3), normal(232, 3, 3), normal(233, 4, 3), normal(234, 9, 3))),
)


# --------------------------------------------------------------------------- cross-entropy-mean-counts-ignored

PAD = -100  # cross_entropy's default ignore_index: padding positions


def _cross_entropy_no_padding() -> Observation:
    logits = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    loss = cross_entropy(logits, np.array([2, 0, 1, 1]))
    loss.backward()
    return {"loss": loss.data.copy(), "logits.grad": logits.grad}


def _cross_entropy_padded_batch() -> Observation:
    logits = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    targets = np.array([2, -100, 1, -100])  # -100 is cross_entropy's default ignore_index: two padding positions
    loss = cross_entropy(logits, targets)
    loss.backward()
    return {"loss": loss.data.copy(), "logits.grad": logits.grad}


def _cross_entropy_padded_sum() -> Observation:
    logits = Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    targets = np.array([2, -100, 1, -100])  # -100 is cross_entropy's default ignore_index: two padding positions
    loss = cross_entropy(logits, targets, reduction="sum")
    loss.backward()
    return {"loss": loss.data.copy(), "logits.grad": logits.grad}


def _probe_padded_cross_entropy(F: Any, logits: Any, targets: Any) -> Any:
    return F.cross_entropy(logits, targets)


CROSS_ENTROPY_MEAN_COUNTS_IGNORED = BreakCode(
    "cross-entropy-mean-counts-ignored",
    cases=(
        CaseCode("cross-entropy-no-padding", _cross_entropy_no_padding, SAME),
        CaseCode(
            "cross-entropy-padded-batch", _cross_entropy_padded_batch, WRONG_VALUES, expect=Expect("loss", factor=0.5)
        ),
        CaseCode("cross-entropy-padded-sum", _cross_entropy_padded_sum, SAME),
    ),
    probe=Probe(_probe_padded_cross_entropy, (normal(241, 5, 3), np.array([2, PAD, 0, PAD, 1]))),
)


BREAKS = [
    MATMUL_NO_TRANSPOSE,
    MEAN_MISSING_1_OVER_N,
    TANH_BACKWARD_USES_INPUT,
    SIGMOID_BACKWARD_MISSING_FACTOR,
    POW_WRONG_EXPONENT,
    SUB_BACKWARD_SIGN,
    DIV_BACKWARD_SIGN,
    VAR_WRONG_DENOMINATOR,
    GETITEM_PLAIN_ADD,
    MAX_ROUTES_TO_EVERY_TIE,
    TRANSPOSE_BACKWARD_SAME_PERM,
    CAT_SPLIT_AT_SIZES,
    SOFTMAX_NO_MAX_SUBTRACTION,
    CROSS_ENTROPY_LOG_OF_SOFTMAX,
    CROSS_ENTROPY_MEAN_COUNTS_IGNORED,
]

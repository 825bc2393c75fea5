"""The numbers the break pages state, each checked against an independent computation."""

from __future__ import annotations

import numpy as np
import pytest
from breaks_measured import residual_block_grad_norms

from minigrad import Tensor, optim
from minigrad.breaks import all_breaks
from minigrad.breaks.report import run_script


def test_skip_unbroadcast_case_5_why_in_place_refuses_and_out_of_place_keeps_the_wrong_shape() -> None:
    grad = np.zeros((3, 1))
    with pytest.raises(ValueError, match="non-broadcastable output operand"):
        grad += np.ones((3, 5))
    assert (np.zeros((3, 1)) + np.ones((3, 5))).shape == (3, 5)
    why = all_breaks()["skip-unbroadcast"].cases[4].note
    assert why is not None and "zeros((3, 1)) + g is a (3, 5) array" in why.en and "a2.grad = a2.grad + g" not in why.en


def test_rmsnorm_zero_row_gradient_is_upstream_times_weight_over_sqrt_eps() -> None:
    eps = np.finfo(np.float64).eps
    assert 1 / np.sqrt(eps) == pytest.approx(6.7e7, rel=0.01)
    zero_row = next(c for c in all_breaks()["rmsnorm-eps-outside-sqrt"].cases if c.id == "rmsnorm-zero-row")
    observed = run_script(zero_row.script)["x.grad"][1]
    upstream = np.random.default_rng(9).standard_normal((3, 4))[1]  # the case's upstream gradient on the zero row
    weight = np.array([0.5, 1.5, -1.0, 2.0])  # the case's RMSNorm weight
    np.testing.assert_allclose(observed, upstream * weight / np.sqrt(eps), rtol=1e-9)
    assert f"{np.abs(observed).min():.2g} to {np.abs(observed).max():.2g}" == "2.9e+07 to 4.6e+07"
    why = all_breaks()["rmsnorm-eps-outside-sqrt"].cases[2].note
    assert why is not None and "6.7e7" in why.en and "6.7e7" in why.es and "2.9e7 to 4.6e7" in why.en


def _steps(make: type, scale: float) -> np.ndarray:
    w = Tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)
    opt = make([w], lr=0.01)
    target = np.array([0.3, 0.1, -0.4])
    for _ in range(20):
        opt.zero_grad()
        (((w - target) ** 2).sum() * scale).backward()
        opt.step()
    return w.data.copy()


def test_a_constant_gradient_scale_changes_sgd_but_largely_cancels_in_adam() -> None:
    # The reading "N times the gradient = N times the learning rate" holds for SGD only.
    sgd_1, sgd_16 = _steps(optim.SGD, 1.0), _steps(optim.SGD, 16.0)
    adam_1, adam_16 = _steps(optim.Adam, 1.0), _steps(optim.Adam, 16.0)
    start = np.array([1.0, -2.0, 0.5])
    assert np.abs(sgd_16 - sgd_1).max() > 0.1 * np.abs(sgd_1 - start).max()
    assert np.abs(adam_16 - adam_1).max() < 1e-6 * np.abs(adam_1 - start).max()
    for break_id in ("mean-missing-1-over-n", "unbroadcast-mean"):
        lesson = all_breaks()[break_id].lesson
        assert "SGD" in lesson.en and "Adam" in lesson.en and "SGD" in lesson.es and "Adam" in lesson.es


def test_the_dropout_title_says_to_1_minus_p_times() -> None:
    assert "to (1-p) times" in all_breaks()["dropout-no-rescale"].title.en


def test_the_residual_lesson_says_the_decades_depend_on_the_block() -> None:
    lesson = all_breaks()["residual-removed"].lesson
    assert "twelve" not in lesson.en and "depends on the block" in lesson.en and "about 30" in lesson.en
    with_skip = residual_block_grad_norms(50)
    assert with_skip[0] > 1e-3 * with_skip[-1]

"""The module-level breaks (family ``modules``): normalization, dropout, Adam/AdamW, residuals,
zero_grad.

Each break must apply to today's source of its target and switch off cleanly, change what minigrad computes
in at least one case, explain every case whose hypothesis minigrad does not bear out, and be caught by exactly
the diagnostics it claims (its own PyTorch checks among them) with no false alarm on correct code.  The
numeric claims of the lessons and notes are checked against hand-derived values, not against minigrad.
"""

from __future__ import annotations

import numpy as np
import pytest
from breaks_measured import cases, measured_once, residual_block_grad_norms, rows

import minigrad.breaks as breaks
from minigrad import Tensor, nn, optim
from minigrad.breaks import Outcome, breaks_command, inject
from minigrad.breaks.core import all_breaks
from minigrad.breaks.shared import modules

MODULE_BREAKS = {
    "batchnorm-eval-uses-batch-stats": ("nn.normalization:BatchNorm1d.forward",),
    "dropout-no-rescale": ("nn.layers:Dropout.forward",),
    "adam-no-bias-correction": ("optim.adam:adam_direction",),  # the seam: the textbook update direction
    "l2-as-adamw": ("optim.adam:Adam.step",),
    "rmsnorm-eps-outside-sqrt": ("nn.normalization:RMSNorm.forward",),
    "residual-removed": ("nn.layers:Residual.forward",),
    "forgot-zero-grad": ("optim.optimizer:Optimizer.zero_grad",),
}
IDS = list(MODULE_BREAKS)

# Cases (1-based) whose hypothesis minigrad does not bear out.  RMSNorm's default eps is float64's machine
# epsilon, so moving it out of the root changes ordinary outputs by ~1e-16 relative: no difference at all.
UNHELD = {"rmsnorm-eps-outside-sqrt": {1}}

# The diagnostics each break is caught by; the general ones are listed to pin down which stay silent.
CAUGHT_BY = {
    "batchnorm-eval-uses-batch-stats": {"crosscheck", "torch-batchnorm-eval"},
    "dropout-no-rescale": {"crosscheck", "torch-dropout-expectation"},
    "adam-no-bias-correction": {"torch-adam-trajectory"},
    "l2-as-adamw": {"torch-adamw-trajectory"},
    "rmsnorm-eps-outside-sqrt": {"gradcheck", "crosscheck", "anomaly", "torch-rmsnorm"},
    "residual-removed": {"crosscheck", "torch-residual-stack"},
    "forgot-zero-grad": {"torch-zero-grad"},
}

# What each custom check's message must say when it fires.
CHECK_MESSAGES = {
    "torch-batchnorm-eval": ["torch.nn.BatchNorm1d in eval mode", "one example", "shifted by +3"],
    "torch-dropout-expectation": ["averages 0.50", "torch.nn.Dropout averages 0.99", "E[output] = input"],
    "torch-adam-trajectory": ["after step 1", "torch.optim.Adam"],
    "torch-adamw-trajectory": ["after step 1", "torch.optim.AdamW", "match torch.optim.Adam(weight_decay=0.1)"],
    "torch-rmsnorm": ["torch.nn.RMSNorm", "output", "x.grad (max diff nan)"],
    "torch-residual-stack": ["block 1's weight-gradient norm", "torch with x + f(x)", "f(x) alone"],
    "torch-zero-grad": ["after step 2", "torch.optim.SGD with zero_grad()"],
}

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")


def by_id(break_id: str) -> breaks.Break:
    return all_breaks()[break_id]


def test_the_family_is_listed_after_the_others_in_the_course_order() -> None:
    assert sorted(b.id for b in all_breaks().values() if b.family == "modules") == sorted(IDS)
    # The engine and ops breaks of phases 7-9 come first; phase 14's RNN break (assignment-cuts-graph) comes later.
    earlier = [b.phase for b in all_breaks().values() if b.family not in ("modules", "attention") and b.phase < 11]
    assert min(by_id(i).phase for i in IDS) >= max(earlier)
    assert all(tuple(by_id(i).targets) == MODULE_BREAKS[i] for i in IDS)


@pytest.mark.parametrize("break_id", IDS)
def test_cases_behave_as_predicted_and_every_unheld_hypothesis_is_explained(break_id: str) -> None:
    results = cases(break_id)
    assert 2 <= len(results) <= 4
    assert any(r.outcome != Outcome.SAME for r in results), "no case shows the break"
    assert any(r.outcome == Outcome.SAME for r in results), "no case shows where the break is invisible"
    unheld = {i for i, r in enumerate(results, 1) if not r.hypothesis_holds}
    assert unheld == UNHELD.get(break_id, set()), [(i, str(results[i - 1].outcome)) for i in sorted(unheld)]
    for result in results:
        if not result.hypothesis_holds:
            assert result.case.note is not None, f"case {result.case.name.en!r}: hypothesis fails, no note"


@pytest.mark.parametrize("break_id", IDS)
def test_the_torch_checks_catch_each_break_and_say_what_they_saw(break_id: str) -> None:
    # False alarms and crashes are checked for every break in test_breaks_catalog.py.
    assert {row.diagnostic for row in rows(break_id) if row.caught} == CAUGHT_BY[break_id]
    for row in rows(break_id):
        for expected in CHECK_MESSAGES.get(row.diagnostic, []):
            assert expected in row.broken.message, row.broken.message


def test_show_in_spanish(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    brk = by_id("l2-as-adamw")
    measured_once(monkeypatch)
    assert breaks_command.main(["show", brk.id, "--lang", "es"]) == 0
    out = capsys.readouterr().out
    assert brk.title.es in out and brk.lesson.es[:40] in out and brk.title.en not in out


# --------------------------------------------------------------------------- the notes' numbers, hand-derived


def test_batchnorm_break_gives_zeros_for_one_example_in_eval() -> None:
    # Hand-derived: a batch of one has mean = x and variance 0, so (x - mean) / sqrt(0 + eps) = 0; bias = 0.
    layer = nn.BatchNorm1d(3)
    layer(Tensor(np.array([[1.0, 2.0, 3.0], [3.0, 0.0, -1.0]])))  # running_mean = 0.1 * (2, 1, 1)
    layer.eval()
    x = np.array([[4.0, -1.0, 0.5]])
    with inject("batchnorm-eval-uses-batch-stats"):
        np.testing.assert_array_equal(layer(Tensor(x)).data, np.zeros((1, 3)))
    # Correct: running mean 0.1 * (2, 1, 1); running var 0.9 * 1 + 0.1 * unbiased batch var (2, 2, 8).
    mean, var = np.array([0.2, 0.1, 0.1]), np.array([1.1, 1.1, 1.7])
    np.testing.assert_allclose(layer(Tensor(x)).data, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12)


def test_dropout_break_keeps_the_survivors_unscaled() -> None:
    x = np.arange(1.0, 21.0).reshape(4, 5)
    keep = np.random.default_rng(3).random((4, 5)) >= 0.25  # the mask Dropout documents drawing
    with inject("dropout-no-rescale"):
        broken = nn.Dropout(0.25, generator=np.random.default_rng(3))(Tensor(x)).data
    correct = nn.Dropout(0.25, generator=np.random.default_rng(3))(Tensor(x)).data
    np.testing.assert_allclose(broken, x * keep, rtol=0, atol=0)
    np.testing.assert_allclose(correct, x * keep / 0.75, rtol=1e-14)


def _adam_first_step(lr: float, betas: tuple[float, float]) -> np.ndarray:
    p = Tensor(np.zeros(3), requires_grad=True)
    opt = optim.Adam([p], lr=lr, betas=betas)
    (p * Tensor(np.array([2.0, -0.5, 4.0]))).sum().backward()
    opt.step()
    return p.data.copy()


def test_adam_break_first_step_is_lr_times_0_1_over_sqrt_0_001() -> None:
    # Hand-derived, gradient g: m = 0.1 g, v = 0.001 g**2, step = lr * m / sqrt(v) = lr * 3.1623 * sign(g).
    sign = np.array([1.0, -1.0, 1.0])
    with inject("adam-no-bias-correction"):
        np.testing.assert_allclose(
            _adam_first_step(0.01, (0.9, 0.999)), -0.01 * sign * 0.1 / np.sqrt(0.001), rtol=1e-5
        )  # eps = 1e-8 in the denominator: within 1e-6
        np.testing.assert_allclose(_adam_first_step(0.01, (0.0, 0.0)), -0.01 * sign, rtol=1e-7)
    np.testing.assert_allclose(_adam_first_step(0.01, (0.9, 0.999)), -0.01 * sign, rtol=1e-7)


def test_l2_as_adamw_moves_weights_without_gradient_by_lr_instead_of_decaying_them() -> None:
    def run() -> np.ndarray:
        w = Tensor(np.array([0.8, -0.5]), requires_grad=True)
        opt = optim.AdamW([w], lr=0.01, weight_decay=0.01)
        for _ in range(10):
            opt.zero_grad()
            (w * 0.0).sum().backward()  # a zero gradient
            opt.step()
        return w.data.copy()

    # Decoupled: w * (1 - lr * wd)**10.  As L2 the gradient is wd * w, of constant sign and slowly shrinking:
    # m_hat / sqrt(v_hat) is then just below 1, so each step moves w by a little under lr towards 0.
    np.testing.assert_allclose(run(), np.array([0.8, -0.5]) * (1 - 1e-4) ** 10, rtol=1e-12)
    with inject("l2-as-adamw"):
        moved = np.abs(run() - np.array([0.8, -0.5]))
    assert np.all((moved > 0.095) & (moved <= 0.1))


def test_rmsnorm_break_turns_the_finite_gradient_at_zero_into_nan() -> None:
    # Hand-derived at x = 0: d/dx [x / sqrt(mean(x**2) + eps)] = 1 / sqrt(eps) (the mean-square term is 0).
    eps, upstream = 1e-6, np.array([[0.5, -1.0, 2.0]])
    layer = nn.RMSNorm(3, eps=eps)
    x = Tensor(np.zeros((1, 3)), requires_grad=True)
    layer(x).backward(upstream)
    assert x.grad is not None
    np.testing.assert_allclose(x.grad, upstream / np.sqrt(eps), rtol=1e-12)
    with inject("rmsnorm-eps-outside-sqrt"):
        x = Tensor(np.zeros((1, 3)), requires_grad=True)
        y = layer(x)
        y.backward(upstream)
    np.testing.assert_array_equal(y.data, np.zeros((1, 3)))
    assert x.grad is not None and np.isnan(x.grad).all()


def test_residual_break_makes_fifty_blocks_lose_the_gradient() -> None:
    with_skip = residual_block_grad_norms(50)
    with inject("residual-removed"):
        without = residual_block_grad_norms(50)
    assert with_skip[0] > with_skip[-1]  # the identity path adds up towards the input
    assert without[0] < 1e-9 * without[-1]


def _sgd_steps(lr: float, steps: int) -> Tensor:
    """The optimizer cases' loop: SGD on 0.5 |A p - b|**2 from the shared start, ``steps`` steps."""
    p = Tensor(modules.LSQ_START.copy(), requires_grad=True)
    optimizer = optim.SGD([p], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        r = Tensor(modules.LSQ_A) @ p - Tensor(modules.LSQ_B)
        ((r * r).sum() * 0.5).backward()
        optimizer.step()
    return p


def test_forgot_zero_grad_makes_step_two_use_the_sum_of_both_gradients() -> None:
    a, b, p0, lr = modules.LSQ_A, modules.LSQ_B, modules.LSQ_START, 0.05

    def grad(p: np.ndarray) -> np.ndarray:  # hand-derived: d/dp 0.5 |A p - b|**2 = A^T (A p - b)
        return np.asarray(a.T @ (a @ p - b))

    g1 = grad(p0)
    p1 = p0 - lr * g1
    g2 = grad(p1)
    with inject("forgot-zero-grad"):
        p = _sgd_steps(lr, 2)
    assert p.grad is not None
    np.testing.assert_allclose(p.grad, g1 + g2, rtol=1e-12)
    np.testing.assert_allclose(p.data, p1 - lr * (g1 + g2), rtol=1e-12)
    p = _sgd_steps(lr, 2)
    assert p.grad is not None
    np.testing.assert_allclose(p.grad, g2, rtol=1e-12)
    np.testing.assert_allclose(p.data, p1 - lr * g2, rtol=1e-12)


# --------------------------------------------------------------------------- found on the way


def test_the_public_all_breaks_function_survives_loading_the_catalog_subpackage() -> None:
    import minigrad.breaks

    minigrad.breaks.core.all_breaks()  # loads the subpackage minigrad.breaks.catalog
    assert all_breaks()["forgot-zero-grad"].checks  # and a break's checks.py, loaded by path
    assert callable(minigrad.breaks.all_breaks)
    assert "forgot-zero-grad" in minigrad.breaks.all_breaks()

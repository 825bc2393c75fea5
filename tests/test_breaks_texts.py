"""The numbers the break pages state, each checked against an independent computation."""

from __future__ import annotations

import numpy as np
import pytest
from breaks_measured import residual_block_grad_norms

from minigrad import Tensor, optim
from minigrad.breaks import all_breaks
from minigrad.breaks.case_report import run_script


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


# --------------------------------------------------------------------------- issue 17 §3: texts that state numbers


def _note(break_id: str, case_id: str) -> tuple[str, str]:
    case = next(c for c in all_breaks()[break_id].cases if c.id == case_id)
    assert case.note is not None
    return case.note.en, case.note.es


def test_value_grad_not_reset_case_2_why_states_what_the_second_pass_does() -> None:
    from breaks_measured import cases

    from minigrad.breaks import inject
    from minigrad.scalar import Value

    h_value = float(np.tanh(0.8 * -1.5))  # the case's a = 0.8, b = -1.5
    # The break's own run of the case's graph: h.grad after each pass (leaves zeroed in between).
    with inject("value-grad-not-reset"):
        a, b = Value(0.8), Value(-1.5)
        h = (a * b).tanh()
        loss = h * h + h
        loss.backward()
        first = h.grad
        a.grad = b.grad = 0.0
        loss.backward()
        second = h.grad
    # Hand-derived: d(h*h + h)/dh = 1 + 2h; the second pass adds 1 (root re-seeded) + 2h * 2 (h*h kept grad 1).
    assert first == pytest.approx(1 + 2 * h_value, rel=1e-12)
    assert second == pytest.approx(2 + 6 * h_value, rel=1e-12)
    result = next(r for r in cases("value-grad-not-reset") if r.case.id == "second-backward-leaves-zeroed")
    assert not isinstance(result.broken, BaseException)
    ratio = result.broken["a.grad"] / result.correct["a.grad"]
    assert ratio == pytest.approx((3 + 8 * h_value) / (1 + 2 * h_value), rel=1e-9)
    for text in _note("value-grad-not-reset", "second-backward-leaves-zeroed"):
        assert f"{first:.3f}" in text and f"{second:.3f}" in text  # -0.667, -3.002
        assert f"{second / first:.1f}" in text and f"{ratio:.1f}" in text  # 4.5, 5.5
        assert "twice" not in text and "doble" not in text


def test_matmul_backward_2d_only_case_3_why_names_the_core_dimension_mismatch() -> None:
    from breaks_measured import cases

    result = next(r for r in cases("matmul-backward-2d-only") if r.case.id == "batched")
    assert isinstance(result.broken, ValueError)
    # NumPy's own answer for g (2, 3, 5) @ b.T (5, 4, 2): a core-dimension error, raised before batch axes.
    g, b_t = np.ones((2, 3, 5)), np.ones((2, 4, 5)).T
    assert b_t.shape == (5, 4, 2)
    with pytest.raises(ValueError) as numpy_says:
        g @ b_t
    assert "core dimension" in str(numpy_says.value) and "size 4 is different from 5" in str(numpy_says.value)
    assert "size 4 is different from 5" in str(result.broken)
    en, es = _note("matmul-backward-2d-only", "batched")
    assert "(2, 3, 5)" in en and "(5, 4, 2)" in en and "core dimensions" in en and "broadcast" not in en
    assert "(2, 3, 5)" in es and "(5, 4, 2)" in es and "núcleo" in es


def test_tied_head_detached_lesson_states_the_two_shares_of_the_gradient() -> None:
    from minigrad import no_grad
    from minigrad.breaks import inject
    from minigrad.breaks.shared.attention_probes import CONTEXT, IDS, VOCAB, _gpt

    upstream = np.random.default_rng(751).standard_normal((2, CONTEXT, VOCAB))  # the tied-gradient check's

    def shared_grad() -> tuple[np.ndarray, np.ndarray]:
        model = _gpt(n_layers=1)
        model(IDS).backward(upstream)
        with no_grad():  # the head's input, for the independent head share
            x = model.tok_emb(IDS)
            x = model.pos_emb(x) if model.pos_emb is not None else x
            for block in model.blocks:
                x = block(x, attn_mask=model.causal_mask(CONTEXT))
            hidden = model.ln_f(x).data
        assert model.tok_emb.weight.grad is not None
        return model.tok_emb.weight.grad.copy(), hidden

    total, hidden = shared_grad()
    with inject("tied-head-detached"):
        lookup, _ = shared_grad()
    head = np.einsum("btv,btd->vd", upstream, hidden)  # d sum(upstream * (hidden @ W.T)) / dW, by hand
    np.testing.assert_allclose(total - lookup, head, rtol=1e-7, atol=1e-9)
    lookup_norm, head_norm = np.linalg.norm(lookup), np.linalg.norm(head)
    assert lookup_norm > head_norm  # the lookup's share is the larger one
    lesson = all_breaks()["tied-head-detached"].lesson
    for text in (lesson.en, lesson.es):
        assert f"{lookup_norm:.1f}" in text and f"{head_norm:.1f}" in text  # 95.5, 65.8
    assert "small gradient" not in lesson.en and "pequeño gradiente" not in lesson.es

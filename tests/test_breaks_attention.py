"""The attention family (``minigrad.breaks.shared.attention_probes`` holds its shared probe and checks): each break's
stated numbers against an independent oracle (NumPy, PyTorch float64, finite differences), and its behavioural
probes naming what they saw.  Its case scripts run standalone in fresh interpreters with the others, in
test_breaks_procedures.py.

The catalog-wide tests already hold every break to its predicted outcomes and to exactly the diagnostics it
claims, with none firing on correct code.
"""

from __future__ import annotations

import numpy as np
import pytest
from breaks_measured import cases, rows

from minigrad import Tensor, no_grad
from minigrad.breaks import all_breaks, inject
from minigrad.breaks.shared import attention_probes as catalog
from minigrad.ops import attention
from minigrad.training.gpt import language_model_loss

torch = pytest.importorskip("torch")

ATTENTION_IDS = [b.id for b in all_breaks().values() if b.family == "attention"]
pytestmark = [
    pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]


def test_the_family_has_the_courses_two_breaks_and_at_least_ten_with_phases_15_to_17() -> None:
    assert {"no-sqrt-dk-scaling", "forget-causal-mask"} <= set(ATTENTION_IDS)
    assert len(ATTENTION_IDS) >= 10
    assert all_breaks()["no-sqrt-dk-scaling"].phase == 15 and all_breaks()["forget-causal-mask"].phase == 17
    assert all(15 <= all_breaks()[i].phase <= 17 for i in ATTENTION_IDS)


@pytest.mark.parametrize("break_id", ATTENTION_IDS)
def test_gradcheck_is_blind_and_a_behavioural_probe_names_what_it_saw(break_id: str) -> None:
    by_name = {row.diagnostic: row for row in rows(break_id)}
    assert not by_name["gradcheck"].caught  # the wrong function is still differentiated correctly
    probes = [r for name, r in by_name.items() if name in catalog.PROBE_CHECKS and r.caught]
    assert probes, "no behavioural probe caught it"
    for row in probes:
        assert len(row.broken.message) > 40 and row.broken.message != "the check failed"


@pytest.mark.parametrize("d_k", [16, 64, 256])
def test_without_scaling_the_scores_are_numpys_unscaled_products(d_k: int) -> None:
    q, k = np.random.default_rng(d_k).standard_normal((2, 32, d_k))
    with inject("no-sqrt-dk-scaling"):
        broken = attention.attention_scores(Tensor(q), Tensor(k), attention.scale_factor(d_k)).data
    np.testing.assert_allclose(broken, q @ k.T, rtol=1e-12)
    correct = attention.attention_scores(Tensor(q), Tensor(k), attention.scale_factor(d_k)).data
    np.testing.assert_allclose(correct, q @ k.T / np.sqrt(d_k), rtol=1e-12)


def test_the_off_by_one_mask_is_numpys_tril_with_k_1() -> None:
    with inject("causal-mask-off-by-one"):
        np.testing.assert_array_equal(attention.causal_mask(6), np.tril(np.ones((6, 6), dtype=bool), k=1))


def test_the_off_by_one_leak_moves_one_earlier_position_per_layer() -> None:
    results = cases("causal-mask-off-by-one")
    assert results[1].broken["positions among 0..3 that moved"] == 1
    assert results[2].broken["positions among 0..3 that moved"] == 2


def test_the_unshifted_loss_is_torchs_cross_entropy_against_the_same_position() -> None:
    rng = np.random.default_rng(3)
    logits, ids = rng.standard_normal((2, 6, 9)), rng.integers(1, 9, (2, 6))
    reference = torch.nn.functional.cross_entropy
    shifted = reference(torch.tensor(logits[:, :-1]).reshape(-1, 9), torch.tensor(ids[:, 1:]).reshape(-1))
    unshifted = reference(torch.tensor(logits).reshape(-1, 9), torch.tensor(ids).reshape(-1))
    assert language_model_loss(Tensor(logits), ids).item() == pytest.approx(shifted.item(), rel=1e-12)
    with inject("lm-loss-unshifted"):
        assert language_model_loss(Tensor(logits), ids).item() == pytest.approx(unshifted.item(), rel=1e-12)


def test_post_ln_with_zero_branches_is_torchs_layer_norm_applied_twice() -> None:
    x = 3.0 + 5.0 * np.random.default_rng(4).standard_normal((2, 4, 16))
    block = catalog._zero_branch_block()
    with no_grad():
        assert np.array_equal(block(Tensor(x)).data, x)
        with inject("post-ln-instead-of-pre-ln"):
            broken = block(Tensor(x)).data
    twice = torch.nn.functional.layer_norm(torch.nn.functional.layer_norm(torch.tensor(x), (16,)), (16,))
    np.testing.assert_allclose(broken, twice.numpy(), atol=1e-9)


def test_the_detached_head_leaves_only_the_embeddings_share_of_the_tied_gradient() -> None:
    def embedding_grad(detach_head: bool) -> np.ndarray:
        model = catalog._gpt(n_layers=1)
        upstream = np.random.default_rng(5).standard_normal((2, 8, 16))
        if detach_head:
            with inject("tied-head-detached"):
                model(catalog.IDS).backward(upstream)
        else:
            model(catalog.IDS).backward(upstream)
        assert model.tok_emb.weight.grad is not None
        return np.array(model.tok_emb.weight.grad)

    # The head's share alone, by finite differences of the logits in the head's use of W only.
    model = catalog._gpt(n_layers=1)
    upstream = np.random.default_rng(5).standard_normal((2, 8, 16))
    with no_grad():
        features = model.ln_f(model.blocks[0](model.pos_emb(model.tok_emb(catalog.IDS)), model.causal_mask(8))).data
    head_share = np.einsum("ntv,ntd->vd", upstream, features)  # d(sum(upstream * features @ W.T))/dW
    np.testing.assert_allclose(embedding_grad(False) - embedding_grad(True), head_share, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("break_id", ATTENTION_IDS)
def test_every_break_runs_every_probe_and_verify_shows_a_claimed_one(break_id: str) -> None:
    brk = all_breaks()[break_id]
    assert set(brk.checks) == set(catalog.PROBE_CHECKS)
    assert list(brk.checks)[-1] in brk.catches  # the one `breaks verify` shows in its own-check column


def test_every_probe_is_silent_on_correct_code() -> None:
    for name, check in catalog.PROBE_CHECKS.items():
        assert check() == "", name

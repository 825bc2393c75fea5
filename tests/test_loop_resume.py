"""The training loop's run folder: a real run stopped by a real SIGINT at a random step, resumed, ends bit-identical.

Also the pieces the loop is built from, each against an independent oracle: the batch masks (hand-built),
the token-mean loss (PyTorch's cross-entropy), the schedule (the closed form) and the decay groups.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from interrupting import sigint_after_logged_steps

from minigrad import Tensor
from minigrad.data.corpus import CharTokenizer
from minigrad.training import loop

TINY = ["--d-model", "16", "--n-layers", "1", "--batch-size", "4", "--warmup-steps", "10"]


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "minigrad", "run", *args]


def _log(run_dir: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (run_dir / loop.LOG).read_text("utf-8").splitlines()]


@pytest.mark.slow
def test_a_run_stopped_by_sigint_at_a_random_step_resumes_bit_identical(tmp_path: Path) -> None:
    steps = 300
    options = [*TINY, "--steps", str(steps), "--checkpoint-every", "7", "--val-every", "50", "--inspect"]
    env = {**os.environ, "MINIGRAD_LANG": "en"}
    reference, stopped = tmp_path / "reference", tmp_path / "stopped"
    done = subprocess.run(_command("--out", str(reference), *options), capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr

    stop_at = int(np.random.default_rng().integers(10, steps - 60))  # random on purpose; printed on failure
    status, out, err = sigint_after_logged_steps(
        _command("--out", str(stopped), *options), stopped / loop.LOG, stop_at, env
    )
    assert status == 130, (stop_at, out, err)  # stopped mid-run, not finished
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "interrupted at step" in lines[0], err  # one clean line, no traceback
    assert str(stopped / loop.CHECKPOINT) in lines[0] or "before the first checkpoint" in lines[0]

    resumed = subprocess.run(_command("--resume", str(stopped)), capture_output=True, text=True, env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert loop.weights_digest(stopped) == loop.weights_digest(reference), f"stopped at step {stop_at}"
    ours, theirs = _log(stopped), _log(reference)
    assert [r["step"] for r in ours] == list(range(1, steps + 1))  # each step logged once, none lost or doubled
    assert [r["loss"] for r in ours] == [r["loss"] for r in theirs]
    assert [r["val_loss"] for r in ours] == [r["val_loss"] for r in theirs]


def test_batches_hold_shifted_targets_and_both_masks() -> None:
    tokenizer = CharTokenizer.from_corpus()
    batch = loop.make_batch(["ab", "abcd"], tokenizer, np.float32)
    ids = [tokenizer.encode("\nab\n"), tokenizer.encode("\nabcd\n")]
    assert batch.input.tolist() == [ids[0] + [0], ids[1][:-1]]
    assert batch.target.tolist() == [[*ids[0][1:], 0, 0], ids[1][1:]]
    assert batch.loss_mask.tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    assert batch.attn_pad_mask.shape == (2, 1, 5, 5)
    # row i may see keys 0..i, never a padded key: the first line has 4 real input positions
    expected = np.tril(np.ones((5, 5), dtype=bool))
    np.testing.assert_array_equal(batch.attn_pad_mask[1, 0], expected)
    expected[:, 4:] = False
    np.testing.assert_array_equal(batch.attn_pad_mask[0, 0], expected)
    assert batch.key_padding_mask().tolist() == [[False] * 4 + [True], [False] * 5]


def test_token_mean_loss_matches_pytorch_with_the_mask() -> None:
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(3, 5, 7))
    target = rng.integers(0, 7, size=(3, 5))
    mask = (rng.random((3, 5)) < 0.7).astype(np.float64)
    ours = Tensor(logits, requires_grad=True)
    loss = loop.masked_token_mean(ours, target, mask)
    upstream = 1.7
    loss.backward(np.array(upstream))
    theirs = torch.tensor(logits, requires_grad=True)
    per = torch.nn.functional.cross_entropy(
        theirs.reshape(15, 7), torch.from_numpy(target.reshape(15)), reduction="none"
    )
    ref = (per * torch.from_numpy(mask.reshape(15))).sum() / mask.sum()
    (ref * upstream).backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-7, atol=1e-7)


def test_schedule_decay_groups_and_optimizer_settings() -> None:
    config = loop.LoopConfig(steps=50, warmup_steps=10, d_model=16, n_layers=1, batch_size=2)
    run = loop.Run(config, Path("."))
    decay, no_decay = run.optimizer.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.ndim >= 2 for p in decay["params"]) and all(p.ndim == 1 for p in no_decay["params"])
    names = {id(p): n for n, p in run.model.named_parameters()}
    assert any(names[id(p)].endswith("ln1.weight") for p in no_decay["params"])  # a norm scale: no decay
    assert tuple(decay["betas"]) == (0.9, 0.95) and decay["eps"] == 1e-8
    lrs = []
    for _ in range(config.steps):
        lrs.append(run.optimizer.param_groups[0]["lr"])
        run.scheduler.step()
    for t, lr in enumerate(lrs):  # the closed form: linear warmup from lr/warmup, then cosine to min_lr
        if t < 10:
            expected = 3e-4 * (0.1 + 0.9 * t / 10)
        else:
            expected = 3e-5 + (3e-4 - 3e-5) * (1 + math.cos(math.pi * (t - 10) / 40)) / 2
        assert lr == pytest.approx(expected, rel=1e-12)


def test_a_run_folder_is_not_overwritten_and_resume_needs_one(tmp_path: Path) -> None:
    (tmp_path / loop.MANIFEST).write_text("{}")
    with pytest.raises(FileExistsError, match="already holds a run"):
        loop.train(loop.LoopConfig(steps=20, warmup_steps=2), tmp_path)
    with pytest.raises(FileNotFoundError, match="holds no run"):
        loop.resume(tmp_path / "nothing")


def test_inspect_writes_statistics_and_leaves_the_weights_bit_identical(tmp_path: Path) -> None:
    options = {"steps": 12, "warmup_steps": 3, "d_model": 16, "n_layers": 1, "batch_size": 2, "val_every": 6}
    loop.train(loop.LoopConfig(**options), tmp_path / "plain")  # type: ignore[arg-type]
    loop.train(loop.LoopConfig(**options, inspect=True), tmp_path / "inspected")  # type: ignore[arg-type]
    assert loop.weights_digest(tmp_path / "plain") == loop.weights_digest(tmp_path / "inspected")
    records = _log(tmp_path / "inspected")
    assert [r["schema"] for r in records] == [loop.LOG_SCHEMA] * 12
    assert {"blocks.0", "blocks.0.attn", "lm_head"} <= set(records[-1]["activations"])  # type: ignore[arg-type]
    assert "blocks.0.mlp.0" not in records[-1]["activations"]  # type: ignore[operator]
    assert [r["val_loss"] is not None for r in records] == [(i + 1) % 6 == 0 for i in range(12)]
    manifest = json.loads((tmp_path / "inspected" / loop.MANIFEST).read_text())
    assert {"seed", "versions", "config", "git_sha", "hardware"} <= set(manifest)
    assert manifest["config"]["inspect"] is True


def test_validation_scored_from_prefixes_equals_the_teacher_forced_loss_under_a_causal_mask() -> None:
    run = loop.Run(loop.LoopConfig(steps=20, warmup_steps=2, d_model=16, n_layers=1, batch_size=4), Path("."))
    for _ in range(3):
        run.train_step()
    got = run.validate()
    lines = [line for e in run.val_examples for line in (e.en, e.es)]
    batch = loop.make_batch(lines, run.tokenizer, np.float32)
    logits = run.model(batch.input, key_padding_mask=batch.key_padding_mask())
    teacher_forced = loop.masked_token_mean(logits, batch.target, batch.loss_mask).item()
    assert got["val_loss"] == pytest.approx(teacher_forced, rel=1e-5)  # float32: the same sums in another order
    regular = [e.is_regular for e in run.val_examples]
    assert any(regular) and not all(regular)
    assert min(got["val_loss_regular"], got["val_loss_irregular"]) <= got["val_loss"]
    assert got["val_loss"] <= max(got["val_loss_regular"], got["val_loss_irregular"])


def test_run_scales_its_warmup_to_short_runs_and_keeps_the_phase_18_preset() -> None:
    def config(*argv: str) -> loop.LoopConfig:
        return loop.config_from_args(loop.run_parser().parse_args(["--out", "x", *argv]), loop.LoopConfig())

    assert config() == loop.LoopConfig()  # the hyperparameters: 600 steps, warmup 60, 3e-4 -> 3e-5
    assert config("--steps", "60").warmup_steps == 6  # a tenth of the steps when shorter than the preset's 60
    assert config("--steps", "60", "--inspect").inspect is True


def test_sigterm_stops_a_run_with_status_143_and_the_same_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from minigrad.cli import main
    from minigrad.training.runfolder import Terminated

    train_step = loop.Run.train_step

    def terminated(run: loop.Run) -> dict[str, float]:
        if run.step == 3:
            raise Terminated  # what SIGTERM raises inside the command (sigterm_as_interrupt)
        return train_step(run)

    monkeypatch.setattr(loop.Run, "train_step", terminated)
    out = tmp_path / "run"
    options = ["--steps", "20", "--warmup-steps", "2", "--d-model", "16", "--n-layers", "1", "--batch-size", "2"]
    assert main(["run", "--out", str(out), *options, "--checkpoint-every", "2"]) == 143
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == (
        f"interrupted at step 3; the last checkpoint is {out / loop.CHECKPOINT} (step 2); "
        f"resume with: minigrad run --resume {out}"
    )


def test_the_inspected_statistics_of_a_step_leave_out_validation(tmp_path: Path) -> None:
    """Validation runs the model ~40 times on other lines: a step's activation statistics must not count them."""
    options = {"steps": 5, "warmup_steps": 2, "d_model": 16, "n_layers": 1, "batch_size": 2, "inspect": True}
    loop.train(loop.LoopConfig(**options, val_every=1), tmp_path / "every")  # type: ignore[arg-type]
    loop.train(loop.LoopConfig(**options, val_every=100), tmp_path / "last")  # type: ignore[arg-type]
    every, last = _log(tmp_path / "every"), _log(tmp_path / "last")
    assert all(r["val_loss"] is not None for r in every)
    assert [r["activations"] for r in every] == [r["activations"] for r in last]
    assert [r["gradients"] for r in every] == [r["gradients"] for r in last]

"""`minigrad train gpt` on a tiny, fast configuration, on the phase-18 loop; the language-model loss against torch."""

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from minigrad import Tensor, checkpoint
from minigrad.cli import main
from minigrad.data.corpus import CharTokenizer, held_out_split
from minigrad.training import gpt, loop

TINY = ["--steps", "12", "--warmup-steps", "2", "--d-model", "16", "--n-heads", "2", "--n-layers", "1", "--d-ff", "32"]


def test_language_model_loss_matches_torch_with_shift_and_padding():
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 9, (3, 7))
    ids[1, 5:] = 0
    logits0 = rng.standard_normal((3, 7, 9))
    logits = Tensor(logits0, requires_grad=True)
    loss = gpt.language_model_loss(logits, ids)
    ref_logits = torch.tensor(logits0, requires_grad=True)
    targets = torch.tensor(ids[:, 1:]).masked_fill(torch.tensor(ids[:, 1:] == 0), -100)
    ref = torch.nn.functional.cross_entropy(ref_logits[:, :-1].reshape(-1, 9), targets.reshape(-1), ignore_index=-100)
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-12)
    loss.backward(np.array(1.7))
    (ref * 1.7).backward()
    np.testing.assert_allclose(logits.grad, ref_logits.grad.numpy(), rtol=1e-7, atol=1e-12)


TINY_CONFIG = replace(gpt.TRAIN_GPT, steps=3, warmup_steps=1, d_model=16, n_heads=2, n_layers=1, d_ff=32)


def test_batched_greedy_completions_equal_one_prompt_at_a_time():
    task = gpt.corpus_task(TINY_CONFIG)
    model = loop.build_model(TINY_CONFIG, loop.context_length(TINY_CONFIG))
    prompts = task.prompts(task.held_out[:5], "es")
    batched = gpt.greedy_completions(model, task.tokenizer, prompts, max_new=6)
    alone = [gpt.complete(model, task.tokenizer, p, max_new=6, temperature=0) for p in prompts]
    assert batched == alone


def test_training_batches_hold_no_held_out_cell():
    # every augmentation on: headless lines, subsets of persons, a repeated person
    config = replace(gpt.TRAIN_GPT, headless=0.5, subsets=0.3, repeats=0.5)
    run = loop.Run(config, Path("unused"))
    task = gpt.corpus_task(config)
    batches = [run.next_batch() for _ in range(20)]
    lines = [task.tokenizer.decode(row).strip("\x00\n") for batch in batches for row in batch.input]
    assert all(batch.input.shape[0] == config.batch_size for batch in batches)
    assert max(batch.input.shape[1] for batch in batches) <= run.model.context_length
    assert any(": " not in line for line in lines) and any(": " in line for line in lines)
    phrases = {phrase for line in lines for phrase in line.split(": ", 1)[-1].split(", ")}
    for cell in task.held_out:
        for lang in ("en", "es"):
            # a held-out cell's phrase (unique to its verb, tense and person) is in no training line
            assert cell.phrase(lang) not in phrases
    assert any(cell.phrase("en") in phrases for cell in task.train[:5])
    prompt = task.prompts([task.held_out[0]], "en")[0]
    assert prompt.endswith(task.held_out[0].prompt("en").split(": ", 1)[1])


def test_train_gpt_command_writes_the_run_and_eval_reproduces_it(tmp_path, capsys):
    out = tmp_path / "gpt"
    assert main(["train", "gpt", *TINY, "--out", str(out), "--quiet", "--inspect", "--val-every", "6"]) == 0
    printed = capsys.readouterr().out
    assert "held-out exact match: English" in printed and "Spanish" in printed
    assert f"dashboard: {out / 'dashboard.html'}" in printed
    for name in ("metrics.json", "loss.png", "samples.txt", "model.safetensors", "dashboard.html"):
        assert (out / name).is_file(), name
    for name in (loop.MANIFEST, loop.CHECKPOINT, loop.LOG):  # the loop's run folder
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    _, held = held_out_split(2, 0)
    assert metrics["n_held_out_cells"] == len(held) == 40
    assert set(metrics["held_out_exact"]) == {"en", "es"}
    assert len(metrics["held_out_misses"]["en"]) == round((1 - metrics["held_out_exact"]["en"]) * 40)
    assert metrics["config"]["steps"] == 12 and metrics["config"]["lines"] == "paradigms"
    records = [json.loads(line) for line in (out / loop.LOG).read_text("utf-8").splitlines()]
    assert [r["step"] for r in records] == list(range(1, 13))
    assert [r["val_loss"] is not None for r in records] == [step % 6 == 0 for step in range(1, 13)]
    assert "activations" in records[0]  # --inspect
    manifest = json.loads((out / loop.MANIFEST).read_text("utf-8"))
    assert manifest["config"] == metrics["config"]
    # the weights of model.safetensors are the loop's final checkpoint's
    model, final = checkpoint.load(out / "model.safetensors"), checkpoint.load(out / loop.CHECKPOINT)
    assert sorted(model) == sorted(k.removeprefix("model.") for k in final if k.startswith("model."))
    assert all(np.array_equal(model[k], final["model." + k]) for k in model)
    assert main(["train", "gpt", "--eval", str(out / "model.safetensors")]) == 0
    assert "identical to training time" in capsys.readouterr().out


def test_train_gpt_scales_its_warmup_to_short_runs_and_rejects_a_warmup_too_long(capsys):
    def config(*argv):
        return loop.config_from_args(gpt.gpt_parser().parse_args(list(argv)), gpt.TRAIN_GPT)

    assert config().warmup_steps == 100 and config().steps == 2400  # the preset
    assert config("--steps", "60").warmup_steps == 6  # a tenth of the steps, shorter than the preset's 100
    assert config("--steps", "1200").warmup_steps == 100
    assert config("--steps", "60", "--warmup-steps", "30").warmup_steps == 30
    assert main(["train", "gpt", "--steps", "5", "--warmup-steps", "10"]) == 2
    err = capsys.readouterr().err
    assert "--warmup-steps (10)" in err and "pass --warmup-steps 1 or fewer" in err  # says what to pass


def test_a_new_run_never_overwrites_a_folder_and_resume_takes_no_options(tmp_path, capsys):
    out = tmp_path / "gpt"
    out.mkdir()
    (out / loop.MANIFEST).write_text("{}")
    assert main(["train", "gpt", *TINY, "--out", str(out), "--quiet", "--no-plot"]) == 2
    assert f"{out} already holds a run (manifest.json); resume it with --resume {out}" in capsys.readouterr().err
    (out / loop.MANIFEST).unlink()
    (out / "metrics.json").write_text("{}")  # a run from before the loop: no manifest to resume from
    assert main(["train", "gpt", *TINY, "--out", str(out), "--quiet", "--no-plot"]) == 2
    assert "holds files of an earlier run (metrics.json) but no manifest.json" in capsys.readouterr().err
    assert main(["train", "gpt", "--resume", str(out), "--steps", "30", "--lang", "es"]) == 2
    assert f"--resume {out} sigue con la configuración de la propia ejecución" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json"]


def test_ctrl_c_says_where_the_checkpoint_is_and_resume_ends_bit_identical(tmp_path, monkeypatch, capsys):
    """Ctrl-C at step 9 (after the checkpoint of step 8), then --resume: the weights of a run that never stopped."""
    options = [*TINY, "--checkpoint-every", "4", "--quiet", "--no-plot"]
    assert main(["train", "gpt", *options, "--out", str(tmp_path / "whole")]) == 0
    whole = capsys.readouterr().out
    train_step = loop.Run.train_step

    def interrupted(run):
        if run.step == 8:
            raise KeyboardInterrupt
        return train_step(run)

    monkeypatch.setattr(loop.Run, "train_step", interrupted)
    stopped = tmp_path / "stopped"
    assert main(["train", "gpt", *options, "--out", str(stopped)]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"interrupted at step 8; the last checkpoint is {stopped / loop.CHECKPOINT} (step 8); "
        f"resume with: minigrad train gpt --resume {stopped}"
    ]
    monkeypatch.setattr(loop.Run, "train_step", train_step)
    assert main(["train", "gpt", "--resume", str(stopped), "--quiet", "--no-plot"]) == 0
    assert loop.weights_digest(stopped) == loop.weights_digest(tmp_path / "whole")
    result = re.compile(r"exact match: .*")
    assert result.findall(capsys.readouterr().out) == result.findall(whole)


def test_tokenizer_of_the_run_fits_the_course_vocabulary():
    assert CharTokenizer.from_corpus().vocab_size <= loop.build_model(gpt.TRAIN_GPT, 8).vocab_size


def test_line_augmentation_shares_are_checked():
    for shares in ({"headless": -0.1}, {"subsets": 1.5}, {"subsets": 0.6, "repeats": 0.6}):
        with pytest.raises(ValueError, match="subsets \\+ repeats <= 1"):
            replace(gpt.TRAIN_GPT, **shares)
    with pytest.raises(ValueError, match="shape paradigm lines"):
        loop.LoopConfig(headless=0.5)  # the phase-18 preset trains on cell lines


def test_a_checkpoint_whose_header_length_starts_with_0x80_loads(tmp_path):
    # The first byte of a safetensors file is the low byte of its header length; 0x80 is also a
    # pickle's first byte.  The default run's checkpoint once had a header of 2,432 = 0x980 bytes.
    from minigrad import checkpoint

    state = {"w": np.arange(6.0).reshape(2, 3)}
    for pad in range(256):
        path = tmp_path / f"pad{pad}.safetensors"
        checkpoint.save(path, state, {"note": "x" * pad})
        if path.read_bytes()[0] == 0x80:
            break
    else:
        pytest.fail("no padding gave a header length whose low byte is 0x80")
    assert checkpoint.load_metadata(path)["note"] == "x" * pad
    pickled = tmp_path / "state.pkl"
    pickled.write_bytes(__import__("pickle").dumps(state))
    with pytest.raises(checkpoint.CheckpointError, match="pickle"):
        checkpoint.load_metadata(pickled)


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "argument --seed: must be a whole number >= 0 (it seeds NumPy's random generator), got -1"),
        ("es", "argumento --seed: debe ser un número entero >= 0 (es la semilla del generador aleatorio de NumPy)"),
    ],
)
def test_train_gpt_says_what_the_seed_must_be_as_train_does(lang, said, capsys):
    """Issue 19: `train gpt --seed -1` said only "expected non-negative integer"."""
    for model in (["gpt"], []):
        assert main(["train", *model, "--seed", "-1", "--lang", lang]) == 2
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err


# ---------------------------------------------------------------------- --eval of a tampered checkpoint


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpt") / "run"
    assert main(["train", "gpt", *TINY, "--out", str(out), "--quiet", "--no-plot"]) == 0
    path = out / "model.safetensors"
    return checkpoint.load(path), checkpoint.load_metadata(path)


def tampered(tmp_path, tiny_run, **changes):
    """The tiny run's checkpoint with its metadata changed: a config key set, or a metadata key dropped (None)."""
    state, metadata = tiny_run
    metadata = dict(metadata)
    config = json.loads(metadata["config"])
    for key, value in changes.items():
        if key in metadata:
            if value is None:
                del metadata[key]
            else:
                metadata[key] = value
        elif value is None:
            del config[key]
        else:
            config[key] = value
    metadata["config"] = json.dumps(config)
    path = tmp_path / "tampered.safetensors"
    checkpoint.save(path, state, metadata)
    return path


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        (
            {"d_model": 10**9},
            {
                "en": "d_model 1000000000 in the metadata, 16 in the arrays",
                "es": "d_model 1000000000 en los metadatos, 16 en los arreglos",
            },
        ),
        (
            {"n_layers": 10**9},
            {
                "en": "n_layers 1000000000 in the metadata, 1 in the arrays",
                "es": "n_layers 1000000000 en los metadatos",
            },
        ),
        (
            {"d_ff": 10**9},
            {"en": "d_ff 1000000000 in the metadata, 32 in the arrays", "es": "d_ff 1000000000 en los metadatos"},
        ),
        (
            {"context_length": str(10**9)},
            {"en": "context_length 1000000000 in the metadata", "es": "context_length 1000000000 en los metadatos"},
        ),
        (
            {"context_length": None},
            {"en": "its metadata lacks 'context_length'", "es": "a sus metadatos les falta 'context_length'"},
        ),
        (
            {"d_ff": None},
            {
                "en": "the configuration in its metadata lacks 'd_ff'",
                "es": "a la configuración de sus metadatos le falta 'd_ff'",
            },
        ),
    ],
)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_eval_of_tampered_metadata_says_what_is_wrong_and_builds_nothing(
    changes, said, lang, tiny_run, tmp_path, monkeypatch, capsys
):
    """A small file claiming a size of 10**9 is refused before any model is built (so nothing is allocated)."""
    path = tampered(tmp_path, tiny_run, **changes)
    assert path.stat().st_size < 30_000
    built = []
    monkeypatch.setattr(loop, "build_model", lambda *args: built.append(args))
    assert main(["train", "gpt", "--eval", str(path), "--lang", lang]) == 2
    err = capsys.readouterr().err
    assert f"minigrad: error: {path}: " in err and said[lang] in err, err
    assert built == []


def test_eval_of_a_model_from_before_the_loop_says_to_train_again(tiny_run, tmp_path, capsys):
    path = tampered(tmp_path, tiny_run, format="minigrad-minigpt-corpus/1")
    assert main(["train", "gpt", "--eval", str(path)]) == 2
    assert "before it trained on the phase-18 loop" in capsys.readouterr().err


def test_eval_of_an_untampered_tiny_run_still_matches(tiny_run, tmp_path, capsys):
    assert main(["train", "gpt", "--eval", str(tampered(tmp_path, tiny_run))]) == 0
    assert "identical to training time" in capsys.readouterr().out


# ---------------------------------------------------------------------- the README's example misses


def the_run_in_words(printed):
    """The README's words for a default run, from what `train gpt` printed: its result and every miss."""
    result = re.search(r"held-out exact match: English (\S+), Spanish (\S+) \(", printed)
    assert result is not None, printed
    shown = ", ".join(re.findall(r"expected -> written: (.*)", printed)) or "none"
    return f"English {result[1]}, Spanish {result[2]}, and its misses are {shown}"


def test_the_run_in_words_reads_the_printed_misses():
    printed = (
        "103,680 parameters, 1.0 s of training, final loss 0.2; held-out exact match: English 100.0%, Spanish 95.0% "
        "(40 cells each)\n  held-out misses, English: none of 40\n  held-out misses, Spanish (2 of 40), expected -> "
        'written: "hecho" -> "hacedo", "ir" -> "vira, a"\n'
    )
    expected = 'English 100.0%, Spanish 95.0%, and its misses are "hecho" -> "hacedo", "ir" -> "vira, a"'
    assert the_run_in_words(printed) == expected


def test_a_minigpt_too_big_for_memory_is_a_message(tmp_path, monkeypatch, capsys):
    """NumPy's MemoryError ("Unable to allocate 112. GiB ...") for a size the user chose: a message, exit 2."""

    def no_memory(*args):
        raise MemoryError("Unable to allocate 112. GiB for an array with shape (300000, 100000) and data type float32")

    monkeypatch.setattr(loop, "build_model", no_memory)
    assert main(["train", "gpt", *TINY, "--out", str(tmp_path / "run"), "--quiet", "--no-plot"]) == 2
    err = capsys.readouterr().err
    assert "minigrad: error: MiniGPT with --d-model 16, --d-ff 32 and --n-layers 1 does not fit" in err
    assert "Unable to allocate 112. GiB" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_train_gpt_stopped_by_a_real_sigint_resumes_bit_identical(tmp_path):
    """A real SIGINT at a random step of `train gpt` (a fresh interpreter), one line on stderr, then --resume."""
    import os
    import subprocess
    import sys

    from interrupting import sigint_after_logged_steps

    steps = 120
    options = [*TINY[2:], "--steps", str(steps), "--checkpoint-every", "7", "--val-every", "40", "--quiet", "--no-plot"]
    env = {**os.environ, "MINIGRAD_LANG": "en"}

    def command(*args):
        return [sys.executable, "-m", "minigrad", "train", "gpt", *args]

    reference, stopped = tmp_path / "reference", tmp_path / "stopped"
    done = subprocess.run(command("--out", str(reference), *options), capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    stop_at = int(np.random.default_rng().integers(5, steps - 30))  # random on purpose; printed on failure
    status, _, err = sigint_after_logged_steps(
        command("--out", str(stopped), *options), stopped / loop.LOG, stop_at, env
    )
    assert status == 130, (stop_at, err)
    (line,) = err.strip().splitlines()
    assert line.startswith("interrupted at step") and f"minigrad train gpt --resume {stopped}" in line, line
    resumed = subprocess.run(
        command("--resume", str(stopped), "--quiet", "--no-plot"), capture_output=True, text=True, env=env
    )
    assert resumed.returncode == 0, resumed.stderr
    assert loop.weights_digest(stopped) == loop.weights_digest(reference), f"stopped at step {stop_at}"
    assert (
        json.loads((stopped / "metrics.json").read_text())["held_out_exact"]
        == json.loads((reference / "metrics.json").read_text())["held_out_exact"]
    )

"""`minigrad train` and `minigrad experiment` as a learner meets them: clear errors without a traceback, the
output folder checked before training, no progress bar in a pipe, every text in Spanish, plots that hide nothing."""

from __future__ import annotations

import functools
import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from minigrad import checkpoint
from minigrad.data.verbs import conjugations, split_indices
from minigrad.messages import LANGS
from minigrad.training import experiments, plots, runfolder, train_command
from minigrad.training.blas import _loaded_openblas, single_blas_thread

# The module, not the function `minigrad.training.train` that the package exports under the same name.
train_module = importlib.import_module("minigrad.training.train")
SMALL_TRAIN = ["--epochs", "2", "--hidden", "8"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point in a fresh process, output piped (so not a terminal)."""
    code = "from minigrad.cli import main; raise SystemExit(main())"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------------- bad input: clear errors, exit 2


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--seed", "-1"], "--seed"),
        (["--epochs", "0"], "--epochs"),
        (["--epochs", "2.5"], "2.5"),
        (["--hidden", "-3"], "--hidden"),
        (["--batch-size", "0"], "--batch-size"),
        (["--lr", "-1"], "--lr"),
        (["--lr", "0"], "--lr"),
        (["--lr", "nan"], "--lr"),
        (["--lr", "inf"], "--lr"),
        (["--weight-decay", "-0.1"], "--weight-decay"),
        (["--weight-decay", "nan"], "--weight-decay"),
        (["--optimizer", "rmsprop"], "rmsprop"),
    ],
)
def test_bad_numbers_name_the_option_and_exit_2(
    argv: list[str], named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train_command.train_main([*argv, "--out", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "minigrad: error:" in err and named in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_bad_seed_in_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    for args in (["train", "--seed", "-1"], ["experiment", "init", "--seed", "-1"], ["train", "--lr", "x"]):
        done = run_cli(*args, "--out", str(tmp_path / "run"))
        assert done.returncode == 2, done
        assert "minigrad: error:" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


def test_unknown_model_is_named() -> None:
    done = run_cli("train", "transformer")
    assert done.returncode == 2 and "'transformer'" in done.stderr and "mlp" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Replace the training loop by a recorder: a check meant to run before training must leave it empty."""
    calls: list[object] = []
    monkeypatch.setattr(train_module, "train", lambda *args, **kwargs: calls.append(args))
    return calls


def test_out_under_a_file_fails_before_training(
    tmp_path: Path, no_training: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    for out in (blocker / "run", blocker):
        assert train_command.train_main(["--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert f"--out {out}" in err and f"{blocker} is a file, not a folder" in err
        assert "Traceback" not in err
    assert train_command.experiment_main(["residual", "--out", str(blocker / "exp")]) == 2
    assert f"{blocker} is a file" in capsys.readouterr().err
    assert no_training == []
    assert blocker.read_text() == "a file, not a folder"


def test_unwritable_out_fails_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_training: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    # Simulated: the tests may run as root, whom file permissions do not stop.
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(13, "Permission denied")

    # The run is staged in a folder beside --out: its parent is where the permission is needed.
    monkeypatch.setattr(runfolder.tempfile, "mkdtemp", refuse)
    assert train_command.train_main(["--out", str(tmp_path / "run"), "--quiet", "--lang", "es"]) == 2
    err = capsys.readouterr().err
    assert f"no hay permiso de escritura en {tmp_path}" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nor a lock file left behind
    assert no_training == []


def _truncated_checkpoint(tmp_path: Path) -> Path:
    path = tmp_path / "cut.safetensors"
    checkpoint.save(path, {"w": np.arange(1000.0)})
    path.write_bytes(path.read_bytes()[:200])
    return path


@pytest.mark.parametrize("make", ["missing", "text", "folder", "truncated", "empty"])
@pytest.mark.parametrize("lang", LANGS)
def test_eval_of_a_non_checkpoint_names_the_file(make: str, lang: str, tmp_path: Path) -> None:
    path = {
        "missing": lambda: tmp_path / "nothing.safetensors",
        "text": lambda: (tmp_path / "notes.txt", (tmp_path / "notes.txt").write_text("hello"))[0],
        "folder": lambda: tmp_path,
        "truncated": lambda: _truncated_checkpoint(tmp_path),
        "empty": lambda: (tmp_path / "empty.safetensors", (tmp_path / "empty.safetensors").write_bytes(b""))[0],
    }[make]()
    done = run_cli("train", "--eval", str(path), "--lang", lang)
    assert done.returncode == 2, done
    expected = {"en": "is not a valid safetensors checkpoint: ", "es": "no es un punto de control safetensors válido: "}
    assert f"minigrad: error: {str(path)!r} {expected[lang]}" in done.stderr
    assert "Traceback" not in done.stderr


def test_each_encoding_has_its_own_default_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--encode course` never overwrites the default run's folder and checkpoint (issue 17)."""
    folders: list[str] = []

    def record(out: str) -> None:
        folders.append(out)
        raise ValueError("stop before training")

    monkeypatch.setattr(train_command, "RunFolder", record)
    assert train_command.train_main(["--quiet"]) == 2
    assert train_command.train_main(["--encode", "course", "--quiet"]) == 2
    assert train_command.train_main(["--encode", "course", "--out", "mine", "--quiet"]) == 2
    assert folders == ["runs/verbs", "runs/verbs-course", "mine"]


# ---------------------------------------------------------------------- progress bar


def test_no_progress_bar_when_output_is_not_a_terminal(tmp_path: Path) -> None:
    done = run_cli("train", *SMALL_TRAIN, "--out", str(tmp_path))
    assert done.returncode == 0, done
    assert done.stderr == ""  # a bar would draw here
    assert "validation accuracy" in done.stdout


@pytest.mark.parametrize(("stdout_tty", "stderr_tty", "quiet", "shown"), [
    (True, True, False, True),
    (False, True, False, False),
    (True, False, False, False),
    (True, True, True, False),
])  # fmt: skip
def test_progress_bar_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, stdout_tty: bool, stderr_tty: bool, quiet: bool, shown: bool
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: stdout_tty, raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: stderr_tty, raising=False)
    assert train_command.show_progress(quiet) is shown


# ---------------------------------------------------------------------- the course encoding's 0%


def test_course_encoding_explains_its_zero_percent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Hand-derived: the course input is (verb, person); a held-out row's tense never occurs with its input in
    training (each (verb, person, tense) is one row), so a model that answers with a seen tense scores 0."""
    rows = conjugations()
    train_idx, val_idx = split_indices(rows, 0.2, 0)
    seen = {(rows[i].verb, rows[i].person, rows[i].tense) for i in train_idx}
    assert all((rows[i].verb, rows[i].person, rows[i].tense) not in seen for i in val_idx)
    assert train_command.train_main(["--encode", "course", "--out", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["final"]["val_accuracy"] == 0.0
    assert "validation accuracy 0.0%" in out
    assert "below the 20% of chance" in out and "60 inputs / 240 rows = 25%" in out


# ---------------------------------------------------------------------- Spanish: no English scaffolding

# Words that must not appear in Spanish output (after code, paths and proper names are removed).
ENGLISH = set(
    "the and of with without per more times mean loss losses accuracy epoch epochs train training trained "
    "validation layer layers step steps gradient gradients norm saved wrote written files checkpoint chance seed "
    "block blocks hidden held out rows input output measured predicted prediction activations weights weight "
    "init ablation depth width plain uniform none skip connections learning rate batch units phrase tense "
    "is not valid file folder there could read expected got must whole number usage options show help exit".split()
)
CODE = re.compile(r"`[^`]*`|minigrad \w+|\S*[/\\]\S*|\S+\.(png|json|safetensors)\b|--[a-z-]+")
NAMES = re.compile(r"\b(ReLU|Linear|LayerNorm|RMSNorm|MLP|SGD|adamw|Xavier|Kaiming|He|fan_in|fan_out|one-hot|x)\b")


def english_words(text: str) -> set[str]:
    plain = NAMES.sub(" ", CODE.sub(" ", text))
    return {w for w in re.findall(r"[a-z]+", plain.lower()) if w in ENGLISH}


@pytest.fixture
def figure_texts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every text drawn on every figure saved during the test (titles, labels, legends, ticks)."""
    texts: list[str] = []
    figure = pytest.importorskip("matplotlib.figure").Figure
    original = figure.savefig

    def savefig(fig: Any, *args: Any, **kwargs: Any) -> None:
        fig.canvas.draw()
        texts.extend(t.get_text() for t in fig.findobj(pytest.importorskip("matplotlib.text").Text))
        original(fig, *args, **kwargs)

    monkeypatch.setattr(figure, "savefig", savefig)
    yield texts


def small_experiments(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = {"init": {"depth": 4, "width": 16, "steps": 12}, "norm": {"depth": 3, "width": 16, "steps": 12}}
    sizes["residual"] = {"blocks": 6, "width": 8, "batch": 16}
    for name, kwargs in sizes.items():
        run, summarize, plotter = experiments.EXPERIMENTS[name]
        monkeypatch.setitem(experiments.EXPERIMENTS, name, (functools.partial(run, **kwargs), summarize, plotter))


def test_spanish_output_has_no_english_scaffolding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], figure_texts: list[str]
) -> None:
    pytest.importorskip("tqdm")
    monkeypatch.setattr(train_command, "show_progress", lambda quiet: True)  # the bar's texts too
    small_experiments(monkeypatch)
    outputs = []
    for argv in (
        [*SMALL_TRAIN, "--out", str(tmp_path / "a"), "--lang", "es"],
        [*SMALL_TRAIN, "--encode", "course", "--out", str(tmp_path / "b"), "--lang", "es"],
        ["--eval", str(tmp_path / "a" / "model.safetensors"), "--lang", "es"],
        ["--eval", str(tmp_path / "missing.safetensors"), "--lang", "es"],
        ["--seed", "-1", "--lang", "es"],
        ["--out", str(tmp_path / "a" / "model.safetensors" / "x"), "--lang", "es"],
        ["--optimizer", "rmsprop", "--lang", "es"],
        ["--help", "--lang", "es"],
    ):
        train_command.train_main(argv)
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)
    for name in ("init", "norm", "residual"):
        assert train_command.experiment_main([name, "--out", str(tmp_path / "exp"), "--lang", "es"]) == 0
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)
    everything = "\n".join(outputs)
    for bar_text in ("entrenando", "época/s", "pérdida=", "pérdida_val=", "exactitud_val="):  # the progress bar
        assert bar_text in everything
    assert len(figure_texts) > 50
    lines = everything.splitlines()
    leaks = {w: [line for line in lines if w in english_words(line)] for w in english_words(everything)}
    assert not leaks, leaks
    assert not english_words("\n".join(figure_texts)), english_words("\n".join(figure_texts))
    # The check itself can fail: the English run's texts are caught.
    train_command.train_main([*SMALL_TRAIN, "--out", str(tmp_path / "c"), "--lang", "en"])
    assert {"accuracy", "validation", "loss"} <= english_words(capsys.readouterr().out)


# ---------------------------------------------------------------------- plots: scales, legends, line styles


def test_short_loss_range_gets_plain_ticks() -> None:
    assert plots.scale_for([1.47, 3.12]) == "linear"  # the course encoding's losses: less than a decade
    assert plots.scale_for([0.0004, 1.6]) == "log"
    assert plots.scale_for([None, 2.0, float("nan"), 2.5]) == "linear"


def _saved_figures(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """For every figure saved: its legends' and axes' boxes as drawn, and its axes (read before it is closed)."""
    figure = pytest.importorskip("matplotlib.figure").Figure
    saved: list[dict[str, Any]] = []
    original = figure.savefig

    def savefig(fig: Any, *args: Any, **kwargs: Any) -> None:
        original(fig, *args, **kwargs)
        renderer = fig.canvas.get_renderer()
        saved.append(
            {
                "axes": fig.axes,
                "axes_legends": [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None],
                "legend_boxes": [legend.get_window_extent(renderer) for legend in fig.legends],
                "axes_boxes": [ax.get_window_extent(renderer) for ax in fig.axes],
            }
        )

    monkeypatch.setattr(figure, "savefig", savefig)
    return saved


def _overlaps(a: Any, b: Any) -> bool:
    return bool(a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1)


def test_legends_hide_no_panel_and_curves_are_told_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved = _saved_figures(monkeypatch)
    small_experiments(monkeypatch)
    assert train_command.train_main([*SMALL_TRAIN, "--encode", "course", "--out", str(tmp_path), "--quiet"]) == 0
    for name in ("init", "norm", "residual"):
        assert train_command.experiment_main([name, "--out", str(tmp_path)]) == 0
    assert len(saved) == 4
    for fig in saved:
        assert fig["axes_legends"] == [] and len(fig["legend_boxes"]) == 1
        assert not any(_overlaps(fig["legend_boxes"][0], box) for box in fig["axes_boxes"])
    assert saved[0]["axes"][0].get_yscale() == "linear"  # the course encoding's loss: less than a decade
    init_loss_lines = [line for line in saved[1]["axes"][2].get_lines() if line.get_alpha() is None]
    looks = {(line.get_linestyle(), line.get_marker()) for line in init_loss_lines}
    assert len(init_loss_lines) == len(looks) == 3  # uniform and Xavier overlap at ln(10): their styles differ


def test_init_console_says_xavier_does_not_keep_the_variance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    small_experiments(monkeypatch)
    assert train_command.experiment_main(["init", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Xavier does NOT keep the variance in a ReLU network" in out
    assert "the factor 2^-1.5 the theory predicts" in out  # 4 layers: three halvings of the variance
    assert "biases 0" in out and "Kaiming uniform U(±√(6/fan_in))" in out


# ---------------------------------------------------------------------- BLAS threads


def test_single_blas_thread_restores_the_count() -> None:
    blas = _loaded_openblas()
    if blas is None:  # not OpenBLAS (macOS Accelerate, MKL): the context manager does nothing
        with single_blas_thread():
            pass
        return
    _, get_threads = blas
    before = get_threads()
    with single_blas_thread():
        assert get_threads() == 1
    assert get_threads() == before


# ---------------------------------------------------------------------- a model too big for the machine


def torch_parameter_count(n_features: int, hidden: int, n_classes: int) -> int:
    """The MLP's parameter count as PyTorch gives it, on the meta device (shapes only, nothing allocated)."""
    torch = pytest.importorskip("torch")
    layers = torch.nn.Sequential(
        torch.nn.Linear(n_features, hidden, device="meta"),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, n_classes, device="meta"),
    )
    return int(sum(p.numel() for p in layers.parameters()))


@pytest.mark.parametrize("lang", LANGS)
def test_a_model_too_big_says_how_much_memory_it_needs(
    lang: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hidden = 1_000_000_000
    argv = ["train", "--hidden", str(hidden), "--out", str(tmp_path / "run"), "--lang", lang]
    if lang == "en":  # a real process, where the traceback was
        done = run_cli(*argv)
        status, stderr = done.returncode, done.stderr
    else:
        status, stderr = train_command.train_main(argv[1:]), capsys.readouterr().err
    assert status == 2, stderr
    assert "Traceback" not in stderr and "MemoryError" not in stderr
    data = train_module.TrainConfig().dataset()
    count = torch_parameter_count(data.n_features, hidden, data.n_classes)
    grouped = f"{count:,}" if lang == "en" else f"{count:,}".replace(",", "\u00a0")
    weights_tib = count * 8 / 2**40  # float64: 8 bytes per parameter
    needed_tib = 4 * weights_tib  # weights, gradients, AdamW's two moments
    said = {
        "en": f"the model would have {grouped} parameters, {weights_tib:.1f} TiB as float64",
        "es": f"el modelo tendría {grouped} parámetros, {weights_tib:.1f} TiB en float64",
    }[lang]
    assert said in stderr, stderr
    assert f": {needed_tib:.1f} TiB;" in stderr
    assert not (tmp_path / "run").exists() and list(tmp_path.iterdir()) == []


def test_memory_error_while_training_is_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """When the machine has less free memory than it has in all, the allocation fails: the same message."""

    def no_memory(*args: Any, **kwargs: Any) -> None:
        raise MemoryError("Unable to allocate 2.7 TiB for an array")

    monkeypatch.setattr(train_module, "physical_memory", lambda: None)  # the early check cannot tell
    monkeypatch.setattr(train_module, "build_model", no_memory)
    assert train_command.train_main([*SMALL_TRAIN, "--out", str(tmp_path / "run"), "--quiet", "--lang", "es"]) == 2
    err = capsys.readouterr().err
    assert "--hidden 8: el modelo tendría" in err and "la memoria se agotó" in err
    assert list(tmp_path.iterdir()) == []

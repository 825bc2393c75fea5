"""A run folder always holds one whole run (issue 19, "Run folders stay whole").

Real processes and real signals: a `minigrad train` is stopped by SIGTERM or SIGINT while it
writes its checkpoint, and two trainings are started into the same folder.  The process under
test is the real command line; only its checkpoint writer is slowed down (it writes the new
checkpoint, then a half-written hidden temporary file, as an interrupted atomic save leaves, and
waits), so that the signal lands during the write every time.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minigrad.training import gpt, train_command
from minigrad.training.runfolder import RunFolder

# The module, not the function `minigrad.training.train` that the package exports under the same name.
train_module = importlib.import_module("minigrad.training.train")

SMALL_TRAIN = ["--epochs", "2", "--hidden", "8", "--quiet"]
TINY_GPT = ["--steps", "3", "--warmup-steps", "1", "--d-model", "8", "--n-heads", "2", "--n-layers", "1"]
TINY_GPT += ["--d-ff", "8", "--no-plot", "--quiet"]

# The real `minigrad` entry point, with checkpoint.save slowed down: once the new checkpoint and a
# half-written temporary file are on disk, it writes the file named by argv[1] and waits for a signal.
SLOW_SAVE = """
import signal, sys, time
from pathlib import Path
from minigrad import checkpoint
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even if the test runner ignores it
real_save = checkpoint.save
def slow_save(path, *args, **kwargs):
    real_save(path, *args, **kwargs)
    Path(path).with_name("." + Path(path).name + ".partial").write_bytes(b"half a checkpoint")
    Path(sys.argv[1]).write_text(str(path))
    time.sleep(120)
checkpoint.save = slow_save
from minigrad.cli import main
raise SystemExit(main(sys.argv[2:]))
"""


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = "from minigrad.cli import main; raise SystemExit(main())"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)


def start_slow_training(marker: Path, *args: str) -> subprocess.Popen[str]:
    """A `minigrad train ARGS` process, returned once it is inside its checkpoint write."""
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_SAVE, str(marker), "train", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"the training never reached its checkpoint write: {process.returncode}\n{out}\n{err}")
        time.sleep(0.05)
    return process


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def previous_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The files of a finished small run, to put in place before each test's run."""
    out = tmp_path_factory.mktemp("previous") / "run"
    assert train_command.train_main([*SMALL_TRAIN, "--seed", "7", "--out", str(out)]) == 0
    return snapshot(out)


def place(files: dict[str, bytes], folder: Path) -> None:
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


@pytest.mark.parametrize(("stop", "status", "lang"), [(signal.SIGTERM, 143, "en"), (signal.SIGINT, 130, "es")])
def test_a_signal_during_the_write_leaves_the_previous_run_whole_and_nothing_hidden(
    stop: signal.Signals, status: int, lang: str, previous_run: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "runs" / "verbs"
    place(previous_run, out)
    process = start_slow_training(tmp_path / "writing", *SMALL_TRAIN, "--out", str(out), "--lang", lang)
    process.send_signal(stop)
    _, err = process.communicate(timeout=60)
    assert snapshot(out) == previous_run  # the previous run, whole: not one file of the new one
    assert sorted(p.name for p in out.parent.iterdir()) == ["verbs"]  # no staging folder, no lock, no .partial
    assert process.returncode == status, err
    said = {"en": f"{out} is as it was", "es": f"{out} está como estaba"}[lang]
    assert said in err and "Traceback" not in err
    staged = Path((tmp_path / "writing").read_text())  # where the new checkpoint was being written
    assert staged.parent != out and staged.parent.parent == out.parent  # beside --out, not in it


def test_a_second_training_into_the_same_folder_fails_at_once(tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = start_slow_training(tmp_path / "writing", *SMALL_TRAIN, "--out", str(out))
    try:
        started = time.monotonic()
        second = run_cli("train", *SMALL_TRAIN, "--out", str(out), "--lang", "es")
        seconds = time.monotonic() - started
        gpt_too = run_cli("train", "gpt", *TINY_GPT, "--out", str(out))
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert second.returncode == 2, second
    assert f"--out {out}: otro entrenamiento (proceso {first.pid})" in second.stderr
    assert "Traceback" not in second.stderr and second.stdout == ""  # refused before training
    assert seconds < 30  # at once: not after its own training (a fresh interpreter alone takes a few seconds)
    assert gpt_too.returncode == 2 and f"(process {first.pid}) is writing its run there" in gpt_too.stderr
    assert not out.exists()  # the first run was stopped before its move into place, the second refused
    # The lock goes with the process that held it: the next run writes its folder.
    assert train_command.train_main([*SMALL_TRAIN, "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["loss.png", "metrics.json", "model.safetensors"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "writing"]


def test_a_new_run_replaces_the_folder_whole(previous_run: dict[str, bytes], tmp_path: Path) -> None:
    out = tmp_path / "run"
    place(previous_run, out)
    (out / "samples.txt").write_text("from a MiniGPT run in the same folder")
    assert train_command.train_main([*SMALL_TRAIN, "--seed", "3", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["loss.png", "metrics.json", "model.safetensors"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["seed"] == 3 and metrics["files"]["checkpoint"] == str(out / "model.safetensors")
    assert (out / "model.safetensors").read_bytes() != previous_run["model.safetensors"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert oct(out.stat().st_mode & 0o777) == oct(0o777 & ~_umask())  # not mkdtemp's 0o700


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Both training loops replaced by a recorder: a check meant to run before training leaves it empty."""
    calls: list[object] = []
    monkeypatch.setattr(train_module, "train", lambda *args, **kwargs: calls.append(args))
    monkeypatch.setattr(gpt, "train_gpt", lambda *args, **kwargs: calls.append(args))
    return calls


@pytest.mark.parametrize("model", [SMALL_TRAIN, ["gpt", *TINY_GPT]])
def test_out_is_checked_before_training(
    model: list[str], tmp_path: Path, no_training: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("not a run's file")
    cases = {
        str(blocker / "run"): f"{blocker} is a file, not a folder",
        "": "--out is empty",
        " ": "--out is empty",
        ".": "--out . is the current folder or one above it",
        str(tmp_path / "mine"): "holds files that no run writes (thesis.tex)",
    }
    for out, said in cases.items():
        assert train_command.train_main([*model, "--out", out]) == 2, out
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err
    assert train_command.train_main([*model, "--out", "", "--lang", "es"]) == 2
    assert "--out está vacío" in capsys.readouterr().err
    # experiments too: "" is never the current folder
    assert train_command.experiment_main(["residual", "--out", ""]) == 2
    assert "--out is empty" in capsys.readouterr().err
    assert no_training == []
    assert (foreign / "thesis.tex").read_text() == "not a run's file"


def test_leftovers_of_a_killed_run_are_removed_by_the_next(tmp_path: Path) -> None:
    """SIGKILL cannot be caught: what it leaves (a staging folder, a lock file) the next run into the folder removes."""
    out = tmp_path / "run"
    (tmp_path / ".run.tmp-k1ll3d").mkdir()
    (tmp_path / ".run.tmp-k1ll3d" / "model.safetensors").write_bytes(b"\0" * 1000)
    (tmp_path / ".run.lock").write_text("12345\n")  # its flock died with its process
    (tmp_path / ".other.tmp-keep").mkdir()  # another folder's: not ours to remove
    assert train_command.train_main([*SMALL_TRAIN, "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp-keep", "run"]


def test_the_run_folder_refuses_unknown_file_names(tmp_path: Path) -> None:
    with RunFolder(tmp_path / "run") as run, pytest.raises(ValueError, match="not a run file"):
        run.file("notes.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == []

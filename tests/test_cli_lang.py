"""Spanish from the first command to the last: the message catalog, `--lang` before or after the command,
`MINIGRAD_LANG`, argparse's own words, the engine's own errors, and a quiet end when the reader goes away.

The Spanish outputs are checked against a list of English words much wider than the training tests' list;
code (commands, options, identifiers, file names, quoted values) is removed first, as a reader skips it.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minigrad
from minigrad import cli, commandline, messages
from minigrad.messages import LANGS, catalog, current_lang, placeholders, using_lang
from minigrad.training import train_command

SRC = Path(minigrad.__file__).resolve().parents[1]

# English words that must not appear in Spanish output once code is removed.  "error" is not here: it is the
# Spanish word too (docs/glossary.md: crash -> error); nor are "variable", "final", "corpus", "no", "en", "es".
ENGLISH = set(
    """usage options option show help message exit required invalid choice choose default defaults steps step loss
    accuracy training train trained validation checkpoint saved save wrote written files file folder the and of with
    without for from to is are not unknown command commands argument arguments positional expected must whole number
    got seed learning rate batch hidden layers layer output input optimizer held exact match english spanish
    parameters score again instead load plot skip needed progress bar print only results peak warmup lines
    per width heads attention blocks network feed forward course cells cell where start run runs examine own
    engine bug classic list verify experiments experiment phase language languages everything its console plots
    errors else missing package packages install them needed by mean centered character nats entropy
    cross identical differs time model models what goes first which""".split()
)
CODE = re.compile(
    r"`[^`]*`"  # code spans
    r"|\bminigrad(?: \w+){0,2}"  # commands
    r"|\{[^}]*\}"  # argparse's choices, {en,es}
    r"|(?<!\w)'[^'\n]*'"  # quoted values ('frob', Python's reprs), not an apostrophe (course's)
    r"|(?m:^  (?:breaks|doctor|train|experiment|run)(?= ))"  # the command names of `minigrad --help`
    r"|(?<!\w)--?[\w-]+"  # options
    r"|\S*[/\\]\S*|\S+\.(?:png|json|txt|safetensors|py)\b"  # paths and file names
    r"|\w*_\w*"  # identifiers (d_model, MINIGRAD_LANG, n-heads as --n-heads is gone already)
)
NAMES = re.compile(
    r"\b(?:MiniGPT|MLP|Linear|ReLU|NumPy|safetensors|matplotlib|tqdm|Xavier|Kaiming|LayerNorm|RMSNorm|SGD|"
    r"one-hot|L2|mlp|gpt|sgd|adam|adamw|init|norm|residual|all|transformer|autograd|nats)\b"
)


def english_words(text: str) -> set[str]:
    """The English words of ``text`` outside code and names (lower-cased)."""
    plain = NAMES.sub(" ", CODE.sub(" ", text))
    return {w for w in re.findall(r"[a-zA-Z]+", plain) if w.lower() in ENGLISH}


def leaks(text: str) -> dict[str, list[str]]:
    """Each English word found, with the lines it is on (for a readable failure)."""
    return {w: [line for line in text.splitlines() if w in english_words(line)] for w in english_words(text)}


def test_the_word_check_can_fail() -> None:
    assert {"usage", "options", "show", "help", "steps", "loss"} <= {
        w.lower() for w in english_words("usage: x\n\noptions:\n  show this help; steps, loss")
    }
    assert not english_words("uso: `minigrad train --help` muestra 'the' en --lang {en,es} MINIGRAD_LANG d_model")


def run_main(main: Callable[[list[str]], int], argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# ---------------------------------------------------------------------- the catalog


def test_every_entry_has_both_languages_with_the_same_placeholders() -> None:
    entries = catalog()
    assert len(entries) > 150 and {"engine.grad_shape", "training.train.header", "argparse.usage"} <= set(entries)
    # the same in both languages on purpose: names, and lines that are only code
    same = {"training.norm.variant.layernorm", "training.norm.variant.rmsnorm", "cli.error.prefix", "argparse.error"}
    same |= {"doctor.report.no"}  # "no" is the Spanish word too
    for key, entry in entries.items():
        assert set(entry) == set(LANGS), key
        assert entry["en"].strip() and entry["es"].strip(), key
        assert entry["en"] != entry["es"] or key in same, key
        assert placeholders(entry["en"]) == placeholders(entry["es"]), key
        assert re.findall(r"%\(\w+\)\w|%[sr]", entry["en"]) == re.findall(r"%\(\w+\)\w|%[sr]", entry["es"]), key


def test_argparse_still_asks_for_the_words_the_catalog_translates() -> None:
    # If a Python release rewords one of these, its translation silently stops: this test says which.  The
    # others of argparse.toml are rarer messages, some of which a Python release may reword or drop.
    source = inspect.getsource(argparse)
    core = ["usage", "positional", "options", "help", "argument", "unrecognized", "required", "invalid_choice"]
    core.append("expected_one")
    for key in core:
        message = catalog()[f"argparse.{key}"]["en"]
        assert repr(message)[1:-1] in source, key


def test_the_language_is_chosen_once_and_stays_in_its_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINIGRAD_LANG", raising=False)
    assert current_lang() == "en"
    monkeypatch.setenv("MINIGRAD_LANG", "es")
    assert current_lang() == "es"
    monkeypatch.setenv("MINIGRAD_LANG", "fr")  # unknown: the library falls back to English, the CLI refuses it
    assert current_lang() == "en"
    monkeypatch.delenv("MINIGRAD_LANG")
    seen: list[str] = []
    with using_lang("es"):
        thread = threading.Thread(target=lambda: seen.append(current_lang()))
        thread.start()
        thread.join()
        assert current_lang() == "es"
    assert seen == ["en"] and current_lang() == "en"  # another thread, and after the block: not Spanish
    with pytest.raises(ValueError, match="en, es"):
        messages.set_lang("fr")


def test_thousands_are_grouped_as_the_glossary_says() -> None:
    assert messages.group_thousands(105344) == "105,344"
    with using_lang("es"):
        assert messages.group_thousands(105344) == "105\u00a0344"


# ---------------------------------------------------------------------- the engine's own errors


def _shape_guard_message() -> str:
    a = minigrad.Tensor(np.ones(3), requires_grad=True)
    b = minigrad.Tensor(np.ones((4, 3)), requires_grad=True)
    out = a + b
    out._ctx.backward = lambda g: (g, g)  # type: ignore[union-attr]  # an add backward without its unbroadcast
    with pytest.raises(minigrad.GradShapeError) as info:
        out.sum().backward()
    return str(info.value)


def test_the_shape_guard_speaks_spanish_under_minigrad_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINIGRAD_LANG", raising=False)
    english = "add: gradient for input 0 has shape (4, 3) but the input has shape (3,): sum over axis 0 (unbroadcast)"
    assert _shape_guard_message() == english  # unchanged: tests and pages quote it
    spanish = (
        "add: el gradiente de la entrada 0 tiene forma (4, 3), pero la entrada tiene forma (3,): "
        "suma sobre el eje 0 (unbroadcast)"
    )
    monkeypatch.setenv("MINIGRAD_LANG", "es")
    assert _shape_guard_message() == spanish
    monkeypatch.delenv("MINIGRAD_LANG")
    with using_lang("es"):  # what the command line sets
        assert _shape_guard_message() == spanish
        assert not leaks(spanish)


def test_the_engines_other_errors_speak_spanish_too() -> None:
    with using_lang("es"):
        x = minigrad.Tensor(np.ones(2), requires_grad=True)
        with pytest.raises(RuntimeError, match=r"^backward\(\): la salida tiene forma \(2,\)"):
            (x * 2).backward()
        y = (x * 3).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="ya lo liberó un backward"):
            y.backward()
        with pytest.raises(RuntimeError, match="no necesita gradiente"):
            minigrad.Tensor(np.ones(2)).sum().backward()
    with pytest.raises(RuntimeError, match=r"^backward: output has shape \(2,\)"):  # and English again after
        (x * 2).backward()


# ---------------------------------------------------------------------- --lang before or after, MINIGRAD_LANG

HELP_PAGES = [["--help"], ["train", "--help"], ["train", "gpt", "--help"], ["experiment", "--help"], []]


def _spanish_ways(argv: list[str]) -> Iterator[tuple[str, list[str], dict[str, str]]]:
    yield "before", ["--lang", "es", *argv], {}
    yield "after", [*argv, "--lang", "es"], {}
    yield "equals", [*argv, "--lang=es"], {}
    yield "variable", argv, {"MINIGRAD_LANG": "es"}


@pytest.mark.parametrize("argv", HELP_PAGES, ids=lambda a: " ".join(a) or "(none)")
def test_every_help_page_is_spanish_in_every_position(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = {}
    for way, args, env in _spanish_ways(argv):
        if way == "after" and not argv:
            continue
        monkeypatch.delenv("MINIGRAD_LANG", raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code, out = run_main(cli.main, args, capsys)
        assert code == 0, (way, out)
        assert out.startswith("uso: "), (way, out[:80])
        assert "opciones:" in out and "muestra esta ayuda y termina" in out
        assert not leaks(out), (way, leaks(out))
        outputs[way] = out
    assert len(set(outputs.values())) == 1  # the same page, however the language was asked for
    monkeypatch.delenv("MINIGRAD_LANG", raising=False)
    code, english = run_main(cli.main, argv, capsys)
    assert code == 0 and english.startswith("usage: ") and "options:" in english  # and the check can fail:
    assert {"usage", "options", "show", "help"} <= {w.lower() for w in english_words(english)}


def test_train_help_shows_its_model_argument_and_every_option_has_a_description(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv in (["train", "--help"], ["train", "gpt", "--help"], ["experiment", "--help"]):
        for lang in LANGS:
            _, out = run_main(cli.main, [*argv, "--lang", lang], capsys)
            if argv == ["train", "--help"]:
                assert {"en": "MODEL", "es": "MODELO"}[lang] in out.split("\n")[0]  # the usage line
            # every option line of the help is followed by its description (on the same line or the next)
            options = out.split({"en": "options:", "es": "opciones:"}[lang])[1].splitlines()
            for i, line in enumerate(options):
                if line.startswith("  -"):
                    described = len(line.split("  ")) > 2 or options[i + 1].startswith(" " * 8)
                    assert described, (argv, lang, line)


BAD_INPUT = [
    ["frobnicate"],
    ["train", "--seed", "-1"],
    ["train", "--epochs", "2.5"],
    ["train", "--optimizer", "rmsprop"],
    ["train", "--bogus"],
    ["train", "transformer"],
    ["train", "--epochs", "2", "gpt"],
    ["train", "--eval", "no-such.safetensors"],
    ["train", "gpt", "--steps", "5", "--warmup-steps", "10"],
    ["train", "gpt", "--steps", "x"],
    ["train", "gpt", "--eval", "no-such.safetensors"],
    ["experiment"],
    ["experiment", "dropout"],
    ["--lang"],
]


@pytest.mark.parametrize("argv", BAD_INPUT, ids=" ".join)
def test_bad_input_is_refused_in_spanish_in_one_line_and_exit_2(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for way, args, env in _spanish_ways(argv):
        if argv == ["--lang"] and way != "variable":
            continue
        monkeypatch.delenv("MINIGRAD_LANG", raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code, out = run_main(cli.main, args, capsys)
        assert code == 2, (way, out)
        assert "minigrad: error: " in out and "Traceback" not in out
        assert not leaks(out), (way, leaks(out))
    assert not list(tmp_path.iterdir())  # refused before anything was written


def test_a_missing_optional_package_says_what_to_install_in_spanish(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(train_command, "missing_packages", lambda names: [n for n in names if n == "matplotlib"])
    code, out = run_main(cli.main, ["train", "--out", str(tmp_path / "run"), "--lang", "es"], capsys)
    assert code == 1
    assert "faltan paquetes opcionales: matplotlib" in out and "uv sync --extra train" in out
    assert not leaks(out), leaks(out)


def test_a_bad_minigrad_lang_is_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MINIGRAD_LANG", "fr")
    code, out = run_main(cli.main, ["--help"], capsys)
    assert code == 2 and "MINIGRAD_LANG='fr'" in out and "en or es" in out
    code, out = run_main(cli.main, ["--help", "--lang", "es"], capsys)  # --lang wins over the variable
    assert code == 0 and out.startswith("uso: ")


# ---------------------------------------------------------------------- train gpt in Spanish, console and plot


@pytest.fixture
def figure_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text drawn on every figure saved during the test (titles, labels, legends, ticks)."""
    texts: list[str] = []
    figure = pytest.importorskip("matplotlib.figure").Figure
    text_class = pytest.importorskip("matplotlib.text").Text
    original = figure.savefig

    def savefig(fig: Any, *args: Any, **kwargs: Any) -> None:
        fig.canvas.draw()
        texts.extend(t.get_text() for t in fig.findobj(text_class))
        original(fig, *args, **kwargs)

    monkeypatch.setattr(figure, "savefig", savefig)
    return texts


def test_train_gpt_speaks_spanish_console_progress_bar_and_plot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], figure_texts: list[str]
) -> None:
    pytest.importorskip("tqdm")
    pytest.importorskip("safetensors")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)  # a person watching: the bar is drawn
    tiny = ["--steps", "12", "--warmup-steps", "2", "--d-model", "16", "--n-heads", "2", "--n-layers", "1"]
    tiny += ["--d-ff", "32", "--out", str(tmp_path / "gpt")]
    code, out = run_main(cli.main, ["train", "gpt", *tiny, "--lang", "es"], capsys)
    assert code == 0, out
    for said in ("entrenando MiniGPT", "paso/s", "pérdida=", "parámetros", "acierto exacto", "archivos escritos"):
        assert said in out, said
    code, evaluated = run_main(
        cli.main, ["--lang", "es", "train", "gpt", "--eval", str(tmp_path / "gpt" / "model.safetensors")], capsys
    )
    assert code == 0 and "idéntico al del entrenamiento" in evaluated
    everything = out + evaluated
    assert not leaks(everything), leaks(everything)
    drawn = "\n".join(figure_texts)
    assert "entropía cruzada" in drawn and "acierto exacto" in drawn  # the title gives the result
    assert not leaks(drawn), leaks(drawn)
    assert not re.search(r"×10", drawn)  # plain tick labels on the log axis, never 6×10^0
    # The check can fail: the same lines in English are caught.
    english = [messages.template(f"training.gpt.{key}", "en") for key in ("progress", "header", "eval_same")]
    assert {"training", "steps", "identical", "time"} <= {w.lower() for w in english_words("\n".join(english))}


def test_the_centered_mean_follows_the_losses_from_the_first_to_the_last() -> None:
    from minigrad.training.gpt import centered_mean

    values = [9.0, 5.0, 4.0, 3.0, 2.5, 2.0, 1.0]
    # by hand: each value with as many neighbours on both sides as fit, at most 2
    expected = [9.0, (9 + 5 + 4) / 3, 4.7, 3.3, 2.5, (2.5 + 2 + 1) / 3, 1.0]
    np.testing.assert_allclose(centered_mean(values, 2), expected, rtol=1e-12)


# ---------------------------------------------------------------------- real processes: the entry point, pipes


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MINIGRAD_LANG", "MINIGRAD_TRACEBACK")}
    env["PYTHONPATH"] = str(SRC)
    return {**env, **extra}


def test_a_closed_pipe_ends_quietly_and_minigrad_lang_speaks_spanish_in_a_real_process() -> None:
    """`minigrad ... --help | head -1`, and a reader that is gone before the first write: no traceback, no Errno."""
    piped = subprocess.run(
        f"{sys.executable} -m minigrad train --help | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=_environment(MINIGRAD_LANG="es"),
        timeout=60,
    )
    assert piped.stdout == "uso: minigrad train [MODELO] [opciones]\n"
    assert piped.stderr == ""
    read, write = os.pipe()
    os.close(read)  # the reader is gone: the first write fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "minigrad", "--help"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(),
            timeout=60,
        )
    finally:
        os.close(write)
    assert done.stderr == ""
    assert done.returncode == commandline.EXIT_BROKEN_PIPE  # 128 + SIGPIPE, as a shell reports `yes | head`


def test_a_catalog_error_speaks_the_language_it_is_read_in_even_after_pickling() -> None:
    import pickle

    from minigrad.training.texts import TrainingError

    error = TrainingError("error.out_unwritable", path="runs/x", reason=TrainingError("error.no_file"))
    copy = pickle.loads(pickle.dumps(error))
    assert (
        str(copy)
        == "--out runs/x: cannot write the run there: there is no such file; check the path; choose another folder"
    )
    with using_lang("es"):
        assert str(copy) == (
            "--out runs/x: no se puede guardar ahí la ejecución: no existe ese archivo; comprueba la ruta; "
            "elige otra carpeta"
        )

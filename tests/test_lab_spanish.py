"""The breaks lab in Spanish, command by command: no English word outside code, names and quoted Python errors.

Every command of ``minigrad breaks`` runs in this process (``main(argv)``, output captured) with ``--lang es``
before or after the command, or ``MINIGRAD_LANG=es``.  What a reader skips as code is removed first: the diff,
the case scripts, commands, options, identifiers (``a.grad``, ``shape-guard``, ``ops.elementwise:add``), quoted
values and the messages Python and NumPy print as they are.  What is left is checked against a list of English
words much wider than the lab's own vocabulary (the case scripts' names for their results included).

The cases come from ``breaks_measured`` (run once per session); the diagnostics run here without PyTorch, so
that this file does not pay for ``import torch`` (the crosscheck's "skipped" line is Spanish too).
"""

from __future__ import annotations

import ast
import functools
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from breaks_measured import measured_once

from minigrad.breaks import Break, all_breaks, breaks_command
from minigrad.breaks import core as breaks_core
from minigrad.breaks.case_diagnostics import Row, diagnose, probe_label, without_torch
from minigrad.breaks.case_report import describe_value, procedure_source, quantity, script_comments
from minigrad.messages import catalog, using_lang

CATALOG = Path(breaks_core.__file__).parent / "catalog"


def in_language(lang: str, fn: Callable[..., str], *args: object) -> str:
    """``fn(*args)`` as a command run with ``--lang LANG`` calls it: the language is set once, outside."""
    with using_lang(lang):
        return fn(*args)


# English words that must not appear in the lab's Spanish output once code is removed.  Not here: words that are
# Spanish too or are names in both languages ("error", "no", "final", "logits", "tokens", "embedding", "lr",
# "std" as in code, "broadcasting" as the glossary's gloss of difusión, "in" of "in situ").
ENGLISH = set(
    """the and of with without for from to is are not at by on or as be it its this that these those than then
    when where which what while who why how yes into over under after before between both each every all any
    only also more most less least same other another some such one two three first last next new old
    case cases phase phases family families target targets title lesson hypothesis procedure observed observation
    predicted prediction diagnostic diagnostics caught catch catches should alarm false correct broken break breaks
    wrong values value shape shapes holds held hold does stopped raised warning legend skipped applicable
    step steps loss losses largest change changes position positions output outputs input inputs mean batch
    batches example examples runs run show list verify export wrote written unknown did you mean known matches
    filters filter start begin where engine scalar attention modules seed guess score right mystery reveal
    decades block blocks vanished weight weights sums sum per query queries key keys encoding zeros train
    training eval ratio masks mask prediction finite difference derivative directional refused still alive
    integer passes moved among second backward forward gradient gradients norm direction probe
    command commands usage options option help message messages exit required invalid choice argument
    arguments expected number format file folder page publishable measured observations code checks check
    own claims says page write instead printing print full also multiplied multiple within agree times""".split()
)
CODE = re.compile(
    r"`[^`]*`"  # code spans
    r"|\bminigrad(?: [\w-]+){0,2}"  # commands
    r"|\{[^}]*\}"  # argparse's choices
    r"|(?<!\w)'[^'\n]*'"  # quoted values and Python's reprs
    r"|(?<!\w)--?[\w-]+"  # options
    r"|\S*[/\\]\S*|\S+\.(?:py|md|json)\b"  # paths and file names
    r"|\w*_\w*|\w+(?:[.:]\w+)+|\w+(?:-\w+)+"  # identifiers: d_k, a.grad, ops.elementwise:add, shape-guard
    r"|\b[A-Z][a-z]+[A-Z]\w*"  # class names: GradShapeError, BatchNorm1d, MiniGPT
    r"|\b\w+(?=\()"  # calls: backward(), sum((a + b) * w)
    r"|\b[A-Za-z_][\w.]*(?= = )|\w+=\S+"  # a result named by its variable (loss = 365), keyword=value
    r"|(?m:^ {4}(?:list|mystery-run|mystery|show|run|verify|export|reveal)\b)"  # command names in --help
)
GLOSSES = re.compile(r"\((?:weight decay|broadcasting|weight tying)\)")  # docs/glossary.md's first-use glosses
PYTHON_SAYS = re.compile(r"(se detuvo con un error|aviso|GradShapeError|AnomalyError|ValueError|\w+Error): .*")
NAMES = re.compile(
    r"\b(?:PyTorch|NumPy|Markdown|Adam|AdamW|SGD|Linear|ReLU|Dropout|Residual|RMSNorm|Value|NaN|Inf|ID|F|True|False|"
    r"verify)\b"  # verify: the command's name, as in "verify superado"
)


def prose(out: str) -> str:
    """``out`` without what a reader reads as code: diff lines, case scripts, and the code inside sentences."""
    kept = []
    in_diff = False
    # code spans, quoted messages and glosses that a wrapped paragraph split over two lines (the newline is kept)
    across = re.compile(r"`[^`\n]*(?:\n[^`\n]*)?`|(?<!\w)'[^'\n]*(?:\n[^'\n]*)?'|\((?:weight|broadcasting)\s+\w*\)")
    out = across.sub(lambda m: "\n" * m.group().count("\n"), out)
    for line in out.splitlines():
        stripped = line.strip()
        if stripped.startswith("--- a/"):
            in_diff = True
        if in_diff:
            if stripped and not line.startswith((" ", "-", "+", "@")):
                in_diff = False
            else:
                continue
        if stripped.startswith("|") and not stripped.startswith("| `"):  # a case script's line, in `show`
            continue
        line = GLOSSES.sub(" ", PYTHON_SAYS.sub(r"\1", line))
        line = re.sub(r"^\s*[A-Za-z_][\w.]*(?:\[[^]]*\])? = .*$", "", line)  # a result named by its variable
        kept.append(NAMES.sub(" ", CODE.sub(" ", line)))
    return "\n".join(kept)


def english_words(out: str) -> dict[str, list[str]]:
    """Each English word left in the prose of ``out``, with the lines it is on."""
    found: dict[str, list[str]] = {}
    for line in prose(out).splitlines():
        for word in re.findall(r"[^\W\d_]+", line):  # whole words: "así" is not "as"
            if word.lower() in ENGLISH:
                found.setdefault(word, []).append(line.strip())
    return found


def test_the_word_check_can_fail_and_skips_code() -> None:
    assert set(english_words("Case 1: loss at steps 1-10\n  predicted: wrong values")) >= {"Case", "loss", "steps"}
    assert set(english_words("the largest output change at positions 0..3")) >= {"the", "largest", "output"}
    assert not english_words(
        "Caso 1: `minigrad breaks run skip-unbroadcast` --lang es a.grad shape-guard ops.elementwise:add\n"
        "  a.grad = [1. 2.]  forma (3,)\n  se detuvo con un error: ValueError: the shapes do not match"
    )


@functools.cache
def _rows_without_torch(break_id: str) -> tuple[Row, ...]:
    with without_torch():
        return tuple(diagnose(all_breaks()[break_id]))


@pytest.fixture
def lab(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., str]]:
    """``lab("run", "x")``: the command's output (stdout and stderr) in Spanish, measured once per session."""
    measured_once(monkeypatch, diagnostics=False)

    def rows(brk: Break, each: Callable[[Row], None] | None = None) -> list[Row]:
        for row in _rows_without_torch(brk.id):
            if each is not None:
                each(row)
        return list(_rows_without_torch(brk.id))

    monkeypatch.setattr(breaks_command, "diagnose", rows)
    monkeypatch.setenv("MINIGRAD_MYSTERY_STATE", str(tmp_path / "mystery.json"))
    monkeypatch.delenv("MINIGRAD_LANG", raising=False)

    def run(*argv: str, where: str = "after") -> str:
        args = ["--lang", "es", *argv] if where == "before" else [*argv, "--lang", "es"]
        if where == "environment":
            monkeypatch.setenv("MINIGRAD_LANG", "es")
            args = list(argv)
        breaks_command.main(args)
        monkeypatch.delenv("MINIGRAD_LANG", raising=False)
        captured = capsys.readouterr()
        return captured.out + captured.err

    yield run


def _no_english(out: str, command: str) -> None:
    found = english_words(out)
    assert not found, f"English in `minigrad breaks {command} --lang es`: {found}"


HELP = [["--help"], ["list", "--help"], ["show", "--help"], ["run", "--help"], ["verify", "--help"]]
HELP += [["export", "--help"], ["mystery", "--help"], ["mystery-run", "--help"], ["reveal", "--help"]]


@pytest.mark.parametrize("argv", HELP, ids=" ".join)
def test_every_help_page_is_spanish(argv: list[str], lab: Callable[..., str]) -> None:
    out = lab(*argv, where="before")
    assert out.startswith("uso: minigrad breaks") and "opciones:" in out
    _no_english(out, " ".join(argv))


def test_mystery_help_lists_every_family_and_phase(lab: Callable[..., str]) -> None:
    out = " ".join(lab("mystery", "--help").split())
    families = {b.family for b in all_breaks().values()}
    assert "attention" in families and all(f in out for f in families)
    assert all(str(p) in out for p in {b.phase for b in all_breaks().values()})


def test_list_in_spanish_in_every_way_of_asking(lab: Callable[..., str]) -> None:
    for where in ("after", "before", "environment"):
        out = lab("list", where=where)
        assert "Por dónde empezar" in out and "difusión" in out and "atención" in out, where
        _no_english(out, "list")


def test_list_with_no_match_names_the_phases_and_families(lab: Callable[..., str]) -> None:
    phases = ", ".join(str(p) for p in sorted({b.phase for b in all_breaks().values()}))  # every phase with a break
    assert "12" not in phases.split(", ")
    for argv in (["list", "--phase", "12"], ["list", "--family", "attn"]):
        out = lab(*argv)
        assert f"Fases: {phases}." in out and "`attention` (atención)" in out, out
        _no_english(out, " ".join(argv))
    assert "causal-mask-off-by-one" in lab("list", "--family", "atención")  # a family by its Spanish name


RUNS = [
    "skip-unbroadcast",  # broadcasting
    "value-grad-not-reset",  # scalar
    "graph-not-freed",  # engine
    "matmul-backward-2d-only",  # ops
    "adam-no-bias-correction",  # modules: loss at steps 1-10, first step / lr
    "batchnorm-eval-uses-batch-stats",  # modules: y of the example in batch A
    "no-sqrt-dk-scaling",  # attention: logit std at d_k=16
    "forget-causal-mask",  # attention: largest logit change at positions 0..3
    "tensor-topo-from-set",  # engine: wrong runs (of 50)
    "residual-removed",  # modules: values spanning 12 decades
]


@pytest.mark.parametrize("break_id", RUNS)
def test_run_is_spanish_measured_quantities_included(break_id: str, lab: Callable[..., str]) -> None:
    out = lab("run", break_id)
    assert "Observado:" in out and "Diagnósticos (ejecutados sobre la sonda:" in out
    _no_english(out, f"run {break_id}")


def test_the_measured_quantities_of_issue_17_read_in_spanish(lab: Callable[..., str]) -> None:
    wanted = {
        "adam-no-bias-correction": ["pérdida en los pasos 1-10", "primer paso / lr"],
        "batchnorm-eval-uses-batch-stats": ["y del ejemplo en el lote A"],
        "no-sqrt-dk-scaling": ["desviación típica de los logits con d_k=16"],
        "forget-causal-mask": ["mayor cambio de un logit en las posiciones 0..3"],
        "tensor-topo-from-set": ["ejecuciones erróneas (de 50)"],
    }
    for break_id, texts in wanted.items():
        out = lab("run", break_id)
        for text in texts:
            assert text in out, (break_id, text)
    assert "mayor diferencia" in lab("run", "batchnorm-eval-uses-batch-stats")


def test_show_and_export_are_spanish(lab: Callable[..., str], tmp_path: Path) -> None:
    for break_id in ("skip-unbroadcast", "value-grad-not-reset"):
        out = lab("show", break_id)
        assert "Procedimiento:" in out
        _no_english(out, f"show {break_id}")
    page = tmp_path / "page.md"
    out = lab("export", "batchnorm-eval-uses-batch-stats", "--out", str(page))
    assert out.strip() == f"Escrito {page}."
    text = page.read_text(encoding="utf-8")
    assert "Leyenda" not in text and "Legend" not in text  # the console's legend is not part of a page
    _no_english(
        text.split("```python")[0] + "\n".join(p.split("```", 1)[-1] for p in text.split("```python")[1:]), "export"
    )


def test_verify_is_spanish(lab: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> None:
    three = {k: all_breaks()[k] for k in ("value-grad-not-reset", "skip-unbroadcast", "graph-not-freed")}
    monkeypatch.setattr(breaks_command, "all_breaks", lambda: three)
    out = lab("verify")
    assert out.splitlines()[0].startswith("fallo provocado") and "verify superado: 3 fallos provocados" in out
    assert sum(line.startswith(tuple(three)) for line in out.splitlines()) == 3
    _no_english(out, "verify")


def test_mystery_and_reveal_are_spanish_and_a_typo_does_not_end_the_game(lab: Callable[..., str]) -> None:
    out = lab("mystery", "--phase", "8", "--seed", "5")
    assert "Hay un fallo misterioso activo" in out
    _no_english(out, "mystery")
    out = lab("reveal", "--guess", "skip-unbroadcst")
    assert "¿querías decir 'skip-unbroadcast'" in out and "el misterio sigue" in out
    _no_english(out, "reveal --guess skip-unbroadcst")
    out = lab("reveal", "--guess", "skip-unbroadcast")  # the game was still on
    assert "El fallo misterioso era" in out and "Puntuación:" in out
    _no_english(out, "reveal")


ERRORS = [
    ["show", "skip-unbroadcst"],
    ["run", "no-existe"],
    ["list", "--phase", "doce"],
    ["frobnicate"],
    ["reveal"],
    ["mystery-run"],
]


@pytest.mark.parametrize("argv", ERRORS, ids=" ".join)
def test_errors_are_one_spanish_line(argv: list[str], lab: Callable[..., str]) -> None:
    out = lab(*argv)
    assert "minigrad: error:" in out and "Traceback" not in out
    _no_english(out, " ".join(argv))


def test_an_unknown_id_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert breaks_command.main(["show", "skip-unbroadcst"]) == 2
    assert "(did you mean 'skip-unbroadcast' or 'skip-unbroadcast-mul'?)" in capsys.readouterr().err


def test_minigrad_break_with_a_typo_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MINIGRAD_BREAK", "skip-unbroadcst")
    with using_lang("es"), pytest.raises(SystemExit) as stop:
        breaks_core.apply_from_env()
    assert stop.value.code == 2 and not breaks_core.active()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "¿querías decir 'skip-unbroadcast'" in err


# --------------------------------------------------------------------------- what the texts are made of


def _result_names() -> dict[str, str]:
    """Every name a case script gives a result (``observed = {"first step / lr": ...}``), with the script.

    An f-string's fields are filled with 16, as the scripts fill them with numbers."""
    names: dict[str, str] = {}
    for script in sorted(CATALOG.glob("*/cases/*.py")):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            keys: list[ast.expr] = []
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                if any(isinstance(t, ast.Name) and t.id == "observed" for t in node.targets):
                    keys = [k for k in node.value.keys if k is not None]
            elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
                target = node.targets[0]
                if isinstance(target.value, ast.Name) and target.value.id == "observed":
                    keys = [target.slice]
            for key in keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    names[key.value] = str(script)
                elif isinstance(key, ast.JoinedStr):
                    names["".join(v.value if isinstance(v, ast.Constant) else "16" for v in key.values)] = str(script)
    return names


def test_every_result_name_that_is_a_phrase_has_a_spanish_text() -> None:
    names = _result_names()
    assert len(names) > 60 and "first step / lr" in names
    phrases = [n for n in names if not re.fullmatch(r"[A-Za-z_][\w.]*", n)]  # a.grad, loss: code
    missing = [f"{n!r} ({names[n]})" for n in phrases if in_language("es", quantity, n) == n]
    assert not missing, f"no lab.quantity entry in messages/lab.toml for: {missing}"
    assert in_language("es", quantity, "logit std at d_k=64") == "desviación típica de los logits con d_k=64"
    assert in_language("en", quantity, "first step / lr") == "first step / lr"


def test_probe_labels_are_whole_formulas_or_catalog_texts_never_private_names() -> None:
    for brk in all_breaks().values():
        for lang in ("en", "es"):
            label = in_language(lang, probe_label, brk)
            assert "lambda" not in label and "_probe" not in label and not re.search(r"(?<![\w.])_\w", label), label
            assert label.count("(") == label.count(")"), f"{brk.id}: cut off: {label}"
            assert label.count("`") in (0, 2), label
    assert in_language("en", probe_label, all_breaks()["skip-unbroadcast"]) == "`f(a, b, w) = ((a + b) * w).sum()`"
    assert "attention" in in_language("en", probe_label, all_breaks()["lm-loss-unshifted"])


def test_values_spanning_more_than_three_decades_are_printed_in_scientific_notation() -> None:
    norms = np.array([7.148e-12, 4.383e-10, 1.068e-07, 4.072e-05, 4.627e-02, 9.867e00])  # residual-removed, case 3
    shown = in_language("en", describe_value, norms)
    assert "7.148e-12" in shown and "9.867e+00" in shown and " 0. " not in shown
    assert in_language("en", describe_value, np.array([384.9215, 87.201])).startswith(
        "[384.9215 87.201"
    )  # one decade: plain
    assert (
        in_language("en", describe_value, np.array([0.0, 1e-9, 1.0])).count("e") >= 2
    )  # zeros do not count as decades


def test_every_case_script_comment_has_a_spanish_text_and_show_prints_it(lab: Callable[..., str]) -> None:
    missing = []
    for script in sorted(CATALOG.glob("*/cases/*.py")):
        for _, _, comment in script_comments(script.read_text(encoding="utf-8")):
            translated = any(e["en"] == comment for k, e in catalog().items() if k.startswith("lab.comment."))
            if not translated and english_words(comment):  # a comment that is only a formula needs none
                missing.append(f"{script.parent.parent.name}/{script.name}: {comment}")
    assert not missing, f"no lab.comment entry in messages/lab.toml for: {missing}"
    case = next(c for c in all_breaks()["value-grad-not-reset"].cases if c.id == "second-backward-all-zeroed")
    spanish = in_language("es", procedure_source, case)
    assert "# pone a cero cada nodo del grafo, intermedios incluidos" in spanish
    assert in_language("en", procedure_source, case) == case.script.read_text(encoding="utf-8")
    assert [line.split("#")[0] for line in spanish.splitlines()] == [
        line.split("#")[0] for line in in_language("en", procedure_source, case).splitlines()
    ]  # the code itself is untouched
    shown = lab("show", "value-grad-not-reset")
    assert "# lo que hace el zero_grad() de un optimizador: solo conoce los parámetros" in shown
    comments = [line.split("#", 1)[1] for line in shown.splitlines() if line.lstrip().startswith("|") and "#" in line]
    _no_english("\n".join(comments), "show value-grad-not-reset (the scripts' comments)")


class _ClosedAfter:
    """A stdout whose reader goes away after ``lines`` lines (``| head -2``)."""

    def __init__(self, lines: int) -> None:
        self.left = lines

    def write(self, text: str) -> int:
        if self.left <= 0:
            raise BrokenPipeError(32, "Broken pipe")
        self.left -= text.count("\n")
        return len(text)

    def flush(self) -> None:
        if self.left <= 0:
            raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        raise io.UnsupportedOperation("not a real file")  # as pytest's capture says


def test_run_into_a_closed_pipe_ends_quietly(
    lab: Callable[..., str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`minigrad breaks run skip-unbroadcast | head -2`: exit 141, nothing on stderr (no "[Errno 32]")."""
    lab("run", "skip-unbroadcast")  # measured (cached) before the pipe closes
    monkeypatch.setattr("sys.stdout", _ClosedAfter(2))
    assert breaks_command.main(["run", "skip-unbroadcast"]) == 141
    assert capsys.readouterr().err == ""


def test_every_pages_spanish_texts_have_no_english_outside_code() -> None:
    """Every break's Spanish title, hypothesis, lesson, engine note, case names and whys (the pages, not run)."""
    leaks = {}
    for brk in all_breaks().values():
        texts = {"title": brk.title.es, "hypothesis": brk.hypothesis.es, "lesson": brk.lesson.es}
        if brk.engine_note is not None:
            texts["engine"] = brk.engine_note.es
        for case in brk.cases:
            texts[f"case {case.id}"] = case.name.es + ("\n" + case.note.es if case.note is not None else "")
        for where, text in texts.items():
            if english_words(text):
                leaks[f"{brk.id}, {where}"] = sorted(english_words(text))
    assert not leaks, leaks


def test_the_diff_header_is_the_same_from_any_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    brk = all_breaks()["skip-unbroadcast"]
    here = breaks_core.diff(brk).splitlines()[:2]
    monkeypatch.chdir(tmp_path)
    assert breaks_core.diff(brk).splitlines()[:2] == here
    assert here[0] == "--- a/minigrad/ops/rules.py (ops.rules:add_backward)"


def test_mystery_promises_only_what_mystery_run_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mystery-run runs the learner's command with the break on, nothing else: the text says the diagnostics are
    the learner's to call, and names them."""
    monkeypatch.setenv("MINIGRAD_MYSTERY_STATE", str(tmp_path / "state.json"))
    monkeypatch.delenv("MINIGRAD_LANG", raising=False)
    assert breaks_command.main(["mystery", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "and the diagnostics, against it" not in out
    assert "The diagnostics are yours to run inside your script (minigrad.gradcheck" in out


def test_mystery_run_takes_lang_and_leaves_the_learners_own_arguments_alone(
    lab: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[list[str]] = []
    monkeypatch.setattr(breaks_command.subprocess, "call", lambda command, env: ran.append(command) or 0)
    lab("mystery", "--seed", "3")
    out = lab("mystery-run", "--", "python", "mine.py", "--lang", "fr", where="before")
    assert ran == [["python", "mine.py", "--lang", "fr"]] and out == ""
    assert "mystery-run necesita una orden tras --" in lab("mystery-run")


def test_the_top_level_command_passes_the_language_on(capsys: pytest.CaptureFixture[str]) -> None:
    from minigrad import cli

    for argv in (["--lang", "es", "breaks", "list", "--help"], ["breaks", "--lang", "es", "list", "--help"]):
        cli.main(argv)
        out = capsys.readouterr().out
        assert out.startswith("uso: minigrad breaks list"), argv
        _no_english(out, " ".join(argv))

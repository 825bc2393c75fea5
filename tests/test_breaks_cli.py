"""The breaks command line as a course companion: the path by phase, export, mystery mode, Spanish scaffolding."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from breaks_measured import cases, measured_once, rows

from minigrad.breaks import all_breaks, breaks_command
from minigrad.breaks.case_diagnostics import Row
from minigrad.breaks.case_report import CaseResult
from minigrad.messages import catalog

ROOT = Path(__file__).resolve().parents[1]
# family ids, probe formulas and quantity names contain code ("engine:backward", "a @ b"); tests/test_lab_spanish.py
# checks those texts
NAMES_AND_CODE = {"family_name", "gloss", "quantity", "probe_label", "parser", "comment", "check", "grad_shapes"}
WORDS = {
    key: (entry["en"], entry["es"])
    for key, entry in catalog().items()
    if key.startswith("lab.") and key.split(".")[1] not in NAMES_AND_CODE
}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = breaks_command.main(list(argv))
    return code, capsys.readouterr().out


def _listed_rows(out: str) -> list[list[str]]:
    ids = set(all_breaks())
    return [line.split() for line in out.splitlines() if len(line.split()) > 1 and line.split()[1] in ids]


def by_phase_then_id(rows: list[list[str]]) -> list[str]:
    return [row[1] for row in sorted(rows, key=lambda row: (int(row[0]), row[1]))]


def test_list_shows_the_phase_sorted_and_phase_7_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "list")
    assert code == 0
    rows = _listed_rows(out)
    assert len(rows) == len(all_breaks())
    phases = [int(row[0]) for row in rows]
    assert phases == sorted(phases) and phases[0] == 7
    assert by_phase_then_id(rows) == [row[1] for row in rows]
    assert "Where to start" in out and "value-assign-not-accumulate" in out.split("Where to start")[1]


def test_list_filters_by_phase_and_family(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = _run(capsys, "list", "--phase", "9")
    want = {b.id for b in all_breaks().values() if b.phase == 9}
    assert want and {row[1] for row in _listed_rows(out)} == want
    _, out = _run(capsys, "list", "--family", "engine", "--phase", "8")
    want = {b.id for b in all_breaks().values() if b.family == "engine" and b.phase == 8}
    assert want and {row[1] for row in _listed_rows(out)} == want
    code, out = _run(capsys, "list", "--phase", "99")
    assert code == 1 and "No break matches" in out


def test_help_says_where_to_start() -> None:
    for argv in (["minigrad", "--help"], ["minigrad", "breaks", "--help"]):
        out = subprocess.run(
            [sys.executable, "-m", "minigrad.cli", *argv[1:]], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout
        assert "value-assign-not-accumulate" in out and "start" in out.lower()


def test_export_writes_a_page_with_the_measured_observations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    measured_once(monkeypatch)
    out_file = tmp_path / "page.md"
    code, _ = _run(capsys, "export", "value-assign-not-accumulate", "--lang", "es", "--out", str(out_file))
    assert code == 0
    page = out_file.read_text(encoding="utf-8")
    brk = all_breaks()["value-assign-not-accumulate"]
    assert page.startswith(f"# {brk.title.es}\n")
    assert brk.hypothesis.es in page and "```diff" in page and "+        self.grad = out.grad" in page
    # a * a at a = 2: the correct gradient is 2a = 4; with = instead of +=, the last use (other) wins: a = 2.
    case = page.split("### Caso 2")[1].split("### Caso 3")[0]
    assert "`a.grad = 4`" in case.split("con el fallo provocado")[0]
    assert "`a.grad = 2`" in case.split("con el fallo provocado")[1]
    assert "| `gradcheck` | sí | sin alarma | detectado |" in page


@pytest.fixture
def mystery_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "mystery.json"
    monkeypatch.setenv("MINIGRAD_MYSTERY_STATE", str(path))
    return path


def test_mystery_is_seeded_recorded_outside_the_package_and_never_named(
    capsys: pytest.CaptureFixture[str], mystery_state: Path
) -> None:
    code, out = _run(capsys, "mystery", "--phase", "8", "--seed", "5")
    assert code == 0 and mystery_state.exists()
    state = json.loads(mystery_state.read_text())
    phase8 = [b.id for b in all_breaks().values() if b.phase == 8]
    assert state["seed"] == 5 and state["candidates"] == len(phase8)
    assert not any(re.search(rf"\b{re.escape(i)}\b", out + mystery_state.read_text()) for i in all_breaks())
    assert "mystery-run -- python" in out and state["token"] in out
    _run(capsys, "mystery", "--phase", "8", "--seed", "5")
    assert json.loads(mystery_state.read_text())["token"] == state["token"]  # same seed, same break


def _seeds_picking(break_id: str, phase: int) -> list[int]:
    """Two --seed values with which ``mystery --phase`` picks ``break_id``, as mystery.choose does."""
    candidates = breaks_command.selected(phase)
    return [s for s in range(1000) if random.Random(s).choice(candidates).id == break_id][:2]


def test_mystery_run_switches_the_break_on_in_the_learners_script_and_reveal_scores(
    capsys: pytest.CaptureFixture[str], mystery_state: Path, tmp_path: Path
) -> None:
    seeds = _seeds_picking("value-assign-not-accumulate", phase=7)  # the answer is known
    _run(capsys, "mystery", "--phase", "7", "--seed", str(seeds[0]))
    script = tmp_path / "script.py"
    script.write_text(
        "from minigrad.scalar import Value\na = Value(2.0)\n(a * a).backward()\nprint('a.grad', a.grad)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "minigrad.cli", "breaks", "mystery-run", "--", sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    assert "a.grad 2.0" in done.stdout  # d(a*a)/da = 2a = 4 on correct code; the break gives 2
    assert "value-assign-not-accumulate" not in done.stdout + done.stderr
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, check=True)
    assert "a.grad 4.0" in plain.stdout
    code, out = _run(capsys, "reveal", "--guess", "accumulate-overwrite")
    assert code == 0 and "value-assign-not-accumulate" in out and "Score: 0 of 2" in out
    assert not mystery_state.exists()
    _run(capsys, "mystery", "--phase", "7", "--seed", str(seeds[1]))
    _, out = _run(capsys, "reveal", "--guess", "value-assign-not-accumulate", "--lang", "es")
    assert "Puntuación: 2 de 2" in out


def test_reveal_without_a_mystery_is_a_clear_error(capsys: pytest.CaptureFixture[str], mystery_state: Path) -> None:
    assert breaks_command.main(["reveal"]) == 2
    assert "no mystery is running" in capsys.readouterr().err


# --------------------------------------------------------------------------- Spanish scaffolding

ENGLISH_SCAFFOLDING = sorted(
    {
        fragment.strip()
        for en, es in WORDS.values()
        if en != es
        for fragment in re.split(r"\{[^}]*\}|[.:(),'`=*;]", en)
        if len(fragment.strip()) > 3 and fragment.strip() not in es
    },
    key=len,
    reverse=True,
)
SINGLE_WORDS = ["Case", "predicted", "observed", "why", "raised", "silent", "missed", "CAUGHT", "claimed", "yes"]


def _english(out: str) -> list[str]:
    """English scaffolding in ``out``, as words: an identifier such as shape-guard or a.grad is code."""
    words = [*ENGLISH_SCAFFOLDING, *SINGLE_WORDS]
    return [w for w in words if re.search(rf"(?<![\w.-]){re.escape(w)}(?![\w.-])", out)]


def _prose_only(out: str) -> str:
    """The output minus code (diff, procedures) and messages that come from Python or NumPy as they are."""
    kept = []
    in_diff = in_code = False
    for line in out.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        if stripped.startswith("--- a/"):
            in_diff = True
        if in_diff and not stripped.startswith(("Procedimiento",)):
            if line and not line.startswith(" "):
                in_diff = False
            else:
                continue
        if stripped.startswith("|") or stripped.startswith(("---", "+++", "@@")):
            continue
        line = re.sub(r"(se detuvo con un error|aviso): .*", r"\1", line)
        line = re.sub(r"`[^`]*`|--\w+|minigrad breaks [\w-]+", "", line)  # commands and code names stay
        kept.append(line)
    return "\n".join(kept)


@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["show", "skip-unbroadcast"],
        ["run", "skip-unbroadcast"],
        ["run", "graph-not-freed"],
        ["export", "recursive-walk"],
    ],
)
def test_spanish_output_has_no_english_scaffolding(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    measured_once(monkeypatch)
    breaks_command.main([*argv, "--lang", "es"])
    out = _prose_only(capsys.readouterr().out)
    found = _english(out)
    assert not found, f"English scaffolding in `minigrad breaks {' '.join(argv)} --lang es`: {found}"


def test_verify_in_spanish_has_no_english_scaffolding(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    two = {k: all_breaks()[k] for k in ("value-assign-not-accumulate", "graph-not-freed")}
    monkeypatch.setattr(breaks_command, "all_breaks", lambda: two)
    measured_once(monkeypatch)
    assert breaks_command.main(["verify", "--lang", "es"]) == 0
    out = _prose_only(capsys.readouterr().out)
    assert "verify superado: 2 fallos provocados" in out
    found = _english(out)
    assert not found, found


def test_every_scaffolding_entry_has_two_languages() -> None:
    for key, (en, es) in WORDS.items():
        assert en.strip() and es.strip(), key
        assert re.findall(r"\{[^}]*\}", en) == re.findall(r"\{[^}]*\}", es), f"{key}: placeholders differ"


def test_run_prints_a_legend_and_verbose_prints_each_diagnostics_full_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    measured_once(monkeypatch)
    breaks_command.main(["run", "skip-unbroadcast"])
    short = capsys.readouterr().out
    assert "Legend: 'should catch'" in short and "run on the probe" in short
    assert "GradShapeError" not in short.split("Diagnostics (")[1]
    breaks_command.main(["run", "skip-unbroadcast", "--verbose"])
    full = capsys.readouterr().out.split("Diagnostics (")[1]
    message = full.split("shape-guard, with the break, the diagnostic's message:\n")[1]
    first = message.split("\n\n")[0].strip()
    assert first.startswith("GradShapeError") and "add" in first and len(first) > 80  # not cut at 80 characters


# --------------------------------------------------------------------------- streaming (issue 17)


def test_run_prints_its_header_before_any_case_and_each_case_and_diagnostic_as_it_finishes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []  # what had been printed when each result arrived

    def fake_cases(brk: object, each: Callable[[int, CaseResult], None] | None = None) -> list[CaseResult]:
        results = list(cases("skip-unbroadcast"))
        for index, result in enumerate(results, 1):
            seen.append(capsys.readouterr().out)
            assert each is not None
            each(index, result)
        return results

    def fake_rows(brk: object, each: Callable[[Row], None] | None = None) -> list[Row]:
        for row in rows("skip-unbroadcast"):
            seen.append(capsys.readouterr().out)
            assert each is not None
            each(row)
        return list(rows("skip-unbroadcast"))

    monkeypatch.setattr(breaks_command, "run_cases", fake_cases)
    monkeypatch.setattr(breaks_command, "diagnose", fake_rows)
    assert breaks_command.main(["run", "skip-unbroadcast"]) == 0
    assert seen[0].startswith("skip-unbroadcast: ") and "Observed:" in seen[0] and "Case 1" not in seen[0]
    assert [s.count("  Case ") for s in seen[1:5]] == [1, 1, 1, 1]  # case n printed before case n + 1 ran
    assert "shape-guard" in seen[6] and "diagnostic" in seen[5]  # the table's head, then a row per diagnostic


def test_verify_prints_a_row_per_break_as_it_goes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    two = {k: all_breaks()[k] for k in ("value-assign-not-accumulate", "skip-unbroadcast")}
    monkeypatch.setattr(breaks_command, "all_breaks", lambda: two)
    printed: list[str] = []

    def fake_rows(brk: object, each: Callable[[Row], None] | None = None) -> list[Row]:
        printed.append(capsys.readouterr().out)
        return list(rows(brk.id))  # type: ignore[attr-defined]

    monkeypatch.setattr(breaks_command, "diagnose", fake_rows)
    assert breaks_command.main(["verify"]) == 0
    assert "value-assign-not-accumulate" not in printed[0] and printed[1].strip().startswith("value-assign")


# --------------------------------------------------------------------------- without PyTorch (issue 17)


class _NoTorch:
    """A meta-path finder that refuses ``import torch`` and records each attempt."""

    def __init__(self) -> None:
        self.attempts = 0

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name == "torch" or name.startswith("torch."):
            self.attempts += 1
            raise ImportError(f"No module named {name!r} (blocked by the test)")


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> _NoTorch:
    """``import torch`` fails (as when it is not installed) and attempts are counted."""
    finder = _NoTorch()
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    return finder


def test_list_show_and_export_never_import_torch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_torch: _NoTorch
) -> None:
    measured_once(monkeypatch)
    for argv in (["list"], ["show", "skip-unbroadcast"], ["export", "batchnorm-eval-uses-batch-stats"]):
        assert breaks_command.main(argv) == 0
    out = capsys.readouterr().out
    assert no_torch.attempts == 0
    assert "`crosscheck`, `torch-batchnorm-eval` skipped: it compares with PyTorch, which this command" in out


def test_run_without_torch_skips_the_crosscheck_in_one_line_and_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_torch: _NoTorch
) -> None:
    measured_once(monkeypatch, diagnostics=False)
    assert breaks_command.main(["run", "skip-unbroadcast"]) == 0
    out = capsys.readouterr().out
    assert no_torch.attempts > 0
    crosscheck = next(line for line in out.splitlines() if line.strip().startswith("crosscheck "))
    assert crosscheck.split()[-1] == "skipped" and "caught" not in crosscheck
    lines = [line for line in out.splitlines() if "uv sync --group test" in line]
    assert lines == [
        "  crosscheck skipped: it compares with PyTorch, which is not installed. Get it with "
        "`uv sync --group test` (or `pip install torch`)."
    ]


def test_verify_without_torch_marks_the_crosscheck_skipped_not_failed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_torch: _NoTorch
) -> None:
    two = {k: all_breaks()[k] for k in ("skip-unbroadcast", "dropout-no-rescale")}
    monkeypatch.setattr(breaks_command, "all_breaks", lambda: two)
    assert breaks_command.main(["verify"]) == 0
    out = capsys.readouterr().out
    assert "skipped*" in out and "NOT CAUGHT" not in out and "verify passed: 2 breaks" in out
    assert "crosscheck, torch-dropout-expectation skipped: it compares with PyTorch, which is not installed" in out

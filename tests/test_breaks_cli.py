"""The breaks command line as a course companion: the path by phase, export, mystery mode, Spanish scaffolding."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from minigrad.breaks import all_breaks
from minigrad.breaks import cli as breaks_cli
from minigrad.breaks.words import WORDS

ROOT = Path(__file__).resolve().parents[1]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = breaks_cli.main(list(argv))
    return code, capsys.readouterr().out


def _listed_rows(out: str) -> list[list[str]]:
    ids = set(all_breaks())
    return [line.split() for line in out.splitlines() if len(line.split()) > 1 and line.split()[1] in ids]


def test_list_shows_the_phase_sorted_and_phase_7_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "list")
    assert code == 0
    rows = _listed_rows(out)
    assert len(rows) == len(all_breaks())
    phases = [int(row[0]) for row in rows]
    assert phases == sorted(phases) and phases[0] == 7
    assert rows[0][1] == "value-assign-not-accumulate"
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
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
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


def test_mystery_run_switches_the_break_on_in_the_learners_script_and_reveal_scores(
    capsys: pytest.CaptureFixture[str], mystery_state: Path, tmp_path: Path
) -> None:
    _run(capsys, "mystery", "--phase", "7", "--seed", "1")  # phase 7 has one break: the answer is known
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
    _run(capsys, "mystery", "--phase", "7", "--seed", "2")
    _, out = _run(capsys, "reveal", "--guess", "value-assign-not-accumulate", "--lang", "es")
    assert "Puntuación: 2 de 2" in out


def test_reveal_without_a_mystery_is_a_clear_error(capsys: pytest.CaptureFixture[str], mystery_state: Path) -> None:
    with pytest.raises(SystemExit) as info:
        breaks_cli.main(["reveal"])
    assert info.value.code == 2 and "no mystery is running" in capsys.readouterr().err


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
def test_spanish_output_has_no_english_scaffolding(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    breaks_cli.main([*argv, "--lang", "es"])
    out = _prose_only(capsys.readouterr().out)
    found = _english(out)
    assert not found, f"English scaffolding in `minigrad breaks {' '.join(argv)} --lang es`: {found}"


def test_verify_in_spanish_has_no_english_scaffolding(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    two = {k: all_breaks()[k] for k in ("value-assign-not-accumulate", "graph-not-freed")}
    monkeypatch.setattr(breaks_cli, "all_breaks", lambda: two)
    assert breaks_cli.main(["verify", "--lang", "es"]) == 0
    out = _prose_only(capsys.readouterr().out)
    assert "verify superado: 2 fallos provocados" in out
    found = _english(out)
    assert not found, found


def test_every_scaffolding_entry_has_two_languages() -> None:
    for key, (en, es) in WORDS.items():
        assert en.strip() and es.strip(), key
        assert re.findall(r"\{[^}]*\}", en) == re.findall(r"\{[^}]*\}", es), f"{key}: placeholders differ"


def test_run_prints_a_legend_and_verbose_prints_each_diagnostics_full_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    breaks_cli.main(["run", "skip-unbroadcast"])
    short = capsys.readouterr().out
    assert "Legend: 'should catch'" in short and "run on the probe" in short
    assert "GradShapeError" not in short.split("Diagnostics (")[1]
    breaks_cli.main(["run", "skip-unbroadcast", "--verbose"])
    full = capsys.readouterr().out.split("Diagnostics (")[1]
    message = full.split("shape-guard, with the break, message (from the diagnostic, in English):\n")[1]
    first = message.split("\n\n")[0].strip()
    assert first.startswith("GradShapeError") and "add" in first and len(first) > 80  # not cut at 80 characters

"""``minigrad doctor`` as a command: the parser factory's conventions, Spanish, and lines that stream.

The doctor's verdicts and its ``--json`` contract are pinned in test_doctor.py and test_doctor_runner.py; here,
what the command line adds: ``--lang`` anywhere and ``MINIGRAD_LANG``, Spanish help with every option described,
one JSON object for bad arguments, quiet broken pipes, and each check group's line printed as the group ends.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from minigrad.doctor import CheckResult, Report, doctor_command
from minigrad.doctor.runner import crash_text, not_measured_text
from minigrad.messages import using_lang

ROOT = Path(__file__).parents[1]
ENGINES = ROOT / "tests" / "engines"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
ENV.pop("MINIGRAD_LANG", None)


def _doctor(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minigrad.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**ENV, **env},
        timeout=120,
    )


def _options(help_page: str) -> list[str]:
    """The option lines of a help page whose description is missing (an option alone on its line, nothing after)."""
    block = help_page.split("opciones:" if "opciones:" in help_page else "options:", 1)[1].split("\n\n")[0]
    lines = block.splitlines()
    bare = []
    for i, line in enumerate(lines):
        if re.match(r"^  -", line) and len(line.split("  ")) < 3:  # no description on the option's own line
            follows = lines[i + 1] if i + 1 < len(lines) else ""
            if not follows.startswith(" " * 10) or follows.lstrip().startswith("-"):
                bare.append(line.strip())
    return bare


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--lang", "es", "doctor", "--help"), {}),
        (("doctor", "--help", "--lang", "es"), {}),
        (("doctor", "--lang=es", "--help"), {}),
        (("doctor", "--help"), {"MINIGRAD_LANG": "es"}),
    ],
    ids=["lang-before", "lang-after", "lang-equals", "environment"],
)
def test_the_help_is_spanish_however_the_language_is_asked(args: tuple[str, ...], env: dict[str, str]) -> None:
    result = _doctor(*args, **env)
    assert result.returncode == 0, result.stderr
    page = result.stdout
    for word in ("uso: minigrad doctor", "opciones:", "argumentos posicionales:", "códigos de salida", "MÓDULO:CLASE"):
        assert word in page
    for word in ("usage:", "options:", "show this help", "exit codes", "a scalar engine", "found by behaviour"):
        assert word not in page
    assert not _options(page)


def test_every_option_of_the_english_help_is_described() -> None:
    page = _doctor("doctor", "--help").stdout
    for option in ("--scalar", "--tensor", "--adapter", "--json", "--lang", "--cwd", "--import-limit"):
        assert option in page
    assert not _options(page)
    words = " ".join(page.split())
    assert "130 interrupted" in words and "3 not examined" in words


def test_bad_arguments_with_json_print_one_json_object_in_any_language(tmp_path: Path) -> None:
    english = _doctor("doctor", "--json", "--import-limit", "zero", "eng.py:Tensor", cwd=tmp_path)
    spanish = _doctor("doctor", "--json", "--import-limit", "zero", "eng.py:Tensor", cwd=tmp_path, MINIGRAD_LANG="es")
    first, second = json.loads(english.stdout), json.loads(spanish.stdout)  # exactly one object each
    assert english.returncode == spanish.returncode == 2
    assert first["status"] == second["status"] == "error" and first["exit_code"] == second["exit_code"] == 2
    assert first["error"]["key"] == second["error"]["key"] == "usage"
    assert "--import-limit" in first["error"]["message"] and "uso:" in spanish.stderr


def test_a_refusal_is_one_line_in_spanish_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "eng.py").write_text("class Tensor: pass\n")
    result = _doctor("doctor", "eng.py:Tensr", cwd=tmp_path, MINIGRAD_LANG="es")
    assert result.returncode == 2
    assert "eng.py no define Tensr; ¿querías decir Tensor?" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout.splitlines()[:1] == ["examinando eng.py:Tensr ..."]
    missing = _doctor("doctor", "nope.py:Tensor", cwd=tmp_path, MINIGRAD_LANG="es")
    assert missing.returncode == 2 and missing.stdout == ""  # refused before the first line
    assert "nope.py: no existe ese archivo" in missing.stderr


def test_a_closed_pipe_ends_the_help_quietly() -> None:
    result = subprocess.run(
        f"{sys.executable} -m minigrad.cli --lang es doctor --help | head -1",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
    )
    assert result.stdout.startswith("uso: minigrad doctor")
    assert "Traceback" not in result.stderr and "Broken pipe" not in result.stderr


def test_crash_and_timeout_texts_speak_spanish_with_agreement() -> None:
    segfault = {"how": "signal", "code": 11, "phase": "backward"}
    exited = {"how": "exit", "code": 3, "phase": "forward"}
    slow = {"limit": 8.0, "seconds_per_op": 250e-6}
    with using_lang("en"):
        assert crash_text(segfault) == "your backward() crashed: signal 11, segmentation fault"
        assert not_measured_text(slow) == "not measured: still running after 8 s (250 µs per op)"
    with using_lang("es"):
        assert crash_text(segfault) == "tu backward() se cayó: señal 11, fallo de segmentación"
        assert crash_text(exited) == "tu código (al construir el grafo) terminó el proceso con el código 3"
        assert not_measured_text(slow) == "sin medir: sigue en marcha tras 8 s (250 µs por operación)"


@pytest.mark.slow
def test_each_group_streams_as_it_finishes(tmp_path: Path) -> None:
    """An engine whose 100,000-op chain takes 3 s more: every other group's line must arrive well before."""
    source = (ENGINES / "scalar_value.py").read_text()
    slow = source.replace(
        "    def backward(self):\n",
        "    def backward(self):\n        import time\n        if getattr(self, '_long', False): time.sleep(3)\n",
    )
    (tmp_path / "slow.py").write_text(slow + _LONG_CHAIN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "minigrad.cli", "doctor", "slow.py:Value"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, "MINIGRAD_LANG": "es"},
    )
    assert proc.stdout is not None
    arrivals = [(time.perf_counter() - started, line.rstrip("\n")) for line in proc.stdout]
    proc.wait(timeout=120)
    lines = [line for _, line in arrivals]
    assert lines[0] == "examinando slow.py:Value ..."
    title = lines.index("minigrad doctor: slow.py:Value")
    report_at = arrivals[title][0]
    streamed = [(t, line) for t, line in arrivals[1:title] if line]
    assert any(line.startswith("cadena de 100\u00a0000:") for _, line in streamed)
    early = [line for t, line in streamed if t < report_at - 2.0]  # printed while the slow group still ran
    assert len(early) >= 5 and all(re.search(r"\d+/\d+ pasan?\b", line) for _, line in streamed)
    assert arrivals[0][0] < report_at - 2.0


# The 100,000-op chain (y = y * 1.0) is the only graph this deep: mark its root so that its backward() sleeps.
_LONG_CHAIN = """

_plain_mul = Value.__mul__


def _marking_mul(self, other):
    out = _plain_mul(self, other)
    depth = max(getattr(self, "_depth", 0), getattr(other, "_depth", 0) if isinstance(other, Value) else 0) + 1
    out._depth = depth
    out._long = depth >= 50000
    return out


Value.__mul__ = _marking_mul
"""


@pytest.mark.slow
def test_the_report_follows_the_streamed_lines_in_a_log(tmp_path: Path) -> None:
    """In a log (stdout not a terminal): the first line, one line per group, then the report; --json: no lines."""
    shutil.copy(ENGINES / "scalar_value.py", tmp_path / "good.py")
    result = _doctor("doctor", "good.py:Value", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "examining good.py:Value ..."
    title = lines.index("minigrad doctor: good.py:Value")
    groups = [line for line in lines[1:title] if line]
    report_groups = [line for line in lines[title:] if re.match(r"^  \S.*: +\d+/\d+ pass", line)]
    assert sorted(g.split(":")[0] for g in groups) == sorted(g.split(":")[0].strip() for g in report_groups)
    as_json = _doctor("doctor", "good.py:Value", "--json", cwd=tmp_path)
    assert json.loads(as_json.stdout)["ok"] is True


def _fake_examine(events: list[str]) -> Callable[..., Report]:
    """An examine() that tells two groups (one failing check), noting what stdout held at each moment."""

    def examine(target: str, *, progress: Any = None, **_: Any) -> Report:
        checks = [
            CheckResult("x+x", "ops", "pass"),
            CheckResult("x*x", "ops", "fail"),
            CheckResult("diamond", "reuse", "pass"),
        ]
        if progress is not None:
            progress("ops", checks[:2])
            events.append("told ops")
            progress("reuse", checks[2:])
        return Report(target, True, {"scalar": True}, checks, [], 0.5)

    return examine


def test_the_command_prints_the_first_line_then_each_group_then_the_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """In-process, with the examination faked: the order of the lines, in Spanish, with agreement."""
    (tmp_path / "eng.py").write_text("class Value: ...\n")  # the target file must exist: it is checked first
    monkeypatch.chdir(tmp_path)
    events: list[str] = []
    monkeypatch.setattr(doctor_command, "examine", _fake_examine(events))
    monkeypatch.delenv("MINIGRAD_LANG", raising=False)
    status = doctor_command.main(["eng.py:Value", "--lang", "es"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 1 and events == ["told ops"]
    assert lines[:4] == [
        "examinando eng.py:Value ...",
        "operaciones: 1/2 pasan    x*x FALLA",
        "reutilización: 1/1 pasa",
        "",
    ]
    assert lines[4] == "minigrad doctor: eng.py:Value"


def test_with_json_the_command_prints_no_progress(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "eng.py").write_text("class Value: ...\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(doctor_command, "examine", _fake_examine([]))
    assert doctor_command.main(["eng.py:Value", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)  # nothing but the one object
    assert data["status"] == "bugs-found" and data["counts"]["fail"] == 1


class _Terminal:
    def __init__(self) -> None:
        self.written = ""

    def isatty(self) -> bool:
        return True

    def write(self, chunk: str) -> None:
        self.written += chunk

    def flush(self) -> None:
        pass


def test_on_a_terminal_the_group_lines_share_one_line() -> None:
    terminal = _Terminal()
    printer = doctor_command.GroupPrinter(terminal)  # type: ignore[arg-type]
    printer.write("examining eng.py:Value ...", keep=True)
    printer.write("ops: 2/2 pass")
    printer.write("walk: 1/1 pass")
    printer.clear()
    assert terminal.written.startswith("examining eng.py:Value ...\n\rops: 2/2 pass\rwalk: 1/1 pass")
    assert "\n" not in terminal.written.split("\n", 1)[1]  # one line, rewritten, then wiped
    assert terminal.written.endswith("\r")

"""Every case procedure that `show` prints runs as printed: a standalone script, with and without the break.

Each break's scripts run in two fresh interpreters, one with ``MINIGRAD_BREAK`` set (a break is switched on
when minigrad is imported) and one without, rather than two per script: a small runner executes each
printed script as ``__main__`` with ``runpy.run_path`` (fresh globals each time, its stdout captured),
which is what ``python script.py`` does, minus the cost of starting Python and importing NumPy again.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from minigrad import Tensor
from minigrad.breaks import Case, Outcome, Text, all_breaks
from minigrad.breaks import cli as breaks_cli
from minigrad.breaks.report import procedure_source, run_cases

STANDALONE_FAMILIES = ("scalar", "broadcasting", "engine", "ops", "modules", "attention")
BREAK_IDS = [b.id for b in all_breaks().values() if b.family in STANDALONE_FAMILIES]
LAB_HELPERS = ("leaf", "grads", "backward_of", "const", "normal", "raises", "_support", "catalog")

# Runs each script named on the command line as `python script.py` would (as __main__, in fresh globals),
# and prints one JSON list: per script, whether it raised, its stdout, and the error's last lines.
RUNNER = """
import contextlib, io, json, runpy, sys, traceback
results = []
for path in sys.argv[1:]:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
        results.append({"raised": False, "stdout": out.getvalue(), "error": ""})
    except BaseException:
        results.append({"raised": True, "stdout": out.getvalue(), "error": traceback.format_exc()[-2000:]})
print(json.dumps(results))
"""


def _printed_procedures(break_id: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert breaks_cli.main(["show", break_id]) == 0
    out = capsys.readouterr().out
    section = out.split("Run procedure:")[1].split("Failure with the break on")[0]
    scripts: list[list[str]] = []
    for line in section.splitlines():
        if re.match(r"  Case \d+: ", line):
            scripts.append([])
        elif line.startswith("    |"):
            scripts[-1].append(line[6:])
    return ["\n".join(lines) + "\n" for lines in scripts]


def _run_all(paths: list[Path], cwd: Path, break_id: str | None) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if k not in ("MINIGRAD_BREAK", "MINIGRAD_MYSTERY")}
    if break_id is not None:
        env["MINIGRAD_BREAK"] = break_id
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *map(str, paths)], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )
    assert done.returncode == 0, f"the runner itself failed ({break_id}): {done.stderr[-2000:]}"
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


@pytest.mark.parametrize("break_id", BREAK_IDS)
def test_every_printed_procedure_is_standalone_and_runs_as_printed(
    break_id: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    brk = all_breaks()[break_id]
    scripts = _printed_procedures(break_id, capsys)
    assert scripts == [procedure_source(case) for case in brk.cases]
    paths = []
    for index, script in enumerate(scripts, start=1):
        label = f"{break_id} / case {index}"
        assert "Not yet a standalone script" not in script, label
        assert not [h for h in LAB_HELPERS if re.search(rf"(?<![\w.]){h}\b", script)], label
        assert re.search(r"^from minigrad[.\w]* import ", script, re.MULTILINE) and "print(" in script, label
        paths.append(tmp_path / f"case_{index}.py")
        paths[-1].write_text(script)
    corrects = _run_all(paths, tmp_path, None)
    brokens = _run_all(paths, tmp_path, break_id)
    for result, correct, broken in zip(run_cases(brk), corrects, brokens, strict=True):
        label = f"{break_id} / {result.case.id}"
        assert not correct["raised"], f"{label}: {correct['error']}"
        assert re.search(r"^\w[^=\n]* = ", correct["stdout"], re.MULTILINE), label  # inputs and observations printed
        if result.outcome == Outcome.CRASH:
            assert broken["raised"], label
        else:
            assert not broken["raised"], f"{label}: {broken['error']}"
            if result.outcome != Outcome.SAME:  # (the same within tolerance may still print another last digit)
                assert broken["stdout"] != correct["stdout"], label


def test_the_runner_reports_a_script_that_raises_and_keeps_scripts_apart(tmp_path: Path) -> None:
    first, second, third = tmp_path / "first.py", tmp_path / "second.py", tmp_path / "third.py"
    first.write_text("shared = 1\nprint('first ran', __name__)\n")
    second.write_text("print('before')\nraise ValueError('on purpose')\n")
    third.write_text("print('shared' in globals())\n")
    results = _run_all([first, second, third], tmp_path, None)
    assert [r["raised"] for r in results] == [False, True, False]
    assert results[0]["stdout"] == "first ran __main__\n"
    assert results[1]["stdout"] == "before\n" and "ValueError: on purpose" in results[1]["error"]
    assert results[2]["stdout"] == "False\n"  # fresh globals: nothing left over from the first script


def _doubled(x: float) -> float:
    return 2 * x


def _case_using_a_helper() -> dict[str, Any]:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    return {"y": _doubled(3.0), "x": x.data}


def test_a_case_that_is_not_standalone_says_why() -> None:
    case = Case("c", Text("c", "c"), _case_using_a_helper, frozenset({Outcome.SAME}))
    source = procedure_source(case)
    assert re.match(r"# Not yet a standalone script: it uses _doubled \(.+\)\.\n", source)
    assert "def _case_using_a_helper" in source  # the function's own source follows
    others = [c for b in all_breaks().values() if b.family not in STANDALONE_FAMILIES for c in b.cases]
    for source in map(procedure_source, others):  # a family not done yet prints the same line
        assert "Not yet a standalone script" not in source or re.match(r"# Not yet a standalone script: .+\.\n", source)

"""minigrad doctor on the learner-style test engines: correct engines, target forms, hostile code, CLI, languages."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minigrad.doctor import TargetError, examine

ENGINES = Path(__file__).parent / "engines"
CORRECT = [
    ("course_tensor.py", "Tensor"),
    ("micro_tensor.py", "Tensor"),
    ("function_style.py", "Variable"),
    ("scalar_value.py", "Value"),
]


def _snapshot(root: Path) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime for p in root.rglob("*")}


@pytest.mark.parametrize(("engine", "cls"), CORRECT)
def test_a_correct_engine_gets_no_failing_check_and_no_diagnosis(tmp_path: Path, engine: str, cls: str) -> None:
    shutil.copy(ENGINES / engine, tmp_path / engine)
    before = _snapshot(tmp_path)
    report = examine(f"{engine}:{cls}", cwd=str(tmp_path))
    assert [c.id for c in report.failing()] == []
    assert report.diagnosis == []
    assert report.ok
    assert sum(c.status == "pass" for c in report.checks) >= 25
    assert _snapshot(tmp_path) == before, "the doctor wrote into the learner's folder"
    print(f"{engine}: {report.seconds:.1f} s")  # the time per engine is measured by benchmarks/eval_doctor.py


def test_module_form_from_a_learner_repo_whose_package_is_called_minigrad(tmp_path: Path) -> None:
    package = tmp_path / "src" / "minigrad"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("LEARNER = True\n")
    # Their code imports their package by name: it must get theirs, not the doctor's own minigrad.
    source = "from minigrad import LEARNER  # noqa\n" + (ENGINES / "course_tensor.py").read_text()
    source = source.replace("(g * (1 - t**2),)", "(g * (1 - self.data**2),)")  # their engine has one bug
    (package / "tensor.py").write_text(source)
    before = _snapshot(tmp_path)
    report = examine("src.minigrad.tensor:Tensor", cwd=str(tmp_path))
    assert _snapshot(tmp_path) == before
    assert report.api["methods"] and "tanh" in report.api["methods"]
    assert "tanh" in [c.id for c in report.failing()]
    assert report.diagnosis[0].break_id == "tanh-backward-uses-input"


def test_a_failing_check_prints_a_pasteable_example_that_shows_the_bug(tmp_path: Path) -> None:
    source = (ENGINES / "course_tensor.py").read_text()
    (tmp_path / "eng.py").write_text(
        source.replace("(unbroadcast(g, self.shape), unbroadcast(g, other.shape))", "(g, g)")
    )
    report = examine("eng.py:Tensor", cwd=str(tmp_path))
    check = next(c for c in report.failing() if c.id == "spec-(3,)+(4,3)-sum")
    assert "from eng import Tensor" in check.example
    assert "the sum over axes (0,) is missing" in check.example
    assert report.diagnosis[0].break_id == "skip-unbroadcast"
    assert "minigrad breaks show skip-unbroadcast" in report.render()
    script = "\n".join(line for line in check.example.splitlines() if not line.startswith("#"))
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    printed = out.stdout.splitlines()
    assert printed[0].startswith("[[") and len(printed) == 4  # a.grad printed with the (4, 3) shape of the bug


HOSTILE = {
    "endless loop in backward": (
        "def backward(self, grad=None):",
        "def backward(self, grad=None):\n        while True:\n            pass\n",
    ),
    "the process dies in exp": ("    def exp(self):\n", "    def exp(self):\n        import os\n        os._exit(3)\n"),
    "a print storm in add": (
        "    def __add__(self, other):\n",
        "    def __add__(self, other):\n        print('x' * 100_000)\n",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_code_becomes_a_finding_never_a_hang(tmp_path: Path, case: str) -> None:
    old, new = HOSTILE[case]
    source = (ENGINES / "course_tensor.py").read_text()
    assert source.count(old) == 1
    (tmp_path / "eng.py").write_text(source.replace(old, new))
    report = examine("eng.py:Tensor", cwd=str(tmp_path), limits={"deep-100000": 3.0, "default": 3.0})
    if case == "a print storm in add":
        assert report.ok  # printing is not a gradient bug, but it is a finding of the checks where it happened
        assert any(c.print_storm for c in report.checks)
        assert "print storm" in report.render()
        return
    assert not report.ok
    if "loop" in case:  # out of time everywhere: not measured, never failed, and never "ok"
        assert report.status == "not-examined" and report.counts["fail"] == 0
        assert report.counts["not measured"] > 0
        return
    errors = [f["message"] for c in report.failing() for f in c.findings if f["kind"] == "error"]
    assert any("exited with code 3" in str(e) for e in errors), errors


def test_an_unimportable_target_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "eng.py").write_text("raise ImportError('their bug')\n")
    with pytest.raises(TargetError, match="their bug"):
        examine("eng.py:Tensor", cwd=str(tmp_path))


@pytest.mark.parametrize(
    ("target", "message"),
    [("missing.py:Tensor", "missing.py: no such file"), ("eng.py", "expected module:Class or path/to/file.py:Class")],
)
def test_a_missing_file_or_a_target_without_a_class_is_named_before_any_child_runs(
    tmp_path: Path, target: str, message: str
) -> None:
    (tmp_path / "eng.py").write_text("class Tensor: pass\n")
    with pytest.raises(TargetError, match=message):
        examine(target, cwd=str(tmp_path))
    result = _cli(target, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minigrad.cli", "doctor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")},
    )


def test_cli_json_and_exit_codes(tmp_path: Path) -> None:
    shutil.copy(ENGINES / "scalar_value.py", tmp_path / "good.py")
    source = (ENGINES / "scalar_value.py").read_text()
    (tmp_path / "bad.py").write_text(source.replace("k * self.data ** (k - 1)", "k * self.data**k"))
    good = _cli("good.py:Value", "--json", cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["ok"] is True
    bad = _cli("bad.py:Value", "--json", cwd=tmp_path)
    assert bad.returncode == 1
    data = json.loads(bad.stdout)
    assert data["diagnosis"][0]["break_id"] == "pow-wrong-exponent"
    assert any(c["status"] == "fail" and c["example"] for c in data["checks"])


def test_cli_speaks_spanish(tmp_path: Path) -> None:
    source = (ENGINES / "scalar_value.py").read_text()
    (tmp_path / "bad.py").write_text(source.replace("(1 - t**2) * out.grad", "(1 - self.data**2) * out.grad"))
    out = _cli("bad.py:Value", "--lang", "es", cwd=tmp_path)
    assert out.returncode == 1
    text = out.stdout
    for word in ("Diagnóstico", "lo más probable", "esperado", "obtenido", "pruebas", "lee: minigrad breaks show"):
        assert word in text
    for word in ("Diagnosis", "most likely", "expected", "evidence", "Failing checks", "passed"):
        assert word not in text
    assert "valores distintos" in text or "igual a los números" in text


def test_an_adapter_file_names_what_the_probe_cannot_guess(tmp_path: Path) -> None:
    source = (ENGINES / "scalar_value.py").read_text()
    (tmp_path / "eng.py").write_text(source.replace("def exp(self):", "def expo(self):"))
    (tmp_path / "adapter.py").write_text('OPS = {"exp": lambda v: v.expo()}\n')
    without = examine("eng.py:Value", cwd=str(tmp_path))
    assert next(c for c in without.checks if c.id == "exp").status == "not present"
    with_adapter = examine("eng.py:Value", cwd=str(tmp_path), adapter=str(tmp_path / "adapter.py"))
    assert next(c for c in with_adapter.checks if c.id == "exp").status == "pass"
    assert with_adapter.api["overrides"] == ["exp"]


def test_an_engine_with_two_bugs_shows_both_and_ranks_one_of_them_in_the_top_three(tmp_path: Path) -> None:
    source = (ENGINES / "function_style.py").read_text()
    source = source.replace("sum_to(-gy, b.shape)", "sum_to(gy, b.shape)")  # sub backward sign
    source = source.replace("funcs.sort(key=lambda fn: fn.generation)\n", "")  # no topological order
    (tmp_path / "eng.py").write_text(source)
    report = examine("eng.py:Variable", cwd=str(tmp_path), limits={"deep-100000": 4.0})
    failing = {c.id for c in report.failing()}
    assert "sub(3,)(4,3)" in failing and "topological-order" in failing
    top = [c.break_id for c in report.diagnosis[:3]]
    assert {"sub-backward-sign", "no-topological-order"} & set(top), top


def test_a_walk_that_marks_nodes_when_it_emits_them_is_caught_by_its_time_alone(tmp_path: Path) -> None:
    # Every gradient stays right (the order is still a valid post-order), but a node is expanded once per path:
    # only the ratio of backward's times at 16 and at 10 squarings shows it (2**6 = 64 for this walk; the clean
    # engine passes the same check in test_a_correct_engine_gets_no_failing_check_and_no_diagnosis).
    source = (ENGINES / "scalar_value.py").read_text()
    marks_on_entry = (
        "            if expanded:\n"
        "                topo.append(node)\n"
        "            elif node not in visited:\n"
        "                visited.add(node)\n"
        "                stack.append((node, True))\n"
    )
    marks_on_emit = (
        "            if expanded:\n"
        "                if node not in visited:\n"
        "                    visited.add(node)\n"
        "                    topo.append(node)\n"
        "            else:\n"
        "                stack.append((node, True))\n"
    )
    assert source.count(marks_on_entry) == 1
    (tmp_path / "eng.py").write_text(source.replace(marks_on_entry, marks_on_emit))
    report = examine("eng.py:Value", cwd=str(tmp_path))
    failing = {c.id: c for c in report.failing()}
    assert list(failing) == ["y = y * y, 16 times"], list(failing)
    (finding,) = failing["y = y * y, 16 times"].findings
    assert finding["kind"] == "slow" and finding["got"] > 3 * finding["expected"], finding
    assert report.diagnosis[0].break_id == "exponential-walk"


@pytest.mark.parametrize(
    ("engine", "cls", "walk", "expected"),
    [
        ("scalar_value.py", "Value", "        for node in reversed(topo):\n", "value-topo-not-reversed"),
        ("micro_tensor.py", "Tensor", "        for node in reversed(topo):\n", "tensor-topo-not-reversed"),
    ],
)
def test_a_walk_run_leaves_first_is_told_from_a_root_never_seeded(
    tmp_path: Path, engine: str, cls: str, walk: str, expected: str
) -> None:
    # ``for node in topo`` without ``reversed``: every gradient 0 except where the leaf feeds the root, which the
    # one-op check sees right; a root never seeded gives 0 there too.
    source = (ENGINES / engine).read_text()
    assert source.count(walk) == 1
    (tmp_path / "eng.py").write_text(source.replace(walk, walk.replace("reversed(", "(")))
    report = examine(f"eng.py:{cls}", cwd=str(tmp_path))
    statuses = {c.id: c.status for c in report.checks}
    assert statuses["one op from the leaf to the root"] == "pass"
    assert sum(s == "fail" for s in statuses.values()) > sum(s == "pass" for s in statuses.values())
    assert report.diagnosis[0].break_id == expected, [c.break_id for c in report.diagnosis]

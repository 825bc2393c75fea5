"""The doctor's engine discovery, driving and robustness (issue 15, causes 1, 2, 9, 10, 12).

Fixture engines live in tests/doctor_fixtures/ (each written for these tests).  The drive tests run the checks in
this process (milliseconds each) and compare with minigrad's float64 reference through the doctor's own outcome;
the end-to-end tests run the CLI in fresh interpreters, with small time limits.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from minigrad.doctor import adapter, checks, examine
from minigrad.doctor.child import run_check
from minigrad.doctor.fingerprints import load
from minigrad.doctor.outcome import outcome
from minigrad.doctor.report import EXIT_CODES, Report, group_line
from minigrad.doctor.runner import TargetError
from minigrad.messages import current_lang, using_lang

FIXTURES = Path(__file__).parent / "doctor_fixtures"
SRC = Path(__file__).parents[1] / "src"
FAST_LIMITS = {"import": 5.0, "probe": 5.0, "speed": 3.0, "default": 5.0, "deep-100000": 5.0}


def _module(name: str) -> types.ModuleType:
    sys.path.insert(0, str(FIXTURES))
    try:
        spec = importlib.util.spec_from_file_location(f"doctor_fixture_{name}", FIXTURES / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(FIXTURES))


def _drive(name: str, target: str) -> tuple[adapter.Engine, dict[str, str]]:
    """Every check but the 100,000-op chain, in this process: check id -> pass/fail/notpresent."""
    module = _module(name)
    engine = adapter.Engine(getattr(module, target), module, target)
    reference = load()["scalar" if engine.api["scalar"] else "tensor"]["reference"]
    statuses = {}
    for spec in checks.checks_for(bool(engine.api["scalar"])):
        if spec.group == "deep-100000":
            continue
        raw = run_check(adapter, engine, spec, 0)
        expected = reference.get(spec.id)
        if expected is not None:
            expected = {
                k: np.asarray(v, float) if isinstance(v, list | float | int) else v for k, v in expected.items()
            }
        statuses[spec.id] = outcome(spec, raw, expected)["status"]
    return engine, statuses


# ---------------------------------------------------------------- cause 1: tensor or scalar, by behaviour


class ArrayKeepingValue:
    """A micrograd Value that keeps whatever it is given (arrays too), with math.exp: a scalar engine."""

    def __init__(self, data: Any) -> None:
        self.data, self.grad = data, 0.0

    def exp(self) -> ArrayKeepingValue:
        import math

        return ArrayKeepingValue(math.exp(self.data))


class SumlessTensor:
    """A tensor engine without any sum, whose exp works on arrays: a tensor engine all the same."""

    def __init__(self, data: Any) -> None:
        self.data, self.grad = np.asarray(data, dtype=float), None

    def exp(self) -> SumlessTensor:
        return SumlessTensor(np.exp(self.data))


@pytest.mark.parametrize(
    ("cls", "scalar"), [(ArrayKeepingValue, True), (SumlessTensor, False)], ids=["value-keeps-arrays", "no-sum"]
)
def test_tensor_or_scalar_is_decided_by_what_the_engine_does_with_array_data(cls: type, scalar: bool) -> None:
    engine = adapter.Engine(cls, sys.modules[__name__], cls.__name__)
    assert engine.api["scalar"] is scalar


class HelperTensor:
    """A tensor class whose module also holds NumPy helpers named like ops (``sigmoid`` below)."""

    def __init__(self, data: Any) -> None:
        self.data, self.grad = np.asarray(data, dtype=float), None

    def tanh(self) -> HelperTensor:
        return HelperTensor(np.tanh(self.data))


def sigmoid(x: Any) -> Any:
    """A NumPy helper (arrays in, arrays out), as learners keep beside their class: not the engine's op."""
    return 1 / (1 + np.exp(-x))


def test_a_numpy_helper_named_like_an_op_is_not_taken_for_the_op() -> None:
    engine = adapter.Engine(HelperTensor, sys.modules[__name__], "HelperTensor")
    assert engine.api["helpers"] == ["sigmoid"] and not engine.api["scalar"]
    with pytest.raises(adapter.NotPresentError):
        engine.call("sigmoid", engine.leaf(np.array([1.0, 2.0])))


def test_tensor_and_scalar_can_be_forced() -> None:
    engine = adapter.Engine(SumlessTensor, sys.modules[__name__], "SumlessTensor", scalar=True)
    assert engine.api["scalar"] is True


# ---------------------------------------------------------------- cause 2: the engine families


FAMILIES = [
    # fixture, target, checks that must run and pass (each uses the family's own spelling of the op)
    ("functional", "variable", ["x*x", "diamond", "exp", "tanh", "c - x", "x / c", "deep-chain-1000"]),
    ("dezero_style", "Variable", ["add(3,)(4,3)", "mul(2,1,3)(4,1)", "exp", "tanh", "diamond", "pow3", "pow-1"]),
    ("operation_gradfn", "Tensor", ["add(3,1)(3,5)", "mul(4,3)(3,)", "exp", "tanh", "topological-order"]),
    ("subclass_per_op", "Tensor", ["add(1,3)(4,1)", "mul(3,)(4,3)", "exp", "tanh", "x*x", "x+x"]),
]


@pytest.mark.parametrize(("name", "target", "passing"), FAMILIES, ids=[f[0] for f in FAMILIES])
def test_each_family_of_engine_is_driven_and_its_gradients_match_the_reference(
    name: str, target: str, passing: list[str]
) -> None:
    _, statuses = _drive(name, target)
    assert {c: statuses[c] for c in passing} == dict.fromkeys(passing, "pass")
    assert not [c for c, s in statuses.items() if s == "fail"]  # correct engines: nothing fails
    assert sum(s in ("pass", "fail") for s in statuses.values()) >= 8


class SeededTensor:
    """``backward(grad)`` with no default (the caller passes the root's gradient); only ``*`` and ``sum``."""

    def __init__(self, data: Any, parents: tuple[Any, ...] = (), rule: Any = None) -> None:
        self.data, self.grad, self.parents, self.rule = np.asarray(data, dtype=float), None, parents, rule

    def __mul__(self, other: Any) -> SeededTensor:
        other = other if isinstance(other, SeededTensor) else SeededTensor(other)
        return SeededTensor(self.data * other.data, (self, other), lambda g: (g * other.data, g * self.data))

    def sum(self) -> SeededTensor:
        return SeededTensor(self.data.sum(), (self,), lambda g: (np.broadcast_to(g, self.data.shape),))

    def backward(self, grad: Any) -> None:
        self.grad = grad if self.grad is None else self.grad + grad
        if self.rule is not None:
            for parent, g in zip(self.parents, self.rule(grad), strict=True):
                parent.backward(g)


def test_a_backward_that_needs_the_roots_gradient_gets_ones() -> None:
    engine = adapter.Engine(SeededTensor, sys.modules[__name__], "SeededTensor")
    assert engine.api["backward_seed"] and not engine.api["scalar"]
    x = engine.leaf(np.array([1.0, -2.0, 3.0]), exact=True, label="x")
    engine.backward(engine.call("sum", engine.binop("*", x, x)))
    np.testing.assert_array_equal(engine.grad(x), [2.0, -4.0, 6.0])  # d(sum x^2)/dx = 2x
    assert engine.lines[-1] == "t2.backward(np.ones_like(t2.data))"


def test_a_functional_api_records_its_own_spelling_in_the_example() -> None:
    engine, _ = _drive("functional", "variable")
    spec = next(s for s in checks.checks_for(True) if s.id == "x*u - u / (x + 0.5)")
    lines = run_check(adapter, engine, spec, 0)["lines"]
    assert lines[0].startswith("x = variable(") and any(line.startswith("t2 = mul(x, u)") for line in lines)
    assert lines[-1].startswith("backward(t")  # the module-level backward, spelled as the learner calls it
    assert "from doctor_fixture_functional import" in engine.example_header()[1]


def test_op_classes_are_called_the_way_each_family_calls_them() -> None:
    shown = {}
    for name, target in (("dezero_style", "Variable"), ("operation_gradfn", "Tensor"), ("subclass_per_op", "Tensor")):
        module = _module(name)
        engine = adapter.Engine(getattr(module, target), module, target)
        x = engine.leaf(np.array([0.5, 1.0]), label="x")
        engine.call("exp", x)
        shown[name] = engine.lines[-1]
    # DeZero: a module-level function; Operation classes: Exp.apply(x); one subclass per op: Exp(x).
    assert shown == {
        "dezero_style": "t1 = exp(x)",
        "operation_gradfn": "t1 = Exp.apply(x)",
        "subclass_per_op": "t1 = Exp(x)",
    }


def test_a_grad_kept_as_an_engine_object_is_unwrapped_and_a_constant_has_no_gradient() -> None:
    module = _module("dezero_style")
    engine = adapter.Engine(module.Variable, module, "Variable")
    x = engine.leaf(np.array([1.0, 2.0, 3.0]), exact=True)
    engine.backward(engine.call("sum", engine.binop("*", x, x)))
    assert isinstance(x.grad, module.Variable)  # the engine's own way
    np.testing.assert_array_equal(engine.grad(x), [2.0, 4.0, 6.0])  # d(sum x^2)/dx = 2x
    module = _module("operation_gradfn")
    engine = adapter.Engine(module.Tensor, module, "Tensor")
    c = engine.const(np.array([1.0, 2.0]))
    x = engine.leaf(np.array([3.0, 4.0]), exact=True)
    engine.backward(engine.call("sum", engine.binop("*", x, c)))
    assert engine.grad(c) is None and engine.lines[0].endswith("requires_grad=False)")
    np.testing.assert_array_equal(engine.grad(x), [1.0, 2.0])


def test_progress_speaks_the_callers_language_from_the_worker_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    # The runner's worker threads would start in the default language (en); the caller chose Spanish in code,
    # not through MINIGRAD_LANG, so only a thread that runs in a copy of the caller's context speaks it.
    heard: list[tuple[str, str]] = []
    monkeypatch.delenv("MINIGRAD_LANG", raising=False)
    with using_lang("es"):
        examine(
            "tiny_value.py:Value",
            cwd=str(FIXTURES),
            limits={"deep-100000": 0.01},
            progress=lambda g, r: heard.append((current_lang(), group_line(g, r))),
        )
    assert heard and {lang for lang, _ in heard} == {"es"}, heard
    assert any(" pasan" in line or " pasa" in line for _, line in heard), heard


def test_too_few_checks_is_not_examined_with_the_adapter_lines_to_write() -> None:
    report = examine("unusual_backward.py:variable", cwd=str(FIXTURES), limits=FAST_LIMITS)
    assert report.status == "not-examined" and report.exit_code == EXIT_CODES["not-examined"] == 3
    assert not report.ok
    data = json.loads(report.to_json())
    assert data["status"] == "not-examined" and data["counts"]["pass"] == 0
    assert "backward = lambda y: ...  # runs backward from y (a scalar)" in data["adapter_lines"]
    text = report.render()
    assert "not examined: only 0 of" in text and "--adapter adapter.py" in text
    with using_lang("es"):
        assert "sin examinar: solo 0 de" in report.render()


# ---------------------------------------------------------------- cause 12: refusals, in the learner's words


def _cli(*args: str, cwd: Path = FIXTURES, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minigrad.cli", "doctor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC), **(env or {})},
        timeout=120,
    )


def test_a_typo_in_the_class_name_is_named_with_the_close_match() -> None:
    out = _cli("typo.py:Tensr")
    assert out.returncode == 2
    assert "typo.py defines no Tensr; did you mean Tensor?" in out.stderr and "Traceback" not in out.stderr


def test_a_constructor_that_refuses_arrays_says_which_call_failed_and_the_fix() -> None:
    with pytest.raises(TargetError) as caught:
        examine("needs_make.py:Tensor", cwd=str(FIXTURES), limits=FAST_LIMITS)
    text = str(caught.value)
    assert "Tensor(np.array([1., 2.])) failed" in text and "pass --adapter with make=" in text
    assert "_minigrad_doctor" not in text and "adapter.py" not in text  # none of the doctor's own frames


def test_an_import_error_shows_the_learners_frames_only(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("def load():\n    raise ValueError('their bug')\n")
    (tmp_path / "eng.py").write_text("import helper\nhelper.load()\n")
    with pytest.raises(TargetError) as caught:
        examine("eng.py:Tensor", cwd=str(tmp_path), limits=FAST_LIMITS)
    text = str(caught.value)
    assert 'helper.py", line 2, in load' in text and "ValueError: their bug" in text
    assert "child.py" not in text and "importlib" not in text


def test_a_missing_cwd_is_refused_before_any_work() -> None:
    started = time.perf_counter()
    out = _cli("eng.py:Tensor", "--cwd", "/no/such/folder", "--json")
    assert out.returncode == 2
    data = json.loads(out.stdout)
    assert data["status"] == "error" and data["error"]["key"] == "no_cwd"
    assert "--cwd /no/such/folder: no such folder" in data["error"]["message"]
    assert time.perf_counter() - started < 10


# ---------------------------------------------------------------- cause 10: JSON and exit codes


@pytest.mark.slow
def test_json_of_a_refusal_has_the_same_machine_fields_in_both_languages() -> None:
    en, es = (json.loads(_cli("typo.py:Tensr", "--json", "--lang", lang).stdout) for lang in ("en", "es"))
    machine = ("schema_version", "status", "exit_code", "target", "counts")
    assert {k: en[k] for k in machine} == {k: es[k] for k in machine}
    assert en["status"] == "error" and en["exit_code"] == 2 and en["schema_version"] >= 2
    assert en["error"]["key"] == es["error"]["key"] == "no_class"
    assert en["error"]["fields"] == es["error"]["fields"] and en["error"]["fields"]["close"] == "Tensor"
    assert en["error"]["message"] == "typo.py defines no Tensr; did you mean Tensor?"
    assert es["error"]["message"] == "typo.py no define Tensr; ¿querías decir Tensor?"


def test_report_status_follows_the_checks() -> None:
    from minigrad.doctor.report import CheckResult

    def report(*statuses: str) -> Report:
        return Report("t", True, {}, [CheckResult(str(i), "g", s) for i, s in enumerate(statuses)], [], 0.0)

    assert report(*["pass"] * 8).status == "ok"
    assert report(*["pass"] * 7, "not measured", "not present").status == "not-examined"
    assert report("fail", *["pass"] * 9).status == "bugs-found"
    assert report(*["pass"] * 8, "not measured").to_dict()["counts"] == {
        "pass": 8,
        "fail": 0,
        "not present": 0,
        "not measured": 1,
    }


def test_bad_arguments_with_json_still_print_json() -> None:
    out = _cli("--json", "--lang", "fr", "eng.py:Tensor")
    assert out.returncode == 2
    data = json.loads(out.stdout)
    assert data["status"] == "error" and data["error"]["key"] == "usage" and "--lang" in data["error"]["message"]


def test_help_documents_the_exit_codes() -> None:
    out = _cli("--help")
    text = " ".join(out.stdout.split())
    for code in ("0 ok", "1 bugs found", "3 not examined", "2 error"):
        assert code in text
    assert "--tensor" in text and "--scalar" in text


# ---------------------------------------------------------------- cause 9: time limits


def test_a_slow_top_level_is_an_import_time_out_that_says_so() -> None:
    with pytest.raises(TargetError) as caught:
        examine("hostile_slow_import.py:Value", cwd=str(FIXTURES), limits={**FAST_LIMITS, "import": 1.0})
    text = str(caught.value)
    assert caught.value.key == "import_slow"
    assert "importing your module took more than 1 s" in text and "endless loop" not in text
    assert "no import was slow" in text


@pytest.mark.slow
def test_a_slow_dependency_is_named() -> None:
    out = _cli("hostile_slow_dependency.py:Value", "--import-limit", "1", "--lang", "es")
    assert out.returncode == 2
    assert "importar tu módulo tardó más de 1 s (la importación más lenta: slow_dependency, aún en curso)" in out.stderr


def test_the_child_keeps_pythonpath(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "their_helpers.py").write_text("raise ValueError('found through PYTHONPATH')\n")
    (tmp_path / "eng.py").write_text("import their_helpers\n")
    with pytest.raises(TargetError, match="found through PYTHONPATH"):
        os.environ["PYTHONPATH"] = f"{lib}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
        try:
            examine("eng.py:Tensor", cwd=str(tmp_path), limits=FAST_LIMITS)
        finally:
            os.environ["PYTHONPATH"] = os.environ["PYTHONPATH"].split(os.pathsep, 1)[1]


@pytest.mark.slow
def test_a_check_out_of_time_is_not_measured_never_failed() -> None:
    report = examine("tiny_value.py:Value", cwd=str(FIXTURES), limits={"deep-100000": 0.01})
    chain = next(c for c in report.checks if c.id == "deep-chain-100000")
    assert chain.status == "not measured" and chain.info["seconds_per_op"] > 0
    assert "µs per op" in report.render()
    with using_lang("es"):
        assert "µs por operación" in report.render()
    assert report.status == "ok" and report.counts["fail"] == 0 and report.counts["not measured"] == 1


# ---------------------------------------------------------------- cause 12: hostile code


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return "\nState:\tZ" in f.read()  # a zombie is dead, waiting for its parent to read its status
    except FileNotFoundError:
        return True


@pytest.mark.parametrize(
    ("fixture", "en", "es"),
    [
        ("hostile_exit", "your backward() exited with code 3", "tu backward() terminó el proceso con el código 3"),
        (
            "hostile_segv",
            "your backward() crashed: signal 11, segmentation fault",
            "tu backward() se cayó: señal 11, fallo de segmentación",
        ),
        ("hostile_sys_exit", "your backward() called sys.exit(3)", "tu backward() llamó a sys.exit(3)"),
        ("hostile_interrupt", "your backward() raised KeyboardInterrupt", "tu backward() lanzó KeyboardInterrupt"),
    ],
)
@pytest.mark.slow
def test_a_backward_that_ends_the_process_is_reported_as_such(fixture: str, en: str, es: str) -> None:
    signatures = []
    for lang, text in (("en", en), ("es", es)):
        with using_lang(lang):
            report = examine(f"{fixture}.py:Value", cwd=str(FIXTURES), limits=FAST_LIMITS)
        errors = [str(f["message"]) for c in report.failing() for f in c.findings]
        assert any(text in e for e in errors), errors
        assert report.diagnosis == []  # no check produced a gradient: nothing to diagnose
        assert report.status == "bugs-found" and report.counts["pass"] == 0
        signatures.append(sorted((c.id, f["kind"], str(f.get("error"))) for c in report.failing() for f in c.findings))
    assert signatures[0] == signatures[1]  # machine fields do not follow --lang


def test_a_forked_worker_and_a_subprocess_die_with_the_child(tmp_path: Path) -> None:
    pids_file = tmp_path / "pids"
    os.environ["DOCTOR_PIDS"] = str(pids_file)
    try:
        examine("hostile_fork.py:Value", cwd=str(FIXTURES), limits={**FAST_LIMITS, "deep-100000": 0.01})
    finally:
        del os.environ["DOCTOR_PIDS"]
    pids = [int(p) for p in pids_file.read_text().split()]
    assert len(pids) >= 4  # a worker and a sleeper from each child
    deadline = time.time() + 2
    while time.time() < deadline and not all(_gone(p) for p in pids):
        time.sleep(0.05)
    assert [p for p in pids if not _gone(p)] == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_sent_to_the_doctor_alone_stops_it_at_once_and_kills_its_children(signum: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "minigrad.cli", "doctor", "hostile_slow_import.py:Value", "--json"],
        cwd=FIXTURES,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    children: list[int] = []
    deadline = time.time() + 20
    while time.time() < deadline and len(children) < 2:  # both children started (importing, asleep)
        time.sleep(0.1)
        found = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        children = [int(p) for p in found]
    assert len(children) == 2
    started = time.perf_counter()
    os.kill(proc.pid, signum)  # to the doctor's pid only, not its process group
    out, err = proc.communicate(timeout=10)
    assert time.perf_counter() - started < 3
    assert proc.returncode == 130 and "interrupted" in err
    assert json.loads(out)["status"] == "error"
    time.sleep(0.2)
    assert [p for p in children if not _gone(p)] == []


def test_a_child_gets_a_memory_limit() -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from minigrad.doctor.child import _limit_memory\n"
        "_limit_memory(2**30)\n"
        "try:\n    bytearray(2 * 2**30)\nexcept MemoryError:\n    print('refused')\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(SRC)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "refused", out.stderr


@pytest.mark.slow
def test_a_backward_that_asks_for_16_gib_meets_the_memory_limit() -> None:
    report = examine("hostile_memory.py:Value", cwd=str(FIXTURES), limits=FAST_LIMITS)
    errors = {str(f["message"]).split(":")[0] for c in report.failing() for f in c.findings}
    assert errors == {"MemoryError"}


@pytest.mark.slow
def test_a_thread_their_module_leaves_running_does_not_hold_the_child() -> None:
    report = examine("hostile_thread.py:Value", cwd=str(FIXTURES), limits={**FAST_LIMITS, "deep-100000": 30.0})
    assert report.status == "ok" and report.counts["not measured"] == 0

"""The doctor probes every op of one tensor that minigrad's op registry declares, on inputs from its domain.

The registry (minigrad.ops.registry) is the one place an op is declared; the doctor's op list and input
ranges are read from it, in the parent and (sent by the parent) in the learner's child process.
"""

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from minigrad import tensor
from minigrad.doctor import adapter, checks
from minigrad.ops.registry import op_table

ROOT = Path(__file__).resolve().parents[1]


def _registry() -> dict[str, tuple[float, float]]:
    return {
        row["name"]: (float(row["domain"][0]), float(row["domain"][1])) for row in op_table() if row["one_definition"]
    }


def test_an_op_with_two_right_definitions_is_not_probed() -> None:
    # GELU: exact (PyTorch's default) or the tanh approximation (GPT-2, minGPT): up to 4.7e-4 apart on [-3, 3]
    rows = {row["name"]: row for row in op_table()}
    assert rows["gelu"]["one_definition"] is False
    assert "gelu" not in adapter.UNARY_OPS
    assert all(s.id != "gelu" for s in (*checks.TENSOR, *checks.SCALAR))


def test_every_registry_op_of_one_tensor_has_a_check_for_each_kind_of_engine() -> None:
    table = _registry()
    assert table and adapter.UNARY_OPS == table
    for specs in (checks.TENSOR, checks.SCALAR):
        assert set(table) <= {s.id for s in specs if s.group == "ops"}


class _Recording(adapter.Engine):
    """minigrad's Tensor driven by the doctor, remembering the values of the leaves a check makes."""

    def __init__(self, scalar: bool) -> None:
        super().__init__(tensor.Tensor, tensor, "Tensor", scalar)
        self.values: list[Any] = []

    def leaf(self, value: Any, requires_grad: bool = True, label: str | None = None, exact: bool = False) -> Any:
        self.values.append(np.asarray(value, dtype=float))
        return super().leaf(value, requires_grad, label, exact)


def test_each_op_s_check_draws_its_input_from_the_op_s_domain() -> None:
    for name, (low, high) in _registry().items():
        for scalar in (False, True):
            spec = next(s for s in checks.checks_for(scalar) if s.id == name)
            engine = _Recording(scalar)
            obs = spec.run(engine, np.random.default_rng(15))
            x = engine.values[0]
            assert np.all((low <= x) & (x <= high)), (name, scalar, x, (low, high))
            assert "x.grad" in obs  # the op ran on minigrad and produced a gradient


def test_one_declaration_adds_an_op_to_the_doctor_and_to_its_child() -> None:
    # A fresh interpreter declares a new op, then loads the doctor, and the child's private copy of it.
    script = """
import numpy as np
from minigrad.ops.registry import unary
unary("cube", forward=lambda x: x**3, backward=lambda g, x, out: 3 * x**2 * g, domain=(-1.5, 1.5), saves="input")
from minigrad.doctor import adapter, checks
from minigrad.doctor.child import _doctor_modules
assert adapter.UNARY_OPS["cube"] == (-1.5, 1.5), adapter.UNARY_OPS
assert "cube" in {s.id for s in checks.TENSOR} and "cube" in {s.id for s in checks.SCALAR}
child_adapter, child_checks = _doctor_modules(adapter.UNARY_OPS)  # as the child loads them: no minigrad there
assert child_adapter.__name__ == "_minigrad_doctor.adapter"
assert child_adapter.UNARY_OPS == adapter.UNARY_OPS
assert "cube" in {s.id for s in child_checks.TENSOR}
print("ok")
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]

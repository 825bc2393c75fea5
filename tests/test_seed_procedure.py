"""The spec's run procedure (shared/seed/break-skip-unbroadcast.txt), verbatim, as a test.

It runs in a fresh interpreter from the repository root, exactly as the spec
says (``from src.minigrad.tensor import Tensor``), and its printed values are
compared with the hand-derived answers the spec gives.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from minigrad import Tensor

ROOT = Path(__file__).resolve().parents[1]

# The procedure's Python, copied from the spec without change.
SPEC_PROCEDURE = """
import numpy as np
from src.minigrad.tensor import Tensor

# --- Regime 1: dimension-creation broadcast (3,) + (4, 3) ---
a = Tensor(np.array([1., 2., 3.]), requires_grad=True)       # shape (3,)
b = Tensor(np.array([[10.,20.,30.],[40.,50.,60.],[70.,80.,90.],[100.,110.,120.]]), requires_grad=True)  # (4, 3)
c = a + b                                                     # (4, 3)
loss = c.sum()
loss.backward()
print('--- Regime 1 ---')
print(f'a.grad.shape = {a.grad.shape}  expected (3,)')
print(f'a.grad       = {a.grad}        expected [4., 4., 4.]')
print(f'b.grad.shape = {b.grad.shape}  expected (4, 3)')

# --- Regime 2: length-1 axis broadcast (3, 1) + (3, 5) ---
a2 = Tensor(np.array([[1.],[2.],[3.]]), requires_grad=True)   # (3, 1)
b2 = Tensor(np.ones((3, 5)), requires_grad=True)              # (3, 5)
c2 = a2 + b2                                                  # (3, 5)
loss2 = c2.sum()
loss2.backward()
print('--- Regime 2 ---')
print(f'a2.grad.shape = {a2.grad.shape}  expected (3, 1)')
print(f'a2.grad       = {a2.grad.ravel()}  expected [5., 5., 5.]')
"""


def run_procedure(extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MINIGRAD_BREAK"}
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-c", SPEC_PROCEDURE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_spec_procedure_prints_the_expected_values_from_the_repository_root() -> None:
    proc = run_procedure()
    assert proc.returncode == 0, proc.stderr
    lines = [line.split("expected")[0].strip() for line in proc.stdout.splitlines()]
    assert lines == [
        "--- Regime 1 ---",
        "a.grad.shape = (3,)",
        "a.grad       = [4. 4. 4.]",
        "b.grad.shape = (4, 3)",
        "--- Regime 2 ---",
        "a2.grad.shape = (3, 1)",
        "a2.grad       = [5. 5. 5.]",
    ]


def test_spec_procedure_under_minigrad_break_shows_the_failure_naming_add() -> None:
    proc = run_procedure({"MINIGRAD_BREAK": "skip-unbroadcast"})
    assert proc.returncode != 0
    assert "MINIGRAD_BREAK switched on break(s): skip-unbroadcast" in proc.stderr
    assert "GradShapeError: add: gradient for input 0 has shape (4, 3) but the input has shape (3,)" in proc.stderr
    assert "sum over axis 0 (unbroadcast)" in proc.stderr
    assert "--- Regime 1 ---" not in proc.stdout  # it fails at the first backward, before printing


def test_spec_regime_2_with_a_non_uniform_loss_matches_the_analytic_gradient() -> None:
    # The spec's "flip the loss": d/da2[i] sum_j (a2[i] + b2[i, j]) * w[i, j] = sum_j w[i, j].
    w = np.arange(15).reshape(3, 5).astype(np.float64)
    a2 = Tensor(np.array([[1.0], [2.0], [3.0]]), requires_grad=True)
    b2 = Tensor(np.ones((3, 5)), requires_grad=True)
    ((a2 + b2) * Tensor(w)).sum().backward()
    assert a2.grad is not None and b2.grad is not None
    np.testing.assert_array_equal(a2.grad, [[10.0], [35.0], [60.0]])
    np.testing.assert_array_equal(b2.grad, w)

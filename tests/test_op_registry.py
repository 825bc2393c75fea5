"""The op registry: one declaration per elementwise op generates the op, the Tensor method, F and the op table.

Every declared op is cross-checked against PyTorch float64 (forward and
gradient, random non-uniform upstream gradient, 1e-7) and against central
finite differences, on inputs drawn from the domain its declaration names.
"""

from __future__ import annotations

import ast
import inspect
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch
from oracles import check_against_torch, check_gradients_numerically, rng_for

import minigrad.functional as F
import minigrad.tensor
from minigrad import Tensor
from minigrad.diagnostics.namespaces import MinigradFunctions, TorchFunctions
from minigrad.ops import elementwise
from minigrad.ops.registry import UNARY_OPS, op_table, unary

NAMES = sorted(UNARY_OPS)


def _torch_fn(torch_name: str):  # type: ignore[no-untyped-def]
    fn = torch
    for part in torch_name.split("."):
        fn = getattr(fn, part)
    return fn


def _inputs(name: str, shape: tuple[int, ...]) -> np.ndarray:
    low, high = UNARY_OPS[name].domain
    x = rng_for(f"registry-{name}-{shape}").uniform(low, high, size=shape)
    if name in ("abs", "relu"):  # keep away from the kink at 0, where finite differences straddle it
        x = np.where(np.abs(x) < 0.05, 0.5, x)
    return x


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("name", NAMES)
def test_every_declared_op_matches_torch_and_finite_differences(name: str, shape: tuple[int, ...]) -> None:
    spec = UNARY_OPS[name]
    op = getattr(elementwise, name)
    x = _inputs(name, shape)
    check_against_torch(lambda t: op(t), lambda t: _torch_fn(spec.torch_name)(t), [x], seed=f"{name}{shape}")
    check_gradients_numerically(lambda t: op(t), [x], seed=f"{name}{shape}")


@pytest.mark.parametrize("name", NAMES)
def test_declaration_generates_method_functional_and_both_namespaces(name: str) -> None:
    x = _inputs(name, (4, 3))
    expected = _torch_fn(UNARY_OPS[name].torch_name)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(getattr(Tensor(x), name)().data, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(getattr(F, name)(Tensor(x)).data, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(getattr(MinigradFunctions(), name)(x).data, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(getattr(TorchFunctions(torch), name)(x).numpy(), expected, rtol=1e-12, atol=1e-12)
    assert name in F.__all__


def test_type_checker_signatures_list_exactly_the_declared_ops() -> None:
    """tensor.py's TYPE_CHECKING block (for mypy only) must name every declared op and nothing else."""
    source = inspect.getsource(minigrad.tensor)
    block = source[source.index("    if TYPE_CHECKING:\n") :].split("\n\n", 2)[1]
    declared = {line.split("def ")[1].split("(")[0] for line in block.splitlines() if "def " in line}
    assert declared == set(UNARY_OPS)


def test_op_table_is_data_the_doctor_can_read() -> None:
    rows = {row["name"]: row for row in op_table()}
    assert set(rows) == set(UNARY_OPS) | {"gelu"}  # gelu(x, approximate) is written by hand, listed all the same
    assert rows["gelu"]["torch_name"] == "nn.functional.gelu"
    assert rows["softplus"]["torch_name"] == "nn.functional.softplus"
    assert rows["log"]["domain"][0] > 0  # log's domain stays away from its pole
    for row in rows.values():
        low, high = row["domain"]
        assert low < high


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_declared_ops_keep_the_input_float_dtype(dtype: type) -> None:
    for name in NAMES:
        x = Tensor(_inputs(name, (3,)).astype(dtype), requires_grad=True)
        out = getattr(elementwise, name)(x)
        assert out.data.dtype == dtype, name
        out.backward(np.ones(3, dtype=dtype))
        assert x.grad is not None and x.grad.dtype == dtype, name


def test_integer_input_is_promoted_or_kept_as_pytorch_does() -> None:
    ints = Tensor(np.array([-2, 0, 3]))
    assert elementwise.exp(ints).data.dtype == np.float64  # torch.exp promotes
    assert elementwise.relu(ints).data.dtype == ints.data.dtype  # torch.relu keeps integers
    with pytest.raises(TypeError, match="relu: not defined for a boolean tensor"):
        elementwise.relu(Tensor(np.array([True, False])))


def test_softplus_does_not_overflow_at_large_inputs() -> None:
    x = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
    t = Tensor(x, requires_grad=True)
    out = elementwise.softplus(t)
    upstream = np.array([0.3, -1.2, 0.7, 2.0, -0.4])
    out.backward(upstream)
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.softplus(tx).backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, torch.nn.functional.softplus(torch.tensor(x)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_a_name_is_declared_once() -> None:
    for name in ("exp", "gelu"):
        with pytest.raises(ValueError, match=f"'{name}' is already declared"):
            unary(name, forward=np.exp, backward=lambda g, x, out: g * out, domain=(-1.0, 1.0), saves="output")


def test_import_minigrad_loads_neither_the_lab_nor_the_training_wing_nor_the_layers() -> None:
    """Layering: ``import minigrad`` is the engine, the ops and the checks; the rest loads on first use."""
    code = (
        "import sys, minigrad; loaded = sorted(m for m in sys.modules if m.startswith('minigrad.')); print(loaded); "
        "assert not [m for m in loaded if m.split('.')[1] in ('breaks', 'training', 'doctor', 'nn', 'optim')], loaded; "
        "assert minigrad.nn.Linear and minigrad.manual_seed(0) is not None"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("MINIGRAD_BREAK", "MINIGRAD_MYSTERY")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_attention_ops_import_nothing_from_the_layers() -> None:
    import minigrad.ops.attention as attention

    tree = ast.parse(pathlib.Path(attention.__file__).read_text())
    # level 2 is "from ..x import": a sibling package of ops (ops.nn, level 1, is the ops' own nn functions)
    outside = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 2]
    assert not [m for m in outside if m and m.split(".")[0] == "nn"], outside


@pytest.mark.parametrize("row", op_table(), ids=lambda row: row["name"])
def test_every_row_of_the_table_names_a_torch_function_that_agrees_on_its_domain(row: dict[str, object]) -> None:
    """What the doctor reads: each row's PyTorch name exists and computes minigrad's op on the row's domain."""
    low, high = row["domain"]  # type: ignore[misc]
    x = np.linspace(low, high, 13)
    ours = getattr(elementwise, str(row["name"]))(Tensor(x)).data
    theirs = _torch_fn(str(row["torch_name"]))(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_silu_at_extreme_inputs_matches_torch() -> None:
    x = np.array([-800.0, -40.0, -1e-3, 0.0, 2.5, 40.0, 800.0])
    upstream = np.array([0.3, -1.2, 0.7, 2.0, -0.4, 1.1, -0.9])
    t = Tensor(x, requires_grad=True)
    out = elementwise.silu(t)
    out.backward(upstream)
    tx = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.silu(tx)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(t.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_log1p_keeps_the_digits_that_log_of_one_plus_x_loses() -> None:
    # log(1 + x) = x - x**2/2 + ... : for x = 1e-12 the float64 sum 1 + x keeps only ~4 digits of x
    x = np.array([1e-12, -1e-10, 3e-9])
    t = Tensor(x, requires_grad=True)
    out = t.log1p()
    np.testing.assert_allclose(out.data, x - x**2 / 2, rtol=1e-14)
    g = np.array([0.3, -1.7, 2.2])
    out.backward(g)
    np.testing.assert_allclose(t.grad, g / (1 + x), rtol=1e-15)  # d log(1 + x) / dx = 1 / (1 + x)

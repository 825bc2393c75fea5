"""``crosscheck``: run one function in minigrad and in PyTorch and compare everything.

The function receives the framework's namespace ``F`` as its first argument,
then one tensor per array::

    crosscheck(lambda F, x, y: F.softmax(x @ y, dim=-1).sum(), a, b)

runs once with ``F`` = minigrad's functions on minigrad Tensors and once with
``F`` = the PyTorch equivalents on ``torch.float64`` tensors.  Operators
(``+ - * / ** @``, indexing) and the methods both frameworks share need no
``F``.  Both outputs are backpropagated with the same random non-uniform
upstream gradient ``w`` (an all-ones ``w`` hides bugs that permute or average
gradients), and the forward outputs and every input's gradient are compared
elementwise against ``|mine - torch| <= atol + rtol * |torch|``.

PyTorch is needed only here, imported when ``crosscheck`` is called.
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from ..messages import text
from ..tensor import Tensor
from .namespaces import MinigradFunctions, TorchFunctions

Array = npt.NDArray[Any]


def import_torch() -> ModuleType:
    """PyTorch, or an ImportError that says how to install it."""
    try:
        return importlib.import_module("torch")
    except ImportError as err:
        raise ImportError(
            "crosscheck needs PyTorch, which is an optional extra of minigrad: install it with "
            "`uv sync --extra torch` (or `pip install minigrad[torch]`)"
        ) from err


# --------------------------------------------------------------------------- results


class CrosscheckError(AssertionError):
    """minigrad and PyTorch disagree; ``.result`` holds the comparison."""

    def __init__(self, message: str, result: CrosscheckResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class Difference:
    """The comparison of one item: the forward output (``index`` None) or the gradient of input ``index``.

    ``max_abs``/``max_rel`` are over all elements; ``worst_index`` is the
    element that misses ``atol + rtol * |torch|`` by the widest margin (or
    comes closest), with both frameworks' values there.
    """

    item: str
    index: int | None
    shape: tuple[int, ...]
    ok: bool
    max_abs: float = 0.0
    max_rel: float = 0.0
    worst_index: tuple[int, ...] | None = None
    minigrad: float = math.nan
    torch: float = math.nan
    note: str = ""

    def describe(self) -> str:
        if self.worst_index is None:
            return f"{self.item}: {self.note}"
        line = text(
            "diagnostics.crosscheck.describe",
            item=self.item,
            max_abs=self.max_abs,
            max_rel=self.max_rel,
            worst=self.worst_index,
            minigrad=self.minigrad,
            torch=self.torch,
        )
        return line + (f" ({self.note})" if self.note else "")


@dataclass
class CrosscheckResult:
    """The verdict (``ok``), the forward comparison and one gradient comparison per float input."""

    ok: bool
    output: Difference
    gradients: list[Difference]
    atol: float
    rtol: float
    error: BaseException | None = None  # an exception from minigrad's backward(), which fails the check

    @property
    def items(self) -> list[Difference]:
        return [self.output, *self.gradients]

    @property
    def failures(self) -> list[Difference]:
        return [d for d in self.items if not d.ok]

    @property
    def message(self) -> str:
        """One line: the verdict and the worst item."""
        if self.error is not None:
            return text("diagnostics.crosscheck.raised", kind=type(self.error).__name__, error=self.error)
        if self.ok:
            worst = max(d.max_abs for d in self.items)
            return text("diagnostics.crosscheck.passed", count=len(self.gradients), worst=worst)
        failures = self.failures
        more = text("diagnostics.crosscheck.more", n=len(failures) - 1) if len(failures) > 1 else ""
        return text("diagnostics.crosscheck.failed", first=failures[0].describe(), more=more)

    def __str__(self) -> str:
        header = (*text("diagnostics.crosscheck.header").split("|"), "")
        fail = text("diagnostics.crosscheck.fail")
        rows = [header]
        for d in self.items:
            if d.worst_index is None:
                rows.append((d.item, str(d.shape), "-", "-", "-", "-", "-", f"{fail} {d.note}"))
                continue
            rows.append(
                (
                    d.item,
                    str(d.shape),
                    f"{d.max_abs:.3g}",
                    f"{d.max_rel:.3g}",
                    str(d.worst_index),
                    f"{d.minigrad:.8g}",
                    f"{d.torch:.8g}",
                    text("diagnostics.crosscheck.ok") if d.ok else fail + (f" {d.note}" if d.note else ""),
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
        lines = [text("diagnostics.crosscheck.title", atol=self.atol, rtol=self.rtol, message=self.message)]
        lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in rows]
        return "\n".join(line.rstrip() for line in lines)


def _compare(item: str, index: int | None, mine: Any, ref: Array, atol: float, rtol: float) -> Difference:
    ref = np.asarray(ref, dtype=np.float64)
    if mine is None:
        mine = np.zeros(ref.shape)
        missing = text("diagnostics.crosscheck.no_gradient")
    else:
        missing = ""
    mine = np.asarray(mine)
    if mine.shape != ref.shape:
        note = text("diagnostics.crosscheck.shapes", mine=mine.shape, ref=ref.shape)
        return Difference(item, index, ref.shape, False, math.inf, math.inf, note=note)
    mine = mine.astype(np.float64)
    diff = np.abs(mine - ref)
    both_nan = np.isnan(mine) & np.isnan(ref)
    diff = np.where(both_nan, 0.0, diff)
    tol = atol + rtol * np.abs(ref)
    bad = ~(diff <= tol)  # NaN in one side only fails
    rel = np.divide(diff, np.abs(ref), out=np.where(diff > 0, np.inf, 0.0), where=ref != 0)
    margin = np.where(np.isnan(diff), np.inf, diff - tol)
    flat = int(np.argmax(margin)) if margin.size else 0
    worst = tuple(int(i) for i in np.unravel_index(flat, ref.shape)) if ref.size else ()
    note = text("diagnostics.crosscheck.differ", bad=int(bad.sum()), size=bad.size) if bad.any() else ""
    if missing and bad.any():
        note = f"{missing}; {note}"
    return Difference(
        item,
        index,
        ref.shape,
        ok=not bool(bad.any()),
        max_abs=float(np.nanmax(np.where(np.isnan(diff), np.inf, diff))) if diff.size else 0.0,
        max_rel=float(np.max(np.where(np.isnan(rel), np.inf, rel))) if rel.size else 0.0,
        worst_index=worst,
        minigrad=float(mine.flat[flat]) if mine.size else 0.0,
        torch=float(ref.flat[flat]) if ref.size else 0.0,
        note=note,
    )


def _argument_names(fn: Callable[..., Any], count: int) -> list[str]:
    """The names of ``fn``'s parameters after ``F`` (``lambda F, x, y:`` gives x, y), else arg0, arg1..."""
    try:
        params = list(inspect.signature(fn).parameters.values())[1:]
    except (TypeError, ValueError):
        params = []
    names = []
    for i in range(count):
        p = params[i] if i < len(params) else None
        positional = p is not None and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        names.append(p.name if positional and p is not None else f"arg{i}")
    return names


def crosscheck(
    fn: Callable[..., Any],
    *arrays: Any,
    atol: float = 1e-7,
    rtol: float = 1e-7,
    seed: int = 0,
    upstream: Any = None,
    raise_exception: bool = True,
    names: Sequence[str] | None = None,
) -> CrosscheckResult:
    """Compare ``fn`` in minigrad and in PyTorch (float64): forward output and every input's gradient.

    ``fn(F, *tensors)`` always receives a namespace ``F`` first
    (:class:`MinigradFunctions` or :class:`TorchFunctions`: ``F.softmax``,
    ``F.cross_entropy``, ``F.sum(x, dim=...)``, ``F.maximum``, ``F.tensor``...,
    and ``F.name`` is ``"minigrad"`` or ``"torch"``), then one tensor per
    array.  Float arrays become float64 tensors that require grad; integer
    and boolean arrays become constants (e.g. class targets).  ``fn`` returns
    one tensor; it is backpropagated with ``upstream`` (an array of the
    output's shape) or, by default, a random non-uniform one drawn from
    ``seed``.  Inputs are named after ``fn``'s parameters (or ``names``).

    Returns a :class:`CrosscheckResult` (``.ok``, ``.output``, ``.gradients``,
    a one-line ``.message`` and a table as ``str(result)``).  On a mismatch,
    or when minigrad's backward raises, ``raise_exception=True`` raises
    :class:`CrosscheckError` (an ``AssertionError``) with that table.  Needs
    PyTorch: ``uv sync --extra torch`` or ``pip install minigrad[torch]``.

    >>> import numpy as np
    >>> a, b = np.random.default_rng(0).normal(size=(2, 3, 3))
    >>> crosscheck(lambda F, x, y: F.softmax(x @ y, dim=-1).sum(), a, b).ok
    True
    """
    torch = import_torch()
    if not arrays:
        raise ValueError("crosscheck: give at least one input array after fn")
    prepared = []
    for i, a in enumerate(arrays):
        array = np.asarray(a._data if isinstance(a, Tensor) else a)
        if array.dtype.kind not in "fiub":
            raise TypeError(f"crosscheck: input {i} has dtype {array.dtype}; give float, integer or boolean arrays")
        prepared.append(array.astype(np.float64) if array.dtype.kind == "f" else array.copy())
    labels = list(names) if names is not None else _argument_names(fn, len(prepared))
    if len(labels) != len(prepared):
        raise ValueError(f"crosscheck: {len(labels)} names for {len(prepared)} inputs")

    mine = []
    for array, label in zip(prepared, labels):
        t = Tensor(array, requires_grad=array.dtype.kind == "f")
        t.name = label
        mine.append(t)
    out = fn(MinigradFunctions(), *mine)
    if not isinstance(out, Tensor):
        raise TypeError(
            f"crosscheck: fn must return one minigrad Tensor when F.name == 'minigrad', got {type(out).__name__}"
        )
    w = _upstream(out.shape, upstream, seed)

    theirs = [torch.tensor(array, requires_grad=array.dtype.kind == "f") for array in prepared]
    ref_out = fn(TorchFunctions(torch), *theirs)
    if not torch.is_tensor(ref_out):
        raise TypeError(
            f"crosscheck: fn must return one torch tensor when F.name == 'torch', got {type(ref_out).__name__}"
        )
    output = _compare(text("diagnostics.crosscheck.output"), None, out.data, ref_out.detach().numpy(), atol, rtol)
    if output.shape != out.shape:  # no common upstream gradient exists: only the forward can be reported
        result = CrosscheckResult(False, output, [], atol, rtol)
        if raise_exception:
            raise CrosscheckError(str(result), result)
        return result
    if ref_out.requires_grad:
        ref_out.backward(torch.from_numpy(w))

    error: BaseException | None = None
    if out.requires_grad:
        try:
            out.backward(w)
        except Exception as exc:  # the engine refused a gradient: that is the finding, not a crash
            error = exc

    gradients = []
    for i, (t, r) in enumerate(zip(mine, theirs)):
        if not t.requires_grad:
            continue
        item = text("diagnostics.crosscheck.grad_of", index=i, name=f" ({t.name})" if t.name else "")
        if error is not None:
            note = text("diagnostics.crosscheck.not_compared", kind=type(error).__name__)
            gradients.append(Difference(item, i, t.shape, False, math.inf, math.inf, note=note))
            continue
        ref_grad = np.zeros(t.shape) if r.grad is None else r.grad.numpy()
        gradients.append(_compare(item, i, t.grad, ref_grad, atol, rtol))
    ok = error is None and output.ok and all(d.ok for d in gradients)
    result = CrosscheckResult(ok, output, gradients, atol, rtol, error)
    if not ok and raise_exception:
        raise CrosscheckError(str(result), result) from error
    return result


def _upstream(shape: tuple[int, ...], upstream: Any, seed: int) -> Array:
    if upstream is None:
        return np.asarray(np.random.default_rng(seed).standard_normal(shape))
    w = np.asarray(upstream._data if isinstance(upstream, Tensor) else upstream, dtype=np.float64)
    if w.shape != shape:
        raise ValueError(f"crosscheck: upstream has shape {w.shape} but fn's output has shape {shape}")
    return w

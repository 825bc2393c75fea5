"""``gradcheck``: compare what ``backward()`` computes with central finite differences.

For a function ``f`` of inputs ``x_1 .. x_k`` and a fixed upstream gradient
``w`` (1 for a scalar output, random and non-uniform otherwise), the checked
quantity is the scalar ``L(x) = sum(w * f(x))``, whose gradient is exactly
what one ``backward(w)`` writes into each input's ``.grad``.  Numerically,
for every element ``j`` of every checked input::

    dL/dx[j] ~ (L(x + eps e_j) - L(x - eps e_j)) / (2 eps)     error O(eps**2)

With ``fast=True`` only a few random unit directions ``v`` per input are
tried: ``v . grad`` against ``(L(x + eps v) - L(x - eps v)) / (2 eps)``.

Everything runs in float64: each input's array is swapped for a float64 copy
for the duration of the check and the original array object is put back
afterwards (even when ``fn`` raises), so the caller's tensors, their dtypes,
their ``.grad`` arrays and their version counters are left exactly as they
were.

Second derivatives: minigrad's backward rules are NumPy code, not graph
building ops, so ``backward()`` computes first-order gradients only and there
is no double backward to check.  :func:`gradgradcheck` exists to say so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..engine import enable_grad, missing_reduction, no_grad, topological_order
from ..messages import text
from ..scalar import Value
from ..tensor import Tensor

Array = npt.NDArray[Any]


class GradcheckError(AssertionError):
    """``backward()`` disagrees with finite differences; ``.report`` holds the details."""

    def __init__(self, message: str, report: GradcheckReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class InputCheck:
    """The verdict for one checked input.

    ``analytic`` and ``numeric`` are the two values at ``worst_index`` (the
    element that misses its tolerance by the widest margin, or comes closest
    to missing it when all pass), ``error`` is their difference and
    ``tolerance`` its bound there; in fast mode they are directional
    derivatives along the worst random direction and ``worst_index`` is None.
    ``target`` is the input object itself, so that a failure can be
    highlighted: ``minigrad.viz.to_dot(out, highlight=report.offenders)``.
    """

    index: int
    name: str
    shape: tuple[int, ...]
    ok: bool
    max_abs_error: float = 0.0
    worst_index: tuple[int, ...] | None = None
    analytic: float = math.nan
    numeric: float = math.nan
    error: float = math.nan
    tolerance: float = math.nan
    note: str = ""
    target: Any = field(default=None, repr=False)
    analytic_grad: Array | None = field(default=None, repr=False)  # the whole gradients, in full mode
    numeric_grad: Array | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        return text("diagnostics.gradcheck.label", index=self.index, name=name, shape=self.shape)

    def describe(self) -> str:
        """One line: the input, the worst element, both values and the error."""
        if self.note and math.isnan(self.analytic):
            return f"{self.label}: {self.note}"
        if self.worst_index is not None:
            where = text("diagnostics.gradcheck.element", index=self.worst_index)
        else:
            where = text("diagnostics.gradcheck.worst_direction")
        line = text(
            "diagnostics.gradcheck.describe",
            label=self.label,
            where=where,
            analytic=self.analytic,
            numeric=self.numeric,
            error=self.error,
            verdict="<=" if self.ok else ">",
            tolerance=self.tolerance,
        )
        return line + (f" ({self.note})" if self.note else "")


@dataclass
class GradcheckReport:
    """Everything :func:`gradcheck_report` found; ``ok`` is the verdict, ``message`` one line about it."""

    ok: bool
    inputs: list[InputCheck]
    fast: bool
    eps: float
    atol: float
    rtol: float
    error: BaseException | None = None  # an exception raised by backward(), which fails the check
    upstream: Array | None = field(default=None, repr=False)  # the w of L = sum(w * fn(*inputs))

    @property
    def failures(self) -> list[InputCheck]:
        return [c for c in self.inputs if not c.ok]

    @property
    def offenders(self) -> list[Any]:
        """The input objects whose gradients are wrong (for ``viz.to_dot(..., highlight=report.offenders)``)."""
        return [c.target for c in self.failures]

    @property
    def message(self) -> str:
        mode = text("diagnostics.gradcheck.mode." + ("fast" if self.fast else "every"))
        if self.error is not None:
            return text("diagnostics.gradcheck.raised", kind=type(self.error).__name__, error=self.error)
        if self.ok:
            worst = max((c.max_abs_error for c in self.inputs), default=0.0)
            return text("diagnostics.gradcheck.passed", mode=mode, n=len(self.inputs), worst=worst)
        failures = self.failures
        more = text("diagnostics.gradcheck.more", n=len(failures) - 1) if len(failures) > 1 else ""
        return text("diagnostics.gradcheck.failed", mode=mode, first=failures[0].describe(), more=more)

    def __str__(self) -> str:
        head = f"gradcheck (eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}): {self.message}"
        marks = {True: text("diagnostics.gradcheck.mark.ok"), False: text("diagnostics.gradcheck.mark.fail")}
        return "\n".join([head, *(marks[c.ok] + c.describe() for c in self.inputs)])


# --------------------------------------------------------------------------- input adapters


class _TensorInput:
    """A checked Tensor: its array is swapped for a float64 working copy ``x`` that the check perturbs."""

    def __init__(self, index: int, tensor: Tensor) -> None:
        if tensor._ctx is not None:
            raise ValueError(
                f"gradcheck: input {index} is the result of an op (grad_fn=<{tensor._ctx.op}>), not a leaf; "
                "pass leaf tensors, e.g. t.detach().requires_grad_()"
            )
        self.index = index
        self.target = tensor
        self.name = tensor.name
        self.original = tensor._data
        self.x: Array = np.array(tensor._data, dtype=np.float64)

    def install(self) -> None:
        # Direct assignment: the .data setter would bump the version counter.
        self.target._data = self.x

    def sync(self) -> None:
        """Nothing to do: the tensor reads ``x`` itself, perturbations included."""

    def restore(self) -> None:
        self.target._data = self.original

    def gradient(self) -> Array | None:
        return self.target.grad


class _ValueInput:
    """A checked scalar Value: ``x`` is a 0-d float64 array copied into ``.data`` before each evaluation."""

    def __init__(self, index: int, value: Value) -> None:
        self.index = index
        self.target = value
        self.name = value.label
        self.original = value.data
        self.x: Array = np.array(value.data, dtype=np.float64)

    def install(self) -> None:
        self.sync()

    def sync(self) -> None:
        self.target.data = float(self.x)

    def restore(self) -> None:
        self.target.data = self.original

    def gradient(self) -> Array | None:
        return np.array(self.target.grad, dtype=np.float64)


_Input = _TensorInput | _ValueInput


def _checked_inputs(inputs: Sequence[Any]) -> list[_Input]:
    has_tensor = any(isinstance(x, Tensor) for x in inputs)
    has_value = any(isinstance(x, Value) for x in inputs)
    if has_tensor and has_value:
        raise TypeError("gradcheck: inputs mix Tensors and scalar Values; check one kind at a time")
    checked: list[_Input] = []
    first_position: dict[int, int] = {}
    for i, x in enumerate(inputs):
        if isinstance(x, (Tensor, Value)) and first_position.setdefault(id(x), i) != i:
            raise ValueError(
                f"gradcheck: input {i} is the same object as input {first_position[id(x)]}; pass each input once "
                "and use it twice inside fn"
            )
        if isinstance(x, Tensor) and x.requires_grad:
            checked.append(_TensorInput(i, x))
        elif isinstance(x, Value):
            checked.append(_ValueInput(i, x))
    if not checked:
        kinds = ", ".join(type(x).__name__ for x in inputs) or "nothing"
        raise ValueError(
            f"gradcheck: no input to check (got {kinds}); pass Tensors created with requires_grad=True, "
            "or minigrad.scalar.Value objects"
        )
    return checked


# --------------------------------------------------------------------------- the two gradients


def _weighted_sum(out: Any, w: Array) -> float:
    """``L = sum(w * out)`` in float64, for a Tensor, a Value or a plain number."""
    if isinstance(out, Tensor):
        return float(np.sum(w * out._data.astype(np.float64, copy=False)))
    if isinstance(out, Value):
        return out.data
    return float(out)


def _tensor_graph_holders(root: Tensor) -> list[Tensor]:
    """Every tensor in ``root``'s graph whose ``.grad`` a backward pass writes (leaves, retain_grad)."""
    return [t for t in topological_order(root) if t._ctx is None or t._retains_grad]


def _analytic(out: Any, w: Array, checked: list[_Input]) -> list[Array | None]:
    """Each checked input's gradient from one backward pass, leaving every ``.grad`` as the caller had it."""
    if isinstance(out, Tensor):
        if not out.requires_grad:  # no graph: backward has nothing to say, so the analytic gradient is 0
            return [None for _ in checked]
        # the checked inputs too: one that fn ignores must read None (0), not the caller's old grad
        targets = [c.target for c in checked if isinstance(c.target, Tensor)]
        holders = list({id(t): t for t in [*_tensor_graph_holders(out), *targets]}.values())
        saved_grads = [(t, t._grad, t._hooks) for t in holders]
        try:
            for t in holders:
                t._grad = None  # fresh arrays: the caller's .grad arrays are never written into
                t._hooks = None  # a check is not a training step: post-accumulate hooks must not fire
            out.backward(w)
            return [None if c.gradient() is None else np.array(c.gradient()) for c in checked]
        finally:
            for t, g, hooks in saved_grads:
                t._grad, t._hooks = g, hooks  # as they were, even a .grad an unchecked backward left misshapen
    if isinstance(out, Value):
        # the checked inputs too: one that fn ignores must read 0, not the caller's old grad
        nodes = list({id(v): v for v in [*out._topological_order(), *(c.target for c in checked)]}.values())
        saved_values = [(v, v.grad) for v in nodes]
        try:
            for v in nodes:
                v.grad = 0.0
            out.backward()
            return [c.gradient() for c in checked]
        finally:
            for v, gv in saved_values:
                v.grad = gv
    return [None for _ in checked]  # a plain number does not depend on the inputs


def _upstream(out: Any, rng: np.random.Generator) -> Array:
    """1 for a single-element output; otherwise a random non-uniform ``w`` (all-ones hides many bugs)."""
    if isinstance(out, Tensor):
        if out.size == 1:
            return np.ones(out.shape)
        return rng.standard_normal(out.shape)
    if isinstance(out, (Value, int, float, np.number)):
        return np.ones(())
    raise TypeError(
        f"gradcheck: fn must return a minigrad Tensor (or a scalar Value for Value inputs), got {type(out).__name__}"
    )


def _compare_elements(c: _Input, analytic: Array, numeric: Array, atol: float, rtol: float) -> InputCheck:
    err = np.abs(analytic - numeric)
    tol = atol + rtol * np.abs(numeric)
    bad = ~(err <= tol)  # NaN anywhere counts as a failure
    margin = np.where(np.isnan(err), np.inf, err - tol)
    flat = int(np.argmax(margin)) if margin.size else 0
    worst = tuple(int(i) for i in np.unravel_index(flat, analytic.shape)) if analytic.size else ()
    return InputCheck(
        c.index,
        c.name,
        c.x.shape,
        ok=not bool(bad.any()),
        max_abs_error=float(np.max(err)) if err.size else 0.0,
        worst_index=worst,
        analytic=float(analytic.flat[flat]) if analytic.size else 0.0,
        numeric=float(numeric.flat[flat]) if numeric.size else 0.0,
        error=float(err.flat[flat]) if err.size else 0.0,
        tolerance=float(tol.flat[flat]) if tol.size else atol,
        note=text("diagnostics.gradcheck.out_of_tolerance", bad=int(bad.sum()), size=bad.size) if bad.any() else "",
        target=c.target,
        analytic_grad=analytic,
        numeric_grad=numeric,
    )


def _shape_problem(c: _Input, grad: Array) -> InputCheck:
    shape = c.x.shape
    note = text("diagnostics.gradcheck.shape", grad_shape=grad.shape, shape=shape)
    note += missing_reduction(grad.shape, shape)
    return InputCheck(c.index, c.name, shape, ok=False, note=note, target=c.target, analytic_grad=grad)


def gradcheck_report(
    fn: Callable[..., Any],
    inputs: Sequence[Any] | Tensor | Value,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast: bool = False,
    seed: int = 0,
    n_directions: int = 3,
) -> GradcheckReport:
    """Run the check and return a :class:`GradcheckReport` instead of raising; see :func:`gradcheck`.

    An exception raised by ``backward()`` (a shape guard, the in-place guard)
    makes the report fail with ``report.error`` set; an exception raised by
    ``fn`` itself propagates, since then there is no gradient to judge.
    """
    if not eps > 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps}")
    if n_directions < 1:
        raise ValueError(f"gradcheck: n_directions must be at least 1, got {n_directions}")
    args = [inputs] if isinstance(inputs, (Tensor, Value)) else list(inputs)
    checked = _checked_inputs(args)
    rng = np.random.default_rng(seed)

    for c in checked:
        c.install()
    try:
        with enable_grad():  # the analytic pass needs a graph, even when called inside no_grad
            out = fn(*args)
        w = _upstream(out, rng)
        try:
            analytic = _analytic(out, w, checked)
        except Exception as exc:  # a failure of the gradient itself: the verdict, not a crash
            return GradcheckReport(False, [], fast, eps, atol, rtol, error=exc, upstream=w)

        def objective() -> float:
            for c in checked:
                c.sync()
            return _weighted_sum(fn(*args), w)

        results = []
        with no_grad():  # the perturbed evaluations need no graph
            for c, grad in zip(checked, analytic):
                grad = np.zeros(c.x.shape) if grad is None else grad.astype(np.float64, copy=False)
                if grad.shape != c.x.shape:
                    results.append(_shape_problem(c, grad))
                elif fast:
                    results.append(_check_directions(c, grad, objective, eps, atol, rtol, rng, n_directions))
                else:
                    results.append(_compare_elements(c, grad, _numeric_gradient(c, objective, eps), atol, rtol))
    finally:
        for c in checked:
            c.restore()
    return GradcheckReport(all(r.ok for r in results), results, fast, eps, atol, rtol, upstream=w)


def _numeric_gradient(c: _Input, objective: Callable[[], float], eps: float) -> Array:
    """Central differences, one element at a time; each element is put back bit for bit."""
    numeric = np.empty(c.x.shape)
    for j in range(c.x.size):
        original = c.x.flat[j]
        c.x.flat[j] = original + eps
        plus = objective()
        c.x.flat[j] = original - eps
        minus = objective()
        c.x.flat[j] = original
        numeric.flat[j] = (plus - minus) / (2 * eps)
    return numeric


def _check_directions(
    c: _Input,
    grad: Array,
    objective: Callable[[], float],
    eps: float,
    atol: float,
    rtol: float,
    rng: np.random.Generator,
    n_directions: int,
) -> InputCheck:
    """Directional derivatives along random unit vectors ``v``: ``v . grad`` vs the central difference."""
    original = c.x.copy()
    rows = []  # (margin, analytic, numeric, error, tolerance) per direction
    try:
        for _ in range(n_directions):
            v = rng.standard_normal(c.x.shape)
            v /= max(float(np.linalg.norm(v)), 1e-300)
            c.x[...] = original + eps * v
            plus = objective()
            c.x[...] = original - eps * v
            minus = objective()
            numeric = (plus - minus) / (2 * eps)
            analytic = float(np.sum(v * grad))
            error, tol = abs(analytic - numeric), atol + rtol * abs(numeric)
            rows.append((math.inf if math.isnan(error) else error - tol, analytic, numeric, error, tol))
    finally:
        c.x[...] = original  # bit for bit: the copy taken before any perturbation
    k = max(range(n_directions), key=lambda i: rows[i][0])
    _, analytic, numeric, error, tol = rows[k]
    failing = sum(not r[3] <= r[4] for r in rows)
    note = text("diagnostics.gradcheck.direction", k=k + 1, n=n_directions)
    if failing:
        note += text("diagnostics.gradcheck.directions_failing", failing=failing)
    max_error = max(math.inf if math.isnan(r[3]) else r[3] for r in rows)
    return InputCheck(
        c.index, c.name, c.x.shape, failing == 0, max_error, None, analytic, numeric, error, tol, note, c.target
    )


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any] | Tensor | Value,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast: bool = False,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check ``fn``'s gradients against central finite differences (float64); True when they agree.

    ``inputs`` are the arguments of ``fn``: minigrad Tensors (those with
    ``requires_grad=True`` are checked; others, and any non-tensor, are passed
    as constants) or :class:`minigrad.scalar.Value` objects (all checked, and
    ``fn`` returns a Value).  For a non-scalar output the checked loss is
    ``sum(w * fn(*inputs))`` with a random non-uniform ``w`` drawn from
    ``seed``.  An element passes when ``|analytic - numeric| <= atol + rtol *
    |numeric|``.  ``fast=True`` checks 3 random directions per input instead
    of every element (``2 * 3`` evaluations of ``fn`` per input instead of
    ``2 * size``).

    On failure raises :class:`GradcheckError` (an ``AssertionError``) whose
    message names each failing input (index and ``.name``/``.label``), its
    worst element, the analytic and numeric values and the error; with
    ``raise_exception=False`` returns False instead.  The inputs, their
    ``.grad`` values and every other tensor's ``.grad`` are left unchanged.
    Use :func:`gradcheck_report` for the structured result.

    >>> import minigrad
    >>> x = minigrad.Tensor([[0.5, -1.0], [2.0, 0.1]], requires_grad=True)
    >>> gradcheck(lambda x: (x * x).tanh().sum(), [x])
    True
    """
    report = gradcheck_report(fn, inputs, eps=eps, atol=atol, rtol=rtol, fast=fast, seed=seed)
    if report.ok:
        return True
    if raise_exception:
        raise GradcheckError(str(report), report) from report.error
    return False


def gradgradcheck(*args: Any, **kwargs: Any) -> bool:
    """Not available: minigrad computes first-order gradients only.

    A second-order check needs a backward pass that itself builds a graph
    (PyTorch's ``create_graph=True``).  minigrad's backward rules are plain
    NumPy code on arrays, so the gradients they return cannot be
    differentiated again.  Always raises ``NotImplementedError``.
    """
    raise NotImplementedError(
        "gradgradcheck: minigrad computes first-order gradients only (backward rules are NumPy code, not "
        "graph-building ops), so there is no second derivative to check; use gradcheck for first order"
    )

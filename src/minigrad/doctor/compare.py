"""Compare one check's observations with the expected ones; say how a difference is wrong, as a structured value.

A :class:`Finding` names the observation and its ``kind``; the fields that
matter for that kind say the rest:

============  ==========================================================
kind          fields
============  ==========================================================
missing       no gradient at all (``None``)
not-a-number  the observation is not numeric
shape         ``got_shape``, ``expected_shape``; ``axes`` and ``reduction``
              ("sum" or "mean") when that reduction over ``axes`` repairs it
permuted      ``axes``: ``got.transpose(axes)`` is the expected array
not-finite    nan or inf where finite numbers are expected
factor        ``factor``: ``got == factor * expected`` (0: zero, -1: the sign)
values        different values, no simpler relation found
error         ``error``: the exception's class; ``shapes``: the shapes its
              message names (a broadcast refused at ``grad +=``)
dtype         ``dtype``: an integer gradient (truncated)
slow          ``got``: backward's time at 16 squarings over its time at 10
not-engine    an op returned something that is not an engine object
shared        two gradients are one array (``got``: True)
============  ==========================================================

Findings are compared field by field (:mod:`.ranking`), never as text; the
report renders them in English or Spanish (:mod:`.report`).  The tolerance
follows the precision of the learner's numbers: float32 gradients are
compared at about 1e-4 relative, float64 ones tightly.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

FD_PREFIX = "fd:"  # an observation holding the finite differences of the learner's own forward for another one
FD_SUFFIX = " (finite differences of your forward)"
EXPECTED_PREFIX = "expected-"  # a self-oracled check's own expected value for another observation
ERROR_NAME = "run"  # the finding of a check that raised: the whole run failed
TIME_RATIO = "backward time at 16 squarings, relative to 10"  # a timed check's measure (see checks._exponential_walk)
TIME_LIMIT = "time ratio limit"
ONE_OP = "one op from the leaf to the root"  # the check whose leaf feeds the root (see checks._one_op)
ENGINE_OBJECT = "an engine object"  # did an op return one of the engine's own objects?


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float  # relative to the expected array's largest magnitude (at least 1)

    def close(self, got: Any, expected: Any) -> bool:
        scale = max(1.0, float(np.max(np.abs(expected)))) if np.size(expected) else 1.0
        return bool(np.allclose(got, expected, rtol=self.rtol, atol=self.atol * scale, equal_nan=False))


FLOAT64 = Tolerance(1e-6, 1e-8)
FLOAT32 = Tolerance(1e-4, 1e-5)  # float32 keeps ~7 digits; a few ops lose a few of them
FLOAT16 = Tolerance(1e-2, 1e-3)
# Finite differences of the learner's own forward: truncation and rounding errors of the difference quotient.
FD = {8: Tolerance(1e-4, 1e-6), 4: Tolerance(2e-2, 2e-3), 2: Tolerance(2e-1, 2e-2)}


def tolerance_for(*values: Any) -> Tolerance:
    """The tolerance of the least precise floating array among ``values`` (an engine's dtype)."""
    itemsize = min((np.asarray(v).dtype.itemsize for v in values if _is_float(v)), default=8)
    return {2: FLOAT16, 4: FLOAT32}.get(itemsize, FLOAT64)


def fd_step(itemsize: int) -> float:
    """The central-difference step that balances truncation (h**2) and rounding (eps / h) at this precision."""
    return {2: 3e-2, 4: 5e-3}.get(itemsize, 1e-6)


def _is_float(value: Any) -> bool:
    return isinstance(value, (np.ndarray, np.floating)) and np.issubdtype(np.asarray(value).dtype, np.floating)


@dataclass(frozen=True)
class Finding:
    """One observation that differs, as a structured value (see the module's table)."""

    name: str
    kind: str
    expected: Any = None
    got: Any = None
    factor: float | None = None
    axes: tuple[int, ...] | None = None
    reduction: str | None = None
    got_shape: tuple[int, ...] | None = None
    expected_shape: tuple[int, ...] | None = None
    error: str | None = None
    shapes: tuple[tuple[int, ...], ...] | None = None
    dtype: str | None = None
    message: str = ""  # the learner's exception message: shown, never compared

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and not (isinstance(v, str) and v == "")}


def signature(finding: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two findings "the same way wrong": the kind and its structured fields (never the numbers)."""
    factor = finding.get("factor")
    return (
        finding["kind"],
        None if factor is None else round(float(factor), 6),
        tuple(finding["axes"]) if finding.get("axes") is not None else None,
        finding.get("reduction"),
        finding.get("error"),
    )


def _factor(got: Any, expected: Any, tol: Tolerance) -> float | None:
    """``k`` when ``got == k * expected`` for a simple k (an integer or its inverse, their signs, zero)."""
    mask = np.abs(expected) > 1e-9
    if not mask.any() or not np.isfinite(got).all():
        return None
    k = float(np.median(got[mask] / expected[mask]))
    if abs(k) < 1e-9:
        return 0.0 if tol.close(got, 0 * expected) else None
    for n in range(1, 100):
        for simple in (n, -n, 1 / n, -1 / n):
            if abs(k - simple) <= 1e-3 * abs(simple) and tol.close(got, simple * expected):
                return float(simple)
    return None


def _permutation(got: Any, expected: Any, tol: Tolerance) -> tuple[int, ...] | None:
    """Axes ``p`` (not the identity) with ``got.transpose(p) == expected``: a transposed or permuted gradient."""
    if got.ndim < 2 or got.ndim > 4 or got.size != expected.size:
        return None
    for p in itertools.permutations(range(got.ndim)):
        if p != tuple(range(got.ndim)) and got.transpose(p).shape == expected.shape:
            if tol.close(got.transpose(p), expected):
                return tuple(p)
    return None


def _shape_finding(name: str, got: Any, expected: Any, tol: Tolerance) -> Finding:
    shapes = (tuple(got.shape), tuple(expected.shape))
    perm = _permutation(got, expected, tol)
    if perm is not None:
        return Finding(name, "permuted", expected, got, axes=perm, got_shape=shapes[0], expected_shape=shapes[1])
    if got.ndim >= expected.ndim:
        lead = got.ndim - expected.ndim
        try:
            stretched = [i + lead for i, n in enumerate(expected.shape) if n == 1 and got.shape[i + lead] != 1]
            axes = tuple(range(lead)) + tuple(stretched)
            for reduction in ("sum", "mean"):
                reduced = getattr(got, reduction)(axis=axes).reshape(expected.shape)
                if tol.close(reduced, expected):
                    return Finding(
                        name,
                        "shape",
                        expected,
                        got,
                        axes=axes,
                        reduction=reduction,
                        got_shape=shapes[0],
                        expected_shape=shapes[1],
                    )
        except (ValueError, IndexError):
            pass
    return Finding(name, "shape", expected, got, got_shape=shapes[0], expected_shape=shapes[1])


SHAPE_IN_MESSAGE = re.compile(r"\((\d+(?:,\s*\d+)*),?\)")


def error_finding(text: str) -> Finding:
    """``"ValueError: message"`` (as the child reports it) as a finding: the class and the shapes it names."""
    head, _, message = text.partition(":")
    head = head.strip()
    if head.startswith("timeout"):
        cls = "timeout"
    elif head.startswith("the process died"):
        cls = "died"
    else:
        cls = head if head.replace("_", "").replace(".", "").isalnum() else "error"
    shapes = tuple(dict.fromkeys(tuple(int(n) for n in m.split(",")) for m in SHAPE_IN_MESSAGE.findall(message)))
    return Finding(ERROR_NAME, "error", error=cls, shapes=shapes or None, message=text[:300])


def compare(name: str, expected: Any, got: Any, tol: Tolerance = FLOAT64) -> Finding | None:
    """None when ``got`` matches ``expected``; else what differs, and how."""
    if isinstance(got, bool) and not isinstance(expected, bool) and expected is not None:
        expected = bool(np.asarray(expected))  # a yes/no observation read back from JSON as a number
    if isinstance(expected, (str, bool)) or expected is None:
        if expected is None or got == expected:
            return None
        if isinstance(expected, bool):
            return Finding(name, "not-engine" if name == ENGINE_OBJECT else "shared", expected, got)
        return Finding(name, "values", expected, got)
    expected = np.asarray(expected, dtype=float)
    if got is None:
        return Finding(name, "missing", expected, None)
    got_array = np.asarray(got)
    if not np.issubdtype(got_array.dtype, np.number) and got_array.dtype != bool:
        return Finding(name, "not-a-number", expected, None, dtype=str(got_array.dtype))
    got_f = got_array.astype(float)
    if got_f.shape != expected.shape:
        if got_f.size == expected.size == 1:
            got_f = got_f.reshape(expected.shape)
        else:
            return _shape_finding(name, got_f, expected, tol)
    if tol.close(got_f, expected):
        return None
    if not np.isfinite(got_f).all():
        return Finding(name, "not-finite", expected, got_f)
    k = _factor(got_f, expected, tol)
    if k is not None and k != 1:
        return Finding(name, "factor", expected, got_f, factor=k)
    perm = _permutation(got_f, expected, tol)
    if perm is not None:
        return Finding(name, "permuted", expected, got_f, axes=perm)
    return Finding(name, "values", expected, got_f)


def compare_obs(expected: dict[str, Any], got: dict[str, Any], oracle: str = "reference") -> list[Finding]:
    """Every finding of one run: against the reference's observations, and against the check's own oracles."""
    if "refused" in got:  # refusing an input (integers) with an error is a fine answer
        return []
    tol = tolerance_for(*got.values())
    findings = []
    if oracle == "reference":
        for key, value in expected.items():
            if not key.startswith(FD_PREFIX) and key not in (TIME_RATIO, TIME_LIMIT):
                found = compare(key, value, got.get(key), tol)
                if found:
                    findings.append(found)
    for key, value in got.items():
        if key.startswith(EXPECTED_PREFIX):
            name = key[len(EXPECTED_PREFIX) :]
            found = compare(name, value, got.get(name), tol)
            if found:
                findings.append(found)
        elif key.startswith(FD_PREFIX) and value is not None:
            # The learner's gradient against the finite differences of their own forward: "got" is their gradient.
            name = key[len(FD_PREFIX) :]
            if any(f.name == name for f in findings) or got.get(name) is None:
                continue  # already wrong against the reference: one finding per observation
            itemsize = min((np.asarray(v).dtype.itemsize for v in got.values() if _is_float(v)), default=8)
            found = compare(name + FD_SUFFIX, value, got.get(name), FD.get(itemsize, FD[8]))
            if found:
                findings.append(found)
    if got.get(ENGINE_OBJECT) is False:  # nothing else was measured: the graph ended at a plain array
        return [f for f in findings if f.kind == "not-engine"]
    dtype = got.get("x.grad dtype")
    if isinstance(dtype, str) and not dtype.startswith("float"):
        findings.append(Finding("x.grad", "dtype", dtype=dtype))
    ratio, limit = got.get(TIME_RATIO), got.get(TIME_LIMIT)
    if isinstance(ratio, float) and isinstance(limit, float) and ratio > limit:
        findings.append(Finding(TIME_RATIO, "slow", limit, ratio))
    return findings

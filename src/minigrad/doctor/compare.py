"""Compare one check's observations with the expected ones, and name the numeric signature of a difference.

A signature says how a wrong gradient is wrong: off by a constant factor (2,
1/2, N, 1/N, -1: the sign), transposed, zero, not finite, or of a wrong shape
that a sum (or a mean) over some axes would repair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

RTOL, ATOL = 1e-5, 1e-7


@dataclass(frozen=True)
class Finding:
    """One observation that differs: ``kind`` is missing, shape, values, dtype or error."""

    name: str
    kind: str
    signature: str
    expected: Any = None
    got: Any = None


def _factor(got: Any, expected: Any) -> float | None:
    mask = np.abs(expected) > 1e-9
    if not mask.any() or not np.isfinite(got).all():
        return None
    ratios = got[mask] / expected[mask]
    k = float(np.median(ratios))
    if np.allclose(got, k * expected, rtol=1e-4, atol=1e-8):
        return k
    return None


def _describe_factor(k: float) -> str:
    if abs(k) < 1e-12:
        return "zero"
    if abs(k + 1) < 1e-6:
        return "sign flipped"
    for n in range(2, 100):
        if abs(k - n) < 1e-6:
            return f"factor {n}"
        if abs(k - 1 / n) < 1e-9:
            return f"factor 1/{n}"
    return "different values"  # a ratio that names nothing (any two numbers have one)


def _shape_signature(got: Any, expected: Any) -> str:
    gs, es = got.shape, expected.shape
    if got.ndim >= expected.ndim:
        try:
            lead = got.ndim - expected.ndim
            axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(es) if n == 1 and gs[i + lead] != 1)
            if got.sum(axis=axes, keepdims=True).reshape(-1).shape == expected.reshape(-1).shape:
                summed = got.sum(axis=axes).reshape(es)
                if np.allclose(summed, expected, rtol=RTOL, atol=ATOL):
                    return f"shape {gs} instead of {es}: the sum over axes {axes} is missing"
                meaned = got.mean(axis=axes).reshape(es)
                if np.allclose(meaned, expected, rtol=RTOL, atol=ATOL):
                    return f"shape {gs} instead of {es}: the mean over axes {axes} instead of the sum"
                return f"shape {gs} instead of {es}: not reducible to the expected values"
        except (ValueError, IndexError):
            pass
    return f"shape {gs} instead of {es}"


def compare(name: str, expected: Any, got: Any) -> Finding | None:
    """None when ``got`` matches ``expected``; else what differs, and how."""
    if isinstance(expected, str) or expected is None:
        return None if got == expected or expected is None else Finding(name, "values", f"{got!r}", expected, got)
    expected = np.asarray(expected, dtype=float)
    if got is None:
        return Finding(name, "missing", "no gradient (None)", expected, None)
    got_array = np.asarray(got)
    if not np.issubdtype(got_array.dtype, np.number) and got_array.dtype != bool:
        return Finding(name, "values", f"not a number: {got_array.dtype}", expected, None)
    got_f = got_array.astype(float)
    if got_f.shape != expected.shape:
        if got_f.size == expected.size == 1:
            got_f = got_f.reshape(expected.shape)
        else:
            return Finding(name, "shape", _shape_signature(got_f, expected), expected, got_f)
    if np.allclose(got_f, expected, rtol=RTOL, atol=ATOL, equal_nan=False):
        return None
    if not np.isfinite(got_f).all():
        return Finding(name, "values", "not finite (nan or inf)", expected, got_f)
    k = _factor(got_f, expected)
    if k is not None:
        return Finding(name, "values", _describe_factor(k), expected, got_f)
    if got_f.ndim == 2 and got_f.shape == got_f.T.shape and np.allclose(got_f.T, expected, rtol=RTOL, atol=ATOL):
        return Finding(name, "values", "transposed", expected, got_f)
    return Finding(name, "values", "different values", expected, got_f)


def compare_obs(expected: dict[str, Any], got: dict[str, Any], oracle: str = "reference") -> list[Finding]:
    if oracle == "self":  # the check computed its own expected-* values (e.g. integer input)
        if "refused" in got:
            return []
        findings = []
        for key, value in got.items():
            if key.startswith("expected-"):
                name = key[len("expected-") :]
                found = compare(name, value, got.get(name))
                if found:
                    findings.append(found)
        dtype = got.get("x.grad dtype")
        if dtype is not None and not dtype.startswith("float"):
            findings.append(Finding("x.grad", "dtype", f"gradient dtype {dtype} (truncated to integers?)"))
        return findings
    findings = []
    for key, value in expected.items():
        found = compare(key, value, got.get(key))
        if found:
            findings.append(found)
    return findings

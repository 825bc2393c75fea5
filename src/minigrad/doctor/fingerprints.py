"""The reference and the fingerprints: the doctor's checks run on minigrad itself, measured, stored one file each.

The reference is minigrad on correct code, in float64 (proven against
PyTorch by the test suite).  A break's fingerprint is the outcome of every
check on minigrad with that break switched on, through the same adapter:
tensor checks on :class:`minigrad.Tensor`, scalar checks on 0-d tensors
(tensor breaks) or on :class:`minigrad.scalar.Value` (scalar breaks).

A break's fingerprint lives in its own folder, ``breaks/catalog/<id>/fingerprint.json``,
beside its page and cases; the reference, which belongs to no break, in
``doctor/fingerprints/reference.json``.  Each file holds the hash of the
sources it was measured on: for a break, the source text of its patch targets,
its patches, and the doctor's checks; for the reference, the checks and
minigrad's engine and ops.  A change stales only what it touches, and ``python
-m minigrad.doctor.fingerprints`` regenerates only the stale or missing files
(``--all``: every one); a fast test compares the hashes.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import adapter, checks
from .child import run_check
from .outcome import outcome, to_json
from .ranking import ORDER_DEPENDENT

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.path.join(HERE, "fingerprints")  # the reference alone: each break's file is in its own folder
REFERENCE = "reference"  # fingerprints/reference.json: minigrad's correct observations
FILE_NAME = "fingerprint.json"  # breaks/catalog/<id>/fingerprint.json
COMMAND = "python -m minigrad.doctor.fingerprints"
SEED = 0
SKIPPED_FAMILIES = (
    "modules",
    "attention",
    "training",
)  # layers, optimizers, attention, transformer and training runs: not something the checks of an engine can see
# Breaks that walk the graph in a set's iteration order (memory addresses): which checks fail, and with which
# numbers, changes from run to run.  Their fingerprint keeps what is stable: the checks that repeat with fresh
# objects (failing in at least one of ORDER_RUNS measurements), each "order-dependent".
ORDER_SENSITIVE = ("tensor-topo-from-set", "value-topo-from-set")
ORDER_RUNS = 3
DERIVED_GROUP, FROM_GROUP = "deep-100000", "deep-1000"  # too slow to run per break: the 1,000-op chain stands for it
# What a fingerprint or the reference is measured with: a change to any of these stales every stored file.
DOCTOR_SOURCES = ("adapter.py", "checks.py", "compare.py", "outcome.py")
REFERENCE_SOURCES = ("tensor.py", "scalar.py", "engine.py", "functional.py", "ops/*.py")


def _tensor_engine() -> adapter.Engine:
    from .. import functional, tensor
    from ..ops import shape

    def softmax(x: Any, axis: int = -1) -> Any:
        return functional.softmax(x, axis)

    overrides: dict[str, Any] = {
        "softmax": softmax,
        "cross_entropy": functional.cross_entropy,
        "cat": lambda parts, axis: shape.cat(parts, axis=axis),
    }
    return adapter.Engine(tensor.Tensor, tensor, "Tensor", False, overrides)


def _scalar_engine(on_tensor: bool) -> adapter.Engine:
    if on_tensor:
        from .. import tensor

        return adapter.Engine(tensor.Tensor, tensor, "Tensor", True)
    from .. import scalar

    return adapter.Engine(scalar.Value, scalar, "Value", True)


def _run(engine: adapter.Engine, skip: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    from ..engine import shape_check

    results = {}
    # A learner's engine has no shape guard: see what the bug itself does.  Warnings (an overflow in exp) stay
    # warnings, as in the learner's child process, whatever filters the caller (pytest) has set.
    with shape_check(False), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for spec in checks.checks_for(bool(engine.api["scalar"])):
            if spec.group not in skip:
                results[spec.id] = run_check(adapter, engine, spec, SEED)
    return results


def _observations(result: dict[str, Any]) -> dict[str, Any]:
    """What the reference stores of a run: the observations, without the learner-side ones (their own finite
    differences, times)."""
    from .compare import FD_PREFIX, TIME_LIMIT, TIME_RATIO

    obs = result["obs"]
    return {k: to_json(v) for k, v in obs.items() if not k.startswith(FD_PREFIX) and k not in (TIME_RATIO, TIME_LIMIT)}


def reference(scalar: bool) -> dict[str, Any]:
    """minigrad's observations; for a scalar check that ``Value`` cannot run (``sigmoid``), a 0-d tensor's."""
    results = _run(_scalar_engine(False) if scalar else _tensor_engine())
    if scalar:
        on_tensor = _run(_scalar_engine(True))
        results = {cid: r if r["status"] == "ok" else on_tensor[cid] for cid, r in results.items()}
    own_oracle = {s.id for s in checks.checks_for(scalar) if s.oracle != "reference"}  # nothing of ours to store
    return {cid: _observations(r) for cid, r in results.items() if r["status"] == "ok" and cid not in own_oracle}


def _fingerprint(engine: adapter.Engine, ref: dict[str, Any]) -> dict[str, Any]:
    results = _run(engine, skip=(DERIVED_GROUP,))
    specs = {s.id: s for s in checks.checks_for(bool(engine.api["scalar"]))}
    failing = {}
    for cid, result in results.items():
        out = outcome(specs[cid], result, _as_arrays(ref.get(cid)))
        if out["status"] == "fail":
            for incidental in ("lines", "printed", "where", "varies"):  # not part of what the bug does
                out.pop(incidental, None)
            for finding in out["findings"]:
                finding.pop("message", None)  # minigrad's own wording: shown to nobody, matched by nothing
            # A time is no fingerprint: minigrad's walk is linear with every break; a loaded machine is not.
            out["findings"] = [f for f in out["findings"] if f["kind"] != "slow"]
            if out["findings"]:
                failing[cid] = out
    for spec in specs.values():  # the 100,000-op chain fails like the 1,000-op one
        if spec.group == DERIVED_GROUP:
            source = next((c for c, s in specs.items() if s.group == FROM_GROUP), None)
            if source in failing:
                failing[spec.id] = failing[source]
    return failing


def _order_fingerprint(engine: adapter.Engine, ref: dict[str, Any]) -> dict[str, Any]:
    # The order probe fails in a varying share of its runs on minigrad too: the learner's side reads it (diagnose).
    repeated = {s.id for s in checks.checks_for(bool(engine.api["scalar"])) if s.repeat > 1} - {checks.ORDER_PROBE}
    failed: set[str] = set()
    for _ in range(ORDER_RUNS):
        failed |= repeated.intersection(_fingerprint(engine, ref))
    finding = {"name": "run", "kind": ORDER_DEPENDENT}
    return {cid: {"status": "fail", "findings": [finding]} for cid in sorted(failed)}


def _as_arrays(obs: dict[str, Any] | None) -> dict[str, Any] | None:
    if obs is None:
        return None
    return {k: (np.asarray(v, dtype=float) if isinstance(v, (list, float, int)) else v) for k, v in obs.items()}


# ---------------------------------------------------------------------------------------------- hashes and files


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _digest(parts: Sequence[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def _doctor_text() -> list[str]:
    return [_read(os.path.join(HERE, name)) for name in DOCTOR_SOURCES]


def reference_hash() -> str:
    package = os.path.dirname(HERE)
    paths = sorted(p for pattern in REFERENCE_SOURCES for p in glob.glob(os.path.join(package, pattern)))
    return _digest([*_doctor_text(), *(_read(p) for p in paths)])


def break_hash(break_id: str) -> str:
    """The sources a break's fingerprint depends on: its targets' correct code, its patches, the doctor's checks."""
    from ..breaks import core, get

    brk = get(break_id)
    texts = [f"{p.target}\n{p.old}\n{p.new}" for p in brk.patches]
    texts += [core.original_source(t) for t in brk.targets]
    return _digest([*texts, *_doctor_text(), brk.family])


def measured_breaks() -> list[str]:
    """Every break the checks of an engine can see (not layers, optimizers, attention)."""
    from .. import breaks
    from .ranking import SIGNATURES  # diagnosed by a hand-written signature instead (see there why)

    return sorted(
        b for b, brk in breaks.all_breaks().items() if brk.family not in SKIPPED_FAMILIES and b not in SIGNATURES
    )


def _catalog() -> str:
    return os.path.join(os.path.dirname(HERE), "breaks", "catalog")


def path_of(name: str) -> str:
    """Where a fingerprint is stored: in the break's folder; the reference in ``doctor/fingerprints/``."""
    if name == REFERENCE:
        return os.path.join(FOLDER, f"{REFERENCE}.json")
    return os.path.join(_catalog(), name, FILE_NAME)


def stored_breaks() -> list[str]:
    """The breaks whose folder holds a fingerprint, by id (no page is read)."""
    return sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(_catalog(), "*", FILE_NAME)))


def _stored_hash(name: str) -> str | None:
    try:
        return str(json.loads(_read(path_of(name)))["hash"])
    except (OSError, ValueError, KeyError):
        return None


def stale() -> list[str]:
    """The stored files whose sources changed (or that are missing): hash comparison only, no measurement."""
    names = [REFERENCE] if _stored_hash(REFERENCE) != reference_hash() else []
    return names + [b for b in measured_breaks() if _stored_hash(b) != break_hash(b)]


def stale_report(names: Sequence[str]) -> str:
    """What to tell whoever finds ``names`` stale: which file is missing or out of date, and the command."""
    lines = []
    for name in names:
        path = os.path.relpath(path_of(name), os.path.dirname(os.path.dirname(HERE)))
        state = "out of date" if os.path.exists(path_of(name)) else "missing"
        lines.append(f"  {path}: {state}")
    return "\n".join(["fingerprints to measure:", *lines, f"run: uv run {COMMAND} {' '.join(names)}"])


def measure_reference() -> dict[str, Any]:
    return {"hash": reference_hash(), "tensor": reference(False), "scalar": reference(True)}


def measure_break(break_id: str, ref: dict[str, Any]) -> dict[str, Any]:
    """``{"hash":..., "tensor": {check: outcome}, "scalar": {...}}``: the checks this break makes fail."""
    from .. import breaks

    brk = breaks.get(break_id)
    data: dict[str, Any] = {"hash": break_hash(break_id), "tensor": {}, "scalar": {}}
    on_value = brk.family == "scalar"
    for kind, scalar in (("tensor", False), ("scalar", True)):
        if on_value and not scalar:
            continue  # a Value break cannot show on tensors
        engine = _scalar_engine(not on_value) if scalar else _tensor_engine()
        try:
            with breaks.inject(break_id):
                measure = _order_fingerprint if break_id in ORDER_SENSITIVE else _fingerprint
                data[kind] = measure(engine, ref[kind])
        except breaks.BreakError as error:
            print(f"fingerprints: skipped {break_id} ({kind}): {error}", file=sys.stderr)
    return data


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, allow_nan=True) + "\n"


def _write(name: str, data: dict[str, Any]) -> None:
    text = dumps(data)  # measured first: an interrupted run leaves the stored copy as it was
    with open(path_of(name), "w", encoding="utf-8") as f:
        f.write(text)


def regenerate(names: Sequence[str]) -> None:
    ref = measure_reference() if REFERENCE in names else json.loads(_read(path_of(REFERENCE)))
    if REFERENCE in names:
        _write(REFERENCE, ref)
    for name in names:
        if name != REFERENCE:
            _write(name, measure_break(name, ref))
            print(f"fingerprints: {name}", file=sys.stderr)
    measured = set(measured_breaks())
    for name in stored_breaks():  # a break that the checks no longer measure keeps no stale file behind
        if name not in measured:
            os.remove(path_of(name))


_LOADED: dict[str, Any] = {}


def load() -> dict[str, Any]:
    """``{"tensor": {"reference": ..., "breaks": {id: {check: outcome}}}, "scalar": {...}}`` from the stored files."""
    if not _LOADED:
        ref = json.loads(_read(path_of(REFERENCE)))
        data: dict[str, Any] = {kind: {"reference": ref[kind], "breaks": {}} for kind in ("tensor", "scalar")}
        for name in stored_breaks():
            stored = json.loads(_read(path_of(name)))
            for kind in ("tensor", "scalar"):
                if stored.get(kind):
                    data[kind]["breaks"][name] = stored[kind]
        _LOADED.update(data)
    return _LOADED


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("--all", action="store_true", help="measure every break and the reference again")
    parser.add_argument("breaks", nargs="*", help="measure these breaks again (default: the stale ones)")
    args = parser.parse_args(argv)
    names = [REFERENCE, *measured_breaks()] if args.all else (args.breaks or stale())
    if not names:
        print("fingerprints: every stored file is up to date", file=sys.stderr)
        return 0
    regenerate(names)
    return 0


if __name__ == "__main__":
    sys.exit(main())

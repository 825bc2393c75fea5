"""The reference and the fingerprints: the doctor's checks run on minigrad itself, measured, stored as JSON.

The reference is minigrad on correct code (proven against PyTorch by the test
suite).  A break's fingerprint is the outcome of every check on minigrad with
that break switched on, through the same adapter: tensor checks on
:class:`minigrad.Tensor`, scalar checks on 0-d tensors (tensor breaks) or on
:class:`minigrad.scalar.Value` (scalar breaks).  ``python -m
minigrad.doctor.fingerprints`` regenerates ``fingerprints.json``; a test fails
when the stored copy is stale.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from typing import Any

import numpy as np

from . import adapter, checks
from .child import run_check
from .diagnose import ORDER_DEPENDENT
from .outcome import outcome, to_json

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fingerprints.json")
SEED = 0
SKIPPED_FAMILIES = (
    "modules",
    "attention",
)  # layers, optimizers, attention and transformer behaviour: not something the checks of an engine can see
# Breaks that walk the graph in a set's iteration order (memory addresses): which checks fail, and with which
# numbers, changes from run to run.  Their fingerprint keeps what is stable: the checks that repeat with fresh
# objects (failing in at least one of ORDER_RUNS measurements), each "order-dependent".
ORDER_SENSITIVE = ("tensor-topo-from-set", "value-topo-from-set")
ORDER_RUNS = 3
DERIVED_GROUP, FROM_GROUP = "deep-100000", "deep-1000"  # too slow to run per break: the 1,000-op chain stands for it


def _tensor_engine() -> adapter.Engine:
    from .. import functional, tensor

    def softmax(x: Any, axis: int = -1) -> Any:
        return functional.softmax(x, axis)

    overrides: dict[str, Any] = {"softmax": softmax, "cross_entropy": functional.cross_entropy}
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
    with shape_check(False), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for spec in checks.checks_for(bool(engine.api["scalar"])):
            if spec.group not in skip:
                results[spec.id] = run_check(adapter, engine, spec, SEED)
    return results


def reference(scalar: bool) -> dict[str, Any]:
    """minigrad's observations; for a scalar check that ``Value`` cannot run (``sigmoid``), a 0-d tensor's."""
    results = _run(_scalar_engine(False) if scalar else _tensor_engine())
    if scalar:
        on_tensor = _run(_scalar_engine(True))
        results = {cid: r if r["status"] == "ok" else on_tensor[cid] for cid, r in results.items()}
    own_oracle = {s.id for s in checks.checks_for(scalar) if s.oracle != "reference"}  # nothing of ours to store
    return {cid: to_json(r["obs"]) for cid, r in results.items() if r["status"] == "ok" and cid not in own_oracle}


def _fingerprint(engine: adapter.Engine, ref: dict[str, Any]) -> dict[str, Any]:
    results = _run(engine, skip=(DERIVED_GROUP,))
    specs = {s.id: s for s in checks.checks_for(bool(engine.api["scalar"]))}
    failing = {}
    for cid, result in results.items():
        out = outcome(specs[cid], result, _as_arrays(ref.get(cid)))
        if out["status"] == "fail":
            for incidental in ("lines", "printed", "where"):  # not part of what the bug does
                out.pop(incidental, None)
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
    finding = {"name": "run", "kind": "values", "signature": ORDER_DEPENDENT, "got": None, "expected": None}
    return {cid: {"status": "fail", "findings": [finding]} for cid in sorted(failed)}


def _as_arrays(obs: dict[str, Any] | None) -> dict[str, Any] | None:
    if obs is None:
        return None
    return {k: (np.asarray(v, dtype=float) if isinstance(v, (list, float, int)) else v) for k, v in obs.items()}


def generate() -> dict[str, Any]:
    from .. import breaks

    data: dict[str, Any] = {"seed": SEED, "tensor": {}, "scalar": {}}
    for kind, scalar in (("tensor", False), ("scalar", True)):
        ref = reference(scalar)
        data[kind]["reference"] = ref
        prints: dict[str, Any] = {}
        for break_id, brk in breaks.all_breaks().items():
            if brk.family in SKIPPED_FAMILIES:
                continue
            on_value = brk.family == "scalar"
            if on_value != scalar and on_value:
                continue  # a Value break cannot show on tensors
            engine = _scalar_engine(not on_value) if scalar else _tensor_engine()
            try:
                with breaks.inject(break_id):
                    failing = (_order_fingerprint if break_id in ORDER_SENSITIVE else _fingerprint)(engine, ref)
            except breaks.BreakError as error:
                print(f"fingerprints: skipped {break_id}: {error}", file=sys.stderr)
                continue
            if failing:
                prints[break_id] = failing
        data[kind]["breaks"] = prints
    return data


def load() -> dict[str, Any]:
    with open(PATH) as f:
        data: dict[str, Any] = json.load(f)
    return data


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, allow_nan=True) + "\n"


if __name__ == "__main__":
    text = dumps(generate())  # measured first: an interrupted run leaves the stored copy as it was
    with open(PATH, "w") as f:
        f.write(text)
    print(f"wrote {PATH}")

"""The stored fingerprints are exactly what running the checks on minigrad with each break on gives now."""

import json

from minigrad.doctor import fingerprints


def test_stored_fingerprints_are_not_stale() -> None:
    # Compared as JSON text: NaN (a break's overflow) is never equal to itself as a float.
    fresh = json.loads(fingerprints.dumps(fingerprints.generate()))
    stored = fingerprints.load()

    def text(value: object) -> str:
        return json.dumps(value, sort_keys=True)

    for kind in ("tensor", "scalar"):
        assert text(fresh[kind]["reference"]) == text(stored[kind]["reference"]), f"{kind} reference changed"
        names = set(fresh[kind]["breaks"]) | set(stored[kind]["breaks"])
        changed = sorted(b for b in names if text(fresh[kind]["breaks"].get(b)) != text(stored[kind]["breaks"].get(b)))
        assert not changed, f"stale {kind} fingerprints for {changed}: run python -m minigrad.doctor.fingerprints"


def test_every_engine_break_that_the_checks_can_see_has_a_fingerprint() -> None:
    from minigrad.breaks import all_breaks

    stored = fingerprints.load()
    seen = set(stored["tensor"]["breaks"]) | set(stored["scalar"]["breaks"])
    for expected in (
        "skip-unbroadcast",
        "accumulate-overwrite",
        "recursive-walk",
        "matmul-no-transpose",
        "value-assign-not-accumulate",
        "softmax-no-max-subtraction",
    ):
        assert expected in seen
    assert seen <= set(all_breaks())


def test_every_check_has_a_reference_so_none_passes_vacuously() -> None:
    from minigrad.doctor import checks

    stored = fingerprints.load()
    for kind, scalar in (("tensor", False), ("scalar", True)):
        missing = [
            s.id for s in checks.checks_for(scalar) if s.oracle == "reference" and s.id not in stored[kind]["reference"]
        ]
        assert missing == [], f"{kind} checks without a reference: {missing}"

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


LEARNER_BUGS = """value-grad-not-reset intermediate-grad-kept value-topo-no-visited value-topo-from-set
tensor-topo-from-set
backward-seeded-with-zeros value-root-not-seeded integer-grad-truncated matmul-backward-2d-only mul-backward-no-upstream
neg-not-in-graph relu-backward-output-as-upstream exp-backward-uses-input softmax-diagonal-only axis-zero-is-all
reduction-backward-one-axis mean-axis-divides-by-total unbroadcast-left-aligned stack-late-binding getitem-no-scatter
rsub-swapped rtruediv-swapped""".split()


def test_every_learner_bug_is_fingerprinted_and_attention_is_not() -> None:
    # The bugs found in learners' engines (issue 9) are what the doctor exists to name: each must be visible.
    from minigrad.breaks import all_breaks

    stored = fingerprints.load()
    seen = set(stored["tensor"]["breaks"]) | set(stored["scalar"]["breaks"])
    catalog = all_breaks()
    learner_bugs = set(LEARNER_BUGS)
    assert learner_bugs <= set(catalog)
    assert sorted(learner_bugs - seen) == ["stack-late-binding"]  # the checks examine no stack function yet
    assert not {b for b, brk in catalog.items() if brk.family in fingerprints.SKIPPED_FAMILIES} & seen


def test_every_check_has_a_reference_so_none_passes_vacuously() -> None:
    from minigrad.doctor import checks

    stored = fingerprints.load()
    for kind, scalar in (("tensor", False), ("scalar", True)):
        missing = [
            s.id for s in checks.checks_for(scalar) if s.oracle == "reference" and s.id not in stored[kind]["reference"]
        ]
        assert missing == [], f"{kind} checks without a reference: {missing}"

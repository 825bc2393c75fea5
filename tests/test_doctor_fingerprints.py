"""The stored fingerprints: one file per break, in its folder (``breaks/catalog/<id>/fingerprint.json``), each with
the hash of the sources it was measured on.

Staleness is a hash comparison (milliseconds): ``python -m minigrad.doctor.fingerprints`` measures again only
the files whose sources changed.
"""

import json
import os

import pytest

from minigrad.doctor import checks, fingerprints


def test_no_stored_fingerprint_is_stale() -> None:
    stale = fingerprints.stale()
    assert stale == [], fingerprints.stale_report(stale)


def test_a_break_folder_without_a_fingerprint_is_reported_with_the_command_that_makes_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]
) -> None:
    # A new break folder: measured by the checks, no fingerprint.json beside its page yet.
    real = fingerprints.path_of
    missing = os.path.join(tmp_path, "new-break", "fingerprint.json")
    monkeypatch.setattr(fingerprints, "path_of", lambda name: missing if name == "grad-aliasing" else real(name))
    assert "grad-aliasing" in fingerprints.stale()
    report = fingerprints.stale_report(["grad-aliasing"])
    assert "missing" in report
    assert "python -m minigrad.doctor.fingerprints grad-aliasing" in report


def test_a_change_to_a_break_s_target_stales_that_break_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from minigrad.breaks import core

    real = core.original_source

    def edited(target: str) -> str:
        return real(target) + ("\n# edited" if target == "ops.shape:cat" else "")

    monkeypatch.setattr(core, "original_source", edited)
    assert fingerprints.stale() == ["cat-split-at-sizes"]


def test_every_measured_break_has_one_file_in_its_folder_and_no_file_is_left_over() -> None:
    from minigrad.breaks.page import catalog_dir

    in_folders = {p.parent.name for p in catalog_dir().glob("*/fingerprint.json")}
    assert in_folders == set(fingerprints.measured_breaks())
    assert os.listdir(fingerprints.FOLDER) == ["reference.json"]  # no break's file left in the doctor's folder
    for name in [fingerprints.REFERENCE, *in_folders]:
        with open(fingerprints.path_of(name)) as f:
            assert len(json.load(f)["hash"]) == 16


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
        # invisible to the checks before issue 15: a 3-D permutation, shared gradients, cat of three pieces
        "transpose-backward-same-perm",
        "grad-aliasing",
        "cat-split-at-sizes",
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
    stored = fingerprints.load()
    for kind, scalar in (("tensor", False), ("scalar", True)):
        missing = [
            s.id for s in checks.checks_for(scalar) if s.oracle == "reference" and s.id not in stored[kind]["reference"]
        ]
        assert missing == [], f"{kind} checks without a reference: {missing}"

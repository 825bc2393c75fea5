"""The doctor's comparison and scorer on stored outcomes (milliseconds), and its report's words.

Expected values here are hand-derived: a gradient that is 2x, a permutation's inverse, an exception's class.
The scorer is run on outcomes stored in the fingerprints (what minigrad with a break on gives) and on
hand-written outcomes for the special cases.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from minigrad.doctor import examine, fingerprints
from minigrad.doctor.compare import FLOAT32, FLOAT64, ONE_OP, compare, compare_obs, error_finding, signature
from minigrad.doctor.ranking import SCORES, SIGNATURES, VARIANTS, Candidate, rank
from minigrad.doctor.report import CheckResult, Report, counted, describe
from minigrad.messages import using_lang

RNG = np.random.default_rng(15)


# ---------------------------------------------------------------- compare: structured findings


def test_a_factor_is_a_number_never_a_sentence() -> None:
    expected = RNG.uniform(0.5, 2, size=(3, 4))
    for k in (2.0, 0.5, -1.0, 0.0, 0.25, 3.0):
        found = compare("x.grad", expected, k * expected)
        assert found is not None and found.kind == "factor" and found.factor == pytest.approx(k)


def test_a_missing_sum_names_its_axes_and_a_permutation_its_axes() -> None:
    expected = RNG.uniform(0.5, 2, size=(3,))
    got = np.tile(expected / 4, (4, 1))  # (4, 3): the sum over axis 0 would give back expected
    found = compare("b.grad", expected, got)
    assert found is not None and (found.kind, found.axes, found.reduction) == ("shape", (0,), "sum")
    g = RNG.normal(size=(3, 4, 2))  # the upstream of permute(1, 2, 0) on a (2, 3, 4)
    right, wrong = g.transpose((2, 0, 1)), g.transpose((1, 2, 0))  # the inverse, and the permutation again
    found = compare("x.grad", right, wrong)
    assert found is not None and found.kind == "permuted"
    assert np.allclose(wrong.transpose(found.axes), right)


def test_the_tolerance_follows_the_engine_s_dtype() -> None:
    expected = RNG.uniform(-2, 2, size=(5,))
    float32 = (expected * (1 + 3e-7)).astype(np.float32)  # float32 rounding, as an engine in float32 gives
    assert compare("x.grad", expected, float32, FLOAT32) is None
    assert compare("x.grad", expected, expected * (1 + 1e-5), FLOAT64) is not None  # float64 stays tight
    obs = {"x.grad": float32, "forward": float32}
    assert compare_obs({"x.grad": expected, "forward": expected}, obs) == []  # the dtype is read from the obs


def test_finite_differences_compare_the_learner_s_own_gradient() -> None:
    grad = np.array([1.0, 2.0, 3.0])
    finding = compare_obs({}, {"x.grad": grad * 2, "fd:x.grad": grad})
    assert len(finding) == 1 and finding[0].name == "x.grad (finite differences of your forward)"
    assert np.array_equal(finding[0].got, grad * 2)  # "got" is what the learner's backward gave


def test_an_exception_is_its_class_and_the_shapes_it_names() -> None:
    found = error_finding("ValueError: non-broadcastable output operand with shape (3,) doesn't match (4,3)")
    assert (found.kind, found.error, found.shapes) == ("error", "ValueError", ((3,), (4, 3)))
    assert error_finding("RecursionError: maximum recursion depth exceeded").error == "RecursionError"
    assert error_finding("timeout: still running after 8 s").error == "timeout"


def test_signatures_compare_fields_not_numbers() -> None:
    a = {"name": "x.grad", "kind": "factor", "factor": 0.5, "got": [1.0]}
    b = {"name": "x.grad", "kind": "factor", "factor": 0.5, "got": [7.0]}
    assert signature(a) == signature(b)
    assert signature(a) != signature({**b, "factor": 2.0})


# ---------------------------------------------------------------- the scorer, on stored outcomes


def _learner_like(break_id: str, kind: str) -> dict[str, dict[str, Any]]:
    """The outcomes an engine with exactly this break would give: its fingerprint's failures, every other pass."""
    stored = fingerprints.load()[kind]
    failing = dict(stored["breaks"][break_id])
    for check, outcome in failing.items():
        if outcome["findings"][0]["kind"] == "order-dependent":  # a learner's run of it: wrong in some runs only
            failing[check] = {**_outcome({"name": "x.grad", "kind": "values"}), "failed_reps": 1, "reps": 3}
    return {c: failing.get(c, {"status": "pass", "reps": 1}) for c in [*stored["reference"], *failing]}


def test_each_break_s_own_outcomes_rank_it_in_the_top_three() -> None:
    # The scorer alone, on the stored outcomes: each measured break, given its own failures, is named.
    misses = []
    for kind in ("tensor", "scalar"):
        stored = fingerprints.load()[kind]
        for break_id in stored["breaks"]:
            ids = [c.break_id for c in rank(_learner_like(break_id, kind), stored["breaks"], kind == "scalar")]
            name = VARIANTS.get(break_id, break_id) if kind == "scalar" else break_id
            if name not in ids[:3]:
                misses.append(f"{kind}/{break_id}: {ids[:3]}")
    assert misses == []


def test_a_scalar_engine_hears_the_scalar_variant_and_a_tensor_engine_the_tensor_one() -> None:
    scalar = fingerprints.load()["scalar"]["breaks"]
    tensor = fingerprints.load()["tensor"]["breaks"]
    on_scalar = [c.break_id for c in rank(_learner_like("accumulate-overwrite", "scalar"), scalar, True)]
    on_tensor = [c.break_id for c in rank(_learner_like("accumulate-overwrite", "tensor"), tensor, False)]
    assert on_scalar[0] == "value-assign-not-accumulate" and "accumulate-overwrite" not in on_scalar
    assert on_tensor[0] == "accumulate-overwrite" and "value-assign-not-accumulate" not in on_tensor


def test_every_candidate_explains_a_failing_check() -> None:
    tensor = fingerprints.load()["tensor"]["breaks"]
    for cand in rank(_learner_like("skip-unbroadcast", "tensor"), tensor, False):
        assert cand.explained, cand.break_id
    assert "backward-seeded-with-zeros" not in [
        c.break_id for c in rank(_learner_like("skip-unbroadcast", "tensor"), tensor)
    ]


def _outcome(*findings: dict[str, Any]) -> dict[str, Any]:
    return {"status": "fail", "findings": list(findings), "failed_reps": 1, "reps": 1}


def test_no_gradient_no_diagnosis() -> None:
    learner = {
        "x+x": _outcome({"name": "run", "kind": "error", "error": "timeout"}),
        "x*x": _outcome({"name": "x.grad", "kind": "missing"}),
    }
    assert rank(learner, fingerprints.load()["tensor"]["breaks"], False) == []


@pytest.mark.parametrize(
    ("break_id", "learner"),
    [
        ("reflected-op-recursion", {"c - x": _outcome({"name": "run", "kind": "error", "error": "RecursionError"})}),
        ("math-exp-overflow", {"sigmoid(-1000)": _outcome({"name": "run", "kind": "error", "error": "OverflowError"})}),
        ("exponential-walk", {"y = y * y, 16 times": _outcome({"name": "time", "kind": "slow", "got": 400.0})}),
        ("getitem-returns-array", {"x[1:3]": _outcome({"name": "an engine object", "kind": "not-engine"})}),
    ],
)
def test_a_hand_written_signature_names_a_bug_minigrad_has_no_break_for(
    break_id: str, learner: dict[str, dict[str, Any]]
) -> None:
    assert break_id in SIGNATURES
    learner = {**learner, "x+x": {"status": "pass", "reps": 1}}
    top = rank(learner, fingerprints.load()["scalar"]["breaks"], True)[0]
    assert top.break_id == break_id and top.hand_written


def test_a_hand_written_signature_needs_its_contrast() -> None:
    # Numbers not wrapped: "x - c" fails while x + x passes; when every gradient is zero it is another bug.
    unwrapped = _outcome({"name": "run", "kind": "error", "error": "AttributeError"})
    passing = {"status": "pass", "reps": 1}
    scalar = fingerprints.load()["scalar"]["breaks"]
    learner = {"x - c": unwrapped, "x + c": unwrapped, "x+x": passing, "x*x": passing}
    assert rank(learner, scalar, True)[0].break_id == "number-not-wrapped"
    # One number op that raises AttributeError ('float' object has no attribute 'data') is the number, unless
    # the same op between two of the engine's own objects fails too: then the op itself is wrong.
    leaves = "x*u - u / (x + 0.5)"  # -, *, / and + between the engine's own objects
    learner = {"x - c": unwrapped, "x+x": passing, "x*x": passing, leaves: passing}
    assert rank(learner, scalar, True)[0].break_id == "number-not-wrapped"
    learner[leaves] = _outcome({"name": "x.grad", "kind": "values"})
    assert "number-not-wrapped" not in [c.break_id for c in rank(learner, scalar, True)]
    # One number op alone that loses its gradient (2 - x through a detached -x) is that op's bug.
    learner = {"x - c": _outcome({"name": "x.grad", "kind": "missing"}), "x+x": passing, leaves: passing}
    assert "number-not-wrapped" not in [c.break_id for c in rank(learner, scalar, True)]
    zero = _outcome({"name": "x.grad", "kind": "factor", "factor": 0.0})
    everything_zero = {"x - c": zero, "x+x": zero, "x*x": zero, "diamond": zero}
    named = [c.break_id for c in rank(everything_zero, scalar, True)]
    assert "number-not-wrapped" not in named and "backward-never-attached" not in named


def test_a_zero_grad_that_clears_nothing_is_named_when_accumulation_is_right() -> None:
    # zero_grad() a no-op: the second backward after it gives 2x the leaf's gradient (hand-derived: g + g).
    doubled = _outcome({"name": "x.grad (second backward)", "kind": "factor", "factor": 2.0})
    passing = {"status": "pass", "reps": 1}
    tensor = fingerprints.load()["tensor"]["breaks"]
    learner = {"second-backward-after-zero_grad": doubled, "second-backward-accumulates": passing, "x+x": passing}
    assert rank(learner, tensor, False)[0].break_id == "forgot-zero-grad"
    # The same 2x while a second backward without zero_grad is wrong too: the accumulation's bug, not zero_grad's.
    learner["second-backward-accumulates"] = _outcome({"name": "x.grad (second backward)", "kind": "values"})
    assert "forgot-zero-grad" not in [c.break_id for c in rank(learner, tensor, False)]


def _candidate(name: str, score: float, points: dict[str, float]) -> Candidate:
    return Candidate(name, score, explained=list(points), points=points)


def test_a_second_candidate_must_show_a_check_of_its_own_more_than_loosely() -> None:
    from minigrad.doctor.ranking import _distinct

    best = _candidate("best", 0.7, {"a": 4.0, "b": 4.0, "c": 4.0})
    loose = _candidate("loose", 0.4, {"a": 2.0, "d": SCORES["explains"]})  # d: only the kind of failure matches
    firm = _candidate("firm", 0.4, {"d": SCORES["explains_new"]})  # d: its fields or its numbers match
    assert [c.break_id for c in _distinct([best, loose])] == ["best"]
    assert [c.break_id for c in _distinct([best, firm])] == ["best", "firm"]


def test_a_near_tie_explains_nearly_as_many_checks() -> None:
    from minigrad.doctor.ranking import _distinct

    best = _candidate("best", 0.7, {c: 3.0 for c in "abcde"})
    one_check = _candidate("one-check", 0.69, {"a": 4.5})  # a close score from one check that fits well
    same_checks = _candidate("same-checks", 0.69, {c: 3.0 for c in "abcd"})
    assert [c.break_id for c in _distinct([best, one_check])] == ["best"]
    assert [c.break_id for c in _distinct([best, same_checks])] == ["best", "same-checks"]


def test_the_unseeded_root_gets_the_name_of_the_engine_s_kind() -> None:
    zero = _outcome({"name": "x.grad", "kind": "factor", "factor": 0.0})
    passing = {"status": "pass", "reps": 1}
    learner = {"x+x": zero, "x*x": zero, "diamond": zero, "exp": zero, "y = y * y, 16 times": passing}
    learner[ONE_OP] = zero  # the leaf that feeds the root gets 0 too: no walk order explains that, only the seed
    scalar = [c.break_id for c in rank(learner, fingerprints.load()["scalar"]["breaks"], True)]
    tensor = [c.break_id for c in rank(learner, fingerprints.load()["tensor"]["breaks"], False)]
    assert "value-root-not-seeded" in scalar and "backward-seeded-with-zeros" not in scalar
    assert "backward-seeded-with-zeros" in tensor and "value-root-not-seeded" not in tensor


def test_a_leaf_that_feeds_the_root_tells_a_leaves_first_walk_from_an_unseeded_root() -> None:
    zero = _outcome({"name": "x.grad", "kind": "factor", "factor": 0.0})
    passing = {"status": "pass", "reps": 1}
    walk = {"x+x": zero, "x*x": zero, "diamond": zero, "three-uses": zero, "deep-chain-1000": zero, ONE_OP: passing}
    scalar = [c.break_id for c in rank(walk, fingerprints.load()["scalar"]["breaks"], True)]
    tensor = [c.break_id for c in rank(walk, fingerprints.load()["tensor"]["breaks"], False)]
    assert scalar[0] == "value-topo-not-reversed" and "value-root-not-seeded" not in scalar, scalar
    assert tensor[0] == "tensor-topo-not-reversed" and "backward-seeded-with-zeros" not in tensor, tensor


def test_the_scorer_s_numbers_live_in_one_table() -> None:
    assert SCORES["max"] >= SCORES["signature"] > SCORES["explains"] > SCORES["fails"] > 0 > SCORES["contradicted"]
    assert SCORES["match_share"] + SCORES["coverage_share"] == pytest.approx(1.0)


# ---------------------------------------------------------------- the report's words


def test_spanish_agrees_with_the_number_and_has_no_exam_slang() -> None:
    with using_lang("es"):
        assert counted("group_pass", 3, total=6) == "3/6 pasan"
        assert counted("group_pass", 1, total=1) == "1/1 pasa"
        assert counted("checks", 1) == "1 comprobación"
        assert counted("checks", 2) == "2 comprobaciones"
    report = Report(
        "eng.py:Value",
        True,
        {"grad_initial": "zeros", "dunders": ["__add__"], "methods": [], "functions": []},
        [
            CheckResult("x+x", "reuse", "fail", [{"name": "x.grad", "kind": "factor", "factor": 0.5}], "ejemplo"),
            CheckResult("diamond", "reuse", "pass"),
            CheckResult("exp", "ops", "not present"),
        ],
        [Candidate("value-assign-not-accumulate", 0.9, [], ["x+x"], ["diamond"])],
        1.0,
    )
    with using_lang("es"):
        text = report.render()
        factor_half = describe({"name": "x.grad", "kind": "factor", "factor": 0.5})
    assert "suspende" not in text and "1 comprobación que este fallo hace fallar pasa" in text
    assert "diamante" in text and not re.search(r"1/2 pasa\b", text) and "1/2 pasan" in text
    lines = [
        line for line in text.splitlines() if line.startswith("  reutilización") or line.startswith("  operaciones")
    ]
    assert len({line.index("/") for line in lines}) == 1, lines  # aligned columns
    assert factor_half == "1/2 de los valores esperados"


# ---------------------------------------------------------------- end to end (fresh interpreters: the slow group)

ENGINES = Path(__file__).parent / "engines"


@pytest.mark.slow
@pytest.mark.parametrize(("engine", "cls"), [("course_tensor.py", "Tensor"), ("micro_tensor.py", "Tensor")])
def test_a_correct_float32_engine_gets_no_false_alarm(tmp_path: Path, engine: str, cls: str) -> None:
    # The same correct engine, its data in float32 (gradients agree with float64 to ~1e-7): every check passes.
    source = (ENGINES / engine).read_text()
    source = source.replace("np.float64", "np.float32").replace(
        "np.array(data, dtype=float)", "np.array(data, dtype=np.float32)"
    )
    assert "float32" in source
    (tmp_path / engine).write_text(source)
    report = examine(f"{engine}:{cls}", cwd=str(tmp_path), limits={"deep-100000": 4.0})
    assert [(c.id, c.findings) for c in report.failing()] == []
    assert sum(c.status == "pass" for c in report.checks) >= 60


PRINTED = re.compile(r"^print\((\w+\.grad)\)$")


def _reproduce(folder: Path, check: Any) -> list[str]:
    """Paste the example in a fresh interpreter; what differs from its "got" comments."""
    lines = check.example.splitlines()
    script = "\n".join(
        f"print('@@', repr(None if {m.group(1)} is None else np.asarray({m.group(1)}, dtype=float).tolist()))"
        if (m := PRINTED.match(line))
        else line
        for line in lines
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, timeout=60)
    problems = []
    errors = [f for f in check.findings if f["kind"] == "error"]
    if errors:
        error = errors[0]["error"]
        if error not in ("timeout", "died") and (run.returncode == 0 or error not in run.stderr):
            problems.append(f"{check.id}: expected {error}, got rc {run.returncode}: {run.stderr[-300:]}")
        return problems
    assert run.returncode == 0, f"{check.id}: the example raised\n{script}\n{run.stderr}"
    printed = [ast.literal_eval(line[3:]) for line in run.stdout.splitlines() if line.startswith("@@ ")]
    shown = [f for f in check.findings if PRINTED.match(f"print({f['name'].partition(' (')[0]})")]
    shown = [
        f for f in shown if f["name"] == f["name"].partition(" (")[0] or "second" in f["name"] or "finite" in f["name"]
    ]
    if "change from run to run" in check.example or check.reps > 1:
        # An order-sensitive check (run again with fresh objects): an engine that walks a set's order gets numbers
        # that depend on memory addresses, which differ in another process. It must still run and print.
        return []
    if len(printed) != len(shown):
        return [f"{check.id}: printed {len(printed)} values for {len(shown)} findings\n{script}"]
    for value, finding in zip(printed, shown):
        got = finding.get("got")
        if got is None or value is None:
            if (got is None) != (value is None):
                problems.append(f"{check.id}: {finding['name']} printed {value}, got {got}")
        elif not np.allclose(np.asarray(value, dtype=float), np.asarray(got, dtype=float), rtol=1e-6, atol=1e-9):
            problems.append(f"{check.id}: {finding['name']} printed {value}, the report says {got}")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "course_tensor/skip-unbroadcast",
        "course_tensor/tanh-backward-uses-input",
        "micro_tensor/accumulate-overwrite",
        "micro_tensor/recursive-walk",
        "function_style/sub-backward-sign",
        "scalar_value/value-assign-not-accumulate",
        "scalar_value/pow-wrong-exponent",
    ],
)
def test_every_printed_example_reproduces_its_got(tmp_path: Path, name: str) -> None:
    from engines.mutations import MUTATIONS

    mutation = next(m for m in MUTATIONS if m.name == name)
    (tmp_path / mutation.engine).write_text(mutation.apply((ENGINES / mutation.engine).read_text()))
    report = examine(f"{mutation.engine}:{mutation.target}", cwd=str(tmp_path), limits={"deep-100000": 4.0})
    assert report.failing()
    problems = [p for check in report.failing() for p in _reproduce(tmp_path, check)]
    assert problems == []
    text = report.render()
    assert report.diagnosis and text.index(f"--- {report.diagnosis[0].explained[0]}") < text.index("Diagnosis:")

"""Name the bug: match a learner's check outcomes against every break's fingerprint, structurally.

A fingerprint (measured on minigrad with the break on, :mod:`.fingerprints`,
or written by hand in :data:`SIGNATURES` for a bug minigrad cannot have yet)
says which checks the break makes fail, and how.  For each such check the
learner's engine could run, the scorer adds the points of :data:`SCORES`: the
learner's engine fails it too, on the same observations, the same kind of way
(shape, factor, error...), with the same structured fields (the factor 1/4,
the axes (0,), the exception's class), with the very numbers minigrad gives
with the break on.  A check the break fails and the learner's passes costs
points.  The match (points over the maximum) and the share of the learner's
failures the break explains make the score.  Findings are compared as values
(:func:`.compare.signature`), never as text.

A candidate must explain at least one failing check (the same kind of
failure at least); a scalar engine gets the scalar variant of a bug's name,
a tensor engine the tensor one (:data:`VARIANTS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .compare import ONE_OP, signature

ORDER_DEPENDENT = "order-dependent"  # the finding kind of a break that walks the graph in a set's order

# The scorer's weights and special cases: every number the ranking depends on.
SCORES: dict[str, float] = {
    "fails": 1.0,  # the learner's engine fails a check the break fails
    "same_observations": 0.5,  # ... with findings on the same observations (x.grad, forward, the run)
    "same_kind": 0.5,  # ... of the same kind (shape, factor, values, error), shared among the observations
    "same_signature": 1.0,  # ... with the same structured fields (factor, axes, reduction, exception class)
    "same_numbers": 1.5,  # ... equal to the numbers minigrad gives with the break on
    "stopped_by_shape_error": 0.5,  # the learner's run stopped at a broadcast error where the break's shape is wrong
    "max": 4.5,  # the most one check can score
    "explains": 2.0,  # the least a check must score to count as explained by the break
    # the least a check must score to show a second bug: more than the kind of failure (its structured fields,
    # its very numbers, a hand-written signature); a wrong-values check alone fits too many breaks
    "explains_new": 2.5,
    "contradicted": -1.5,  # the break fails the check; the learner's engine passes it
    "other_error": 2.0,  # the break raises; the learner's engine raises another exception in that check
    "order_mixed": 4.5,  # a set-order break; the learner's check failed in some runs with fresh objects only
    "order_steady": 2.0,  # a set-order break; the learner's check gave wrong numbers in every run
    "integer_crash": 4.5,  # integer gradients met by an in-place float add (NumPy's casting error)
    "disconnected": 3.5,  # minigrad refuses a backward that reaches no leaf; the learner's leaves get no gradient
    "signature": 4.0,  # a hand-written signature's check fails the way the signature says
    "signature_elsewhere": 2.5,  # another check fails the way a hand-written signature says (an "anywhere" pattern)
    "against_per_explained": 3.0,  # more checks against a break than it explains: not a candidate
    "match_share": 0.8,  # of the score: the match
    "coverage_share": 0.2,  # of the score: the share of the learner's failing checks the break explains
    # a candidate that shows nothing new is still listed when its score is this share of the best's, and it
    # explains this share of as many checks (one check that fits well is no tie with thirty)
    "near_tie": 0.8,
}
# Kinds of finding so specific that matching one counts whole, not shared with the check's other observations
# (two gradients in one array, an op that returns a plain array, a time that grows exponentially).
DECISIVE_KINDS = ("shared", "not-engine", "slow")
INTEGER_CAST_ERRORS = ("_UFuncOutputCastingError", "UFuncTypeError")  # exception classes, never their wording
DISCONNECTED_ERROR = "RuntimeError"  # minigrad's refusal of a backward from an output with no graph
EMPTY_GRADIENT = ({"kind": "missing"}, {"kind": "factor", "factor": 0.0})

# The scalar and tensor variants of one bug: a scalar engine is told the scalar name, a tensor engine the other.
VARIANTS = {
    "accumulate-overwrite": "value-assign-not-accumulate",
    "tensor-topo-from-set": "value-topo-from-set",
    "intermediate-grad-kept": "value-grad-not-reset",
    "backward-seeded-with-zeros": "value-root-not-seeded",
    "tensor-topo-not-reversed": "value-topo-not-reversed",
}


@dataclass(frozen=True)
class Signature:
    """A hand-written fingerprint, for a bug class minigrad has no break for yet (not measured: written from the
    bug's mechanics).  ``checks``: a check id and the findings that show the bug there (any one of them);
    ``anywhere``: findings that show it in any other failing check too."""

    checks: dict[str, tuple[dict[str, Any], ...]]
    anywhere: tuple[dict[str, Any], ...] = ()
    required: tuple[str, ...] = ()  # checks that must fail (a pass contradicts the bug)
    among_passing: bool = False  # one op's bug: most checks must pass (every gradient zero is another bug)
    among_failing: bool = False  # a bug of the walk itself: most checks must fail (one op's bug leaves most passing)
    contrast: tuple[str, ...] = ()  # checks that must pass for the bug to be this one (the same op, done right)
    least: int = 1  # how many checks must show it
    decisive: tuple[dict[str, Any], ...] = ()  # findings that show it in one check, whatever ``least`` says
    # a check -> the checks that do its op between the engine's own objects (ids, or the start of ids): when one
    # of them fails too, the op itself is wrong, and the check is no sign of this bug
    same_op: dict[str, tuple[str, ...]] = field(default_factory=dict)
    steady: bool = False  # not when results change from run to run (a set's order also loses gradients)


def _error(*classes: str) -> tuple[dict[str, Any], ...]:
    return tuple({"kind": "error", "error": c} for c in classes)


_UNWRAPPED = (*_error("TypeError", "AttributeError"), *EMPTY_GRADIENT)
_NUMBER_CHECKS = [f"{a} {op} {b}" for op in "+-*/" for a, b in (("x", "c"), ("c", "x"))]
_LEAVES = "x*u - u / (x + 0.5)"  # the scalar check of + - * / between the engine's own objects
# Each op between two of the engine's own objects: the tensor checks (broadcast zoo), and the scalar ones.
_OP_CHECKS = {
    "+": ("add(", "x+x", _LEAVES),
    "-": ("sub(", _LEAVES),
    "*": ("mul(", "x*x", _LEAVES),
    "/": ("div(", _LEAVES),
}

# Hand-written signatures, written from each bug's mechanics.  Marked as such in the report.  The lab has a break
# for each (most of them in its learner-style engine, since minigrad cannot have them), but one measurement of
# minigrad with that break on shows only how minigrad's own API meets the bug; the signature says how any engine
# shows it.  So these ids are not measured (fingerprints.measured_breaks leaves them out).
SIGNATURES: dict[str, Signature] = {
    "constant-without-grad": Signature(
        {"x * constant": _error("TypeError", "AttributeError"), "x + constant": _error("TypeError", "AttributeError")},
        required=("x * constant",),
    ),
    "backward-never-attached": Signature({}, anywhere=EMPTY_GRADIENT, among_passing=True, steady=True),
    "number-not-wrapped": Signature(
        {**{c: _UNWRAPPED for c in _NUMBER_CHECKS}, "neg": _error("TypeError", "AttributeError")},
        contrast=("x+x", "x*x"),  # the same ops between the engine's own objects work
        least=2,  # one number op alone that loses its gradient is that op's bug (2 - x through a detached -x)
        decisive=_error("TypeError", "AttributeError"),  # ``'float' object has no attribute 'data'``: the number
        same_op={c: _OP_CHECKS[c.split()[1]] for c in _NUMBER_CHECKS},
        steady=True,
    ),
    # zero_grad() that clears nothing: the second backward after it doubles the leaf's gradient, while a second
    # backward without it accumulates right (else the bug is in the accumulation: another break)
    "forgot-zero-grad": Signature(
        {"second-backward-after-zero_grad": ({"name": "x.grad (second backward)", "kind": "factor", "factor": 2.0},)},
        required=("second-backward-after-zero_grad",),
        contrast=("second-backward-accumulates",),
    ),
    "math-exp-overflow": Signature(
        {
            "sigmoid(-1000)": (*_error("OverflowError"), {"kind": "not-finite"}),
            "tanh(400)": (*_error("OverflowError"), {"kind": "not-finite"}),
        }
    ),
    # ``for node in topo`` without ``reversed``: only the root's own backward passes anything on, so every
    # gradient is empty except those of leaves that feed the root directly, which the one-op check sees right.
    # Minigrad's tensor engine with this break leaves every grad None (the page says why), which no learner's
    # engine that starts its grads at zero shows: so this is written from the mechanics, not measured.
    "tensor-topo-not-reversed": Signature(
        {}, anywhere=EMPTY_GRADIENT, contrast=(ONE_OP,), among_failing=True, least=3, steady=True
    ),
    "exponential-walk": Signature({"y = y * y, 16 times": ({"kind": "slow"},)}, required=("y = y * y, 16 times",)),
    "softmax-fixed-axis": Signature(
        {"softmax(axis=0)": ({"name": "forward"},), "softmax of a (2,3,4)": ({"name": "forward"},)}
    ),
    "reflected-op-recursion": Signature({f"c {op} x": _error("RecursionError") for op in "+-*/"}),
    "getitem-returns-array": Signature({"x[1:3]": ({"kind": "not-engine"},), "x[[0,2,0]]": ({"kind": "not-engine"},)}),
}


@dataclass
class Candidate:
    break_id: str
    score: float  # 0..1
    evidence: list[dict[str, Any]] = field(default_factory=list)  # per explained check: its findings (structured)
    explained: list[str] = field(default_factory=list)  # the learner's failing checks this break explains
    contradicted: list[str] = field(default_factory=list)  # checks this break fails and the learner's passes
    # the learner's failing checks that this break, measured on minigrad, passes: evidence against it (empty for a
    # hand-written signature, which says nothing about the checks it does not name)
    passed_there: list[str] = field(default_factory=list)
    hand_written: bool = False  # matched a hand-written signature, not a measured fingerprint
    points: dict[str, float] = field(default_factory=dict)  # what each explained check scored (see SCORES)


def _same_numbers(a: Any, b: Any) -> bool:
    if a is None or b is None or isinstance(a, (str, bool)) or isinstance(b, (str, bool)):
        return False
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape or not (np.isfinite(x).all() and np.isfinite(y).all()):
        return False
    return bool(np.allclose(x, y, rtol=1e-4, atol=1e-6))


def _matches(finding: dict[str, Any], pattern: dict[str, Any]) -> bool:
    return all(finding.get(k) == v for k, v in pattern.items())


def _errors(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in outcome.get("findings", []) if f["kind"] == "error"]


def _integer_crash(outcome: dict[str, Any]) -> bool:
    return any(f.get("error") in INTEGER_CAST_ERRORS for f in _errors(outcome))


def _family(finding: dict[str, Any]) -> str:
    """How a finding fails; a ValueError naming shapes (a broadcast refused at ``grad +=``, a reshape refused) is
    a wrong shape met by an operation that checks shapes."""
    if finding["kind"] == "error" and finding.get("error") == "ValueError" and finding.get("shapes"):
        return "shape"
    return {"permuted": "shape"}.get(str(finding["kind"]), str(finding["kind"]))


def _mixed(outcome: dict[str, Any]) -> bool:
    """Failed in some runs with fresh objects and passed in others: the result depends on memory addresses."""
    return 0 < int(outcome.get("failed_reps", 0)) < int(outcome.get("reps", 1))


def _check_points(mine: dict[str, Any], theirs: dict[str, Any], order_seen: bool = False) -> float:
    """Points for a check both the learner's engine and the break fail."""
    mine_f = {f["name"]: f for f in mine["findings"]}
    theirs_f = {f["name"]: f for f in theirs["findings"]}
    run = theirs_f.get("run")
    if run is not None and run["kind"] == ORDER_DEPENDENT:  # a walk in a set's order: how often, not how
        if order_seen or _mixed(mine):
            return SCORES["order_mixed"]
        # Wrong in every run (a set's order follows allocation order): wrong numbers fit, an exception does not.
        return SCORES["fails"] if "run" in mine_f else SCORES["order_steady"]
    if any(f["kind"] == "dtype" for f in theirs_f.values()) and _integer_crash(mine):
        return SCORES["integer_crash"]  # the integer gradient, met by an in-place float add
    if run is not None and run["kind"] == "error" and run.get("error") == DISCONNECTED_ERROR:
        if mine_f and all(any(_matches(f, p) for p in EMPTY_GRADIENT) for f in mine_f.values()):
            return SCORES["disconnected"]  # likely, not certain: other bugs leave zeros too
    if run is not None and run["kind"] == "error" and "run" in mine_f:  # both raise: the same exception?
        return SCORES["max"] if mine_f["run"].get("error") == run.get("error") else SCORES["other_error"]
    if run is not None and _family(run) == "shape":  # the break raised on a wrong shape; the learner's has one
        if any(_family(f) == "shape" for f in mine_f.values()):
            return SCORES["fails"] + SCORES["same_kind"] + SCORES["stopped_by_shape_error"]
        return SCORES["fails"]
    if run is not None and run["kind"] == "error":  # the break raises, the learner's engine computes: little
        return SCORES["fails"]
    points = SCORES["fails"]
    if set(mine_f) == set(theirs_f):
        points += SCORES["same_observations"]
    if "run" in mine_f and _family(mine_f["run"]) == "shape":  # a broadcast error stopped the run: compare kinds
        mine_f = {name: mine_f["run"] for name in theirs_f}
        points += SCORES["stopped_by_shape_error"]
    ordinary = sum(f["kind"] not in DECISIVE_KINDS for f in theirs_f.values())
    for name, expected in theirs_f.items():
        got = mine_f.get(name)
        if got is None:
            continue
        # The observations share the points, except a finding of a decisive kind: it counts whole.
        share = 1.0 if expected["kind"] in DECISIVE_KINDS else 1.0 / max(1, ordinary)
        if _family(got) == _family(expected):
            points += SCORES["same_kind"] * share
        if got["kind"] != "values" and signature(got) == signature(expected):
            points += SCORES["same_signature"] * share
        elif _same_numbers(got.get("got"), expected.get("got")):
            points += SCORES["same_numbers"] * share
    return min(points, SCORES["max"])


def _order_dependent(fingerprint: dict[str, Any]) -> bool:
    return any(f["kind"] == ORDER_DEPENDENT for out in fingerprint.values() for f in out["findings"])


def _evidence(check_id: str, outcome: dict[str, Any], theirs: dict[str, Any] | None = None) -> dict[str, Any]:
    """The learner's findings on an explained check; ``same_numbers`` where they are the break's very numbers."""
    keep = ("name", "kind", "factor", "axes", "reduction", "error", "shapes", "got_shape", "expected_shape", "dtype")
    findings = [
        {k: f[k] for k in (*keep, *(("got", "expected") if f["kind"] == "slow" else ())) if k in f}
        for f in outcome.get("findings", [])
    ]
    break_got = {f["name"]: f.get("got") for f in (theirs or {}).get("findings", [])}
    for shown, f in zip(findings, outcome.get("findings", [])):
        if _same_numbers(f.get("got"), break_got.get(f["name"])):
            shown["same_numbers"] = True
    return {"check": check_id, "findings": findings, "failed_reps": outcome.get("failed_reps", 1), **_reps(outcome)}


def _reps(outcome: dict[str, Any]) -> dict[str, Any]:
    return {"reps": outcome.get("reps", 1)}


def _score(total: float, predicted: int, explained: int, failing: int) -> float:
    match = max(0.0, total / (SCORES["max"] * max(1, predicted)))
    return round(SCORES["match_share"] * match + SCORES["coverage_share"] * explained / max(1, failing), 4)


def _measured(
    break_id: str, fingerprint: dict[str, Any], learner: dict[str, dict[str, Any]], order_seen: bool
) -> Candidate | None:
    runnable = {c for c, o in learner.items() if o["status"] in ("pass", "fail")}
    failing = {c for c, o in learner.items() if o["status"] == "fail"}
    predicted = [c for c in fingerprint if c in runnable]
    if not failing.intersection(predicted):
        return None
    if (
        ONE_OP in predicted
        and learner[ONE_OP]["status"] == "pass"
        and not _order_dependent({ONE_OP: fingerprint[ONE_OP]})
    ):
        return (
            None  # one op from a leaf to the root leaves no room for another bug to hide this one (a set's order may)
        )
    total, cand = 0.0, Candidate(break_id, 0.0)
    for check_id in predicted:
        if check_id in failing:
            points = _check_points(learner[check_id], fingerprint[check_id], order_seen)
            total += points
            if points >= SCORES["explains"]:
                cand.explained.append(check_id)
                cand.points[check_id] = points
                cand.evidence.append(_evidence(check_id, learner[check_id], fingerprint[check_id]))
        elif not _order_dependent({check_id: fingerprint[check_id]}):  # a set's order may be lucky: no contradiction
            total += SCORES["contradicted"]
            cand.contradicted.append(check_id)
    if any(f["kind"] == "dtype" for out in fingerprint.values() for f in out["findings"]):
        # integer gradients: any check whose in-place add crashed on an integer gradient is this bug too
        for check_id in sorted(failing):
            if check_id not in predicted and _integer_crash(learner[check_id]):
                cand.explained.append(check_id)
                cand.points[check_id] = SCORES["integer_crash"]
    if not cand.explained or len(cand.contradicted) > SCORES["against_per_explained"] * len(cand.explained):
        return None
    cand.passed_there = sorted(failing.difference(fingerprint))
    if _order_dependent(fingerprint) and not order_seen and len(cand.explained) < len(predicted) / 2:
        return None  # wrong in every run, in a few of the order-sensitive checks only: another bug's doing
    coverage = len(failing) if order_seen and _order_dependent(fingerprint) else len(cand.explained)
    cand.score = _score(total, len(predicted), coverage, len(failing))
    return cand


def _hand_written(break_id: str, sig: Signature, learner: dict[str, dict[str, Any]]) -> Candidate | None:
    runnable = {c for c, o in learner.items() if o["status"] in ("pass", "fail")}
    failing = sorted(c for c, o in learner.items() if o["status"] == "fail")
    passing = [c for c, o in learner.items() if o["status"] == "pass"]
    if sig.among_passing and len(passing) < len(failing):
        return None
    if sig.among_failing and len(failing) <= len(passing):
        return None
    if any(c in learner and learner[c]["status"] != "pass" for c in sig.contrast):
        return None
    if sig.steady and any(_mixed(learner[c]) for c in failing):
        return None
    total, predicted, cand = 0.0, 0, Candidate(break_id, 0.0, hand_written=True)
    for check_id, patterns in sig.checks.items():
        if check_id not in runnable:
            continue
        outcome = learner[check_id]
        same_op = [c for c in learner if c.startswith(sig.same_op.get(check_id, ())) and c != check_id]
        if outcome["status"] == "fail" and any(learner[c]["status"] == "fail" for c in same_op):
            continue  # the op fails between the engine's own objects too: the op's bug, not this one
        if outcome["status"] == "fail":
            predicted += 1
            shown = any(_matches(f, p) for f in outcome["findings"] for p in patterns)
            total += SCORES["signature"] if shown else SCORES["fails"]
            if shown:
                cand.explained.append(check_id)
                cand.points[check_id] = SCORES["signature"]
                cand.evidence.append(_evidence(check_id, outcome))
        elif check_id in sig.required:
            predicted += 1
            total += SCORES["contradicted"]
            cand.contradicted.append(check_id)
    if sig.anywhere:
        for check_id in failing:
            if check_id not in sig.checks and all(
                any(_matches(f, p) for p in sig.anywhere) for f in learner[check_id]["findings"]
            ):
                predicted += 1
                total += SCORES["signature_elsewhere"]
                cand.explained.append(check_id)
                cand.points[check_id] = SCORES["signature_elsewhere"]
                cand.evidence.append(_evidence(check_id, learner[check_id]))
    decisive = any(_matches(f, p) for c in cand.explained for f in learner[c]["findings"] for p in sig.decisive)
    if len(cand.explained) < sig.least and not decisive:
        return None
    cand.score = _score(total, predicted, len(cand.explained), len(failing))
    return cand


def produced_gradients(learner: dict[str, dict[str, Any]]) -> bool:
    """Whether any check got as far as a gradient: a run whose every check raised, timed out, died or left
    every gradient empty has nothing to diagnose."""
    for outcome in learner.values():
        if outcome["status"] == "pass":
            return True
        for f in outcome.get("findings", []) if outcome["status"] == "fail" else []:
            if f["kind"] not in ("missing", "error"):
                return True
    return False


def rank(
    learner: dict[str, dict[str, Any]], prints: dict[str, dict[str, Any]], scalar: bool | None = None
) -> list[Candidate]:
    """Candidates, best first; only breaks that explain at least one of the learner's failures.

    ``scalar``: whether the engine is a scalar one (its bugs get the scalar variants' names); by default, read
    from the checks it ran."""
    if scalar is None:
        from .checks import SCALAR, TENSOR

        ids = set(learner)
        scalar = bool(ids) and ids <= {s.id for s in SCALAR} and not ids <= {s.id for s in TENSOR}
    if not any(o["status"] == "fail" for o in learner.values()) or not produced_gradients(learner):
        return []
    order_seen = any(_mixed(o) for o in learner.values() if o["status"] == "fail")
    found: list[Candidate] = []
    for break_id, fingerprint in prints.items():
        if break_id in SIGNATURES:
            continue  # a stale measured file must not compete with the signature
        cand = _measured(break_id, fingerprint, learner, order_seen)
        if cand is not None:
            found.append(cand)
    for break_id, sig in SIGNATURES.items():
        cand = _hand_written(break_id, sig, learner)
        if cand is not None:
            found.append(cand)
    return _distinct(_named_for(found, scalar))


def _distinct(ranked: list[Candidate]) -> list[Candidate]:
    """The best candidate, then each one that shows a failing check no better-ranked candidate explains (a
    second bug of the engine), or that nearly ties the best (the checks cannot tell the two apart).

    To show a check, a candidate must match more than its kind of failure (``explains_new`` in SCORES): wrong
    values alone fit most breaks of the same part of the engine.  A candidate whose every explained check a
    better one already explains, or that explains the rest only loosely, at a much lower score, is another name
    for the same evidence: listing it only hides the answer."""
    kept: list[Candidate] = []
    covered: set[str] = set()
    for cand in ranked:
        new = [c for c in cand.explained if c not in covered and cand.points[c] >= SCORES["explains_new"]]
        best = kept[0] if kept else cand
        tie = cand.score >= SCORES["near_tie"] * best.score
        tie = tie and len(cand.explained) >= SCORES["near_tie"] * len(best.explained)
        # no tie when a check tells them apart: the best explains a failing check that this break passes, or
        # this break fails a check that the learner's engine passes and the best does not contradict
        tie = tie and not set(best.explained).intersection(cand.passed_there)
        tie = tie and not set(cand.contradicted).difference(best.contradicted)
        if not kept or new or tie:
            kept.append(cand)
            covered |= set(cand.explained)
    return kept


def _named_for(candidates: list[Candidate], scalar: bool) -> list[Candidate]:
    """Each bug under the name of the variant that matches the engine; one candidate per name, its best."""
    rename = VARIANTS if scalar else {v: k for k, v in VARIANTS.items()}
    best: dict[str, Candidate] = {}
    for cand in candidates:
        cand.break_id = rename.get(cand.break_id, cand.break_id)
        if cand.break_id not in best or cand.score > best[cand.break_id].score:
            best[cand.break_id] = cand
    return sorted(best.values(), key=lambda c: (-c.score, c.break_id))

"""Name the bug: match a learner's check outcomes against every break's fingerprint.

For each break whose fingerprint fails some check the learner's engine could
run, every such check scores: the learner's engine fails it too (1 point), on
the same observations (+0.5), the same way (+0.5: shape, values, error), with
the same numeric signature (+1: "factor 1/4", "sign flipped", a missing axis
sum, "RecursionError"), with the very numbers minigrad gives with the break on
(+1.5: equal to the known wrong formula).  Where the break raises, only the
same exception counts (full points; another exception 0.5); a NumPy broadcast
error at ``grad +=`` counts as a wrong shape.  A check the break fails but the
learner's engine passes costs 1.5 points.  The match (mean points over the
maximum) counts 80%, the share of the learner's failures the break explains 20%.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_POINTS = 4.5
MISS_PENALTY = -1.5
ORDER_DEPENDENT = "order-dependent"  # the signature of a break that walks the graph in a set's order
DISCONNECTED = "has no graph"  # minigrad's refusal of a backward from an output that is not linked to its inputs
DISCONNECTED_POINTS = 3.5
EMPTY_GRAD = ("zero", "no gradient (None)")
INTEGER_CAST = "Cannot cast ufunc"  # NumPy refusing a float gradient added into an integer one in place


@dataclass
class Candidate:
    break_id: str
    score: float  # 0..1
    evidence: list[str] = field(default_factory=list)
    explained: list[str] = field(default_factory=list)  # the learner's failing checks this break explains
    contradicted: list[str] = field(default_factory=list)  # checks this break fails and the learner's passes


def _same_numbers(a: Any, b: Any) -> bool:
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return False
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape or not (np.isfinite(x).all() and np.isfinite(y).all()):
        return False
    return bool(np.allclose(x, y, rtol=1e-5, atol=1e-7))


def _integer_crash(outcome: dict[str, Any]) -> bool:
    return any(f["name"] == "run" and INTEGER_CAST in str(f.get("got", "")) for f in outcome.get("findings", []))


def _family(finding: dict[str, Any]) -> str:
    """How a finding fails; a NumPy broadcast error at ``grad +=`` is a wrong shape met by an in-place add."""
    if finding["kind"] == "error" and "broadcast" in str(finding.get("got", "")):
        return "shape"
    return str(finding["kind"])


def _mixed(outcome: dict[str, Any]) -> bool:
    """Failed in some runs with fresh objects and passed in others: the result depends on memory addresses."""
    return 0 < int(outcome.get("failed_reps", 0)) < int(outcome.get("reps", 1))


def _check_points(mine: dict[str, Any], theirs: dict[str, Any], order_seen: bool = False) -> tuple[float, str]:
    """Points for a check both fail, and the evidence sentence."""
    mine_f = {f["name"]: f for f in mine["findings"]}
    theirs_f = {f["name"]: f for f in theirs["findings"]}
    if theirs_f.get("run", {}).get("signature") == ORDER_DEPENDENT:  # a walk in a set's order: how often, not how
        runs = f"failed in {mine.get('failed_reps', 1)} of {mine.get('reps', 1)} runs with fresh objects"
        return (MAX_POINTS if order_seen or _mixed(mine) else 2.0), runs
    if any(f["kind"] == "dtype" for f in theirs_f.values()) and _integer_crash(mine):
        return MAX_POINTS, str(mine_f["run"]["got"])[:120]  # the integer gradient, met by an in-place float add
    if "run" in theirs_f and DISCONNECTED in str(theirs_f["run"].get("got", "")):
        # minigrad refuses a backward that reaches no leaf; a learner's engine leaves the leaves' gradients empty
        if all(f["signature"] in EMPTY_GRAD for f in mine_f.values()):  # likely, not certain: other bugs zero too
            return DISCONNECTED_POINTS, ", ".join(sorted({f["signature"] for f in mine_f.values()}))
    if "run" in theirs_f and _family(theirs_f["run"]) == "error":  # the break raises: the same exception, or little
        mine_run = mine_f.get("run")
        same = mine_run is not None and mine_run["signature"] == theirs_f["run"]["signature"]
        note = str(mine_run["got"])[:120] if mine_run else ", ".join(f["signature"] for f in mine_f.values())
        return (MAX_POINTS if same else 0.5), note
    points = 1.0
    if set(mine_f) == set(theirs_f):
        points += 0.5
    share = 1.0 / max(1, len(theirs_f))
    notes = []
    if "run" in mine_f and _family(mine_f["run"]) == "shape":  # the error stopped the run: compare its kind
        mine_f = {name: mine_f["run"] for name in theirs_f}
        points += 0.5
    for name, expected in theirs_f.items():
        got = mine_f.get(name)
        if got is None:
            continue
        if _family(got) == _family(expected):
            points += 0.5 * share
        if got["signature"] == expected["signature"] and got["signature"] != "different values":
            points += 1.0 * share
            notes.append(f"{name}: {got['signature']}")
        elif _same_numbers(got.get("got"), expected.get("got")):
            points += 1.5 * share
            notes.append(f"{name}: equal to minigrad's numbers with this break on")
        elif got["kind"] == "error":
            notes.append(f"{name}: {str(got.get('got', ''))[:120]}")
        else:
            notes.append(f"{name}: {got['signature']}")
    return min(points, MAX_POINTS), "; ".join(notes)


def _order_dependent(fingerprint: dict[str, Any]) -> bool:
    return any(f["signature"] == ORDER_DEPENDENT for out in fingerprint.values() for f in out["findings"])


def rank(learner: dict[str, dict[str, Any]], prints: dict[str, dict[str, Any]]) -> list[Candidate]:
    """Candidates, best first; only breaks that explain at least one of the learner's failures."""
    runnable = {c for c, o in learner.items() if o["status"] in ("pass", "fail")}
    failing = {c for c, o in learner.items() if o["status"] == "fail"}
    order_seen = any(_mixed(learner[c]) for c in failing)
    candidates = []
    for break_id, fingerprint in prints.items():
        predicted = [c for c in fingerprint if c in runnable]
        if not predicted or not failing.intersection(predicted):
            continue
        total, cand = 0.0, Candidate(break_id, 0.0)
        for check_id in predicted:
            if check_id in failing:
                points, note = _check_points(learner[check_id], fingerprint[check_id], order_seen)
                total += points
                cand.explained.append(check_id)
                cand.evidence.append(f"{check_id}: {note}" if note else check_id)
            else:
                total += MISS_PENALTY
                cand.contradicted.append(check_id)
        if any(f["kind"] == "dtype" for out in fingerprint.values() for f in out["findings"]):
            # integer gradients: any check whose in-place add crashed on an integer gradient is this bug too
            cand.explained += [c for c in sorted(failing) if c not in predicted and _integer_crash(learner[c])]
        match = max(0.0, total / (MAX_POINTS * len(predicted)))
        coverage = len(cand.explained) / len(failing)
        if order_seen and _order_dependent(fingerprint):  # a walk in a set's order can make any gradient wrong
            coverage = 1.0
        cand.score = round(0.8 * match + 0.2 * coverage, 4)
        candidates.append(cand)
    candidates.sort(key=lambda c: (-c.score, c.break_id))
    return candidates
